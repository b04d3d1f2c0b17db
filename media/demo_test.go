package media

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The demo district ships real lesson videos and documents
// (demo/data/media); they must pass the same checks an upload does.
func TestDemoMedia(t *testing.T) {
	var paths []string
	for _, pat := range []string{"*.webm", "*.mp4", "*.pdf"} {
		m, err := filepath.Glob(filepath.Join("..", "demo", "data", "media", pat))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no demo media in demo/data/media")
	}
	s, _ := newStore(t)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			kind, wantMIME := Video, "video/mp4"
			switch filepath.Ext(p) {
			case ".webm":
				wantMIME = "video/webm"
			case ".pdf":
				kind, wantMIME = Document, "application/pdf"
			}
			info, err := Inspect(f, fi.Size(), kind)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.Kind != kind || info.MIME != wantMIME || info.Size != fi.Size() ||
				(kind == Video) != (info.Duration > 0) || (kind == Document) != (info.Pages > 0) {
				t.Fatalf("Inspect = %+v, want %s with a duration (videos) or pages (PDFs)", info, wantMIME)
			}
			t.Logf("%s: %s, %d bytes, %v, %d pages", filepath.Base(p), info.MIME, info.Size, info.Duration, info.Pages)
			if _, err := f.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
			put, err := s.Put(context.Background(), f, 500<<20, kind)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if put.Duration != info.Duration || put.Pages != info.Pages || len(put.SHA256) != 64 {
				t.Fatalf("Put = %+v, Inspect = %+v", put, info)
			}
		})
	}
}
