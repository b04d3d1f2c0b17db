package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/media"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// ack is one acknowledged write: what it was and when it returned.
type ack struct {
	kind, key, value string
	at               time.Time
}

// TestBackupUnderLoad opens the app on each dialect, runs writers that
// insert enterprises (through the roster store, with their audit entries),
// audit entries and uploads as fast as they can, takes `anpei backup` while
// they write, and restores the archive with `anpei restore` into a fresh
// directory and database of each dialect. Every write acknowledged before
// the backup began must be there with its value; the restored ledger's
// hash chain must hold; every upload must match its checksum.
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	for _, from := range []string{"sqlite", "mysql"} {
		t.Run(from, func(t *testing.T) {
			ctx := context.Background()
			data, dsn := t.TempDir(), ""
			if from == "mysql" {
				dsn = "mysql:" + dbtest.NewMySQLDatabase(t)
			}
			a := openTestApp(t, data, dsn)
			acks, archive, began := writeWhileBackingUp(t, a, data, dsn)
			before := 0
			for _, k := range acks {
				if k.at.Before(began) {
					before++
				}
			}
			st, err := os.Stat(archive)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d writes acknowledged, %d of them before the backup began; archive %d bytes", from, len(acks), before, st.Size())
			if before < 50 {
				t.Fatalf("only %d writes acknowledged before the backup: the test proves nothing", before)
			}
			for _, to := range []string{"sqlite", "mysql"} {
				t.Run("to-"+to, func(t *testing.T) {
					rdata, rdsn := filepath.Join(t.TempDir(), "restored"), ""
					if to == "mysql" {
						rdsn = "mysql:" + dbtest.NewMySQLDatabase(t)
					}
					var out, errOut bytes.Buffer
					start := time.Now()
					if code := run(ctx, []string{"restore", archive, "--data", rdata, "--db", rdsn, "--log-level", "error"}, nil, &out, &errOut); code != 0 {
						t.Fatalf("anpei restore = %d\n%s%s", code, out.String(), errOut.String())
					}
					t.Logf("restore %s → %s in %v: %s", from, to, time.Since(start).Round(time.Millisecond), firstLine(out.String()))
					checkRestored(t, rdata, rdsn, acks, began)
					// The same target again: refused, nothing changed.
					out.Reset()
					errOut.Reset()
					if code := run(ctx, []string{"restore", archive, "--data", rdata, "--db", rdsn}, nil, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "不是空的") {
						t.Fatalf("restore into a non-empty target = %d, %s", code, errOut.String())
					}
				})
			}
		})
	}
}

func openTestApp(t *testing.T, data, dsn string) *app {
	t.Helper()
	var s settings
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	s.flags(fs)
	if err := fs.Parse([]string{"--data", data, "--db", dsn}); err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.close() })
	return a
}

// writeWhileBackingUp runs the writers, takes the backup half-way and
// returns every acknowledged write, the archive and when the backup began.
func writeWhileBackingUp(t *testing.T, a *app, data, dsn string) ([]ack, string, time.Time) {
	ctx := context.Background()
	var (
		stop   atomic.Bool
		wg     sync.WaitGroup
		mu     sync.Mutex
		acks   []ack
		errs   []string
		serial atomic.Int64
	)
	record := func(k ack, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err.Error())
			return false
		}
		k.at = time.Now()
		acks = append(acks, k)
		return true
	}
	sys := account.System()
	writers := []func(){
		func() { // enterprises through the roster store (each with its audit entry)
			n := serial.Add(1)
			name := fmt.Sprintf("备份测试企业%05d 😀", n)
			e, err := a.roster.CreateEnterprise(ctx, sys, roster.EnterpriseInput{
				Name: name, CreditCode: ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode(fmt.Sprintf("MB%06d", n))),
				TownCode: "530302101", IndustryCode: "hazchem", ContactName: "张三", ContactPhone: "13800000000",
			})
			record(ack{kind: "enterprise", key: fmt.Sprint(e.ID), value: name}, err)
		},
		func() { // plain audit entries
			n := serial.Add(1)
			err := a.db.Transaction(func(tx *gorm.DB) error {
				return audit.Record(tx, audit.Actor{Username: "load"}, "backup.test", "load", fmt.Sprint(n), nil, map[string]any{"n": n})
			})
			record(ack{kind: "audit", key: fmt.Sprint(n)}, err)
		},
		func() { // uploads
			n := serial.Add(1)
			img := image.NewRGBA(image.Rect(0, 0, 3, 3))
			img.Set(0, 0, color.RGBA{uint8(n), uint8(n >> 8), uint8(n >> 16), 255})
			var b bytes.Buffer
			png.Encode(&b, img)
			info, err := a.media.Put(ctx, &b, 1<<20, media.Image)
			record(ack{kind: "upload", key: info.SHA256}, err)
			time.Sleep(20 * time.Millisecond)
		},
	}
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := writers[i%len(writers)]
			for !stop.Load() {
				w()
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	archive := filepath.Join(t.TempDir(), "anpei-backup.tar.gz")
	var out, errOut bytes.Buffer
	began := time.Now()
	code := run(ctx, []string{"backup", "--out", archive, "--data", data, "--db", dsn, "--log-level", "error"}, nil, &out, &errOut)
	took := time.Since(began)
	time.Sleep(300 * time.Millisecond) // the writers go on after the backup
	stop.Store(true)
	wg.Wait()
	if code != 0 {
		t.Fatalf("anpei backup = %d\n%s%s", code, out.String(), errOut.String())
	}
	if len(errs) > 0 {
		t.Fatalf("%d writes failed under load, e.g. %s", len(errs), errs[0])
	}
	t.Logf("backup under load in %v: %s", took.Round(time.Millisecond), firstLine(out.String()))
	return acks, archive, began
}

