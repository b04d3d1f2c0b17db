package document

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"anpei/fault"
)

// RenderZip writes a ZIP archive to w holding one PDF per certificate,
// named name(c), in order. Every certificate and name is checked before
// anything is written; then each PDF is made and streamed into the archive
// in turn, so memory holds one PDF at a time whatever the batch size. It
// returns ErrInvalid or ErrUnprintable naming the entry for a certificate
// that cannot be printed, ErrInvalid for an empty, absolute, "..",
// duplicate or non-UTF-8 name, and the writer's error if writing fails
// (the archive is then incomplete).
func RenderZip(w io.Writer, certs []Certificate, name func(Certificate) string) error {
	font, err := certSans()
	if err != nil {
		return fault.Wrap(err, "document: font")
	}
	names := make([]string, len(certs))
	seen := make(map[string]bool, len(certs))
	for i, c := range certs {
		if err := c.validate(font); err != nil {
			return inEntry(err, i)
		}
		n := name(c)
		clean := path.Clean(strings.ReplaceAll(n, `\`, "/"))
		switch {
		case n == "" || !utf8.ValidString(n) || len(n) > 255:
			return invalid("name", fmt.Sprintf("第 %d 份证书的文件名为空或过长", i+1))
		case clean != n || strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "../") || clean == "..":
			return invalid("name", fmt.Sprintf("第 %d 份证书的文件名“%s”不能含有路径", i+1, n))
		case seen[strings.ToLower(n)]:
			return invalid("name", fmt.Sprintf("第 %d 份证书的文件名“%s”与前面的重复", i+1, n))
		}
		seen[strings.ToLower(n)] = true
		names[i] = n
	}

	zw := zip.NewWriter(w)
	for i, c := range certs {
		pdf, err := render(c)
		if err != nil {
			return inEntry(err, i)
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: names[i], Method: zip.Deflate, Modified: c.IssuedOn})
		if err != nil {
			return err
		}
		if _, err := f.Write(pdf); err != nil {
			return err
		}
	}
	return zw.Close()
}

// inEntry says which certificate of a batch err is about.
func inEntry(err error, i int) error {
	fe, ok := err.(*fault.Error)
	if !ok || fe.Kind == fault.Internal {
		return err
	}
	return fe.WithMessage("第 %d 份证书：%s", i+1, fe.Message)
}
