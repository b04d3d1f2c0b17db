package roster_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/roster"
)

// TestConcurrentClaimsOfOnePerson: a worker who left A is registered by B
// and C at the same moment. Exactly one enterprise gets them; the other is
// told they are on another roster. A query hook holds each identity lookup
// for a while so the two transactions overlap.
func TestConcurrentClaimsOfOnePerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲公司", townA, industryA)
		b := e.enterprise(t, "乙公司", townA, industryA)
		c := e.enterprise(t, "丙公司", townA, industryA)
		in := e.personInput(a.ID, "李四")
		p := e.person(t, in)
		if _, err := e.store.ChangeDuty(e.ctx, entAdmin(a.ID), p.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2025, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		const hook = "test:slow_identity_lookup"
		e.db.Callback().Query().Before("gorm:query").Register(hook, func(db *gorm.DB) {
			if looksUpIdentity(db) {
				time.Sleep(300 * time.Millisecond)
			}
		})
		t.Cleanup(func() { e.db.Callback().Query().Remove(hook) })
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, ent := range []uint{b.ID, c.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				claim := in
				claim.EnterpriseID = ent
				claim.AppointedOn = date(2025, 2, 1)
				_, errs[i] = e.store.CreatePerson(e.ctx, entAdmin(ent), claim)
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, roster.ErrPersonInOtherEnterprise):
				refused++
			default:
				t.Errorf("claim: unexpected %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("claims: %d succeeded, %d refused; want exactly one each (errors %v)", ok, refused, errs)
		}
		var appoints int64
		e.db.Model(&roster.DutyEvent{}).Where("person_id = ? AND kind = ?", p.ID, roster.DutyAppoint).Count(&appoints)
		if appoints != 2 {
			t.Fatalf("appoint events = %d, want 2 (A, then one of B and C)", appoints)
		}
	})
}

// looksUpIdentity reports whether a query filters people by ID hash.
func looksUpIdentity(db *gorm.DB) bool {
	c, ok := db.Statement.Clauses["WHERE"]
	if !ok {
		return false
	}
	w, ok := c.Expression.(clause.Where)
	if !ok {
		return false
	}
	for _, ex := range w.Exprs {
		if e, ok := ex.(clause.Expr); ok && strings.Contains(e.SQL, "id_hash") {
			return true
		}
	}
	return false
}
