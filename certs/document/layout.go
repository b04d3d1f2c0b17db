package document

import "github.com/go-pdf/fpdf"

// The page is A4 landscape; every length is in millimetres, every font
// size in points.
const (
	pageW, pageH = 297.0, 210.0

	frameOuter = 9.0  // outer frame line, inset from the paper edge
	frameInner = 13.5 // inner double line
	frameLimit = 15.0 // nothing is drawn past this inset but the frame

	textLeft, textRight = 30.0, 267.0 // the body and the table

	titleBaseline = 41.0
	bodyTop       = 60.0
	footerTop     = 148.0 // the table ends above this

	qrX, qrY, qrSide = 26.0, 153.0, 32.0 // QR code with its quiet zone

	issuerBaseline = 175.5
	sealR          = 19.0
)

// rgb is a colour as 0xRRGGBB.
type rgb uint32

// The palette: a navy frame and title, gold ornaments, a red seal.
const (
	navy  rgb = 0x1F3B6F
	gold  rgb = 0xB8913A
	ink   rgb = 0x1E1E1E
	muted rgb = 0x586274
	tint  rgb = 0xF3F5F9
	rule  rgb = 0xAAB4C6
	red   rgb = 0xCE1E24
)

func (c rgb) parts() (r, g, b int) { return int(c >> 16), int(c >> 8 & 0xFF), int(c & 0xFF) }

// textBox is where an upright string was drawn; tests check that none
// leaves the frame or overlaps another.
type textBox struct {
	x, top, w, h float64
	s            string
}

// page draws one certificate on an fpdf document whose only font is the
// certificate's cut font, already added as family "cert".
type page struct {
	p     *fpdf.Fpdf
	boxes []textBox
}

func (pg *page) draw(c content, qr [][]bool) {
	pg.p.AddPage()
	pg.frame()
	pg.title(c.title)
	bottom := pg.body(c.body)
	pg.table(c.fields, bottom+7)
	pg.footer(c, qr)
	if c.status != "" {
		pg.watermark(c.status)
	}
}

func (pg *page) fill(c rgb)   { pg.p.SetFillColor(c.parts()) }
func (pg *page) stroke(c rgb) { pg.p.SetDrawColor(c.parts()) }
func (pg *page) color(c rgb)  { pg.p.SetTextColor(c.parts()) }

// text draws s with its baseline at y and records its box.
func (pg *page) text(x, y float64, s string) {
	_, size := pg.p.GetFontSize()
	w := pg.p.GetStringWidth(s)
	pg.p.Text(x, y, s)
	pg.boxes = append(pg.boxes, textBox{x, y - 0.88*size, w, 1.0 * size, s})
}

// bold thickens the text that follows by stroking its outline (the font
// has one weight); bold(0) turns it off.
func (pg *page) bold(mm float64) {
	if mm == 0 {
		pg.p.SetTextRenderingMode(0)
		return
	}
	pg.p.SetLineWidth(mm)
	pg.p.SetTextRenderingMode(2)
}

// frame draws the double border: a heavy navy line, a fine gold one inside
// it with a navy hairline, and an ornament in each corner.
func (pg *page) frame() {
	p := pg.p
	pg.stroke(navy)
	p.SetLineWidth(1.4)
	p.Rect(frameOuter, frameOuter, pageW-2*frameOuter, pageH-2*frameOuter, "D")
	pg.stroke(gold)
	p.SetLineWidth(0.6)
	p.Rect(frameInner-1.6, frameInner-1.6, pageW-2*(frameInner-1.6), pageH-2*(frameInner-1.6), "D")
	pg.stroke(navy)
	p.SetLineWidth(0.2)
	p.Rect(frameInner, frameInner, pageW-2*frameInner, pageH-2*frameInner, "D")

	for _, c := range [][2]float64{{frameInner, frameInner}, {pageW - frameInner, frameInner},
		{frameInner, pageH - frameInner}, {pageW - frameInner, pageH - frameInner}} {
		sx, sy := 1.0, 1.0
		if c[0] > pageW/2 {
			sx = -1
		}
		if c[1] > pageH/2 {
			sy = -1
		}
		// An L of two gold strokes, and a diamond where the lines cross.
		pg.stroke(gold)
		p.SetLineWidth(0.5)
		p.Line(c[0]+sx*4, c[1]+sy*4, c[0]+sx*16, c[1]+sy*4)
		p.Line(c[0]+sx*4, c[1]+sy*4, c[0]+sx*4, c[1]+sy*16)
		pg.fill(gold)
		pg.diamond(c[0]-sx*0.8, c[1]-sy*0.8, 2.2)
	}
}

