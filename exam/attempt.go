package exam

import (
	"math/rand/v2"
	"slices"
	"time"

	"anpei/fault"
	"anpei/hours"
)

// The attempt rules: a pass is valid 12 months (RULES.md §2.4); a
// candidate has one attempt and one makeup; answers arriving up to 10
// seconds after the deadline (network delay) are still taken.
const (
	PassValidMonths = 12
	DefaultAttempts = 2
	DefaultGrace    = 10 * time.Second
)

// The errors of attempts.
var (
	ErrExamNotOpen     = fault.New(fault.Unprocessable, "exam_not_open", "考试尚未开始")
	ErrExamClosed      = fault.New(fault.Unprocessable, "exam_closed", "考试已结束")
	ErrAlreadyPassed   = fault.New(fault.Unprocessable, "exam_already_passed", "您已通过本场考试")
	ErrNoAttemptsLeft  = fault.New(fault.Unprocessable, "exam_no_attempts_left", "补考机会已用完")
	ErrAttemptOpen     = fault.New(fault.Conflict, "exam_attempt_open", "您有一场未交卷的考试，请继续作答")
	ErrAttemptClosed   = fault.New(fault.Conflict, "exam_attempt_closed", "考试时间已到，答案未能保存")
	ErrAttemptFinished = fault.New(fault.Conflict, "exam_attempt_finished", "本场考试已交卷，不能再修改答案")
	// ErrItemNotOnPaper: an answer to an item number the paper does not have.
	ErrItemNotOnPaper = fault.New(fault.NotFound, "exam_item_not_found", "试卷中没有这道题，请刷新页面")
	ErrReviewNotYet   = fault.New(fault.Forbidden, "exam_review_not_yet", "考试结束后才能查看答案")
	ErrReviewNever    = fault.New(fault.Forbidden, "exam_review_never", "本场考试不公布答案")
)

// Deadline is when an attempt started at start ends: after the
// blueprint's duration, or when the exam window closes if that is sooner
// (a zero windowClose never closes).
func Deadline(start time.Time, duration time.Duration, windowClose time.Time) time.Time {
	d := start.Add(duration)
	if !windowClose.IsZero() && windowClose.Before(d) {
		return windowClose
	}
	return d
}

// AcceptsAnswer reports whether an answer (or a submission) arriving at
// now, by the server's clock, is still taken: up to and including
// deadline + grace. A negative grace counts as none.
func AcceptsAnswer(now, deadline time.Time, grace time.Duration) bool {
	return !now.After(deadline.Add(max(grace, 0)))
}

// Due reports whether an unsubmitted attempt must be graded now: exactly
// when it no longer accepts answers, so an answer inside the grace is never
// lost to an early automatic grading.
func Due(now, deadline time.Time, grace time.Duration) bool {
	return !AcceptsAnswer(now, deadline, grace)
}

// Attempt is one candidate's sitting of an exam: the paper drawn for it,
// the server's deadline, the answers saved so far and, once graded, the
// result. Its fields are exported so a store can persist and reload it;
// only the methods of this package should change them.
type Attempt struct {
	Paper Paper
	// Blueprint is a copy of the exam's blueprint as of the start; grading
	// uses its pass mark and partial-credit rule.
	Blueprint Blueprint
	StartedAt time.Time
	Deadline  time.Time
	Grace     time.Duration
	// Answers are the saved answers by item number, normalized, in shown
	// letters; an item answered and then cleared is absent.
	Answers map[int][]string
	// FinishedAt is when the attempt was graded: the submission, or the
	// deadline when Auto (graded because time ran out). Result is nil until
	// then.
	FinishedAt time.Time
	Auto       bool
	Result     *Result
}

