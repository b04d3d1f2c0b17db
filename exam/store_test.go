package exam

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/roster"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	author = account.Principal{UserID: 7, Username: "trainer", Role: account.RoleTrainer}
	cand1  = account.Principal{UserID: 9, Username: "learner", Role: account.RoleLearner, PersonID: 42}
	cand2  = account.Principal{UserID: 10, Username: "other", Role: account.RoleLearner, PersonID: 43}
)

func migrateAll(gdb *gorm.DB) error {
	if err := audit.AutoMigrate(gdb); err != nil {
		return err
	}
	return AutoMigrate(gdb)
}

// testStore has two candidates; person 43 has not done their hours.
func testStore(gdb *gorm.DB, c *clock) *Store {
	return NewStore(gdb, Options{Now: c.Now,
		Candidate: func(_ context.Context, id uint) (Candidate, error) {
			if id != 42 && id != 43 {
				return Candidate{}, fault.New(fault.NotFound, "person_not_found", "人员不存在")
			}
			return Candidate{PersonID: id, Name: "张三", Categories: roster.CategorySpecialOperator, Industry: "hazchem"}, nil
		},
		Unmet: func(_ context.Context, id uint, rules []string) ([]string, error) {
			if id == 43 {
				return []string{"高危行业从业人员年度再培训：已完成 2 学时，还差 18 学时"}, nil
			}
			return make([]string, len(rules)), nil
		}})
}

