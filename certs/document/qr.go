package document

import (
	"fmt"
	"image"
	_ "image/jpeg" // DecodeQRFile reads photos
	_ "image/png"
	"os"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
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

// qrModules returns the QR code of payload as rows of dark modules,
// quiet zone included: the one matrix both the PDF and QRPNG draw from.
func qrModules(payload string) ([][]bool, error) {
	q, err := qrcode.New(payload, qrLevel)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}

// drawQR draws the modules as one filled path of rectangles, one rectangle
// per horizontal run of dark modules, in the square at (x, y) of side
// size (mm, quiet zone included). Vector modules stay sharp at any print
// resolution and cost a few kilobytes; one fill keeps anti-aliasing seams
// from showing between modules.
func drawQR(p *fpdf.Fpdf, modules [][]bool, x, y, size float64) {
	k := p.GetConversionRatio()
	_, pageH := p.GetPageSize()
	m := size / float64(len(modules))
	var b strings.Builder
	b.WriteString("q 0 g\n")
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
			fmt.Fprintf(&b, "%.3f %.3f %.3f %.3f re\n",
				(x+float64(col)*m)*k, (pageH-y-float64(row+1)*m)*k, float64(run-col)*m*k, m*k)
			col = run
		}
	}
	b.WriteString("f Q")
	p.RawWriteStr(b.String())
}
