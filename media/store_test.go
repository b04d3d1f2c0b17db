package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"anpei/fault"
)

func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// files lists every file (not directory) under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestNewStoreCreatesDir(t *testing.T) {
	_, dir := newStore(t)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("store dir: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o027 != 0 {
		t.Fatalf("store dir mode %v, want at most 0750", perm)
	}
}

func TestPutStoresByContent(t *testing.T) {
	video := mp4(mvhd0(1000, 90_000))
	doc := pdfDoc("1.7", 2, " ")
	scan := pngFile(t, 20, 20)
	for _, tt := range []struct {
		name    string
		data    []byte
		allowed []Kind
		kind    Kind
		mime    string
	}{
		{"video", video, []Kind{Video}, Video, "video/mp4"},
		{"document", doc, []Kind{Video, Document}, Document, "application/pdf"},
		{"sign-in scan", scan, []Kind{Document, Image}, Image, "image/png"},
		{"any kind", video, nil, Video, "video/mp4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newStore(t)
			info, err := s.Put(context.Background(), bytes.NewReader(tt.data), 1<<20, tt.allowed...)
			if err != nil {
				t.Fatal(err)
			}
			key := sha(tt.data)
			if info.SHA256 != key || info.Kind != tt.kind || info.MIME != tt.mime || info.Size != int64(len(tt.data)) {
				t.Fatalf("Put = %+v, want sha %s kind %s mime %s size %d", info, key, tt.kind, tt.mime, len(tt.data))
			}
			want := []string{filepath.Join(key[:2], key)}
			if got := files(t, dir); !equal(got, want) {
				t.Fatalf("files = %v, want %v", got, want)
			}
			stored, err := os.ReadFile(filepath.Join(dir, want[0]))
			if err != nil || !bytes.Equal(stored, tt.data) {
				t.Fatalf("stored content differs (%v)", err)
			}
			f, err := s.Open(key)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, tt.data) {
				t.Fatal("Open returned other content")
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPutSameContentTwiceKeepsOneFile(t *testing.T) {
	s, dir := newStore(t)
	data := pdfDoc("1.7", 1, " ")
	first, err := s.Put(context.Background(), bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, first.SHA256[:2], first.SHA256)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	second, err := s.Put(context.Background(), bytes.NewReader(data), 1<<20, Document)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("second Put = %+v, want %+v", second, first)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files = %v, want one", got)
	}
	if fi, _ := os.Stat(path); !fi.ModTime().Equal(old) {
		t.Fatalf("existing file was replaced (mtime %v, want %v)", fi.ModTime(), old)
	}
}

// errReader fails after n bytes.
type errReader struct {
	n   int
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, e.err
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = '%'
	}
	e.n -= k
	return k, nil
}

func TestPutRefusesAndLeavesNothing(t *testing.T) {
	video := mp4(mvhd0(1000, 5000))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name    string
		ctx     context.Context
		r       io.Reader
		max     int64
		allowed []Kind
		kind    fault.Kind
		code    string
		msg     string
	}{
		{"oversize", context.Background(), bytes.NewReader(video), int64(len(video) - 1), nil, fault.TooLarge, "media_too_large", ""},
		{"oversize message in MB", context.Background(), io.LimitReader(zeros{}, 3<<20), 2 << 20, nil, fault.TooLarge, "media_too_large", "文件超过 2 MB 上限，请压缩后重新上传"},
		{"body limit hit", context.Background(), http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(io.LimitReader(zeros{}, 1<<21)), 1<<20), 500 << 20, nil, fault.TooLarge, "media_too_large", "1 MB"},
		{"empty", context.Background(), bytes.NewReader(nil), 1 << 20, nil, fault.Unprocessable, "media_empty", "文件为空"},
		{"wrong type", context.Background(), strings.NewReader("<svg onload=alert(1)>"), 1 << 20, nil, fault.Unsupported, "media_type_unsupported", ""},
		{"not allowed", context.Background(), bytes.NewReader(video), 1 << 20, []Kind{Image}, fault.Unsupported, "media_type_unsupported", "JPEG 或 PNG 图片"},
		{"truncated", context.Background(), bytes.NewReader(video[:len(video)-10]), 1 << 20, nil, fault.Unprocessable, "media_corrupt", ""},
		{"reader fails", context.Background(), &errReader{n: 5000, err: errors.New("connection reset")}, 1 << 20, nil, fault.Internal, "internal", ""},
		{"cancelled", cancelled, bytes.NewReader(video), 1 << 20, nil, fault.Internal, "internal", ""},
		{"bad kind", context.Background(), bytes.NewReader(video), 1 << 20, []Kind{"audio"}, fault.Internal, "internal", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newStore(t)
			info, err := s.Put(tt.ctx, tt.r, tt.max, tt.allowed...)
			if err == nil {
				t.Fatalf("Put = %+v, want %s", info, tt.code)
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != tt.kind || fe.Code != tt.code {
				t.Fatalf("Put error = %v, want kind %d code %s", err, tt.kind, tt.code)
			}
			if !strings.Contains(fe.Message, tt.msg) {
				t.Fatalf("message %q does not contain %q", fe.Message, tt.msg)
			}
			if fe.Kind != fault.Internal && (len(fe.Details) == 0 || fe.Details[0].Field != "file") {
				t.Fatalf("details %+v, want Field file", fe.Details)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("left behind: %v", got)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 0 {
				t.Fatalf("dir not empty: %v", entries)
			}
		})
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A client sending far more than the limit is cut off one byte past it,
// not read to the end.
func TestPutStopsReadingAtLimit(t *testing.T) {
	s, _ := newStore(t)
	c := &countingReader{r: zeros{}}
	_, err := s.Put(context.Background(), c, 1000)
	wantFault(t, err, fault.TooLarge, "media_too_large")
	if c.n > 1001 {
		t.Fatalf("read %d bytes with a limit of 1000", c.n)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestFormatMB(t *testing.T) {
	for n, want := range map[int64]string{500 << 20: "500 MB", 1 << 20: "1 MB", 3 << 19: "1.5 MB", 200 << 10: "0.2 MB", 1000: "1 KB", 10: "1 KB"} {
		if got := formatMB(n); got != want {
			t.Errorf("formatMB(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestOpenRejectsBadKeys(t *testing.T) {
	s, dir := newStore(t)
	// A file outside the store that a traversal would reach.
	secret := filepath.Join(filepath.Dir(dir), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	upper := strings.ToUpper(sha([]byte("x")))
	for _, key := range []string{
		"", "../../etc/passwd", "../secret", "..", "ab/../../secret",
		upper, sha([]byte("x"))[:63], sha([]byte("x")) + "0", strings.Repeat("g", 64),
		"/etc/passwd", "0000000000000000000000000000000000000000000000000000000000000/..",
		sha([]byte("absent")), // well formed, not stored
	} {
		f, err := s.Open(key)
		if err == nil {
			f.Close()
			t.Fatalf("Open(%q) succeeded", key)
		}
		wantFault(t, err, fault.NotFound, "media_not_found")
	}
	// A directory where a file should be is not a stored file either.
	key := sha([]byte("dir"))
	if err := os.MkdirAll(filepath.Join(dir, key[:2], key), 0o750); err != nil {
		t.Fatal(err)
	}
	_, err := s.Open(key)
	wantFault(t, err, fault.NotFound, "media_not_found")
}

func TestServe(t *testing.T) {
	s, _ := newStore(t)
	video := mp4(mvhd0(1000, 5000))
	vinfo, err := s.Put(context.Background(), bytes.NewReader(video), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	doc := pdfDoc("1.7", 2, " ")
	dinfo, err := s.Put(context.Background(), bytes.NewReader(doc), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	etag := `"` + vinfo.SHA256 + `"`

	serve := func(info Info, name string, hdr map[string]string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/media/x", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		if err := s.Serve(rec, req, info, name); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		return rec
	}

	t.Run("whole file", func(t *testing.T) {
		rec := serve(vinfo, "第一课.mp4", nil)
		h := rec.Header()
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), video) {
			t.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
		for k, want := range map[string]string{
			"Content-Type": "video/mp4", "ETag": etag, "X-Content-Type-Options": "nosniff",
			"Cache-Control": "private, max-age=86400", "Accept-Ranges": "bytes", "Content-Disposition": "",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
	})
	t.Run("range", func(t *testing.T) {
		rec := serve(vinfo, "", map[string]string{"Range": "bytes=100-199"})
		if rec.Code != http.StatusPartialContent {
			t.Fatalf("status %d, want 206", rec.Code)
		}
		if !bytes.Equal(rec.Body.Bytes(), video[100:200]) {
			t.Fatal("wrong bytes for the range")
		}
		if got, want := rec.Header().Get("Content-Range"), "bytes 100-199/"+itoa(len(video)); got != want {
			t.Fatalf("Content-Range %q, want %q", got, want)
		}
		if rec.Header().Get("ETag") != etag {
			t.Fatalf("ETag %q", rec.Header().Get("ETag"))
		}
	})
	t.Run("suffix range", func(t *testing.T) {
		rec := serve(vinfo, "", map[string]string{"Range": "bytes=-10"})
		if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), video[len(video)-10:]) {
			t.Fatalf("status %d body %x", rec.Code, rec.Body.Bytes())
		}
	})
	t.Run("range past end", func(t *testing.T) {
		rec := serve(vinfo, "", map[string]string{"Range": "bytes=999999-"})
		if rec.Code != http.StatusRequestedRangeNotSatisfiable {
			t.Fatalf("status %d, want 416", rec.Code)
		}
	})
	t.Run("if-none-match", func(t *testing.T) {
		rec := serve(vinfo, "", map[string]string{"If-None-Match": etag})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Fatalf("status %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
		}
		rec = serve(vinfo, "", map[string]string{"If-None-Match": `"` + dinfo.SHA256 + `"`})
		if rec.Code != 200 {
			t.Fatalf("other ETag: status %d, want 200", rec.Code)
		}
	})
	t.Run("if-range", func(t *testing.T) {
		rec := serve(vinfo, "", map[string]string{"Range": "bytes=0-9", "If-Range": etag})
		if rec.Code != 206 || rec.Body.Len() != 10 {
			t.Fatalf("matching If-Range: status %d, %d bytes", rec.Code, rec.Body.Len())
		}
		rec = serve(vinfo, "", map[string]string{"Range": "bytes=0-9", "If-Range": `"stale"`})
		if rec.Code != 200 || rec.Body.Len() != len(video) {
			t.Fatalf("stale If-Range: status %d, %d bytes, want the whole file", rec.Code, rec.Body.Len())
		}
	})
	t.Run("head", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodHead, "/media/x", nil)
		rec := httptest.NewRecorder()
		if err := s.Serve(rec, req, vinfo, ""); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != itoa(len(video)) {
			t.Fatalf("HEAD: status %d body %d length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
		}
	})
	t.Run("document inline with Chinese name", func(t *testing.T) {
		rec := serve(dinfo, `C:\扫描\2024年3月 安全培训签到表"终".pdf`, nil)
		cd := rec.Header().Get("Content-Disposition")
		if !strings.HasPrefix(cd, `inline; filename="2024_3_ __________.pdf"; filename*=UTF-8''`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if !strings.HasSuffix(cd, "UTF-8''2024%E5%B9%B43%E6%9C%88%20%E5%AE%89%E5%85%A8%E5%9F%B9%E8%AE%AD%E7%AD%BE%E5%88%B0%E8%A1%A8%22%E7%BB%88%22.pdf") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if rec.Header().Get("Content-Type") != "application/pdf" || !bytes.Equal(rec.Body.Bytes(), doc) {
			t.Fatal("wrong type or body")
		}
	})
	t.Run("document with ASCII name", func(t *testing.T) {
		rec := serve(dinfo, "sheet-01.pdf", nil)
		if got := rec.Header().Get("Content-Disposition"); got != `inline; filename="sheet-01.pdf"` {
			t.Fatalf("Content-Disposition %q", got)
		}
	})
	t.Run("unknown MIME goes out as a download", func(t *testing.T) {
		bad := dinfo
		bad.MIME = "text/html"
		rec := serve(bad, "x.html", nil)
		if rec.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("headers %v", rec.Header())
		}
	})
	t.Run("open errors before writing", func(t *testing.T) {
		for _, key := range []string{sha([]byte("absent")), "../../etc/passwd"} {
			rec := httptest.NewRecorder()
			err := s.Serve(rec, httptest.NewRequest(http.MethodGet, "/", nil), Info{SHA256: key, MIME: "video/mp4", Kind: Video}, "")
			wantFault(t, err, fault.NotFound, "media_not_found")
			if len(rec.Header()) != 0 || rec.Body.Len() != 0 || rec.Flushed {
				t.Fatalf("wrote before failing: %v %q", rec.Header(), rec.Body.String())
			}
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDisposition(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"", "inline"},
		{"../..", "inline"},
		{"a/b/c.pdf", `inline; filename="c.pdf"`},
		{"签到表.pdf", `inline; filename="___.pdf"; filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf`},
		{"bad\r\nX-Injected: 1.pdf", `inline; filename="badX-Injected: 1.pdf"`},
		{"50%.pdf", `inline; filename="50_.pdf"; filename*=UTF-8''50%25.pdf`},
		{"\xff\xfe.pdf", `inline; filename="_.pdf"`},
	} {
		if got := disposition("inline", tt.name); got != tt.want {
			t.Errorf("disposition(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Two trainers uploading the same lesson at once end up sharing one file.
func TestPutConcurrentSameContent(t *testing.T) {
	s, dir := newStore(t)
	data := mp4(mvhd0(1000, 7000))
	const n = 8
	errs := make(chan error, n)
	shas := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			info, err := s.Put(context.Background(), bytes.NewReader(data), 1<<20, Video)
			errs <- err
			shas <- info.SHA256
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if got := <-shas; got != sha(data) {
			t.Fatalf("sha %s", got)
		}
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files = %v, want one", got)
	}
}
