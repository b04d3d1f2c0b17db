package exam

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"anpei/fault"
)

// This file is the one entry of question imports: Parse reads a question
// bank file in any of the supported formats, finds out which by content
// when the caller does not say, and holds every question of it to
// Validate. Nothing is written here (the package is pure); a caller stores
// Parsed.Questions only when Parse returned no error, which happens only
// when every question of the file is clean.

// Format is a question bank file format.
type Format string

// The formats Parse reads.
const (
	FormatXLSX  Format = "xlsx"  // the Excel layout of Template
	FormatGIFT  Format = "gift"  // Moodle's GIFT text format (the subset other LMSs export)
	FormatAiken Format = "aiken" // Aiken text format: single-choice questions only
)

// Formats lists the formats in display order.
func Formats() []Format { return []Format{FormatXLSX, FormatGIFT, FormatAiken} }

// Label is the format as the UI names it.
func (f Format) Label() string {
	switch f {
	case FormatXLSX:
		return "Excel"
	case FormatGIFT:
		return "GIFT"
	case FormatAiken:
		return "Aiken"
	}
	return ""
}

// The import errors. Problems inside a readable file are Details of
// ErrImportInvalid; the others refuse the file as a whole.
var (
	// ErrImportFormatUnknown: Parse was asked for a format it does not
	// have (a caller's mistake, not the file's).
	ErrImportFormatUnknown = fault.New(fault.Invalid, "question_import_format_unknown", "不支持的题库格式，只能是 xlsx、gift 或 aiken")
	// ErrImportTooLarge: the file is over Limits.MaxFileSize.
	ErrImportTooLarge = fault.New(fault.TooLarge, "question_import_too_large", "文件超过10MB，请拆分为多个文件后分批上传")
	// ErrImportFormat: the content is none of the formats (or not the one
	// the caller named); the message says what it seems to be.
	ErrImportFormat = fault.New(fault.Unsupported, "question_import_format", "无法识别的题库文件，请上传 Excel（.xlsx）、GIFT 或 Aiken 格式的文件，或下载模板填写后上传")
	// ErrImportUnzipLimit: the workbook would inflate beyond
	// Limits.MaxUnzipped or compresses suspiciously well (a zip bomb).
	ErrImportUnzipLimit = fault.New(fault.TooLarge, "question_import_unzip_limit", "文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝；请上传正常的题库文件")
	// ErrImportTooMany: more than Limits.MaxQuestions questions.
	ErrImportTooMany = fault.New(fault.TooLarge, "question_import_too_many", "文件超过5000道题，请拆分为多个文件后分批上传")
	// ErrImportEmpty: a readable file without a single question.
	ErrImportEmpty = fault.New(fault.Unprocessable, "question_import_empty", "文件中没有题目，请按模板每行填写一道题后重新上传")
	// ErrImportInvalid: questions or headers have problems; Details lists
	// every one (Row, Column, Field, Message), capped at 500 plus a last
	// detail saying how many more there are. No question is returned.
	ErrImportInvalid = fault.New(fault.Unprocessable, "question_import_invalid", "文件中有错误，未导入任何题目，请修改后重新上传")
)

// Default limits of a question import.
const (
	defaultMaxFileSize  = 10 << 20
	defaultMaxUnzipped  = 100 << 20
	defaultMaxRatio     = 200
	defaultMaxQuestions = 5000

	// maxListedProblems caps the Details of one refusal.
	maxListedProblems = 500
)

// Limits bounds what a question import may be, and says how to fill what a
// file leaves out (ImportOptions). Zero size fields take the defaults of
// DefaultLimits.
type Limits struct {
	MaxFileSize  int64 // bytes of the file itself
	MaxUnzipped  int64 // xlsx: total inflated bytes of every zip entry
	MaxRatio     int64 // xlsx: inflated ÷ compressed size of any entry over 1 MiB
	MaxQuestions int   // questions (blank rows not counted)
	ImportOptions
}

// AudienceKind names one of the audience lists of a question.
type AudienceKind string

// The audience lists, as the spreadsheet's optional columns hold them.
const (
	AudiencePersonCategory AudienceKind = "category" // 适用人员类别 → Question.Categories
	AudienceIndustry       AudienceKind = "industry" // 适用行业 → Question.Industries
	AudienceItem           AudienceKind = "item"     // 准操项目 → Question.Items
)

