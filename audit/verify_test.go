package audit_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"anpei/audit"
	"anpei/db/dbtest"
)

func exec(t *testing.T, gdb *gorm.DB, sql string, args ...any) {
	t.Helper()
	if err := gdb.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestVerifyFindsTampering edits a five-entry ledger behind Record's back,
// the way someone with database access would, and expects Verify to name
// the first entry that no longer fits.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, gdb *gorm.DB)
		seq     uint64
		checked int
		reason  string
	}{
		{"content edited", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_entries SET `after` = ? WHERE seq = 3", `{"n":300}`)
		}, 3, 2, "第 3 条记录的内容与其哈希不符，可能被篡改"},
		{"actor rewritten", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_entries SET actor_name = 'someone_else' WHERE seq = 1")
		}, 1, 0, "第 1 条记录的内容与其哈希不符，可能被篡改"},
		{"middle entry deleted", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_entries WHERE seq = 3")
		}, 3, 2, "缺少第 3 条记录（序号不连续）"},
		{"two entries deleted", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_entries WHERE seq IN (2, 3)")
		}, 2, 1, "缺少第 2 至第 3 条记录（序号不连续）"},
		{"first entry deleted", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_entries WHERE seq = 1")
		}, 1, 0, "缺少第 1 条记录（序号不连续）"},
		{"entry deleted and renumbered", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_entries WHERE seq = 3")
			exec(t, gdb, "UPDATE audit_entries SET seq = seq - 1 WHERE seq > 3")
			exec(t, gdb, "UPDATE audit_heads SET seq = 4")
		}, 3, 2, "第 3 条记录的前序哈希与第 2 条不符"},
		{"link broken", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_entries SET prev_hash = hash WHERE seq = 4")
		}, 4, 3, "第 4 条记录的前序哈希与第 3 条不符"},
		{"last entry deleted", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_entries WHERE seq = 5")
		}, 5, 4, "缺少第 5 条记录（链头记到第 5 条）"},
		{"head hash changed", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_heads SET hash = ?", strings.Repeat("0", 64))
		}, 5, 5, "链头哈希与第 5 条记录不符，链头可能被篡改"},
		{"head moved back", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_heads SET seq = 4, hash = (SELECT hash FROM audit_entries WHERE seq = 4)")
		}, 5, 4, "第 5 条及之后的记录超出链头记载的范围（链头只记到第 4 条），可能是伪造的，或链头被篡改"},
		{"entry forged past the head", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "INSERT INTO audit_entries (seq, at, actor_id, actor_name, ip, action, entity, entity_id, `before`, `after`, prev_hash, hash) "+
				"SELECT 6, at, actor_id, actor_name, ip, action, entity, entity_id, `before`, `after`, hash, hash FROM audit_entries WHERE seq = 5")
		}, 6, 5, "第 6 条及之后的记录超出链头记载的范围（链头只记到第 5 条），可能是伪造的，或链头被篡改"},
		{"entry forged at seq 0", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "UPDATE audit_entries SET seq = 0 WHERE seq = 5")
			exec(t, gdb, "UPDATE audit_heads SET seq = 4, hash = (SELECT hash FROM audit_entries WHERE seq = 4)")
		}, 0, 4, "存在序号为 0 的记录，可能是伪造的"},
		{"head deleted", func(t *testing.T, gdb *gorm.DB) {
			exec(t, gdb, "DELETE FROM audit_heads")
		}, 0, 0, "链头记录缺失，无法确认账本是否完整"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
				record(t, gdb, 5)
				tt.tamper(t, gdb)
				want := audit.VerifyResult{Checked: tt.checked, BrokenSeq: tt.seq, Reason: tt.reason}
				if got := mustVerify(t, gdb); got != want {
					t.Fatalf("verify =\n %+v\nwant\n %+v", got, want)
				}
			})
		})
	}
}

func TestVerifyEmptyLedgerWithForgedHead(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		exec(t, gdb, "UPDATE audit_heads SET hash = 'x'")
		want := audit.VerifyResult{Reason: "账本为空但链头哈希不为空，链头可能被篡改"}
		if got := mustVerify(t, gdb); got != want {
			t.Fatalf("verify = %+v, want %+v", got, want)
		}
	})
}

// TestVerifyAcrossBatches checks that keyset paging neither skips nor
// repeats entries, and that a problem on a batch boundary is still found.
func TestVerifyAcrossBatches(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		record(t, gdb, 7)
		for _, batch := range []int{1, 2, 3, 7, 100} {
			res, err := audit.VerifyBatch(ctx, gdb, batch)
			if err != nil || !res.OK || res.Checked != 7 {
				t.Fatalf("batch %d: verify = %+v, %v; want OK with 7", batch, res, err)
			}
		}
		exec(t, gdb, "DELETE FROM audit_entries WHERE seq = 5")
		for _, batch := range []int{2, 4} {
			res, err := audit.VerifyBatch(ctx, gdb, batch)
			if err != nil || res.OK || res.BrokenSeq != 5 || res.Checked != 4 {
				t.Fatalf("batch %d: verify = %+v, %v; want broken at 5 after 4", batch, res, err)
			}
		}
	})
}

func TestVerifyReportsDatabaseErrors(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := audit.Verify(ctx, gdb); err == nil || !strings.HasPrefix(err.Error(), "audit: ") {
			t.Fatalf("verify with cancelled ctx = %v, want an audit: error", err)
		}
		exec(t, gdb, "DROP TABLE audit_entries")
		if _, err := audit.Verify(context.Background(), gdb); err == nil {
			t.Fatal("verify without the entries table returned no error")
		}
	})
}
