package exam

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"anpei/hours"
)

// bpT0 is 09:00 China time.
var bpT0 = time.Date(2025, 6, 2, 1, 0, 0, 0, time.UTC)

func bpAt(d time.Duration) time.Time { return bpT0.Add(d) }

func TestDeadline(t *testing.T) {
	d := 120 * time.Minute
	cases := []struct {
		close, want time.Time
	}{
		{time.Time{}, bpAt(d)},
		{bpAt(3 * time.Hour), bpAt(d)},
		{bpAt(d), bpAt(d)},
		{bpAt(30 * time.Minute), bpAt(30 * time.Minute)},
	}
	for _, c := range cases {
		if got := Deadline(bpT0, d, c.close); !got.Equal(c.want) {
			t.Errorf("Deadline(close %v) = %v, want %v", c.close, got, c.want)
		}
	}
}

func TestAcceptsAnswerAndDue(t *testing.T) {
	deadline := bpAt(time.Hour)
	cases := []struct {
		now   time.Time
		grace time.Duration
		want  bool
	}{
		{bpT0, DefaultGrace, true},
		{deadline, DefaultGrace, true},
		{deadline.Add(9 * time.Second), DefaultGrace, true},
		{deadline.Add(DefaultGrace), DefaultGrace, true}, // the last instant
		{deadline.Add(DefaultGrace + time.Nanosecond), DefaultGrace, false},
		{deadline.Add(time.Hour), DefaultGrace, false},
		{deadline, 0, true},
		{deadline.Add(time.Nanosecond), 0, false},
		{deadline, -time.Minute, true}, // a negative grace is none
		{deadline.Add(time.Nanosecond), -time.Minute, false},
	}
	for _, c := range cases {
		if got := AcceptsAnswer(c.now, deadline, c.grace); got != c.want {
			t.Errorf("AcceptsAnswer(deadline%+v, grace %v) = %v, want %v", c.now.Sub(deadline), c.grace, got, c.want)
		}
		if got := Due(c.now, deadline, c.grace); got == c.want {
			t.Errorf("Due(deadline%+v, grace %v) = %v, want %v", c.now.Sub(deadline), c.grace, got, !c.want)
		}
	}
}