// ImportOptions fill in what a file leaves out.
type ImportOptions struct {
	// DefaultCategory is the category of GIFT questions before any
	// $CATEGORY line and of every Aiken question (Aiken has no categories).
	// Empty: such questions are refused, each with its line. Spreadsheet
	// rows must fill their 分类 cell.
	DefaultCategory string
	// DefaultStatus is the status of questions whose file does not give
	// one (StatusDraft when empty).
	DefaultStatus Status
	// Resolve reads one entry of a spreadsheet audience cell (a Chinese
	// name such as 特种作业人员 or 高压电工作业, or a code) into its code.
	// It should accept the codes themselves too, since Export writes codes.
	// Nil keeps the entries as written.
	Resolve func(kind AudienceKind, text string) (code string, ok bool)
}

// DefaultLimits returns the limits Parse applies to zero fields: 10 MiB
// files, 100 MiB inflated, a compression ratio of 200 and 5,000 questions.
func DefaultLimits() Limits {
	return Limits{MaxFileSize: defaultMaxFileSize, MaxUnzipped: defaultMaxUnzipped, MaxRatio: defaultMaxRatio, MaxQuestions: defaultMaxQuestions}
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = d.MaxUnzipped
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxQuestions <= 0 {
		l.MaxQuestions = d.MaxQuestions
	}
	if l.DefaultStatus == "" {
		l.DefaultStatus = StatusDraft
	}
	l.DefaultCategory = strings.TrimSpace(l.DefaultCategory)
	return l
}

// Parsed is a clean question bank file.
type Parsed struct {
	Format    Format     // the format read (detected when Parse was given "")
	Questions []Question // in file order, normalized; each passes Validate
	Rows      []int      // Rows[i] is the Excel row, or the text line, where Questions[i] starts
}

// Parse reads a question bank file of size bytes in format, or in the
// format its content shows when format is "": an xlsx by its zip
// signature, GIFT by its ::title::, $CATEGORY or {…} syntax, Aiken by its
// ANSWER: lines.
//
// It returns every question, normalized (Normalize), with the row or line
// where it starts, only when the whole file is clean. Otherwise it returns
// no questions and a *fault.Error: ErrImportInvalid listing every problem
// (bad cells and lines, unsupported GIFT kinds, questions repeated within
// the file — same type and stem — reported on the later one), or one of
// the file-level refusals ErrImportTooLarge, ErrImportFormat,
// ErrImportUnzipLimit, ErrImportTooMany and ErrImportEmpty (and
// ErrImportFormatUnknown when format is none of the Formats). A reader
// that fails gives an internal *fault.Error. Hostile input never panics.
func Parse(format Format, r io.ReaderAt, size int64, lim Limits) (Parsed, error) {
	switch format {
	case "", FormatXLSX, FormatGIFT, FormatAiken:
	default:
		return Parsed{}, ErrImportFormatUnknown.WithMessage("不支持的题库格式“%s”，只能是 xlsx、gift 或 aiken", clip(string(format)))
	}
	lim = lim.orDefaults()
	if size > lim.MaxFileSize {
		return Parsed{}, ErrImportTooLarge.WithMessage("文件超过%s，请拆分为多个文件后分批上传", sizeLabel(lim.MaxFileSize))
	}
	if size <= 0 {
		return Parsed{}, ErrImportFormat.WithMessage("上传的文件是空的，请选择填写好的题库文件")
	}
	head := make([]byte, min(size, 2048))
	if n, err := r.ReadAt(head, 0); n < len(head) && err != nil {
		return Parsed{}, fault.Wrap(err, "exam: read upload")
	}
	zipped := isZip(head)
	if format == "" && zipped {
		format = FormatXLSX
	}
	if format == FormatXLSX {
		return parseXLSX(r, size, lim)
	}
	if zipped {
		return Parsed{}, ErrImportFormat.WithMessage("上传的是Excel工作簿或压缩包，不是%s文本文件；Excel题库请选择“Excel”格式导入", format.Label())
	}
	text, err := readText(r, size, head)
	if err != nil {
		return Parsed{}, err
	}
	if format == "" {
		if format = detectText(text); format == "" {
			return Parsed{}, ErrImportFormat.WithMessage("无法识别文件格式：文本题库须为 GIFT 格式（题干 {=正确选项 ~错误选项}）或 Aiken 格式（A. 选项 … ANSWER: B），也可以下载Excel模板填写后上传")
		}
	}
	var drafts []draft
	if format == FormatGIFT {
		drafts, err = parseGIFT(text, lim)
	} else {
		drafts, err = parseAiken(text, lim)
	}
	if err != nil {
		return Parsed{}, err
	}
	return finish(format, drafts, lim, textLocator)
}

// draft is one question as a parser read it, before the rules.
type draft struct {
	q        Question
	row      int             // Excel row or text line where it starts
	problems []fault.Detail  // what the parser already found
	bad      map[string]bool // fields already reported: Validate's word on them is not repeated
}

