package db

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Migration is one numbered, forward-only schema change: there are no down
// migrations, a released entry is never edited, and a database is only ever
// moved to a higher version.
//
// Up runs inside a transaction together with the schema_migrations row that
// records it, where the dialect allows:
//
//   - SQLite's DDL is transactional. The whole run is one immediate
//     transaction and each migration a savepoint in it, so a failing
//     migration leaves the database at the version before it, schema and
//     data alike.
//   - MySQL and MariaDB commit every DDL statement implicitly (CREATE,
//     ALTER, DROP end the transaction they run in), so only a migration's
//     data changes and its schema_migrations row are transactional. A
//     migration that fails half-way may leave some DDL applied without
//     its row; it runs again on the next start, so each MySQL migration
//     must be safe to re-run (AutoMigrate is; hand-written DDL checks
//     before it changes). GET_LOCK keeps two servers from migrating at
//     once.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// SchemaMigration records one applied migration.
type SchemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:200;not null"`
	AppliedAt time.Time `gorm:"not null"`
}

// ErrSchemaTooNew is returned when the database was migrated by a newer binary.
type ErrSchemaTooNew struct{ Have, Known int }

func (e ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("数据库结构版本为 %d，本程序只支持到版本 %d，拒绝启动：请使用支持结构版本 %d 的新版 anpei（数据库不会被降级） / "+
		"database schema is version %d but this binary knows only up to version %d: run an anpei that knows schema version %d",
		e.Have, e.Known, e.Have, e.Have, e.Known, e.Have)
}

// Migrate applies the migrations not yet recorded in schema_migrations, in
// version order. It returns ErrSchemaTooNew when the database is ahead of
// the list, and the first failing migration's error otherwise.
func Migrate(ctx context.Context, gdb *gorm.DB, list []Migration) error {
	gdb = gdb.WithContext(ctx)
	if DialectOf(gdb) != MySQL {
		// SQLite's DDL is transactional: one immediate transaction around
		// the whole run makes a second process (a command started beside
		// the server) wait for the first and then find the work done.
		return gdb.Transaction(func(tx *gorm.DB) error { return migrate(tx, list) })
	}
	// Several app servers may start at once against one MySQL database: a
	// named lock, held on one pinned connection, lets one of them migrate
	// while the others wait and then find the work done.
	return gdb.Connection(func(conn *gorm.DB) error {
		var got *int
		if err := conn.Raw("SELECT GET_LOCK('anpei_migrate', 120)").Scan(&got).Error; err != nil {
			return fmt.Errorf("db: take the migration lock: %w", err)
		}
		if got == nil || *got != 1 {
			return errors.New("db: another anpei is migrating this database and did not finish within 120 s")
		}
		defer conn.Exec("SELECT RELEASE_LOCK('anpei_migrate')")
		return migrate(conn.Session(&gorm.Session{NewDB: true}), list)
	})
}

func migrate(gdb *gorm.DB, list []Migration) error {
	ctx := gdb.Statement.Context
	if err := gdb.AutoMigrate(&SchemaMigration{}); err != nil {
		return fmt.Errorf("db: create schema_migrations: %w", err)
	}
	sorted := append([]Migration(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Version < sorted[j].Version })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Version == sorted[i-1].Version {
			return fmt.Errorf("db: migration version %d used twice", sorted[i].Version)
		}
	}
	known := 0
	if len(sorted) > 0 {
		known = sorted[len(sorted)-1].Version
	}
	have, err := Version(ctx, gdb)
	if err != nil {
		return err
	}
	if have > known {
		return ErrSchemaTooNew{Have: have, Known: known}
	}
	var done []SchemaMigration
	if err := gdb.Find(&done).Error; err != nil {
		return fmt.Errorf("db: read schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, m := range done {
		applied[m.Version] = true
	}
	for _, m := range sorted {
		if applied[m.Version] {
			continue
		}
		err := gdb.Transaction(func(tx *gorm.DB) error {
			if err := m.Up(tx); err != nil {
				return err
			}
			return tx.Create(&SchemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("db: migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// Version returns the highest applied migration, 0 for a new database.
func Version(ctx context.Context, gdb *gorm.DB) (int, error) {
	var v *int
	if err := gdb.WithContext(ctx).Model(&SchemaMigration{}).Select("MAX(version)").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("db: read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}
