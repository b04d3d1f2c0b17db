package server

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/charts"
	"anpei/compliance"
	"anpei/roster"
)

// registerCompliancePages registers the dashboard (a regulator's
// jurisdiction, drilling down to towns, industries and enterprises; an
// enterprise admin's to-do list) and the gap list.
func (s *Server) registerCompliancePages() {
	s.handle(route{Method: "GET", Path: "/compliance", Access: rosterUsers, Page: true}, s.compliancePage)
	s.handle(route{Method: "GET", Path: "/compliance/gaps", Access: rosterUsers, Page: true}, s.gapsPage)
}

// names resolves the codes of towns, industries, departments and the
// enterprises in a set of keys for labels.
type names struct {
	towns, industries, departments map[string]string
	enterprises                    map[uint]string
}

func (s *Server) complianceNames(c *gin.Context, sc compliance.Scope) (names, error) {
	return s.complianceNamesOf(c, sc, false)
}

// complianceNamesOf is complianceNames; with everyEnterprise the names of
// all enterprises in a district or department scope too (for exports).
func (s *Server) complianceNamesOf(c *gin.Context, sc compliance.Scope, everyEnterprise bool) (names, error) {
	ref, err := s.referenceData(c)
	if err != nil {
		return names{}, err
	}
	n := names{towns: map[string]string{}, industries: map[string]string{}, departments: map[string]string{}, enterprises: map[uint]string{}}
	for _, t := range ref.Towns {
		n.towns[t.Code] = t.Name
	}
	for _, i := range ref.Industries {
		n.industries[i.Code] = i.Name
	}
	for _, d := range ref.Departments {
		n.departments[d.Code] = d.Name
	}
	f := roster.EnterpriseFilter{Limit: roster.MaxLimit}
	switch sc.Kind {
	case "town":
		f.TownCode = sc.Code
	case "industry":
		f.IndustryCode = sc.Code
	case "enterprise":
		e, err := s.deps.Roster.Enterprise(c.Request.Context(), account.System(), sc.ID)
		if err != nil {
			return names{}, err
		}
		n.enterprises[e.ID] = e.Name
		return n, nil
	case "district", "department":
		if !everyEnterprise {
			return n, nil
		}
	}
	for offset := 0; ; offset += roster.MaxLimit {
		f.Offset = offset
		rows, total, err := s.deps.Roster.ListEnterprises(c.Request.Context(), account.System(), f)
		if err != nil {
			return names{}, err
		}
		for _, r := range rows {
			n.enterprises[r.ID] = r.Name
		}
		if int64(offset+len(rows)) >= total || len(rows) == 0 {
			return n, nil
		}
	}
}

func (n names) scopeLabel(sc compliance.Scope) string {
	switch sc.Kind {
	case "town":
		return n.towns[sc.Code]
	case "industry":
		return n.industries[sc.Code] + "行业"
	case "department":
		return n.departments[sc.Code]
	case "enterprise":
		return n.enterprises[sc.ID]
	}
	return "麒麟区"
}

func (n names) groupLabel(by, key string) string {
	switch by {
	case "town":
		return n.towns[key]
	case "industry":
		return n.industries[key]
	case "enterprise":
		id, _ := strconv.Atoi(key)
		if name := n.enterprises[uint(id)]; name != "" {
			return name
		}
		return "企业" + key
	}
	return key
}

// tile is one rate on the dashboard.
type tile struct {
	Label string
	Rate  compliance.RateView
	Short bool // below the 100% target
}

func rateTile(label string, r compliance.RateView) tile {
	return tile{Label: label, Rate: r, Short: r.Den > 0 && r.Num < r.Den}
}

// breakdown is one breakdown of the dashboard: the chart, and the same
// figures as a table with links (screen readers do not enter the chart).
type breakdown struct {
	Title string
	Chart template.HTML
	Rows  []breakdownRow
}

type breakdownRow struct {
	Label, Href         string
	People, Gaps, Major int
	Certified, PreJob   compliance.RateView
	Annual              compliance.RateView
}

// breakdownChart draws one breakdown as bars linking to the groups.
func (s *Server) breakdownChart(ctx context.Context, p account.Principal, sc compliance.Scope, by, title string, n names) (*breakdown, error) {
	groups, err := s.deps.Compliance.Breakdown(ctx, p, sc.String(), by)
	if err != nil {
		return nil, err
	}
	out := &breakdown{Title: title}
	bars := make([]charts.Bar, 0, len(groups))
	for _, g := range groups {
		r := g.Tally.Certified.Overall
		href := "/compliance?scope=" + url.QueryEscape(by+":"+g.Key)
		bars = append(bars, charts.Bar{Label: n.groupLabel(by, g.Key), Num: r.Num, Den: r.Den, Href: href})
		out.Rows = append(out.Rows, breakdownRow{Label: n.groupLabel(by, g.Key), Href: href, People: g.Tally.People, Gaps: g.Tally.NonCompliant,
			Major: g.Tally.Major, Certified: r, PreJob: g.Tally.PreJob.Overall, Annual: g.Tally.Annual.Overall})
	}
	out.Chart = charts.Bars(charts.BarChart{Title: title, Desc: "各" + map[string]string{"town": "镇（街道）", "industry": "行业", "enterprise": "企业"}[by] +
		"持证上岗率（持证人数/应持证人数），点击查看明细", Bars: bars, Target: 1, SortAscending: true})
	return out, nil
}

