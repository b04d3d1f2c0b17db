package roster_test

import "testing"

// TestPersonEnterprise: the enterprise a person is on, 0 for no such
// person.
func TestPersonEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		pa := e.person(t, e.personInput(a.ID, "王五"))
		pb := e.person(t, e.personInput(b.ID, "赵六"))
		for _, tc := range []struct {
			person, want uint
		}{{pa.ID, a.ID}, {pb.ID, b.ID}, {pb.ID + 1000, 0}} {
			if got, err := e.store.PersonEnterprise(e.ctx, tc.person); err != nil || got != tc.want {
				t.Errorf("PersonEnterprise(%d) = %d, %v; want %d", tc.person, got, err, tc.want)
			}
		}
	})
}
