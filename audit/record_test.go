package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/audit"
	"anpei/db"
	"anpei/db/dbtest"
)

var admin = audit.Actor{UserID: 7, Username: "admin", IP: "192.0.2.10"}

// record appends n entries, each in its own transaction.
func record(t *testing.T, gdb *gorm.DB, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(tx, admin, "update", "person", fmt.Sprint(i), map[string]any{"n": i - 1}, map[string]any{"n": i})
		})
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}

func mustVerify(t *testing.T, gdb *gorm.DB) audit.VerifyResult {
	t.Helper()
	res, err := audit.Verify(context.Background(), gdb)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return res
}

func all(t *testing.T, gdb *gorm.DB) []audit.Entry {
	t.Helper()
	var es []audit.Entry
	if err := gdb.Order("seq").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

func TestRecordAppendsAndVerifies(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		if err := audit.AutoMigrate(gdb); err != nil {
			t.Fatalf("second AutoMigrate: %v", err)
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != 0 {
			t.Fatalf("empty ledger: %+v, want OK with 0 checked", res)
		}
		start := time.Now().UTC()
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(tx, admin, "create", "person", "1001", nil,
				map[string]any{"name": "张三", "id_number": "110101199003077777"})
		})
		if err != nil {
			t.Fatal(err)
		}
		record(t, gdb, 4)

		es := all(t, gdb)
		if len(es) != 5 {
			t.Fatalf("%d entries, want 5", len(es))
		}
		e := es[0]
		if e.Seq != 1 || e.PrevHash != "" || len(e.Hash) != 64 {
			t.Errorf("first entry seq=%d prev=%q hash=%q, want seq 1, empty prev, 64 hex digits", e.Seq, e.PrevHash, e.Hash)
		}
		if e.ActorID != 7 || e.ActorName != "admin" || e.IP != "192.0.2.10" || e.Action != "create" || e.Entity != "person" || e.EntityID != "1001" {
			t.Errorf("first entry = %+v", e)
		}
		if e.Before != "" || e.After != `{"id_number":"[redacted]","name":"张三"}` {
			t.Errorf("before=%q after=%q", e.Before, e.After)
		}
		if e.At.Location() != time.UTC || e.At.Nanosecond()%1000 != 0 {
			t.Errorf("At = %v, want UTC with microsecond precision", e.At)
		}
		if e.At.Before(start.Add(-time.Second)) || e.At.After(time.Now().Add(time.Second)) {
			t.Errorf("At = %v, not now", e.At)
		}
		for i := 1; i < len(es); i++ {
			if es[i].Seq != uint64(i+1) || es[i].PrevHash != es[i-1].Hash {
				t.Errorf("entry %d: seq %d prev %s, want seq %d prev %s", i, es[i].Seq, es[i].PrevHash, i+1, es[i-1].Hash)
			}
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != 5 {
			t.Fatalf("verify = %+v, want OK with 5 checked", res)
		}
	})
}

func TestRecordKeepsMicrosecondsAcrossRoundTrip(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		at := time.Date(2025, 6, 30, 23, 59, 59, 987654321, time.FixedZone("CST", 8*3600))
		clocked := gdb.Session(&gorm.Session{NowFunc: func() time.Time { return at }})
		if err := audit.Record(clocked, admin, "login", "user", "7", nil, nil); err != nil {
			t.Fatal(err)
		}
		es := all(t, gdb)
		if want := at.UTC().Truncate(time.Microsecond); !es[0].At.Equal(want) {
			t.Fatalf("At = %v, want %v", es[0].At, want)
		}
		if res := mustVerify(t, gdb); !res.OK {
			t.Fatalf("verify = %+v", res)
		}
	})
}

func TestRecordClipsShortFields(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		long := strings.Repeat("名", 70)
		a := audit.Actor{UserID: 1, Username: long, IP: "\xff" + long}
		if err := audit.Record(gdb, a, "import", long, long, nil, nil); err != nil {
			t.Fatal(err)
		}
		// Spaces at the ends and characters outside the BMP survive both
		// dialects, so the hash still matches.
		odd := audit.Actor{UserID: 2, Username: " 张 三  ", IP: "::1 "}
		if err := audit.Record(gdb, odd, "update", "note", "😀", nil, map[string]string{"text": "a\x00b  "}); err != nil {
			t.Fatal(err)
		}
		e := all(t, gdb)[0]
		want := strings.Repeat("名", 64)
		if e.ActorName != want || e.Entity != want || e.EntityID != want || e.IP != "\uFFFD"+strings.Repeat("名", 63) {
			t.Errorf("entry = %+v, want fields cut to 64 characters", e)
		}
		if e := all(t, gdb)[1]; e.ActorName != odd.Username || e.IP != odd.IP || e.EntityID != "😀" {
			t.Errorf("entry = %+v, want the odd fields unchanged", e)
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != 2 {
			t.Fatalf("verify = %+v", res)
		}
	})
}

