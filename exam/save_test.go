package exam

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
	"anpei/fault"
)

// TestSaveAnswerRules: the one-statement save keeps every rule of the long
// way — the item's type and options, the candidate, the deadline and its
// grace to the microsecond — on both dialects.
func TestSaveAnswerRules(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		st, c, e := saveTestExam(t, gdb)
		a, err := st.Start(ctx, cand1, e.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		var single, judge int
		for _, it := range a.Items {
			switch it.Type {
			case Single:
				single = it.No
			case Judge:
				judge = it.No
			}
		}
		stored := func(no int) string {
			var r AnswerRow
			if err := gdb.Where("attempt_id = ? AND no = ?", a.ID, no).First(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r.Choice
		}
		for _, tc := range []struct {
			name    string
			who     bool // cand2 instead of cand1
			no      int
			letters []string
			code    string // "" = saved
			want    string
		}{
			{"single, lower case", false, single, []string{" d"}, "", "D"},
			{"single, two letters", false, single, []string{"A", "B"}, ErrInvalidAnswer.Code, "D"},
			{"judge, no option C", false, judge, []string{"C"}, ErrInvalidAnswer.Code, ""},
			{"judge", false, judge, []string{"B"}, "", "B"},
			{"not a letter", false, judge, []string{"是"}, ErrInvalidAnswer.Code, "B"},
			{"cleared", false, single, []string{}, "", ""},
			{"no such item", false, 99, []string{"A"}, ErrItemNotOnPaper.Code, ""},
			{"another candidate", true, judge, []string{"A"}, ErrAttemptNotFound.Code, "B"},
		} {
			p := cand1
			if tc.who {
				p = cand2
			}
			_, err := st.SaveAnswer(ctx, p, a.ID, tc.no, tc.letters)
			if got := fault.As(err).Code; tc.code == "" && err != nil || tc.code != "" && got != tc.code {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
			}
			if tc.no != 99 {
				if got := stored(tc.no); got != tc.want {
					t.Errorf("%s: stored %q, want %q", tc.name, got, tc.want)
				}
			}
		}
		// The grace to the microsecond.
		c.t = a.Deadline.Add(DefaultGrace)
		if _, err := st.SaveAnswer(ctx, cand1, a.ID, judge, []string{"A"}); err != nil {
			t.Fatalf("at the end of the grace: %v", err)
		}
		c.t = c.t.Add(time.Microsecond)
		if _, err := st.SaveAnswer(ctx, cand1, a.ID, judge, []string{"B"}); fault.As(err).Code != ErrAttemptClosed.Code {
			t.Fatalf("a microsecond after the grace: %v", err)
		}
		if got := stored(judge); got != "A" {
			t.Fatalf("after the refusal the answer is %q, want A", got)
		}
	})
}

