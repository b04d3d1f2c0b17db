package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"anpei/fault"
)

// Store keeps files under dir, content-addressed: dir/ab/abcdef... (by
// SHA-256). Uploads are written to a temporary file in dir first, so the
// rename into place is atomic and a reader never sees half a file.
type Store struct {
	dir string
}

// tempPrefix marks uploads in progress; they can never be mistaken for a
// content key (Open accepts 64 hex digits only).
const tempPrefix = ".upload-"

// NewStore returns a store in dir, creating it (0o750) if needed.
func NewStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, fault.Wrap(errors.New("empty directory"), "media: new store")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fault.Wrap(err, "media: new store")
	}
	return &Store{dir: dir}, nil
}

func tooLarge(max int64) *fault.Error {
	return fileError(fault.TooLarge, codeTooLarge, "文件超过 "+formatMB(max)+" 上限，请压缩后重新上传")
}

// formatMB writes a byte limit in MB (MiB, as upload limits are set), e.g.
// "500 MB", "1.5 MB", or in KB below 0.1 MB.
func formatMB(n int64) string {
	const mb = 1 << 20
	switch {
	case n%mb == 0:
		return fmt.Sprintf("%d MB", n/mb)
	case n >= mb/10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/mb), ".0") + " MB"
	default:
		return fmt.Sprintf("%d KB", max(1, n>>10))
	}
}

// ctxReader stops a copy when ctx is done (the client went away, the
// server is shutting down).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put streams r to a temporary file in the store's directory, hashing as it
// goes, and refuses more than max bytes (media_too_large) or nothing at all
// (media_empty); then inspects the content (see Inspect), fsyncs it and
// renames it into place. If the same content is stored already, the
// existing file is kept. On any error the temporary file is removed.
func (s *Store) Put(ctx context.Context, r io.Reader, max int64, allowed ...Kind) (Info, error) {
	if _, err := acceptedKinds(allowed); err != nil {
		return Info{}, err
	}
	if max <= 0 {
		return Info{}, fault.Wrap(fmt.Errorf("limit %d", max), "media: put")
	}
	if err := ctx.Err(); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return Info{}, storeError(err, "media: put")
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	n, err := copyBuffered(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Info{}, tooLarge(mbe.Limit)
		}
		return Info{}, storeError(err, "media: receive upload")
	}
	if n > max {
		return Info{}, tooLarge(max)
	}
	if n == 0 {
		return Info{}, emptyError()
	}
	info, err := Inspect(tmp, n, allowed...)
	if err != nil {
		return Info{}, err
	}
	info.SHA256 = hex.EncodeToString(h.Sum(nil))

	if err := tmp.Chmod(0o640); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, storeError(err, "media: sync upload")
	}
	if err := tmp.Close(); err != nil {
		return Info{}, storeError(err, "media: close upload")
	}
	final := s.path(info.SHA256)
	shard := filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o750); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	switch fi, err := os.Lstat(final); {
	case err == nil && fi.Mode().IsRegular():
		return info, nil // same content already stored: keep it (the deferred func drops ours)
	case err == nil:
		return Info{}, fault.Wrap(fmt.Errorf("%s is %v, not a file", final, fi.Mode()), "media: put")
	case !errors.Is(err, fs.ErrNotExist):
		return Info{}, storeError(err, "media: put")
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	tmp = nil
	// Make the new names durable too.
	if err := syncDir(shard); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	if err := syncDir(s.dir); err != nil {
		return Info{}, storeError(err, "media: put")
	}
	return info, nil
}

// storeError is err from writing an upload: a full disk (ENOSPC) is
// media_disk_full, shown to the user as such (507), anything else an
// internal error. Either way the caller has removed its temporary file,
// so nothing half-written stays behind.
func storeError(err error, what string) *fault.Error {
	if errors.Is(err, syscall.ENOSPC) {
		e := fileError(fault.NoSpace, codeNoSpace, "服务器磁盘空间不足，文件未能保存。请联系管理员清理磁盘空间后重新上传")
		e.Err = fmt.Errorf("%s: %w", what, err)
		return e
	}
	return fault.Wrap(err, what)
}

// copyBuffered is io.Copy with a larger buffer (uploads are big).
func copyBuffered(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(dst, onlyReader{src}, make([]byte, 256<<10))
}

// onlyReader hides WriterTo so io.CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha)
}

// validKey reports whether sha is 64 lowercase hex digits.
func validKey(sha string) bool {
	if len(sha) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(sha); i++ {
		c := sha[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func notFound() *fault.Error {
	return fault.New(fault.NotFound, codeNotFound, "文件不存在或已被删除")
}

// Open opens a stored file by its SHA-256. A key that is not 64 lowercase
// hex digits is refused before the file system is touched; either way a
// missing file is media_not_found.
func (s *Store) Open(sha string) (*os.File, error) {
	if !validKey(sha) {
		return nil, notFound()
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fault.Wrap(err, "media: open")
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fault.Wrap(err, "media: open")
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notFound()
	}
	return f, nil
}

// servedMIME lists the types Serve will send as such; anything else (a
// damaged database row) goes out as an opaque download.
var servedMIME = map[string]bool{mimeMP4: true, mimeWebM: true, mimePDF: true, mimeJPEG: true, mimePNG: true}

// Serve writes the stored file to w with http.ServeContent, so Range,
// If-Range and If-None-Match work (phones seek in videos). Errors from Open
// are returned before anything is written.
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, info Info, filename string) error {
	f, err := s.Open(info.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	ctype := info.MIME
	if !servedMIME[ctype] {
		ctype = "application/octet-stream"
		h.Set("Content-Disposition", disposition("attachment", filename))
	} else if info.Kind == Document || info.Kind == Image {
		h.Set("Content-Disposition", disposition("inline", filename))
	}
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+info.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=86400")
	// Content never changes under a key, so the ETag is the validator; no
	// Last-Modified.
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

// disposition builds a Content-Disposition value (RFC 6266) with an ASCII
// filename fallback and, for other names, the UTF-8 form of RFC 5987
// (the filename* parameter: UTF-8, percent-encoded).
func disposition(typ, name string) string {
	name = cleanFilename(name)
	if name == "" {
		return typ
	}
	var ascii strings.Builder
	plain := true
	for _, r := range name {
		if r < 0x80 && r != '"' && r != '\\' && r != '%' {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
			plain = false
		}
	}
	v := typ + `; filename="` + ascii.String() + `"`
	if !plain {
		v += "; filename*=UTF-8''" + rfc5987(name)
	}
	return v
}

// cleanFilename keeps the last path element, drops control characters and
// makes the name valid UTF-8.
func cleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// rfc5987 percent-encodes every byte that is not an attr-char.
func rfc5987(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
