package document

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goqr "github.com/piglig/go-qr"
)

func TestQRPNGRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		size    int
	}{
		{"short", "https://anpei.example.cn/verify/PX-1", 128},
		{"typical address", samplePayload(), 512},
		{"longest", "https://a.cn/?t=" + strings.Repeat("x", MaxQRPayload-16), 1024},
		{"Chinese text", "证书编号 PX-2026-000123-7K4Q 张晓明", 256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := QRPNG(tc.payload, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Dx(); got != tc.size {
				t.Errorf("PNG is %d px wide, want %d", got, tc.size)
			}
			got, err := DecodeQR(img)
			if err != nil || got != tc.payload {
				t.Errorf("DecodeQR = %q, %v; want %q", got, err, tc.payload)
			}
		})
	}
}

func TestQRPNGRejects(t *testing.T) {
	for _, tc := range []struct {
		payload string
		size    int
	}{
		{"", 256},
		{strings.Repeat("a", MaxQRPayload+1), 256},
		{"x", 10},
		{"x", 5000},
	} {
		if _, err := QRPNG(tc.payload, tc.size); !errors.Is(err, ErrInvalid) {
			t.Errorf("QRPNG(%d bytes, %d) = %v, want ErrInvalid", len(tc.payload), tc.size, err)
		}
	}
}

