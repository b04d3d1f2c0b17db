package exam

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// bpCheckPaper checks the invariants of a paper drawn by b from pool:
// exact counts per section, no question twice, numbering, grouping by
// type, total points, and options and answers consistent with the bank.
func bpCheckPaper(t *testing.T, b Blueprint, pool []BankItem, p Paper) {
	t.Helper()
	bank := map[uint]BankItem{}
	for _, it := range pool {
		bank[it.ID] = it
	}
	perSection := make([]int, len(b.Sections))
	seen := map[uint]bool{}
	var typeOrder []Type
	for i, it := range p.Items {
		if it.No != i+1 {
			t.Fatalf("item %d numbered %d", i, it.No)
		}
		if seen[it.QuestionID] {
			t.Fatalf("question %d drawn twice", it.QuestionID)
		}
		seen[it.QuestionID] = true
		s := b.Sections[it.Section]
		perSection[it.Section]++
		q, ok := bank[it.QuestionID]
		if !ok || q.Type != s.Type || s.Category != "" && q.Category != s.Category || it.Points != s.Points {
			t.Fatalf("item %d (question %d) does not fit section %d %+v", it.No, it.QuestionID, it.Section, s)
		}
		if len(typeOrder) == 0 || typeOrder[len(typeOrder)-1] != it.Type {
			if slices.Contains(typeOrder, it.Type) {
				t.Fatalf("type %s is not contiguous", it.Type)
			}
			typeOrder = append(typeOrder, it.Type)
		}
		// Shown options are a permutation of the bank's, and the answer
		// maps back to the bank's answer.
		opts := bankOptions(q.Question)
		if len(it.Options) != len(opts) || len(it.OptionMap) != len(opts) {
			t.Fatalf("item %d: %d options shown, bank has %d", it.No, len(it.Options), len(opts))
		}
		for i, o := range it.Options {
			if opts[optionNumber(it.OptionMap[i])] != o {
				t.Fatalf("item %d: shown %s is %q, map says %s", it.No, Letters[i], o, it.OptionMap[i])
			}
		}
		var back []string
		for _, l := range it.Answer {
			back = append(back, it.OptionMap[optionNumber(l)])
		}
		if !slices.Equal(normalLetters(back), q.Answer) || !slices.Equal(normalLetters(it.Answer), it.Answer) {
			t.Fatalf("item %d: shown answer %v maps to %v, bank answer %v", it.No, it.Answer, back, q.Answer)
		}
		if it.Stem != q.Stem || it.Explanation != q.Explanation {
			t.Fatalf("item %d: stem or explanation not copied", it.No)
		}
	}
	for i, s := range b.Sections {
		if perSection[i] != s.Count {
			t.Fatalf("section %d (%s): %d items, want %d", i, s.Label(), perSection[i], s.Count)
		}
	}
	if p.Total() != TotalPoints {
		t.Fatalf("paper worth %v", p.Total())
	}
}

func TestDrawExactCounts(t *testing.T) {
	pool := bpStandardPool()
	for _, shuffle := range []bool{false, true} {
		b := bpStandard()
		b.ShuffleQuestions, b.ShuffleOptions = shuffle, shuffle
		for seed := range uint64(200) {
			p, err := Draw(b, pool, bpRand(seed))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 80 {
				t.Fatalf("%d items", len(p.Items))
			}
			bpCheckPaper(t, b, pool, p)
		}
	}
}

// A specific section that needs every question of its category, and an
// any-category section that needs all the rest: drawing the any-category
// section first would fail most of the time.
func TestDrawSpecificSectionsFirst(t *testing.T) {
	b := Blueprint{Sections: []Section{
		{Type: Single, Count: 10, Points: 5 * Point}, // listed first on purpose
		{Type: Single, Category: "法律法规", Count: 10, Points: 5 * Point},
	}}
	pool := append(bpBank(1, 10, Single, "法律法规"), bpBank(100, 10, Single, "安全技术")...)
	for seed := range uint64(100) {
		p, err := Draw(b, pool, bpRand(seed))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		bpCheckPaper(t, b, pool, p)
		for _, it := range p.Items {
			if it.Section == 0 && it.Category != "安全技术" {
				t.Fatalf("the any-category section took %d of 法律法规", it.QuestionID)
			}
		}
	}
}

