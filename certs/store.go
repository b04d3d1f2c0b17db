package certs

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/audit"
	"anpei/db"
	"anpei/fault"
	"anpei/roster"
)

// Holder is what issuance needs to know of a person from the roster.
type Holder struct {
	PersonID     uint
	EnterpriseID uint
	Name         string
	IDMasked     string
	// IDNumber is the full normalized number; it is used once, to make
	// the salted hash the signed token carries, and never stored.
	IDNumber   string
	Categories roster.Category
	Items      []string
}

// Pass is a passed exam attempt that awards a certificate kind.
type Pass struct {
	AttemptID     uint
	ExamID        uint
	ExamTitle     string
	PersonID      uint
	Kind          string
	Score         string
	FinishedAt    time.Time
	RequiredRules []string
}

// Options configure a Store. main fills the functions from the roster,
// the course ledger and the exam store.
type Options struct {
	Now     func() time.Time
	Kinds   *Kinds
	Pattern NumberPattern
	// Authority is the issuer printed on anpei's certificates.
	Authority string
	Holder    func(ctx context.Context, personID uint) (Holder, error)
	// PersonIDIn restricts a person-id column to the people p may see.
	PersonIDIn func(p account.Principal, column string) (func(*gorm.DB) *gorm.DB, error)
	// Unmet returns why each hours rule is not yet done ("" when done).
	Unmet func(ctx context.Context, personID uint, rules []string) ([]string, error)
	// PassOf returns a passed attempt of an awarding exam.
	PassOf func(ctx context.Context, attemptID uint) (Pass, error)
	// PassesSince pages through passed attempts of awarding exams.
	PassesSince func(ctx context.Context, since time.Time, examID, afterID uint, limit int) ([]Pass, error)
	// Hours returns the person's credited training as printed on a
	// 学时证明 (e.g. "线上 40 学时，线下 8 学时，共 48 学时").
	Hours func(ctx context.Context, personID uint) (string, error)
	// IDHash makes a fresh salt and, with it, the salted hash of an ID
	// number the QR token carries and the Open Badges identity hash.
	IDHash func(idNumber string) (salt, tokenHash, badgeHash string)
	// PersonByID finds the person with a resident ID number among those p
	// may see, for the spreadsheet import: a fault of kind NotFound when
	// there is none (or they are out of p's scope), Invalid when the
	// number is malformed.
	PersonByID func(ctx context.Context, p account.Principal, idNumber string) (uint, error)
	// HolderKnown is Holder for a person found by their ID number (the
	// import): it takes the number as given instead of opening the stored
	// one, so an import adds no "revealed ID" audit entries. Optional.
	HolderKnown func(ctx context.Context, personID uint, idNumber string) (Holder, error)
}

// Store keeps certificates and their history.
type Store struct {
	db  *gorm.DB
	opt Options
	// lookup is the public lookup's prepared statement, made on first use,
	// and its queue (see lookupRow), shared by WithClock copies.
	lookup *preparedLookup
}

type preparedLookup struct {
	once sync.Once
	stmt *sql.Stmt
	err  error

	queue *db.Batcher[*lookupJob]
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt Options) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Kinds == nil {
		opt.Kinds = MustKinds()
	}
	if opt.Pattern.parts == nil {
		opt.Pattern = MustNumberPattern(DefaultNumberPattern)
	}
	if opt.Authority == "" {
		opt.Authority = "麒麟区应急管理局"
	}
	s := &Store{db: db, opt: opt}
	s.lookup = newLookups(s)
	return s
}

// Kinds returns the kind table.
func (s *Store) Kinds() *Kinds { return s.opt.Kinds }

// Authority is the issuer of anpei's certificates.
func (s *Store) Authority() string { return s.opt.Authority }

