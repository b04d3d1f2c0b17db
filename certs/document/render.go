package document

import (
	"bytes"
	"io"

	"github.com/go-pdf/fpdf"

	"anpei/fault"
)

// Render writes d as a one-page A4 PDF certificate to w. It returns
// ErrInvalid or ErrUnprintable (with the field) for a certificate that
// cannot be printed as given, the writer's error if writing fails, and an
// Internal *fault.Error if the PDF cannot be made. Nothing is written
// unless the whole PDF was made.
func Render(w io.Writer, d Certificate) error {
	pdf, err := render(d)
	if err != nil {
		return err
	}
	_, err = w.Write(pdf)
	return err
}

func render(d Certificate) ([]byte, error) {
	pg, runes, err := build(d)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := pg.p.Output(&buf); err != nil {
		return nil, fault.Wrap(err, "document: fpdf")
	}
	out, err := fixToUnicode(buf.Bytes(), runes)
	if err != nil {
		return nil, fault.Wrap(err, "document: text map")
	}
	return out, nil
}

// build checks d and lays it out on a new fpdf document; it returns the
// page and the characters drawn.
func build(d Certificate) (*page, []rune, error) {
	font, err := certSans()
	if err != nil {
		return nil, nil, fault.Wrap(err, "document: font")
	}
	if err := d.validate(font); err != nil {
		return nil, nil, err
	}
	qr, err := qrModules(d.QRPayload)
	if err != nil {
		return nil, nil, invalid("QRPayload", "二维码内容无法编码")
	}
	c := newContent(d)
	runes := c.runes()
	ttf, err := font.cut(runes)
	if err != nil {
		return nil, nil, fault.Wrap(err, "document: cut font")
	}

	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "L", UnitStr: "mm", SizeStr: "A4"})
	p.SetAutoPageBreak(false, 0)
	p.SetMargins(0, 0, 0)
	// Fixed dates make the same certificate the same bytes.
	p.SetCreationDate(d.IssuedOn)
	p.SetModificationDate(d.IssuedOn)
	p.SetTitle(c.title+" "+c.number, true)
	p.SetAuthor(c.issuer, true)
	p.SetCreator("anpei", false)
	p.SetLang("zh-CN")
	p.AddUTF8FontFromBytes("cert", "", ttf)
	p.SetFont("cert", "", 12)
	pg := &page{p: p}
	pg.draw(c, qr)
	return pg, runes, nil
}
