package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db/dbtest"
	"anpei/exam"
	"anpei/media"
)

// TestSeedExams: after the demo seed the demo learner may sit the demo
// exam at once (their hours are done) and start a practice paper; a second
// seed adds nothing.
func TestSeedExams(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, rs := stores(t, gdb, false)
		seed(t, gdb, accounts, rs)
		cs, err := course.NewStore(gdb, fromroster.Options(rs))
		if err != nil {
			t.Fatal(err)
		}
		ms, err := media.NewStore(filepath.Join(t.TempDir(), "uploads"))
		if err != nil {
			t.Fatal(err)
		}
		es := exam.NewStore(gdb, exam.Options{Candidate: fromroster.Candidate(rs), Unmet: cs.Unmet, Awardable: awardable})
		if err := SeedCourses(ctx, cs, ms); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := SeedExams(ctx, accounts, rs, cs, es, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		users, _, err := accounts.ListUsers(ctx, account.System(), account.UserFilter{Text: "learner", Role: account.RoleLearner})
		if err != nil || len(users) == 0 {
			t.Fatalf("learner: %v", err)
		}
		var learner account.User
		for _, u := range users {
			if u.Username == "learner" {
				learner = u
			}
		}
		p := learner.Principal()
		list, total, err := es.Exams(ctx, p, nil, 10, 0)
		if err != nil || total != 2 {
			t.Fatalf("the learner sees %d exams: %v", total, err)
		}
		for _, e := range list {
			if e.Me == nil || !e.Me.CanStart {
				t.Fatalf("the learner cannot start %q: %+v", e.Title, e.Me)
			}
			a, err := es.Start(ctx, p, e.ID, "127.0.0.1", "test")
			if err != nil || len(a.Items) != 45 {
				t.Fatalf("start %q: %d items, %v", e.Title, len(a.Items), err)
			}
		}
	})
}

// awardable is the app's check of an exam's certificate kind.
func awardable(code string) bool {
	k, ok := certs.MustKinds().Get(code)
	return ok && k.Earnable()
}
