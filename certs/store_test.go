package certs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/fault"
)

var today = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)

// TestIssueEarnedExactlyOnce: fifty concurrent requests for one passed
// attempt make one certificate, and every caller gets its number.
func TestIssueEarnedExactlyOnce(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, col := testStore(t, gdb, c)
		col.pass(Pass{AttemptID: 7, ExamID: 1, ExamTitle: "年度考试", PersonID: 1, Kind: "special_op_training", Score: "92分", FinishedAt: today.Add(-time.Hour)})
		var wg sync.WaitGroup
		numbers := make([]string, 50)
		created := make([]bool, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cert, ok, err := st.IssueEarned(context.Background(), 7)
				numbers[i], created[i], errs[i] = cert.Number, ok, err
			}()
		}
		wg.Wait()
		n := 0
		for i := range 50 {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if numbers[i] != numbers[0] || numbers[i] == "" {
				t.Fatalf("call %d got %q, call 0 %q", i, numbers[i], numbers[0])
			}
			if created[i] {
				n++
			}
		}
		var rows int64
		gdb.Model(&Certificate{}).Count(&rows)
		if n != 1 || rows != 1 {
			t.Fatalf("created %d times, %d rows", n, rows)
		}
		v, err := st.Get(context.Background(), admin, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.OperationItem != "1.2" || v.Status != StatusValid || v.ValidUntil.Format("2006-01-02") != "2027-11-28" || v.Score != "92分" ||
			v.HolderName != "张晓明" || v.IDHash == "" || len(v.Events) != 1 || v.Events[0].Action != "issued" {
			t.Fatalf("certificate %+v", v)
		}
		// The next attempt of another kind numbers from its own sequence.
		col.pass(Pass{AttemptID: 8, ExamID: 1, PersonID: 1, Kind: "training_pass", FinishedAt: today})
		other, _, err := st.IssueEarned(context.Background(), 8)
		if err != nil || other.Number[:6] != "PX2026" || numbers[0][:6] != "TP2026" {
			t.Fatalf("numbers %s %s %v", numbers[0], other.Number, err)
		}
		// The sweeper finds nothing left to issue.
		if n, err := st.IssueDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("IssueDue = %d, %v", n, err)
		}
	})
}

func TestIssueEarnedRefusals(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, col := testStore(t, gdb, c)
		ctx := context.Background()
		col.pass(Pass{AttemptID: 1, PersonID: 1, Kind: "special_op_training", FinishedAt: today.AddDate(-1, 0, -2), RequiredRules: []string{"worker_annual_high"}})
		col.pass(Pass{AttemptID: 2, PersonID: 3, Kind: "special_op_training", FinishedAt: today})
		col.pass(Pass{AttemptID: 3, PersonID: 1, Kind: "training_pass", FinishedAt: today, RequiredRules: []string{"worker_annual_high"}})
		col.pass(Pass{AttemptID: 4, PersonID: 1, Kind: "special_operation", FinishedAt: today})
		col.unmet[1] = []string{"高危行业从业人员年度再培训：还差 4 学时"}
		cases := []struct {
			attempt uint
			detail  string
		}{
			{1, "考试成绩已超过12个月有效期"},
			{2, "王五 的人员类别不适用“特种作业安全技术培训合格证明”"},
			{3, "高危行业从业人员年度再培训：还差 4 学时"},
			{4, "考试所颁发的证书种类 special_operation 不存在或不能由考试取得"},
		}
		for _, cs := range cases {
			_, _, err := st.IssueEarned(ctx, cs.attempt)
			fe := fault.As(err)
			if !errors.Is(err, ErrNotEarned) || len(fe.Details) == 0 || fe.Details[0].Message != cs.detail {
				t.Errorf("attempt %d: %v %+v", cs.attempt, err, fe.Details)
			}
		}
		// Once the hours are done, the sweeper issues what attempt 3 earned.
		col.mu.Lock()
		col.unmet[1] = nil
		col.mu.Unlock()
		if n, err := st.IssueDue(ctx); err != nil || n != 1 {
			t.Fatalf("IssueDue = %d, %v", n, err)
		}
		var rows int64
		gdb.Model(&Certificate{}).Count(&rows)
		if rows != 1 {
			t.Fatalf("%d certificates", rows)
		}
	})
}

func TestManualIssueAndLifecycle(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, _ := testStore(t, gdb, c)
		ctx := context.Background()
		if _, err := st.Issue(ctx, entAdmin, ManualInput{PersonID: 2, Kind: "manager_assessment", Reason: "补发"}); !errors.Is(err, ErrForbidden) {
			t.Fatalf("enterprise admin issued: %v", err)
		}
		if _, err := st.Issue(ctx, admin, ManualInput{PersonID: 2, Kind: "manager_assessment"}); !errors.Is(err, ErrReasonRequired) {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := st.Issue(ctx, admin, ManualInput{PersonID: 2, Kind: "special_operation", Reason: "x"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("state kind issued: %v", err)
		}
		if _, err := st.Issue(ctx, townReg, ManualInput{PersonID: 3, Kind: "training_pass", Reason: "x"}); fault.As(err).Kind != fault.NotFound {
			t.Fatalf("regulator issued outside their town: %v", err)
		}
		cert, err := st.Issue(ctx, townReg, ManualInput{PersonID: 2, Kind: "manager_assessment", Reason: "线下考核合格，补录"})
		if err != nil {
			t.Fatal(err)
		}
		type step struct {
			action string
			in     StateChange
			status Status
			err    error
		}
		for i, s := range []step{
			{"reinstate", StateChange{Reason: "x"}, "", ErrStateChange},
			{"suspend", StateChange{Reason: "  "}, "", ErrReasonRequired},
			{"suspend", StateChange{Reason: "涉嫌违章作业，暂停使用待查"}, StatusSuspended, nil},
			{"revoke", StateChange{Reason: "x", Ground: "nonsense"}, "", ErrInvalid},
			{"reinstate", StateChange{Reason: "调查结束"}, StatusValid, nil},
			{"revoke", StateChange{Reason: "2026年11月事故调查认定", Ground: "accident"}, StatusRevoked, nil},
			{"suspend", StateChange{Reason: "x"}, "", ErrStateChange},
			{"cancel", StateChange{Reason: "已撤销，注销"}, StatusCancelled, nil},
		} {
			_, err := st.ChangeState(ctx, admin, cert.ID, s.action, s.in)
			if s.err != nil {
				if !errors.Is(err, s.err) {
					t.Fatalf("step %d %s: %v, want %v", i, s.action, err, s.err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d %s: %v", i, s.action, err)
			}
			v, err := st.Get(ctx, admin, cert.ID)
			if err != nil || v.Status != s.status {
				t.Fatalf("step %d %s: %s %v", i, s.action, v.Status, err)
			}
			pub, err := st.Lookup(ctx, cert.Number, "")
			if err != nil || pub.Status != s.status {
				t.Fatalf("step %d: public %s %v", i, pub.Status, err)
			}
		}
		if _, err := st.ChangeState(ctx, learner, cert.ID, "suspend", StateChange{Reason: "x"}); !errors.Is(err, ErrForbidden) {
			t.Fatalf("learner suspended: %v", err)
		}
		v, _ := st.Get(ctx, admin, cert.ID)
		var actions []string
		for _, e := range v.Events {
			actions = append(actions, e.Action)
		}
		if got := len(actions); got != 5 || actions[0] != "issued" || actions[3] != "revoke" || actions[4] != "cancel" {
			t.Fatalf("history %v", actions)
		}
	})
}
