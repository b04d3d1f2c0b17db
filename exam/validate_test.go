package exam_test

import (
	"slices"
	"strings"
	"testing"

	"anpei/exam"
	"anpei/fault"
)

// qbSingle is a valid single-choice question.
func qbSingle() exam.Question {
	return exam.Question{Type: exam.Single, Stem: "安全生产工作应当坚持（　　）的方针。",
		Options: []string{"安全第一、预防为主、综合治理", "效益优先", "先生产后安全", "以罚代管"},
		Answer:  []string{"A"}, Explanation: "《安全生产法》第三条。", Difficulty: 1, Category: "法律法规"}
}

func qbMultiple() exam.Question {
	return exam.Question{Type: exam.Multiple, Stem: "下列属于特种作业的有（　　）。",
		Options: []string{"高压电工作业", "焊接与热切割作业", "办公室文员", "高处作业"},
		Answer:  []string{"A", "B", "D"}, Category: "特种作业"}
}

func qbJudge() exam.Question {
	return exam.Question{Type: exam.Judge, Stem: "从业人员有权拒绝违章指挥和强令冒险作业。",
		Options: slices.Clone(exam.JudgeOptions), Answer: []string{"A"}, Category: "法律法规"}
}

// qbHas fails unless details hold one about field whose message contains msg.
func qbHas(t *testing.T, details []fault.Detail, field, msg string) {
	t.Helper()
	for _, d := range details {
		if d.Field == field && strings.Contains(d.Message, msg) {
			return
		}
	}
	t.Errorf("no detail on %q containing %q; got %+v", field, msg, details)
}

