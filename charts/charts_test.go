package charts

import (
	"html/template"
	"strings"
	"testing"
	"time"
)

// TestEveryChart runs the checks every chart must pass over a range of
// inputs, including the odd ones, and checks that the same input gives the
// same bytes.
func TestEveryChart(t *testing.T) {
	manyCounts := map[string]int{}
	for i := 0; i < 400; i++ {
		manyCounts[date(2026, 6, 1).AddDate(0, 0, i).Format("2006-01-02")] = i % 13
	}
	nasty := "<b>&amp;\"'</b>\x00\u2028"
	cases := []struct {
		name   string
		render func() template.HTML
	}{
		{"bars", func() template.HTML {
			return Bars(BarChart{Title: "持证上岗率", Target: 1, Bars: []Bar{{Label: "城关镇", Num: 39, Den: 40, Href: "/x?a=1&b=2"}, {Label: "西山乡"}}})
		}},
		{"bars sorted", func() template.HTML {
			return Bars(BarChart{Target: 0.9, SortAscending: true, Bars: []Bar{{Label: "甲", Num: 1, Den: 3}, {Label: "乙", Num: 2, Den: 3}}})
		}},
		{"bars nasty", func() template.HTML {
			return Bars(BarChart{Title: nasty, Desc: nasty, Target: 2, Bars: []Bar{{Label: nasty, Num: 5, Den: 3, Href: nasty}, {Label: "", Num: -1, Den: 3}}})
		}},
		{"bars huge counts", func() template.HTML {
			return Bars(BarChart{Target: 1, Bars: []Bar{{Label: "经济技术开发区管理委员会（化工园区）", Num: 123456789, Den: 987654321}}})
		}},
		{"bars empty", func() template.HTML { return Bars(BarChart{}) }},
		{"trend", func() template.HTML {
			return Trend(TrendChart{Title: "趋势", Target: 0.95, Points: []TrendPoint{{Month: month(2026, 1), Num: 9, Den: 10}, {Month: month(2026, 3), Num: 10, Den: 10}}})
		}},
		{"trend nasty", func() template.HTML {
			return Trend(TrendChart{Title: nasty, Desc: nasty, Target: -1, Points: []TrendPoint{{Month: month(2026, 1), Num: 11, Den: 10}, {Month: month(2026, 2), Num: -1, Den: 10}}})
		}},
		{"trend empty", func() template.HTML { return Trend(TrendChart{}) }},
		{"calendar", func() template.HTML {
			return Calendar(CalendarChart{Title: "到期", From: date(2026, 6, 1), Days: 365, Counts: manyCounts, Unit: "张证书到期"})
		}},
		{"calendar nasty", func() template.HTML {
			return Calendar(CalendarChart{Title: nasty, Desc: nasty, Unit: nasty, From: date(2026, 6, 1), Days: 3})
		}},
		{"calendar zero from", func() template.HTML { return Calendar(CalendarChart{}) }},
		{"calendar one day", func() template.HTML {
			return Calendar(CalendarChart{From: time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), Days: 1})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := c.render()
			checkSVG(t, out)
			if strings.Count(string(out), "<svg") != 1 {
				t.Error("more than one <svg>")
			}
			for i := 0; i < 3; i++ {
				if again := c.render(); again != out {
					t.Fatalf("the same input gave different output")
				}
			}
			if strings.Contains(string(out), "<b>") || strings.Contains(string(out), "\x00") {
				t.Errorf("unescaped text:\n%s", out)
			}
		})
	}
}

// TestIDsDiffer checks that two charts on one page do not share ids.
func TestIDsDiffer(t *testing.T) {
	a := parse(t, Bars(BarChart{Title: "甲", Target: 1, Bars: []Bar{{Label: "x", Num: 1, Den: 2}}}))
	b := parse(t, Bars(BarChart{Title: "乙", Target: 1, Bars: []Bar{{Label: "x", Num: 1, Den: 2}}}))
	if a.children[0].attr["id"] == b.children[0].attr["id"] {
		t.Errorf("two charts share the id %q", a.children[0].attr["id"])
	}
}
