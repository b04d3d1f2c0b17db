package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// sqliteErr stands for the SQLite driver's error type, which has a Code.
type sqliteErr int

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteErr) Code() int     { return int(e) }

func TestUnreachable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"dial refused", refused, true},
		{"dial refused, wrapped twice", fmt.Errorf("course: %w", fmt.Errorf("read: %w", refused)), true},
		{"write to the database reset", &net.OpError{Op: "write", Net: "tcp", Err: &os.SyscallError{Syscall: "write", Err: syscall.ECONNRESET}}, true},
		{"broken pipe writing to the database", fmt.Errorf("x: %w", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), true},
		{"request body read past its deadline", fmt.Errorf("media: receive upload: %w", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), false},
		{"request body reset by the client", &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, false},
		{"a bare errno, origin unknown", fmt.Errorf("x: %w", syscall.ECONNRESET), false},
		{"read-only server", &gomysql.MySQLError{Number: 1290, Message: "The MariaDB server is running with the --read-only option"}, true},
		{"too many connections for the user", &gomysql.MySQLError{Number: 1203, Message: "User root already has more than 'max_user_connections'"}, true},
		{"driver bad connection", driver.ErrBadConn, true},
		{"mysql invalid connection", fmt.Errorf("x: %w", gomysql.ErrInvalidConn), true},
		{"server shutdown in progress", &gomysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"}, true},
		{"too many connections", &gomysql.MySQLError{Number: 1040, Message: "Too many connections"}, true},
		{"connection killed", &gomysql.MySQLError{Number: 1927, Message: "Connection was killed"}, true},
		{"duplicate key", &gomysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, false},
		{"deadlock", &gomysql.MySQLError{Number: 1213, Message: "Deadlock found"}, false},
		{"syntax error", &gomysql.MySQLError{Number: 1064, Message: "You have an error"}, false},
		{"sqlite busy", sqliteErr(5), true},
		{"sqlite busy snapshot (extended code)", sqliteErr(517), true},
		{"sqlite constraint", sqliteErr(19), false},
		{"record not found", gorm.ErrRecordNotFound, false},
		{"context canceled", context.Canceled, false},
		{"plain error", errors.New("boom"), false},
	} {
		if got := Unreachable(c.err); got != c.want {
			t.Errorf("%s: Unreachable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestUnreachableSQLiteBusy checks the SQLite driver's own error: a writer
// that waits out the busy timeout behind another is an outage for now.
func TestUnreachableSQLiteBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		d, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(50)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	a, b := open(), open()
	if _, err := a.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	holder, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Exec("INSERT INTO t VALUES (2)")
	if err == nil {
		t.Fatal("a second writer got through while the first held the lock")
	}
	if !Unreachable(err) {
		t.Errorf("Unreachable(%T %v) = false, want true", err, err)
	}
	var coded interface{ Code() int }
	if !errors.As(err, &coded) || coded.Code()&0xff != sqliteBusy {
		t.Errorf("the driver's error %T %v has no SQLITE_BUSY code", err, err)
	}
}
