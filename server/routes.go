package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/assets"
)

// route is one entry of the route table. The table drives registration,
// the authorization matrix test and the OpenAPI document, so the three
// cannot disagree.
type route struct {
	Method  string
	Path    string
	Access  access
	Page    bool   // an HTML page (redirects to login) rather than the API
	Summary string // Chinese, for the OpenAPI document
	Req     any    // request body shape, for the OpenAPI document
	Resp    any    // response body shape
	Query   []string
	Created bool // answers 201 Created
}

func (s *Server) handle(r route, h gin.HandlerFunc) {
	s.routes = append(s.routes, r)
	s.engine.Handle(r.Method, r.Path, s.guard(r.Access, r.Page), h)
}

var (
	regulators  = adminsOf(account.RoleAdmin, account.RoleRegulator)
	adminOnly   = adminsOf(account.RoleAdmin)
	rosterUsers = adminsOf(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin)
)

func (s *Server) register() {
	static := http.FileServer(http.FS(assets.Static()))
	s.engine.GET("/static/*path", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Request.URL.Path = strings.TrimPrefix(c.Request.URL.Path, "/static")
		static.ServeHTTP(c.Writer, c.Request)
	})
	s.engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.engine.GET("/readyz", s.readyz)
	s.engine.GET("/metrics", s.metricsHandler())

	s.handle(route{Method: "GET", Path: "/api/v1/openapi.json", Access: public, Summary: "本接口文档（OpenAPI 3）"}, s.openAPI)

	// accounts and sessions
	s.handle(route{Method: "POST", Path: "/api/v1/login", Access: public, Summary: "登录", Req: loginReq{}, Resp: loginResp{}}, s.login)
	s.handle(route{Method: "POST", Path: "/api/v1/logout", Access: anyone, Summary: "退出登录"}, s.logout)
	s.handle(route{Method: "GET", Path: "/api/v1/me", Access: anyone, Summary: "当前用户", Resp: meResp{}}, s.me)
	s.handle(route{Method: "PATCH", Path: "/api/v1/me", Access: anyone, Summary: "修改本人资料", Req: profileReq{}, Resp: userJSON{}}, s.updateMe)
	s.handle(route{Method: "POST", Path: "/api/v1/me/password", Access: anyone, Summary: "修改本人密码", Req: passwordReq{}}, s.changePassword)
	s.handle(route{Method: "GET", Path: "/api/v1/users", Access: adminOnly, Summary: "用户列表", Resp: list[userJSON]{}, Query: []string{"role", "q", "limit", "offset"}}, s.listUsers)
	s.handle(route{Method: "POST", Path: "/api/v1/users", Access: adminOnly, Summary: "创建用户", Req: newUserReq{}, Resp: userJSON{}, Created: true}, s.createUser)
	s.handle(route{Method: "GET", Path: "/api/v1/users/:id", Access: adminOnly, Summary: "用户详情", Resp: userJSON{}}, s.getUser)
	s.handle(route{Method: "PATCH", Path: "/api/v1/users/:id", Access: adminOnly, Summary: "修改用户（姓名、手机、停用）", Req: userPatchReq{}, Resp: userJSON{}}, s.patchUser)
	s.handle(route{Method: "POST", Path: "/api/v1/users/:id/password", Access: adminOnly, Summary: "重置用户密码", Req: resetReq{}}, s.resetPassword)

	// audit ledger
	s.handle(route{Method: "GET", Path: "/api/v1/audit", Access: regulators, Summary: "审计日志", Resp: list[auditJSON]{},
		Query: []string{"entity", "entity_id", "action", "actor_id", "from", "to", "limit", "offset"}}, s.listAudit)

	s.registerRoster()
	s.registerCourses()
	s.registerExams()
	s.registerExamPages()
	s.registerExamAdminPages()
	s.registerLearnPages()
	s.registerAuthorPages()
	s.registerCerts()
	s.registerCertDocs()
	s.registerCertPages()
	s.registerVerify()
	s.registerCompliance()
	s.registerCompliancePages()
	s.registerNotices()
	s.registerLive()
	s.registerCertFiles()

	// pages
	s.handle(route{Method: "GET", Path: "/", Access: anyone, Page: true}, s.homePage)
	s.handle(route{Method: "GET", Path: "/login", Access: public, Page: true}, s.loginPage)
	s.handle(route{Method: "GET", Path: "/profile", Access: anyone, Page: true}, s.profilePage)
	s.handle(route{Method: "GET", Path: "/admin/users", Access: adminOnly, Page: true}, s.usersPage)
	s.handle(route{Method: "GET", Path: "/audit", Access: regulators, Page: true}, s.auditPage)
}

func (s *Server) readyz(c *gin.Context) {
	if err := s.Ready(c.Request.Context()); err != nil {
		s.log(c).Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "database unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
