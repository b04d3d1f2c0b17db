package db_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/db/dbtest"
)

type tally struct {
	ID int
	N  int
}

// TestTogether: statements sent together are one transaction: committed
// when the check accepts what they changed, rolled back when it does not
// and when one of them fails half way; a connection that failed is not
// used again half way through its transaction. Only MySQL has the pool
// for it, and its ordinary pool still refuses two statements in one
// request.
func TestTogether(t *testing.T) {
	dbtest.Each(t, func(g *gorm.DB) error { return g.AutoMigrate(&tally{}) }, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		if gdb.Dialector.Name() != "mysql" {
			if db.CanSendTogether(gdb) {
				t.Fatal("SQLite claims a pool for statements sent together")
			}
			if err := db.Together(ctx, gdb, nil, nil); !errors.Is(err, db.ErrNotTogether) {
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
		insert := []db.Stmt{
			{SQL: "INSERT INTO tallies (id, n) VALUES (?, ?), (?, ?)", Args: []any{1, 10, 2, 20}},
			{SQL: "UPDATE tallies SET n = n + ? WHERE id = ?", Args: []any{uint(5), 1}},
		}
		var seen []int64
		if err := db.Together(ctx, gdb, insert, func(affected []int64) error { seen = affected; return nil }); err != nil {
			t.Fatal(err)
		}
		if rows, sum := count(); rows != 2 || sum != 35 || len(seen) != 2 || seen[0] != 2 || seen[1] != 1 {
			t.Fatalf("committed: %d rows, sum %d, affected %v; want 2 rows, 35, [2 1]", rows, sum, seen)
		}

		refused := errors.New("not what was expected")
		bump := []db.Stmt{{SQL: "UPDATE tallies SET n = n + 1"}, {SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{3, 30}}}
		if err := db.Together(ctx, gdb, bump, func([]int64) error { return refused }); !errors.Is(err, refused) {
			t.Fatalf("check refused: %v", err)
		}
		if rows, sum := count(); rows != 2 || sum != 35 {
			t.Fatalf("after a refused check: %d rows, sum %d; want nothing changed", rows, sum)
		}

		// The second statement fails (a duplicate key): the first is not
		// kept, and every connection of the pool is still outside any
		// transaction afterwards.
		broken := []db.Stmt{{SQL: "UPDATE tallies SET n = n + 100"}, {SQL: "INSERT INTO tallies (id, n) VALUES (?, ?)", Args: []any{1, 1}}}
		if err := db.Together(ctx, gdb, broken, func([]int64) error { return nil }); err == nil {
			t.Fatal("a failing statement went unnoticed")
		}
		for range 8 {
			if err := db.Together(ctx, gdb, []db.Stmt{{SQL: "UPDATE tallies SET n = n WHERE id = 0"}}, func([]int64) error { return refused }); !errors.Is(err, refused) {
				t.Fatal(err)
			}
		}
		if rows, sum := count(); rows != 2 || sum != 35 {
			t.Fatalf("after a failed statement: %d rows, sum %d; want nothing changed", rows, sum)
		}
	})
}
