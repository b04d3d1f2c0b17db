package roster_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/roster"
)

// FuzzParseRoster feeds arbitrary bytes to the importer: it must never
// panic, and must answer either a parse (possibly with problems) or a
// *fault.Error of its own, never a raw error.
func FuzzParseRoster(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, de := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", de.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add(xlDocx(f))
	f.Add(xlZipBomb(f, 2<<20))

	e := xlNewEnv(f, dbtest.SQLite(f, xlMigrate))
	lim := roster.Limits{MaxFileSize: 1 << 20, MaxUnzipped: 8 << 20, MaxRows: 200}
	f.Fuzz(func(t *testing.T, b []byte) {
		parsed, err := e.store.ParseRoster(e.ctx, bytes.NewReader(b), int64(len(b)), lim)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind == fault.Internal || fe.Message == "" {
				t.Fatalf("ParseRoster error = %#v, want a file-level *fault.Error", err)
			}
			return
		}
		if len(parsed.People) != len(parsed.Rows) {
			t.Fatalf("%d people but %d row numbers", len(parsed.People), len(parsed.Rows))
		}
		if len(parsed.People) > lim.MaxRows {
			t.Fatalf("%d rows read, over the limit %d", len(parsed.People), lim.MaxRows)
		}
		for _, d := range parsed.Problems {
			if d.Row <= 0 || d.Message == "" {
				t.Fatalf("problem without row or message: %+v", d)
			}
		}
	})
}