// checkRestored finds every write acknowledged before began in the
// restored data, the audit chain whole and the uploads intact.
func checkRestored(t *testing.T, data, dsn string, acks []ack, began time.Time) {
	t.Helper()
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, dsn, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	type ent struct {
		ID   uint
		Name string
	}
	var ents []ent
	if err := gdb.Table("enterprises").Select("id, name").Find(&ents).Error; err != nil {
		t.Fatal(err)
	}
	enterprises := map[string]string{}
	for _, e := range ents {
		enterprises[fmt.Sprint(e.ID)] = e.Name
	}
	var ids []string
	if err := gdb.Table("audit_entries").Where("action = ?", "backup.test").Pluck("entity_id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	audited := map[string]bool{}
	for _, id := range ids {
		audited[id] = true
	}
	missing, after, afterPresent := 0, 0, 0
	for _, k := range acks {
		var present bool
		switch k.kind {
		case "enterprise":
			present = enterprises[k.key] == k.value
		case "audit":
			present = audited[k.key]
		case "upload":
			b, err := os.ReadFile(filepath.Join(data, "uploads", k.key[:2], k.key))
			sum := sha256.Sum256(b)
			present = err == nil && hex.EncodeToString(sum[:]) == k.key
		}
		if !k.at.Before(began) {
			after++
			if present {
				afterPresent++
			}
			continue
		}
		if !present {
			missing++
			if missing <= 5 {
				t.Errorf("%s %s (%s) acknowledged %v before the backup began is not in the restored data", k.kind, k.key, k.value, began.Sub(k.at))
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d acknowledged writes lost", missing)
	}
	res, err := audit.Verify(ctx, gdb)
	if err != nil || !res.OK {
		t.Fatalf("audit verify on the restored database: %+v, %v", res, err)
	}
	// Every upload in the restored directory matches its name.
	n := 0
	filepath.WalkDir(filepath.Join(data, "uploads"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != d.Name() {
				t.Errorf("restored upload %s does not match its checksum", p)
			}
			n++
		}
		return nil
	})
	t.Logf("all %d writes acknowledged before the backup are restored (%d enterprises, %d uploads in all); %d of %d acknowledged after it began are too; audit chain OK (%d entries)",
		len(acks)-after, len(ents), n, afterPresent, after, res.Checked)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestUpgradeFixtureOpensAsApp: the first landed schema's fixture (see
// schema/testdata) is upgraded by `anpei migrate` and then opens as the
// app: `anpei audit verify` passes on it, on both dialects.
func TestUpgradeFixtureOpensAsApp(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			data, dsn := t.TempDir(), ""
			keys, err := os.ReadFile(filepath.Join("schema", "testdata", "v1."+dialect+".pii-keys.json"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(data, pii.KeyFileName), keys, 0o600)
			if dialect == "sqlite" {
				b, err := os.ReadFile(filepath.Join("schema", "testdata", "v1.sqlite"))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(data, db.SQLiteFile), b, 0o640)
			} else {
				raw := dbtest.NewMySQLDatabase(t)
				loadSQLDump(t, raw, filepath.Join("schema", "testdata", "v1.mysql.sql"))
				dsn = "mysql:" + raw
			}
			for _, cmd := range [][]string{{"migrate"}, {"audit", "verify"}} {
				var out, errOut bytes.Buffer
				args := append(cmd, "--data", data, "--db", dsn, "--log-level", "error")
				if code := run(ctx, args, nil, &out, &errOut); code != 0 {
					t.Fatalf("anpei %s = %d\n%s%s", strings.Join(cmd, " "), code, out.String(), errOut.String())
				}
				t.Logf("anpei %s: %s", strings.Join(cmd, " "), firstLine(out.String()))
			}
			a := openTestApp(t, data, dsn)
			p, err := a.roster.Person(ctx, account.System(), 1)
			if err != nil || p.Name != "李四" {
				t.Fatalf("person 1 after the upgrade: %+v, %v", p, err)
			}
			if v, _ := db.Version(ctx, a.db); v != schema.Latest() {
				t.Fatalf("version %d, want %d", v, schema.Latest())
			}
		})
	}
}

// loadSQLDump runs a mysqldump file statement by statement.
func loadSQLDump(t *testing.T, dsn, path string) {
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
	conn.SetMaxOpenConns(1)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var stmt strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if stmt.Len() == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		stmt.WriteString(line + "\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			if _, err := conn.Exec(stmt.String()); err != nil {
				t.Fatalf("dump: %v\n%.300s", err, stmt.String())
			}
			stmt.Reset()
		}
	}
}
