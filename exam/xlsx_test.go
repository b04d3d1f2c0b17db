package exam_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"anpei/exam"
	"anpei/fault"
)

// qbHeader is the template's header row.
var qbHeader = []string{"题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "难度", "分类", "适用人员类别", "适用行业", "准操项目", "状态"}

// qbRow is one row in qbHeader's order (shorter rows leave the rest empty).
type qbRow []any

// qbOK is a valid single-choice row; n makes its stem unique.
func qbOK(n int) qbRow {
	return qbRow{"单选", fmt.Sprintf("第%d题：安全生产工作应当坚持（　　）的方针。", n), "安全第一、预防为主、综合治理", "效益优先", "先生产后安全", "", "", "", "A", "安全生产法第三条", "1", "法律法规"}
}

// with returns a copy of r with column col (0-based) set to v.
func (r qbRow) with(col int, v any) qbRow {
	c := slices.Clone(r)
	for len(c) <= col {
		c = append(c, nil)
	}
	c[col] = v
	return c
}

// qbFormula is a cell holding a formula (and its cached value).
type qbFormula struct{ formula, cached string }

// qbWorkbook builds an .xlsx whose first sheet has header in row 1 and rows
// from row 2.
func qbWorkbook(t testing.TB, header []string, rows []qbRow) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if header != nil {
		h := make([]any, len(header))
		for i, s := range header {
			h[i] = s
		}
		if err := f.SetSheetRow("Sheet1", "A1", &h); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		for c, v := range r {
			ref, _ := excelize.CoordinatesToCellName(c+1, i+2)
			var err error
			switch v := v.(type) {
			case nil:
				continue
			case qbFormula:
				if err = f.SetCellFormula("Sheet1", ref, v.formula); err == nil {
					err = f.SetCellValue("Sheet1", ref, v.cached)
					if err == nil {
						err = f.SetCellFormula("Sheet1", ref, v.formula)
					}
				}
			default:
				err = f.SetCellValue("Sheet1", ref, v)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qbParse parses b with the given format and limits.
func qbParse(b []byte, format exam.Format, lim exam.Limits) (exam.Parsed, error) {
	return exam.Parse(format, bytes.NewReader(b), int64(len(b)), lim)
}

// qbWant is one problem a file must produce.
type qbWant struct {
	row     int
	column  string
	message string // a substring of the message
}

// qbDetails returns the details of err, failing unless it is a *fault.Error
// matching want.
func qbDetails(t *testing.T, err, want error) []fault.Detail {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	return fe.Details
}

// qbHasDetail fails unless details hold one at row and column whose message
// contains w.message and starts with the row.
func qbHasDetail(t *testing.T, details []fault.Detail, w qbWant) {
	t.Helper()
	for _, d := range details {
		if d.Row == w.row && d.Column == w.column && strings.Contains(d.Message, w.message) {
			if prefix := "第 " + strconv.Itoa(w.row) + " 行"; !strings.HasPrefix(d.Message, prefix) {
				t.Errorf("detail %+v: message does not start with %q", d, prefix)
			}
			return
		}
	}
	t.Errorf("no detail at row %d column %q containing %q; got:\n%s", w.row, w.column, w.message, qbFormat(details))
}

func qbFormat(details []fault.Detail) string {
	var b strings.Builder
	for _, d := range details {
		fmt.Fprintf(&b, "  %d [%s/%s] %s\n", d.Row, d.Column, d.Field, d.Message)
	}
	return b.String()
}

// TestImportXLSXErrors is the importer's error table: each file is refused
// with question_import_invalid, lists exactly the expected problems by
// Excel row, column letter and reason, and returns no question.
func TestImportXLSXErrors(t *testing.T) {
	tests := []struct {
		name   string
		header []string // nil: qbHeader
		rows   []qbRow
		want   []qbWant
	}{
		{"unknown type", nil, []qbRow{qbOK(1), qbOK(2).with(0, "填空")},
			[]qbWant{{3, "A", "题型“填空”无法识别，请填写单选、多选或判断"}}},
		{"empty type", nil, []qbRow{qbOK(1).with(0, "")},
			[]qbWant{{2, "A", "请填写题型"}}},
		{"empty stem", nil, []qbRow{qbOK(1).with(1, "  ")},
			[]qbWant{{2, "B", "第 2 行 题干：请填写题干"}}},
		{"stem too long", nil, []qbRow{qbOK(1).with(1, strings.Repeat("长", 1001))},
			[]qbWant{{2, "B", "超过 1000 字"}}},
		{"one option", nil, []qbRow{qbOK(1).with(3, "").with(4, "")},
			[]qbWant{{2, "D", "第 2 行 选项B：单选题至少需要两个选项"}}},
		{"option gap", nil, []qbRow{qbOK(1).with(3, "").with(4, "丙")},
			[]qbWant{{2, "D", "第 2 行 选项B：选项B为空，但选项C有内容"}}},
		{"duplicate options", nil, []qbRow{qbOK(1).with(4, "效益优先")},
			[]qbWant{{2, "E", "选项C与选项B内容相同"}}},
		{"no answer", nil, []qbRow{qbOK(1).with(8, "")},
			[]qbWant{{2, "I", "第 2 行 答案：请填写答案，例如 B"}}},
		{"answer unreadable", nil, []qbRow{qbOK(1).with(8, "第一个")},
			[]qbWant{{2, "I", "答案“第一个”无法识别"}}},
		{"answer beyond options", nil, []qbRow{qbOK(1).with(8, "D")},
			[]qbWant{{2, "I", "D 没有对应的选项（本题只有 A–C）"}}},
		{"single with two answers", nil, []qbRow{qbOK(1).with(8, "A,B")},
			[]qbWant{{2, "I", "单选题只能有一个正确答案，本题填了 2 个；如有多个正确选项，请把题型改为多选"}}},
		{"multiple with one answer", nil, []qbRow{qbOK(1).with(0, "多选").with(8, "B")},
			[]qbWant{{2, "I", "第 2 行 答案：多选题至少需要两个正确选项，例如 A,C"}}},
		{"repeated answer", nil, []qbRow{qbOK(1).with(0, "多选").with(8, "A,A,B")},
			[]qbWant{{2, "I", "A 重复出现"}}},
		{"judge answer unreadable", nil, []qbRow{{"判断", "题", "", "", "", "", "", "", "不一定", "", "", "法规"}},
			[]qbWant{{2, "I", "判断题请填写“正确”或“错误”"}}},
		{"judge odd options", nil, []qbRow{{"判断", "题", "是的", "不是", "", "", "", "", "A", "", "", "法规"}},
			[]qbWant{{2, "C", "判断题的选项只能是“正确”“错误”"}}},
		{"judge third option", nil, []qbRow{{"判断", "题", "对", "错", "不知道", "", "", "", "A", "", "", "法规"}},
			[]qbWant{{2, "C", "判断题的选项只能是"}}},
		{"difficulty unreadable", nil, []qbRow{qbOK(1).with(10, "超难")},
			[]qbWant{{2, "K", "难度“超难”无法识别"}}},
		{"difficulty out of range", nil, []qbRow{qbOK(1).with(10, 7)},
			[]qbWant{{2, "K", "难度“7”无法识别"}}},
		{"no category", nil, []qbRow{qbOK(1).with(11, "")},
			[]qbWant{{2, "L", "第 2 行 分类：请填写分类（知识点），例如 法律法规"}}},
		{"category too long", nil, []qbRow{qbOK(1).with(11, strings.Repeat("类", 51))},
			[]qbWant{{2, "L", "超过 50 字"}}},
		{"explanation too long", nil, []qbRow{qbOK(1).with(9, strings.Repeat("解", 2001))},
			[]qbWant{{2, "J", "超过 2000 字"}}},
		{"status unreadable", nil, []qbRow{qbOK(1).with(15, "删除")},
			[]qbWant{{2, "P", "状态“删除”无法识别"}}},
		{"repeated audience", nil, []qbRow{qbOK(1).with(12, "特种作业人员、特种作业人员")},
			[]qbWant{{2, "M", "重复填写"}}},
		{"duplicate question", nil, []qbRow{qbOK(1), qbOK(2), qbOK(1).with(2, "另一个选项")},
			[]qbWant{{4, "B", "与第 2 行的题目重复（题型和题干相同）"}}},
		{"duplicate question by spacing", nil, []qbRow{qbOK(1), qbOK(1).with(1, " 第1题： 安全生产工作应当坚持（　　）的方针。")},
			[]qbWant{{3, "B", "与第 2 行的题目重复"}}},
		{"formula", nil, []qbRow{qbOK(1).with(8, qbFormula{`"A"`, "A"})},
			[]qbWant{{2, "I", "不允许使用公式"}}},
		{"formula in stem", nil, []qbRow{qbOK(1).with(1, qbFormula{`CONCAT("a","b")`, "ab"})},
			[]qbWant{{2, "B", "不允许使用公式"}}},
		{"several problems in a row and across rows", nil, []qbRow{
			qbOK(1).with(0, "多选").with(8, "B").with(11, ""),
			{},
			qbOK(3).with(1, ""),
		}, []qbWant{{2, "I", "多选题至少需要两个正确选项"}, {2, "L", "请填写分类"}, {4, "B", "请填写题干"}}},
		{"columns in another order", []string{"答案", "题干", "分类", "题型", "选项A", "选项B"}, []qbRow{
			{"C", "题干", "法规", "单选", "甲", "乙"},
		}, []qbWant{{2, "A", "C 没有对应的选项（本题只有 A–B）"}}},
		{"missing column 答案", []string{"题型", "题干", "选项A", "选项B", "分类"}, []qbRow{qbOK(1)},
			[]qbWant{{1, "答案", "第 1 行：缺少“答案”列"}}},
		{"missing columns 题型 and 分类", []string{"题干", "选项A", "选项B", "答案"}, []qbRow{qbOK(1)},
			[]qbWant{{1, "题型", "缺少“题型”列"}, {1, "分类", "缺少“分类”列"}}},
		{"unknown column", append(slices.Clone(qbHeader), "分值"), []qbRow{qbOK(1)},
			[]qbWant{{1, "Q", "“分值”：无法识别的列名"}}},
		{"seventh option", append(slices.Clone(qbHeader), "选项G"), []qbRow{qbOK(1)},
			[]qbWant{{1, "Q", "最多支持 6 个选项"}}},
		{"repeated column", []string{"题型", "题干", "选项A", "A选项", "答案", "分类"}, []qbRow{qbOK(1)},
			[]qbWant{{1, "D", "与 C 列重复"}}},
		{"no header", []string{"安全生产题库", "", "2025年"}, []qbRow{qbOK(1)},
			[]qbWant{{1, "", "未找到表头"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == nil {
				header = qbHeader
			}
			b := qbWorkbook(t, header, tt.rows)
			for _, format := range []exam.Format{"", exam.FormatXLSX} {
				parsed, err := qbParse(b, format, exam.Limits{})
				details := qbDetails(t, err, exam.ErrImportInvalid)
				if len(parsed.Questions) != 0 || len(parsed.Rows) != 0 {
					t.Errorf("got %d questions with the refusal, want none", len(parsed.Questions))
				}
				var fe *fault.Error
				errors.As(err, &fe)
				if fe.Kind != fault.Unprocessable || fe.Code != "question_import_invalid" ||
					!strings.HasPrefix(fe.Message, "文件中有 "+strconv.Itoa(len(details))+" 处错误，未导入任何题目") {
					t.Errorf("error kind %v code %q message %q", fe.Kind, fe.Code, fe.Message)
				}
				for _, w := range tt.want {
					qbHasDetail(t, details, w)
				}
				if len(details) != len(tt.want) {
					t.Errorf("%d details, want %d:\n%s", len(details), len(tt.want), qbFormat(details))
				}
			}
		})
	}
}

// TestImportXLSXReads checks what a clean file reads as: the tolerated
// spellings of headers, types, answers, difficulties and judge options,
// blank rows skipped, rows numbered as Excel does.
func TestImportXLSXReads(t *testing.T) {
	header := []string{" 序号 ", "试题类型", "题目", "选项 A", "B选项", "选项C（选填）", "选项d", "正确答案", "答案解析", "难易程度", "知识点", "状态"}
	rows := []qbRow{
		{1, "单选题", "  单选  ", "甲", "乙", "丙", "", "b", "", "易", "法规", "启用"},
		{},
		{2, "多选", "多选\n第二行", "甲", "乙", "丙", "丁", "D、a", "解析", 4, "法规"},
		{3, "多项选择题", "多选二", "甲", "乙", "丙", "丁", "ac", "", "困难", "法规"},
		{4, "判断", "判断一", "", "", "", "", "√", "", "", "法规"},
		{5, "判断题", "判断二", "对", "错", "", "", "B", "", "", "法规"},
		{6, "是非题", "判断三", "错误", "正确", "", "", "A", "", "", "法规"}, // reversed: A is 错误
		{7, "判断", "判断四", "错误", "正确", "", "", "正确", "", "", "法规"},
		{8, "判断", "判断五", "", "", "", "", "F", "", "-", "法规", "停用"},
	}
	b := qbWorkbook(t, header, rows)
	parsed, err := qbParse(b, "", exam.Limits{})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, qbFormat(fault.As(err).Details))
	}
	if parsed.Format != exam.FormatXLSX {
		t.Errorf("Format = %q", parsed.Format)
	}
	judge := []string{"正确", "错误"}
	want := []exam.Question{
		{Type: exam.Single, Stem: "单选", Options: []string{"甲", "乙", "丙"}, Answer: []string{"B"}, Difficulty: 1, Category: "法规", Status: exam.StatusActive},
		{Type: exam.Multiple, Stem: "多选\n第二行", Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"A", "D"}, Explanation: "解析", Difficulty: 4, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Multiple, Stem: "多选二", Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"A", "C"}, Difficulty: 5, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Judge, Stem: "判断一", Options: judge, Answer: []string{"A"}, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Judge, Stem: "判断二", Options: judge, Answer: []string{"B"}, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Judge, Stem: "判断三", Options: judge, Answer: []string{"B"}, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Judge, Stem: "判断四", Options: judge, Answer: []string{"A"}, Category: "法规", Status: exam.StatusDraft},
		{Type: exam.Judge, Stem: "判断五", Options: judge, Answer: []string{"B"}, Category: "法规", Status: exam.StatusRetired},
	}
	if len(parsed.Questions) != len(want) {
		t.Fatalf("%d questions, want %d", len(parsed.Questions), len(want))
	}
	for i, q := range parsed.Questions {
		if !qbSameQuestion(q, want[i]) {
			t.Errorf("question %d =\n %#v\nwant\n %#v", i, q, want[i])
		}
		if d := exam.Validate(q); d != nil {
			t.Errorf("question %d does not pass Validate: %+v", i, d)
		}
	}
	if wantRows := []int{2, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(parsed.Rows, wantRows) {
		t.Errorf("Rows = %v, want %v", parsed.Rows, wantRows)
	}
}

// TestImportXLSXHeaderBelowTitle: a title row may push the header down.
func TestImportXLSXHeaderBelowTitle(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "2025年安全生产知识题库")
	h := []any{"题型", "题干", "选项A", "选项B", "答案", "分类"}
	f.SetSheetRow("Sheet1", "A3", &h)
	r := []any{"单选", "题", "甲", "乙", "A", "法规"}
	f.SetSheetRow("Sheet1", "A4", &r)
	var buf bytes.Buffer
	f.Write(&buf)
	parsed, err := qbParse(buf.Bytes(), "", exam.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(parsed.Rows, []int{4}) {
		t.Errorf("Rows = %v, want [4]", parsed.Rows)
	}
}

// TestImportXLSXAudience: audience cells go through the resolver, and what
// it cannot read is reported at the cell.
func TestImportXLSXAudience(t *testing.T) {
	codes := map[string]string{"特种作业人员": "special_operator", "special_operator": "special_operator",
		"主要负责人": "principal", "高压电工作业": "1.1", "1.1": "1.1", "煤矿": "coal"}
	lim := exam.Limits{ImportOptions: exam.ImportOptions{Resolve: func(kind exam.AudienceKind, text string) (string, bool) {
		c, ok := codes[text]
		return c, ok
	}}}
	b := qbWorkbook(t, qbHeader, []qbRow{qbOK(1).with(12, "特种作业人员，主要负责人").with(13, "煤矿").with(14, "高压电工作业")})
	parsed, err := qbParse(b, "", lim)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Questions[0]
	if !slices.Equal(q.Categories, []string{"special_operator", "principal"}) || !slices.Equal(q.Industries, []string{"coal"}) || !slices.Equal(q.Items, []string{"1.1"}) {
		t.Errorf("audience = %v %v %v", q.Categories, q.Industries, q.Items)
	}
	b = qbWorkbook(t, qbHeader, []qbRow{qbOK(1).with(12, "特种作业人员、安全员").with(14, "9.9")})
	_, err = qbParse(b, "", lim)
	details := qbDetails(t, err, exam.ErrImportInvalid)
	qbHasDetail(t, details, qbWant{2, "M", "“安全员”无法识别"})
	qbHasDetail(t, details, qbWant{2, "O", "“9.9”无法识别"})
}

// TestImportXLSXCapsDetails: every problem counts, 500 are listed, and a
// last detail says how many more there are.
func TestImportXLSXCapsDetails(t *testing.T) {
	var rows []qbRow
	for i := range 600 {
		rows = append(rows, qbOK(i).with(11, "")) // no category
	}
	_, err := qbParse(qbWorkbook(t, qbHeader, rows), "", exam.Limits{})
	details := qbDetails(t, err, exam.ErrImportInvalid)
	if len(details) != 501 {
		t.Fatalf("%d details, want 500 and one more", len(details))
	}
	if last := details[500]; last.Message != "还有 100 处错误未列出，请先修改以上错误后重新上传" || last.Row != 0 {
		t.Errorf("last detail = %+v", last)
	}
	if details[499].Row != 501 {
		t.Errorf("detail 500 is at row %d, want 501 (rows in order)", details[499].Row)
	}
	if msg := fault.As(err).Message; !strings.Contains(msg, "文件中有 600 处错误（下面列出前 500 处）") {
		t.Errorf("message %q", msg)
	}
}

// TestImportXLSXRefusesFiles: refusals of the file as a whole.
func TestImportXLSXRefusesFiles(t *testing.T) {
	clean := qbWorkbook(t, qbHeader, []qbRow{qbOK(1), qbOK(2), qbOK(3)})
	tests := []struct {
		name string
		b    []byte
		lim  exam.Limits
		want error
		msg  string
	}{
		{"empty file", nil, exam.Limits{}, exam.ErrImportFormat, "空的"},
		{"header only", qbWorkbook(t, qbHeader, nil), exam.Limits{}, exam.ErrImportEmpty, "没有题目"},
		{"blank rows only", qbWorkbook(t, qbHeader, []qbRow{{}, {nil, " "}}), exam.Limits{}, exam.ErrImportEmpty, "没有题目"},
		{"too large", clean, exam.Limits{MaxFileSize: 1000}, exam.ErrImportTooLarge, "文件超过"},
		{"11 MiB", make([]byte, 11<<20), exam.Limits{}, exam.ErrImportTooLarge, "10MB"},
		{"too many questions", clean, exam.Limits{MaxQuestions: 2}, exam.ErrImportTooMany, "超过2道题"},
		{"truncated", clean[:len(clean)/2], exam.Limits{}, exam.ErrImportFormat, "损坏"},
		{"docx", qbZip(t, "[Content_Types].xml", "word/document.xml"), exam.Limits{}, exam.ErrImportFormat, "Word"},
		{"ods", qbZip(t, "mimetype", "content.xml"), exam.Limits{}, exam.ErrImportFormat, ".ods"},
		{"zipped workbook", qbZip(t, "题库.xlsx"), exam.Limits{}, exam.ErrImportFormat, "解压"},
		{"zip bomb ratio", qbZipBomb(t, 8<<20), exam.Limits{}, exam.ErrImportUnzipLimit, "压缩炸弹"},
		{"zip bomb size", qbZipBomb(t, 8<<20), exam.Limits{MaxUnzipped: 4 << 20, MaxRatio: 1 << 30}, exam.ErrImportUnzipLimit, "压缩炸弹"},
		{"zip bomb declaring 1 TiB", qbZipBombDeclared(t, 1<<40, 1<<10), exam.Limits{}, exam.ErrImportUnzipLimit, "压缩炸弹"},
		{"zip bomb declaring 1 KiB", qbZipBombDeclared(t, 1<<10, 8<<20), exam.Limits{}, exam.ErrImportFormat, "损坏"},
		{"xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), exam.Limits{}, exam.ErrImportFormat, ".xls"},
		{"pdf", []byte("%PDF-1.7\n..."), exam.Limits{}, exam.ErrImportFormat, "PDF"},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), exam.Limits{}, exam.ErrImportFormat, "图片"},
		{"text as xlsx", []byte("单选,题干,A\n"), exam.Limits{}, exam.ErrImportFormat, "不是Excel工作簿"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format := exam.Format("")
			if tt.name == "text as xlsx" {
				format = exam.FormatXLSX
			}
			parsed, err := qbParse(tt.b, format, tt.lim)
			var fe *fault.Error
			if !errors.As(err, &fe) || !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", fe.Message, tt.msg)
			}
			if len(parsed.Questions) != 0 {
				t.Errorf("questions returned with a refusal")
			}
		})
	}
	if _, err := qbParse(clean, "", exam.Limits{MaxQuestions: 3}); err != nil {
		t.Errorf("3 questions with MaxQuestions 3: %v", err)
	}
}

