package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/audit"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/schema"
)

// typed is a table with every kind of value the row files must carry
// exactly: microsecond datetimes, blobs with every byte, NULLs, utf8mb4,
// large integers, floats and booleans.
type typed struct {
	ID    uint       `gorm:"primaryKey"`
	Name  string     `gorm:"size:191;not null"`
	Body  string     `gorm:"type:longtext"`
	Data  []byte     `gorm:"type:longblob"`
	At    time.Time  `gorm:"not null;precision:6"`
	Maybe *time.Time `gorm:"precision:6"`
	Big   int64
	Small *int32
	Ratio float64
	Flag  bool
	Note  *string `gorm:"size:64"`
}

func (typed) TableName() string { return "zz_typed" }

// migrations is the binary's list plus one for the typed table.
func migrations() []db.Migration {
	return append(schema.Migrations(), db.Migration{Version: 1000, Name: "typed test table", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&typed{}) }})
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// source is a database to back up with its data directory.
type source struct {
	gdb  *gorm.DB
	data string
	rows []typed
	// uploads are the stored files by name.
	uploads map[string][]byte
}

func newSource(t *testing.T, dialect string) *source {
	t.Helper()
	ctx := context.Background()
	s := &source{data: t.TempDir(), uploads: map[string][]byte{}}
	dsn := ""
	if dialect == "mysql" {
		dsn = "mysql:" + dbtest.NewMySQLDatabase(t)
	}
	gdb, _, err := db.Open(ctx, dsn, s.data, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if err := db.Migrate(ctx, gdb, migrations()); err != nil {
		t.Fatal(err)
	}
	s.gdb = gdb
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	small := int32(-7)
	note := "备注 😀"
	blob := make([]byte, 256)
	for i := range blob {
		blob[i] = byte(i)
	}
	s.rows = []typed{
		{ID: 3, Name: "安培 😀 'quote' \\ back\nline\t", Body: strings.Repeat("长文本", 5000), Data: blob, At: at, Maybe: &at, Big: -9_000_000_000_000_000_000 / 1000 * 1000, Small: &small, Ratio: 0.1, Flag: true, Note: &note},
		{ID: 7, Name: "nulls", Data: nil, At: at.Add(time.Microsecond), Big: 1 << 62, Ratio: -1.5e-300},
		{ID: 42, Name: "empty", Data: []byte{}, At: at.Add(-time.Hour), Ratio: 3},
	}
	if err := gdb.Create(&s.rows).Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(tx, audit.Actor{UserID: 1, Username: "tester", IP: "127.0.0.1"}, "test.write", "typed", fmt.Sprint(i), nil, map[string]any{"i": i, "名": "值"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, content := range []string{"first upload", "second upload \x00\xff"} {
		sum := sha256.Sum256([]byte(content))
		name := hex.EncodeToString(sum[:])
		p := filepath.Join(s.data, "uploads", name[:2], name)
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		s.uploads[name] = []byte(content)
	}
	os.WriteFile(filepath.Join(s.data, "uploads", ".upload-123"), []byte("half"), 0o640) // a temp file: not archived
	os.WriteFile(filepath.Join(s.data, PIIKeyFile), []byte(`{"test":"pii"}`), 0o600)
	os.MkdirAll(filepath.Join(s.data, CertKeysDir), 0o700)
	os.WriteFile(filepath.Join(s.data, CertKeysDir, "key-1.json"), []byte(`{"test":"cert"}`), 0o600)
	return s
}

func (s *source) backup(t *testing.T) (string, *Manifest) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	m, err := Create(context.Background(), Options{DB: s.gdb, DataDir: s.data, Out: out, Settings: map[string]string{"addr": ":8080"}})
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

// target is an empty place to restore into.
func target(t *testing.T, dialect string) (data, dsn string) {
	t.Helper()
	data = filepath.Join(t.TempDir(), "data")
	if dialect == "mysql" {
		dsn = "mysql:" + dbtest.NewMySQLDatabase(t)
	}
	return data, dsn
}

func dialects(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range []string{"sqlite", "mysql"} {
		t.Run(d, func(t *testing.T) {
			if d == "mysql" {
				dbtest.MySQLDSN(t)
			}
			fn(t, d)
		})
	}
}

// TestRoundTrip backs up each dialect and restores into each: rows with
// their IDs and exact values, a next ID after them, the audit chain, the
// uploads and keys.
func TestRoundTrip(t *testing.T) {
	dialects(t, func(t *testing.T, from string) {
		src := newSource(t, from)
		archive, m := src.backup(t)
		if m.SchemaVersion != 1000 || m.Dialect != from || m.Tables["zz_typed"] != 3 || m.Tables["audit_entries"] != 5 {
			t.Fatalf("manifest: version %d, dialect %s, tables %v", m.SchemaVersion, m.Dialect, m.Tables)
		}
		st, _ := os.Stat(archive)
		t.Logf("%s archive: %d bytes, %d entries", from, st.Size(), len(m.Files))
		dialects(t, func(t *testing.T, to string) {
			ctx := context.Background()
			data, dsn := target(t, to)
			res, err := Restore(ctx, RestoreOptions{Archive: archive, DataDir: data, DSN: dsn, Migrations: migrations(), Log: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "file", false: "rows"}[from == "sqlite" && to == "sqlite"]; res.Method != want || res.SchemaVersion != 1000 || res.Files != 5 || len(res.Skipped) > 0 {
				t.Fatalf("result %+v, want method %s, version 1000, 5 files", res, want)
			}
			gdb, _, err := db.Open(ctx, dsn, data, quiet())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close(gdb)
			var got []typed
			if err := gdb.Order("id").Find(&got).Error; err != nil {
				t.Fatal(err)
			}
			if len(got) != len(src.rows) {
				t.Fatalf("%d rows restored, want %d", len(got), len(src.rows))
			}
			for i, w := range src.rows {
				g := got[i]
				diffs := map[string]bool{
					"id": g.ID != w.ID, "name": g.Name != w.Name, "body": g.Body != w.Body, "data": !bytes.Equal(g.Data, w.Data), "at": !g.At.Equal(w.At),
					"maybe": (g.Maybe == nil) != (w.Maybe == nil) || (g.Maybe != nil && !g.Maybe.Equal(*w.Maybe)), "big": g.Big != w.Big,
					"small": (g.Small == nil) != (w.Small == nil) || (g.Small != nil && *g.Small != *w.Small), "ratio": g.Ratio != w.Ratio, "flag": g.Flag != w.Flag,
					"note": (g.Note == nil) != (w.Note == nil) || (g.Note != nil && *g.Note != *w.Note),
				}
				for field, differs := range diffs {
					if differs {
						t.Errorf("row %d: %s differs after the restore", w.ID, field)
					}
				}
			}
			next := typed{Name: "after restore", At: time.Now().UTC()}
			if err := gdb.Create(&next).Error; err != nil {
				t.Fatal(err)
			}
			if next.ID != 43 {
				t.Errorf("first ID after the restore = %d, want 43 (after the restored 42)", next.ID)
			}
			v, err := audit.Verify(ctx, gdb)
			if err != nil || !v.OK || v.Checked != 5 {
				t.Fatalf("audit verify after restore: %+v, %v", v, err)
			}
			if err := gdb.Transaction(func(tx *gorm.DB) error {
				return audit.Record(tx, audit.Actor{Username: "after"}, "test.after", "typed", "43", nil, nil)
			}); err != nil {
				t.Fatal(err)
			}
			if v, err := audit.Verify(ctx, gdb); err != nil || !v.OK || v.Checked != 6 {
				t.Fatalf("audit chain does not continue after restore: %+v, %v", v, err)
			}
			for name, content := range src.uploads {
				b, err := os.ReadFile(filepath.Join(data, "uploads", name[:2], name))
				sum := sha256.Sum256(b)
				if err != nil || hex.EncodeToString(sum[:]) != name || !bytes.Equal(b, content) {
					t.Errorf("upload %s: %v, content %q", name, err, b)
				}
			}
			if _, err := os.Stat(filepath.Join(data, "uploads", ".upload-123")); err == nil {
				t.Error("a temporary upload file was archived")
			}
			for p, want := range map[string]string{PIIKeyFile: `{"test":"pii"}`, filepath.Join(CertKeysDir, "key-1.json"): `{"test":"cert"}`} {
				b, err := os.ReadFile(filepath.Join(data, p))
				st, _ := os.Stat(filepath.Join(data, p))
				if err != nil || string(b) != want || st.Mode().Perm() != 0o600 {
					t.Errorf("key %s restored as %q (%v), mode %v", p, b, err, st.Mode())
				}
			}
			if b, err := os.ReadFile(filepath.Join(data, RestoredSettingsFile)); err != nil || !strings.Contains(string(b), `":8080"`) {
				t.Errorf("settings: %s, %v", b, err)
			}
		})
	})
}

// rewrite copies an archive entry by entry through edit (which may
// change the data or drop the entry by returning nil).
func rewrite(t *testing.T, archive string, edit func(name string, data []byte) []byte) string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "edited.tar.gz")
	o, _ := os.Create(out)
	zw := gzip.NewWriter(o)
	tw := tar.NewWriter(zw)
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		data = edit(h.Name, data)
		if data == nil {
			continue
		}
		h.Size = int64(len(data))
		tw.WriteHeader(h)
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	o.Close()
	return out
}

func editManifest(t *testing.T, fn func(m map[string]any)) func(string, []byte) []byte {
	return func(name string, data []byte) []byte {
		if name != ManifestName {
			return data
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		b, _ := json.Marshal(m)
		return b
	}
}

// TestRefusals: damaged archives (a flipped byte anywhere, truncation, a
// checksum mismatch, a missing manifest or entry), a newer schema or
// format, and a target that is not empty are refused before anything is
// written, each with its reason.
func TestRefusals(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		src := newSource(t, dialect)
		archive, _ := src.backup(t)
		good, _ := os.ReadFile(archive)
		bad := func(name string, b []byte) string {
			p := filepath.Join(t.TempDir(), name)
			os.WriteFile(p, b, 0o600)
			return p
		}
		// flip changes one byte at or after at such that the archive's
		// content changes: a byte of deflate's padding bits (after a
		// flush) may flip without changing anything, and an archive whose
		// content is intact is rightly restored.
		flip := func(at int) []byte {
			for i := at; i < len(good); i++ {
				b := bytes.Clone(good)
				b[i] ^= 0x20
				if !sameGzipContent(good, b) {
					return b
				}
			}
			t.Fatalf("no byte from %d on changes the archive", at)
			return nil
		}
		cases := []struct {
			name, archive, want string
			kind                error
		}{
			{"flipped byte in the middle", bad("flip-mid", flip(len(good)/2)), "已损坏", ErrDamaged},
			{"flipped byte near the start", bad("flip-start", flip(40)), "已损坏", ErrDamaged},
			{"flipped byte in the gzip trailer", bad("flip-end", flip(len(good)-6)), "已损坏", ErrDamaged},
			{"truncated at half", bad("half", good[:len(good)/2]), "截断", ErrDamaged},
			{"truncated by 10 bytes", bad("short", good[:len(good)-10]), "已损坏", ErrDamaged},
			{"empty file", bad("empty", nil), "已损坏", ErrDamaged},
			{"checksum mismatch", rewrite(t, archive, func(name string, data []byte) []byte {
				if name == keysDir+"/"+PIIKeyFile {
					return []byte(`{"test":"PII"}`)
				}
				return data
			}), "SHA-256 校验和与清单不符", ErrDamaged},
			{"manifest missing", rewrite(t, archive, func(name string, data []byte) []byte {
				if name == ManifestName {
					return nil
				}
				return data
			}), "缺少清单", ErrDamaged},
			{"entry missing", rewrite(t, archive, func(name string, data []byte) []byte {
				if strings.HasPrefix(name, "uploads/") {
					return nil
				}
				return data
			}), "不在备份中", ErrDamaged},
			{"newer schema", rewrite(t, archive, editManifest(t, func(m map[string]any) { m["schema_version"] = 1001 })), "本程序只认识到版本 1000", ErrTooNew},
			{"newer format", rewrite(t, archive, editManifest(t, func(m map[string]any) { m["format_version"] = FormatVersion + 1 })), "备份格式版本", ErrTooNew},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				data, dsn := target(t, dialect)
				_, err := Restore(ctx, RestoreOptions{Archive: c.archive, DataDir: data, DSN: dsn, Migrations: migrations(), Log: quiet()})
				if err == nil || !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("restore = %v, want %v mentioning %q", err, c.kind, c.want)
				}
				t.Logf("refused: %v", err)
				assertEmpty(t, data, dsn)
			})
		}
		t.Run("data directory not empty", func(t *testing.T) {
			data, dsn := target(t, dialect)
			os.MkdirAll(data, 0o750)
			os.WriteFile(filepath.Join(data, "notes.txt"), []byte("x"), 0o600)
			_, err := Restore(ctx, RestoreOptions{Archive: archive, DataDir: data, DSN: dsn, Migrations: migrations(), Log: quiet()})
			if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "notes.txt") {
				t.Fatalf("restore = %v, want ErrNotEmpty naming notes.txt", err)
			}
		})
		if dialect == "mysql" {
			t.Run("database not empty", func(t *testing.T) {
				data, dsn := target(t, dialect)
				gdb, _, err := db.Open(ctx, dsn, "", quiet())
				if err != nil {
					t.Fatal(err)
				}
				gdb.Exec("CREATE TABLE leftover (id int)")
				db.Close(gdb)
				_, err = Restore(ctx, RestoreOptions{Archive: archive, DataDir: data, DSN: dsn, Migrations: migrations(), Log: quiet()})
				if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "leftover") {
					t.Fatalf("restore = %v, want ErrNotEmpty naming leftover", err)
				}
			})
		}
		t.Run("known schema older than the archive", func(t *testing.T) {
			data, dsn := target(t, dialect)
			_, err := Restore(ctx, RestoreOptions{Archive: archive, DataDir: data, DSN: dsn, Migrations: schema.Migrations(), Log: quiet()})
			if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), fmt.Sprint(schema.Latest())) {
				t.Fatalf("restore with the binary's list = %v, want ErrTooNew", err)
			}
			assertEmpty(t, data, dsn)
		})
		t.Run("failure after writing began leaves the target empty", func(t *testing.T) {
			data, dsn := target(t, dialect)
			// A migration that fails after the rows went in.
			list := append(migrations(), db.Migration{Version: 1001, Name: "fails", Up: func(*gorm.DB) error { return errors.New("boom") }})
			_, err := Restore(ctx, RestoreOptions{Archive: archive, DataDir: data, DSN: dsn, Migrations: list, Log: quiet()})
			if err == nil || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("restore = %v, want the migration's failure", err)
			}
			assertEmpty(t, data, dsn)
		})
	})
}