func (pg *page) diamond(x, y, r float64) {
	pg.p.Polygon([]fpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, "F")
}

// title draws the title centred, letter-spaced as far as it fits, with a
// gold rule and diamond under it.
func (pg *page) title(s string) {
	p := pg.p
	runes := []rune(s)
	width := textRight - textLeft - 20
	size := pg.fitSize(s, 34, 16, width)
	p.SetFontSize(size)
	plain := p.GetStringWidth(s)
	gap := 0.0
	if n := len(runes); n > 1 {
		gap = min(0.6*size*ptToMM, (width-plain)/float64(n-1))
	}
	x := (pageW - plain - gap*float64(len(runes)-1)) / 2
	pg.color(navy)
	pg.stroke(navy)
	pg.bold(0.25)
	for _, r := range runes {
		pg.text(x, titleBaseline, string(r))
		x += p.GetStringWidth(string(r)) + gap
	}
	pg.bold(0)

	pg.stroke(gold)
	p.SetLineWidth(0.35)
	y := titleBaseline + 7
	p.Line(pageW/2-45, y, pageW/2-4, y)
	p.Line(pageW/2+4, y, pageW/2+45, y)
	pg.fill(gold)
	pg.diamond(pageW/2, y, 1.6)
}

// body draws the sentence, the first line indented two characters, lines
// but the last justified, the holder's name bold and underlined; it returns
// the last baseline. It shrinks the type until the sentence takes at most
// four lines.
func (pg *page) body(spans []span) float64 {
	p := pg.p
	width := textRight - textLeft
	var lines [][]styledRune
	size := 16.0
	for ; ; size -= 0.5 {
		p.SetFontSize(size)
		lines = pg.wrapBalanced(spans, width, 2*size*ptToMM, size*ptToMM)
		if len(lines) <= 4 || size <= 10 {
			break
		}
	}
	em := size * ptToMM
	y := bodyTop + em
	for i, line := range lines {
		x, measure := textLeft, width
		if i == 0 {
			x, measure = x+2*em, measure-2*em
		}
		extra := 0.0
		if i < len(lines)-1 {
			extra = justify(line, measure, em)
		}
		for len(line) > 0 {
			// One Text per run of glued characters of one style.
			n, w := 1, line[0].w
			for n < len(line) && line[n].emph == line[0].emph && (line[n].glue || extra == 0) {
				w += line[n].w
				n++
			}
			seg := make([]rune, n)
			for j := range n {
				seg[j] = line[j].r
			}
			pg.color(ink)
			if line[0].emph {
				pg.stroke(ink)
				pg.bold(0.2)
				pg.text(x, y, string(seg))
				pg.bold(0)
				pg.stroke(gold)
				p.SetLineWidth(0.35)
				p.Line(x-0.5, y+1.8, x+w+0.5, y+1.8)
			} else {
				pg.text(x, y, string(seg))
			}
			x += w
			line = line[n:]
			if len(line) > 0 && !line[0].glue {
				x += extra
			}
		}
		if i < len(lines)-1 {
			y += 1.9 * em
		}
	}
	return y
}