func TestValidate(t *testing.T) {
	with := func(q exam.Question, change func(*exam.Question)) exam.Question {
		q.Options = slices.Clone(q.Options)
		q.Answer = slices.Clone(q.Answer)
		change(&q)
		return q
	}
	long := func(n int) string { return strings.Repeat("安", n) }
	tests := []struct {
		name  string
		q     exam.Question
		field string // "" means valid
		msg   string
	}{
		{"single ok", qbSingle(), "", ""},
		{"multiple ok", qbMultiple(), "", ""},
		{"judge ok", qbJudge(), "", ""},
		{"two options ok", with(qbSingle(), func(q *exam.Question) { q.Options = q.Options[:2] }), "", ""},
		{"six options ok", with(qbSingle(), func(q *exam.Question) { q.Options = append(q.Options, "五", "六") }), "", ""},
		{"difficulty 5 ok", with(qbSingle(), func(q *exam.Question) { q.Difficulty = 5 }), "", ""},
		{"stem 1000 ok", with(qbSingle(), func(q *exam.Question) { q.Stem = long(1000) }), "", ""},
		{"category 50 ok", with(qbSingle(), func(q *exam.Question) { q.Category = long(50) }), "", ""},
		{"explanation 2000 ok", with(qbSingle(), func(q *exam.Question) { q.Explanation = long(2000) }), "", ""},
		{"status ok", with(qbSingle(), func(q *exam.Question) { q.Status = exam.StatusRetired }), "", ""},
		{"audience ok", with(qbSingle(), func(q *exam.Question) { q.Categories = []string{"principal"}; q.Items = []string{"1.1", "1.2"} }), "", ""},

		{"no type", with(qbSingle(), func(q *exam.Question) { q.Type = "" }), exam.FieldType, "请填写题型"},
		{"unknown type", with(qbSingle(), func(q *exam.Question) { q.Type = "essay" }), exam.FieldType, "“essay”不受支持"},
		{"empty stem", with(qbSingle(), func(q *exam.Question) { q.Stem = " \n " }), exam.FieldStem, "请填写题干"},
		{"stem 1001", with(qbSingle(), func(q *exam.Question) { q.Stem = long(1001) }), exam.FieldStem, "1001 个字，超过 1000 字"},
		{"stem control char", with(qbSingle(), func(q *exam.Question) { q.Stem = "题\x00干" }), exam.FieldStem, "控制字符"},
		{"stem invalid utf8", with(qbSingle(), func(q *exam.Question) { q.Stem = "题\xff干" }), exam.FieldStem, "控制字符"},
		{"one option", with(qbSingle(), func(q *exam.Question) { q.Options = q.Options[:1] }), exam.FieldOptions, "至少需要两个选项"},
		{"no options", with(qbMultiple(), func(q *exam.Question) { q.Options = nil; q.Answer = nil }), exam.FieldOptions, "多选题至少需要两个选项"},
		{"seven options", with(qbSingle(), func(q *exam.Question) { q.Options = append(q.Options, "5", "6", "7") }), exam.FieldOptions, "最多 6 个选项"},
		{"gap", with(qbSingle(), func(q *exam.Question) { q.Options[2] = "" }), exam.FieldOptions, "选项C为空，但选项D有内容"},
		{"trailing empty", with(qbSingle(), func(q *exam.Question) { q.Options[3] = " " }), exam.FieldOptions, "选项D为空"},
		{"duplicate option", with(qbSingle(), func(q *exam.Question) { q.Options[3] = " 效益 优先" }), exam.FieldOptions, "选项D与选项B内容相同"},
		{"duplicate option full-width", with(qbSingle(), func(q *exam.Question) { q.Options[0] = "ＡＢ"; q.Options[1] = "ab" }), exam.FieldOptions, "选项B与选项A内容相同"},
		{"option too long", with(qbSingle(), func(q *exam.Question) { q.Options[1] = long(501) }), exam.FieldOptions, "选项B有 501 个字"},
		{"judge wrong options", with(qbJudge(), func(q *exam.Question) { q.Options = []string{"对", "错"} }), exam.FieldOptions, "判断题的选项固定为"},
		{"judge no options", with(qbJudge(), func(q *exam.Question) { q.Options = nil }), exam.FieldOptions, "判断题的选项固定为"},
		{"no answer", with(qbSingle(), func(q *exam.Question) { q.Answer = nil }), exam.FieldAnswer, "请填写答案，例如 B"},
		{"no answer multiple", with(qbMultiple(), func(q *exam.Question) { q.Answer = nil }), exam.FieldAnswer, "例如 A,C"},
		{"answer not a letter", with(qbSingle(), func(q *exam.Question) { q.Answer = []string{"1"} }), exam.FieldAnswer, "不是选项字母"},
		{"answer lower case", with(qbSingle(), func(q *exam.Question) { q.Answer = []string{"a"} }), exam.FieldAnswer, "不是选项字母"},
		{"answer beyond options", with(qbSingle(), func(q *exam.Question) { q.Answer = []string{"E"} }), exam.FieldAnswer, "E 没有对应的选项（本题只有 A–D）"},
		{"answer repeated", with(qbMultiple(), func(q *exam.Question) { q.Answer = []string{"A", "A"} }), exam.FieldAnswer, "A 重复出现"},
		{"answer unsorted", with(qbMultiple(), func(q *exam.Question) { q.Answer = []string{"C", "A"} }), exam.FieldAnswer, "按选项顺序"},
		{"single two answers", with(qbSingle(), func(q *exam.Question) { q.Answer = []string{"A", "B"} }), exam.FieldAnswer, "单选题只能有一个正确答案"},
		{"judge two answers", with(qbJudge(), func(q *exam.Question) { q.Answer = []string{"A", "B"} }), exam.FieldAnswer, "判断题只能有一个正确答案"},
		{"judge answer C", with(qbJudge(), func(q *exam.Question) { q.Answer = []string{"C"} }), exam.FieldAnswer, "只能是 A（正确）或 B（错误）"},
		{"multiple one answer", with(qbMultiple(), func(q *exam.Question) { q.Answer = []string{"B"} }), exam.FieldAnswer, "多选题至少需要两个正确选项，例如 A,C"},
		{"explanation 2001", with(qbSingle(), func(q *exam.Question) { q.Explanation = long(2001) }), exam.FieldExplanation, "超过 2000 字"},
		{"explanation control", with(qbSingle(), func(q *exam.Question) { q.Explanation = "\x1b[31m" }), exam.FieldExplanation, "控制字符"},
		{"difficulty 6", with(qbSingle(), func(q *exam.Question) { q.Difficulty = 6 }), exam.FieldDifficulty, "1–5"},
		{"difficulty -1", with(qbSingle(), func(q *exam.Question) { q.Difficulty = -1 }), exam.FieldDifficulty, "1–5"},
		{"no category", with(qbSingle(), func(q *exam.Question) { q.Category = "  " }), exam.FieldCategory, "请填写分类"},
		{"category 51", with(qbSingle(), func(q *exam.Question) { q.Category = long(51) }), exam.FieldCategory, "超过 50 字"},
		{"category newline", with(qbSingle(), func(q *exam.Question) { q.Category = "法律\n法规" }), exam.FieldCategory, "换行"},
		{"bad status", with(qbSingle(), func(q *exam.Question) { q.Status = "deleted" }), exam.FieldStatus, "“deleted”无法识别"},
		{"empty audience", with(qbSingle(), func(q *exam.Question) { q.Industries = []string{""} }), exam.FieldIndustries, "空项"},
		{"repeated audience", with(qbSingle(), func(q *exam.Question) { q.Items = []string{"1.1", "1.1"} }), exam.FieldItems, "重复"},
		{"audience separator", with(qbSingle(), func(q *exam.Question) { q.Industries = []string{"coal,metal"} }), exam.FieldIndustries, "分隔符"},
		{"audience spaces", with(qbSingle(), func(q *exam.Question) { q.Categories = []string{" other"} }), exam.FieldCategories, "空白"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exam.Validate(tt.q)
			if tt.field == "" {
				if got != nil {
					t.Fatalf("Validate = %+v, want none", got)
				}
				return
			}
			qbHas(t, got, tt.field, tt.msg)
			for _, d := range got {
				if d.Row != 0 || d.Column != "" || d.Message == "" {
					t.Errorf("detail %+v: want Field and Message only", d)
				}
			}
		})
	}
}