func bpStart(t *testing.T, now, windowClose time.Time) *Attempt {
	t.Helper()
	b := bpStandard()
	b.ShuffleOptions, b.ShuffleQuestions = true, true
	a, err := StartAttempt(b, bpStandardPool(), bpRand(21), now, windowClose)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// bpReload round-trips the attempt through JSON, as a store would persist
// and load it.
func bpReload(t *testing.T, a *Attempt) *Attempt {
	t.Helper()
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var b Attempt
	if err := json.Unmarshal(js, &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestAttemptSaveAndResume(t *testing.T) {
	a := bpStart(t, bpT0, time.Time{})
	if !a.Deadline.Equal(bpAt(120*time.Minute)) || a.Grace != DefaultGrace || a.Finished() {
		t.Fatalf("started: deadline %v grace %v", a.Deadline, a.Grace)
	}
	first := a.Paper.Items[0]
	right := first.Answer
	wrong := []string{Letters[(optionNumber(right[0])+1)%len(first.Options)]}
	if first.Type == Multiple {
		wrong = right[:1]
	}
	// Saved at once, idempotent, last write wins, normalized.
	for _, step := range []struct {
		given, stored []string
	}{
		{wrong, wrong},
		{wrong, wrong},
		{[]string{strings.ToLower(right[0])}, right[:1]},
	} {
		got, err := a.Answer(bpAt(time.Minute), 1, step.given)
		if err != nil || !slices.Equal(got, step.stored) || !slices.Equal(a.Answers[1], step.stored) {
			t.Fatalf("Answer(%v) = %v, %v; stored %v", step.given, got, err, a.Answers[1])
		}
	}
	a.Answer(bpAt(time.Minute), 1, right)
	a.Answer(bpAt(2*time.Minute), 2, []string{"A"})
	if _, err := a.Answer(bpAt(2*time.Minute), 2, nil); err != nil || a.Answers[2] != nil {
		t.Fatalf("clearing: %v %v", err, a.Answers)
	}
	if _, err := a.Answer(bpAt(2*time.Minute), 81, []string{"A"}); !errors.Is(err, ErrItemNotOnPaper) {
		t.Errorf("item 81: %v", err)
	}
	if _, err := a.Answer(bpAt(2*time.Minute), 1, []string{"Z"}); !errors.Is(err, ErrInvalidAnswer) || !slices.Equal(a.Answers[1], right) {
		t.Errorf("invalid answer: %v; stored %v", err, a.Answers[1])
	}

	// The page reloads 30 minutes in, on another device: same paper, same
	// answers, same deadline; the clock did not restart.
	v1 := a.View(bpAt(2 * time.Minute))
	b := bpReload(t, a)
	v2 := b.View(bpAt(30 * time.Minute))
	if !reflect.DeepEqual(v1.Items, v2.Items) || !reflect.DeepEqual(v1.Answers, v2.Answers) || !v2.Deadline.Equal(a.Deadline) {
		t.Fatal("resumed view differs")
	}
	if v2.Remaining != 90*time.Minute || v1.Remaining != 118*time.Minute || v2.RemainingMS != 90*60*1000 {
		t.Errorf("remaining %v, %v", v1.Remaining, v2.Remaining)
	}
	if !slices.Equal(v2.Answers[1], right) || len(v2.Answers) != 1 {
		t.Errorf("resumed answers %v", v2.Answers)
	}
	// The view is a copy, and carries no answer key.
	v2.Answers[1][0] = "X"
	if b.Answers[1][0] == "X" {
		t.Error("the view shares the attempt's answers")
	}
	js, _ := json.Marshal(b.View(bpAt(30 * time.Minute)))
	if strings.Contains(string(js), "explanation") || strings.Contains(string(js), "option_map") || strings.Contains(string(js), "解析") {
		t.Errorf("view leaks: %s", js)
	}
	if b.View(bpAt(5*time.Hour)).Remaining != 0 {
		t.Error("remaining after the deadline")
	}
}

func TestAttemptDeadlineAndGrace(t *testing.T) {
	a := bpStart(t, bpT0, time.Time{})
	dl := a.Deadline
	if _, err := a.Answer(dl.Add(5*time.Second), 1, a.Paper.Items[0].Answer); err != nil {
		t.Fatalf("answer inside the grace: %v", err)
	}
	if _, ok := a.Expire(dl.Add(DefaultGrace)); ok || a.Finished() {
		t.Fatal("expired inside the grace")
	}
	if _, err := a.Answer(dl.Add(DefaultGrace+time.Millisecond), 2, a.Paper.Items[1].Answer); !errors.Is(err, ErrAttemptClosed) || a.Answers[2] != nil {
		t.Fatalf("late answer: %v", err)
	}
	r, ok := a.Expire(dl.Add(time.Minute))
	if !ok || !a.Finished() || !a.Auto || !a.FinishedAt.Equal(dl) || r.Correct != 1 || r.Score != a.Paper.Items[0].Points {
		t.Fatalf("expired: ok %v auto %v at %v result %+v", ok, a.Auto, a.FinishedAt, r.Score)
	}
	if _, ok := a.Expire(dl.Add(time.Hour)); ok {
		t.Error("expired twice")
	}
	if _, err := a.Answer(dl, 2, []string{"A"}); !errors.Is(err, ErrAttemptFinished) {
		t.Errorf("answer after grading: %v", err)
	}
	if got := a.Submit(dl.Add(time.Hour)); !reflect.DeepEqual(got, r) {
		t.Error("submit after expiry changed the result")
	}
}

func TestAttemptSubmit(t *testing.T) {
	a := bpStart(t, bpT0, time.Time{})
	for _, it := range a.Paper.Items {
		if _, err := a.Answer(bpAt(time.Minute), it.No, it.Answer); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := a.Expire(bpAt(time.Hour)); ok {
		t.Fatal("expired before the deadline")
	}
	r := a.Submit(bpAt(time.Hour))
	if !r.Passed || r.Score != TotalPoints || a.Auto || !a.FinishedAt.Equal(bpAt(time.Hour)) {
		t.Fatalf("submitted: %+v auto %v", r.Score, a.Auto)
	}
	if again := a.Submit(bpAt(61 * time.Minute)); !reflect.DeepEqual(again, r) || !a.FinishedAt.Equal(bpAt(time.Hour)) {
		t.Error("a second submit changed the attempt")
	}

	// A submit that arrives too late grades the attempt as expired.
	late := bpStart(t, bpT0, time.Time{})
	late.Answer(bpAt(time.Minute), 1, late.Paper.Items[0].Answer)
	r = late.Submit(late.Deadline.Add(time.Minute))
	if !late.Auto || !late.FinishedAt.Equal(late.Deadline) || r.Correct != 1 {
		t.Errorf("late submit: auto %v at %v correct %d", late.Auto, late.FinishedAt, r.Correct)
	}
	// A submit inside the grace is the candidate's.
	grace := bpStart(t, bpT0, time.Time{})
	grace.Submit(grace.Deadline.Add(DefaultGrace))
	if grace.Auto || !grace.FinishedAt.Equal(grace.Deadline.Add(DefaultGrace)) {
		t.Errorf("submit in grace: auto %v", grace.Auto)
	}
}

func TestStartAttemptWindow(t *testing.T) {
	closeAt := bpAt(time.Hour)
	a := bpStart(t, bpT0, closeAt)
	if !a.Deadline.Equal(closeAt) {
		t.Errorf("deadline %v, want the window's close", a.Deadline)
	}
	if _, err := StartAttempt(bpStandard(), bpStandardPool(), bpRand(1), closeAt, closeAt); !errors.Is(err, ErrExamClosed) {
		t.Errorf("start at close: %v", err)
	}
	if _, err := StartAttempt(bpStandard(), bpStandardPool()[:10], bpRand(1), bpT0, time.Time{}); !errors.Is(err, ErrPoolShort) {
		t.Errorf("small pool: %v", err)
	}
	b := bpStandard()
	b.Minutes = 90
	a, _ = StartAttempt(b, bpStandardPool(), bpRand(1), bpT0, time.Time{})
	if !a.Deadline.Equal(bpAt(90*time.Minute)) || a.Blueprint.PassMark != DefaultPassMark {
		t.Errorf("90 min: %v, pass %v", a.Deadline, a.Blueprint.PassMark)
	}
}

func TestCanStart(t *testing.T) {
	open, closeAt := bpAt(-time.Hour), bpAt(5*time.Hour)
	failed := AttemptSummary{Finished: true}
	passed := AttemptSummary{Finished: true, Passed: true}
	running := AttemptSummary{}
	cases := []struct {
		name    string
		history []AttemptSummary
		allowed int
		open    time.Time
		close   time.Time
		now     time.Time
		want    error
	}{
		{"first attempt", nil, 0, open, closeAt, bpT0, nil},
		{"makeup after a fail", []AttemptSummary{failed}, 0, open, closeAt, bpT0, nil},
		{"no second makeup", []AttemptSummary{failed, failed}, 0, open, closeAt, bpT0, ErrNoAttemptsLeft},
		{"one attempt only", []AttemptSummary{failed}, 1, open, closeAt, bpT0, ErrNoAttemptsLeft},
		{"three allowed", []AttemptSummary{failed, failed}, 3, open, closeAt, bpT0, nil},
		{"passed", []AttemptSummary{passed}, 0, open, closeAt, bpT0, ErrAlreadyPassed},
		{"passed at the makeup", []AttemptSummary{failed, passed}, 0, open, closeAt, bpT0, ErrAlreadyPassed},
		{"passed, window closed", []AttemptSummary{passed}, 0, open, closeAt, closeAt, ErrAlreadyPassed},
		{"unfinished: resume", []AttemptSummary{running}, 0, open, closeAt, bpT0, ErrAttemptOpen},
		{"unfinished makeup: resume", []AttemptSummary{failed, running}, 0, open, closeAt, bpT0, ErrAttemptOpen},
		{"before the window", nil, 0, open, closeAt, open.Add(-time.Second), ErrExamNotOpen},
		{"at the opening", nil, 0, open, closeAt, open, nil},
		{"at the close", nil, 0, open, closeAt, closeAt, ErrExamClosed},
		{"just before the close", nil, 0, open, closeAt, closeAt.Add(-time.Second), nil},
		{"after the close", []AttemptSummary{failed}, 0, open, closeAt, closeAt.Add(time.Hour), ErrExamClosed},
		{"open-ended window", nil, 0, time.Time{}, time.Time{}, bpT0, nil},
	}
	for _, c := range cases {
		if got := CanStart(c.history, c.allowed, c.open, c.close, c.now); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if ErrAttemptOpen.Message != "您有一场未交卷的考试，请继续作答" || ErrNoAttemptsLeft.Message != "补考机会已用完" {
		t.Error("messages changed")
	}
}

func TestPassValidUntil(t *testing.T) {
	cst := hours.ChinaTime()
	cases := []struct {
		passed time.Time
		until  time.Time
	}{
		{time.Date(2025, 3, 15, 10, 0, 0, 0, cst), time.Date(2026, 3, 16, 0, 0, 0, 0, cst)},
		{time.Date(2025, 3, 15, 23, 59, 0, 0, cst), time.Date(2026, 3, 16, 0, 0, 0, 0, cst)},
		// 20:00 UTC is already the next day in China.
		{time.Date(2025, 3, 15, 20, 0, 0, 0, time.UTC), time.Date(2026, 3, 17, 0, 0, 0, 0, cst)},
		{time.Date(2024, 2, 29, 9, 0, 0, 0, cst), time.Date(2025, 3, 1, 0, 0, 0, 0, cst)},
		{time.Date(2025, 12, 31, 9, 0, 0, 0, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, cst)},
	}
	for _, c := range cases {
		if got := PassValidUntil(c.passed); !got.Equal(c.until) {
			t.Errorf("PassValidUntil(%v) = %v, want %v", c.passed, got, c.until)
		}
		if !PassValid(c.passed, c.until.Add(-time.Nanosecond)) || PassValid(c.passed, c.until) {
			t.Errorf("PassValid around %v", c.until)
		}
	}
}

func TestReviewPolicy(t *testing.T) {
	closeAt := bpAt(3 * time.Hour)
	cases := []struct {
		p        ReviewPolicy
		finished bool
		now      time.Time
		close    time.Time
		want     error
	}{
		{"", true, closeAt, closeAt, nil},
		{ReviewAfterClose, true, closeAt.Add(-time.Second), closeAt, ErrReviewNotYet},
		{ReviewAfterClose, false, closeAt, closeAt, ErrReviewNotYet},
		{ReviewAfterClose, true, closeAt.Add(time.Hour), closeAt, nil},
		{ReviewAfterClose, true, closeAt, time.Time{}, ErrReviewNotYet},
		{ReviewAfterSubmit, true, bpT0, closeAt, nil},
		{ReviewAfterSubmit, false, closeAt, closeAt, ErrReviewNotYet},
		{ReviewNever, true, closeAt.Add(time.Hour), closeAt, ErrReviewNever},
		{"bogus", true, closeAt.Add(time.Hour), closeAt, ErrReviewNever},
	}
	for _, c := range cases {
		if got := c.p.Check(c.finished, c.now, c.close); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("%q finished %v: %v, want %v", c.p, c.finished, got, c.want)
		}
	}
	for p, want := range map[ReviewPolicy]bool{"": true, ReviewAfterClose: true, ReviewAfterSubmit: true, ReviewNever: true, "bogus": false} {
		if p.Valid() != want {
			t.Errorf("%q.Valid() = %v", p, !want)
		}
	}
}
