package charts

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The palette. Text colours are checked against white: ink 15:1, muted
// 5.8:1, red 6.6:1, blue 6.0:1 (WCAG AA asks 4.5:1 for text, 3:1 for
// graphics; the axis grey is 3.1:1 and draws lines only).
const (
	colInk    = "#1f2733"
	colMuted  = "#5b6675"
	colAxis   = "#8a94a3"
	colGrid   = "#e4e8ee"
	colBlue   = "#1d5fbf"
	colRed    = "#b42318"
	colGap    = "#eef1f5"
	colCellNo = "#f4f6f9"
	colCellLn = "#c9d0d9"
)

// idMark stands for the chart's element id prefix while the chart is
// drawn. The id is derived from the finished drawing (see document), so the
// same input always gives the same bytes and two different charts on one
// page do not share ids. The mark cannot come from user text, which clean
// strips of control characters.
const idMark = "\x00"

// halo draws a white outline behind text that may cross a line.
const halo = ` stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"`

// canvas collects the body of one SVG.
type canvas struct {
	strings.Builder
}

func (c *canvas) printf(format string, a ...any) { fmt.Fprintf(&c.Builder, format, a...) }

// text writes one <text> element; attrs is trusted markup, s is escaped.
func (c *canvas) text(x, y float64, attrs, s string) {
	c.printf(`<text x="%s" y="%s" %s>%s</text>`, num(x), num(y), attrs, esc(s))
}

// document wraps a drawn body into the root <svg> element with its title
// and desc, and replaces idMark with an id derived from the drawing.
func document(class string, w, h float64, title, desc, body string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %s %s" width="100%%" role="img" aria-labelledby="%s-t" aria-describedby="%s-d">`,
		class, num(w), num(math.Ceil(h)), idMark, idMark)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, idMark, esc(title), idMark, esc(desc))
	b.WriteString(body)
	b.WriteString(`</svg>`)
	out := b.String()
	hash := fnv.New32a()
	hash.Write([]byte(out))
	id := fmt.Sprintf("chart-%08x", hash.Sum32())
	return template.HTML(strings.ReplaceAll(out, idMark, id))
}

// esc escapes text for an XML/HTML text node or a quoted attribute.
func esc(s string) string { return template.HTMLEscapeString(s) }

// clean makes caller text safe to place in XML: valid UTF-8, no control
// characters (a tab or newline becomes a space), trimmed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r >= 0xd800 && r <= 0xdfff, r == 0xfffe, r == 0xffff:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// num formats a coordinate with at most one decimal.
func num(x float64) string {
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// percent is num/den in percent with one decimal, "—" when den is 0. It
// follows compliance.Rate.Percent: half up, but never 100.0% short of the
// whole nor 0.0% above nothing.
func percent(n, d int) string {
	if d <= 0 {
		return "—"
	}
	tenths := (int64(n)*2000 + int64(d)) / (2 * int64(d))
	switch {
	case n < d && tenths >= 1000:
		tenths = 999
	case n > 0 && tenths == 0:
		tenths = 1
	}
	sign := ""
	if tenths < 0 {
		sign, tenths = "-", -tenths
	}
	return sign + strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10) + "%"
}

// rateText is "97.5%（39/40）", "—（0/0）".
func rateText(n, d int) string {
	return percent(n, d) + "（" + strconv.Itoa(n) + "/" + strconv.Itoa(d) + "）"
}

// targetText prints a target share as "95%" or "97.5%".
func targetText(t float64) string {
	return strconv.FormatFloat(math.Round(t*1000)/10, 'f', -1, 64) + "%"
}

// clampTarget keeps a target in 0–1; anything else means no target.
func clampTarget(t float64) float64 {
	if math.IsNaN(t) || t <= 0 {
		return 0
	}
	return math.Min(t, 1)
}

// below reports whether n/d is under the target t, comparing counts so that
// a rate exactly on the target (19/20 against 0.95) meets it.
func below(n, d int, t float64) bool {
	return d > 0 && t > 0 && float64(n) < t*float64(d)-1e-9
}

// textWidth estimates the advance of s in em. It is generous: CJK and
// full-width forms take 1 em, digits and Latin letters a little more than
// they do in the usual sans-serif fonts, so the layout keeps its room.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) float64 {
	switch {
	case r == ' ' || r == '.' || r == ',' || r == ':' || r == '\'' || r == '|' || r == 'i' || r == 'l':
		return 0.32
	case r == '/' || r == '-' || r == '(' || r == ')':
		return 0.42
	case r == '%':
		return 0.9
	case r >= '0' && r <= '9':
		return 0.6
	case r >= 'A' && r <= 'Z', r == 'm', r == 'w', r == 'M', r == 'W':
		return 0.72
	case r < 0x80:
		return 0.6
	case wide(r):
		return 1
	}
	return 0.7
}

// wide reports East Asian wide and full-width characters, and the dash and
// ellipsis, which CJK fonts draw a full em wide.
func wide(r rune) bool {
	switch {
	case r == '—' || r == '…' || r == '≥' || r == '–':
		return true
	case r >= 0x1100 && r <= 0x115f,
		r >= 0x2e80 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x20000:
		return true
	}
	return false
}

// truncate shortens s to at most maxEm, ending it with "…" when cut.
func truncate(s string, maxEm float64) string {
	if textWidth(s) <= maxEm {
		return s
	}
	w := runeWidth('…')
	for i, r := range s {
		if w+runeWidth(r) > maxEm {
			return s[:i] + "…"
		}
		w += runeWidth(r)
	}
	return s
}

// join lists items with the Chinese enumeration comma.
func join(items []string) string { return strings.Join(items, "、") }