// TestSavesInBatches: two candidates answer every question of their papers
// at once, then again with refused saves among theirs (a question of the
// other's paper, an option the item lacks, an unknown item). The saves
// that meet are written together; every good answer is stored and every
// refusal is explained as if it had been sent alone (a batch with a
// refused save in it is sent again save by save).
func TestSavesInBatches(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		st, c, e := saveTestExam(t, gdb)
		type save struct {
			p       account.Principal
			attempt uint
			no      int
			letters []string
			code    string // "" = saved
		}
		var saves []save
		want := map[[2]uint]string{}
		for _, p := range []account.Principal{cand1, cand2} {
			a, err := st.Start(ctx, p, e.ID, "", "")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range a.Items {
				letter := "A"
				if it.Type == Judge {
					letter = "B"
				}
				saves = append(saves, save{p, a.ID, it.No, []string{letter}, ""})
				want[[2]uint{a.ID, uint(it.No)}] = letter
				if it.Type == Judge {
					saves = append(saves, save{p, a.ID, it.No, []string{"F"}, ErrInvalidAnswer.Code})
				}
			}
			saves = append(saves, save{p, a.ID, 99, []string{"A"}, ErrItemNotOnPaper.Code})
			other := cand2
			if p == cand2 {
				other = cand1
			}
			saves = append(saves, save{other, a.ID, 1, []string{"C"}, ErrAttemptNotFound.Code})
		}
		var good []save
		for _, sv := range saves {
			if sv.code == "" {
				good = append(good, sv)
			}
		}
		for round := range 6 {
			// Good saves alone first, then with the refused ones among them.
			batch := good
			if round >= 3 {
				batch = saves
			}
			if round == 0 {
				// Every save queues, then the writers take them all.
				st.saves.queue.Hold()
			}
			var wg sync.WaitGroup
			errs := make([]error, len(batch))
			for i, sv := range batch {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = st.SaveAnswer(ctx, sv.p, sv.attempt, sv.no, sv.letters)
				}()
			}
			if round == 0 {
				for st.saves.queue.Queued() < len(batch) {
					time.Sleep(time.Millisecond)
				}
				st.saves.queue.Release()
			}
			wg.Wait()
			for i, sv := range batch {
				if got := fault.As(errs[i]).Code; sv.code == "" && errs[i] != nil || sv.code != "" && got != sv.code {
					t.Fatalf("round %d, save %d (%+v): %v, want %q", round, i, sv, errs[i], sv.code)
				}
			}
			c.t = c.t.Add(time.Second)
		}
		var rows []AnswerRow
		if err := gdb.Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if w := want[[2]uint{r.AttemptID, uint(r.No)}]; r.Choice != w {
				t.Errorf("attempt %d, item %d: stored %q, want %q", r.AttemptID, r.No, r.Choice, w)
			}
		}
		t.Logf("%d saves written in %d statements of several; %d sent again alone", st.saves.written.Load(), st.saves.batches.Load(), st.saves.alone.Load())
		if st.saves.batches.Load() == 0 {
			t.Fatal("no two saves were written together; the test did not test batches")
		}
	})
}

// TestBatchWithTwoSavesOfOneQuestion: a batch never writes one save's
// answer under another's condition. A refused save (another candidate's,
// on this candidate's question) and the owner's own save of that question
// meet in one batch: the refused answer is never stored, whatever their
// order.
func TestBatchWithTwoSavesOfOneQuestion(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		st, c, e := saveTestExam(t, gdb)
		a, err := st.Start(ctx, cand1, e.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		no := a.Items[0].No
		cutoff := c.t.Add(-DefaultGrace)
		for _, order := range []string{"refused first", "owner first"} {
			bad := &saveJob{choice: "C", at: c.t, attempt: a.ID, no: no, need: 3, person: cand2.PersonID, cutoff: cutoff, done: make(chan bool, 1)}
			good := &saveJob{choice: "B", at: c.t, attempt: a.ID, no: no, need: 2, person: cand1.PersonID, cutoff: cutoff, done: make(chan bool, 1)}
			jobs := []*saveJob{bad, good}
			if order == "owner first" {
				jobs = []*saveJob{good, bad}
			}
			st.saves.writeAll(jobs)
			if <-bad.done || <-good.done {
				t.Errorf("%s: the batch reported a save written", order)
			}
			var r AnswerRow
			if err := gdb.Where("attempt_id = ? AND no = ?", a.ID, no).First(&r).Error; err != nil {
				t.Fatal(err)
			}
			if r.Choice == "C" {
				t.Fatalf("%s: another candidate's refused answer was stored", order)
			}
		}
	})
}

// saveTestExam returns a store over gdb on a test clock, with the test bank
// and an exam of blueprint10 that cand1 and cand2 may sit.
func saveTestExam(t *testing.T, gdb *gorm.DB) (*Store, *clock, ExamView) {
	t.Helper()
	c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	st := testStore(gdb, c)
	bank(t, st)
	e, err := st.CreateExam(context.Background(), author, ExamInput{Title: "考试", Blueprint: blueprint10()})
	if err != nil {
		t.Fatal(err)
	}
	return st, c, e
}
