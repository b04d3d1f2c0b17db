package course

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/audit"
	"anpei/db"
	"anpei/fault"
	"anpei/hours"
	"anpei/roster"
)

// Learner is what the course store needs to know about a person from the
// roster: who they are for audiences, and the facts their training
// requirements follow from.
type Learner struct {
	PersonID     uint
	Name         string
	EnterpriseID uint
	Categories   roster.Category
	Industry     string
	Items        []string
	Person       hours.PersonFacts
	IndustryInfo hours.IndustryFacts
	Duty         []hours.DutyFact
}

// Options configure a Store. Learner is required for plans and audiences.
type Options struct {
	Policy Policy
	Table  hours.Table
	Now    func() time.Time
	// Rand returns a number in [0,1) for the presence-challenge schedule.
	Rand func() float64
	// Learner looks a person up in the roster (without scope checks; the
	// store checks scope itself).
	Learner func(ctx context.Context, personID uint) (Learner, error)
	// PeopleOf lists the people on duty in an enterprise, for the
	// "who is behind" view.
	PeopleOf func(ctx context.Context, enterpriseID uint) ([]Learner, error)
	// Codes returns the industry and special-operation item codes that
	// exist, to check a course's audience; nil skips the check.
	Codes func(ctx context.Context) (industries, items map[string]bool, err error)
	// CanSee returns nil when p may see person id's records, and a
	// not-found error otherwise (the roster's scope).
	CanSee func(ctx context.Context, p account.Principal, personID uint) error
	// CanSeeEnterprise returns nil when p may see enterprise id, a
	// not-found error otherwise (the roster's scope).
	CanSeeEnterprise func(ctx context.Context, p account.Principal, enterpriseID uint) error
	// PersonEnterprise returns the enterprise whose roster person id is on.
	PersonEnterprise func(ctx context.Context, personID uint) (uint, error)
}

// Store is the course catalogue, the playback sessions and the ledger of
// credited learning.
type Store struct {
	db    *gorm.DB
	opt   Options
	beats beatCache  // sessions heartbeating on this server
	batch *beatBatch // writes their heartbeats
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt Options) (*Store, error) {
	if opt.Policy == (Policy{}) {
		opt.Policy = DefaultPolicy()
	}
	if err := opt.Policy.Validate(); err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = mrand.Float64
	}
	if len(opt.Table.Rules()) == 0 {
		t, err := hours.DefaultTable()
		if err != nil {
			return nil, err
		}
		opt.Table = t
	}
	return &Store{db: db, opt: opt, batch: newBeatBatch(db)}, nil
}

// Policy returns the watch policy the store applies.
func (s *Store) Policy() Policy { return s.opt.Policy }

// Table returns the hours table the store plans with.
func (s *Store) Table() hours.Table { return s.opt.Table }

// Page sizes of the list use cases.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(offset, 0)
}

// now returns the store's clock reading without a monotonic part, at the
// microsecond precision both databases keep.
func (s *Store) now() time.Time { return s.opt.Now().UTC().Round(0).Truncate(time.Microsecond) }

// write runs fn in one transaction and returns its error as a *fault.Error.
// A transaction MySQL chose as a deadlock victim is run again (up to three
// times): it was rolled back whole, so nothing is applied twice.
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
	return fault.Wrap(err, "course")
}

func record(tx *gorm.DB, p account.Principal, action, entity string, id uint, before, after any) error {
	if err := audit.Record(tx, p.Actor(), action, entity, strconv.FormatUint(uint64(id), 10), before, after); err != nil {
		return fault.Wrap(err, "course: audit "+action+" "+entity)
	}
	return nil
}

// forUpdate locks the rows a query reads until the transaction ends
// (SELECT … FOR UPDATE on MySQL; SQLite's immediate transactions already
// serialize writers).
func forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(clause.Locking{Strength: "UPDATE"})
}

func notFound(err error, nf error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nf
	}
	return err
}

func itoa(n int) string { return strconv.Itoa(n) }

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