// The store's errors.
var (
	ErrForbidden      = fault.New(fault.Forbidden, "forbidden", "您没有权限进行此操作")
	ErrNotFound       = fault.New(fault.NotFound, "certificate_not_found", "证书不存在或您无权查看")
	ErrInvalid        = fault.New(fault.Invalid, "certificate_invalid", "证书信息有误，请按提示修改")
	ErrNotEarned      = fault.New(fault.Unprocessable, "certificate_not_earned", "尚不符合取证条件")
	ErrStateChange    = fault.New(fault.Conflict, "certificate_state", "证书当前状态不允许此操作")
	ErrDuplicate      = fault.New(fault.Conflict, "certificate_duplicate", "该证书编号已登记")
	ErrReasonRequired = fault.New(fault.Invalid, "reason_required", "请填写原因").WithDetails(fault.Detail{Field: "reason", Message: "请填写原因（不超过500字）"})
)

func (s *Store) now() time.Time { return s.opt.Now().UTC().Round(0).Truncate(time.Microsecond) }

// write runs fn in one transaction; a MySQL deadlock victim is run again
// (it was rolled back whole, so nothing is applied twice).
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
	return fault.Wrap(err, "certs")
}

func forUpdate(tx *gorm.DB) *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }

func record(tx *gorm.DB, p account.Principal, action string, id uint, before, after any) error {
	if err := audit.Record(tx, p.Actor(), action, "certificate", strconv.FormatUint(uint64(id), 10), before, after); err != nil {
		return fault.Wrap(err, "certs: audit "+action)
	}
	return nil
}

// mayManage: who issues manually, suspends, revokes, reinstates, cancels,
// records reviews and verifies registered certificates: the district
// admin and regulators (within their jurisdiction).
func mayManage(p account.Principal) bool { return p.Is(account.RoleAdmin, account.RoleRegulator) }

// mayRegister: who registers a worker's state certificate.
func mayRegister(p account.Principal) bool {
	return p.Is(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin)
}

// scoped returns a query on certificates limited to what p may see.
func (s *Store) scoped(ctx context.Context, p account.Principal) (*gorm.DB, error) {
	return s.scopedOn(s.db.WithContext(ctx), p)
}

func (s *Store) scopedOn(base *gorm.DB, p account.Principal) (*gorm.DB, error) {
	q := base.Model(&Certificate{})
	if p.Is(account.RoleLearner) {
		if p.PersonID == 0 {
			return q.Where("1 = 0"), nil
		}
		return q.Where("certificates.person_id = ?", p.PersonID), nil
	}
	if p.Is(account.RoleTrainer) {
		return nil, ErrForbidden
	}
	f, err := s.opt.PersonIDIn(p, "certificates.person_id")
	if err != nil {
		return nil, err
	}
	return q.Scopes(f), nil
}

// visible loads certificate id in tx if p may see it.
func (s *Store) visible(tx *gorm.DB, p account.Principal, id uint, lock bool) (Certificate, error) {
	q := tx.Model(&Certificate{})
	if lock {
		q = forUpdate(q)
	}
	var c Certificate
	if err := q.Where("id = ?", id).Take(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return c, ErrNotFound
		}
		return c, err
	}
	scoped, err := s.scopedOn(tx.Session(&gorm.Session{NewDB: true}), p)
	if err != nil {
		return c, err
	}
	var n int64
	if err := scoped.Where("certificates.id = ?", id).Count(&n).Error; err != nil {
		return c, err
	}
	if n == 0 {
		return c, ErrNotFound
	}
	return c, nil
}

// WithClock returns a Store that reads the date from now: for entering
// historical records (the demo district's certificates issued in past
// years). Everything else is shared.
func (s *Store) WithClock(now func() time.Time) *Store {
	opt := s.opt
	opt.Now = now
	return &Store{db: s.db, opt: opt, lookup: s.lookup}
}

// RevokedIDs returns the ids in [from, to) of certificates revoked or
// cancelled: the bits set in a revocation status list.
func (s *Store) RevokedIDs(ctx context.Context, from, to uint) ([]uint, error) {
	var ids []uint
	err := s.db.WithContext(ctx).Model(&Certificate{}).Where("id >= ? AND id < ? AND state IN ?", from, to, []State{StateRevoked, StateCancelled}).
		Order("id").Pluck("id", &ids).Error
	return ids, asFault(err)
}
