package charts

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// TrendChart is a rate month by month, for example the month-end snapshots
// of the certified-on-duty rate.
type TrendChart struct {
	Title, Desc string
	// Points are the months with their counts, in any order. Only the
	// year and month of Month count, read in Month's own location (pass
	// China-time dates). A point with Den 0, or a month between the first
	// and the last without a point, has no data: the line breaks there.
	// A later point for the same month replaces an earlier one.
	Points []TrendPoint
	// Target is the share to reach, 0–1; 0 draws no target line.
	Target float64
}

// TrendPoint is one month's rate, Num of Den.
type TrendPoint struct {
	Month    time.Time
	Num, Den int
}

// maxMonths bounds the x axis; older points are left out.
const maxMonths = 120

// Trend draws c as one <svg> element: months along the x axis ("2026-06",
// thinned out when there are many), the rate on the y axis from 0% to 100%
// — or from a higher floor, said in the legend and marked on the axis,
// when every value and the target are high — the target as a dashed line,
// and a point per month with its exact rate and counts in its <title>.
// It never fails; a chart without data says so.
func Trend(c TrendChart) template.HTML {
	const (
		width   = 600.0
		height  = 340.0
		fs      = 18.0 // axis and legend
		fsValue = 20.0 // the latest value
		left    = 56.0
		right   = width - 72 // room for the latest value
		top     = 66.0
		bottom  = height - 42
		inset   = 16.0 // first and last month from the plot's edges
	)
	title := clean(c.Title)
	if title == "" {
		title = "月度趋势"
	}
	target := clampTarget(c.Target)
	s := newSeries(c.Points)
	desc := trendDesc(clean(c.Desc), s, target)
	if s.n == 0 {
		return empty("chart-trend", width, title, desc)
	}

	// The y axis: 0–100%, or from a floor of 50% or more when everything
	// drawn is at least 2 points above it.
	lo := 1.0
	if target > 0 {
		lo = target
	}
	for _, p := range s.points {
		if p.ok {
			lo = math.Min(lo, p.value())
		}
	}
	floor := int(math.Floor((lo*100-2)/10)) * 10 // in percent
	if floor < 50 {
		floor = 0
	}
	step := 20
	switch {
	case floor >= 70:
		step = 5
	case floor >= 50:
		step = 10
	}
	ymin := float64(floor) / 100
	y := func(v float64) float64 {
		v = math.Max(ymin, math.Min(1, v))
		return bottom - (v-ymin)/(1-ymin)*(bottom-top)
	}
	xl, xr := left+inset, right-inset
	slot := xr - xl
	if s.n > 1 {
		slot = (xr - xl) / float64(s.n-1)
	}
	x := func(i int) float64 {
		if s.n == 1 {
			return (xl + xr) / 2
		}
		return xl + float64(i)*slot
	}

	var b canvas
	trendLegend(&b, fs, target, s.gaps() > 0, floor)

	// Months without data: a grey band behind the plot.
	for i, p := range s.points {
		if p.ok {
			continue
		}
		w := math.Min(slot, xr-xl+2*inset)
		b.printf(`<rect class="gap" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s：无数据</title></rect>`,
			num(x(i)-w/2), num(top), num(w), num(bottom-top), colGap, esc(monthLabel(p.month)))
	}

	// Grid and y labels.
	axisText := `font-size="` + num(fs) + `" fill="` + colMuted + `"`
	for v := floor; v <= 100; v += step {
		yy := y(float64(v) / 100)
		if v != floor {
			b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(yy), num(right), num(yy), colGrid)
		}
		b.text(left-6, yy+fs*0.36, axisText+` text-anchor="end"`, strconv.Itoa(v)+"%")
	}
	b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(left), num(bottom), num(right), num(bottom), colAxis)
	if floor > 0 {
		// The axis is broken: it does not start at zero.
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(left), num(top), num(left), num(bottom-14), colAxis)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(left), num(bottom-7), num(left), num(bottom), colAxis)
		b.printf(`<path class="axis-break" d="M%s %sl12 -5M%s %sl12 -5" stroke="%s" stroke-width="1.5" fill="none"/>`, num(left-6), num(bottom-10), num(left-6), num(bottom-3), colInk)
	} else {
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(left), num(top), num(left), num(bottom), colAxis)
	}

	// x ticks every month, labels every labelStep months (January-aligned).
	labelStep := 1
	for _, k := range []int{1, 2, 3, 4, 6, 12, 24, 60} {
		labelStep = k
		if float64(k)*slot >= textWidth("2026-06")*fs+12 || s.n == 1 {
			break
		}
	}
	for i, p := range s.points {
		xx := x(i)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(xx), num(bottom), num(xx), num(bottom+4), colAxis)
		if p.index%labelStep == 0 || s.n <= 2 {
			b.text(xx, bottom+fs+8, axisText+` text-anchor="middle"`, monthLabel(p.month))
		}
	}

	if target > 0 {
		ty := y(target)
		b.printf(`<line class="target" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, num(left), num(ty), num(right), num(ty), colInk)
	}

	// The line, broken at every month without data.
	var run []string
	flush := func() {
		if len(run) > 1 {
			b.printf(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"/>`, strings.Join(run, " "), colBlue)
		}
		run = run[:0]
	}
	for i, p := range s.points {
		if !p.ok {
			flush()
			continue
		}
		run = append(run, num(x(i))+","+num(y(p.value())))
	}
	flush()

	last := -1
	for i, p := range s.points {
		if !p.ok {
			continue
		}
		last = i
		fill := colBlue
		if below(p.num, p.den, target) {
			fill = colRed
		}
		t := monthLabel(p.month) + "：" + rateText(p.num, p.den)
		if below(p.num, p.den, target) {
			t += "，低于目标 " + targetText(target)
		}
		b.printf(`<circle cx="%s" cy="%s" r="4.5" fill="%s" stroke="#fff" stroke-width="1.5"><title>%s</title></circle>`, num(x(i)), num(y(p.value())), fill, esc(t))
	}
	if last >= 0 {
		// The latest value, to the right of its point.
		p := s.points[last]
		b.text(x(last)+9, y(p.value())+fsValue*0.36, `class="latest" font-size="`+num(fsValue)+`" font-weight="bold" fill="`+colInk+`"`+halo, percent(p.num, p.den))
	}
	return document("chart-trend", width, height, title, desc, b.String())
}

