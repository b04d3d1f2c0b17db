package document

import (
	"strings"
)

// content is every string a certificate page draws, worded from a
// Certificate before any layout, so the per-document font can be cut from
// exactly these characters.
type content struct {
	title   string
	body    []span // the sentence, the holder's name emphasised
	fields  []field
	issuer  string
	date    string // issue date, under the issuer
	number  string // 证书编号 value
	caption string // under the QR code
	status  string // watermark, may be empty
}

// span is a piece of the body sentence.
type span struct {
	text string
	emph bool
}

// field is one cell pair of the field table.
type field struct {
	label, value string
}

// Fixed wording the layout draws besides the certificate's own text.
const (
	numberLabel    = "证书编号"
	defaultCaption = "扫码核验"
	noExpiry       = "长期有效"
)

func newContent(d Certificate) content {
	t := strings.TrimSpace
	c := content{
		title:   t(d.Title),
		issuer:  t(d.Issuer),
		date:    chineseDate(d.IssuedOn),
		number:  t(d.Number),
		caption: t(d.QRCaption),
		status:  t(d.Status),
	}
	if c.caption == "" {
		c.caption = defaultCaption
	}

	course := t(d.KindName)
	if item := t(d.OperationItem); item != "" {
		course += "（" + item + "）"
	}
	if !strings.HasSuffix(course, "培训") {
		course += "培训"
	}
	c.body = []span{
		{text: t(d.HolderName), emph: true},
		{text: " 同志于 " + c.date + " 完成" + course + "，经考核合格，特发此证。"},
	}
	if st := t(d.Statement); st != "" {
		c.body[1].text = " " + st
	}

	add := func(label, value string) {
		if value = t(value); value != "" {
			c.fields = append(c.fields, field{label, value})
		}
	}
	add("姓　　名", d.HolderName)
	add("性　　别", d.Sex)
	add("身份证号", d.MaskedID)
	add("培训类别", d.KindName)
	add("作业项目", d.OperationItem)
	add("培训学时", d.Hours)
	add("考核成绩", d.Score)
	add("培训机构", d.TrainingOrg)
	add("发证日期", c.date)
	valid := noExpiry
	if !d.ValidUntil.IsZero() {
		valid = chineseDate(d.ValidUntil)
	}
	add("有效期至", valid)
	if !d.NextReview.IsZero() {
		add("复审日期", chineseDate(d.NextReview))
	}
	return c
}

// runes returns every character the page draws.
func (c content) runes() []rune {
	var b strings.Builder
	b.WriteString(c.title + c.issuer + c.date + c.number + c.caption + c.status + numberLabel + "：")
	for _, s := range c.body {
		b.WriteString(s.text)
	}
	for _, f := range c.fields {
		b.WriteString(f.label + f.value)
	}
	return []rune(b.String())
}
