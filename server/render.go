package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
)

type navItem struct {
	Href, Label string
	Active      bool
	Badge       int64 // unread count shown beside the label
}

type pageUser struct {
	Name, RoleLabel string
	Role            account.Role
}

// pageData is what every page template receives.
type pageData struct {
	Title     string
	User      *pageUser
	CSRF      string
	Nav       []navItem
	RequestID string
	Data      any
}

// navFor lists the sections a role may open.
func navFor(p account.Principal) []navItem {
	items := []navItem{{Href: "/", Label: "首页"}}
	switch p.Role {
	case account.RoleAdmin:
		items = append(items, navItem{Href: "/enterprises", Label: "企业"}, navItem{Href: "/people", Label: "从业人员"},
			navItem{Href: "/admin/users", Label: "用户管理"}, navItem{Href: "/audit", Label: "审计日志"})
	case account.RoleRegulator:
		items = append(items, navItem{Href: "/enterprises", Label: "辖区企业"}, navItem{Href: "/people", Label: "从业人员"})
		if p.SeesWholeDistrict() {
			items = append(items, navItem{Href: "/audit", Label: "审计日志"})
		}
	case account.RoleEnterpriseAdmin:
		items = append(items, navItem{Href: "/enterprises/" + strconv.Itoa(int(p.EnterpriseID)), Label: "本企业"},
			navItem{Href: "/people", Label: "人员名单"}, navItem{Href: "/people/import", Label: "名单导入"},
			navItem{Href: "/enterprises/" + strconv.Itoa(int(p.EnterpriseID)) + "/training", Label: "培训情况"})
	case account.RoleTrainer:
		items = append(items, navItem{Href: "/courses", Label: "课程管理"}, navItem{Href: "/live", Label: "直播课"})
	case account.RoleLearner:
		items = append(items, navItem{Href: "/learn", Label: "我的学习"}, navItem{Href: "/courses", Label: "课程"}, navItem{Href: "/live", Label: "直播课"}, navItem{Href: "/exams", Label: "在线考试"},
			navItem{Href: "/certificates", Label: "我的证书"})
	}
	if p.Is(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin) {
		items = append(items, navItem{Href: "/compliance", Label: "持证上岗"}, navItem{Href: "/certificates", Label: "证书"})
	}
	if p.Is(account.RoleAdmin, account.RoleRegulator) {
		items = append(items, navItem{Href: "/courses", Label: "课程"})
	}
	switch p.Role {
	case account.RoleAdmin, account.RoleTrainer:
		items = append(items, navItem{Href: "/exam-admin", Label: "题库与考试"})
	case account.RoleRegulator:
		items = append(items, navItem{Href: "/exam-admin", Label: "考试"})
	}
	if p.Is(account.RoleLearner, account.RoleEnterpriseAdmin) {
		items = append(items, navItem{Href: "/inbox", Label: "消息"})
	}
	return items
}

// render writes a page inside the layout. A template error becomes a 500
// page; nothing half-rendered reaches the browser.
func (s *Server) render(c *gin.Context, status int, name, title string, data any) {
	d := pageData{Title: title, RequestID: requestID(c), Data: data}
	if cur, ok := current(c); ok {
		d.User = &pageUser{Name: cur.User.Name, RoleLabel: cur.User.Role.Label(), Role: cur.User.Role}
		d.CSRF = cur.Session.CSRFToken
		d.Nav = navFor(cur.Principal)
		s.inboxBadge(c, cur.Principal, d.Nav)
		for i := range d.Nav {
			d.Nav[i].Active = d.Nav[i].Href == c.Request.URL.Path
		}
	}
	t, ok := s.pages[name]
	var buf bytes.Buffer
	if !ok {
		s.log(c).Error("missing page template", "page", name)
		status, t = http.StatusInternalServerError, s.pages["status"]
		d.Title, d.Data = "出错了", "页面暂时无法显示，请稍后重试。"
	}
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		s.log(c).Error("render page", "page", name, "err", err)
		buf.Reset()
		status = http.StatusInternalServerError
		d.Title, d.Data = "出错了", "页面暂时无法显示，请稍后重试。请求编号 "+requestID(c)
		if err := s.pages["status"].ExecuteTemplate(&buf, "layout", d); err != nil {
			c.String(status, "服务器内部错误")
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) renderStatus(c *gin.Context, status int, title, message string) {
	s.render(c, status, "status", title, message)
}

// renderErr shows a store error as a page with the right status.
func (s *Server) renderErr(c *gin.Context, err error) {
	fe := s.asOutage(c, err)
	status := statusOf[fe.Kind]
	msg := fe.Message
	if fe.Kind != fault.Unavailable && (status >= 500 || status == 0) {
		s.log(c).Error("page failed", "err", err)
		status, msg = http.StatusInternalServerError, "页面暂时无法显示，请稍后重试。请求编号 "+requestID(c)
	}
	s.renderStatus(c, status, "无法显示", msg)
}

// pager is the data of the "pager" partial.
type pager struct {
	Total              int64
	PrevHref, NextHref string
}

func newPager(c *gin.Context, total int64, limit, offset int) pager {
	p := pager{Total: total}
	link := func(off int) string {
		q := c.Request.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		u := url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	if offset > 0 {
		p.PrevHref = link(max(offset-limit, 0))
	}
	if int64(offset+limit) < total {
		p.NextHref = link(offset + limit)
	}
	return p
}
