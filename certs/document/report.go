package document

import (
	"bytes"
	"io"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"anpei/fault"
)

// Report is a plain A4 report (such as the monthly compliance report for
// the district safety committee): a title, a subtitle, and sections of
// paragraphs and tables, on as many pages as it takes. It shares the
// certificates' embedded font, cut to the characters the report uses.
type Report struct {
	Title    string
	Subtitle string
	Date     time.Time // creation date in the PDF (fixed: same input, same bytes)
	Sections []ReportSection
}

// ReportSection is a heading with paragraphs and an optional table.
type ReportSection struct {
	Heading    string
	Paragraphs []string
	Header     []string
	Rows       [][]string
	// Widths are the columns' shares of the page width (default equal).
	Widths []float64
}

// RenderReport writes r as a PDF to w.
func RenderReport(w io.Writer, r Report) error {
	font, err := certSans()
	if err != nil {
		return fault.Wrap(err, "document: font")
	}
	var all bytes.Buffer
	add := func(s string) { all.WriteString(s) }
	add(r.Title + r.Subtitle + "第页共0123456789/ ")
	for _, s := range r.Sections {
		add(s.Heading)
		for _, p := range s.Paragraphs {
			add(p)
		}
		for _, h := range s.Header {
			add(h)
		}
		for _, row := range s.Rows {
			for _, c := range row {
				add(c)
			}
		}
	}
	seen := map[rune]bool{}
	var runes []rune
	for _, c := range all.String() {
		if c == utf8.RuneError || seen[c] {
			continue
		}
		if !font.has(c) && c > 0x7f {
			return ErrUnprintable.WithDetails(fault.Detail{Field: "report", Message: "报告中有无法打印的字符 " + string(c)})
		}
		seen[c] = true
		runes = append(runes, c)
	}
	ttf, err := font.cut(runes)
	if err != nil {
		return fault.Wrap(err, "document: cut font")
	}
	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.SetCreationDate(r.Date)
	p.SetModificationDate(r.Date)
	p.SetTitle(r.Title, true)
	p.SetCreator("anpei", false)
	p.SetLang("zh-CN")
	p.AddUTF8FontFromBytes("cert", "", ttf)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("cert", "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, "第 "+itoa(p.PageNo())+" 页 共 {nb} 页", "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont("cert", "", 18)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 9, r.Title, "", "C", false)
	if r.Subtitle != "" {
		p.SetFont("cert", "", 10)
		p.SetTextColor(70, 70, 70)
		p.MultiCell(0, 6, r.Subtitle, "", "C", false)
	}
	width, _ := p.GetPageSize()
	usable := width - 36
	for _, s := range r.Sections {
		p.Ln(4)
		p.SetFont("cert", "", 13)
		p.SetTextColor(20, 40, 90)
		p.MultiCell(0, 7, s.Heading, "", "L", false)
		p.SetFont("cert", "", 10)
		p.SetTextColor(0, 0, 0)
		for _, para := range s.Paragraphs {
			p.MultiCell(0, 5.5, para, "", "L", false)
		}
		if len(s.Header) == 0 {
			continue
		}
		cols := len(s.Header)
		ws := make([]float64, cols)
		total := 0.0
		for i := range ws {
			ws[i] = 1
			if i < len(s.Widths) && s.Widths[i] > 0 {
				ws[i] = s.Widths[i]
			}
			total += ws[i]
		}
		for i := range ws {
			ws[i] = ws[i] / total * usable
		}
		row := func(cells []string, head bool) {
			p.SetFont("cert", "", 9)
			lines := 1
			for i, c := range cells {
				if i < cols {
					lines = max(lines, len(p.SplitText(c, ws[i]-2)))
				}
			}
			h := float64(lines)*4.6 + 1.6
			if p.GetY()+h > 297-18 {
				p.AddPage()
			}
			x, y := p.GetX(), p.GetY()
			for i := range cols {
				c := ""
				if i < len(cells) {
					c = cells[i]
				}
				if head {
					p.SetFillColor(232, 236, 244)
				} else {
					p.SetFillColor(255, 255, 255)
				}
				p.Rect(x, y, ws[i], h, "FD")
				p.SetXY(x+1, y+0.8)
				p.MultiCell(ws[i]-2, 4.6, c, "", "L", false)
				x += ws[i]
			}
			p.SetXY(18, y+h)
		}
		p.SetDrawColor(170, 170, 170)
		row(s.Header, true)
		for _, r := range s.Rows {
			row(r, false)
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return fault.Wrap(err, "document: fpdf")
	}
	out, err := fixToUnicode(buf.Bytes(), runes)
	if err != nil {
		return fault.Wrap(err, "document: text map")
	}
	_, err = w.Write(out)
	return err
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
