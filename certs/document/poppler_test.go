package document

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// poppler returns the path of a poppler-utils tool, failing the test when
// it is missing (.ci/run installs the package).
func poppler(t *testing.T, name string) string {
	t.Helper()
	tool, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s (Debian package poppler-utils) is needed to check the PDF as a reader sees it", name)
	}
	return tool
}

// writePDF saves pdf in a temporary directory and returns its path.
func writePDF(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cert.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The QR code, printed at 300 dpi by poppler (another PDF renderer than
// the one qrFromPDF stands in for), scans for every payload length.
func TestQRPrintedScans(t *testing.T) {
	tool := poppler(t, "pdftoppm")
	const dpi = 300.0
	px := func(mm float64) string { return strconv.Itoa(int(mm / 25.4 * dpi)) }
	for name, payload := range qrPayloads() {
		t.Run(name, func(t *testing.T) {
			d := sample()
			d.QRPayload = payload
			in := writePDF(t, renderPDF(t, d))
			out := filepath.Join(filepath.Dir(in), "qr")
			// The QR square with 4 mm of paper round it.
			args := []string{"-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile",
				"-x", px(qrX - 4), "-y", px(qrY - 4), "-W", px(qrSide + 8), "-H", px(qrSide + 8), in, out}
			if b, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, b)
			}
			got, err := DecodeQRFile(out + ".png")
			if err != nil || got != payload {
				t.Errorf("printed QR decodes to %q, %v; want %q", got, err, payload)
			}
		})
	}
}

// poppler's pdftotext reads the Chinese text through the embedded font's
// ToUnicode map (the seal's arc and the rotated watermark come out in
// pieces, as from any rotated text).
func TestRenderPdftotext(t *testing.T) {
	tool := poppler(t, "pdftotext")
	d := sample()
	d.HolderName = "欧阳喆堃"
	out, err := exec.Command(tool, "-enc", "UTF-8", writePDF(t, renderPDF(t, d)), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{d.Title, d.HolderName, d.Number, d.MaskedID, d.Issuer, d.TrainingOrg,
		"低压电工作业", "经考核合格，特发此证。", "2026年3月15日", "2029年3月14日"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q:\n%s", want, out)
		}
	}
}
