package exam_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"anpei/exam"
	"anpei/fault"
)

func TestImportAiken(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []exam.Question
		rows []int
	}{
		{"spec example", `What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A
`, []exam.Question{
			{Type: exam.Single, Stem: "What is the correct answer to this question?", Options: []string{"Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!"}, Answer: []string{"D"}, Category: "默认"},
			{Type: exam.Single, Stem: "Which LMS has the most quiz import formats?", Options: []string{"Moodle", "ATutor", "Claroline", "Blackboard", "WebCT", "Ilias"}, Answer: []string{"A"}, Category: "默认"},
		}, []int{1, 8}},
		{"chinese punctuation, two-line stem, no blank line between questions", "\ufeff生产经营单位的主要负责人\r\n对本单位安全生产工作（　　）负责。\r\nA、全面\r\nB．部分\r\nC）间接\r\nanswer：a\r\n第二题\r\nＡ. 甲\r\nＢ. 乙\r\nANSWER: Ｂ\r\n",
			[]exam.Question{
				{Type: exam.Single, Stem: "生产经营单位的主要负责人\n对本单位安全生产工作（　　）负责。", Options: []string{"全面", "部分", "间接"}, Answer: []string{"A"}, Category: "默认"},
				{Type: exam.Single, Stem: "第二题", Options: []string{"甲", "乙"}, Answer: []string{"B"}, Category: "默认"},
			}, []int{1, 7}},
		{"several blank lines", "\n\n题一\nA. 甲\nB. 乙\nANSWER: B\n\n\n\n题二\nA. 甲\nB. 乙\nANSWER: A",
			[]exam.Question{
				{Type: exam.Single, Stem: "题一", Options: []string{"甲", "乙"}, Answer: []string{"B"}, Category: "默认"},
				{Type: exam.Single, Stem: "题二", Options: []string{"甲", "乙"}, Answer: []string{"A"}, Category: "默认"},
			}, []int{3, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []exam.Format{exam.FormatAiken, ""} {
				parsed, err := qbParse([]byte(tt.text), format, qbDefault("默认"))
				if err != nil {
					t.Fatalf("Parse(%q): %v\n%s", format, err, qbFormat(fault.As(err).Details))
				}
				if parsed.Format != exam.FormatAiken {
					t.Errorf("Format = %q", parsed.Format)
				}
				if len(parsed.Questions) != len(tt.want) {
					t.Fatalf("%d questions, want %d: %+v", len(parsed.Questions), len(tt.want), parsed.Questions)
				}
				for i, q := range parsed.Questions {
					w := tt.want[i]
					w.Status = exam.StatusDraft
					if !qbSameQuestion(q, w) {
						t.Errorf("question %d =\n %#v\nwant\n %#v", i, q, w)
					}
					if d := exam.Validate(q); d != nil {
						t.Errorf("question %d fails Validate: %+v", i, d)
					}
				}
				if !slices.Equal(parsed.Rows, tt.rows) {
					t.Errorf("Rows = %v, want %v", parsed.Rows, tt.rows)
				}
			}
		})
	}
}