// TestValidateUnknownTypeSkipsAnswer: with no type to go by, options and
// answer are not judged, so the author sees the one thing to fix.
func TestValidateUnknownTypeSkipsAnswer(t *testing.T) {
	q := qbSingle()
	q.Type, q.Answer = "x", []string{"Z", "Z"}
	got := exam.Validate(q)
	if len(got) != 1 || got[0].Field != exam.FieldType {
		t.Fatalf("Validate = %+v, want only the type", got)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   exam.Question
		want exam.Question
	}{
		{"trims and sorts",
			exam.Question{Type: " multiple ", Stem: "  题干\r\n第二行 ", Options: []string{" 甲 ", "乙", "丙\r", "", " "}, Answer: []string{" c", "ａ"}, Explanation: " 解析 ", Category: " 分类 ", Status: " active "},
			exam.Question{Type: exam.Multiple, Stem: "题干\n第二行", Options: []string{"甲", "乙", "丙"}, Answer: []string{"A", "C"}, Explanation: "解析", Category: "分类", Status: exam.StatusActive}},
		{"keeps a gap",
			exam.Question{Type: exam.Single, Options: []string{"甲", "", "丙"}, Answer: []string{"A"}},
			exam.Question{Type: exam.Single, Options: []string{"甲", "", "丙"}, Answer: []string{"A"}}},
		{"keeps repeats",
			exam.Question{Type: exam.Multiple, Options: []string{"甲", "乙"}, Answer: []string{"B", "A", "B"}},
			exam.Question{Type: exam.Multiple, Options: []string{"甲", "乙"}, Answer: []string{"A", "B", "B"}}},
		{"judge fills options",
			exam.Question{Type: exam.Judge, Answer: []string{"错"}},
			exam.Question{Type: exam.Judge, Options: []string{"正确", "错误"}, Answer: []string{"B"}}},
		{"judge spells options",
			exam.Question{Type: exam.Judge, Options: []string{"√", "×"}, Answer: []string{"√"}},
			exam.Question{Type: exam.Judge, Options: []string{"正确", "错误"}, Answer: []string{"A"}}},
		{"judge leaves reversed options",
			exam.Question{Type: exam.Judge, Options: []string{"错误", "正确"}, Answer: []string{"A"}},
			exam.Question{Type: exam.Judge, Options: []string{"错误", "正确"}, Answer: []string{"A"}}},
		{"audience drops empties",
			exam.Question{Type: exam.Single, Categories: []string{" principal ", ""}, Items: []string{" "}},
			exam.Question{Type: exam.Single, Categories: []string{"principal"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Options = slices.Clone(tt.in.Options)
			got := exam.Normalize(in)
			if !qbSameQuestion(got, tt.want) {
				t.Errorf("Normalize =\n %#v\nwant\n %#v", got, tt.want)
			}
			if !slices.Equal(in.Options, tt.in.Options) {
				t.Errorf("Normalize changed its argument's options")
			}
		})
	}
	// A question as authors write it becomes valid.
	q := exam.Normalize(exam.Question{Type: exam.Multiple, Stem: " 题 ", Options: []string{"甲", "乙", "丙", ""}, Answer: []string{"c", "a"}, Category: "分类"})
	if d := exam.Validate(q); d != nil {
		t.Errorf("Validate(Normalize(q)) = %+v", d)
	}
}

// qbSameQuestion compares questions treating nil and empty slices alike.
func qbSameQuestion(a, b exam.Question) bool {
	eq := func(x, y []string) bool { return len(x) == len(y) && (len(x) == 0 || slices.Equal(x, y)) }
	return a.Type == b.Type && a.Stem == b.Stem && eq(a.Options, b.Options) && eq(a.Answer, b.Answer) &&
		a.Explanation == b.Explanation && a.Difficulty == b.Difficulty && a.Category == b.Category &&
		eq(a.Categories, b.Categories) && eq(a.Industries, b.Industries) && eq(a.Items, b.Items) && a.Status == b.Status
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		t    exam.Type
		in   string
		want string // letters joined by ","; "!" for not ok
	}{
		{exam.Multiple, "A,C", "A,C"},
		{exam.Multiple, "AC", "A,C"},
		{exam.Multiple, "A、C", "A,C"},
		{exam.Multiple, "A，C", "A,C"},
		{exam.Multiple, "a c", "A,C"},
		{exam.Multiple, "C,A", "A,C"},
		{exam.Multiple, "ＡＣ", "A,C"},
		{exam.Multiple, " A ; B ；D ", "A,B,D"},
		{exam.Multiple, "A/B", "A,B"},
		{exam.Multiple, "AA", "A,A"},
		{exam.Single, "b", "B"},
		{exam.Single, "G", "G"},
		{exam.Single, "", "!"},
		{exam.Single, " , ", "!"},
		{exam.Single, "A1", "!"},
		{exam.Single, "正确", "!"},
		{exam.Single, "甲", "!"},
		{exam.Judge, "正确", "A"},
		{exam.Judge, "错误", "B"},
		{exam.Judge, "对", "A"},
		{exam.Judge, "错", "B"},
		{exam.Judge, "√", "A"},
		{exam.Judge, "×", "B"},
		{exam.Judge, "T", "A"},
		{exam.Judge, "f", "B"},
		{exam.Judge, "TRUE", "A"},
		{exam.Judge, "false", "B"},
		{exam.Judge, "A", "A"},
		{exam.Judge, "b", "B"},
		{exam.Judge, "不对", "!"},
	}
	for _, tt := range tests {
		got, ok := exam.ParseAnswer(tt.t, tt.in)
		s := strings.Join(got, ",")
		if !ok {
			s = "!"
		}
		if s != tt.want {
			t.Errorf("ParseAnswer(%s, %q) = %q, want %q", tt.t, tt.in, s, tt.want)
		}
	}
}

