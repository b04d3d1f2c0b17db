package document

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"anpei/fault"
)

func batch() []Certificate {
	names := []string{"张晓明", "李娜", "欧阳喆堃"}
	certs := make([]Certificate, len(names))
	for i, n := range names {
		c := sample()
		c.HolderName = n
		c.Number = "PX-2026-00012" + string(rune('0'+i)) + "-7K4Q"
		certs[i] = c
	}
	return certs
}

func byNumber(c Certificate) string { return c.Number + "-" + c.HolderName + ".pdf" }

func TestRenderZip(t *testing.T) {
	certs := batch()
	var b bytes.Buffer
	if err := RenderZip(&b, certs, byNumber); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(certs) {
		t.Fatalf("zip holds %d files, want %d", len(zr.File), len(certs))
	}
	for i, f := range zr.File {
		if want := byNumber(certs[i]); f.Name != want {
			t.Errorf("file %d is %q, want %q", i, f.Name, want)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", f.Name)
		}
		text := pageText(t, pdf)
		if !strings.Contains(text, certs[i].HolderName) || !strings.Contains(text, certs[i].Number) {
			t.Errorf("%s does not show %s %s", f.Name, certs[i].HolderName, certs[i].Number)
		}
	}
}

func TestRenderZipRejects(t *testing.T) {
	bad := batch()
	bad[2].HolderName = ""
	tests := []struct {
		name  string
		certs []Certificate
		fn    func(Certificate) string
		msg   string
	}{
		{"invalid certificate", bad, byNumber, "第 3 份证书"},
		{"empty name", batch(), func(Certificate) string { return "" }, "文件名"},
		{"duplicate name", batch(), func(Certificate) string { return "证书.pdf" }, "重复"},
		{"path", batch(), func(c Certificate) string { return "../" + c.Number + ".pdf" }, "路径"},
		{"absolute", batch(), func(c Certificate) string { return "/tmp/" + c.Number + ".pdf" }, "路径"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := RenderZip(&b, tc.certs, tc.fn)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(messageOf(err), tc.msg) {
				t.Fatalf("RenderZip = %v (%s), want ErrInvalid mentioning %q", err, messageOf(err), tc.msg)
			}
			if b.Len() != 0 {
				t.Errorf("RenderZip wrote %d bytes before refusing", b.Len())
			}
		})
	}
}

func TestRenderZipEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := RenderZip(&b, nil, byNumber); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil || len(zr.File) != 0 {
		t.Errorf("empty batch: %v, %d files", err, len(zr.File))
	}
}

// A writer that fails part way stops the batch with its error.
func TestRenderZipStreams(t *testing.T) {
	w := &failAfter{n: 20000}
	err := RenderZip(w, batch(), byNumber)
	if !errors.Is(err, errWriteFailed) {
		t.Fatalf("RenderZip = %v, want the writer's error", err)
	}
}

var errWriteFailed = errors.New("disk full")

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errWriteFailed
	}
	return len(p), nil
}

func messageOf(err error) string {
	if err == nil {
		return ""
	}
	return fault.As(err).Message
}
