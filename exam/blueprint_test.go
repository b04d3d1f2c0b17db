package exam

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"anpei/fault"
)

// Test helpers shared by this package's draw, grade, attempt and wrong-book
// tests. Their names start with "bp" so they cannot clash with other test
// files of the package.

// bpBank returns n usable questions of type t in category cat, with IDs
// from first. Stems and explanations name the ID; singles have four
// options with the answer rotating over A–D, multiples four options with
// two or three answers, judges the standard options (left empty, as
// Draw fills them) with A or B.
func bpBank(first uint, n int, t Type, cat string) []BankItem {
	var out []BankItem
	for i := range n {
		id := first + uint(i)
		q := Question{Type: t, Category: cat, Status: StatusActive,
			Stem:        fmt.Sprintf("题干%d：下列说法正确的是", id),
			Explanation: fmt.Sprintf("解析%d机密", id)}
		switch t {
		case Single:
			q.Options = bpOptions(id, 4)
			q.Answer = []string{Letters[id%4]}
		case Multiple:
			q.Options = bpOptions(id, 4)
			q.Answer = [][]string{{"A", "C"}, {"B", "C", "D"}, {"A", "B"}}[id%3]
		case Judge:
			q.Answer = []string{Letters[id%2]}
		}
		out = append(out, BankItem{ID: id, Question: q})
	}
	return out
}

func bpOptions(id uint, n int) []string {
	var o []string
	for i := range n {
		o = append(o, fmt.Sprintf("选项%d-%d", id, i))
	}
	return o
}

// bpStandard is a 100-point blueprint of 80 items: 20 judge at 1, 10 single
// 法律法规 at 1, 30 single of any category at 1, 20 multiple at 2.
func bpStandard() Blueprint {
	return Blueprint{Sections: []Section{
		{Type: Judge, Count: 20, Points: Point},
		{Type: Single, Category: "法律法规", Count: 10, Points: Point},
		{Type: Single, Count: 30, Points: Point},
		{Type: Multiple, Count: 20, Points: 2 * Point},
	}}
}

// bpStandardPool fills bpStandard with room to spare: IDs 900000 and up,
// so an ID in JSON stands out.
func bpStandardPool() []BankItem {
	var p []BankItem
	p = append(p, bpBank(900000, 40, Judge, "安全常识")...)
	p = append(p, bpBank(900100, 15, Single, "法律法规")...)
	p = append(p, bpBank(900200, 30, Single, "安全技术")...)
	p = append(p, bpBank(900300, 30, Multiple, "安全技术")...)
	return p
}

func bpRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// bpFields returns the Field of each Detail of err.
func bpFields(err error) []string {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	var f []string
	for _, d := range fe.Details {
		f = append(f, d.Field)
	}
	return f
}

func TestPointsString(t *testing.T) {
	for p, want := range map[Points]string{0: "0", 10: "1", 25: "2.5", 1000: "100", 1: "0.1", -5: "-0.5", -25: "-2.5", 333: "33.3"} {
		if got := p.String(); got != want {
			t.Errorf("Points(%d).String() = %q, want %q", int(p), got, want)
		}
	}
}

