package media

import (
	"bytes"
	"io"
)

// PDF: the header must be the first bytes ("%PDF-1.x" or "%PDF-2.x"), and a
// complete file ends with "%%EOF" (an incremental update appends another
// body that ends with one too). Pages are counted as page objects
// ("/Type /Page", not "/Pages") in the uncompressed text: a best effort
// that finds nothing when the page tree sits in compressed object streams.

// pdfTail is how far from the end "%%EOF" may be (trailing newlines or
// padding some writers leave).
const pdfTail = 1024

func isPDFHeader(h []byte) bool {
	return len(h) >= 8 && (bytes.HasPrefix(h, []byte("%PDF-1.")) || bytes.HasPrefix(h, []byte("%PDF-2."))) &&
		h[7] >= '0' && h[7] <= '9'
}

func inspectPDF(s src, info *Info) error {
	tail, err := s.tail(pdfTail)
	if err != nil {
		return err
	}
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return corrupt("PDF 文件不完整或已损坏（缺少文件结尾 %%EOF），请重新导出后上传")
	}
	pages, err := countPages(io.NewSectionReader(s.r, 0, s.size))
	if err != nil {
		return err
	}
	info.Pages = pages
	return nil
}

// pdfSpace reports PDF white-space characters (ISO 32000-1, 7.2.2).
func pdfSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// pdfRegular reports characters that continue a name (neither white space
// nor a delimiter).
func pdfRegular(c byte) bool {
	if pdfSpace(c) {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

const (
	pdfChunk    = 64 << 10
	pdfMaxSpace = 32 // white space tolerated between /Type and /Page
	// pdfOverlap keeps enough of the previous chunk to finish a match
	// that straddles two chunks.
	pdfOverlap = len("/Type") + pdfMaxSpace + len("/Page") + 1
)

// countPages streams r once, counting "/Type /Page" names.
func countPages(r io.Reader) (int, error) {
	buf := make([]byte, 0, pdfChunk+pdfOverlap)
	chunk := make([]byte, pdfChunk)
	count := 0
	for {
		n, err := io.ReadFull(r, chunk)
		buf = append(buf, chunk[:n]...)
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return 0, err
		}
		// Matches starting before limit are complete in buf (or at EOF).
		limit := len(buf)
		if !eof {
			limit = len(buf) - pdfOverlap
		}
		count += countPageNames(buf, limit)
		if eof {
			return count, nil
		}
		buf = append(buf[:0], buf[limit:]...)
	}
}

// countPageNames counts "/Type<ws>/Page" not followed by a regular
// character, for matches starting before limit.
func countPageNames(b []byte, limit int) int {
	count := 0
	for i := 0; i < limit; {
		j := bytes.Index(b[i:], []byte("/Type"))
		if j < 0 || i+j >= limit {
			break
		}
		p := i + j + len("/Type")
		i = p
		if p < len(b) && pdfRegular(b[p]) {
			continue // "/TypeX"
		}
		k := p
		for k < len(b) && k-p < pdfMaxSpace && pdfSpace(b[k]) {
			k++
		}
		if !bytes.HasPrefix(b[k:], []byte("/Page")) {
			continue
		}
		e := k + len("/Page")
		if e < len(b) && pdfRegular(b[e]) {
			continue // "/Pages", "/PageLabel"…
		}
		count++
	}
	return count
}
