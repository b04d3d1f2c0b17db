package schema_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// The fixtures in testdata were written by the first landed schema
// (commit aaa8488, migrations 1 and 2) with its own code; see
// testdata/README.md. Each holds 2 enterprises, 3 people with encrypted ID
// numbers, the admin and one enterprise admin (password fixture-pass-1),
// and the audit entries of all that.

// FirstSchemaVersion is the version the fixtures are at.
const firstSchemaVersion = 2

// OpenFixture puts a fixture in a fresh data directory (SQLite file or
// MySQL dump loaded into a new database) and returns the opened database
// and the directory with the fixture's key file.
func openFixture(t *testing.T, dialect string) (*gorm.DB, string) {
	t.Helper()
	dir := t.TempDir()
	keys, err := os.ReadFile(filepath.Join("testdata", "v1."+dialect+".pii-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, pii.KeyFileName), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := ""
	if dialect == "sqlite" {
		b, err := os.ReadFile(filepath.Join("testdata", "v1.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, db.SQLiteFile), b, 0o640); err != nil {
			t.Fatal(err)
		}
	} else {
		raw := dbtest.NewMySQLDatabase(t)
		loadDump(t, raw, filepath.Join("testdata", "v1.mysql.sql"))
		dsn = "mysql:" + raw
	}
	gdb, _, err := db.Open(context.Background(), dsn, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb, dir
}

// loadDump runs a mysqldump file statement by statement (each ends with
// ";" at the end of a line; --skip-extended-insert keeps rows on one line).
func loadDump(t *testing.T, dsn, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conn, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1) // session settings (SET NAMES, time zone) hold for every statement
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var stmt strings.Builder
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if stmt.Len() == 0 && (strings.TrimSpace(line) == "" || strings.HasPrefix(line, "--")) {
			continue
		}
		stmt.WriteString(line)
		stmt.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if _, err := conn.Exec(stmt.String()); err != nil {
				t.Fatalf("dump statement %d: %v\n%.300s", n+1, err, stmt.String())
			}
			n++
			stmt.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d statements in the dump", n)
	}
}

// TestUpgradeFirstSchema upgrades a database written by the first landed
// schema to the current one on both dialects, and checks that its data
// survived and the stores work on it: rows, the ID-number keys, a login,
// the audit chain, and that a binary older
// than the upgraded database refuses it.
func TestUpgradeFirstSchema(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "mysql" {
				dbtest.MySQLDSN(t)
			}
			ctx := context.Background()
			gdb, dir := openFixture(t, dialect)
			if v, err := db.Version(ctx, gdb); err != nil || v != firstSchemaVersion {
				t.Fatalf("fixture at version %d (%v), want %d", v, err, firstSchemaVersion)
			}
			began := time.Now()
			if err := schema.Migrate(ctx, gdb); err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			if v, _ := db.Version(ctx, gdb); v != schema.Latest() {
				t.Fatalf("version after the upgrade = %d, want %d", v, schema.Latest())
			}
			t.Logf("upgraded %s from version %d to %d in %v", dialect, firstSchemaVersion, schema.Latest(), time.Since(began).Round(time.Millisecond))
			for _, table := range []string{"courses", "exam_attempts", "certificates", "notices", "compliance_results"} {
				if !gdb.Migrator().HasTable(table) {
					t.Errorf("table %s missing after the upgrade", table)
				}
			}

			// The data survived.
			var names []string
			gdb.Table("enterprises").Order("id").Pluck("name", &names)
			if strings.Join(names, ",") != "麒麟区第一化工有限公司,曲靖越州建材厂" {
				t.Errorf("enterprises after the upgrade: %v", names)
			}
			keys, err := pii.LoadOrCreate(dir)
			if err != nil {
				t.Fatal(err)
			}
			rs := roster.NewStore(gdb, keys, time.Now)
			var people []roster.Person
			if err := gdb.Order("id").Find(&people).Error; err != nil {
				t.Fatal(err)
			}
			if len(people) != 3 || people[0].Name != "李四" || people[2].Name != "赵六" {
				t.Fatalf("people after the upgrade: %d, %+v", len(people), people)
			}
			for _, p := range people {
				number, err := rs.RevealID(ctx, account.System(), p.ID)
				if err != nil {
					t.Fatalf("reveal person %d with the fixture's key: %v", p.ID, err)
				}
				if ident.MaskID(number) != p.IDMasked || !strings.HasPrefix(number, "530302") {
					t.Errorf("person %d: number %s does not match its mask %s", p.ID, ident.MaskID(number), p.IDMasked)
				}
			}
			accounts := account.NewStore(gdb, account.Options{PersonEnterprise: rs.PersonEnterprise})
			login, err := accounts.Login(ctx, "qiye", "fixture-pass-1", "127.0.0.1", "upgrade-test")
			if err != nil || login.User.Role != account.RoleEnterpriseAdmin || login.User.EnterpriseID == nil || *login.User.EnterpriseID != 1 {
				t.Fatalf("login as the fixture's enterprise admin: %+v, %v", login.User, err)
			}
			res, err := audit.Verify(ctx, gdb)
			if err != nil || !res.OK || res.Checked < 7 {
				t.Fatalf("audit chain after the upgrade: %+v, %v", res, err)
			}

			// Migrating again changes nothing; a binary that knows less
			// refuses and names both versions.
			if err := schema.Migrate(ctx, gdb); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			older := schema.Migrations()[:len(schema.Migrations())-1]
			err = db.Migrate(ctx, gdb, older)
			var tooNew db.ErrSchemaTooNew
			if !errors.As(err, &tooNew) || tooNew.Have != schema.Latest() || tooNew.Known != schema.Latest()-1 {
				t.Fatalf("older binary on the upgraded database = %v, want ErrSchemaTooNew", err)
			}
		})
	}
}
