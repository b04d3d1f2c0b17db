package server

import (
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestPagesRender opens every page as every role: an allowed role gets the
// page (no template error, no 500), another role gets 403, nobody signed
// in is sent to the login page.
func TestPagesRender(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		for _, r := range h.srv.routes {
			if !r.Page || r.Path == "/login" {
				continue
			}
			path := r.Path
			if strings.HasPrefix(path, "/enterprises/") {
				path = strings.ReplaceAll(path, ":id", itoa(tn.ownEnt))
			}
			path = strings.ReplaceAll(path, ":id", itoa(tn.ownPerson))
			if res := h.anon().do("GET", path, nil); res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/login") {
				t.Errorf("GET %s signed out = %d → %q, want 303 to /login", path, res.status, res.header.Get("Location"))
			}
			for user, c := range tn.sessions {
				res := c.do("GET", path, nil)
				allowed := r.Access.allows(roleOfUser[user])
				switch {
				case res.status >= 500:
					t.Errorf("GET %s as %s = %d", path, user, res.status)
				case !allowed && res.status != 403:
					t.Errorf("GET %s as %s = %d, want 403", path, user, res.status)
				case allowed && res.status == 200 && !strings.Contains(res.body, "</html>"):
					t.Errorf("GET %s as %s: truncated page", path, user)
				case allowed && res.status != 200 && !pageScoped(path, user):
					t.Errorf("GET %s as %s = %d, want 200", path, user, res.status)
				}
				if strings.Contains(res.body, "{{") || strings.Contains(res.body, "<no value>") {
					t.Errorf("GET %s as %s shows template residue", path, user)
				}
			}
		}
		// The login page, and a signed-in user sent home from it.
		if res := h.anon().do("GET", "/login", nil); res.status != 200 || !strings.Contains(res.body, "账号登录") {
			t.Errorf("login page = %d", res.status)
		}
		if res := tn.sessions["admin"].do("GET", "/login", nil); res.status != 303 {
			t.Errorf("login page when signed in = %d, want 303", res.status)
		}
		if res := tn.sessions["admin"].do("GET", "/nowhere", nil); res.status != 404 || !strings.Contains(res.body, "页面不存在") {
			t.Errorf("unknown page = %d", res.status)
		}
	})
}

// pageScoped: pages an allowed role may still not see for scope reasons.
func pageScoped(path, user string) bool {
	switch user {
	case "town-reg":
		// the own enterprise and person are outside the town regulator's town
		return strings.HasPrefix(path, "/enterprises/") || strings.HasPrefix(path, "/people/") || path == "/audit"
	case "learner":
		return strings.HasPrefix(path, "/people/") // another person than themself
	case "trainer":
		return strings.HasPrefix(path, "/people/")
	}
	return false
}
