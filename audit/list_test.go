package audit_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/audit"
	"anpei/db/dbtest"
)

var t0 = time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC)

// seedList writes ten entries an hour apart: seq i at t0+(i-1)h, actor 1 for
// odd seq and 2 for even, persons 1..5 each created then updated.
func seedList(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	for i := 1; i <= 10; i++ {
		at := t0.Add(time.Duration(i-1) * time.Hour)
		clocked := gdb.Session(&gorm.Session{NowFunc: func() time.Time { return at }})
		action := "create"
		if i > 5 {
			action = "update"
		}
		a := audit.Actor{UserID: uint(2 - i%2), Username: "u"}
		id := fmt.Sprint((i-1)%5 + 1)
		if err := audit.Record(clocked, a, action, "person", id, nil, map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := audit.Record(gdb, admin, "login", "user", "7", nil, nil); err != nil {
		t.Fatal(err)
	}
}

func seqs(es []audit.Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func TestList(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		seedList(t, gdb)
		tests := []struct {
			name  string
			f     audit.Filter
			seqs  []uint64
			total int64
		}{
			{"everything, newest first", audit.Filter{}, []uint64{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 11},
			{"one entity", audit.Filter{Entity: "person", EntityID: "3"}, []uint64{8, 3}, 2},
			{"entity id alone", audit.Filter{EntityID: "7"}, []uint64{11}, 1},
			{"action", audit.Filter{Action: "update", Entity: "person"}, []uint64{10, 9, 8, 7, 6}, 5},
			{"actor", audit.Filter{ActorID: 2}, []uint64{10, 8, 6, 4, 2}, 5},
			{"from inclusive, to exclusive", audit.Filter{From: t0.Add(2 * time.Hour), To: t0.Add(5 * time.Hour)}, []uint64{5, 4, 3}, 3},
			{"times in another zone", audit.Filter{From: t0.Add(2 * time.Hour).In(time.FixedZone("CST", 8*3600)), To: t0.Add(3 * time.Hour)}, []uint64{3}, 1},
			{"from only", audit.Filter{Entity: "person", From: t0.Add(8 * time.Hour)}, []uint64{10, 9}, 2},
			{"first page", audit.Filter{Entity: "person", Limit: 3}, []uint64{10, 9, 8}, 10},
			{"second page", audit.Filter{Entity: "person", Limit: 3, Offset: 3}, []uint64{7, 6, 5}, 10},
			{"past the end", audit.Filter{Limit: 3, Offset: 30}, []uint64{}, 11},
			{"negative paging means defaults", audit.Filter{Action: "create", Limit: -1, Offset: -5}, []uint64{5, 4, 3, 2, 1}, 5},
			{"limit over the cap", audit.Filter{Action: "login", Limit: 1 << 30}, []uint64{11}, 1},
			{"no match", audit.Filter{Entity: "course"}, []uint64{}, 0},
		}
		for _, tt := range tests {
			got, total, err := audit.List(context.Background(), gdb, tt.f)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if !slices.Equal(seqs(got), tt.seqs) || total != tt.total {
				t.Errorf("%s: seqs %v total %d, want %v total %d", tt.name, seqs(got), total, tt.seqs, tt.total)
			}
		}
		es, _, err := audit.List(context.Background(), gdb, audit.Filter{Entity: "person", EntityID: "1", Action: "create"})
		if err != nil || len(es) != 1 {
			t.Fatalf("list = %v, %v", es, err)
		}
		if e := es[0]; !e.At.Equal(t0) || e.ActorID != 1 || e.After != `{"i":1}` {
			t.Errorf("entry = %+v", e)
		}
	})
}

func TestListDefaultAndMaxLimit(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		const n = audit.MaxLimit + 5
		err := gdb.Transaction(func(tx *gorm.DB) error {
			for i := 0; i < n; i++ {
				if err := audit.Record(tx, admin, "import", "person", fmt.Sprint(i), nil, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ limit, want int }{{0, audit.DefaultLimit}, {n, audit.MaxLimit}} {
			es, total, err := audit.List(context.Background(), gdb, audit.Filter{Limit: tt.limit})
			if err != nil || len(es) != tt.want || total != n {
				t.Errorf("limit %d: %d entries of %d, %v; want %d of %d", tt.limit, len(es), total, err, tt.want, n)
			}
		}
		if res := mustVerify(t, gdb); !res.OK || res.Checked != n {
			t.Fatalf("verify = %+v, want OK with %d (more than one batch)", res, n)
		}
	})
}

func TestListReportsDatabaseErrors(t *testing.T) {
	dbtest.Each(t, audit.AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		exec(t, gdb, "DROP TABLE audit_entries")
		if _, _, err := audit.List(context.Background(), gdb, audit.Filter{}); err == nil || !strings.HasPrefix(err.Error(), "audit: ") {
			t.Fatalf("list without the table = %v, want an audit: error", err)
		}
	})
}
