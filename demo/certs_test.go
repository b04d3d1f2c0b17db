package demo

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db/dbtest"
	"anpei/exam"
)

// TestSeedCerts: the demo district holds certificates of every status,
// anpei's and registered state ones, verified and not; the demo learner
// has none (theirs comes from the demo exam); a second seed adds nothing.
func TestSeedCerts(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, rs := stores(t, gdb, false)
		seed(t, gdb, accounts, rs)
		cs, err := course.NewStore(gdb, fromroster.Options(rs))
		if err != nil {
			t.Fatal(err)
		}
		es := exam.NewStore(gdb, exam.Options{Candidate: fromroster.Candidate(rs), Unmet: cs.Unmet, Awardable: awardable})
		opt := fromroster.CertOptions(rs, cs, es)
		opt.IDHash = signing.SaltedHashes
		st := certs.NewStore(gdb, opt)
		for range 2 {
			if err := SeedCerts(ctx, accounts, rs, st, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		all, total, err := st.List(ctx, account.System(), certs.Filter{Limit: 1000})
		if err != nil || total < 20 {
			t.Fatalf("%d demo certificates: %v", total, err)
		}
		statuses, kinds := map[certs.Status]int{}, map[string]int{}
		verified, unverified := 0, 0
		learner, _ := learnerPerson(ctx, accounts)
		for _, c := range all {
			statuses[c.Status]++
			kinds[c.Kind]++
			if c.External && c.Verified {
				verified++
			} else if c.External {
				unverified++
			}
			if c.PersonID == learner && !c.External {
				t.Errorf("the demo learner has certificate %s before passing the exam", c.Number)
			}
		}
		for _, s := range certs.Statuses() {
			if statuses[s] == 0 {
				t.Errorf("no demo certificate is %s (%s)", s, s.Label())
			}
		}
		for _, k := range st.Kinds().All() {
			if kinds[k.Code] == 0 {
				t.Errorf("no demo certificate of kind %s", k.Code)
			}
		}
		if verified == 0 || unverified == 0 {
			t.Errorf("registered certificates: %d verified, %d not", verified, unverified)
		}
	})
}
