package document

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// renderPDF renders d and fails the test on error.
func renderPDF(t testing.TB, d Certificate) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.Bytes()
}

// openPDF parses a one-page PDF with ledongthuc/pdf.
func openPDF(t testing.TB, b []byte) pdf.Page {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("parse PDF: %v", err)
	}
	if n := r.NumPage(); n != 1 {
		t.Fatalf("PDF has %d pages, want 1", n)
	}
	return r.Page(1)
}

// pageText is the page's text as ledongthuc/pdf extracts it through the
// fonts' ToUnicode maps, with the spaces between drawn strings removed.
func pageText(t testing.TB, b []byte) string {
	t.Helper()
	var s strings.Builder
	for _, tx := range openPDF(t, b).Content().Text {
		s.WriteString(tx.S)
	}
	return s.String()
}
