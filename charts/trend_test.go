package charts

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func month(y, m int) time.Time { return time.Date(y, time.Month(m), 28, 0, 0, 0, 0, time.UTC) }

func TestTrendGaps(t *testing.T) {
	p := func(m, n, d int) TrendPoint { return TrendPoint{Month: month(2026, m), Num: n, Den: d} }
	cases := []struct {
		name      string
		points    []TrendPoint
		polylines []int // points in each polyline
		dots      int
		gaps      []string
	}{
		{"no gap", []TrendPoint{p(1, 9, 10), p(2, 9, 10), p(3, 10, 10)}, []int{3}, 3, nil},
		{"zero denominator", []TrendPoint{p(1, 9, 10), p(2, 9, 10), p(3, 0, 0), p(4, 9, 10), p(5, 9, 10)}, []int{2, 2}, 4, []string{"2026-03"}},
		{"month left out", []TrendPoint{p(1, 9, 10), p(2, 9, 10), p(4, 9, 10), p(5, 9, 10)}, []int{2, 2}, 4, []string{"2026-03"}},
		{"unsorted", []TrendPoint{p(5, 9, 10), p(1, 9, 10), p(4, 9, 10), p(2, 9, 10)}, []int{2, 2}, 4, []string{"2026-03"}},
		{"lone points", []TrendPoint{p(1, 9, 10), p(3, 9, 10), p(5, 9, 10)}, nil, 3, []string{"2026-02", "2026-04"}},
		{"one point", []TrendPoint{p(6, 39, 40)}, nil, 1, nil},
		{"two gaps in a row", []TrendPoint{p(1, 9, 10), p(2, 9, 10), p(5, 9, 10), p(6, 9, 10), p(7, 9, 10)}, []int{2, 3}, 5, []string{"2026-03", "2026-04"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := checkSVG(t, Trend(TrendChart{Title: "持证上岗率", Points: c.points, Target: 0.95}))
			lines := root.all("polyline")
			if len(lines) != len(c.polylines) {
				t.Fatalf("%d polylines, want %d", len(lines), len(c.polylines))
			}
			for i, l := range lines {
				if got := len(strings.Fields(l.attr["points"])); got != c.polylines[i] {
					t.Errorf("polyline %d has %d points, want %d", i, got, c.polylines[i])
				}
			}
			if got := len(root.all("circle")); got != c.dots {
				t.Errorf("%d points, want %d", got, c.dots)
			}
			gaps := withClass(root.all("rect"), "gap")
			if len(gaps) != len(c.gaps) {
				t.Fatalf("%d months shaded as missing, want %d", len(gaps), len(c.gaps))
			}
			for i, g := range gaps {
				if want := c.gaps[i] + "：无数据"; g.titleOf() != want {
					t.Errorf("gap title %q, want %q", g.titleOf(), want)
				}
				if !strings.Contains(root.children[1].text, c.gaps[i]) {
					t.Errorf("desc %q does not name the missing %s", root.children[1].text, c.gaps[i])
				}
			}
		})
	}
}

func TestTrendPoints(t *testing.T) {
	root := checkSVG(t, Trend(TrendChart{
		Title:  "持证上岗率（月末）",
		Target: 0.95,
		Points: []TrendPoint{
			{Month: time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), Num: 37, Den: 40},
			{Month: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), Num: 39, Den: 40},
			{Month: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Num: 40, Den: 40}, // later entry for June wins
		},
	}))
	var titles []string
	for _, c := range root.all("circle") {
		titles = append(titles, c.titleOf())
	}
	want := []string{"2026-05：92.5%（37/40），低于目标 95%", "2026-06：100.0%（40/40）"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("point titles %q, want %q", titles, want)
	}
	texts := root.texts()
	for _, s := range []string{"2026-05", "2026-06", "目标 95%", "100.0%"} {
		if !contains(texts, s) {
			t.Errorf("no text %q in %q", s, texts)
		}
	}
	if got := withClass(root.all("text"), "latest"); len(got) != 1 || got[0].text != "100.0%" {
		t.Errorf("latest value label %v", got)
	}
	if desc := root.children[1].text; !strings.Contains(desc, "2026-05 92.5%（37/40）") || !strings.Contains(desc, "目标 95%") {
		t.Errorf("desc %q", desc)
	}
}

func TestTrendYAxis(t *testing.T) {
	high := func(n int) []TrendPoint {
		var ps []TrendPoint
		for i := 0; i < 12; i++ {
			ps = append(ps, TrendPoint{Month: month(2025, 1+i), Num: n + i%3, Den: 100})
		}
		return ps
	}
	cases := []struct {
		name   string
		points []TrendPoint
		target float64
		floor  string // the lowest y label
		broken bool
	}{
		{"all high", high(85), 0.95, "80%", true},
		{"just above 80", high(80), 0.95, "70%", true},
		{"low values", high(20), 0.9, "0%", false},
		{"target lower than values", high(96), 0.6, "50%", true},
		{"half", high(45), 0.95, "0%", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := checkSVG(t, Trend(TrendChart{Points: c.points, Target: c.target}))
			var yLabels []string
			for _, tx := range root.all("text") {
				if tx.attr["text-anchor"] == "end" && strings.HasSuffix(tx.text, "%") {
					yLabels = append(yLabels, tx.text)
				}
			}
			if len(yLabels) < 3 || yLabels[0] != c.floor || yLabels[len(yLabels)-1] != "100%" {
				t.Errorf("y labels %q, want %s … 100%%", yLabels, c.floor)
			}
			note := "注：纵轴从 " + c.floor + " 开始"
			hasBreak := len(withClass(root.all("path"), "axis-break")) == 1
			if hasBreak != c.broken || contains(root.texts(), note) != c.broken {
				t.Errorf("axis break %v, note %v; want %v", hasBreak, contains(root.texts(), note), c.broken)
			}
		})
	}
}

func TestTrendMonthLabels(t *testing.T) {
	label := regexp.MustCompile(`^\d{4}-\d{2}$`)
	for _, n := range []int{1, 2, 6, 12, 18, 24, 36, 60} {
		var ps []TrendPoint
		for i := 0; i < n; i++ {
			ps = append(ps, TrendPoint{Month: time.Date(2024, time.Month(7+i), 1, 0, 0, 0, 0, time.UTC), Num: 90, Den: 100})
		}
		root := checkSVG(t, Trend(TrendChart{Points: ps, Target: 0.95}))
		var got []string
		for _, tx := range root.all("text") {
			if label.MatchString(tx.text) {
				got = append(got, tx.text)
			}
		}
		if len(got) == 0 || len(got) > 8 || (n <= 6 && len(got) != n) {
			t.Errorf("%d months: labels %q", n, got)
		}
	}
}

func TestTrendEmpty(t *testing.T) {
	for _, ps := range [][]TrendPoint{nil, {{}}} {
		root := checkSVG(t, Trend(TrendChart{Points: ps}))
		if !contains(root.texts(), "暂无数据") {
			t.Errorf("texts %q", root.texts())
		}
	}
}

func TestTrendBoundsMonths(t *testing.T) {
	ps := []TrendPoint{
		{Month: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Num: 1, Den: 2}, // not IsZero, far away
		{Month: month(2026, 6), Num: 1, Den: 2},
	}
	root := checkSVG(t, Trend(TrendChart{Points: ps}))
	if got := len(root.all("circle")); got != 1 {
		t.Errorf("%d points, want only the recent one", got)
	}
	if got := len(withClass(root.all("rect"), "gap")); got != maxMonths-1 {
		t.Errorf("%d missing months, want %d", got, maxMonths-1)
	}
}
