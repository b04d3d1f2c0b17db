package charts

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// CalendarChart is a count per day over a span of days, for example the
// certificates falling due in the next 12 months.
type CalendarChart struct {
	Title, Desc string
	// From is the first day, read as a calendar day in its own location
	// (pass a China-time date).
	From time.Time
	// Days is the number of days drawn from From; 0 or less means one
	// year (From to the day before the same date a year later). At most
	// maxDays are drawn.
	Days int
	// Counts holds the count of a day under its "2006-01-02" key; a day
	// without a key counts 0, keys outside the span are ignored.
	Counts map[string]int
	// Unit follows a count in the text: "3 张证书到期".
	Unit string
}

// maxDays bounds the calendar to two years.
const maxDays = 731

// calendarSteps are the fills of the five steps: none, then four steps of
// ColorBrewer YlOrBr, each darker in grey as well as in colour.
var calendarSteps = [5]string{colCellNo, "#fec44f", "#fe9929", "#d95f0e", "#993404"}

// Calendar draws c as one <svg> element: weeks as columns, weekdays as rows
// from Monday (labelled 一 三 五), split into bands of at most half a year
// so that a phone can read it, each band headed by its dates and with the
// months above its columns. A day is one cell, light when its count is 0
// and darker in four steps above; its <title> says "2027-03-14：3
// 张证书到期". The legend under the calendar gives each step's range in
// numbers, and the total. It never fails.
func Calendar(c CalendarChart) template.HTML {
	const (
		fs       = 15.0
		pitch    = 16.0 // one cell with its gap
		cell     = 13.0
		left     = 24.0 // weekday labels
		maxCols  = 27   // weeks per band: half a year
		headH    = 22.0 // band's dates
		monthH   = 19.0 // month labels
		bandGap  = 12.0
		legendH  = 58.0
		rightPad = 6.0
	)
	width := left + maxCols*pitch + rightPad
	title := clean(c.Title)
	if title == "" {
		title = "每日数量"
	}
	unit := clean(c.Unit)
	first := time.Date(c.From.Year(), c.From.Month(), c.From.Day(), 0, 0, 0, 0, time.UTC)
	days := c.Days
	if days <= 0 {
		days = int(first.AddDate(1, 0, 0).Sub(first).Hours()/24 + 0.5)
	}
	days = min(days, maxDays)

	counts := make([]int, days)
	total, maxCount, busy, busiest := 0, 0, 0, -1
	for i := range counts {
		n := c.Counts[day(first, i)]
		if n < 0 {
			n = 0
		}
		counts[i] = n
		total += n
		if n > 0 {
			busy++
		}
		if n > maxCount {
			maxCount, busiest = n, i
		}
	}
	th := stepsFor(maxCount)
	desc := calendarDesc(clean(c.Desc), first, days, total, busy, busiest, counts, unit)

	offset := weekdayMon(first)
	cols := (offset + days + 6) / 7
	bands := (cols + maxCols - 1) / maxCols
	perBand := (cols + bands - 1) / bands
	bandH := headH + monthH + 7*pitch + bandGap
	height := float64(bands)*bandH + legendH

	var b canvas
	small := `font-size="` + num(fs) + `" fill="` + colMuted + `"`
	for band := 0; band < bands; band++ {
		top := float64(band) * bandH
		gridTop := top + headH + monthH
		firstDay := max(0, band*perBand*7-offset)
		lastDay := min(days, (band+1)*perBand*7-offset) - 1
		b.text(0, top+fs+2, `font-size="`+num(fs)+`" fill="`+colInk+`"`,
			day(first, firstDay)+" 至 "+day(first, lastDay))
		for r, name := range []string{"一", "", "三", "", "五", "", ""} {
			if name != "" {
				b.text(0, gridTop+float64(r)*pitch+cell/2+fs*0.36, small, name)
			}
		}
		// Month labels: at the column of each 1st, and at the band's start
		// when its month still has 3 columns to go there.
		col := func(i int) int { return (offset+i)/7 - band*perBand }
		for i := firstDay; i <= lastDay; i++ {
			d := first.AddDate(0, 0, i)
			label := d.Day() == 1
			if i == firstDay && d.Day() != 1 {
				next := time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, time.UTC)
				ni := int(next.Sub(first).Hours()/24 + 0.5)
				label = ni > lastDay || col(ni)-col(i) >= 3
			}
			if label {
				b.text(left+float64(col(i))*pitch, gridTop-6, `class="month" font-size="`+num(fs)+`" fill="`+colInk+`"`, strconv.Itoa(int(d.Month()))+"月")
			}
		}
		for i := firstDay; i <= lastDay; i++ {
			x := left + float64(col(i))*pitch
			y := gridTop + float64((offset+i)%7)*pitch
			s := th.step(counts[i])
			stroke := ""
			if s == 0 {
				stroke = ` stroke="` + colCellLn + `" stroke-width="0.8"`
			}
			b.printf(`<rect class="day" x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"%s><title>%s</title></rect>`,
				num(x), num(y), num(cell), num(cell), calendarSteps[s], stroke, esc(dayText(day(first, i), counts[i], unit)))
		}
	}
	calendarLegend(&b, float64(bands)*bandH, fs, th, total, unit, width)
	return document("chart-calendar", width, height, title, desc, b.String())
}

