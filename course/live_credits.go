package course

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/hours"
)

// Live lectures (package lecture) credit their viewers into this ledger:
// the same training_credits rows as watched lessons (online, 30 minutes to
// a 学时), one per credited stretch of the lecture and China-time day, and
// their excluded time into watch_exclusions with the live reasons
// (ReasonNoMedia, ReasonMissedCheck, ReasonSecondDevice). The lecture store
// decides what is credited and makes it happen once; this file only writes
// it, inside the lecture store's transaction.

// The errors of the live-lecture use cases.
var (
	// ErrCourseNotPublished: a live lecture counts toward a published
	// course only (its category is fixed and learners can see it).
	ErrCourseNotPublished = fault.New(fault.Unprocessable, "course_not_published", "所选课程尚未发布，请先发布课程再安排直播")
	// ErrInvalidLiveCredit: a live credit the lecture store computed is
	// inconsistent (a bug, never the viewer's doing).
	ErrInvalidLiveCredit = fault.New(fault.Internal, "live_credit_invalid", "服务器内部错误，请稍后重试")
)

// LiveCourse is what a live lecture keeps of the course it counts toward.
type LiveCourse struct {
	ID            uint   `json:"id"`
	Title         string `json:"title"`
	Category      string `json:"category"`
	CategoryLabel string `json:"category_label"`
}

// LiveCourse returns published course id for a live lecture p schedules:
// p must author courses (a trainer or the admin). It returns ErrForbidden
// for anyone else, ErrCourseNotFound for a course that does not exist and
// ErrCourseNotPublished for one never published.
func (s *Store) LiveCourse(ctx context.Context, p account.Principal, id uint) (LiveCourse, error) {
	if !canAuthor(p) {
		return LiveCourse{}, ErrForbidden
	}
	var c Course
	if err := s.db.WithContext(ctx).First(&c, id).Error; err != nil {
		return LiveCourse{}, asFault(notFound(err, ErrCourseNotFound))
	}
	if c.Published == 0 {
		return LiveCourse{}, ErrCourseNotPublished
	}
	var v Version
	if err := s.db.WithContext(ctx).Where("course_id = ? AND number = ?", id, c.Published).First(&v).Error; err != nil {
		return LiveCourse{}, asFault(notFound(err, ErrCourseNotFound))
	}
	return LiveCourse{ID: id, Title: v.Title, Category: v.Category, CategoryLabel: s.opt.Table.CourseCategoryLabel(v.Category)}, nil
}

// LiveSpan is a stretch of wall-clock time [From, To).
type LiveSpan struct {
	From, To time.Time
}

// LiveExclusion is time of a live lecture not credited: WallMS for Reason
// over [From, To). WallMS may exceed To-From when several of a viewer's
// devices received at once (each extra device's time counts).
type LiveExclusion struct {
	Reason   Reason
	From, To time.Time
	WallMS   int64
}

// LiveCredit is one viewer's outcome of one live lecture.
type LiveCredit struct {
	PersonID uint
	// SessionID names the lecture and viewer in the ledger, at most 32
	// characters and starting with "live-".
	SessionID string
	CourseID  uint
	Category  string
	// Start is when the lecture went live: the ledger's segment columns
	// hold offsets from it in milliseconds.
	Start    time.Time
	Credited []LiveSpan
	Excluded []LiveExclusion
}

// AppendLive writes c into the ledger inside tx, the caller's transaction
// (which makes it happen once, e.g. by a unique key on its own row): a
// training_credits row per credited span and China-time day, a
// watch_exclusions row per reason and day. It returns ErrInvalidLiveCredit
// for a credit that breaks the ledger's rules (unknown category or reason,
// overlapping or reversed spans, a bad session ID) and the database's
// error otherwise.
func (s *Store) AppendLive(tx *gorm.DB, c LiveCredit) error {
	if err := s.checkLive(c); err != nil {
		return err
	}
	now := s.now()
	var credits []CreditEntry
	for _, sp := range c.Credited {
		for _, d := range splitDays(sp.From.UTC(), sp.To.UTC()) {
			credits = append(credits, CreditEntry{PersonID: c.PersonID, Online: true, Category: c.Category,
				Day: dayOf(d.From), CourseID: c.CourseID, SessionID: c.SessionID,
				SegStart: d.From.Sub(c.Start).Milliseconds(), SegEnd: d.To.Sub(c.Start).Milliseconds(),
				FromAt: d.From, ToAt: d.To, MS: d.To.Sub(d.From).Milliseconds(), CreatedAt: now})
		}
	}
	type key struct {
		reason Reason
		day    string
	}
	merged := map[key]*ExclusionEntry{}
	var order []key
	for _, e := range c.Excluded {
		if e.WallMS <= 0 {
			continue
		}
		k := key{e.Reason, dayOf(e.From)}
		m := merged[k]
		if m == nil {
			m = &ExclusionEntry{PersonID: c.PersonID, Day: k.day, SessionID: c.SessionID, Reason: e.Reason, At: e.From.UTC()}
			merged[k] = m
			order = append(order, k)
		}
		m.WallMS += e.WallMS
		if e.From.Before(m.At) {
			m.At = e.From.UTC()
		}
	}
	exclusions := make([]ExclusionEntry, 0, len(order))
	for _, k := range order {
		exclusions = append(exclusions, *merged[k])
	}
	if len(credits) > 0 {
		if err := tx.CreateInBatches(&credits, 200).Error; err != nil {
			return err
		}
	}
	if len(exclusions) > 0 {
		if err := tx.CreateInBatches(&exclusions, 200).Error; err != nil {
			return err
		}
	}
	return nil
}

// checkLive returns ErrInvalidLiveCredit, saying what is wrong, when c
// breaks a rule of the ledger.
func (s *Store) checkLive(c LiveCredit) error {
	bad := func(what string) error {
		e := *ErrInvalidLiveCredit
		e.Err = errors.New("course: live credit: " + what)
		return &e
	}
	switch {
	case c.PersonID == 0:
		return bad("no person")
	case !strings.HasPrefix(c.SessionID, "live-") || len(c.SessionID) > 32:
		return bad("session id " + c.SessionID)
	case s.opt.Table.CourseCategoryLabel(c.Category) == "":
		return bad("unknown category " + c.Category)
	case c.Start.IsZero():
		return bad("no start")
	}
	spans := slices.Clone(c.Credited)
	slices.SortFunc(spans, func(a, b LiveSpan) int { return a.From.Compare(b.From) })
	for i, sp := range spans {
		if !sp.From.Before(sp.To) || sp.From.Before(c.Start) {
			return bad("span " + sp.From.String() + " to " + sp.To.String())
		}
		if i > 0 && sp.From.Before(spans[i-1].To) {
			return bad("overlapping spans")
		}
	}
	for _, e := range c.Excluded {
		if !e.Reason.Valid() || e.WallMS < 0 || e.To.Before(e.From) {
			return bad("exclusion " + string(e.Reason))
		}
	}
	return nil
}

// splitDays cuts [from, to) at midnights in China time.
func splitDays(from, to time.Time) []LiveSpan {
	var out []LiveSpan
	for from.Before(to) {
		d := from.In(hours.ChinaTime())
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, hours.ChinaTime()).UTC()
		end := to
		if next.Before(to) {
			end = next
		}
		out = append(out, LiveSpan{From: from, To: end})
		from = end
	}
	return out
}

// dayOf is t's calendar day in China time.
func dayOf(t time.Time) string { return t.In(hours.ChinaTime()).Format(time.DateOnly) }