// StartAttempt draws a paper by b for one candidate at now, with randomness
// from rnd, and sets the deadline by b's duration and the window's close.
// It returns Draw's errors, or ErrExamClosed if the window is already
// closed. Whether the candidate may start is CanStart's question.
func StartAttempt(b Blueprint, pool []BankItem, rnd *rand.Rand, now, windowClose time.Time) (*Attempt, error) {
	now = now.Round(0) // wall clock only, as a database would return it
	b = b.WithDefaults()
	deadline := Deadline(now, b.Duration(), windowClose)
	if !deadline.After(now) {
		return nil, ErrExamClosed
	}
	p, err := Draw(b, pool, rnd)
	if err != nil {
		return nil, err
	}
	return &Attempt{Paper: p, Blueprint: b, StartedAt: now, Deadline: deadline, Grace: DefaultGrace,
		Answers: map[int][]string{}}, nil
}

// Finished reports whether the attempt has been graded.
func (a *Attempt) Finished() bool { return a.Result != nil }

// Answer saves the answer to item no at now and returns it normalized, as
// stored. Saving is idempotent and the last write wins; an empty answer
// clears the item. It returns ErrAttemptFinished after grading,
// ErrAttemptClosed after the deadline and its grace (the caller should then
// Expire the attempt), ErrItemNotOnPaper, or CheckAnswer's error; the
// attempt is unchanged on error.
func (a *Attempt) Answer(now time.Time, no int, letters []string) ([]string, error) {
	if a.Finished() {
		return nil, ErrAttemptFinished
	}
	if !AcceptsAnswer(now, a.Deadline, a.Grace) {
		return nil, ErrAttemptClosed
	}
	it, ok := a.Paper.Item(no)
	if !ok {
		return nil, ErrItemNotOnPaper
	}
	g, err := CheckAnswer(it, letters)
	if err != nil {
		return nil, err
	}
	if a.Answers == nil {
		a.Answers = map[int][]string{}
	}
	if len(g) == 0 {
		delete(a.Answers, no)
	} else {
		a.Answers[no] = g
	}
	return slices.Clone(g), nil
}

// Submit grades the attempt at the candidate's request and returns the
// result. Submitting again returns the same result (a double click is
// harmless). A submission too late to be accepted grades the attempt as
// Expire would: with the answers saved in time, finished at the deadline.
func (a *Attempt) Submit(now time.Time) Result {
	if a.Finished() {
		return *a.Result
	}
	if Due(now, a.Deadline, a.Grace) {
		a.grade(a.Deadline, true)
	} else {
		a.grade(now.Round(0), false)
	}
	return *a.Result
}

// Expire grades an unsubmitted attempt whose time is up (Due) and reports
// whether it did; a finished or still-running attempt is unchanged.
func (a *Attempt) Expire(now time.Time) (Result, bool) {
	if a.Finished() || !Due(now, a.Deadline, a.Grace) {
		return Result{}, false
	}
	a.grade(a.Deadline, true)
	return *a.Result, true
}

func (a *Attempt) grade(at time.Time, auto bool) {
	r := Grade(a.Paper, a.Answers, a.Blueprint)
	a.Result, a.FinishedAt, a.Auto = &r, at, auto
}

// AttemptView is what a candidate's page gets when it opens or resumes an
// attempt: the public paper, the answers saved so far and the server's
// deadline. It holds nothing from which an answer could be derived.
type AttemptView struct {
	Items    []PublicItem     `json:"items"`
	Answers  map[int][]string `json:"answers"`
	Deadline time.Time        `json:"deadline"`
	// Remaining is the time to the deadline by the server's clock, never
	// negative, so the page can count down without trusting its own clock;
	// RemainingMS is the same in milliseconds for JSON.
	Remaining   time.Duration `json:"-"`
	RemainingMS int64         `json:"remaining_ms"`
	Finished    bool          `json:"finished"`
}

// View returns the attempt as the candidate's page shows it at now.
// Resuming (a reload, another device) shows the same paper, the same
// answers and the same deadline: the clock never restarts.
func (a *Attempt) View(now time.Time) AttemptView {
	ans := make(map[int][]string, len(a.Answers))
	for no, g := range a.Answers {
		ans[no] = slices.Clone(g)
	}
	rem := max(a.Deadline.Sub(now), 0)
	return AttemptView{Items: a.Paper.Public(), Answers: ans, Deadline: a.Deadline,
		Remaining: rem, RemainingMS: rem.Milliseconds(), Finished: a.Finished()}
}

