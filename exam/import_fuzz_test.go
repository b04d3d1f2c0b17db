package exam_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"anpei/exam"
	"anpei/fault"
)

// FuzzImport feeds arbitrary bytes to Parse, detecting the format and as
// each format in turn. Parse must never panic; it must answer either
// questions that each pass Validate, are already in Normalize's form and
// carry increasing row numbers, or a *fault.Error of its own with a
// message — never a raw or internal error, never questions alongside a
// refusal.
//
// The seeds are small on purpose: the fuzzer minimizes every new input
// with a number of runs that grows with the square of its length, so a
// kilobyte-sized workbook at a fraction of a millisecond a run keeps the
// workers minimizing for the whole of a short -fuzztime. The sheet reader
// and the row checks are fuzzed by FuzzSheetRows instead (a mutated .xlsx
// mostly stops at its zip checksums anyway). Crashers found by
// `go test -run=NONE -fuzz=FuzzImport ./exam` stay in
// testdata/fuzz/FuzzImport as regression seeds.
func FuzzImport(f *testing.F) {
	for _, s := range qbFuzzTexts {
		f.Add([]byte(s))
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add(qbZip(f, "[Content_Types].xml", "word/document.xml"))
	f.Add(qbZipBombDeclared(f, 1<<40, 1<<10))

	lim := qbFuzzLimits()
	f.Fuzz(func(t *testing.T, b []byte) {
		parsed, err := qbFuzzParse(t, "", b, lim)
		zipped := bytes.HasPrefix(b, []byte("PK"))
		for _, format := range []exam.Format{exam.FormatXLSX, exam.FormatGIFT, exam.FormatAiken} {
			if (err == nil && format == parsed.Format) || (zipped && format == exam.FormatXLSX) {
				continue // the same run as the detected one
			}
			qbFuzzParse(t, format, b, lim)
		}
	})
}

// FuzzSheetRows wraps arbitrary bytes as the worksheet XML of a workbook and
// parses it, reaching excelize's sheet reader, the header search and the
// row checks with the same expectations as FuzzImport. A run costs about
// 0.2 ms, so give the minimizer less time than its default minute:
// `go test -run=NONE -fuzz=FuzzSheetRows -fuzzminimizetime=5s ./exam`.
func FuzzSheetRows(f *testing.F) {
	for _, s := range []string{
		qbSheetXML([]string{"题型", "题干", "A", "B", "答案", "分类"}, [][]string{{"单选", "题", "甲", "乙", "B", "法规"}, {"判断", "判", "", "", "对", "法规"}}),
		qbSheetXML([]string{"答案", "题干", "分类", "题型", "A", "B", "难度"}, [][]string{{"AB", "题", "", "多选", "甲", "甲", "9"}}),
		`<worksheet><sheetData><row><c t="str"><v>题型</v></c><c t="str"><v>题干</v></c></row><row><c><f>1+1</f><v>2</v></c><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>`,
	} {
		f.Add([]byte(s))
	}
	lim := qbFuzzLimits()
	f.Fuzz(func(t *testing.T, b []byte) {
		qbFuzzParse(t, "", qbRawWorkbook(t, string(b)), lim)
	})
}

// FuzzExportRoundTrip: whatever a text file is accepted as, Export writes
// and Parse reads back unchanged (no text that a workbook cannot carry, no
// cell read differently than written). A run costs a few milliseconds
// (excelize writes and reads a workbook), so it is a target of its own:
// `go test -run=NONE -fuzz=FuzzExportRoundTrip -fuzzminimizetime=10s ./exam`.
func FuzzExportRoundTrip(f *testing.F) {
	for _, s := range qbFuzzTexts {
		f.Add([]byte(s))
	}
	lim := qbFuzzLimits()
	f.Fuzz(func(t *testing.T, b []byte) {
		parsed, err := qbFuzzParse(t, "", b, lim)
		if err != nil || parsed.Format == exam.FormatXLSX {
			return
		}
		var out bytes.Buffer
		if err := exam.Export(parsed.Questions, &out); err != nil {
			t.Fatalf("Export of parsed questions: %v", err)
		}
		again, err := exam.Parse(exam.FormatXLSX, bytes.NewReader(out.Bytes()), int64(out.Len()), exam.Limits{})
		if err != nil {
			t.Fatalf("Parse(Export(parsed)): %v\n%s", err, qbFormat(fault.As(err).Details))
		}
		for i, q := range again.Questions {
			if !qbSameQuestion(q, parsed.Questions[i]) {
				t.Fatalf("question %d changed through Export:\n %#v\n→%#v", i, parsed.Questions[i], q)
			}
		}
	})
}

// qbFuzzTexts are the text seeds of the fuzz targets.
var qbFuzzTexts = []string{
	"$CATEGORY: $course$/top/安全/法规\n\n::Q1:: 题干 {=对的 ~错的 ####解析}\n\n多选 {~%50%甲 ~%50%乙 ~%-100%丙}\n\n判断 {TRUE}\n",
	"::m:: 匹配 {=a -> b =c -> d}\n\n数值 {#1:0.5}\n\n问答 {}\n\n填空 {=北京}\n",
	"::h::[html]<p>题&amp;干</p>{=<b>甲</b> ~乙}\n// 注释\n转义 \\{ \\} \\= \\~ \\# \\: {=a ~b}",
	"题 {=甲 ~乙\n\n下一题 {T}",
	"题\nA. 甲\nB. 乙\nANSWER: B\n\n第二题\nA) 一\nB) 二\nC) 三\nANSWER: C\n",
	"题\nA、甲\nC、丙\nANSWER: A,C\n\nANSWER: A\n",
	"\ufeff题\r\nＡ．甲\r\nＢ．乙\r\nanswer：b\r\n",
}

// qbFuzzLimits are small limits with a default category, so Aiken files
// can be accepted.
func qbFuzzLimits() exam.Limits {
	return exam.Limits{MaxFileSize: 1 << 20, MaxUnzipped: 8 << 20, MaxQuestions: 200,
		ImportOptions: exam.ImportOptions{DefaultCategory: "默认"}}
}

// qbFuzzParse parses b and checks the answer's shape either way.
func qbFuzzParse(t *testing.T, format exam.Format, b []byte, lim exam.Limits) (exam.Parsed, error) {
	t.Helper()
	parsed, err := exam.Parse(format, bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		qbCheckRefusal(t, err, parsed)
	} else {
		qbCheckParsed(t, format, parsed, lim)
	}
	return parsed, err
}

// qbSheetXML is short worksheet XML with header in row 1 and rows below.
func qbSheetXML(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData>`)
	for _, cells := range append([][]string{header}, rows...) {
		b.WriteString(`<row>`)
		for _, v := range cells {
			fmt.Fprintf(&b, `<c t="str"><v>%s</v></c>`, v)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}

// qbCheckRefusal checks the shape of a refusal.
func qbCheckRefusal(t *testing.T, err error, parsed exam.Parsed) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind == fault.Internal || fe.Message == "" || fe.Code == "" {
		t.Fatalf("Parse error = %#v, want a *fault.Error of its own", err)
	}
	if len(parsed.Questions) != 0 || len(parsed.Rows) != 0 {
		t.Fatalf("%d questions returned with %v", len(parsed.Questions), err)
	}
	if !errors.Is(err, exam.ErrImportInvalid) {
		if len(fe.Details) != 0 {
			t.Fatalf("file-level refusal with details: %+v", fe.Details)
		}
		return
	}
	if len(fe.Details) == 0 || len(fe.Details) > 501 {
		t.Fatalf("%d details", len(fe.Details))
	}
	for i, d := range fe.Details {
		last := i == 500
		if d.Message == "" || (d.Row <= 0 && !last) {
			t.Fatalf("detail %d without row or message: %+v", i, d)
		}
	}
}

// qbCheckParsed checks an accepted file: every question is valid, in
// canonical form, with a row, rows in file order.
func qbCheckParsed(t *testing.T, format exam.Format, parsed exam.Parsed, lim exam.Limits) {
	t.Helper()
	if format != "" && parsed.Format != format {
		t.Fatalf("Format = %q, asked for %q", parsed.Format, format)
	}
	n := len(parsed.Questions)
	if n == 0 || n != len(parsed.Rows) || n > lim.MaxQuestions {
		t.Fatalf("%d questions, %d rows (limit %d)", n, len(parsed.Rows), lim.MaxQuestions)
	}
	for i, q := range parsed.Questions {
		if d := exam.Validate(q); d != nil {
			t.Fatalf("accepted question %d fails Validate: %+v\n%#v", i, d, q)
		}
		if !qbSameQuestion(exam.Normalize(q), q) {
			t.Fatalf("accepted question %d is not in Normalize's form: %#v", i, q)
		}
		if parsed.Rows[i] <= 0 || (i > 0 && parsed.Rows[i] <= parsed.Rows[i-1]) {
			t.Fatalf("rows %v not increasing from 1", parsed.Rows)
		}
	}
}
