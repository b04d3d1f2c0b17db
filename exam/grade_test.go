package exam

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"anpei/fault"
)

func TestGradeItem(t *testing.T) {
	single := PaperItem{No: 1, Type: Single, Points: 2 * Point, Options: []string{"a", "b", "c", "d"}, Answer: []string{"B"}}
	judge := PaperItem{No: 2, Type: Judge, Points: Point, Options: JudgeOptions, Answer: []string{"A"}}
	multi := PaperItem{No: 3, Type: Multiple, Points: 2 * Point, Options: []string{"a", "b", "c", "d", "e"}, Answer: []string{"A", "C", "D"}}
	multi25 := multi
	multi25.Points = 25
	multiTenth := multi
	multiTenth.Points = 1
	multi2 := PaperItem{No: 4, Type: Multiple, Points: 3 * Point, Options: []string{"a", "b", "c"}, Answer: []string{"A", "B"}}

	cases := []struct {
		name    string
		it      PaperItem
		given   []string
		partial bool
		earned  Points
		correct bool
		isPart  bool
	}{
		{"single right", single, []string{"B"}, false, 20, true, false},
		{"single lower case, blanks", single, []string{" b "}, false, 20, true, false},
		{"single repeated", single, []string{"B", "b"}, false, 20, true, false},
		{"single wrong", single, []string{"A"}, false, 0, false, false},
		{"single two letters", single, []string{"A", "B"}, true, 0, false, false},
		{"single blank", single, nil, false, 0, false, false},
		{"single empty strings", single, []string{"", " "}, false, 0, false, false},
		{"judge right", judge, []string{"A"}, false, 10, true, false},
		{"judge wrong", judge, []string{"B"}, false, 0, false, false},
		{"multiple exact", multi, []string{"A", "C", "D"}, false, 20, true, false},
		{"multiple exact, any order", multi, []string{"d", "A", "c"}, false, 20, true, false},
		{"multiple exact, partial on", multi, []string{"A", "C", "D"}, true, 20, true, false},
		{"multiple subset, all or nothing", multi, []string{"A", "C"}, false, 0, false, false},
		{"multiple subset, partial", multi, []string{"A", "C"}, true, 10, false, true},
		{"multiple one of three, partial", multi, []string{"D"}, true, 10, false, true},
		{"multiple subset of 2.5, partial", multi25, []string{"A"}, true, 12, false, true},
		{"multiple subset of 0.1, partial", multiTenth, []string{"A"}, true, 0, false, true},
		{"multiple 3 points, partial", multi2, []string{"B"}, true, 15, false, true},
		{"multiple with a wrong one, partial", multi, []string{"A", "B"}, true, 0, false, false},
		{"multiple superset, partial", multi, []string{"A", "B", "C", "D"}, true, 0, false, false},
		{"multiple all options, partial", multi, []string{"A", "B", "C", "D", "E"}, true, 0, false, false},
		{"multiple blank, partial", multi, nil, true, 0, false, false},
		{"multiple unknown letter, partial", multi, []string{"A", "Z"}, true, 0, false, false},
		{"unknown letter never dropped", single, []string{"B", "Z"}, false, 0, false, false},
	}
	for _, c := range cases {
		r := GradeItem(c.it, c.given, c.partial)
		if r.Earned != c.earned || r.Correct != c.correct || r.Partial != c.isPart || r.Points != c.it.Points || r.No != c.it.No {
			t.Errorf("%s: earned %v correct %v partial %v; want %v %v %v", c.name, r.Earned, r.Correct, r.Partial, c.earned, c.correct, c.isPart)
		}
	}
	if r := GradeItem(multi, []string{"c", "a", "a"}, false); !slices.Equal(r.Given, []string{"A", "C"}) || !slices.Equal(r.Answer, multi.Answer) {
		t.Errorf("Given %v, Answer %v", r.Given, r.Answer)
	}
}

// bpAnswerAll answers the items of p for which right says so correctly and
// the others wrongly (the first option not in the answer).
func bpAnswerAll(p Paper, right func(PaperItem) bool) map[int][]string {
	ans := map[int][]string{}
	for _, it := range p.Items {
		if right(it) {
			ans[it.No] = it.Answer
			continue
		}
		for _, l := range Letters[:len(it.Options)] {
			if !slices.Contains(it.Answer, l) {
				ans[it.No] = []string{l}
				break
			}
		}
	}
	return ans
}

