package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// A hot path that writes one transaction of several statements (a batch
// of heartbeats) pays a round trip per statement, plus one to begin and
// one to commit: on a busy machine each costs the waits of both
// schedulers. On MySQL, Open therefore keeps a second, small pool whose
// connections may carry several statements in one request
// (CLIENT_MULTI_STATEMENTS), and Together sends a whole transaction, its
// commit included, in one round trip. The ordinary pool never accepts
// several statements at once, so nothing else can be made to run a second
// statement.
//
// A transaction that must not commit unless a statement changed a given
// number of rows (a batch replacing rows only where they still have the
// version read) checks it in SQL, right after that statement:
//
//	SELECT (SELECT 1 FROM (SELECT 1 UNION ALL SELECT 1) AS rows_differ WHERE ROW_COUNT() <> n)
//
// is one NULL when the previous statement changed n rows, and otherwise
// fails with "subquery returns more than one row" (error 1242), which
// ends the request there: the statements after it, the COMMIT among them,
// never run, and Together rolls back. Both MySQL and MariaDB behave so
// (MariaDB's DO would not do: it does not fail). No statement a caller
// sends has a subquery that may fail so.

// togetherPool is the second pool, kept as a GORM plugin of the database
// it belongs to.
type togetherPool struct{ db *sql.DB }

const togetherName = "anpei:together"

func (togetherPool) Name() string              { return togetherName }
func (togetherPool) Initialize(*gorm.DB) error { return nil }

// togetherConns is the most connections of the second pool: the batch
// writers that use it (see Batcher) are few.
const togetherConns = 4

// openTogether opens the second pool of the MySQL database mdsn (a DSN
// normalised by MySQLDSN) and attaches it to gdb. It connects lazily.
func openTogether(gdb *gorm.DB, mdsn string) error {
	cfg, err := gomysql.ParseDSN(mdsn)
	if err != nil {
		return err
	}
	cfg.MultiStatements = true
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(togetherConns)
	pool.SetMaxIdleConns(togetherConns)
	pool.SetConnMaxLifetime(mysqlConnLifetime)
	pool.SetConnMaxIdleTime(mysqlConnIdle)
	if err := gdb.Use(togetherPool{db: pool}); err != nil {
		pool.Close()
		return err
	}
	return nil
}

// closeTogether closes gdb's second pool, if it has one.
func closeTogether(gdb *gorm.DB) error {
	if p, ok := gdb.Config.Plugins[togetherName].(togetherPool); ok {
		return p.db.Close()
	}
	return nil
}

// CanSendTogether reports whether Together is available on gdb: MySQL
// opened by Open.
func CanSendTogether(gdb *gorm.DB) bool {
	_, ok := gdb.Config.Plugins[togetherName].(togetherPool)
	return ok
}

// Stmt is one SQL statement with its arguments and, when Rows is above
// zero, the number of rows it must change.
type Stmt struct {
	SQL  string
	Args []any
	Rows int64
}

// ErrNotTogether: gdb has no pool for statements sent together.
var ErrNotTogether = errors.New("db: statements cannot be sent together on this database")

// ErrRowsDiffer: a statement sent with Together changed another number of
// rows than its Rows; the transaction was rolled back.
var ErrRowsDiffer = errors.New("db: a statement changed another number of rows than required")

// errSubqueryRows is MySQL's "subquery returns more than 1 row".
const errSubqueryRows = 1242

// rowsDifferSQL fails when the previous statement did not change ? rows.
const rowsDifferSQL = "SELECT (SELECT 1 FROM (SELECT 1 UNION ALL SELECT 1) AS rows_differ WHERE ROW_COUNT() <> ?)"

// Together runs stmts as one transaction, committed in the same round
// trip, unless a statement changes another number of rows than its Rows
// (then nothing is written, and it returns ErrRowsDiffer) or fails. It
// returns ErrNotTogether, having sent nothing, when gdb has no pool for it
// or the driver cannot send the request in one piece (too long for its
// packet limit). Any other error is ambiguous: the server may have run the
// whole request, COMMIT included, before the connection failed (the
// request is on the server once sent), so a caller must be able to tell
// afterwards what was written, as it must after any failed commit. A
// connection whose transaction may be left open is discarded, never used
// again.
func Together(ctx context.Context, gdb *gorm.DB, stmts []Stmt) error {
	p, ok := gdb.Config.Plugins[togetherName].(togetherPool)
	if !ok {
		return ErrNotTogether
	}
	var q strings.Builder
	q.WriteString("START TRANSACTION")
	var args []any
	for _, s := range stmts {
		q.WriteString(";\n")
		q.WriteString(s.SQL)
		args = append(args, s.Args...)
		if s.Rows > 0 {
			q.WriteString(";\n" + rowsDifferSQL)
			args = append(args, s.Rows)
		}
	}
	q.WriteString(";\nCOMMIT")
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var result error
	err = conn.Raw(func(dc any) error {
		ex, ok1 := dc.(driver.ExecerContext)
		chk, ok2 := dc.(driver.NamedValueChecker)
		if !ok1 || !ok2 {
			return ErrNotTogether
		}
		nv := make([]driver.NamedValue, len(args))
		for i, a := range args {
			nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
			if err := chk.CheckNamedValue(&nv[i]); err != nil {
				return fmt.Errorf("db: argument %d: %w", i+1, err)
			}
		}
		_, err := ex.ExecContext(ctx, q.String(), nv)
		var me *gomysql.MySQLError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, driver.ErrSkip):
			// Nothing was sent: the driver would not interpolate the
			// request (over its packet limit).
			result = ErrNotTogether
			return nil
		case errors.As(err, &me) && me.Number == errSubqueryRows:
			// A check failed: the transaction is open, nothing after the
			// check ran.
			result = ErrRowsDiffer
			if _, err := ex.ExecContext(ctx, "ROLLBACK", nil); err != nil {
				return errors.Join(driver.ErrBadConn, err)
			}
			return nil
		default:
			// The transaction may be open: closing the connection ends it.
			return errors.Join(driver.ErrBadConn, err)
		}
	})
	if err != nil {
		return err
	}
	return result
}