func TestParsePoints(t *testing.T) {
	good := map[string]Points{"2": 20, "2.5": 25, "2.50": 25, "0.1": 1, "-1": -10, "100": 1000, "0": 0, " 3 ": 30, "33.3": 333}
	for s, want := range good {
		got, err := ParsePoints(s)
		if err != nil || got != want {
			t.Errorf("ParsePoints(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2.55", "2.05", "1e1", ".5", "5.", "abc", "1234567", `"2"`, "+2", "--1", "2.5.1", "null", "２"} {
		if _, err := ParsePoints(s); !errors.Is(err, ErrInvalidPoints) {
			t.Errorf("ParsePoints(%q) error = %v, want ErrInvalidPoints", s, err)
		}
	}
}

func TestPointsJSON(t *testing.T) {
	b, err := json.Marshal(Section{Type: Single, Count: 40, Points: 25})
	if err != nil || string(b) != `{"type":"single","category":"","count":40,"points":2.5}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var s Section
	if err := json.Unmarshal(b, &s); err != nil || s.Points != 25 {
		t.Fatalf("Unmarshal = %+v, %v", s, err)
	}
	if err := json.Unmarshal([]byte(`{"points":2.55}`), &s); !errors.Is(err, ErrInvalidPoints) {
		t.Errorf("2.55 points: error %v, want ErrInvalidPoints", err)
	}
	if err := json.Unmarshal([]byte(`{"points":"2"}`), &s); !errors.Is(err, ErrInvalidPoints) {
		t.Errorf(`"2" points: error %v, want ErrInvalidPoints`, err)
	}
}

func TestBlueprintValidate(t *testing.T) {
	sec := func(t Type, cat string, n int, p Points) Section {
		return Section{Type: t, Category: cat, Count: n, Points: p}
	}
	cases := []struct {
		name   string
		b      Blueprint
		fields []string // nil: valid
	}{
		{"standard", bpStandard(), nil},
		{"one section", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}}, nil},
		{"tenths add up exactly", Blueprint{Sections: []Section{
			sec(Single, "", 3, 333), sec(Multiple, "", 1, 1)}}, nil}, // 99.9 + 0.1
		{"a tenth each", Blueprint{Sections: []Section{sec(Judge, "", 1000, 1)}}, nil},
		{"2.5 × 40", Blueprint{Sections: []Section{sec(Single, "", 40, 25)}}, nil},
		{"explicit defaults", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, PassMark: 80 * Point, Minutes: 120}, nil},
		{"pass 60.5, 600 min", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, PassMark: 605, Minutes: 600}, nil},
		{"no sections", Blueprint{}, []string{"sections"}},
		{"total 99.9", Blueprint{Sections: []Section{sec(Single, "", 3, 333)}}, []string{"sections"}},
		{"total 101", Blueprint{Sections: []Section{sec(Single, "", 101, Point)}}, []string{"sections"}},
		{"unknown type", Blueprint{Sections: []Section{sec("essay", "", 100, Point)}}, []string{"sections[0].type"}},
		{"zero count", Blueprint{Sections: []Section{sec(Single, "", 0, Point), sec(Judge, "", 100, Point)}}, []string{"sections[0].count"}},
		{"too many", Blueprint{Sections: []Section{sec(Single, "", 1001, 1)}}, []string{"sections[0].count"}},
		{"negative points", Blueprint{Sections: []Section{sec(Single, "", 100, -Point)}}, []string{"sections[0].points"}},
		{"duplicate section", Blueprint{Sections: []Section{sec(Single, "法规", 50, Point), sec(Single, "法规", 50, Point)}}, []string{"sections[1]"}},
		{"same type, other category", Blueprint{Sections: []Section{sec(Single, "法规", 50, Point), sec(Single, "", 50, Point)}}, nil},
		{"pass mark over 100", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, PassMark: 1001}, []string{"pass_mark"}},
		{"pass mark under 1", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, PassMark: 5}, []string{"pass_mark"}},
		{"negative pass mark", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, PassMark: -800}, []string{"pass_mark"}},
		{"601 minutes", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, Minutes: 601}, []string{"minutes"}},
		{"negative minutes", Blueprint{Sections: []Section{sec(Single, "", 100, Point)}, Minutes: -1}, []string{"minutes"}},
	}
	for _, c := range cases {
		err := c.b.Validate()
		if c.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidBlueprint) || !slices.Equal(bpFields(err), c.fields) {
			t.Errorf("%s: error %v fields %v, want %v", c.name, err, bpFields(err), c.fields)
		}
	}
}

func TestBlueprintValidateMessages(t *testing.T) {
	err := Blueprint{Sections: []Section{{Type: Single, Category: "法律法规", Count: 90, Points: Point}}}.Validate()
	fe := fault.As(err)
	if len(fe.Details) != 1 || fe.Details[0].Message != "各部分分值合计须为100分，现为90分" {
		t.Errorf("details = %+v", fe.Details)
	}
	err = Blueprint{Sections: []Section{{Type: Single, Category: "法律法规", Count: 0, Points: Point}}}.Validate()
	if d := fault.As(err).Details; len(d) != 1 || d[0].Message != "单选题·法律法规的题量须在1到1000道之间" {
		t.Errorf("details = %+v", d)
	}
}

func TestBlueprintDefaults(t *testing.T) {
	b := Blueprint{Sections: bpStandard().Sections}.WithDefaults()
	if b.PassMark != 80*Point || b.Minutes != 120 || b.Duration().Minutes() != 120 {
		t.Errorf("defaults = %v, %d", b.PassMark, b.Minutes)
	}
	if got := (Blueprint{Minutes: 90}).Duration().Minutes(); got != 90 {
		t.Errorf("Duration = %v min", got)
	}
	if got := bpStandard().Total(); got != TotalPoints {
		t.Errorf("Total = %v", got)
	}
}

func TestFeasible(t *testing.T) {
	b := Blueprint{Sections: []Section{
		{Type: Single, Category: "法律法规", Count: 20, Points: 2 * Point},
		{Type: Single, Count: 20, Points: 2 * Point},
		{Type: Judge, Count: 20, Points: Point},
	}}
	pool := bpBank(1, 12, Single, "法律法规")
	pool = append(pool, bpBank(100, 25, Single, "安全技术")...)
	pool = append(pool, bpBank(200, 20, Judge, "")...)
	// 12 法律法规 of 20: short. The any-category singles get 37 − 12 = 25
	// of 20: enough.
	err := b.Feasible(pool)
	if !errors.Is(err, ErrPoolShort) {
		t.Fatalf("Feasible = %v, want ErrPoolShort", err)
	}
	want := []fault.Detail{{Field: "sections[0]", Message: "单选题·法律法规：需要 20 道，题库中只有 12 道可用"}}
	if got := fault.As(err).Details; !slices.Equal(got, want) {
		t.Errorf("details = %+v\nwant %+v", got, want)
	}

	// 10 more 法律法规: 22, the section takes 20, the any-category section
	// gets 47 − 20 = 27.
	pool = append(pool, bpBank(50, 10, Single, "法律法规")...)
	if err := b.Feasible(pool); err != nil {
		t.Errorf("Feasible = %v, want nil", err)
	}

	// Only 10 安全技术 left: 32 − 20 = 12 for the any-category section.
	pool = slices.DeleteFunc(pool, func(it BankItem) bool { return it.ID >= 110 && it.ID < 200 })
	err = b.Feasible(pool)
	want = []fault.Detail{{Field: "sections[1]", Message: "单选题·不限分类：需要 20 道，除去其他部分抽取的 20 道，题库中只有 12 道可用"}}
	if got := fault.As(err).Details; !errors.Is(err, ErrPoolShort) || !slices.Equal(got, want) {
		t.Errorf("details = %+v\nwant %+v", got, want)
	}
}

func TestFeasibleCountsUsableOnce(t *testing.T) {
	b := Blueprint{Sections: []Section{{Type: Single, Count: 5, Points: 20 * Point}}}
	pool := bpBank(1, 5, Single, "")
	if err := b.Feasible(pool); err != nil {
		t.Fatalf("Feasible = %v", err)
	}
	retired := pool[0]
	retired.Status = StatusRetired
	dup := pool[1]
	pool = append([]BankItem{retired}, pool[1:]...)
	pool = append(pool, dup) // the same ID twice counts once
	err := b.Feasible(pool)
	if d := fault.As(err).Details; len(d) != 1 || d[0].Message != "单选题·不限分类：需要 5 道，题库中只有 4 道可用" {
		t.Errorf("Feasible = %v %+v", err, d)
	}
}

func TestSectionLabel(t *testing.T) {
	for s, want := range map[Section]string{
		{Type: Single, Category: "法律法规"}: "单选题·法律法规",
		{Type: Judge}:                    "判断题·不限分类",
		{Type: "essay"}:                  "未知题型「essay」·不限分类",
	} {
		if got := s.Label(); got != want {
			t.Errorf("Label = %q, want %q", got, want)
		}
	}
	if !strings.Contains(ErrPoolShort.Message, "题库") {
		t.Error("ErrPoolShort message")
	}
}
