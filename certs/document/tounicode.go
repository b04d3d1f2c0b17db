package document

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// fpdf writes the same ToUnicode CMap for every UTF-8 font: one bfrange
// <0000> <FFFF> <0000>. ISO 32000 lets a bfrange step only the last byte of
// its destination, so the range is undefined past <00FF>, and readers that
// follow the letter (PDFium in Chrome, ledongthuc/pdf, veraPDF) turn every
// Chinese character into a Latin-1 one: copy, search and screen readers
// fail. fixToUnicode swaps it for one bfchar per character the document
// draws (fpdf's codes are the characters' UTF-16 values, and Render only
// draws BMP characters), then moves the cross-reference offsets after it.

const fpdfToUnicode = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"

// fpdfToUnicodeObject is how fpdf writes that CMap: uncompressed, 345
// bytes.
const fpdfToUnicodeObject = "<</Length 345>>\nstream\n" + fpdfToUnicode + "\nendstream"

// fixToUnicode returns pdf with fpdf's ToUnicode CMap replaced by one that
// maps exactly runes. It returns an error if pdf does not have the layout
// fpdf v0.9.0 writes, so an fpdf upgrade cannot break text silently.
func fixToUnicode(pdf []byte, runes []rune) ([]byte, error) {
	old := []byte(fpdfToUnicodeObject)
	at := bytes.Index(pdf, old)
	if at < 0 || bytes.Count(pdf, old) != 1 {
		return nil, errors.New("document: fpdf ToUnicode CMap not found once")
	}
	cmap := toUnicodeCMap(runes)
	stream := "<</Length " + strconv.Itoa(len(cmap)) + ">>\nstream\n" + cmap + "\nendstream"
	delta := len(stream) - len(old)

	// The trailer: startxref, its offset, %%EOF.
	sx := bytes.LastIndex(pdf, []byte("\nstartxref\n"))
	if sx < at {
		return nil, errors.New("document: PDF has no startxref after the CMap")
	}
	numEnd := bytes.IndexByte(pdf[sx+11:], '\n')
	if numEnd < 0 {
		return nil, errors.New("document: PDF startxref is cut short")
	}
	xref, err := strconv.Atoi(string(pdf[sx+11 : sx+11+numEnd]))
	if err != nil || xref < at || xref >= sx || !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		return nil, fmt.Errorf("document: PDF startxref %q does not point at its xref table", pdf[sx+11:sx+11+numEnd])
	}

	out := make([]byte, 0, len(pdf)+delta+8)
	out = append(out, pdf[:at]...)
	out = append(out, stream...)
	out = append(out, pdf[at+len(old):sx+1]...)
	// Shift the xref entries (each "nnnnnnnnnn ggggg n \n", 20 bytes) that
	// point past the CMap, in place.
	table := out[xref+delta:]
	hdr := bytes.IndexByte(table[5:], '\n')
	if hdr < 0 {
		return nil, errors.New("document: PDF xref header is cut short")
	}
	f := strings.Fields(string(table[5 : 5+hdr]))
	if len(f) != 2 || f[0] != "0" {
		return nil, errors.New("document: PDF xref header unreadable")
	}
	count, err := strconv.Atoi(f[1])
	if err != nil {
		return nil, errors.New("document: PDF xref header unreadable")
	}
	entries := table[5+hdr+1:]
	if len(entries) < 20*count {
		return nil, errors.New("document: PDF xref table is cut short")
	}
	for i := range count {
		e := entries[20*i : 20*i+10]
		off, err := strconv.Atoi(string(e))
		if err != nil {
			return nil, errors.New("document: PDF xref entry unreadable")
		}
		if off > at {
			copy(e, fmt.Sprintf("%010d", off+delta))
		}
	}
	out = append(out, "startxref\n"+strconv.Itoa(xref+delta)...)
	out = append(out, pdf[sx+11+numEnd:]...)
	return out, nil
}

// toUnicodeCMap maps each rune's UTF-16 code to itself, 100 bfchar lines
// a block as the CMap format allows.
func toUnicodeCMap(runes []rune) string {
	runes = slices.Clone(runes)
	slices.Sort(runes)
	runes = slices.Compact(runes)
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(runes) > 0 {
		n := min(len(runes), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, r := range runes[:n] {
			fmt.Fprintf(&b, "<%04X> <%04X>\n", r, r)
		}
		b.WriteString("endbfchar\n")
		runes = runes[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	return b.String()
}