// assertEmpty checks that nothing was left in the target.
func assertEmpty(t *testing.T, data, dsn string) {
	t.Helper()
	if list, err := os.ReadDir(data); err == nil && len(list) > 0 {
		t.Errorf("data directory not empty after a refused restore: %v", list)
	}
	if dsn != "" {
		gdb, _, err := db.Open(context.Background(), dsn, "", quiet())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(gdb)
		sqlDB, _ := gdb.DB()
		names, err := tables(context.Background(), sqlDB, db.MySQL)
		if err != nil || len(names) > 0 {
			t.Errorf("database not empty after a refused restore: %v %v", names, err)
		}
	}
}

// fullDisk fails writes with ENOSPC after limit bytes.
type fullDisk struct {
	w     io.Writer
	limit int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, &os.PathError{Op: "write", Path: "archive", Err: syscall.ENOSPC}
	}
	f.limit -= len(p)
	return f.w.Write(p)
}

// TestCreateFailsCleanly: a full disk or an existing file leaves no file
// under the destination's name and no temporary files, with a clear error.
func TestCreateFailsCleanly(t *testing.T) {
	dialects(t, func(t *testing.T, dialect string) {
		src := newSource(t, dialect)
		dir := t.TempDir()
		out := filepath.Join(dir, "b.tar.gz")
		_, err := Create(context.Background(), Options{DB: src.gdb, DataDir: src.data, Out: out,
			wrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, limit: 2000} }})
		if err == nil || !strings.Contains(err.Error(), "磁盘空间不足") || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("create on a full disk = %v, want a disk-full error", err)
		}
		t.Logf("full disk: %v", err)
		if list, _ := os.ReadDir(dir); len(list) > 0 {
			t.Fatalf("left behind after a failed backup: %v", list)
		}
		os.WriteFile(out, []byte("older backup"), 0o600)
		if _, err := Create(context.Background(), Options{DB: src.gdb, DataDir: src.data, Out: out}); !errors.Is(err, ErrOutExists) {
			t.Fatalf("create over an existing file = %v, want ErrOutExists", err)
		}
		if b, _ := os.ReadFile(out); string(b) != "older backup" {
			t.Fatal("an existing file was overwritten")
		}
	})
}

func TestKindOf(t *testing.T) {
	for typ, want := range map[string]kind{
		"bigint(20) unsigned": kUint, "bigint": kInt, "integer": kInt, "tinyint(1)": kInt, "numeric": kDecimal,
		"decimal(10,2)": kDecimal, "datetime(6)": kTime, "datetime": kTime, "date": kDate, "timestamp": kTime,
		"longtext": kText, "varchar(191)": kText, "text": kText, "longblob": kBlob, "varbinary(32)": kBlob, "blob": kBlob,
		"double": kFloat, "real": kFloat, "float": kFloat, "json": kText, "": kText,
	} {
		if got := kindOf(typ); got != want {
			t.Errorf("kindOf(%q) = %s, want %s", typ, got, want)
		}
	}
}

// sameGzipContent reports whether b decompresses to what a does.
func sameGzipContent(a, b []byte) bool {
	read := func(x []byte) ([]byte, error) {
		zr, err := gzip.NewReader(bytes.NewReader(x))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	da, err := read(a)
	if err != nil {
		return false
	}
	db, err := read(b)
	return err == nil && bytes.Equal(da, db)
}