func TestDecodeQRFile(t *testing.T) {
	dir := t.TempDir()
	b, err := QRPNG(samplePayload(), 600)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	var blank bytes.Buffer
	white := image.NewGray(image.Rect(0, 0, 200, 200))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	if err := png.Encode(&blank, white); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path string
		want       string
		err        error
	}{
		{"PNG", write("qr.png", b), samplePayload(), nil},
		{"JPEG photo quality", write("qr.jpg", jpg.Bytes()), samplePayload(), nil},
		{"no QR code", write("blank.png", blank.Bytes()), "", ErrNoQR},
		{"not an image", write("notes.txt", []byte("证书编号")), "", ErrInvalid},
		{"missing file", filepath.Join(dir, "nope.png"), "", os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeQRFile(tc.path)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("DecodeQRFile = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

// The QR code drawn in the PDF, read back from the PDF's own drawing
// operators and rasterised, decodes to the certificate's payload.
func TestQRInPDFDecodes(t *testing.T) {
	for _, payload := range []string{samplePayload(), "https://anpei.example.cn/verify/PX-2026-000124-8M5R?t=abc.def.ghi"} {
		d := sample()
		d.QRPayload = payload
		img := qrFromPDF(t, renderPDF(t, d))
		got, err := DecodeQR(img)
		if err != nil || got != payload {
			t.Errorf("QR in PDF decodes to %q, %v; want %q", got, err, payload)
		}
	}
}

// qrFromPDF paints, black on white, every rectangle the PDF page fills
// inside the QR code's square, 8 pixels a millimetre.
func qrFromPDF(t *testing.T, pdf []byte) image.Image {
	t.Helper()
	return qrFromPDFAt(t, pdf, 8)
}

// qrFromPDFAt is qrFromPDF at pxPerMM pixels a millimetre.
func qrFromPDFAt(t *testing.T, pdf []byte, pxPerMM float64) image.Image {
	t.Helper()
	k := 72 / 25.4 // points per millimetre
	// The QR square in PDF coordinates (points, origin bottom left).
	x0, x1 := qrX*k, (qrX+qrSide)*k
	y0, y1 := (pageH-qrY-qrSide)*k, (pageH-qrY)*k
	side := int(qrSide * pxPerMM)
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	n := 0
	for _, r := range openPDF(t, pdf).Content().Rect {
		minX, maxX := math.Min(r.Min.X, r.Max.X), math.Max(r.Min.X, r.Max.X)
		minY, maxY := math.Min(r.Min.Y, r.Max.Y), math.Max(r.Min.Y, r.Max.Y)
		if minX < x0-0.01 || maxX > x1+0.01 || minY < y0-0.01 || maxY > y1+0.01 {
			continue
		}
		n++
		px := func(v, from float64) int { return int(math.Round((v - from) / k * pxPerMM)) }
		for y := px(y1-maxY, 0); y < px(y1-minY, 0); y++ {
			for x := px(minX, x0); x < px(maxX, x0); x++ {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	if n < 100 {
		t.Fatalf("found %d rectangles in the QR square, want the code's modules", n)
	}
	return img
}

// qrPayloads are the payloads the QR tests draw: a short address, the
// typical verification address, the longest allowed, Chinese text (byte
// mode, UTF-8) and digits only (numeric mode).
func qrPayloads() map[string]string {
	return map[string]string{
		"short":   "https://anpei.example.cn/verify/PX-1",
		"typical": samplePayload(),
		"longest": "https://anpei.qilin.gov.cn/verify/PX-2026-000123-7K4Q?t=" +
			strings.Repeat("eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYtMDEifQ", 20)[:MaxQRPayload-56],
		"Chinese text": "证书编号 PX-2026-000123-7K4Q 张晓明 麒麟区应急管理局",
		"digits":       strings.Repeat("0123456789", 30),
	}
}

// modulesImage paints a module matrix black on white, px pixels a module.
func modulesImage(modules [][]bool, px int) image.Image {
	n := len(modules)
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y, row := range modules {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range px {
				for dx := range px {
					img.SetGray(x*px+dx, y*px+dy, color.Gray{})
				}
			}
		}
	}
	return img
}

// The matrix the PDF draws is a level M code with the forced mask, the
// smallest version that holds the payload, inside a quiet zone of four
// modules, and an independent decoder (ZXing's) reads it back.
func TestQRMaskForced(t *testing.T) {
	for name, payload := range qrPayloads() {
		t.Run(name, func(t *testing.T) {
			if len(payload) > MaxQRPayload {
				t.Fatalf("payload is %d bytes, over MaxQRPayload", len(payload))
			}
			modules, err := qrModules(payload)
			if err != nil {
				t.Fatal(err)
			}
			n := len(modules)
			version := (n - 2*qrQuietZone - 17) / 4
			if n != 17+4*version+2*qrQuietZone || version < 1 || version > 23 {
				t.Fatalf("matrix is %d modules across, not a version 1–23 code in its quiet zone", n)
			}
			for i, row := range modules {
				if len(row) != n {
					t.Fatalf("row %d is %d modules, want %d", i, len(row), n)
				}
				for j, dark := range row {
					inZone := i < qrQuietZone || j < qrQuietZone || i >= n-qrQuietZone || j >= n-qrQuietZone
					if inZone && dark {
						t.Fatalf("module (%d, %d) of the quiet zone is dark", j, i)
					}
				}
			}
			img := modulesImage(modules, 4)
			got, err := DecodeQR(img)
			if err != nil || got != payload {
				t.Errorf("ZXing reads %q, %v; want %q", got, err, payload)
			}
			res, err := goqr.DecodeDetailed(img)
			if err != nil {
				t.Fatalf("go-qr cannot read its format information: %v", err)
			}
			if res.Mask != qrMask || res.Ecc != goqr.Medium || res.Version != version || res.Text != payload {
				t.Errorf("code is version %d, level %d, mask %d, text %q; want version %d, level M, mask %d",
					res.Version, res.Ecc, res.Mask, res.Text, version, qrMask)
			}
		})
	}
}

// Long and short payloads, drawn in the PDF's 32 mm square, read back
// from the page's own drawing operators (16 pixels a millimetre: the
// longest code has 0.27 mm modules).
func TestQRInPDFDecodesEveryLength(t *testing.T) {
	for name, payload := range qrPayloads() {
		t.Run(name, func(t *testing.T) {
			d := sample()
			d.QRPayload = payload
			got, err := DecodeQR(qrFromPDFAt(t, renderPDF(t, d), 16))
			if err != nil || got != payload {
				t.Errorf("QR in PDF decodes to %q, %v; want %q", got, err, payload)
			}
		})
	}
}
