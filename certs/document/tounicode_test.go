package document

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// plainFPDF is what fpdf alone makes of text in a UTF-8 font.
func plainFPDF(t *testing.T, text string) []byte {
	t.Helper()
	font, err := certSans()
	if err != nil {
		t.Fatal(err)
	}
	ttf, err := font.cut([]rune(text))
	if err != nil {
		t.Fatal(err)
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("cert", "", ttf)
	p.SetFont("cert", "", 14)
	p.AddPage()
	p.Text(20, 20, text)
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFixToUnicode(t *testing.T) {
	const text = "张晓明 PX-2026-000123-7K4Q 麒麟区应急管理局"
	raw := plainFPDF(t, text)
	// Why the fix exists: fpdf's one-range CMap reads as Latin-1 here.
	if got := pageText(t, raw); strings.Contains(got, "张晓明") {
		t.Logf("ledongthuc/pdf now reads fpdf's own CMap (%q); fixToUnicode may be unneeded", got)
	}
	fixed, err := fixToUnicode(raw, []rune(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := pageText(t, fixed); got != text {
		t.Errorf("text after fix = %q, want %q", got, text)
	}
	checkXref(t, fixed)

	if _, err := fixToUnicode(fixed, []rune(text)); err == nil {
		t.Error("fixToUnicode found fpdf's CMap in a fixed PDF")
	}
}

func TestRenderXref(t *testing.T) {
	checkXref(t, renderPDF(t, sample()))
}

// checkXref checks that every cross-reference entry points at its object
// and startxref at the table.
func checkXref(t *testing.T, pdf []byte) {
	t.Helper()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref at the end")
	}
	at, _ := strconv.Atoi(string(m[1]))
	table := string(pdf[at:])
	if !strings.HasPrefix(table, "xref\n0 ") {
		t.Fatalf("startxref %d points at %.20q", at, table)
	}
	lines := strings.Split(table, "\n")
	count, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	for i := 1; i < count; i++ {
		off, err := strconv.Atoi(lines[2+i][:10])
		if err != nil {
			t.Fatalf("xref entry %d: %q", i, lines[2+i])
		}
		if want := fmt.Sprintf("%d 0 obj", i); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %.12q, want %q", i, pdf[off:], want)
		}
	}
}
