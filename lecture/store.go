package lecture

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/audit"
	"anpei/course"
	"anpei/db"
	"anpei/fault"
	"anpei/hours"
	"anpei/notify"
	"anpei/roster"
)

// Person is what the lecture store needs to know about a viewer from the
// roster: who they are for the audience, and for the attendance report.
type Person struct {
	ID             uint
	Name           string
	EnterpriseID   uint
	EnterpriseName string
	Categories     roster.Category
	Industry       string
	IDMasked       string // never the full number
}

// Account is a learner account: whom a reminder goes to.
type Account struct {
	UserID   uint
	PersonID uint
}

// Options connect a Store to the rest of anpei; main fills them (see
// lecture/fromroster). Person, Course and Ledger are required.
type Options struct {
	Now   func() time.Time
	Table hours.Table
	// Seed returns the seed of a new session's presence-check schedule.
	Seed func() uint64
	// Person looks a person up in the roster without scope checks.
	Person func(ctx context.Context, personID uint) (Person, error)
	// Enterprises returns the enterprises a regulator with a town or
	// department jurisdiction sees.
	Enterprises func(ctx context.Context, p account.Principal) ([]uint, error)
	// EnterpriseKnown reports whether enterprise id exists (for an
	// audience); nil skips the check.
	EnterpriseKnown func(ctx context.Context, id uint) (bool, error)
	// Industries returns the industry codes that exist; nil skips the check.
	Industries func(ctx context.Context) (map[string]bool, error)
	// Trainer returns the name of user id if it is a trainer, and an error
	// otherwise (the admin schedules a session for a trainer).
	Trainer func(ctx context.Context, userID uint) (string, error)
	// Course returns the published course p may link a session to
	// (course.Store.LiveCourse).
	Course func(ctx context.Context, p account.Principal, id uint) (course.LiveCourse, error)
	// Ledger appends a viewer's credit inside the caller's transaction
	// (course.Store.AppendLive).
	Ledger func(tx *gorm.DB, c course.LiveCredit) error
	// Learners lists the learner accounts, for reminders.
	Learners func(ctx context.Context) ([]Account, error)
	// Deliver sends a notice once per recipient and key
	// (notify.Store.Deliver).
	Deliver func(ctx context.Context, n notify.Notice) (bool, error)
}

// Store is the live lectures: sessions, who may join, attendance and
// crediting, chat and questions, reports and reminders.
type Store struct {
	db  *gorm.DB
	opt Options
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt Options) (*Store, error) {
	if opt.Person == nil || opt.Course == nil || opt.Ledger == nil {
		return nil, errors.New("lecture: Options.Person, Course and Ledger are required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Seed == nil {
		opt.Seed = rand.Uint64
	}
	if len(opt.Table.Rules()) == 0 {
		t, err := hours.DefaultTable()
		if err != nil {
			return nil, err
		}
		opt.Table = t
	}
	return &Store{db: db, opt: opt}, nil
}

// Page sizes of the list use cases.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(offset, 0)
}

// now returns the store's clock reading at the microsecond precision both
// databases keep.
func (s *Store) now() time.Time { return s.opt.Now().UTC().Round(0).Truncate(time.Microsecond) }

// write runs fn in one transaction and returns its error as a *fault.Error;
// a MySQL deadlock victim is run again (up to three times).
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return asFault(db.Transaction(ctx, s.db, fn))
}

func asFault(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fault.Wrap(err, "lecture")
}

func record(tx *gorm.DB, p account.Principal, action string, id uint, before, after any) error {
	if err := audit.Record(tx, p.Actor(), action, "live_session", strconv.FormatUint(uint64(id), 10), before, after); err != nil {
		return fault.Wrap(err, "lecture: audit "+action)
	}
	return nil
}

// forUpdate locks the rows a query reads until the transaction ends.
func forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(clause.Locking{Strength: "UPDATE"})
}

func notFound(err, nf error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nf
	}
	return err
}

func itoa(n int) string { return strconv.Itoa(n) }
