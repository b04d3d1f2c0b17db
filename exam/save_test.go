package exam

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/fault"
)

// TestSaveAnswerRules: the one-statement save keeps every rule of the long
// way — the item's type and options, the candidate, the deadline and its
// grace to the microsecond — on both dialects.
func TestSaveAnswerRules(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
		st := testStore(gdb, c)
		bank(t, st)
		e, err := st.CreateExam(ctx, author, ExamInput{Title: "考试", Blueprint: blueprint10()})
		if err != nil {
			t.Fatal(err)
		}
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