// fail records a parser problem about field (option: its index or -1).
func (d *draft) fail(loc locator, field string, option int, format string, args ...any) {
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	d.bad[field] = true
	d.problems = append(d.problems, detailAt(d.row, loc, field, option, fmt.Sprintf(format, args...)))
}

// locator says where a field of a question is in the file: the column
// (an Excel column letter, or "" for text formats) and the label that
// starts the message ("答案", "选项C").
type locator func(field string, option int) (column, label string)

// textLocator names fields in text formats, which have no columns.
func textLocator(field string, option int) (string, string) {
	if field == FieldOptions && option >= 0 && option < MaxOptions {
		return "", "选项" + Letters[option]
	}
	return "", fieldLabel(field)
}

// fieldLabel is the Chinese name of a field.
func fieldLabel(field string) string {
	switch field {
	case FieldType:
		return "题型"
	case FieldStem:
		return "题干"
	case FieldOptions:
		return "选项"
	case FieldAnswer:
		return "答案"
	case FieldExplanation:
		return "解析"
	case FieldDifficulty:
		return "难度"
	case FieldCategory:
		return "分类"
	case FieldStatus:
		return "状态"
	case FieldCategories:
		return "适用人员类别"
	case FieldIndustries:
		return "适用行业"
	case FieldItems:
		return "准操项目"
	}
	return ""
}

// detailAt is a problem at row with a full sentence: "第 12 行 答案：…".
func detailAt(row int, loc locator, field string, option int, msg string) fault.Detail {
	d := fault.Detail{Row: row, Field: field}
	label := ""
	if field != "" && loc != nil {
		d.Column, label = loc(field, option)
	}
	switch {
	case label != "":
		d.Message = fmt.Sprintf("第 %d 行 %s：%s", row, label, msg)
	case row > 0:
		d.Message = fmt.Sprintf("第 %d 行：%s", row, msg)
	default:
		d.Message = msg
	}
	return d
}

// finish fills defaults, normalizes and validates every draft, finds
// questions repeated within the file, and returns the clean result or the
// refusal listing every problem.
func finish(format Format, drafts []draft, lim Limits, loc locator) (Parsed, error) {
	var problems []fault.Detail
	out := Parsed{Format: format, Questions: make([]Question, 0, len(drafts)), Rows: make([]int, 0, len(drafts))}
	first := make(map[string]int, len(drafts))
	for _, d := range drafts {
		problems = append(problems, d.problems...)
		if d.q.Status == "" {
			d.q.Status = lim.DefaultStatus
		}
		q := Normalize(d.q)
		for _, p := range validate(q) {
			if d.bad[p.field] {
				continue
			}
			problems = append(problems, detailAt(d.row, loc, p.field, p.option, p.msg))
		}
		if q.Stem != "" && !d.bad[FieldStem] && !d.bad[FieldType] {
			key := string(q.Type) + "|" + optionKey(q.Stem)
			if row, dup := first[key]; dup {
				problems = append(problems, detailAt(d.row, loc, FieldStem, -1,
					fmt.Sprintf("与第 %d 行的题目重复（题型和题干相同），请删除重复的一题", row)))
			} else {
				first[key] = d.row
			}
		}
		out.Questions = append(out.Questions, q)
		out.Rows = append(out.Rows, d.row)
	}
	if len(problems) > 0 {
		return Parsed{}, importInvalid(problems)
	}
	if len(out.Questions) == 0 {
		return Parsed{}, ErrImportEmpty
	}
	return out, nil
}

// importInvalid is the refusal listing problems in row and column order,
// at most maxListedProblems of them plus one saying how many were left out.
func importInvalid(problems []fault.Detail) *fault.Error {
	slices.SortStableFunc(problems, func(a, b fault.Detail) int {
		return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(columnOrder(a.Column), columnOrder(b.Column)))
	})
	n := len(problems)
	e := ErrImportInvalid.WithMessage("文件中有 %d 处错误，未导入任何题目，请修改后重新上传", n)
	if n > maxListedProblems {
		e = e.WithMessage("文件中有 %d 处错误（下面列出前 %d 处），未导入任何题目，请修改后重新上传", n, maxListedProblems)
		problems = append(problems[:maxListedProblems:maxListedProblems],
			fault.Detail{Message: fmt.Sprintf("还有 %d 处错误未列出，请先修改以上错误后重新上传", n-maxListedProblems)})
	}
	return e.WithDetails(problems...)
}

