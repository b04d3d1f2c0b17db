package charts

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
)

// BarChart is a horizontal bar chart of rates, one bar per town, enterprise
// or category.
type BarChart struct {
	Title, Desc string
	Bars        []Bar
	// Target is the share every bar should reach, 0–1 (1 = 100%); 0 draws
	// no target and warns of nothing.
	Target float64
	// SortAscending puts the lowest rate first (the worst at the top);
	// otherwise the bars keep their given order. Bars without a
	// denominator go last.
	SortAscending bool
}

// Bar is one rate: Num of Den. Den 0 means there is nothing to count; the
// bar reads "—（0/0）" and has no length.
type Bar struct {
	Label    string
	Num, Den int
	// Href, when a relative path starting with "/", makes the bar a link
	// (the dashboard's drill-down). Any other value is dropped.
	Href string
}

// maxLabelEm is the widest label drawn, about 12 Chinese characters.
const maxLabelEm = 12.0

// Bars draws c as one <svg> element: a label on the left (cut with "…"
// past about 12 Chinese characters; the whole label is in the bar's
// <title>), the bar, and the rate with its counts at the bar's end. A bar
// below the target is red and hatched. It never fails; a chart without bars
// says so.
func Bars(c BarChart) template.HTML {
	const (
		width     = 600.0
		pad       = 4.0
		fs        = 19.0 // labels and values
		fsSmall   = 16.0 // legend and axis
		pitch     = 32.0 // one bar's row
		barH      = 20.0
		legendH   = 36.0
		axisH     = 28.0
		gapLabel  = 10.0
		gapValue  = 8.0
		minBarMax = 150.0
	)
	title := clean(c.Title)
	if title == "" {
		title = "比率"
	}
	target := clampTarget(c.Target)
	rows := barRows(c.Bars, target, c.SortAscending)
	desc := barsDesc(clean(c.Desc), rows, target)
	if len(rows) == 0 {
		return empty("chart-bars", width, title, desc)
	}

	labelW, valueW := 0.0, 0.0
	for _, r := range rows {
		labelW = math.Max(labelW, textWidth(r.short)*fs)
		valueW = math.Max(valueW, textWidth(r.value)*fs)
	}
	x0 := pad + labelW + gapLabel
	barMax := width - pad - valueW - gapValue - x0
	w := width
	if barMax < minBarMax { // huge counts: widen the drawing rather than squash the bars
		barMax = minBarMax
		w = x0 + barMax + gapValue + valueW + pad
	}
	top := pad
	if target > 0 {
		top = legendH
	}
	bottom := top + float64(len(rows))*pitch
	height := bottom + axisH + pad

	var b canvas
	b.printf(`<defs><pattern id="%s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="%s"/><rect width="2.5" height="6" fill="#fff" fill-opacity="0.6"/></pattern></defs>`, idMark, colRed)
	if target > 0 {
		barsLegend(&b, pad, fsSmall, target)
	}

	// Scale: faint lines at 50% and 100%, the axis at 0%.
	for _, t := range []float64{0.5, 1} {
		x := x0 + barMax*t
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x), num(top), num(x), num(bottom), colGrid)
	}
	for _, t := range []float64{0, 0.5, 1} {
		anchor := "middle"
		if t == 0 {
			anchor = "start"
		}
		b.text(x0+barMax*t, bottom+fsSmall+6, `font-size="`+num(fsSmall)+`" fill="`+colMuted+`" text-anchor="`+anchor+`"`, strconv.Itoa(int(t*100))+"%")
	}

	b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`, num(x0), num(top), num(x0), num(bottom), colAxis)
	// The target under the rows, so that a value's halo keeps it readable
	// where the line crosses it.
	if target > 0 {
		x := x0 + barMax*target
		b.printf(`<line class="target" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, num(x), num(top-4), num(x), num(bottom+4), colInk)
	}

	for i, r := range rows {
		cy := top + float64(i)*pitch + pitch/2
		if r.href != "" {
			b.printf(`<a href="%s">`, esc(r.href))
		}
		b.printf(`<g class="bar-row"><title>%s</title>`, esc(r.title))
		if r.href != "" {
			// The whole row answers a tap, not just the thin bar.
			b.printf(`<rect x="0" y="%s" width="%s" height="%s" fill="#fff" fill-opacity="0"/>`, num(cy-pitch/2), num(w), num(pitch))
		}
		labelAttrs := `font-size="` + num(fs) + `" text-anchor="end" fill="` + colInk + `"`
		if r.href != "" {
			labelAttrs = `font-size="` + num(fs) + `" text-anchor="end" fill="` + colBlue + `" text-decoration="underline"`
		}
		b.text(x0-gapLabel, cy+fs*0.36, labelAttrs, r.short)
		end := x0
		if r.den > 0 {
			barW := math.Max(2, barMax*math.Min(1, math.Max(0, float64(r.num)/float64(r.den))))
			fill := colBlue
			class := "bar"
			if r.below {
				fill = "url(#" + idMark + "-hatch)"
				class = "bar bar-below"
			}
			b.printf(`<rect class="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, class, num(x0), num(cy-barH/2), num(barW), num(barH), fill)
			end = x0 + barW
		}
		valueFill := colInk
		switch {
		case r.den == 0:
			valueFill = colMuted
		case r.below:
			valueFill = colRed
		}
		b.text(end+gapValue, cy+fs*0.36, `font-size="`+num(fs)+`" fill="`+valueFill+`"`+halo, r.value)
		b.printf(`</g>`)
		if r.href != "" {
			b.printf(`</a>`)
		}
	}
	return document("chart-bars", w, height, title, desc, b.String())
}

// barRow is one bar ready to draw.
type barRow struct {
	short, full, value, title, href string
	num, den                        int
	below                           bool
}

func barRows(bars []Bar, target float64, ascending bool) []barRow {
	rows := make([]barRow, 0, len(bars))
	for _, in := range bars {
		full := clean(in.Label)
		if full == "" {
			full = "（未命名）"
		}
		den, n := max(in.Den, 0), in.Num
		r := barRow{
			short: truncate(full, maxLabelEm),
			full:  full,
			value: rateText(n, in.Den), // as it came, even when it makes no sense
			href:  safeHref(in.Href),
			num:   n,
			den:   den,
			below: below(n, den, target),
		}
		r.title = full + "：" + r.value
		switch {
		case den == 0:
			r.title += "，无数据"
		case r.below:
			r.title += "，低于目标 " + targetText(target)
		}
		rows = append(rows, r)
	}
	if ascending {
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i], rows[j]
			if a.den == 0 || b.den == 0 {
				return a.den != 0 && b.den == 0
			}
			return int64(a.num)*int64(b.den) < int64(b.num)*int64(a.den)
		})
	}
	return rows
}

// safeHref returns h when it is a same-site path ("/…"), else "". A second
// slash or a backslash after the first would make the browser leave the
// site ("//evil", "/\evil"), and control characters or spaces have no place
// in a path the server built.
func safeHref(h string) string {
	if len(h) < 1 || h[0] != '/' {
		return ""
	}
	if len(h) > 1 && (h[1] == '/' || h[1] == '\\') {
		return ""
	}
	for _, r := range h {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return ""
		}
	}
	return h
}

// barsLegend draws the key to the bars and the target line along the top.
func barsLegend(b *canvas, x, fs, target float64) {
	y := 17.0
	attrs := `font-size="` + num(fs) + `" fill="` + colInk + `"`
	sw := 14.0
	b.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x), num(y-sw/2), num(sw), num(sw), colBlue)
	x += sw + 5
	b.text(x, y+fs*0.36, attrs, "达到目标")
	x += textWidth("达到目标")*fs + 16
	b.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="url(#%s-hatch)"/>`, num(x), num(y-sw/2), num(sw), num(sw), idMark)
	x += sw + 5
	b.text(x, y+fs*0.36, attrs, "低于目标")
	x += textWidth("低于目标")*fs + 16
	b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, num(x+4), num(y-9), num(x+4), num(y+9), colInk)
	b.text(x+13, y+fs*0.36, attrs, "目标 "+targetText(target))
}

// barsDesc says in words what the bars show.
func barsDesc(lead string, rows []barRow, target float64) string {
	var parts []string
	if lead != "" {
		parts = append(parts, strings.TrimRight(lead, "。")+"。")
	}
	if len(rows) == 0 {
		return strings.Join(append(parts, "暂无数据。"), "")
	}
	s := "共 " + strconv.Itoa(len(rows)) + " 项"
	if target > 0 {
		n := 0
		for _, r := range rows {
			if r.below {
				n++
			}
		}
		s += "，目标 " + targetText(target) + "，低于目标 " + strconv.Itoa(n) + " 项"
	}
	parts = append(parts, s+"：")
	items := make([]string, len(rows))
	for i, r := range rows {
		items[i] = r.full + " " + r.value
		if r.below {
			items[i] += "（低于目标）"
		}
	}
	parts = append(parts, strings.Join(items, "；")+"。")
	return strings.Join(parts, "")
}

// empty is the chart shown when there is nothing to draw.
func empty(class string, width float64, title, desc string) template.HTML {
	var b canvas
	b.text(width/2, 44, `font-size="18" fill="`+colMuted+`" text-anchor="middle"`, "暂无数据")
	return document(class, width, 72, title, desc, b.String())
}