// bank imports 12 single-choice and 10 judge questions, active.
func bank(t *testing.T, st *Store) {
	t.Helper()
	var qs []Question
	for i := range 12 {
		qs = append(qs, Question{Type: Single, Stem: fmt.Sprintf("单选题第%d题：安全生产工作坚持什么方针？", i+1),
			Options: []string{"安全第一、预防为主、综合治理", "效益优先", "先生产后安全", "以罚代管"}, Answer: []string{"A"},
			Explanation: "《安全生产法》第三条", Category: "法律法规", Status: StatusActive, Difficulty: 2})
	}
	for i := range 10 {
		qs = append(qs, Question{Type: Judge, Stem: fmt.Sprintf("判断题第%d题：特种作业人员必须持证上岗。", i+1),
			Options: JudgeOptions, Answer: []string{"A"}, Explanation: "持证上岗", Category: "培训与持证", Status: StatusActive})
	}
	rows := make([]int, len(qs))
	rep, err := st.ImportQuestions(context.Background(), author, Parsed{Format: FormatXLSX, Questions: qs, Rows: rows}, false)
	if err != nil || rep.Created != len(qs) {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

func blueprint10() Blueprint {
	return Blueprint{Sections: []Section{{Type: Single, Count: 5, Points: 10 * Point}, {Type: Judge, Count: 5, Points: 10 * Point}},
		Minutes: 30, ShuffleQuestions: true, ShuffleOptions: true}
}

// answerKey reads the paper's answers from the database, as only the
// server can.
func answerKey(t *testing.T, gdb *gorm.DB, id uint) map[int][]string {
	t.Helper()
	var row AttemptRow
	if err := gdb.First(&row, id).Error; err != nil {
		t.Fatal(err)
	}
	var a Attempt
	if err := json.Unmarshal([]byte(row.State), &a); err != nil {
		t.Fatal(err)
	}
	key := map[int][]string{}
	for _, it := range a.Paper.Items {
		key[it.No] = it.Answer
	}
	return key
}

func TestExamAttemptLifecycle(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		bank(t, st)
		open, closeAt := c.Now().Add(-time.Hour), c.Now().Add(48*time.Hour)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "焊工复审考试", OpenAt: &open, CloseAt: &closeAt,
			RequiredRules: []string{"special_review"}, Blueprint: blueprint10(), ReviewPolicy: ReviewAfterSubmit})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateExam(ctx, cand1, ExamInput{Title: "x", Blueprint: blueprint10()}); fault.As(err).Kind != fault.Forbidden {
			t.Fatalf("a learner created an exam: %v", err)
		}
		tooMany := blueprint10()
		tooMany.Sections[0].Count, tooMany.Sections[1].Points = 20, 5*Point
		tooMany.Sections[0].Points = 15 * Point / 6
		if _, err := st.CreateExam(ctx, author, ExamInput{Title: "题量不足", Blueprint: tooMany}); fault.As(err).Code != "exam_invalid" {
			t.Fatalf("an exam the bank cannot fill: %v", err)
		}

		// Hours not done: refused with the reason.
		if _, err := st.Start(ctx, cand2, e.ID, "127.0.0.1", "test"); fault.As(err).Code != "exam_not_eligible" || len(fault.As(err).Details) != 1 {
			t.Fatalf("ineligible candidate: %+v", fault.As(err))
		}

		a1, err := st.Start(ctx, cand1, e.ID, "127.0.0.1", "phone")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(a1)
		for _, leak := range []string{`"answer"`, `"explanation"`, "《安全生产法》第三条", `"option_map"`, `"question_id"`} {
			if strings.Contains(string(raw), leak) {
				t.Fatalf("the attempt sent before grading contains %s: %s", leak, raw)
			}
		}
		if len(a1.Items) != 10 || a1.Deadline.Sub(c.Now()) != 30*time.Minute {
			t.Fatalf("attempt: %d items, deadline in %v", len(a1.Items), a1.Deadline.Sub(c.Now()))
		}
		key := answerKey(t, gdb, a1.ID)
		// Answer 8 right, 2 wrong (item 1 and 2), with a change of mind.
		for no := 1; no <= 10; no++ {
			choice := key[no]
			if no <= 2 { // a wrong answer
				choice = []string{"A"}
				if key[no][0] == "A" {
					choice = []string{"B"}
				}
			}
			if _, err := st.SaveAnswer(ctx, cand1, a1.ID, no, []string{"B"}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveAnswer(ctx, cand1, a1.ID, no, choice); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.SaveAnswer(ctx, cand1, a1.ID, 1, []string{"Z"}); fault.As(err).Kind != fault.Invalid {
			t.Fatalf("an unknown letter: %v", err)
		}
		if _, err := st.SaveAnswer(ctx, cand2, a1.ID, 1, []string{"A"}); fault.As(err).Code != "attempt_not_found" {
			t.Fatalf("another candidate saved into this attempt: %v", err)
		}
		// Resume from another device: same paper, answers and deadline.
		c.Add(5 * time.Minute)
		again, err := st.Start(ctx, cand1, e.ID, "10.0.0.2", "tablet")
		if err != nil || again.ID != a1.ID || !again.Deadline.Equal(a1.Deadline) || len(again.Answers) != 10 || again.Items[3].Stem != a1.Items[3].Stem {
			t.Fatalf("resume = %+v, %v", again, err)
		}
		res, err := st.Submit(ctx, cand1, a1.ID)
		if err != nil || res.Score == nil || *res.Score != 80*Point || res.Passed == nil || !*res.Passed || len(res.Review) != 10 {
			t.Fatalf("submit = %+v, %v", res, err)
		}
		if _, err := st.SaveAnswer(ctx, cand1, a1.ID, 3, []string{"A"}); fault.As(err).Code != ErrAttemptFinished.Code {
			t.Fatalf("an answer after submission: %v", err)
		}
		// Passed: no new attempt; the two wrong questions are in the 错题本.
		if _, err := st.Start(ctx, cand1, e.ID, "", ""); fault.As(err).Code != ErrAlreadyPassed.Code {
			t.Fatalf("a start after a pass: %v", err)
		}
		book, err := st.WrongBookOf(ctx, cand1)
		if err != nil || len(book) != 2 {
			t.Fatalf("wrong book = %d entries, %v", len(book), err)
		}
		retry, err := st.Retry(ctx, cand1, "", "")
		if err != nil || len(retry.Items) != 2 || !retry.Practice {
			t.Fatalf("retry = %+v, %v", retry, err)
		}
	})
}

