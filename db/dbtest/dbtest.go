// Package dbtest gives every test a fresh database: always SQLite in a
// temporary directory, and MySQL too when ANPEI_TEST_MYSQL_DSN is set (each
// test gets its own database, dropped afterwards). With
// ANPEI_TEST_REQUIRE_ALL=1 a missing MySQL DSN fails the test instead of
// skipping it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"anpei/db"
)

// Setup prepares a fresh database (usually: run migrations).
type Setup func(gdb *gorm.DB) error

// Each runs fn once per available dialect as a subtest named after it.
func Each(t *testing.T, setup Setup, fn func(t *testing.T, gdb *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, setup)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t, setup)) })
}

// SQLite returns a migrated SQLite database in t.TempDir().
func SQLite(t testing.TB, setup Setup) *gorm.DB {
	t.Helper()
	gdb, _, err := db.Open(context.Background(), "", t.TempDir(), quiet())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if setup != nil {
		if err := setup(gdb); err != nil {
			t.Fatalf("set up sqlite: %v", err)
		}
	}
	return gdb
}

// MySQLDSN returns the test server's DSN, skipping (or failing, under
// ANPEI_TEST_REQUIRE_ALL=1) when none is configured.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("ANPEI_TEST_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("ANPEI_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("ANPEI_TEST_MYSQL_DSN is not set but ANPEI_TEST_REQUIRE_ALL=1: the MySQL suite is mandatory")
		}
		t.Skip("ANPEI_TEST_MYSQL_DSN not set: MySQL suite skipped")
	}
	return dsn
}

// NewMySQLDatabase creates an empty database on the test server and returns
// a DSN for it (without the "mysql:" prefix); it is dropped when t ends.
func NewMySQLDatabase(t testing.TB) string {
	t.Helper()
	cfg, err := gomysql.ParseDSN(MySQLDSN(t))
	if err != nil {
		t.Fatalf("ANPEI_TEST_MYSQL_DSN: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "anpei_t_" + hex.EncodeToString(b[:])
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		admin.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// MySQL returns a migrated database of its own on the test MySQL server.
func MySQL(t testing.TB, setup Setup) *gorm.DB {
	t.Helper()
	dsn := NewMySQLDatabase(t)
	gdb, _, err := db.Open(context.Background(), "mysql:"+dsn, "", quiet())
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if setup != nil {
		if err := setup(gdb); err != nil {
			t.Fatalf("set up mysql: %v", err)
		}
	}
	return gdb
}

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