func TestRecordRolledBackLeavesNoTrace(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		record(t, gdb, 2)
		before := all(t, gdb)
		boom := errors.New("boom")
		err := gdb.Transaction(func(tx *gorm.DB) error {
			if err := audit.Record(tx, admin, "delete", "person", "9", map[string]any{"n": 9}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("transaction = %v, want boom", err)
		}
		if got := all(t, gdb); len(got) != len(before) {
			t.Fatalf("%d entries after rollback, want %d", len(got), len(before))
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != 2 {
			t.Fatalf("verify after rollback = %+v, want OK with 2", res)
		}
		// The next append takes the rolled-back entry's number: no gap.
		record(t, gdb, 1)
		es := all(t, gdb)
		if es[2].Seq != 3 || es[2].PrevHash != before[1].Hash {
			t.Fatalf("entry after rollback: seq %d prev %s, want 3 and %s", es[2].Seq, es[2].PrevHash, before[1].Hash)
		}
	})
}

func TestRecordOutsideTransactionOpensOne(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		for i := 0; i < 3; i++ {
			if err := audit.Record(gdb.Where("1 = 0"), admin, "login_failed", "user", "", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != 3 {
			t.Fatalf("verify = %+v, want OK with 3", res)
		}
	})
}

func TestRecordErrors(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		for name, call := range map[string]func() error{
			"empty action": func() error { return audit.Record(gdb, admin, "", "person", "1", nil, nil) },
			"unmarshalable": func() error {
				return audit.Record(gdb, admin, "update", "person", "1", nil, map[string]any{"c": make(chan int)})
			},
		} {
			if err := call(); err == nil || !strings.HasPrefix(err.Error(), "audit: ") {
				t.Errorf("%s: Record = %v, want an audit: error", name, err)
			}
		}
		if err := gdb.Exec("DELETE FROM audit_heads").Error; err != nil {
			t.Fatal(err)
		}
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Record(tx, admin, "create", "person", "1", nil, nil)
		})
		if err == nil || !strings.Contains(err.Error(), "AutoMigrate") {
			t.Fatalf("Record without a head = %v, want an error naming AutoMigrate", err)
		}
		if n := len(all(t, gdb)); n != 0 {
			t.Fatalf("%d entries written without a head", n)
		}
		if err := audit.AutoMigrate(gdb); err != nil {
			t.Fatal(err)
		}
		record(t, gdb, 1)
	})
}

// TestRecordConcurrent appends from 40 transactions at once while Verify
// runs alongside: the chain must come out whole, numbered 1..40.
func TestRecordConcurrent(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		appendConcurrently(t, gdb, false)
	})
}

// TestRecordConcurrentAfterRead is the usual store shape: each transaction
// reads (the state before its change) and then records. On InnoDB the read
// gives it a snapshot older than the head it must chain to. On SQLite it
// only works when transactions begin IMMEDIATE; a deferred transaction
// that has read cannot wait for the write lock and fails with SQLITE_BUSY.
func TestRecordConcurrentAfterRead(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		if db.DialectOf(gdb) == db.SQLite && !beginsImmediate(t, gdb) {
			t.Skip("SQLite transactions begin DEFERRED although db.Open asks for _txlock=immediate " +
				"(glebarez/go-sqlite v1.21.2 ignores _txlock when _time_format is set): " +
				"read-then-write transactions fail with SQLITE_BUSY under concurrency")
		}
		appendConcurrently(t, gdb, true)
	})
}

func appendConcurrently(t *testing.T, gdb *gorm.DB, readFirst bool) {
	const writers = 40
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var seen int64
				if readFirst {
					if err := tx.Model(&audit.Entry{}).Count(&seen).Error; err != nil {
						return err
					}
				}
				a := audit.Actor{UserID: uint(i + 1), Username: fmt.Sprint("u", i), IP: "198.51.100.1"}
				return audit.Record(tx, a, "update", "course", fmt.Sprint(i), map[string]any{"seen": seen}, map[string]any{"i": i})
			})
		}()
	}
	done := make(chan struct{})
	verified := make(chan error, 1)
	go func() {
		for {
			res, err := audit.Verify(ctx, gdb)
			if err == nil && !res.OK {
				err = fmt.Errorf("verify during appends: %+v", res)
			}
			if err != nil {
				verified <- err
				return
			}
			select {
			case <-done:
				verified <- nil
				return
			default:
			}
		}
	}()
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("writer: %v", err)
		}
	}
	if err := <-verified; err != nil {
		t.Error(err)
	}
	es := all(t, gdb)
	if len(es) != writers {
		t.Fatalf("%d entries, want %d", len(es), writers)
	}
	actors := map[uint]bool{}
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		actors[e.ActorID] = true
	}
	if len(actors) != writers {
		t.Errorf("%d distinct actors, want %d", len(actors), writers)
	}
	if res := mustVerify(t, gdb); !res.OK || res.Checked != writers {
		t.Fatalf("verify = %+v, want OK with %d", res, writers)
	}
}

// beginsImmediate reports whether a transaction on gdb takes SQLite's write
// lock at BEGIN: while one is open, a second connection that will not wait
// must fail to write.
func beginsImmediate(t *testing.T, gdb *gorm.DB) bool {
	t.Helper()
	var file struct {
		Seq  int
		Name string
		File string
	}
	if err := gdb.Raw("PRAGMA database_list").Scan(&file).Error; err != nil || file.File == "" {
		t.Fatalf("find the SQLite file: %v", err)
	}
	other, err := sql.Open("sqlite", "file:"+file.File+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx := gdb.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	_, err = other.Exec("UPDATE audit_heads SET seq = seq")
	return err != nil
}