func TestExamDeadlineAndMakeup(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		bank(t, st)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "考试", Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
		a1, err := st.Start(ctx, cand1, e.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SaveAnswer(ctx, cand1, a1.ID, 1, []string{"A"}); err != nil {
			t.Fatal(err)
		}
		// Within the grace an answer is still taken; after it, refused.
		c.Add(30*time.Minute + 5*time.Second)
		if _, err := st.SaveAnswer(ctx, cand1, a1.ID, 2, []string{"A"}); err != nil {
			t.Fatalf("an answer within the grace: %v", err)
		}
		c.Add(10 * time.Second)
		if _, err := st.SaveAnswer(ctx, cand1, a1.ID, 3, []string{"A"}); fault.As(err).Code != ErrAttemptClosed.Code {
			t.Fatalf("an answer after the grace: %v", err)
		}
		// Graded automatically (as a restarted server's sweeper would).
		if n, err := st.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d, %v", n, err)
		}
		got, err := st.Attempt(ctx, cand1, a1.ID)
		if err != nil || !got.Finished || !got.Auto || got.Passed == nil || *got.Passed {
			t.Fatalf("expired attempt = %+v, %v", got, err)
		}
		if got.Review != nil {
			t.Fatal("review shown before the exam closed (default policy after_close)")
		}
		// One makeup, then no more.
		a2, err := st.Start(ctx, cand1, e.ID, "", "")
		if err != nil || a2.ID == a1.ID || a2.Number != 2 {
			t.Fatalf("makeup = %+v, %v", a2, err)
		}
		if _, err := st.Submit(ctx, cand1, a2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Start(ctx, cand1, e.ID, "", ""); fault.As(err).Code != ErrNoAttemptsLeft.Code {
			t.Fatalf("a third attempt: %v", err)
		}
	})
}

// TestConcurrentStartsOneLiveAttempt: a double tap on two devices makes
// one attempt, not two papers.
func TestConcurrentStartsOneLiveAttempt(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		bank(t, st)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "考试", Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		ids := make(chan uint, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := st.Start(ctx, cand1, e.ID, "", "")
				if err != nil {
					t.Error(err)
					return
				}
				ids <- a.ID
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[uint]bool{}
		for id := range ids {
			seen[id] = true
		}
		var count int64
		gdb.Model(&AttemptRow{}).Count(&count)
		if len(seen) != 1 || count != 1 {
			t.Fatalf("%d attempts stored, %d ids returned; want one", count, len(seen))
		}
	})
}

// TestResultsScopedToJurisdiction: a town regulator sees the attempts of
// the people in their town only; a trainer sees all.
func TestResultsScopedToJurisdiction(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		st.opt.Unmet = nil
		st.opt.CanSee = func(_ context.Context, p account.Principal, id uint) error {
			if id == 42 {
				return nil
			}
			return ErrAttemptNotFound
		}
		bank(t, st)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "考试", Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []account.Principal{cand1, cand2} {
			if _, err := st.Start(ctx, p, e.ID, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		town := account.Principal{UserID: 3, Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "530302001"}
		rows, err := st.ExamAttempts(ctx, town, e.ID)
		if err != nil || len(rows) != 1 || rows[0].PersonID != 42 {
			t.Fatalf("town regulator sees %+v, %v", rows, err)
		}
		if rows, _ := st.ExamAttempts(ctx, author, e.ID); len(rows) != 2 {
			t.Fatalf("trainer sees %d attempts, want 2", len(rows))
		}
	})
}

// TestNoAnswersDuringAnExam: while a candidate's exam runs, the 错题本,
// 再练一遍 and practice papers (which show answers) are closed to them.
func TestNoAnswersDuringAnExam(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		bank(t, st)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "考试", Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
		practice, err := st.CreateExam(ctx, author, ExamInput{Title: "练习", Practice: true, Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
		pa, err := st.Start(ctx, cand1, practice.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Start(ctx, cand1, e.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.WrongBookOf(ctx, cand1); fault.As(err).Code != "exam_running" {
			t.Fatalf("wrong book during an exam: %v", err)
		}
		if _, err := st.Retry(ctx, cand1, "", ""); fault.As(err).Code != "exam_running" {
			t.Fatalf("retry during an exam: %v", err)
		}
		saved, err := st.SaveAnswer(ctx, cand1, pa.ID, 1, []string{"A"})
		if err != nil || saved.Feedback != nil {
			t.Fatalf("practice feedback during an exam: %+v, %v", saved.Feedback, err)
		}
		c.Add(31 * time.Minute) // the exam's time is up: practice opens again
		if _, err := st.WrongBookOf(ctx, cand1); err != nil {
			t.Fatalf("wrong book after the exam: %v", err)
		}
	})
}
