package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/audit"
)

func (s *Server) loginPage(c *gin.Context) {
	if _, ok := current(c); ok {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	next := c.Query("next")
	if !localPath(next) {
		next = "/"
	}
	s.render(c, http.StatusOK, "login", "登录", gin.H{"Next": next, "Demo": s.cfg.Demo})
}

func (s *Server) profilePage(c *gin.Context) {
	cur, _ := current(c)
	s.render(c, http.StatusOK, "profile", "个人资料", gin.H{"User": cur.User, "Principal": cur.Principal})
}

type usersPageData struct {
	Users  []userJSON
	Pager  pager
	Roles  []account.Role
	Role   string
	Q      string
	Kinds  []account.JurisdictionKind
	Towns  any
	Depts  any
	Enters any
}

func (s *Server) usersPage(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	users, total, err := s.deps.Accounts.ListUsers(c.Request.Context(), principal(c), account.UserFilter{
		Role: account.Role(c.Query("role")), Text: c.Query("q"), Limit: limit, Offset: offset})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := usersPageData{Pager: newPager(c, total, limit, offset), Roles: account.Roles(), Role: c.Query("role"), Q: c.Query("q"),
		Kinds: []account.JurisdictionKind{account.JurisdictionDistrict, account.JurisdictionTown, account.JurisdictionDepartment}}
	for _, u := range users {
		d.Users = append(d.Users, toUserJSON(u, s.cfg.Now()))
	}
	d.Towns, d.Depts = s.referenceForForms(c)
	s.render(c, http.StatusOK, "users", "用户管理", d)
}

type auditPageData struct {
	Entries  []audit.Entry
	Pager    pager
	Filter   map[string]string
	Actions  []string
	Entities []string
}

func (s *Server) auditPage(c *gin.Context) {
	f, limit, offset, err := s.auditFilter(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	entries, total, err := s.auditList(c, f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "audit", "审计日志", auditPageData{Entries: entries, Pager: newPager(c, total, limit, offset),
		Filter: map[string]string{"entity": c.Query("entity"), "entity_id": c.Query("entity_id"), "action": c.Query("action"),
			"from": c.Query("from"), "to": c.Query("to")},
		Actions:  []string{"create", "update", "login", "login_failed", "logout", "password_change", "password_reset", "reveal_id", "import_people", "join", "change_duty", "export"},
		Entities: []string{"user", "enterprise", "person"}})
}

// localPath reports whether p is a path on this site and nothing else: it
// starts with one "/", and has no backslash, control character or scheme
// that a browser could turn into another host.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for _, r := range p {
		if r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == ""
}