// TestImportXLSXManyCells: a sheet that pretends to be enormous (one cell
// far to the right on every row) is refused quickly instead of being
// expanded row by row.
func TestImportXLSXManyCells(t *testing.T) {
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sheet.WriteString(`<row r="1">`)
	for i, h := range qbHeader {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, h)
	}
	sheet.WriteString(`</row>`)
	for r := 2; r <= 3000; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	b := qbRawWorkbook(t, sheet.String())
	_, err := qbParse(b, "", exam.Limits{})
	if !errors.Is(err, exam.ErrImportTooMany) || !strings.Contains(fault.As(err).Message, "单元格过多") {
		t.Fatalf("error = %v, want %v about cells", err, exam.ErrImportTooMany)
	}
}

// TestTemplate: the template reads back as its three examples, one per
// type, and explains the columns on 说明.
func TestTemplate(t *testing.T) {
	b, err := exam.Template()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := qbParse(b, "", exam.Limits{})
	if err != nil {
		t.Fatalf("Parse(Template()): %v\n%s", err, qbFormat(fault.As(err).Details))
	}
	var types []exam.Type
	for _, q := range parsed.Questions {
		types = append(types, q.Type)
	}
	if !slices.Equal(types, exam.Types()) {
		t.Errorf("example types %v, want %v", types, exam.Types())
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"题库", "说明"}) {
		t.Errorf("sheets %v", got)
	}
	header, _ := f.GetRows("题库")
	if !slices.Equal(header[0], qbHeader) {
		t.Errorf("header %v, want %v", header[0], qbHeader)
	}
	help, _ := f.GetRows("说明")
	var all strings.Builder
	for _, r := range help {
		all.WriteString(strings.Join(r, " "))
	}
	for _, s := range append(slices.Clone(qbHeader), "A,C", "AC", "正确", "对/错", "√/×", "1–5") {
		if !strings.Contains(all.String(), s) {
			t.Errorf("说明 does not mention %q", s)
		}
	}
}

