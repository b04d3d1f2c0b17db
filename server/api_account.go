package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
)

type loginReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type userJSON struct {
	ID               uint      `json:"id"`
	Username         string    `json:"username"`
	Name             string    `json:"name"`
	Phone            string    `json:"phone"`
	Role             string    `json:"role"`
	RoleLabel        string    `json:"role_label"`
	EnterpriseID     *uint     `json:"enterprise_id"`
	PersonID         *uint     `json:"person_id"`
	JurisdictionKind string    `json:"jurisdiction_kind,omitempty"`
	JurisdictionCode string    `json:"jurisdiction_code,omitempty"`
	Disabled         bool      `json:"disabled"`
	Locked           bool      `json:"locked"`
	CreatedAt        time.Time `json:"created_at"`
}

func toUserJSON(u account.User, now time.Time) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Name: u.Name, Phone: u.Phone, Role: string(u.Role),
		RoleLabel: u.Role.Label(), EnterpriseID: u.EnterpriseID, PersonID: u.PersonID,
		JurisdictionKind: string(u.JurisdictionKind), JurisdictionCode: u.JurisdictionCode,
		Disabled: u.Disabled, Locked: u.LockedUntil != nil && u.LockedUntil.After(now), CreatedAt: u.CreatedAt}
}

type loginResp struct {
	User      userJSON `json:"user"`
	CSRFToken string   `json:"csrf_token"`
}

type meResp = loginResp

func (s *Server) login(c *gin.Context) {
	var req loginReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if strings.TrimSpace(req.Username) == "" || req.Password == "" {
		s.fail(c, fault.New(fault.Invalid, "credentials_required", "请输入用户名和密码").WithDetails(
			fault.Detail{Field: "username", Message: "请输入用户名和密码"}))
		return
	}
	if ok, wait := s.throttle.Allow(c.ClientIP()); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.fail(c, errThrottled.WithMessage("登录尝试过于频繁，请 %d 秒后再试", int(wait.Seconds())+1))
		return
	}
	l, err := s.deps.Accounts.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setCookie(c, l.Token, 0) // a browser-session cookie; the server enforces idle and absolute expiry
	c.JSON(http.StatusOK, loginResp{User: toUserJSON(l.User, s.cfg.Now()), CSRFToken: l.CSRFToken})
}

func retryAfter(d time.Duration) string { return strconv.Itoa(int(d.Seconds()) + 1) }

func (s *Server) logout(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	if err := s.deps.Accounts.Logout(c.Request.Context(), principal(c), token); err != nil {
		s.fail(c, err)
		return
	}
	s.clearCookie(c)
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

func (s *Server) me(c *gin.Context) {
	cur, _ := current(c)
	c.JSON(http.StatusOK, meResp{User: toUserJSON(cur.User, s.cfg.Now()), CSRFToken: cur.Session.CSRFToken})
}

type profileReq struct {
	Name  *string `json:"name"`
	Phone *string `json:"phone"`
}

func (s *Server) updateMe(c *gin.Context) {
	var req profileReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	u, err := s.deps.Accounts.UpdateUser(c.Request.Context(), p, p.UserID, account.UserPatch{Name: req.Name, Phone: req.Phone})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u, s.cfg.Now()))
}

type passwordReq struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) changePassword(c *gin.Context) {
	var req passwordReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	token, _ := c.Cookie(sessionCookie)
	if err := s.deps.Accounts.ChangePassword(c.Request.Context(), principal(c), token, req.OldPassword, req.NewPassword); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

type newUserReq struct {
	Username         string `json:"username"`
	Name             string `json:"name"`
	Phone            string `json:"phone"`
	Role             string `json:"role"`
	Password         string `json:"password"`
	EnterpriseID     uint   `json:"enterprise_id"`
	PersonID         uint   `json:"person_id"`
	JurisdictionKind string `json:"jurisdiction_kind"`
	JurisdictionCode string `json:"jurisdiction_code"`
}

func (s *Server) createUser(c *gin.Context) {
	var req newUserReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.deps.Accounts.CreateUser(c.Request.Context(), principal(c), account.NewUser{
		Username: req.Username, Name: req.Name, Phone: req.Phone, Role: account.Role(req.Role), Password: req.Password,
		EnterpriseID: req.EnterpriseID, PersonID: req.PersonID,
		JurisdictionKind: account.JurisdictionKind(req.JurisdictionKind), JurisdictionCode: req.JurisdictionCode})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUserJSON(u, s.cfg.Now()))
}

func (s *Server) listUsers(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	users, total, err := s.deps.Accounts.ListUsers(c.Request.Context(), principal(c), account.UserFilter{
		Role: account.Role(c.Query("role")), Text: c.Query("q"), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := list[userJSON]{Items: make([]userJSON, 0, len(users)), Total: total}
	for _, u := range users {
		out.Items = append(out.Items, toUserJSON(u, s.cfg.Now()))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getUser(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.deps.Accounts.User(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u, s.cfg.Now()))
}

type userPatchReq struct {
	Name     *string `json:"name"`
	Phone    *string `json:"phone"`
	Disabled *bool   `json:"disabled"`
}

func (s *Server) patchUser(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req userPatchReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.deps.Accounts.UpdateUser(c.Request.Context(), principal(c), id, account.UserPatch{Name: req.Name, Phone: req.Phone, Disabled: req.Disabled})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u, s.cfg.Now()))
}

type resetReq struct {
	Password string `json:"password"`
}

func (s *Server) resetPassword(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req resetReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Accounts.ResetPassword(c.Request.Context(), principal(c), id, req.Password); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}