func TestGradePassMark(t *testing.T) {
	b := bpStandard()
	b.ShuffleOptions = true
	p, err := Draw(b, bpStandardPool(), bpRand(5))
	if err != nil {
		t.Fatal(err)
	}
	all := Grade(p, bpAnswerAll(p, func(PaperItem) bool { return true }), b)
	if all.Score != TotalPoints || all.Total != TotalPoints || !all.Passed || all.Correct != 80 || all.PassMark != DefaultPassMark {
		t.Fatalf("all right: %+v", all)
	}
	none := Grade(p, nil, b)
	if none.Score != 0 || none.Passed || none.Correct != 0 || len(none.Items) != 80 {
		t.Fatalf("blank: score %v passed %v", none.Score, none.Passed)
	}
	// 20 points lost exactly on 10 multiple-choice items: 80, a pass; one
	// more judge wrong: 79, a fail.
	wrong := func(multi, judge int) func(PaperItem) bool {
		return func(it PaperItem) bool {
			switch {
			case it.Type == Multiple && multi > 0:
				multi--
				return false
			case it.Type == Judge && judge > 0:
				judge--
				return false
			}
			return true
		}
	}
	if r := Grade(p, bpAnswerAll(p, wrong(10, 0)), b); r.Score != 80*Point || !r.Passed {
		t.Errorf("80: %v %v", r.Score, r.Passed)
	}
	if r := Grade(p, bpAnswerAll(p, wrong(10, 1)), b); r.Score != 79*Point || r.Passed {
		t.Errorf("79: %v %v", r.Score, r.Passed)
	}
	// With a pass mark of 79.9, 79.9 passes and 79.8 does not: tenths exact.
	b.PassMark = 799
	tenths := Paper{Items: []PaperItem{
		{No: 1, Type: Single, Points: 799, Options: []string{"a", "b"}, Answer: []string{"A"}},
		{No: 2, Type: Single, Points: 201, Options: []string{"a", "b"}, Answer: []string{"A"}},
	}}
	if r := Grade(tenths, map[int][]string{1: {"A"}}, b); r.Score != 799 || !r.Passed {
		t.Errorf("79.9: %+v", r)
	}
	b.PassMark = 800
	if r := Grade(tenths, map[int][]string{1: {"A"}}, b); r.Passed {
		t.Errorf("79.9 of 80: passed")
	}
}

func TestGradePartialBlueprint(t *testing.T) {
	p := Paper{Items: []PaperItem{
		{No: 1, Type: Multiple, Points: 60 * Point, Options: []string{"a", "b", "c"}, Answer: []string{"A", "B"}},
		{No: 2, Type: Multiple, Points: 40 * Point, Options: []string{"a", "b", "c"}, Answer: []string{"B", "C"}},
	}}
	ans := map[int][]string{1: {"A", "B"}, 2: {"C"}, 99: {"A"}}
	if r := Grade(p, ans, Blueprint{}); r.Score != 60*Point || r.Passed || len(r.Items) != 2 {
		t.Errorf("all or nothing: %v", r.Score)
	}
	r := Grade(p, ans, Blueprint{MultiplePartial: true})
	if r.Score != 80*Point || !r.Passed || r.Correct != 1 || !r.Items[1].Partial {
		t.Errorf("partial: %+v", r)
	}
}

func TestCheckAnswer(t *testing.T) {
	single := PaperItem{No: 3, Type: Single, Options: []string{"a", "b", "c", "d"}}
	judge := PaperItem{No: 4, Type: Judge, Options: JudgeOptions}
	multi := PaperItem{No: 5, Type: Multiple, Options: []string{"a", "b", "c", "d", "e"}}
	cases := []struct {
		it    PaperItem
		given []string
		want  []string
		msg   string // "" = valid
	}{
		{single, []string{"c"}, []string{"C"}, ""},
		{single, nil, nil, ""},
		{single, []string{"", " "}, nil, ""},
		{single, []string{"D", "d"}, []string{"D"}, ""},
		{single, []string{"E"}, nil, "第3题没有选项「E」，只能在 A、B、C、D 中选择"},
		{single, []string{"A", "B"}, nil, "第3题是单选题，只能选择一个选项"},
		{single, []string{"正确"}, nil, "第3题没有选项「正确」，只能在 A、B、C、D 中选择"},
		{judge, []string{"B"}, []string{"B"}, ""},
		{judge, []string{"C"}, nil, "第4题没有选项「C」，只能在 A、B 中选择"},
		{judge, []string{"A", "B"}, nil, "第4题是判断题，只能选择一个选项"},
		{multi, []string{"e", "A", "c"}, []string{"A", "C", "E"}, ""},
		{multi, []string{"A"}, []string{"A"}, ""},
		{multi, []string{"A", "F"}, nil, "第5题没有选项「F」，只能在 A、B、C、D、E 中选择"},
	}
	for _, c := range cases {
		got, err := CheckAnswer(c.it, c.given)
		if c.msg == "" {
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("CheckAnswer(%s, %q) = %v, %v; want %v", c.it.Type, c.given, got, err, c.want)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidAnswer) || fault.As(err).Message != c.msg {
			t.Errorf("CheckAnswer(%s, %q) error %v, want %q", c.it.Type, c.given, err, c.msg)
		}
	}
}

func TestReview(t *testing.T) {
	b := bpStandard()
	b.ShuffleOptions = true
	p, _ := Draw(b, bpStandardPool(), bpRand(9))
	ans := bpAnswerAll(p, func(it PaperItem) bool { return it.No%2 == 0 })
	r := Grade(p, ans, b)
	rev := Review(p, r)
	if len(rev) != len(p.Items) {
		t.Fatalf("%d review items", len(rev))
	}
	for i, ri := range rev {
		it := p.Items[i]
		if ri.No != it.No || ri.Correct != (it.No%2 == 0) || !slices.Equal(ri.Answer, it.Answer) ||
			!slices.Equal(ri.Given, ans[it.No]) || !strings.HasPrefix(ri.Explanation, "解析") || ri.Stem != it.Stem {
			t.Fatalf("review item %d: %+v", i, ri)
		}
	}
}
