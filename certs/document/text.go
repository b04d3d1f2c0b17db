package document

import (
	"strings"
	"unicode"
)

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// fitSize returns the largest size from hi down to lo (points) at which
// s is at most width mm wide in the current font, lo if none is.
func (pg *page) fitSize(s string, hi, lo, width float64) float64 {
	pg.p.SetFontSize(hi)
	w := pg.p.GetStringWidth(s)
	if w <= width {
		return hi
	}
	return min(max(hi*width/w, lo), hi)
}

// styledRune is one character of a paragraph, its width at the
// paragraph's size, and whether it is glued to the one before it (no line
// break and no justification space between them).
type styledRune struct {
	r    rune
	emph bool
	w    float64
	glue bool
}

// noLineStart are characters a line may not begin with (避头), noLineEnd
// those it may not end with (避尾).
const (
	noLineStart = "，。、；：？！）》」』】”’%·…—"
	noLineEnd   = "（《「『【“‘"
)

// wrap breaks spans into lines no wider than width mm (the first indent
// mm narrower) at the current font size. Chinese breaks between any two
// characters except before closing or after opening punctuation; runs of
// Latin letters and digits (a date, a number) stay whole.
func (pg *page) wrap(spans []span, width, indent float64) [][]styledRune {
	var units [][]styledRune // pieces that may not be broken
	prev := rune(0)
	for _, s := range spans {
		for _, r := range s.text {
			g := styledRune{r: r, emph: s.emph, w: pg.p.GetStringWidth(string(r))}
			g.glue = len(units) > 0 && (strings.ContainsRune(noLineStart, r) ||
				strings.ContainsRune(noLineEnd, prev) ||
				(isWordRune(r) && isWordRune(prev)))
			if g.glue {
				units[len(units)-1] = append(units[len(units)-1], g)
			} else {
				units = append(units, []styledRune{g})
			}
			prev = r
		}
	}
	var lines [][]styledRune
	var line []styledRune
	used, limit := 0.0, width-indent
	for _, u := range units {
		w := 0.0
		for _, g := range u {
			w += g.w
		}
		if len(line) > 0 && used+w > limit {
			lines = append(lines, line)
			line, used, limit = nil, 0, width
			if u[0].r == ' ' { // a space does not start a line
				w -= u[0].w
				u = u[1:]
			}
		}
		line = append(line, u...)
		used += w
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	return lines
}

// wrapBalanced wraps as wrap does, narrowing the measure a character at a
// time (to 85%) while the last line would hold fewer than five characters
// and the number of lines stays the same, so no line ends with a lone
// "证。".
func (pg *page) wrapBalanced(spans []span, width, indent, em float64) [][]styledRune {
	lines := pg.wrap(spans, width, indent)
	for w := width - em; w > 0.85*width && len(lines) > 1 && len(lines[len(lines)-1]) < 5; w -= em {
		narrower := pg.wrap(spans, w, indent)
		if len(narrower) != len(lines) {
			break
		}
		lines = narrower
	}
	return lines
}

// justify returns the space to add at each break opportunity of line so
// that it fills width, or 0 when that would open gaps wider than half an
// em.
func justify(line []styledRune, width, em float64) float64 {
	used, gaps := 0.0, 0
	for i, g := range line {
		used += g.w
		if i > 0 && !g.glue {
			gaps++
		}
	}
	if gaps == 0 || used >= width {
		return 0
	}
	extra := (width - used) / float64(gaps)
	if extra > em/2 {
		return 0
	}
	return extra
}

func isWordRune(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '*')
}