// columnOrder sorts Excel column letters (A < Z < AA) before header names
// and no column first.
func columnOrder(col string) int {
	if col == "" {
		return 0
	}
	n := 0
	for _, r := range col {
		if r < 'A' || r > 'Z' || n > 1<<20 {
			return 1 << 30
		}
		n = n*26 + int(r-'A'+1)
	}
	return n
}

// sizeLabel is a byte count as "10MB" or "512KB".
func sizeLabel(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%dMB", n>>20)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%d字节", n)
}

// isZip reports whether head starts like a zip package.
func isZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// sniffBinary says what a file that is neither a zip nor text seems to be,
// or returns nil when it may be text.
func sniffBinary(head []byte) *fault.Error {
	switch {
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return ErrImportFormat.WithMessage("这是旧版Excel（.xls）或Word（.doc）文件，或设置了打开密码的文件：请取消密码，并“另存为”Excel工作簿（.xlsx）后上传")
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}),
		bytes.HasPrefix(head, []byte("GIF8")):
		return ErrImportFormat.WithMessage("上传的是图片，不是题库文件，请上传Excel（.xlsx）、GIFT或Aiken格式的题库")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return ErrImportFormat.WithMessage("上传的是PDF文件，不是题库文件，请上传Excel（.xlsx）、GIFT或Aiken格式的题库")
	case bytes.HasPrefix(head, []byte("Rar!")), bytes.HasPrefix(head, []byte("7z\xBC\xAF")), bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return ErrImportFormat.WithMessage("上传的是压缩包，请解压后上传其中的题库文件")
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return ErrImportFormat.WithMessage("上传的是RTF文档，请在写字板或Word中“另存为”纯文本（.txt，UTF-8编码）后上传")
	}
	return nil
}

// readText reads the whole file as text: UTF-8 (with or without a BOM),
// UTF-16 with a BOM (Windows 记事本's "Unicode"), or GB18030/GBK (its
// "ANSI" on Chinese Windows). Line breaks become "\n".
func readText(r io.ReaderAt, size int64, head []byte) (string, error) {
	if e := sniffBinary(head); e != nil {
		return "", e
	}
	b := make([]byte, size)
	if n, err := r.ReadAt(b, 0); n < len(b) && err != nil {
		return "", fault.Wrap(err, "exam: read upload")
	}
	var s string
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		s = string(b[3:])
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		s = decodeUTF16(b[2:], b[0] == 0xFE)
	case bytes.IndexByte(b, 0) >= 0:
		return "", ErrImportFormat.WithMessage("上传的文件不是文本文件，也不是Excel工作簿（.xlsx），请上传Excel、GIFT或Aiken格式的题库")
	case utf8.Valid(b):
		s = string(b)
	default:
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil || bytes.Contains(dec, []byte("\uFFFD")) {
			return "", ErrImportFormat.WithMessage("文件的文字编码无法识别，请用记事本打开后“另存为”UTF-8编码再上传")
		}
		s = string(dec)
	}
	if strings.ContainsRune(s, 0) {
		return "", ErrImportFormat.WithMessage("上传的文件不是文本文件，也不是Excel工作簿（.xlsx），请上传Excel、GIFT或Aiken格式的题库")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return s, nil
}

// decodeUTF16 decodes UTF-16 text (an odd last byte is dropped).
func decodeUTF16(b []byte, bigEndian bool) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// detectText tells GIFT from Aiken: GIFT by a ::title::, a $CATEGORY line
// or an answer block in braces, Aiken by its ANSWER: lines. A file with
// both braces and ANSWER: lines is read as whichever has more of its
// marks. It returns "" for neither.
func detectText(s string) Format {
	var strongGIFT bool
	var braces, answers int
	for line := range strings.Lines(s) {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "//"):
			continue
		case strings.HasPrefix(t, "::"), strings.HasPrefix(t, "$CATEGORY:"):
			strongGIFT = true
		case aikenAnswerLine(t):
			answers++
		}
		if hasUnescaped(t, '{') {
			braces++
		}
	}
	switch {
	case strongGIFT:
		return FormatGIFT
	case answers > 0 && answers >= braces:
		return FormatAiken
	case braces > 0:
		return FormatGIFT
	}
	return ""
}

// hasUnescaped reports whether s holds c not preceded by a backslash.
func hasUnescaped(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case c:
			return true
		}
	}
	return false
}

// lines splits text into lines without their "\n".
func lines(s string) []string {
	out := strings.Split(s, "\n")
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// tooMany is the refusal of a file with more than max questions.
func tooMany(n int) *fault.Error {
	return ErrImportTooMany.WithMessage("文件超过%d道题，请拆分为多个文件后分批上传", n)
}
