package server

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/compliance"
	"anpei/fault"
)

func (s *Server) registerCompliance() {
	scope := []string{"scope"}
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/summary", Access: rosterUsers,
		Summary: "持证上岗率等三项比率（含分子分母）：scope=district|town:代码|industry:代码|department:代码|enterprise:编号，默认本人管辖范围；date=YYYY-MM-DD 按该日重新评估",
		Resp:    compliance.Summary{}, Query: []string{"scope", "date"}}, s.complianceSummary)
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/breakdown", Access: rosterUsers, Summary: "按镇街、行业、主管部门或企业分组的比率（by=town|industry|department|enterprise）",
		Resp: []compliance.Group{}, Query: []string{"scope", "by"}}, s.complianceBreakdown)
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/gaps", Access: rosterUsers, Summary: "不合规与即将到期的人员及原因（reason=原因代码，major=1 只看重大事故隐患，status=non_compliant|due_soon）",
		Resp: list[compliance.Gap]{}, Query: []string{"scope", "reason", "major", "status", "limit", "offset"}}, s.complianceGaps)
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/trend", Access: rosterUsers, Summary: "月末快照的趋势（months=最近月数，默认12）",
		Resp: []compliance.TrendPoint{}, Query: append(scope, "months")}, s.complianceTrend)
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/reasons", Access: rosterUsers, Summary: "原因代码表：名称、依据、是否重大事故隐患",
		Resp: []compliance.ReasonInfo{}}, s.complianceReasons)
	s.handle(route{Method: "POST", Path: "/api/v1/compliance/refresh", Access: adminOnly, Summary: "立即重新评估全部人员（通常每天凌晨自动进行）",
		Resp: compliance.RefreshReport{}}, s.complianceRefresh)
	s.registerComplianceExport()
	s.registerComplianceReport()
}

func (s *Server) complianceSummary(c *gin.Context) {
	p := principal(c)
	if d := c.Query("date"); d != "" {
		at, err := time.ParseInLocation("2006-01-02", d, time.FixedZone("CST", 8*3600))
		if err != nil {
			s.fail(c, fault.Field("bad_date", "date", "date 应为日期，如 2026-06-30"))
			return
		}
		sum, err := s.deps.Compliance.SummaryAt(c.Request.Context(), p, c.Query("scope"), at.Add(12*time.Hour))
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, sum)
		return
	}
	sum, err := s.deps.Compliance.Summary(c.Request.Context(), p, c.Query("scope"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}

func (s *Server) complianceBreakdown(c *gin.Context) {
	by := c.Query("by")
	if by == "" {
		by = "town"
	}
	groups, err := s.deps.Compliance.Breakdown(c.Request.Context(), principal(c), c.Query("scope"), by)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, groups)
}

func (s *Server) complianceGaps(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := compliance.GapFilter{Reason: c.Query("reason"), Status: c.Query("status"), Major: c.Query("major") == "1" || c.Query("major") == "true",
		Limit: limit, Offset: offset}
	gaps, total, err := s.deps.Compliance.Gaps(c.Request.Context(), principal(c), c.Query("scope"), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[compliance.Gap]{Items: gaps, Total: total})
}

func (s *Server) complianceTrend(c *gin.Context) {
	months := 12
	if v := c.Query("months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 120 {
			s.fail(c, fault.Field("bad_months", "months", "months 应为 1 到 120"))
			return
		}
		months = n
	}
	points, err := s.deps.Compliance.Trend(c.Request.Context(), principal(c), c.Query("scope"), months)
	if err != nil {
		s.fail(c, err)
		return
	}
	if points == nil {
		points = []compliance.TrendPoint{}
	}
	c.JSON(http.StatusOK, points)
}

func (s *Server) complianceReasons(c *gin.Context) {
	c.JSON(http.StatusOK, s.deps.Compliance.Engine().Reasons().All())
}

func (s *Server) complianceRefresh(c *gin.Context) {
	rep, err := s.deps.Compliance.Refresh(c.Request.Context(), time.Now())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (s *Server) registerComplianceExport() {
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/export.xlsx", Access: rosterUsers, Summary: "导出持证上岗情况（xlsx：概况、分组、缺口清单）",
		Query: []string{"scope"}}, s.complianceExport)
}

func (s *Server) complianceExport(c *gin.Context) {
	p := principal(c)
	sc, err := s.deps.Compliance.Resolve(c.Request.Context(), p, c.Query("scope"))
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.complianceNamesOf(c, sc, true)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.deps.Compliance.Export(c.Request.Context(), p, sc.String(), n.groupLabel, &buf); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "持证上岗情况-"+n.scopeLabel(sc)+"-"+time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")+".xlsx")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
