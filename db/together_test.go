package db_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/db/dbtest"
)

type tally struct {
	ID int
	N  int
}

// TestTogether: statements sent together are one transaction, committed
// in the same request: all written when every statement changed the rows
// it must; nothing written when one changed another number of rows, or
// failed half way; a connection that failed is not used again half way
// through its transaction. Only MySQL has the pool for it, and its
// ordinary pool still refuses two statements in one request.
func TestTogether(t *testing.T) {
	dbtest.Each(t, func(g *gorm.DB) error { return g.AutoMigrate(&tally{}) }, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		if gdb.Dialector.Name() != "mysql" {
			if db.CanSendTogether(gdb) {
				t.Fatal("SQLite claims a pool for statements sent together")
			}
			if err := db.Together(ctx, gdb, nil); !errors.Is(err, db.ErrNotTogether) {
				t.Fatalf("Together on SQLite: %v, want ErrNotTogether", err)
			}
			return
		}
		if !db.CanSendTogether(gdb) {
			t.Fatal("MySQL opened by Open has no pool for statements sent together")
		}
		if err := gdb.Exec("UPDATE tallies SET n = 1; UPDATE tallies SET n = 2").Error; err == nil {
			t.Fatal("the ordinary pool ran two statements sent in one request")
		}
		count := func() (rows, sum int) {
			t.Helper()
			var r struct{ C, S int }
			if err := gdb.Raw("SELECT COUNT(*) AS c, COALESCE(SUM(n), 0) AS s FROM tallies").Scan(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r.C, r.S
		}
		for _, tc := range []struct {
			name      string
			stmts     []db.Stmt
			want      error // nil, ErrRowsDiffer, or errAny
			rows, sum int   // afterwards
		}{
			{"written", []db.Stmt{
				{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?), (?, ?)", Args: []any{1, 10, 2, 20}, Rows: 2},
				{SQL: "UPDATE tallies SET n = n + ? WHERE id = ?", Args: []any{uint(5), 1}, Rows: 1},
			}, nil, 2, 35},
			{"the first statement changes too few rows", []db.Stmt{
				{SQL: "UPDATE tallies SET n = n + 1 WHERE id = 1", Rows: 2},
				{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{3, 30}},
			}, db.ErrRowsDiffer, 2, 35},
			{"the last statement changes too many rows", []db.Stmt{
				{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{3, 30}},
				{SQL: "UPDATE tallies SET n = n + 1", Rows: 2},
			}, db.ErrRowsDiffer, 2, 35},
			{"unchecked statements are not checked", []db.Stmt{
				{SQL: "UPDATE tallies SET n = n + 1 WHERE id = 2"},
				{SQL: "UPDATE tallies SET n = n - 1 WHERE id = 2"},
			}, nil, 2, 35},
			{"the second statement fails", []db.Stmt{
				{SQL: "UPDATE tallies SET n = n + 100"},
				{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{1, 1}}, // a duplicate key
			}, errAny, 2, 35},
		} {
			err := db.Together(ctx, gdb, tc.stmts)
			if tc.want == errAny && (err == nil || errors.Is(err, db.ErrRowsDiffer)) || tc.want != errAny && !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
			}
			if rows, sum := count(); rows != tc.rows || sum != tc.sum {
				t.Fatalf("%s: %d rows, sum %d afterwards; want %d, %d", tc.name, rows, sum, tc.rows, tc.sum)
			}
		}
		// Every connection of the pool is outside any transaction: a
		// transaction left open would be committed by the next one's
		// START TRANSACTION.
		for range 8 {
			if err := db.Together(ctx, gdb, []db.Stmt{{SQL: "UPDATE tallies SET n = n WHERE id = 0"}}); err != nil {
				t.Fatal(err)
			}
		}
		if rows, sum := count(); rows != 2 || sum != 35 {
			t.Fatalf("in the end: %d rows, sum %d; want 2, 35: a failed transaction was committed later", rows, sum)
		}
	})
}

// errAny stands for any error but ErrRowsDiffer.
var errAny = errors.New("any error")

// TestTogetherTooLong: a request the driver will not send in one piece
// (longer than its packet limit) is not sent: Together says so with
// ErrNotTogether, nothing is written, and the pool keeps working.
func TestTogetherTooLong(t *testing.T) {
	cfg, err := gomysql.ParseDSN(dbtest.NewMySQLDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxAllowedPacket = 4096
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, "mysql:"+cfg.FormatDSN(), "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	if err := gdb.AutoMigrate(&tally{}); err != nil {
		t.Fatal(err)
	}
	long := []db.Stmt{
		{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{1, 1}},
		{SQL: "INSERT INTO tallies (id, n) SELECT ?, LENGTH(?)", Args: []any{2, strings.Repeat("长", 3000)}},
	}
	if err := db.Together(ctx, gdb, long); !errors.Is(err, db.ErrNotTogether) {
		t.Fatalf("a request over the packet limit: %v, want ErrNotTogether", err)
	}
	if err := db.Together(ctx, gdb, long[:1]); err != nil {
		t.Fatalf("the next request: %v", err)
	}
	var n int64
	if err := gdb.Model(&tally{}).Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d rows, %v; want only the second request's", n, err)
	}
}
