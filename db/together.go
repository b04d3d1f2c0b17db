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
// (CLIENT_MULTI_STATEMENTS), and Together sends a transaction's statements
// in one round trip and its commit in another. The ordinary pool never
// accepts several statements at once, so nothing else can be made to run
// a second statement.

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

// Stmt is one SQL statement with its arguments.
type Stmt struct {
	SQL  string
	Args []any
}

// ErrNotTogether: gdb has no pool for statements sent together.
var ErrNotTogether = errors.New("db: statements cannot be sent together on this database")

// Together runs stmts as one transaction in one round trip and, if check
// accepts what each statement changed (rows affected, in order), commits
// it in a second; otherwise it rolls back and returns check's error. Any
// other failure also leaves nothing written, except a failed commit, which
// is ambiguous, as always. A connection that failed is discarded, never
// reused half way through a transaction.
func Together(ctx context.Context, gdb *gorm.DB, stmts []Stmt, check func(affected []int64) error) error {
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
	}
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
		r, err := ex.ExecContext(ctx, q.String(), nv)
		if err != nil {
			// The transaction may be open: closing the connection ends it.
			return errors.Join(driver.ErrBadConn, err)
		}
		mr, ok := r.(gomysql.Result)
		if !ok {
			return errors.Join(driver.ErrBadConn, ErrNotTogether)
		}
		affected := mr.AllRowsAffected()
		if len(affected) != len(stmts)+1 {
			return errors.Join(driver.ErrBadConn, fmt.Errorf("db: %d results for %d statements", len(affected), len(stmts)+1))
		}
		if result = check(affected[1:]); result != nil {
			if _, err := ex.ExecContext(ctx, "ROLLBACK", nil); err != nil {
				return errors.Join(driver.ErrBadConn, err)
			}
			return nil
		}
		if _, err := ex.ExecContext(ctx, "COMMIT", nil); err != nil {
			return errors.Join(driver.ErrBadConn, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
}