// TestImportAikenErrors is the Aiken error table, by line.
func TestImportAikenErrors(t *testing.T) {
	ok := "好题\nA. 甲\nB. 乙\nANSWER: A\n\n"
	tests := []struct {
		name     string
		text     string
		category string
		want     []qbWant
	}{
		{"multiple answers", ok + "题\nA. 甲\nB. 乙\nC. 丙\nANSWER: A,C", "默认",
			[]qbWant{{6, "", "第 6 行 答案：Aiken 格式只支持单选题，本题答案为 A,C"}}},
		{"answer unreadable", "题\nA. 甲\nB. 乙\nANSWER: 甲", "默认", []qbWant{{1, "", "ANSWER 行的答案“甲”无法识别"}}},
		{"answer empty", "题\nA. 甲\nB. 乙\nANSWER:", "默认", []qbWant{{1, "", "ANSWER 行没有填写答案"}}},
		{"answer beyond options", "题\nA. 甲\nB. 乙\nANSWER: C", "默认", []qbWant{{1, "", "C 没有对应的选项（本题只有 A–B）"}}},
		{"missing answer at end", ok + "题\nA. 甲\nB. 乙\n", "默认", []qbWant{{6, "", "第 6 行：题目缺少 ANSWER 行"}}},
		{"missing answer before blank", "题\nA. 甲\nB. 乙\n\n" + ok, "默认", []qbWant{{1, "", "题目缺少 ANSWER 行（如 ANSWER: B），或选项与 ANSWER 行之间有空行"}}},
		{"blank line after stem", "题干\n\nA. 甲\nB. 乙\nANSWER: A", "默认",
			[]qbWant{{1, "", "后面是空行，没有选项和 ANSWER 行"}, {3, "", "第 3 行：选项“A. 甲”前面没有题干"}}},
		{"options out of order", "题\nA. 甲\nC. 丙\nANSWER: A", "默认", []qbWant{{3, "", "第 3 行：选项字母应为 B（选项须按 A、B、C… 的顺序），这里是 C"}}},
		{"option over two lines", "题\nA. 甲\n甲的续行\nB. 乙\nANSWER: A", "默认", []qbWant{{3, "", "第 3 行：选项之后应为下一个选项（如“B. …”）或 ANSWER 行"}}},
		{"answer without options", "题\nANSWER: A", "默认", []qbWant{{2, "", "第 2 行：ANSWER 行前面没有选项"}}},
		{"answer alone", "ANSWER: A", "默认", []qbWant{{1, "", "ANSWER 行前面没有题目"}}},
		{"stem only", "只有题干", "默认", []qbWant{{1, "", "题目没有选项和 ANSWER 行"}}},
		{"one option", "题\nA. 甲\nANSWER: A", "默认", []qbWant{{1, "", "单选题至少需要两个选项"}}},
		{"seven options", "题\nA. 1\nB. 2\nC. 3\nD. 4\nE. 5\nF. 6\nG. 7\nANSWER: A", "默认", []qbWant{{1, "", "最多 6 个选项"}}},
		{"empty option", "题\nA. 甲\nB.\nC. 丙\nANSWER: A", "默认", []qbWant{{1, "", "第 1 行 选项B：选项B为空，但选项C有内容"}}},
		{"duplicate questions", ok + ok, "默认", []qbWant{{6, "", "与第 1 行的题目重复"}}},
		{"no default category", ok + "题二\nA. 甲\nB. 乙\nANSWER: B", "",
			[]qbWant{{1, "", "第 1 行 分类：Aiken 格式不含分类，请在导入时选择默认分类"}, {6, "", "Aiken 格式不含分类"}}},
		{"stem too long", strings.Repeat("长", 1001) + "\nA. 甲\nB. 乙\nANSWER: A", "默认", []qbWant{{1, "", "超过 1000 字"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := qbParse([]byte(tt.text), exam.FormatAiken, qbDefault(tt.category))
			details := qbDetails(t, err, exam.ErrImportInvalid)
			if len(parsed.Questions) != 0 {
				t.Errorf("questions returned with the refusal")
			}
			for _, w := range tt.want {
				qbHasDetail(t, details, w)
			}
			if len(details) != len(tt.want) {
				t.Errorf("%d details, want %d:\n%s", len(details), len(tt.want), qbFormat(details))
			}
		})
	}
}

func TestImportAikenLimits(t *testing.T) {
	text := strings.Repeat("题\nA. 甲\nB. 乙\nANSWER: A\n\n", 3)
	if _, err := qbParse([]byte(text), exam.FormatAiken, exam.Limits{MaxQuestions: 2, ImportOptions: exam.ImportOptions{DefaultCategory: "x"}}); !errors.Is(err, exam.ErrImportTooMany) {
		t.Errorf("error = %v, want %v", err, exam.ErrImportTooMany)
	}
	if _, err := qbParse([]byte("\n\n  \n"), exam.FormatAiken, exam.Limits{}); !errors.Is(err, exam.ErrImportEmpty) {
		t.Errorf("error = %v, want %v", err, exam.ErrImportEmpty)
	}
}
