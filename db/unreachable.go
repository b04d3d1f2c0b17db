package db

import (
	"database/sql/driver"
	"errors"
	"net"

	gomysql "github.com/go-sql-driver/mysql"
)

// MySQL server errors that say the server is going away or refuses new
// work for now, not that the statement was wrong.
var unavailableNumbers = map[uint16]bool{
	1040: true, // ER_CON_COUNT_ERROR: too many connections
	1047: true, // ER_UNKNOWN_COM_ERROR: a Galera node not yet ready for use
	1053: true, // ER_SERVER_SHUTDOWN: server shutdown in progress
	1203: true, // ER_TOO_MANY_USER_CONNECTIONS
	1290: true, // ER_OPTION_PREVENTS_STATEMENT: read-only during failover or maintenance
	1836: true, // ER_READ_ONLY_MODE
	1927: true, // ER_CONNECTION_KILLED
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY: the database
// file stayed locked by another writer for longer than the busy timeout.
const sqliteBusy = 5

// Unreachable reports whether err says that the database could not be
// reached or is not answering for now: the server is down, restarting,
// read-only or overloaded, the connection to it broke, or (SQLite) the
// file stayed locked past the busy timeout. Such a failure is not the request's fault
// and usually passes; the HTTP layer answers it with 503 and Retry-After
// instead of 500. An error of the statement itself (a syntax error, a
// duplicate key, a deadlock) is not one.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return unavailableNumbers[me.Number]
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteBusy {
		return true
	}
	// The MySQL driver reports a failed read of a connection as
	// ErrInvalidConn and a failed dial or write as the network's error. A
	// failed read of the network otherwise is the request's own body (a
	// client gone, an upload past its deadline), not the database.
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "write")
}
