package exam_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"

	"anpei/exam"
	"anpei/fault"
)

// TestParseDetectsFormat: with no format given, the content decides.
func TestParseDetectsFormat(t *testing.T) {
	xlsx := qbWorkbook(t, qbHeader, []qbRow{qbOK(1)})
	tests := []struct {
		name string
		b    []byte
		want exam.Format
	}{
		{"xlsx", xlsx, exam.FormatXLSX},
		{"gift by title", []byte("::a:: 题 {T}"), exam.FormatGIFT},
		{"gift by braces", []byte("题 {=甲 ~乙}"), exam.FormatGIFT},
		{"gift by category", []byte("$CATEGORY: 法规\n\n题 {T}"), exam.FormatGIFT},
		{"gift mentioning ANSWER:", []byte("::a:: ANSWER: 是什么 {=甲 ~乙}"), exam.FormatGIFT},
		{"aiken", []byte("题\nA. 甲\nB. 乙\nANSWER: A"), exam.FormatAiken},
		{"aiken with a brace in a stem", []byte("集合 {1,2} 的元素个数\nA. 1\nB. 2\nANSWER: B\n\n题二\nA. 甲\nB. 乙\nANSWER: A"), exam.FormatAiken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := qbParse(tt.b, "", qbDefault("默认"))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, qbFormat(fault.As(err).Details))
			}
			if parsed.Format != tt.want {
				t.Errorf("Format = %q, want %q", parsed.Format, tt.want)
			}
		})
	}
}

// TestParseRefusesFormats: what is none of the formats, or not the one
// named, is refused as a whole with a message saying what to do.
func TestParseRefusesFormats(t *testing.T) {
	xlsx := qbWorkbook(t, qbHeader, []qbRow{qbOK(1)})
	tests := []struct {
		name   string
		format exam.Format
		b      []byte
		want   error
		msg    string
	}{
		{"plain text", "", []byte("这只是一段文字。\n第二行。"), exam.ErrImportFormat, "无法识别文件格式"},
		{"csv", "", []byte("题型,题干,选项A\n单选,题,甲\n"), exam.ErrImportFormat, "无法识别文件格式"},
		{"binary", "", []byte("abc\x00\x01\x02def"), exam.ErrImportFormat, "不是文本文件"},
		{"xlsx named gift", exam.FormatGIFT, xlsx, exam.ErrImportFormat, "不是GIFT文本文件"},
		{"xlsx named aiken", exam.FormatAiken, xlsx, exam.ErrImportFormat, "不是Aiken文本文件"},
		{"unknown format", "csv", []byte("x"), exam.ErrImportFormatUnknown, "不支持的题库格式“csv”"},
		{"not GB18030 either", "", []byte{0xff, 0xfe - 1, 0x81, 0x20}, exam.ErrImportFormat, "编码无法识别"},
		{"rtf", "", []byte(`{\rtf1\ansi 题 {=甲 ~乙}}`), exam.ErrImportFormat, "RTF"},
		{"gzip", "", []byte{0x1f, 0x8b, 8, 0}, exam.ErrImportFormat, "压缩包"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := qbParse(tt.b, tt.format, qbDefault("默认"))
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v, want a *fault.Error", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if fe.Kind == fault.Internal || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("error %v %q, want a message containing %q", fe.Kind, fe.Message, tt.msg)
			}
		})
	}
}

// TestParseTextEncodings: Windows 记事本 saves GBK ("ANSI") or UTF-16
// ("Unicode"); both read like UTF-8.
func TestParseTextEncodings(t *testing.T) {
	text := "$CATEGORY: 法律法规\n\n从业人员有权拒绝违章指挥。{T}\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	u16 := func(bigEndian bool) []byte {
		out := []byte{0xFF, 0xFE}
		if bigEndian {
			out = []byte{0xFE, 0xFF}
		}
		for _, u := range utf16.Encode([]rune(text)) {
			if bigEndian {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
		return out
	}
	for name, b := range map[string][]byte{
		"utf-8": []byte(text), "utf-8 bom": append([]byte{0xEF, 0xBB, 0xBF}, text...), "gbk": []byte(gbk),
		"utf-16le": u16(false), "utf-16be": u16(true),
	} {
		parsed, err := qbParse(b, "", exam.Limits{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if q := parsed.Questions[0]; q.Stem != "从业人员有权拒绝违章指挥。" || q.Category != "法律法规" || parsed.Format != exam.FormatGIFT {
			t.Errorf("%s: read %q in %q as %q", name, q.Stem, q.Category, parsed.Format)
		}
	}
}

// TestParseTextTooLarge: the size limit holds for text files too.
func TestParseTextTooLarge(t *testing.T) {
	b := []byte(strings.Repeat("题 {T}\n\n", 200))
	if _, err := qbParse(b, "", exam.Limits{MaxFileSize: 1 << 10}); !errors.Is(err, exam.ErrImportTooLarge) {
		t.Errorf("error = %v, want %v", err, exam.ErrImportTooLarge)
	} else if msg := fault.As(err).Message; !strings.Contains(msg, "1KB") {
		t.Errorf("message %q", msg)
	}
}