// Every eligible question is drawn with the probability a uniform draw
// gives it: a 法律法规 question is taken by the specific section with
// probability 3/10, else by the any-category one with 4/17; a 安全技术
// question only by the latter, 4/17.
func TestDrawFairSpread(t *testing.T) {
	b := Blueprint{Sections: []Section{
		{Type: Single, Category: "法律法规", Count: 3, Points: 10 * Point},
		{Type: Single, Count: 4, Points: 175},
	}}
	pool := append(bpBank(1, 10, Single, "法律法规"), bpBank(101, 10, Single, "安全技术")...)
	const draws = 20000
	count := map[uint]int{}
	bySection := map[uint]int{}
	rnd := bpRand(7)
	for range draws {
		p, err := Draw(b, pool, rnd)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			count[it.QuestionID]++
			if it.Section == 0 {
				bySection[it.QuestionID]++
			}
		}
	}
	within := func(what string, got int, p float64) {
		t.Helper()
		sigma := math.Sqrt(p * (1 - p) / draws)
		if f := float64(got) / draws; math.Abs(f-p) > 5*sigma {
			t.Errorf("%s: frequency %.4f, want %.4f ± %.4f", what, f, p, 5*sigma)
		}
	}
	for _, it := range pool {
		if it.Category == "法律法规" {
			within(fmt.Sprintf("question %d", it.ID), count[it.ID], 0.3+0.7*4.0/17)
			within(fmt.Sprintf("question %d in its section", it.ID), bySection[it.ID], 0.3)
		} else {
			within(fmt.Sprintf("question %d", it.ID), count[it.ID], 4.0/17)
		}
	}
}

// With ShuffleOptions the correct option lands on each letter equally
// often; without, it stays where the bank put it.
func TestDrawOptionShuffleSpread(t *testing.T) {
	b := Blueprint{Sections: []Section{{Type: Single, Count: 10, Points: 10 * Point}}, ShuffleOptions: true}
	pool := bpBank(4, 10, Single, "") // IDs 4..13
	for i := range pool {
		pool[i].Answer = []string{"A"} // all authored with A correct
	}
	const draws = 5000
	at := map[string]int{}
	rnd := bpRand(11)
	for range draws {
		p, err := Draw(b, pool, rnd)
		if err != nil {
			t.Fatal(err)
		}
		bpCheckPaper(t, b, pool, p)
		for _, it := range p.Items {
			at[it.Answer[0]]++
		}
	}
	n := float64(draws * 10)
	for _, l := range Letters[:4] {
		if f := float64(at[l]) / n; math.Abs(f-0.25) > 5*math.Sqrt(0.25*0.75/n) {
			t.Errorf("answer shown as %s in %.4f of items, want 0.25", l, f)
		}
	}
	b.ShuffleOptions = false
	p, _ := Draw(b, pool, rnd)
	for _, it := range p.Items {
		if !slices.Equal(it.Answer, []string{"A"}) || !slices.Equal(it.OptionMap, Letters[:4]) {
			t.Fatalf("unshuffled item %d: %v %v", it.No, it.Answer, it.OptionMap)
		}
	}
}

