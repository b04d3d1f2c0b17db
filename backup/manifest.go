package backup

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// FormatName and FormatVersion identify the archive layout described in
// the package documentation. A reader refuses a newer format version.
const (
	FormatName    = "anpei-backup"
	FormatVersion = 1
)

// Names of fixed entries in the archive.
const (
	ManifestName = "manifest.json"
	SettingsName = "settings.json"
	SQLiteEntry  = "db/anpei.db"
	rowsPrefix   = "db/"
	rowsSuffix   = ".jsonl"
	uploadsDir   = "uploads"
	keysDir      = "keys"
	// PIIKeyFile and CertKeysDir are where the keys live in --data.
	PIIKeyFile  = "pii-keys.json"
	CertKeysDir = "cert-keys"
	// RestoredSettingsFile is where restore puts the archive's settings
	// in the data directory, for the operator to compare with their own.
	RestoredSettingsFile = "backup-settings.json"
)

// Manifest describes an archive; it is its last entry.
type Manifest struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// SchemaVersion is the highest version in schema_migrations of the
	// database when it was copied.
	SchemaVersion int    `json:"schema_version"`
	Dialect       string `json:"dialect"`
	// Tables are the row counts of every table in the copy, and Columns
	// their columns (restore creates a table the migrations do not, such
	// as demo_marks, from them).
	Tables  map[string]int64    `json:"tables"`
	Columns map[string][]Column `json:"columns"`
	// PIIKey says where the ID-number key was: "file" (in the archive) or
	// "setting" (--pii-key; not in the archive, the operator keeps it).
	PIIKey string `json:"pii_key"`
	Files  []File `json:"files"`
}

// File is one archive entry with its size and SHA-256 (hex).
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Error is a refusal or failure with a message for people (Chinese, with
// English beside it) and the underlying cause, if any.
type Error struct {
	Msg   string
	Kind  error // one of the sentinels below, or nil
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Msg + ": " + e.Cause.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() []error { return []error{e.Kind, e.Cause} }

// fail builds an Error; cause may be a sentinel (its kind) or an error.
func fail(cause error, format string, args ...any) error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	for _, s := range []error{ErrDamaged, ErrTooNew, ErrNotEmpty, ErrOutExists, ErrUnsupported} {
		if cause == s {
			e.Kind = s
			return e
		}
	}
	e.Cause = cause
	return e
}

// Sentinel causes, for callers and tests that need to tell refusals apart.
var (
	ErrDamaged     = errors.New("damaged archive")
	ErrTooNew      = errors.New("archive newer than this binary")
	ErrNotEmpty    = errors.New("restore target not empty")
	ErrOutExists   = errors.New("output file exists")
	ErrUnsupported = errors.New("unsupported")
)

// diskHint adds the likely reason to a write error.
func diskHint(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "（磁盘空间不足 / disk full）"
	case errors.Is(err, syscall.EDQUOT):
		return "（超出磁盘配额 / disk quota exceeded）"
	case errors.Is(err, syscall.EROFS):
		return "（文件系统只读 / read-only file system）"
	}
	return ""
}
