package certs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/fault"
)

// TestListStatusMatchesEvaluate: the SQL status filter agrees with
// Kind.Evaluate for certificates on both sides of every window edge.
func TestListStatusMatchesEvaluate(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, _ := testStore(t, gdb, c)
		ctx := context.Background()
		d := func(days int) *time.Time { t := Day(today).AddDate(0, 0, days); return &t }
		rows := []Certificate{
			{Kind: "special_operation", NextReview: d(61), ValidUntil: d(1000)}, // valid
			{Kind: "special_operation", NextReview: d(60), ValidUntil: d(1000)}, // review due
			{Kind: "special_operation", NextReview: d(0), ValidUntil: d(1000)},  // review due, last day
			{Kind: "special_operation", NextReview: d(-1), ValidUntil: d(1000)}, // lapsed
			{Kind: "special_operation", ValidUntil: d(60)},                      // expiring (60-day window)
			{Kind: "safety_qualification", ValidUntil: d(31)},                   // valid
			{Kind: "safety_qualification", ValidUntil: d(30)},                   // expiring
			{Kind: "safety_qualification", ValidUntil: d(-1)},                   // expired
			{Kind: "hours_record"}, // valid, no expiry
			{Kind: "training_pass", ValidUntil: d(5), State: StateSuspended},   // suspended
			{Kind: "training_pass", ValidUntil: d(-5), State: StateRevoked},    // revoked
			{Kind: "training_pass", ValidUntil: d(100), State: StateCancelled}, // cancelled
			{Kind: "special_operation", NextReview: d(10), ValidUntil: d(20)},  // review due beats expiring
		}
		for i := range rows {
			r := &rows[i]
			r.Number = "N" + string(rune('A'+i)) + "0001"
			r.PersonID, r.HolderName, r.IDMasked, r.Issuer, r.IssuedOn = 1, "张晓明", "530302********1234", "x", Day(today).AddDate(-1, 0, 0)
			if r.State == "" {
				r.State = StateActive
			}
			if err := gdb.Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		want := map[Status]int{StatusValid: 3, StatusReviewDue: 3, StatusExpired: 2, StatusExpiring: 2, StatusSuspended: 1, StatusRevoked: 1, StatusCancelled: 1}
		all, total, err := st.List(ctx, admin, Filter{Limit: 100})
		if err != nil || total != int64(len(rows)) {
			t.Fatalf("list all: %d %v", total, err)
		}
		byEval := map[Status]int{}
		for _, v := range all {
			byEval[v.Status]++
		}
		for _, s := range Statuses() {
			got, n, err := st.List(ctx, admin, Filter{Status: s, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != want[s] || byEval[s] != want[s] || len(got) != want[s] {
				t.Errorf("status %s: SQL %d, Evaluate %d, want %d", s, n, byEval[s], want[s])
			}
			for _, v := range got {
				if v.Status != s {
					t.Errorf("status %s: %s is %s by Evaluate", s, v.Number, v.Status)
				}
			}
		}
		due := Day(today).AddDate(0, 0, 30)
		if _, n, _ := st.List(ctx, admin, Filter{DueBefore: &due, Limit: 100}); n != 7 {
			t.Errorf("due within 30 days: %d, want 7", n)
		}
		if _, _, err := st.List(ctx, admin, Filter{Status: "bogus"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
	})
}

// TestScope: who sees which certificates.
func TestScope(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, _ := testStore(t, gdb, c)
		ctx := context.Background()
		var ids []uint
		for _, person := range []uint{1, 2, 3} {
			cert, err := st.Issue(ctx, admin, ManualInput{PersonID: person, Kind: "hours_record", Reason: "补录"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, cert.ID)
		}
		check := func(name string, total int64, err error, want int64) {
			t.Helper()
			if err != nil || total != want {
				t.Errorf("%s: %d %v, want %d", name, total, err, want)
			}
		}
		_, n, err := st.List(ctx, admin, Filter{})
		check("admin", n, err, 3)
		_, n, err = st.List(ctx, townReg, Filter{})
		check("town regulator", n, err, 2)
		_, n, err = st.List(ctx, entAdmin, Filter{})
		check("enterprise admin", n, err, 2)
		_, n, err = st.List(ctx, learner, Filter{})
		check("learner", n, err, 1)
		_, n, err = st.List(ctx, admin, Filter{EnterpriseID: 2})
		check("admin, enterprise 2", n, err, 1)
		if _, _, err := st.List(ctx, trainer, Filter{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("trainer: %v", err)
		}
		if _, err := st.Get(ctx, townReg, ids[2]); fault.As(err).Kind != fault.NotFound {
			t.Errorf("town regulator got another town's certificate: %v", err)
		}
		if _, err := st.Get(ctx, learner, ids[1]); fault.As(err).Kind != fault.NotFound {
			t.Errorf("learner got a colleague's certificate: %v", err)
		}
		if got, err := st.ByIDs(ctx, entAdmin, ids); err != nil || len(got) != 2 {
			t.Errorf("enterprise admin batch: %d %v", len(got), err)
		}
	})
}

// TestLookupAnswersAlike: an unknown number and a wrong name give the same
// answer; the public view masks the holder.
func TestLookupAnswersAlike(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, _ := testStore(t, gdb, c)
		ctx := context.Background()
		cert, err := st.Issue(ctx, admin, ManualInput{PersonID: 1, Kind: "training_pass", Reason: "补录"})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := st.Lookup(ctx, " "+cert.Number+" ", "")
		if err != nil || pub.HolderMasked != "张*明" || pub.IDLast4 != "1234" || pub.Status != StatusValid || pub.KindName != "安全培训合格证明" {
			t.Fatalf("lookup %+v %v", pub, err)
		}
		if len(pub.History) != 1 || pub.History[0].Action != "issued" || pub.History[0].Label != "颁发" || !strings.Contains(pub.History[0].Detail, cert.Number) ||
			pub.History[0].Date != Day(today).Format("2006-01-02") || pub.IssuedOn != Day(today).Format("2006-01-02") || pub.Certificate().IDHash == "" {
			t.Fatalf("history %+v", pub)
		}
		if _, err := st.ChangeState(ctx, admin, cert.ID, "suspend", StateChange{Reason: "王五举报其冒名顶替"}); err != nil {
			t.Fatal(err)
		}
		pub, _ = st.Lookup(ctx, cert.Number, "")
		if pub.Status != StatusSuspended || len(pub.History) != 2 || pub.History[1].Detail != "" || strings.Contains(pub.StatusReason, "王五") {
			t.Fatalf("after suspension %+v", pub)
		}
		if _, err := st.Lookup(ctx, cert.Number, "张晓明"); err != nil {
			t.Fatalf("right name: %v", err)
		}
		_, e1 := st.Lookup(ctx, cert.Number, "李四")
		_, e2 := st.Lookup(ctx, "PX2026-999999-AAAA", "")
		_, e3 := st.Lookup(ctx, "<script>", "")
		for _, e := range []error{e1, e2, e3} {
			if e == nil || e.Error() != ErrUnknownCertificate.Error() {
				t.Errorf("lookup error %v", e)
			}
		}
	})
}