// steps are the upper bounds of steps 1–3; step 4 is everything above.
type steps [3]int

// stepsFor splits 1..max into four steps of about equal width, at least one
// count each, so small counts keep their own step.
func stepsFor(most int) steps {
	q := func(i int) int { return int(math.Ceil(float64(most) * float64(i) / 4)) }
	var s steps
	s[0] = max(1, q(1))
	s[1] = max(s[0]+1, q(2))
	s[2] = max(s[1]+1, q(3))
	return s
}

func (s steps) step(n int) int {
	switch {
	case n <= 0:
		return 0
	case n <= s[0]:
		return 1
	case n <= s[1]:
		return 2
	case n <= s[2]:
		return 3
	}
	return 4
}

// labels are the legend's ranges: "0", "1", "2–3", …, "≥7".
func (s steps) labels() [5]string {
	r := func(lo, hi int) string {
		if lo == hi {
			return strconv.Itoa(lo)
		}
		return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
	}
	return [5]string{"0", r(1, s[0]), r(s[0]+1, s[1]), r(s[1]+1, s[2]), "≥" + strconv.Itoa(s[2]+1)}
}

// calendarLegend draws "少 ■■■■■ 多" with each step's range under its
// swatch, and the total on the right.
func calendarLegend(b *canvas, top, fs float64, th steps, total int, unit string, width float64) {
	const sw, gap = 16.0, 52.0
	ink := `font-size="` + num(fs) + `" fill="` + colInk + `"`
	y := top + 6
	b.text(0, y+sw/2+fs*0.36, ink, "少")
	x := 22.0
	for i, l := range th.labels() {
		cx := x + float64(i)*gap + gap/2
		stroke := ""
		if i == 0 {
			stroke = ` stroke="` + colCellLn + `" stroke-width="0.8"`
		}
		b.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"%s/>`, num(cx-sw/2), num(y), num(sw), num(sw), calendarSteps[i], stroke)
		b.text(cx, y+sw+fs+3, `class="legend-step" font-size="`+num(fs)+`" fill="`+colInk+`" text-anchor="middle"`, l)
	}
	b.text(x+5*gap+4, y+sw/2+fs*0.36, ink, "多")
	t := "共 " + strconv.Itoa(total)
	if unit != "" {
		t += " " + unit
	}
	tx, ty, anchor := width-6, y+sw/2+fs*0.36, "end"
	if x+5*gap+30+textWidth(t)*fs > width-6 {
		tx, ty, anchor = 0, y+sw+2*fs+10, "start" // below, when a long unit will not fit beside
	}
	b.text(tx, ty, `font-size="`+num(fs)+`" font-weight="bold" fill="`+colInk+`" text-anchor="`+anchor+`"`, t)
}

// calendarDesc says in words what the calendar shows.
func calendarDesc(lead string, first time.Time, days, total, busy, busiest int, counts []int, unit string) string {
	var b strings.Builder
	if lead != "" {
		b.WriteString(strings.TrimRight(lead, "。") + "。")
	}
	if days <= 0 {
		return b.String()
	}
	u := ""
	if unit != "" {
		u = " " + unit
	}
	fmt.Fprintf(&b, "%s 至 %s 共 %d 天，合计 %d%s，有 %d 天不为 0", day(first, 0), day(first, days-1), days, total, u, busy)
	if busiest >= 0 {
		fmt.Fprintf(&b, "，最多的一天是 %s", dayText(day(first, busiest), counts[busiest], unit))
	}
	b.WriteString("。")
	return b.String()
}

// day is the "2006-01-02" key of the i-th day from first.
func day(first time.Time, i int) string { return first.AddDate(0, 0, i).Format("2006-01-02") }

func dayText(key string, n int, unit string) string {
	s := key + "：" + strconv.Itoa(n)
	if unit != "" {
		s += " " + unit
	}
	return s
}

// weekdayMon numbers the days from Monday = 0.
func weekdayMon(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }
