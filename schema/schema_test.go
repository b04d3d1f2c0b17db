package schema_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/db/dbtest"
	"anpei/schema"
)

func TestMigrateFreshAndAgain(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if err := schema.Migrate(ctx, gdb); err != nil {
				t.Fatalf("migrate run %d: %v", i+1, err)
			}
		}
		v, err := db.Version(ctx, gdb)
		if err != nil || v != schema.Latest() {
			t.Fatalf("version = %d, %v; want %d", v, err, schema.Latest())
		}
		for _, table := range []string{"users", "sessions", "audit_entries", "audit_heads", "enterprises", "people"} {
			if !gdb.Migrator().HasTable(table) {
				t.Errorf("table %s missing after migration", table)
			}
		}
	})
}

// TestConcurrentStartsMigrateOnce: two servers starting at once against
// one fresh database both come up, and the schema is complete.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			dsn, dir := "", t.TempDir()
			if dialect == "mysql" {
				dsn = "mysql:" + dbtest.NewMySQLDatabase(t)
			}
			errs := make(chan error, 2)
			for i := 0; i < 2; i++ {
				go func() {
					gdb, _, err := db.Open(context.Background(), dsn, dir, nil)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close(gdb)
					errs <- schema.Migrate(context.Background(), gdb)
				}()
			}
			for i := 0; i < 2; i++ {
				if err := <-errs; err != nil {
					t.Errorf("start %d: %v", i+1, err)
				}
			}
		})
	}
}
