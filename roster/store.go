package roster

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/fault"
	"anpei/pii"
)

// Store is the roster's storage and its use cases.
type Store struct {
	db   *gorm.DB
	keys *pii.Keyring
	now  func() time.Time
}

// NewStore returns a Store over db (migrated with AutoMigrate and
// audit.AutoMigrate) that seals ID numbers with keys, which must hold keys,
// and reads the time from now (time.Now when nil).
func NewStore(db *gorm.DB, keys *pii.Keyring, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, keys: keys, now: now}
}

// Page sizes of the list use cases.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Today returns today's date in the district (UTC+8), as midnight UTC: the
// form every date of the roster is stored in, and the "today" to pass to
// ValidatePersonInput.
func (s *Store) Today() time.Time {
	return civilDate(s.now().In(time.FixedZone("CST", 8*60*60)))
}

// civilDate returns t's calendar date, read in t's own location, as
// midnight UTC.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// civilDatePtr is civilDate for an optional date; nil and zero give nil.
func civilDatePtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	d := civilDate(*t)
	return &d
}

// write runs fn in one transaction and returns its error as a *fault.Error.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return asFault(s.db.WithContext(ctx).Transaction(fn))
}

// asFault passes *fault.Error values through and wraps anything else as an
// internal error.
func asFault(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fault.Wrap(err, "roster")
}

// record writes the audit entry of a change inside tx.
func record(tx *gorm.DB, p account.Principal, action, entity string, id uint, before, after any) error {
	if err := audit.Record(tx, p.Actor(), action, entity, strconv.FormatUint(uint64(id), 10), before, after); err != nil {
		return fault.Wrap(err, "roster: audit "+action+" "+entity)
	}
	return nil
}

func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(offset, 0)
}