// table draws the fields two to a row, or one to a row when a value is too
// long for half the width, from top down to footerTop at most.
func (pg *page) table(fields []field, top float64) {
	p := pg.p
	const labelW, pad, valueSize, labelSize = 27.0, 3.0, 12.0, 10.5
	width := textRight - textLeft
	halfValue := width/2 - labelW

	var rows [][]field
	p.SetFontSize(valueSize)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if i+1 < len(fields) && p.GetStringWidth(f.value) <= halfValue-2*pad &&
			p.GetStringWidth(fields[i+1].value) <= halfValue-2*pad {
			rows = append(rows, []field{f, fields[i+1]})
			i++
			continue
		}
		rows = append(rows, []field{f})
	}
	rowH := min(8.6, (footerTop-top)/float64(len(rows)))

	pg.stroke(rule)
	p.SetLineWidth(0.2)
	for r, row := range rows {
		y := top + float64(r)*rowH
		cellW := width / float64(len(row))
		for i, f := range row {
			x := textLeft + float64(i)*cellW
			pg.fill(tint)
			p.Rect(x, y, labelW, rowH, "FD")
			p.Rect(x+labelW, y, cellW-labelW, rowH, "D")

			p.SetFontSize(labelSize)
			pg.color(muted)
			lw := p.GetStringWidth(f.label)
			pg.text(x+(labelW-lw)/2, y+rowH/2+0.35*labelSize*ptToMM, f.label)

			size := pg.fitSize(f.value, valueSize, 7, cellW-labelW-2*pad)
			p.SetFontSize(size)
			pg.color(ink)
			pg.text(x+labelW+pad, y+rowH/2+0.35*size*ptToMM, f.value)
		}
	}
	pg.stroke(navy)
	p.SetLineWidth(0.4)
	p.Rect(textLeft, top, width, rowH*float64(len(rows)), "D")
}

// footer draws the QR code, its caption and the number bottom left, the
// issuer, the date and the seal bottom right.
func (pg *page) footer(c content, qr [][]bool) {
	p := pg.p
	drawQR(p, qr, qrX, qrY, qrSide)
	size := pg.fitSize(c.caption, 9, 6, qrSide+6)
	p.SetFontSize(size)
	pg.color(muted)
	pg.text(qrX+(qrSide-p.GetStringWidth(c.caption))/2, qrY+qrSide+3.2, c.caption)

	numX := qrX + qrSide + 3
	p.SetFontSize(9)
	pg.text(numX, qrY+qrSide-9.5, numberLabel+"：")
	size = pg.fitSize(c.number, 12, 7, 150-numX)
	p.SetFontSize(size)
	pg.color(ink)
	pg.text(numX, qrY+qrSide-3, c.number)

	size = pg.fitSize(c.issuer, 15, 8, textRight-165)
	p.SetFontSize(size)
	iw := p.GetStringWidth(c.issuer)
	pg.color(ink)
	pg.text(textRight-iw, issuerBaseline, c.issuer)
	p.SetFontSize(13)
	dw := p.GetStringWidth(c.date)
	pg.text(textRight-dw, issuerBaseline+9, c.date)

	cx := min(textRight-max(iw, dw)/2, pageW-frameLimit-sealR-2)
	pg.seal(c.issuer, cx, issuerBaseline-6)
}

// watermark draws the status large, red and translucent across the page.
func (pg *page) watermark(s string) {
	p := pg.p
	size := pg.fitSize(s, 110, 30, 190)
	p.SetFontSize(size)
	w := p.GetStringWidth(s)
	cx, cy := pageW/2, pageH/2+8
	p.SetAlpha(0.28, "Normal")
	pg.color(red)
	p.TransformBegin()
	p.TransformRotate(24, cx, cy)
	p.Text(cx-w/2, cy+0.35*size*ptToMM, s)
	p.TransformEnd()
	p.SetAlpha(1, "Normal")
}