func (s *Server) compliancePage(c *gin.Context) {
	p, ctx := principal(c), c.Request.Context()
	sum, err := s.deps.Compliance.Summary(ctx, p, c.Query("scope"))
	if err != nil {
		s.renderErr(c, err)
		return
	}
	sc := sum.Scope
	n, err := s.complianceNames(c, sc)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	t := sum.Tally
	d := gin.H{"Sum": sum, "Scope": sc.String(), "Label": n.scopeLabel(sc), "Enterprise": sc.Kind == "enterprise",
		"Tiles": []tile{rateTile("持证上岗率（合计）", t.Certified.Overall), rateTile("主要负责人", t.Certified.Principal),
			rateTile("安全生产管理人员", t.Certified.SafetyManager), rateTile("特种作业人员", t.Certified.SpecialOperator),
			rateTile("岗前培训率", t.PreJob.Overall), rateTile("年度学时完成率", t.Annual.Overall)},
		"Staff": p.Is(account.RoleAdmin, account.RoleRegulator), "Export": "/api/v1/compliance/export.xlsx?scope=" + url.QueryEscape(sc.String())}
	switch sc.Kind {
	case "district", "department":
		if d["ByTown"], err = s.breakdownChart(ctx, p, sc, "town", "各镇（街道）持证上岗率", n); err != nil {
			s.renderErr(c, err)
			return
		}
		if d["ByIndustry"], err = s.breakdownChart(ctx, p, sc, "industry", "各行业持证上岗率", n); err != nil {
			s.renderErr(c, err)
			return
		}
	case "town", "industry":
		if d["ByEnterprise"], err = s.breakdownChart(ctx, p, sc, "enterprise", "各企业持证上岗率", n); err != nil {
			s.renderErr(c, err)
			return
		}
	}
	trend, err := s.deps.Compliance.Trend(ctx, p, sc.String(), 24)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	var pts []charts.TrendPoint
	for _, tp := range trend {
		m, _ := time.Parse("2006-01", tp.Month)
		pts = append(pts, charts.TrendPoint{Month: m, Num: tp.Tally.Certified.Overall.Num, Den: tp.Tally.Certified.Overall.Den})
	}
	if len(pts) > 0 {
		d["Trend"] = charts.Trend(charts.TrendChart{Title: "持证上岗率月末趋势", Desc: "每月最后一天的持证上岗率（月末快照）", Points: pts, Target: 1})
	}
	from := time.Now()
	due, err := s.deps.Compliance.DueCalendar(ctx, p, sc.String(), from, 365)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d["Calendar"] = charts.Calendar(charts.CalendarChart{Title: "未来12个月证书到期与复审", Desc: "每天到期或应复审的证书数", From: from, Days: 365,
		Counts: due, Unit: "张证书到期或应复审"})
	limit := 20
	if sc.Kind == "enterprise" {
		limit = 500
	}
	gaps, total, err := s.deps.Compliance.Gaps(ctx, p, sc.String(), compliance.GapFilter{Limit: limit, Major: sc.Kind != "enterprise"})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d["Gaps"], d["GapTotal"] = gaps, total
	d["Crumbs"] = s.crumbs(p, sc, n)
	s.render(c, http.StatusOK, "compliance", n.scopeLabel(sc)+" 持证上岗", d)
}

type crumb struct{ Label, Href string }

// crumbs leads back up from a scope to the viewer's own.
func (s *Server) crumbs(p account.Principal, sc compliance.Scope, n names) []crumb {
	var out []crumb
	if p.SeesWholeDistrict() && sc.Kind != "district" {
		out = append(out, crumb{"麒麟区", "/compliance?scope=district"})
	}
	return out
}

func (s *Server) gapsPage(c *gin.Context) {
	p, ctx := principal(c), c.Request.Context()
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	sc, err := s.deps.Compliance.Resolve(ctx, p, c.Query("scope"))
	if err != nil {
		s.renderErr(c, err)
		return
	}
	f := compliance.GapFilter{Reason: c.Query("reason"), Status: c.Query("status"), Major: c.Query("major") == "1", Limit: limit, Offset: offset}
	gaps, total, err := s.deps.Compliance.Gaps(ctx, p, sc.String(), f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	n, err := s.complianceNames(c, sc)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "compliance_gaps", n.scopeLabel(sc)+" 缺口清单", gin.H{"Gaps": gaps, "Pager": newPager(c, total, limit, offset),
		"Label": n.scopeLabel(sc), "Scope": sc.String(), "Reasons": s.deps.Compliance.Engine().Reasons().All(), "F": f, "Total": total})
}