func TestDrawNeverShufflesJudgeOrReferringOptions(t *testing.T) {
	b := Blueprint{Sections: []Section{
		{Type: Judge, Count: 10, Points: 5 * Point},
		{Type: Single, Count: 10, Points: 5 * Point},
	}, ShuffleOptions: true, ShuffleQuestions: true}
	pool := bpBank(1, 10, Judge, "")
	singles := bpBank(100, 10, Single, "")
	for i := range singles {
		singles[i].Options[3] = []string{"以上都对", "上述均不正确", "A和B", "ABC", "全部正确"}[i%5]
	}
	pool = append(pool, singles...)
	for seed := range uint64(50) {
		p, err := Draw(b, pool, bpRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		bpCheckPaper(t, b, pool, p)
		for _, it := range p.Items {
			if !slices.Equal(it.OptionMap, Letters[:len(it.Options)]) {
				t.Fatalf("item %d (%s) shuffled: %v", it.No, it.Type, it.OptionMap)
			}
			if it.Type == Judge && !slices.Equal(it.Options, JudgeOptions) {
				t.Fatalf("judge options %v", it.Options)
			}
		}
	}
}

func TestRefersToOthers(t *testing.T) {
	for opts, want := range map[string]bool{
		"甲|乙|丙|以上都是":          true,
		"甲|乙|丙|上述说法均不正确":      true,
		"甲|乙|全部正确|丁":          true,
		"甲|乙|都不对|丁":           true,
		"甲|乙|A和B|丁":           true,
		"甲|乙|A、C|丁":           true,
		"甲|乙|AB|丁":            true,
		"2米|3米|5米以上|10米以上":    false,
		"A类火灾|B类火灾|C类火灾|D类火灾": false,
		"甲|乙|丙|丁":             false,
		"Access|Excel|Word":   false,
	} {
		if got := refersToOthers(strings.Split(opts, "|")); got != want {
			t.Errorf("refersToOthers(%s) = %v, want %v", opts, got, want)
		}
	}
}

func TestDrawOrder(t *testing.T) {
	b := bpStandard()
	pool := bpStandardPool()
	p, err := Draw(b, pool, bpRand(1))
	if err != nil {
		t.Fatal(err)
	}
	// Unshuffled: judge, then single (the 法律法规 section before the other
	// one, as in b), then multiple; bank-ID order within each section.
	var types []Type
	for _, it := range p.Items {
		if len(types) == 0 || types[len(types)-1] != it.Type {
			types = append(types, it.Type)
		}
	}
	if !slices.Equal(types, []Type{Judge, Single, Multiple}) {
		t.Errorf("type order %v", types)
	}
	for i := 1; i < len(p.Items); i++ {
		a, c := p.Items[i-1], p.Items[i]
		if a.Section == c.Section && a.QuestionID > c.QuestionID || a.Type == c.Type && a.Section > c.Section {
			t.Fatalf("items %d, %d out of order", a.No, c.No)
		}
	}

	// Shuffled: still grouped by type, but not in ID order.
	b.ShuffleQuestions = true
	p, _ = Draw(b, pool, bpRand(1))
	sorted := slices.IsSortedFunc(p.Items[:20], func(x, y PaperItem) int { return int(x.QuestionID) - int(y.QuestionID) })
	if sorted {
		t.Error("shuffled judge group is in ID order")
	}
}

func TestDrawIndependentOfPoolOrder(t *testing.T) {
	b := bpStandard()
	b.ShuffleQuestions, b.ShuffleOptions = true, true
	pool := bpStandardPool()
	p1, _ := Draw(b, pool, bpRand(3))
	rev := slices.Clone(pool)
	slices.Reverse(rev)
	p2, _ := Draw(b, rev, bpRand(3))
	if !reflect.DeepEqual(p1, p2) {
		t.Error("the same seed drew different papers from a reordered pool")
	}
	p3, _ := Draw(b, pool, bpRand(4))
	if reflect.DeepEqual(p1, p3) {
		t.Error("two seeds drew the same paper")
	}
}

func TestDrawRefusals(t *testing.T) {
	if _, err := Draw(Blueprint{}, bpStandardPool(), bpRand(1)); !errors.Is(err, ErrInvalidBlueprint) {
		t.Errorf("empty blueprint: %v", err)
	}
	if _, err := Draw(bpStandard(), bpStandardPool()[:50], bpRand(1)); !errors.Is(err, ErrPoolShort) {
		t.Errorf("small pool: %v", err)
	}
}

func TestUsable(t *testing.T) {
	ok := bpBank(1, 1, Single, "")[0].Question
	mod := func(f func(q *Question)) Question {
		q := ok
		q.Options = slices.Clone(ok.Options)
		f(&q)
		return q
	}
	cases := map[string]struct {
		q    Question
		want bool
	}{
		"single":              {ok, true},
		"no status":           {mod(func(q *Question) { q.Status = "" }), true},
		"lower-case answer":   {mod(func(q *Question) { q.Answer = []string{"b"} }), true},
		"retired":             {mod(func(q *Question) { q.Status = StatusRetired }), false},
		"draft":               {mod(func(q *Question) { q.Status = StatusDraft }), false},
		"no stem":             {mod(func(q *Question) { q.Stem = " " }), false},
		"one option":          {mod(func(q *Question) { q.Options = q.Options[:1]; q.Answer = []string{"A"} }), false},
		"seven options":       {mod(func(q *Question) { q.Options = append(q.Options, "e", "f", "g") }), false},
		"blank option":        {mod(func(q *Question) { q.Options[2] = "" }), false},
		"answer beyond":       {mod(func(q *Question) { q.Answer = []string{"E"} }), false},
		"two answers":         {mod(func(q *Question) { q.Answer = []string{"A", "B"} }), false},
		"no answer":           {mod(func(q *Question) { q.Answer = nil }), false},
		"multiple, one":       {mod(func(q *Question) { q.Type = Multiple; q.Answer = []string{"A"} }), false},
		"multiple, two":       {mod(func(q *Question) { q.Type = Multiple; q.Answer = []string{"A", "D"} }), true},
		"multiple, repeat":    {mod(func(q *Question) { q.Type = Multiple; q.Answer = []string{"A", "A"} }), false},
		"judge, no options":   {Question{Type: Judge, Stem: "s", Answer: []string{"B"}}, true},
		"judge, two options":  {Question{Type: Judge, Stem: "s", Options: JudgeOptions, Answer: []string{"A"}}, true},
		"judge, four options": {mod(func(q *Question) { q.Type = Judge }), false},
		"unknown type":        {mod(func(q *Question) { q.Type = "essay" }), false},
	}
	for name, c := range cases {
		if got := usable(c.q); got != c.want {
			t.Errorf("%s: usable = %v, want %v", name, got, c.want)
		}
	}
}

// Public must carry nothing from which an answer could be derived: only
// number, type, points, stem and shown options; and changing anything else
// about an item changes nothing in it.
func TestPublicLeaksNothing(t *testing.T) {
	pool := bpStandardPool()
	b := bpStandard()
	b.ShuffleQuestions, b.ShuffleOptions = true, true
	for seed := range uint64(50) {
		p, err := Draw(b, pool, bpRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		pub := p.Public()
		js, _ := json.Marshal(pub)
		s := string(js)
		for _, bad := range []string{"answer", "explanation", "解析", "机密", "option_map", "question_id", "section", "category"} {
			if strings.Contains(s, bad) {
				t.Fatalf("public paper contains %q", bad)
			}
		}
		var raw []map[string]json.RawMessage
		if err := json.Unmarshal(js, &raw); err != nil || len(raw) != len(p.Items) {
			t.Fatal(err)
		}
		for _, m := range raw {
			keys := slices.Sorted(maps.Keys(m))
			if !slices.Equal(keys, []string{"no", "options", "points", "stem", "type"}) {
				t.Fatalf("public item keys %v", keys)
			}
		}
		// Everything but the public fields changed: Public is the same.
		q := Paper{Items: slices.Clone(p.Items)}
		for i := range q.Items {
			it := &q.Items[i]
			it.Answer = []string{"F"}
			it.OptionMap = []string{"F", "E"}
			it.Explanation = "x"
			it.QuestionID = 1
			it.Category = "y"
			it.Section = 9
		}
		if !reflect.DeepEqual(q.Public(), pub) {
			t.Fatal("Public depends on something it must not show")
		}
	}
	// The shown fields are exactly those of PublicItem.
	var names []string
	pt := reflect.TypeFor[PublicItem]()
	for i := range pt.NumField() {
		names = append(names, pt.Field(i).Name)
	}
	if !slices.Equal(names, []string{"No", "Type", "Points", "Stem", "Options"}) {
		t.Errorf("PublicItem has fields %v: review what a candidate may see before changing this test", names)
	}
}

func TestPaperItem(t *testing.T) {
	p, _ := Draw(bpStandard(), bpStandardPool(), bpRand(1))
	for _, no := range []int{1, 40, 80} {
		if it, ok := p.Item(no); !ok || it.No != no {
			t.Errorf("Item(%d) = %d, %v", no, it.No, ok)
		}
	}
	for _, no := range []int{0, 81, -1} {
		if _, ok := p.Item(no); ok {
			t.Errorf("Item(%d) found", no)
		}
	}
}

func TestNewRand(t *testing.T) {
	a, b := NewRand(), NewRand()
	if a.Uint64() == b.Uint64() && a.Uint64() == b.Uint64() {
		t.Error("two NewRand sources agree")
	}
}
