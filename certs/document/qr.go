package document

import (
	"fmt"
	"image"
	_ "image/jpeg" // DecodeQRFile reads photos
	_ "image/png"
	"os"
	"strconv"

	"github.com/go-pdf/fpdf"
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	goqr "github.com/piglig/go-qr"
	"github.com/skip2/go-qrcode"

	"anpei/fault"
)

// qrLevel is the error correction of every code anpei prints: M restores
// 15% of the modules, enough for a scuffed or creased paper certificate,
// and keeps a 450-byte address at version 17 (85 modules), 0.35 mm a
// module at 30 mm.
const qrLevel = qrcode.Medium

// ErrNoQR is the error DecodeQR and DecodeQRFile return when the image
// holds no QR code they can read.
var ErrNoQR = fault.New(fault.Unprocessable, "qr_not_found", "图片中未识别到二维码，请拍清晰、完整的二维码后重试")

// QRPNG returns a PNG of payload's QR code (level M, with its quiet zone)
// size pixels square, for the web page. It returns ErrInvalid for an
// empty payload, one over MaxQRPayload bytes, or a size outside 64–2048.
func QRPNG(payload string, size int) ([]byte, error) {
	switch {
	case payload == "":
		return nil, invalid("QRPayload", "二维码内容不能为空")
	case len(payload) > MaxQRPayload:
		return nil, invalid("QRPayload", fmt.Sprintf("二维码内容超过 %d 字节", MaxQRPayload))
	case size < 64 || size > 2048:
		return nil, invalid("size", "二维码图片边长须在 64 到 2048 像素之间")
	}
	png, err := qrcode.Encode(payload, qrLevel, size)
	if err != nil {
		return nil, fault.Wrap(err, "document: encode QR")
	}
	return png, nil
}

// DecodeQR returns the text of the QR code in img, trying hard (a photo
// of a printed certificate, rotated or unevenly lit). It returns ErrNoQR
// when there is none it can read.
func DecodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", noQR(err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", noQR(err)
	}
	return res.GetText(), nil
}

// DecodeQRFile reads a PNG or JPEG file and returns the text of its QR
// code. It returns the os error for a file it cannot open, ErrInvalid for
// one that is not a PNG or JPEG image, and ErrNoQR as DecodeQR does.
func DecodeQRFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil || (format != "png" && format != "jpeg") {
		e := invalid("path", "请提供 PNG 或 JPEG 格式的二维码图片").(*fault.Error)
		e.Err = fmt.Errorf("document: read QR image %s: %v", path, err)
		return "", e
	}
	return DecodeQR(img)
}

func noQR(cause error) error {
	e := *ErrNoQR
	e.Err = fmt.Errorf("document: decode QR: %w", cause)
	return &e
}

// qrMask is the mask pattern of every code Render draws. ISO/IEC 18004
// lets an encoder apply any of the eight masks and read back whichever the
// format information names; scoring all eight with the standard's penalty
// rules (as QRPNG's encoder does) only makes codes with large flat areas or
// finder-like runs rarer, at the price of eight trial symbols: 0.8 ms
// against 60 µs for a typical address, a quarter of a certificate's time.
// Mask 0 turns any flat area of data into a checkerboard.
// TestQRMaskForced and TestQRPrintedScans read codes of every length made
// with it.
const qrMask = 0

// qrQuietZone is the light border, in modules, around every code: the four
// the standard asks for.
const qrQuietZone = 4

// qrModules returns the QR code of payload (level M as qrLevel, mask
// qrMask, the smallest version it fits) as rows of dark modules, quiet zone
// included, for the PDF.
func qrModules(payload string) ([][]bool, error) {
	segs, err := goqr.MakeSegments(payload)
	if err != nil {
		return nil, err
	}
	q, err := goqr.EncodeSegments(segs, goqr.Medium, goqr.MinVersion, goqr.MaxVersion, qrMask, false)
	if err != nil {
		return nil, err
	}
	n := q.Size() + 2*qrQuietZone
	cells := make([]bool, n*n)
	rows := make([][]bool, n)
	for y := range rows {
		rows[y] = cells[y*n : (y+1)*n]
	}
	for y := range q.Size() {
		row := rows[y+qrQuietZone][qrQuietZone:]
		for x := range q.Size() {
			row[x] = q.Module(x, y)
		}
	}
	return rows, nil
}

// drawQR draws the modules as one filled path of rectangles, one rectangle
// per horizontal run of dark modules, in the square at (x, y) of side
// size (mm, quiet zone included). Vector modules stay sharp at any print
// resolution and cost a few kilobytes; one fill keeps anti-aliasing seams
// from showing between modules.
func drawQR(p *fpdf.Fpdf, modules [][]bool, x, y, size float64) {
	k := p.GetConversionRatio()
	_, pageH := p.GetPageSize()
	n := len(modules)
	m := size / float64(n)
	// A rectangle's numbers are one of n column edges, n row bottoms and
	// n run lengths, and the module height (points, 3 decimals): each is
	// formatted once, not once per rectangle.
	pt := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	left, bottom, width := make([]string, n), make([]string, n), make([]string, n+1)
	for i := range n {
		left[i] = pt((x + float64(i)*m) * k)
		bottom[i] = pt((pageH - y - float64(i+1)*m) * k)
		width[i+1] = pt(float64(i+1) * m * k)
	}
	height := width[1]

	b := make([]byte, 0, 32<<10)
	b = append(b, "q 0 g\n"...)
	for row, line := range modules {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			run := col
			for run < len(line) && line[run] {
				run++
			}
			b = append(b, left[col]...)
			b = append(b, ' ')
			b = append(b, bottom[row]...)
			b = append(b, ' ')
			b = append(b, width[run-col]...)
			b = append(b, ' ')
			b = append(b, height...)
			b = append(b, " re\n"...)
			col = run
		}
	}
	b = append(b, "f Q"...)
	p.RawWriteStr(string(b))
}
