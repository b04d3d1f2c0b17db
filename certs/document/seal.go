package document

import (
	"math"

	"github.com/go-pdf/fpdf"
)

// seal draws a round red seal centred at (cx, cy): a heavy ring, the
// issuer's name along the upper arc in narrow characters, a star in the
// middle, translucent so the text under it shows as under real ink. It is
// drawn from vectors in the style of a seal; it is no image of a real one.
func (pg *page) seal(name string, cx, cy float64) {
	p := pg.p
	p.SetAlpha(0.9, "Multiply")
	pg.stroke(red)
	pg.fill(red)
	p.SetLineWidth(1.3)
	p.Circle(cx, cy, sealR, "D")
	pg.star(cx, cy+0.8, 5.6)

	const narrow = 0.78 // characters are set at 78% width, as on seals
	runes := []rune(name)
	n := len(runes)
	span, step := 0.0, 0.0 // degrees from the first character to the last
	if n > 1 {
		span = min(22*float64(n-1), 250)
		step = span / float64(n-1)
	}
	size := 6.4 // mm, the em of a character
	if n > 1 {
		size = min(size, 0.92*(sealR-5)*deg(step)/narrow)
	}
	r := sealR - 1.9 - size/2
	p.SetFontSize(size / ptToMM)
	pg.color(red)
	pg.bold(0.18)
	defer pg.bold(0)
	for i, c := range runes {
		a := 90 + span/2 - float64(i)*step
		x, y := cx+r*math.Cos(deg(a)), cy-r*math.Sin(deg(a))
		w := p.GetStringWidth(string(c))
		p.TransformBegin()
		p.TransformRotate(a-90, x, y)
		p.TransformScale(100*narrow, 100, x, y)
		p.Text(x-w/2, y+0.36*size, string(c))
		p.TransformEnd()
	}
	p.SetAlpha(1, "Normal")
}

// star fills a five-pointed star of outer radius r, one point up.
func (pg *page) star(cx, cy, r float64) {
	pts := make([]fpdf.PointType, 0, 10)
	for i := range 10 {
		rr := r
		if i%2 == 1 {
			rr = r * 0.382
		}
		a := deg(90 + 36*float64(i))
		pts = append(pts, fpdf.PointType{X: cx + rr*math.Cos(a), Y: cy - rr*math.Sin(a)})
	}
	pg.p.Polygon(pts, "F")
}

// deg converts degrees to radians.
func deg(d float64) float64 { return d * math.Pi / 180 }
