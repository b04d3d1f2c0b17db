package exam

import (
	"math"
	"slices"
	"testing"
)

func TestFacility(t *testing.T) {
	cases := []struct {
		correct []bool
		want    float64
	}{
		{nil, 0},
		{[]bool{true}, 1},
		{[]bool{false}, 0},
		{[]bool{true, false, false, true, true}, 0.6},
	}
	for _, c := range cases {
		if got := Facility(c.correct); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Facility(%v) = %v, want %v", c.correct, got, c.want)
		}
	}
}

func TestDiscrimination(t *testing.T) {
	ten := []Points{950, 900, 850, 800, 750, 700, 650, 600, 550, 500}
	T, F := true, false
	cases := []struct {
		name    string
		scores  []Points
		correct []bool
		want    float64
	}{
		// n = 10: k = round(2.7) = 3; upper 950 900 850, lower 600 550 500.
		{"perfect", ten, []bool{T, T, T, F, T, F, T, F, F, F}, 1},
		{"reversed", ten, []bool{T, F, F, T, T, T, T, T, T, T}, 1.0/3 - 1},
		{"everyone right", ten, []bool{T, T, T, T, T, T, T, T, T, T}, 0},
		{"middle only", ten, []bool{F, F, F, T, T, T, T, F, F, F}, 0},
		{"two thirds vs one third", ten, []bool{T, F, T, F, F, F, F, T, F, F}, 1.0 / 3},
		// The same, given in another order.
		{"unsorted", []Points{500, 950, 600, 900, 550, 850, 800, 750, 700, 650},
			[]bool{F, T, F, T, F, T, F, T, F, T}, 1},
		// n = 2: k = 1.
		{"two", []Points{100, 200}, []bool{F, T}, 1},
		// n = 4: k = round(1.08) = 1.
		{"four", []Points{40, 30, 20, 10}, []bool{F, T, T, T}, -1},
		{"one", []Points{100}, []bool{T}, 0},
		{"none", nil, nil, 0},
	}
	for _, c := range cases {
		if got := Discrimination(c.scores, c.correct); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Discrimination = %v, want %v", c.name, got, c.want)
		}
	}
	// n = 20: k = round(5.4) = 5; 4 of the top 5 right and 3 of the bottom 5:
	// 0.8 − 0.6 = 0.2, exactly the threshold.
	var s []Points
	var c []bool
	for i := range 20 {
		s = append(s, Points(1000-10*i))
		c = append(c, i < 4 || i >= 17)
	}
	if got := Discrimination(s, c); math.Abs(got-0.2) > 1e-12 {
		t.Errorf("n=20: %v, want 0.2", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic on slices of different lengths")
		}
	}()
	Discrimination([]Points{1}, nil)
}

func TestItemStats(t *testing.T) {
	T, F := true, false
	scores := []Points{950, 900, 850, 800, 750, 700, 650, 600, 550, 500}
	correct := map[uint][]bool{
		1: {T, T, T, T, T, T, T, T, T, T}, // too easy, does not discriminate
		2: {T, T, T, F, T, F, T, F, F, F}, // fine
		3: {F, F, F, F, F, F, F, F, F, T}, // too hard, discriminates negatively
		5: {T, T, F, F, F, F, F, F, F, F}, // facility exactly 0.2: fine
	}
	var results []Result
	for i, sc := range scores {
		r := Result{Score: sc}
		for _, id := range []uint{5, 3, 2, 1} {
			r.Items = append(r.Items, ItemResult{QuestionID: id, Correct: correct[id][i]})
		}
		if i < 3 { // question 4 was on three papers only
			r.Items = append(r.Items, ItemResult{QuestionID: 4, Correct: i == 0, Partial: i == 1})
		}
		results = append(results, r)
	}
	got := ItemStats(results)
	want := []ItemStat{
		{QuestionID: 1, N: 10, Correct: 10, Facility: 1, Discrimination: 0,
			Flags: []string{"过易：答对率高于95%", "区分度低于0.2"}},
		{QuestionID: 2, N: 10, Correct: 5, Facility: 0.5, Discrimination: 1},
		{QuestionID: 3, N: 10, Correct: 1, Facility: 0.1, Discrimination: -1.0 / 3,
			Flags: []string{"过难：答对率低于20%", "区分度低于0.2"}},
		{QuestionID: 4, N: 3, Correct: 1, Facility: 1.0 / 3, Discrimination: 1}, // too few to flag
		{QuestionID: 5, N: 10, Correct: 2, Facility: 0.2, Discrimination: 2.0 / 3},
	}
	if len(got) != len(want) {
		t.Fatalf("%d stats, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.QuestionID != w.QuestionID || g.N != w.N || g.Correct != w.Correct ||
			math.Abs(g.Facility-w.Facility) > 1e-12 || math.Abs(g.Discrimination-w.Discrimination) > 1e-12 ||
			!slices.Equal(g.Flags, w.Flags) || g.NeedsReview() != (len(w.Flags) > 0) {
			t.Errorf("question %d: %+v\nwant %+v", w.QuestionID, g, w)
		}
	}
	if len(ItemStats(nil)) != 0 {
		t.Error("stats of nothing")
	}
}

func TestStatFlagsThresholds(t *testing.T) {
	cases := []struct {
		s    ItemStat
		want int
	}{
		{ItemStat{N: 10, Facility: 0.2, Discrimination: 0.2}, 0},
		{ItemStat{N: 10, Facility: 0.95, Discrimination: 0.2}, 0},
		{ItemStat{N: 10, Facility: 0.7 - 0.5, Discrimination: 0.8 - 0.6}, 0}, // 0.19999…
		{ItemStat{N: 10, Facility: 0.19, Discrimination: 0.5}, 1},
		{ItemStat{N: 10, Facility: 0.96, Discrimination: 0.5}, 1},
		{ItemStat{N: 10, Facility: 0.5, Discrimination: 0.19}, 1},
		{ItemStat{N: 9, Facility: 0, Discrimination: -1}, 0},
	}
	for _, c := range cases {
		if got := statFlags(c.s); len(got) != c.want {
			t.Errorf("%+v: flags %v", c.s, got)
		}
	}
	if NeedsReviewLabel != "需要复核" {
		t.Error("label")
	}
}