// trendLegend draws the key along the top: the target line, the shading
// of months without data, and the floor of a broken y axis.
func trendLegend(b *canvas, fs, target float64, gaps bool, floor int) {
	x, y := 4.0, 17.0
	attrs := `font-size="` + num(fs) + `" fill="` + colInk + `"`
	if target > 0 {
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, num(x), num(y), num(x+22), num(y), colInk)
		x += 28
		s := "目标 " + targetText(target)
		b.text(x, y+fs*0.36, attrs, s)
		x += textWidth(s)*fs + 18
	}
	if gaps {
		b.printf(`<rect x="%s" y="%s" width="14" height="14" fill="%s" stroke="%s" stroke-width="1"/>`, num(x), num(y-7), colGap, colCellLn)
		x += 19
		b.text(x, y+fs*0.36, attrs, "无数据")
	}
	if floor > 0 {
		b.text(4, y+fs*0.36+24, `font-size="`+num(fs)+`" fill="`+colMuted+`"`, "注：纵轴从 "+strconv.Itoa(floor)+"% 开始")
	}
}

// series is the trend's months from the first to the last, each with or
// without data.
type series struct {
	points []monthPoint
	n      int
}

type monthPoint struct {
	month    time.Time // the first of the month, UTC
	index    int       // year*12 + month-1
	num, den int
	ok       bool
}

func (p monthPoint) value() float64 { return float64(p.num) / float64(p.den) }

func newSeries(in []TrendPoint) series {
	byMonth := map[int]TrendPoint{}
	first, last := 0, -1
	for _, p := range in {
		if p.Month.IsZero() {
			continue
		}
		k := p.Month.Year()*12 + int(p.Month.Month()) - 1
		byMonth[k] = p
		if last < 0 || k < first {
			first = k
		}
		if k > last {
			last = k
		}
	}
	if last < 0 {
		return series{}
	}
	if last-first+1 > maxMonths {
		first = last - maxMonths + 1
	}
	s := series{n: last - first + 1}
	for k := first; k <= last; k++ {
		mp := monthPoint{month: time.Date(k/12, time.Month(k%12+1), 1, 0, 0, 0, 0, time.UTC), index: k}
		if p, ok := byMonth[k]; ok && p.Den > 0 && p.Num >= 0 {
			mp.num, mp.den, mp.ok = p.Num, p.Den, true
		}
		s.points = append(s.points, mp)
	}
	return s
}

func (s series) gaps() int {
	n := 0
	for _, p := range s.points {
		if !p.ok {
			n++
		}
	}
	return n
}

func monthLabel(t time.Time) string { return fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month())) }

// trendDesc says in words what the line shows.
func trendDesc(lead string, s series, target float64) string {
	var b strings.Builder
	if lead != "" {
		b.WriteString(strings.TrimRight(lead, "。") + "。")
	}
	if s.n == 0 {
		b.WriteString("暂无数据。")
		return b.String()
	}
	first, last := s.points[0], s.points[len(s.points)-1]
	fmt.Fprintf(&b, "%s 至 %s，共 %d 个月", monthLabel(first.month), monthLabel(last.month), s.n)
	if target > 0 {
		b.WriteString("，目标 " + targetText(target))
	}
	b.WriteString("。")
	var items, missing []string
	for _, p := range s.points {
		if p.ok {
			items = append(items, monthLabel(p.month)+" "+rateText(p.num, p.den))
		} else {
			missing = append(missing, monthLabel(p.month))
		}
	}
	if len(items) > 0 {
		b.WriteString(strings.Join(items, "；") + "。")
	}
	if len(missing) > 0 {
		b.WriteString("无数据：" + join(missing) + "。")
	}
	return b.String()
}
