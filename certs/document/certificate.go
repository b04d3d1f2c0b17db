package document

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"anpei/fault"
)

// Certificate is what a printed certificate shows. It is the print view of
// a certs.Certificate: names and labels already resolved, the ID number
// already masked.
type Certificate struct {
	Title         string    // 证书名称, e.g. 培训合格证明
	HolderName    string    // full name, e.g. 张晓明
	MaskedID      string    // masked ID number, e.g. 5303**********1234
	Sex           string    // optional, 男 or 女
	KindName      string    // the kind of training or certificate
	OperationItem string    // optional 准操项目, e.g. 低压电工作业
	Hours         string    // optional, e.g. "48 学时"
	Score         string    // optional, e.g. "92 分"
	IssuedOn      time.Time // the civil date of issue (and of passing)
	ValidUntil    time.Time // zero is 长期有效
	NextReview    time.Time // optional 复审日期
	Issuer        string    // the issuing authority, also drawn in the seal
	TrainingOrg   string    // optional training organisation
	Number        string    // certificate number, e.g. PX-2026-000123-7K4Q
	QRPayload     string    // what the QR code holds, the verification address
	QRCaption     string    // under the QR code; empty is 扫码核验
	Status        string    // optional watermark, e.g. 已撤销
	// Statement, when set, is the sentence after the holder's name in
	// place of the default "同志于 … 完成…培训，经考核合格，特发此证。"
	Statement string
}

// MaxQRPayload is the longest QRPayload, in bytes. At error correction
// level M it is a version 23 code, 109 modules across: 0.28 mm a module in
// the 30 mm printed code, about what a phone still reads from paper.
const MaxQRPayload = 800

// ErrInvalid is the error Render returns, with a message naming the field,
// for a certificate with a missing, over-long or malformed field.
var ErrInvalid = fault.New(fault.Invalid, "certificate_document_invalid", "证书内容有误，无法生成证书文件")

// ErrUnprintable is the error Render returns, with a message naming the
// field and the characters, when a field has characters the embedded font
// cannot draw (such as ideographs outside the Basic Multilingual Plane). A
// certificate is never printed with a character silently left out.
var ErrUnprintable = fault.New(fault.Unprocessable, "certificate_unprintable", "证书中有无法打印的字符")

// textField is one text field of a Certificate and its limits.
type textField struct {
	name, label string
	value       string
	required    bool
	max         int  // in characters
	ascii       bool // printable ASCII only
}

func (d *Certificate) textFields() []textField {
	return []textField{
		{"Title", "证书名称", d.Title, true, 30, false},
		{"HolderName", "姓名", d.HolderName, true, 30, false},
		{"MaskedID", "身份证号", d.MaskedID, true, 32, true},
		{"Sex", "性别", d.Sex, false, 4, false},
		{"KindName", "培训类别", d.KindName, true, 40, false},
		{"OperationItem", "作业项目", d.OperationItem, false, 40, false},
		{"Hours", "培训学时", d.Hours, false, 16, false},
		{"Score", "考核成绩", d.Score, false, 16, false},
		{"Issuer", "发证机关", d.Issuer, true, 30, false},
		{"TrainingOrg", "培训机构", d.TrainingOrg, false, 40, false},
		{"Number", "证书编号", d.Number, true, 40, true},
		{"QRCaption", "二维码说明", d.QRCaption, false, 12, false},
		{"Status", "证书状态", d.Status, false, 8, false},
		{"Statement", "证明内容", d.Statement, false, 120, false},
	}
}

// validate returns ErrInvalid or ErrUnprintable, with the field and the
// reason, for the first field at fault; font is the font that will draw.
func (d *Certificate) validate(font *sfnt) error {
	for _, f := range d.textFields() {
		if err := f.check(font); err != nil {
			return err
		}
	}
	switch {
	case d.IssuedOn.IsZero():
		return invalid("IssuedOn", "发证日期不能为空")
	case !d.ValidUntil.IsZero() && d.ValidUntil.Before(d.IssuedOn):
		return invalid("ValidUntil", "有效期至早于发证日期，请核对")
	case !d.NextReview.IsZero() && d.NextReview.Before(d.IssuedOn):
		return invalid("NextReview", "复审日期早于发证日期，请核对")
	case d.QRPayload == "":
		return invalid("QRPayload", "二维码内容不能为空")
	case len(d.QRPayload) > MaxQRPayload:
		return invalid("QRPayload", fmt.Sprintf("二维码内容超过 %d 字节，印出后难以扫描", MaxQRPayload))
	case !strings.Contains(d.MaskedID, "*"):
		return invalid("MaskedID", "身份证号须脱敏后打印（以 * 遮盖中间位）")
	}
	return nil
}

func (f textField) check(font *sfnt) error {
	v := strings.TrimSpace(f.value)
	switch {
	case v == "" && f.required:
		return invalid(f.name, f.label+"不能为空")
	case !utf8.ValidString(f.value):
		return invalid(f.name, f.label+"不是有效的文字")
	case utf8.RuneCountInString(v) > f.max:
		return invalid(f.name, fmt.Sprintf("%s不能超过 %d 个字", f.label, f.max))
	}
	var missing []rune
	for _, r := range f.value {
		switch {
		case unicode.IsControl(r):
			return invalid(f.name, f.label+"含有换行或控制字符，请删除")
		case f.ascii && (r > unicode.MaxASCII || !unicode.IsPrint(r)):
			return invalid(f.name, f.label+"只能包含字母、数字和符号")
		case !font.has(r) && !strings.ContainsRune(string(missing), r):
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		var quoted, codes []string
		for _, r := range missing {
			quoted = append(quoted, "「"+string(r)+"」")
			codes = append(codes, fmt.Sprintf("%q (U+%04X)", r, r))
		}
		msg := fmt.Sprintf("%s中的%s无法在证书上打印，请联系管理员处理", f.label, strings.Join(quoted, ""))
		e := ErrUnprintable.WithMessage("%s", msg).WithDetails(fault.Detail{Field: f.name, Message: msg})
		e.Err = fmt.Errorf("document: %s has characters the certificate font cannot draw: %s", f.name, strings.Join(codes, ", "))
		return e
	}
	return nil
}

func invalid(field, msg string) error {
	return ErrInvalid.WithMessage("%s", msg).WithDetails(fault.Detail{Field: field, Message: msg})
}

// chineseDate writes a civil date the way certificates do: 2026年3月15日.
func chineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}
