package db

import (
	"context"
	"errors"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// deadlockTries is how many times a deadlock victim is run.
const deadlockTries = 3

// Transaction runs fn in one transaction on gdb. When MySQL chooses it as
// a deadlock victim (error 1213) it was rolled back whole, so it is run
// again, up to three times in all; any other error is returned as it is.
func Transaction(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	return RetryDeadlock(deadlockTries, func() error { return gdb.WithContext(ctx).Transaction(fn) })
}

// RetryDeadlock runs one statement or transaction, op, again while MySQL
// rolls it back as a deadlock victim, up to tries times in all.
func RetryDeadlock(tries int, op func() error) error {
	var err error
	for range max(tries, 1) {
		if err = op(); !IsDeadlock(err) {
			return err
		}
	}
	return err
}

// IsDeadlock reports whether err is MySQL's deadlock error (1213).
func IsDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
