package charts

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// cells returns the day cells with their titles' dates and counts.
func cells(t *testing.T, root *node) []*node {
	t.Helper()
	return withClass(root.all("rect"), "day")
}

func TestCalendarDays(t *testing.T) {
	cases := []struct {
		name      string
		from      time.Time
		days      int
		counts    map[string]int
		wantCells int
		titles    []string // must appear, in this order
		absent    []string // must not appear
		months    []string // month labels, in order
	}{
		{
			name: "leap February", from: date(2028, 2, 1), days: 60,
			counts:    map[string]int{"2028-02-28": 1, "2028-02-29": 3, "2028-03-01": 2},
			wantCells: 60,
			titles:    []string{"2028-02-01：0 张证书到期", "2028-02-28：1 张证书到期", "2028-02-29：3 张证书到期", "2028-03-01：2 张证书到期", "2028-03-31：0 张证书到期"},
			absent:    []string{"2028-02-30", "2028-04-01"},
			months:    []string{"2月", "3月"},
		},
		{
			name: "common February", from: date(2027, 2, 1), days: 59,
			counts:    map[string]int{"2027-02-29": 5, "2027-03-01": 2},
			wantCells: 59,
			titles:    []string{"2027-02-28：0 张证书到期", "2027-03-01：2 张证书到期", "2027-03-31：0 张证书到期"},
			absent:    []string{"2027-02-29"},
			months:    []string{"2月", "3月"},
		},
		{
			name: "a year from mid-June", from: date(2026, 6, 15), days: 0,
			counts:    map[string]int{"2027-03-14": 3, "2026-06-14": 9, "2027-06-15": 9},
			wantCells: 365,
			titles:    []string{"2026-06-15：0 张证书到期", "2027-03-14：3 张证书到期", "2027-06-14：0 张证书到期"},
			absent:    []string{"2026-06-14", "2027-06-15"},
			// The 16 days of June at the start fill under 3 columns, too few
			// for a label; so do the 11 days of December that start the
			// second band (2026-12-21 至 2027-06-14).
			months: []string{"7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月", "4月", "5月", "6月"},
		},
		{
			name: "a leap year from March", from: date(2027, 3, 1), days: 0,
			wantCells: 366,
			titles:    []string{"2027-03-01：0 张证书到期", "2028-02-29：0 张证书到期"},
		},
		{
			name: "month label at the start", from: date(2026, 6, 1), days: 365,
			wantCells: 365,
			months:    []string{"6月", "7月", "8月", "9月", "10月", "11月", "12月", "12月", "1月", "2月", "3月", "4月", "5月"},
		},
		{
			name: "capped", from: date(2026, 1, 1), days: 5000,
			wantCells: maxDays,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := checkSVG(t, Calendar(CalendarChart{Title: "证书到期", From: c.from, Days: c.days, Counts: c.counts, Unit: "张证书到期"}))
			cs := cells(t, root)
			if len(cs) != c.wantCells {
				t.Fatalf("%d cells, want %d", len(cs), c.wantCells)
			}
			var all []string
			seen := map[string]bool{}
			for i, cell := range cs {
				title := cell.titleOf()
				all = append(all, title)
				key := strings.SplitN(title, "：", 2)[0]
				if want := c.from.AddDate(0, 0, i).Format("2006-01-02"); key != want {
					t.Fatalf("cell %d is %q, want %s", i, title, want)
				}
				if seen[key] {
					t.Errorf("%s twice", key)
				}
				seen[key] = true
			}
			joined := strings.Join(all, "\n")
			at := 0
			for _, want := range c.titles {
				i := strings.Index(joined[at:], want)
				if i < 0 {
					t.Errorf("no cell titled %q (in order)", want)
					continue
				}
				at += i
			}
			for _, bad := range c.absent {
				if strings.Contains(joined, bad) {
					t.Errorf("a cell for %s", bad)
				}
			}
			if c.months != nil {
				var got []string
				for _, m := range withClass(root.all("text"), "month") {
					got = append(got, m.text)
				}
				if strings.Join(got, " ") != strings.Join(c.months, " ") {
					t.Errorf("month labels %q, want %q", got, c.months)
				}
			}
		})
	}
}

