package server

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
)

const (
	ctxAuthErr    = "anpei.auth_err"
	sessionCookie = "anpei_session"
	csrfHeader    = "X-CSRF-Token"
)

// access says who may use a route: everyone, or signed-in users of the
// listed roles (all roles when the list is empty). It is the first of the
// two authorization layers; the second is the scope every store applies to
// the Principal (an enterprise sees only itself, a regulator only their
// jurisdiction).
type access struct {
	public bool
	roles  []account.Role
}

var (
	public   = access{public: true}
	anyone   = access{}
	adminsOf = func(roles ...account.Role) access { return access{roles: roles} }
)

// with returns a copy of a that also admits roles.
func (a access) with(roles ...account.Role) access {
	return access{public: a.public, roles: append(append([]account.Role(nil), a.roles...), roles...)}
}

func (a access) allows(r account.Role) bool {
	if len(a.roles) == 0 {
		return true
	}
	for _, x := range a.roles {
		if x == r {
			return true
		}
	}
	return false
}

// loadSession attaches the signed-in user, if any. A bad or expired cookie
// is cleared, not an error: the route decides whether login is needed.
func (s *Server) loadSession(c *gin.Context) {
	token, err := c.Cookie(sessionCookie)
	if err == nil && token != "" {
		cur, err := s.deps.Accounts.Authenticate(c.Request.Context(), token)
		switch {
		case err == nil:
			cur.Principal.IP = c.ClientIP()
			c.Set(ctxCurrent, cur)
			c.Set(ctxLogger, s.log(c).With("user_id", cur.Principal.UserID))
		case fault.As(err).Kind == fault.Internal:
			s.fail(c, err)
			return
		default:
			// Not an error yet: a public route does not care. A route that
			// needs a session reports this reason (e.g. expired) instead
			// of a bare "not logged in".
			c.Set(ctxAuthErr, err)
			s.clearCookie(c)
		}
	}
	c.Next()
}

func current(c *gin.Context) (account.Current, bool) {
	v, ok := c.Get(ctxCurrent)
	if !ok {
		return account.Current{}, false
	}
	return v.(account.Current), true
}

// principal returns who is acting; for public routes it is an anonymous
// principal carrying only the client IP.
func principal(c *gin.Context) account.Principal {
	if cur, ok := current(c); ok {
		return cur.Principal
	}
	return account.Principal{IP: c.ClientIP()}
}

// guard enforces a route's access and, for changes made with the session
// cookie, the CSRF token.
func (s *Server) guard(a access, isPage bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		cur, signedIn := current(c)
		if !a.public {
			if !signedIn {
				if isPage {
					c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
					c.Abort()
					return
				}
				if why, ok := c.Get(ctxAuthErr); ok {
					s.fail(c, why.(error))
					return
				}
				s.fail(c, account.ErrNoSession)
				return
			}
			if !a.allows(cur.Principal.Role) {
				if isPage {
					s.renderStatus(c, http.StatusForbidden, "无权访问", "您的账号没有访问此页面的权限。")
					c.Abort()
					return
				}
				s.fail(c, account.ErrForbidden)
				return
			}
		}
		if signedIn && !safeMethod(c.Request.Method) {
			sent := c.GetHeader(csrfHeader)
			if sent == "" && strings.HasPrefix(c.GetHeader("Content-Type"), "application/x-www-form-urlencoded") {
				sent = c.PostForm("csrf_token")
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(cur.Session.CSRFToken)) != 1 {
				s.fail(c, errCSRF)
				return
			}
		}
		c.Next()
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *Server) setCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies || c.Request.TLS != nil,
	})
}

func (s *Server) clearCookie(c *gin.Context) { s.setCookie(c, "", -1) }
