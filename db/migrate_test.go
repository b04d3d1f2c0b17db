package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/db/dbtest"
)

type widget struct {
	ID        uint
	Name      string `gorm:"size:100;uniqueIndex"`
	CreatedAt time.Time
}

func TestMigrateAppliesOnceAndRefusesNewer(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		calls := 0
		list := []db.Migration{
			{Version: 1, Name: "widgets", Up: func(tx *gorm.DB) error { calls++; return tx.AutoMigrate(&widget{}) }},
		}
		for i := 0; i < 2; i++ {
			if err := db.Migrate(ctx, gdb, list); err != nil {
				t.Fatalf("migrate run %d: %v", i, err)
			}
		}
		if calls != 1 {
			t.Fatalf("migration 1 ran %d times, want 1", calls)
		}
		if v, _ := db.Version(ctx, gdb); v != 1 {
			t.Fatalf("version = %d, want 1", v)
		}
		list = append(list, db.Migration{Version: 2, Name: "fails", Up: func(tx *gorm.DB) error { return errors.New("boom") }})
		if err := db.Migrate(ctx, gdb, list); err == nil {
			t.Fatal("failing migration did not return an error")
		}
		if v, _ := db.Version(ctx, gdb); v != 1 {
			t.Fatalf("version after failure = %d, want 1", v)
		}
		if err := gdb.Create(&db.SchemaMigration{Version: 9, Name: "future", AppliedAt: time.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		var tooNew db.ErrSchemaTooNew
		if err := db.Migrate(ctx, gdb, list[:1]); !errors.As(err, &tooNew) || tooNew.Have != 9 || tooNew.Known != 1 {
			t.Fatalf("migrate on newer schema = %v, want ErrSchemaTooNew{9,1}", err)
		}
		// The refusal names the version the database needs and the one the
		// binary knows, and it changes nothing.
		msg := db.Migrate(ctx, gdb, list[:1]).Error()
		for _, want := range []string{"数据库结构版本为 9", "只支持到版本 1", "schema is version 9", "up to version 1"} {
			if !contains(msg, want) {
				t.Errorf("refusal %q lacks %q", msg, want)
			}
		}
		if v, _ := db.Version(ctx, gdb); v != 9 {
			t.Fatalf("version after the refusal = %d, want 9", v)
		}
	})
}

func TestTranslateErrorAndUTC(t *testing.T) {
	dbtest.Each(t, func(g *gorm.DB) error { return g.AutoMigrate(&widget{}) }, func(t *testing.T, gdb *gorm.DB) {
		if err := gdb.Create(&widget{Name: "a"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := gdb.Create(&widget{Name: "a"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("duplicate insert = %v, want gorm.ErrDuplicatedKey", err)
		}
		var w widget
		if err := gdb.First(&w).Error; err != nil {
			t.Fatal(err)
		}
		if w.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt location = %v, want UTC", w.CreatedAt.Location())
		}
		if time.Since(w.CreatedAt) > time.Minute || time.Since(w.CreatedAt) < -time.Minute {
			t.Fatalf("CreatedAt = %v, far from now", w.CreatedAt)
		}
		if err := gdb.Where("name = ?", "zzz").First(&w).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Fatalf("missing row = %v, want ErrRecordNotFound", err)
		}
	})
}

func TestMySQLDSNNormalises(t *testing.T) {
	got, err := db.MySQLDSN("root@tcp(127.0.0.1:3306)/anpei?charset=latin1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"parseTime=true", "utf8mb4_unicode_ci", "time_zone=%27%2B00%3A00%27"} {
		if !contains(got, want) {
			t.Errorf("MySQLDSN = %q, missing %q", got, want)
		}
	}
	if contains(got, "latin1") {
		t.Errorf("MySQLDSN kept charset=latin1: %q", got)
	}
	if _, err := db.MySQLDSN("not a dsn"); err == nil {
		t.Error("MySQLDSN accepted garbage")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

type gadget struct {
	ID   uint
	Name string `gorm:"size:100"`
}

// TestFailedMigrationRollsBack: a migration that creates a table, writes a
// row and then fails leaves no trace on SQLite (DDL is transactional). On
// MySQL the DDL commits implicitly, so the table and the row written after
// it stay while the version is not recorded and the migration runs again:
// this is why MySQL migrations must be safe to re-run (see Migration).
func TestFailedMigrationRollsBack(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		fails := true
		list := []db.Migration{
			{Version: 1, Name: "widgets", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&widget{}) }},
			{Version: 2, Name: "gadgets", Up: func(tx *gorm.DB) error {
				if err := tx.AutoMigrate(&gadget{}); err != nil {
					return err
				}
				if err := tx.Create(&gadget{Name: "half"}).Error; err != nil {
					return err
				}
				if fails {
					return errors.New("boom")
				}
				return nil
			}},
		}
		if err := db.Migrate(ctx, gdb, list); err == nil || !contains(err.Error(), "migration 2 (gadgets): boom") {
			t.Fatalf("migrate = %v, want migration 2's failure", err)
		}
		if v, _ := db.Version(ctx, gdb); v != 0 && db.DialectOf(gdb) == db.SQLite {
			t.Fatalf("SQLite version after a failed run = %d, want 0 (the whole run is one transaction)", v)
		}
		if v, _ := db.Version(ctx, gdb); v > 1 {
			t.Fatalf("version after failure = %d, want at most 1", v)
		}
		hasTable := gdb.Migrator().HasTable(&gadget{})
		var n int64
		if hasTable {
			gdb.Model(&gadget{}).Count(&n)
		}
		if db.DialectOf(gdb) == db.SQLite {
			if hasTable {
				t.Fatal("SQLite kept the failed migration's table")
			}
		} else if !hasTable || n != 1 {
			// MySQL: CREATE TABLE committed the transaction, so the INSERT
			// after it ran in autocommit and survived the failure.
			t.Fatalf("MySQL after a failed DDL migration: table %v, %d rows; want the table and its row (DDL commits implicitly)", hasTable, n)
		}
		fails = false
		if err := db.Migrate(ctx, gdb, list); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		gdb.Model(&gadget{}).Count(&n)
		want := int64(1)
		if db.DialectOf(gdb) == db.MySQL {
			want = 2 // the re-run inserts again: data steps beside DDL must check before they write
		}
		if v, _ := db.Version(ctx, gdb); v != 2 || n != want {
			t.Fatalf("after the fixed run: version %d, %d gadgets; want 2 and %d", v, n, want)
		}
	})
}