func TestCalendarGrid(t *testing.T) {
	// Weeks are columns, weekdays rows from Monday: the next day is one
	// row down in the same column, except Monday, which starts a new
	// column (or a new band) at the top row.
	from := date(2026, 6, 17) // a Wednesday
	root := checkSVG(t, Calendar(CalendarChart{From: from, Days: 365}))
	cs := cells(t, root)
	pos := func(n *node) (float64, float64) {
		x, _ := strconv.ParseFloat(n.attr["x"], 64)
		y, _ := strconv.ParseFloat(n.attr["y"], 64)
		return x, y
	}
	_, top := pos(cs[0])
	top -= 2 * 16 // Wednesday is the third row
	for i := 1; i < len(cs); i++ {
		d := from.AddDate(0, 0, i)
		px, py := pos(cs[i-1])
		x, y := pos(cs[i])
		if d.Weekday() != time.Monday {
			if x != px || y != py+16 {
				t.Fatalf("%s at (%v,%v), the day before at (%v,%v)", d.Format("2006-01-02"), x, y, px, py)
			}
			continue
		}
		if x <= px && y <= py { // a new band starts lower down
			t.Fatalf("Monday %s at (%v,%v) does not start a column", d.Format("2006-01-02"), x, y)
		}
	}
	var rows []string
	for _, tx := range root.all("text") {
		if strings.Contains("一二三四五六日", tx.text) {
			rows = append(rows, tx.text)
		}
	}
	if got := strings.Join(rows, ""); got != "一三五一三五" { // two half-year bands
		t.Errorf("weekday labels %q, want 一三五 for each band", got)
	}
}

func TestCalendarSteps(t *testing.T) {
	cases := []struct {
		max    int
		labels string
	}{
		{0, "0 1 2 3 ≥4"},
		{1, "0 1 2 3 ≥4"},
		{2, "0 1 2 3 ≥4"},
		{4, "0 1 2 3 ≥4"},
		{5, "0 1–2 3 4 ≥5"},
		{8, "0 1–2 3–4 5–6 ≥7"},
		{20, "0 1–5 6–10 11–15 ≥16"},
		{21, "0 1–6 7–11 12–16 ≥17"},
	}
	for _, c := range cases {
		th := stepsFor(c.max)
		l := th.labels()
		if got := strings.Join(l[:], " "); got != c.labels {
			t.Errorf("stepsFor(%d) labels %q, want %q", c.max, got, c.labels)
		}
		if c.max > 0 && th.step(c.max) == 0 {
			t.Errorf("stepsFor(%d): the maximum has no step", c.max)
		}
		if th.step(0) != 0 || th.step(-1) != 0 || th.step(1) != 1 {
			t.Errorf("stepsFor(%d): wrong low steps", c.max)
		}
	}
}

func TestCalendarLegendAndColours(t *testing.T) {
	counts := map[string]int{"2026-07-01": 1, "2026-07-02": 8, "2026-07-03": 4, "2026-07-06": -3}
	root := checkSVG(t, Calendar(CalendarChart{Title: "未来 12 个月证书到期", From: date(2026, 7, 1), Days: 30, Counts: counts, Unit: "张证书到期"}))
	var steps []string
	for _, tx := range withClass(root.all("text"), "legend-step") {
		steps = append(steps, tx.text)
	}
	if got := strings.Join(steps, " "); got != "0 1–2 3–4 5–6 ≥7" {
		t.Errorf("legend thresholds %q", got)
	}
	texts := root.texts()
	for _, want := range []string{"少", "多", "共 13 张证书到期", "2026-07-01 至 2026-07-30", "7月"} {
		if !contains(texts, want) {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	fills := map[string]string{}
	for _, c := range cells(t, root) {
		fills[strings.SplitN(c.titleOf(), "：", 2)[0]] = c.attr["fill"]
	}
	want := map[string]string{
		"2026-07-01": calendarSteps[1],
		"2026-07-02": calendarSteps[4],
		"2026-07-03": calendarSteps[2],
		"2026-07-04": calendarSteps[0], // 0: light
		"2026-07-06": calendarSteps[0], // negative counts as 0
	}
	for d, f := range want {
		if fills[d] != f {
			t.Errorf("%s filled %q, want %q", d, fills[d], f)
		}
	}
	desc := root.children[1].text
	for _, want := range []string{"2026-07-01 至 2026-07-30 共 30 天", "合计 13 张证书到期", "最多的一天是 2026-07-02：8 张证书到期"} {
		if !strings.Contains(desc, want) {
			t.Errorf("desc %q lacks %q", desc, want)
		}
	}
}

func TestCalendarLocalDate(t *testing.T) {
	// From is read as a calendar day in its own location: late evening in
	// China is still that day, though UTC has not reached it.
	cst := time.FixedZone("CST", 8*3600)
	root := checkSVG(t, Calendar(CalendarChart{From: time.Date(2026, 7, 1, 0, 30, 0, 0, cst), Days: 2}))
	cs := cells(t, root)
	if len(cs) != 2 || !strings.HasPrefix(cs[0].titleOf(), "2026-07-01：") {
		t.Errorf("first cell %q", cs[0].titleOf())
	}
}

func TestCalendarNoUnit(t *testing.T) {
	root := checkSVG(t, Calendar(CalendarChart{From: date(2026, 7, 1), Days: 1, Counts: map[string]int{"2026-07-01": 2}}))
	if got := cells(t, root)[0].titleOf(); got != "2026-07-01：2" {
		t.Errorf("title %q", got)
	}
	if !contains(root.texts(), "共 2") {
		t.Errorf("texts %q", root.texts())
	}
}