func TestParseDifficulty(t *testing.T) {
	tests := []struct {
		in   string
		want exam.Difficulty
		ok   bool
	}{
		{"", 0, true}, {" ", 0, true},
		{"1", 1, true}, {"5", 5, true}, {"3.0", 3, true}, {"３", 3, true},
		{"易", 1, true}, {"较易", 2, true}, {"中", 3, true}, {"较难", 4, true}, {"难", 5, true},
		{"简单", 1, true}, {"中等", 3, true}, {"困难", 5, true},
		{"0", 0, false}, {"6", 0, false}, {"2.5", 0, false}, {"-1", 0, false}, {"NaN", 0, false}, {"Inf", 0, false},
		{"很难很难", 0, false}, {"high", 0, false},
	}
	for _, tt := range tests {
		got, ok := exam.ParseDifficulty(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDifficulty(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for d := exam.Difficulty(1); d <= exam.MaxDifficulty; d++ {
		if got, ok := exam.ParseDifficulty(d.Label()); !ok || got != d {
			t.Errorf("ParseDifficulty(%q) = %d, %v; want %d", d.Label(), got, ok, d)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range []exam.Status{exam.StatusDraft, exam.StatusActive, exam.StatusRetired} {
		for _, in := range []string{string(s), s.Label(), " " + s.Label() + " "} {
			if got, ok := exam.ParseStatus(in); !ok || got != s {
				t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, ok, s)
			}
		}
	}
	for _, in := range []string{"", "删除", "x"} {
		if _, ok := exam.ParseStatus(in); ok {
			t.Errorf("ParseStatus(%q) ok, want refused", in)
		}
	}
}