// TestExportRoundTrip: what Export writes, Parse reads back unchanged.
func TestExportRoundTrip(t *testing.T) {
	qs := []exam.Question{
		qbSingle(), qbMultiple(), qbJudge(),
		{Type: exam.Judge, Stem: "=1+1 不是公式，只是文字。", Options: []string{"正确", "错误"}, Answer: []string{"B"}, Category: "其他", Status: exam.StatusActive},
		{Type: exam.Multiple, Stem: "多行题干\n第二行 @ -1", Options: []string{"-1", "+2", "0.5", "50%", "=A1", "2025-01-01"}, Answer: []string{"B", "C", "F"},
			Explanation: "解析\n两行", Difficulty: 5, Category: "计算", Categories: []string{"special_operator", "other"},
			Industries: []string{"coal"}, Items: []string{"1.1", "4.2"}, Status: exam.StatusRetired},
	}
	for i := range qs {
		if qs[i].Status == "" {
			qs[i].Status = exam.StatusDraft
		}
		if d := exam.Validate(qs[i]); d != nil {
			t.Fatalf("fixture %d invalid: %+v", i, d)
		}
	}
	var buf bytes.Buffer
	if err := exam.Export(qs, &buf); err != nil {
		t.Fatal(err)
	}
	parsed, err := qbParse(buf.Bytes(), "", exam.Limits{})
	if err != nil {
		t.Fatalf("Parse(Export()): %v\n%s", err, qbFormat(fault.As(err).Details))
	}
	if len(parsed.Questions) != len(qs) {
		t.Fatalf("%d questions back, want %d", len(parsed.Questions), len(qs))
	}
	for i, q := range parsed.Questions {
		if !qbSameQuestion(q, qs[i]) {
			t.Errorf("question %d =\n %#v\nwant\n %#v", i, q, qs[i])
		}
	}
	if !slices.Equal(parsed.Rows, []int{2, 3, 4, 5, 6}) {
		t.Errorf("Rows = %v", parsed.Rows)
	}
	var empty bytes.Buffer
	if err := exam.Export(nil, &empty); err != nil {
		t.Fatal(err)
	}
	if _, err := qbParse(empty.Bytes(), "", exam.Limits{}); !errors.Is(err, exam.ErrImportEmpty) {
		t.Errorf("empty export: %v, want %v", err, exam.ErrImportEmpty)
	}
}

// qbZip is a zip of small entries with the given names.
func qbZip(t testing.TB, names ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qbRawWorkbook is a minimal workbook package whose one sheet is sheetXML.
func qbRawWorkbook(t testing.TB, sheetXML string) []byte {
	t.Helper()
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheetXML},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store}) // fast: fuzzing builds one a run
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qbZipBomb is a tiny workbook-looking package whose worksheet inflates to
// size bytes of zeros.
func qbZipBomb(t testing.TB, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(zeros)) {
		w.Write(zeros[:min(int64(len(zeros)), size-n)])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qbZipBombDeclared is a workbook package whose worksheet entry declares
// declared inflated bytes while its deflate stream holds actual zeros.
func qbZipBombDeclared(t testing.TB, declared uint64, actual int) []byte {
	t.Helper()
	var data bytes.Buffer
	fw, _ := flate.NewWriter(&data, flate.BestSpeed)
	fw.Write(make([]byte, actual))
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte(`<?xml version="1.0"?><x/>`))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(make([]byte, actual)), CompressedSize64: uint64(data.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