// AttemptSummary is what CanStart needs to know of an earlier attempt of
// the same candidate in the same exam.
type AttemptSummary struct {
	Finished bool // graded (submitted or expired)
	Passed   bool
}

// CanStart says whether a candidate with these earlier attempts may start
// a new attempt at now, in an exam open over [windowOpen, windowClose) (a
// zero bound is open-ended) that allows `allowed` attempts (≤ 0: the
// default, one attempt and one makeup). It returns nil, or in this order:
// ErrAlreadyPassed, ErrExamNotOpen, ErrExamClosed, ErrAttemptOpen (the
// candidate has an unfinished attempt and should resume it; the caller
// expires due attempts first), ErrNoAttemptsLeft.
func CanStart(history []AttemptSummary, allowed int, windowOpen, windowClose, now time.Time) error {
	if allowed <= 0 {
		allowed = DefaultAttempts
	}
	for _, h := range history {
		if h.Finished && h.Passed {
			return ErrAlreadyPassed
		}
	}
	if !windowOpen.IsZero() && now.Before(windowOpen) {
		return ErrExamNotOpen
	}
	if !windowClose.IsZero() && !now.Before(windowClose) {
		return ErrExamClosed
	}
	for _, h := range history {
		if !h.Finished {
			return ErrAttemptOpen
		}
	}
	if len(history) >= allowed {
		return ErrNoAttemptsLeft
	}
	return nil
}

// PassValidUntil returns when a pass at passedAt stops being valid: twelve
// calendar months counted in China time the way the Civil Code counts
// periods (Art.201–203: from the next day; the period ends at 24:00 of the
// same-numbered day, or the month's last day when it has none). A pass on
// 2025-03-15 is valid until 2026-03-16 00:00 China time (exclusive); one on
// 2024-02-29 until 2025-03-01 00:00.
func PassValidUntil(passedAt time.Time) time.Time {
	y, m, d := passedAt.In(hours.ChinaTime()).Date()
	last := hours.Offset{Months: PassValidMonths}.From(hours.Date(y, m, d))
	return last.AddDate(0, 0, 1)
}

// PassValid reports whether a pass at passedAt is still valid at now.
func PassValid(passedAt, now time.Time) bool { return now.Before(PassValidUntil(passedAt)) }

// ReviewPolicy says when a candidate may see the correct answers and
// explanations of a graded attempt. The score is always shown once graded.
type ReviewPolicy string

// The review policies. The default, after the window closes, keeps the
// answers from candidates still sitting the exam and from a candidate's
// own makeup in the same window; ReviewAfterSubmit gives them away to both.
const (
	ReviewAfterClose  ReviewPolicy = "after_close" // also the zero value
	ReviewAfterSubmit ReviewPolicy = "after_submit"
	ReviewNever       ReviewPolicy = "never"
)

// Valid reports whether p is a known policy (the zero value is).
func (p ReviewPolicy) Valid() bool {
	return p == "" || slices.Contains([]ReviewPolicy{ReviewAfterClose, ReviewAfterSubmit, ReviewNever}, p)
}

// Check returns nil if a candidate whose attempt is (or is not) finished
// may review it at now, in an exam whose window closes at windowClose;
// ErrReviewNotYet or ErrReviewNever otherwise. Under ReviewAfterClose an
// exam without a closing time never shows answers; an unknown policy
// allows nothing.
func (p ReviewPolicy) Check(finished bool, now, windowClose time.Time) error {
	switch p {
	case ReviewNever:
		return ErrReviewNever
	case ReviewAfterSubmit:
		if finished {
			return nil
		}
		return ErrReviewNotYet.WithMessage("交卷后才能查看答案")
	case "", ReviewAfterClose:
		if finished && !windowClose.IsZero() && !now.Before(windowClose) {
			return nil
		}
		return ErrReviewNotYet
	}
	return ErrReviewNever
}
