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
