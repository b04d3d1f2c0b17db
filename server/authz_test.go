package server

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/demo"
	"anpei/roster"
)

// tenants seeds the demo district and returns, for the authorization
// tests, a session of every role plus a second enterprise admin, with the
// IDs of an own and an other enterprise and person.
type tenants struct {
	sessions            map[string]*client
	ownEnt, otherEnt    uint
	ownPerson, otherPer uint
}

func seedTenants(t *testing.T, h *harness) tenants {
	t.Helper()
	ctx := context.Background()
	if err := demo.Seed(ctx, h.gdb, h.accounts, h.roster); err != nil {
		t.Fatalf("seed: %v", err)
	}
	var ent account.User
	h.gdb.Where("username = ?", "enterprise").First(&ent)
	own := *ent.EnterpriseID
	rows, _, err := h.roster.ListEnterprises(ctx, account.System(), roster.EnterpriseFilter{Limit: 100})
	if err != nil || len(rows) < 2 {
		t.Fatalf("demo enterprises: %v (%d)", err, len(rows))
	}
	var other roster.EnterpriseRow
	for _, r := range rows {
		if r.ID != own {
			other = r
			break
		}
	}
	personOf := func(eid uint) uint {
		ps, _, err := h.roster.ListPeople(ctx, account.System(), roster.PersonFilter{EnterpriseID: eid, Limit: 1})
		if err != nil || len(ps) == 0 {
			t.Fatalf("people of %d: %v", eid, err)
		}
		return ps[0].ID
	}
	// Demo passwords are anpei-demo; the harness logs in with anpei-test-1.
	for _, u := range []string{"admin", "regulator", "enterprise", "trainer", "learner"} {
		if err := h.accounts.SetPassword(ctx, u, "anpei-test-1"); err != nil {
			t.Fatal(err)
		}
	}
	h.user(account.NewUser{Username: "town-reg", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: other.TownCode})
	tn := tenants{sessions: map[string]*client{}, ownEnt: own, otherEnt: other.ID, ownPerson: personOf(own), otherPer: personOf(other.ID)}
	for _, u := range []string{"admin", "regulator", "enterprise", "trainer", "learner", "town-reg"} {
		tn.sessions[u] = h.login(u)
	}
	return tn
}

var roleOfUser = map[string]account.Role{
	"admin": account.RoleAdmin, "regulator": account.RoleRegulator, "enterprise": account.RoleEnterpriseAdmin,
	"trainer": account.RoleTrainer, "learner": account.RoleLearner, "town-reg": account.RoleRegulator,
}

// TestAuthorizationMatrix walks every API route of the route table with
// every role: a role the table does not allow gets 403, an allowed one
// never does; without a session every non-public route is 401.
func TestAuthorizationMatrix(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		for _, r := range h.srv.routes {
			if r.Page || r.Access.public {
				continue
			}
			path := strings.ReplaceAll(r.Path, ":id", itoa(tn.ownPerson))
			if strings.HasPrefix(r.Path, "/api/v1/enterprises/") {
				path = strings.ReplaceAll(r.Path, ":id", itoa(tn.ownEnt))
			}
			if res := h.anon().do(r.Method, path, nil); res.status != 401 {
				t.Errorf("%s %s without a session = %d, want 401", r.Method, r.Path, res.status)
			}
			for user, c := range tn.sessions {
				if r.Method == "POST" && (r.Path == "/api/v1/logout" || strings.HasSuffix(r.Path, "/password")) {
					continue // would end the session the matrix still needs
				}
				res := c.do(r.Method, path, map[string]any{})
				allowed := r.Access.allows(roleOfUser[user])
				switch {
				case !allowed && res.status != 403:
					t.Errorf("%s %s as %s = %d, want 403", r.Method, r.Path, user, res.status)
				case allowed && res.status == 403 && res.errCode() == "forbidden" && !scopedForbid(r.Path, user):
					t.Errorf("%s %s as %s = 403 %s, but the route table allows the role", r.Method, r.Path, user, res.body)
				case res.status >= 500:
					t.Errorf("%s %s as %s = %d %s", r.Method, r.Path, user, res.status, res.body)
				}
			}
		}
	})
}

// scopedForbid lists the routes whose store refuses some allowed roles by
// scope rather than by role (the table cannot say "district regulators").
func scopedForbid(path, user string) bool {
	switch {
	case path == "/api/v1/audit" && user == "town-reg":
		return true
	case strings.HasPrefix(path, "/api/v1/people") && (user == "trainer" || user == "regulator" || user == "town-reg"):
		return true // trainers see no roster; regulators read people but do not change them
	case strings.HasPrefix(path, "/api/v1/enterprises") && user == "enterprise":
		return true // an enterprise admin edits only contact fields
	}
	return false
}

// TestTenantIsolation: an enterprise admin reaches nothing of another
// enterprise by any route, and a town regulator only their town.
func TestTenantIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ent := tn.sessions["enterprise"]
		other, otherEnt := itoa(tn.otherPer), itoa(tn.otherEnt)
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/people/" + other, nil},
			{"PATCH", "/api/v1/people/" + other, map[string]any{"name": "张三"}},
			{"POST", "/api/v1/people/" + other + "/reveal", nil},
			{"POST", "/api/v1/people/" + other + "/duty", map[string]any{"kind": "leave", "date": "2026-01-01"}},
			{"GET", "/api/v1/people/" + other + "/duty", nil},
			{"GET", "/api/v1/enterprises/" + otherEnt, nil},
			{"PATCH", "/api/v1/enterprises/" + otherEnt, map[string]any{"contact_name": "张三"}},
		} {
			res := ent.do(tc.method, tc.path, tc.body)
			if res.status != 404 && res.status != 403 {
				t.Errorf("enterprise admin %s %s = %d %s, want 404 or 403", tc.method, tc.path, res.status, res.body)
			}
		}
		res := ent.do("GET", "/api/v1/people?enterprise_id="+otherEnt, nil)
		if res.status == 200 && !strings.Contains(res.body, `"total":0`) {
			t.Errorf("enterprise admin lists another enterprise's people: %.300s", res.body)
		}
		res = ent.do("GET", "/api/v1/people?limit=1000", nil)
		var list struct {
			Items []struct {
				EnterpriseID uint `json:"enterprise_id"`
			} `json:"items"`
		}
		res.decode(t, &list)
		if len(list.Items) == 0 {
			t.Fatal("enterprise admin sees no people of their own")
		}
		for _, p := range list.Items {
			if p.EnterpriseID != tn.ownEnt {
				t.Fatalf("enterprise admin's list holds a person of enterprise %d", p.EnterpriseID)
			}
		}
		// The learner sees themself only.
		if res := tn.sessions["learner"].do("GET", "/api/v1/people/"+other, nil); res.status != 404 && res.status != 403 {
			t.Errorf("learner reads another person = %d", res.status)
		}
		// The town regulator sees only enterprises of their town.
		res = tn.sessions["town-reg"].do("GET", "/api/v1/enterprises?limit=1000", nil)
		var ents struct {
			Items []struct {
				TownCode string `json:"town_code"`
				ID       uint   `json:"id"`
			} `json:"items"`
		}
		res.decode(t, &ents)
		var town string
		for _, e := range ents.Items {
			if e.ID == tn.otherEnt {
				town = e.TownCode
			}
		}
		if town == "" {
			t.Fatal("town regulator does not see an enterprise of their town")
		}
		for _, e := range ents.Items {
			if e.TownCode != town {
				t.Fatalf("town regulator sees an enterprise of town %s", e.TownCode)
			}
		}
	})
}
