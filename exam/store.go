package exam

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/audit"
	"anpei/fault"
	"anpei/roster"
	"anpei/sqltext"
)

// Candidate is what the exam store needs to know about a person: who they
// are for audiences.
type Candidate struct {
	PersonID   uint
	Name       string
	Categories roster.Category
	Industry   string
	Items      []string
}

// Options configure a Store.
type Options struct {
	Now func() time.Time
	// Candidate looks a person up in the roster.
	Candidate func(ctx context.Context, personID uint) (Candidate, error)
	// Unmet returns, for each of the hours-table rules, why the person
	// has not done its requirement ("" when done): the eligibility check
	// of an exam with required hours.
	Unmet func(ctx context.Context, personID uint, rules []string) ([]string, error)
	// CanSee returns nil when p may see person id (the roster's scope): a
	// regulator sees the results of the people in their jurisdiction only.
	CanSee func(ctx context.Context, p account.Principal, personID uint) error
	// Grace is the slack after a deadline for answers in flight.
	Grace time.Duration
	// Awardable reports whether an exam may award certificate kind code.
	Awardable func(code string) bool
	// OnPassed is told, after the grading has committed, of every passed
	// attempt of an exam that awards a certificate; it must not block.
	OnPassed func(attemptID uint)
}

// Store is the question bank, the exams, the attempts and the 错题本.
type Store struct {
	db     *gorm.DB
	opt    Options
	active *activePool
	saves  *saveBatch // answers saved during exams
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt Options) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Grace == 0 {
		opt.Grace = DefaultGrace
	}
	return &Store{db: db, opt: opt, active: &activePool{}, saves: newSaveBatch(db)}
}

// The store's errors.
var (
	ErrForbidden        = fault.New(fault.Forbidden, "forbidden", "您没有权限进行此操作")
	ErrExamNotFound     = fault.New(fault.NotFound, "exam_not_found", "考试不存在或您不在考试范围内")
	ErrAttemptNotFound  = fault.New(fault.NotFound, "attempt_not_found", "答卷不存在或您无权查看")
	ErrQuestionNotFound = fault.New(fault.NotFound, "question_not_found", "试题不存在")
	ErrNotCandidate     = fault.New(fault.Forbidden, "not_a_candidate", "只有已登记在花名册中的学员账号才能参加考试")
	ErrInvalidExam      = fault.New(fault.Invalid, "exam_invalid", "考试设置有误，请按提示修改")
	// ErrExamRunning: answers and practice feedback are withheld while the
	// person has an exam attempt running (the same bank feeds both).
	ErrExamRunning = fault.New(fault.Conflict, "exam_running", "您有正在进行的考试，交卷后才能使用练习和错题本")
	// ErrNotEligible: required training hours are not done.
	ErrNotEligible = fault.New(fault.Unprocessable, "exam_not_eligible", "您还不能参加本场考试：培训学时尚未完成")
)

func (s *Store) now() time.Time { return s.opt.Now().UTC().Round(0).Truncate(time.Microsecond) }

func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return asFault(s.db.WithContext(ctx).Transaction(fn))
}

func asFault(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fault.Wrap(err, "exam")
}

func notFound(err error, nf error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nf
	}
	return err
}

func forUpdate(tx *gorm.DB) *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }

func record(tx *gorm.DB, p account.Principal, action, entity string, id uint, before, after any) error {
	if err := audit.Record(tx, p.Actor(), action, entity, strconv.FormatUint(uint64(id), 10), before, after); err != nil {
		return fault.Wrap(err, "exam: audit "+action)
	}
	return nil
}

// examRunning returns ErrExamRunning when the person has an unfinished
// exam attempt (not practice) whose time is not up.
func (s *Store) examRunning(ctx context.Context, personID uint) error {
	var n int64
	err := s.db.WithContext(ctx).Model(&AttemptRow{}).
		Where("person_id = ? AND practice = ? AND finished_at IS NULL AND deadline >= ?", personID, false, s.now().Add(-s.opt.Grace)).
		Count(&n).Error
	if err != nil {
		return asFault(err)
	}
	if n > 0 {
		return ErrExamRunning
	}
	return nil
}

// canAuthor: trainers and the admin write questions and exams.
func canAuthor(p account.Principal) bool { return p.Is(account.RoleAdmin, account.RoleTrainer) }

// seesResults: authors and regulators see every candidate's results.
func seesResults(p account.Principal) bool {
	return p.Is(account.RoleAdmin, account.RoleTrainer, account.RoleRegulator)
}

// inAudience reports whether a candidate is in an audience given as code
// lists (empty lists admit everyone).
func inAudience(c Candidate, cats, industries, items string) bool {
	if cats != "" {
		ok := false
		for _, code := range sqltext.SplitCodes(cats) {
			if one, found := roster.ParseCategory(code); found && c.Categories&one != 0 {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if industries != "" && !strings.Contains(industries, ","+c.Industry+",") {
		return false
	}
	if items != "" {
		for _, it := range c.Items {
			if strings.Contains(items, ","+it+",") {
				return true
			}
		}
		return false
	}
	return true
}

const (
	defaultLimit = 50
	maxLimit     = 1000
)

func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return min(limit, maxLimit), max(offset, 0)
}
