package server

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/certs/document"
	"anpei/compliance"
	"anpei/fault"
)

func (s *Server) registerComplianceReport() {
	s.handle(route{Method: "GET", Path: "/api/v1/compliance/report", Access: rosterUsers,
		Summary: "区安委办月报（format=pdf|xlsx；month=YYYY-MM，默认最近一个月末快照）：各项比率、较上月变化、各镇（街道）或企业、未整改的重大事故隐患",
		Query:   []string{"scope", "month", "format"}}, s.complianceReport)
}

func (s *Server) complianceReport(c *gin.Context) {
	p := principal(c)
	m, err := s.deps.Compliance.Monthly(c.Request.Context(), p, c.Query("scope"), c.Query("month"))
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.complianceNamesOf(c, m.Scope, true)
	if err != nil {
		s.fail(c, err)
		return
	}
	name := n.scopeLabel(m.Scope) + "持证上岗情况月报-" + m.Month
	var buf bytes.Buffer
	switch c.DefaultQuery("format", "pdf") {
	case "xlsx":
		if err := compliance.WriteMonthlyXLSX(&buf, m, n.groupLabel); err != nil {
			s.fail(c, err)
			return
		}
		attachment(c, name+".xlsx")
		c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	case "pdf":
		if err := document.RenderReport(&buf, monthlyPDF(m, n)); err != nil {
			s.fail(c, err)
			return
		}
		attachment(c, name+".pdf")
		c.Data(http.StatusOK, "application/pdf", buf.Bytes())
	default:
		s.fail(c, fault.Field("bad_format", "format", "format 应为 pdf 或 xlsx"))
	}
}

// monthlyPDF lays the monthly report out for print.
func monthlyPDF(m compliance.Monthly, n names) document.Report {
	rate := func(r compliance.RateView) string {
		return r.Percent + "（" + strconv.Itoa(r.Num) + "/" + strconv.Itoa(r.Den) + "）"
	}
	last := func(r compliance.RateView) string {
		if !m.HasLast {
			return "—"
		}
		return rate(r)
	}
	line := func(name string, a, b compliance.RateView) []string {
		return []string{name, rate(a), last(b), compliance.Change(a, b, m.HasLast)}
	}
	t, l := m.This, m.Last
	sections := []document.ReportSection{{
		Heading: "一、总体情况",
		Paragraphs: []string{"截至 " + m.Month + " 月末，在岗从业人员 " + strconv.Itoa(t.People) + " 人，不合规 " + strconv.Itoa(t.NonCompliant) +
			" 人，其中重大事故隐患 " + strconv.Itoa(t.Major) + " 人。目标：持证上岗率 100%。"},
		Header: []string{"比率", m.Month + " 月末", m.Previous + " 月末", "变化"}, Widths: []float64{2, 2, 2, 1.6},
		Rows: [][]string{line("持证上岗率（合计）", t.Certified.Overall, l.Certified.Overall), line("主要负责人", t.Certified.Principal, l.Certified.Principal),
			line("安全生产管理人员", t.Certified.SafetyManager, l.Certified.SafetyManager), line("特种作业人员", t.Certified.SpecialOperator, l.Certified.SpecialOperator),
			line("岗前培训率", t.PreJob.Overall, l.PreJob.Overall), line("年度学时完成率", t.Annual.Overall, l.Annual.Overall)},
	}}
	groups := document.ReportSection{Heading: "二、各" + map[string]string{"town": "镇（街道）", "enterprise": "企业"}[m.By] + "持证上岗率",
		Header: []string{"名称", m.Month + " 月末", m.Previous + " 月末", "变化"}, Widths: []float64{2.4, 2, 2, 1.6}}
	for _, g := range m.Groups {
		prev := "—"
		if g.HasLast {
			prev = rate(g.Last)
		}
		groups.Rows = append(groups.Rows, []string{n.groupLabel(m.By, g.Key), rate(g.This), prev, compliance.Change(g.This, g.Last, g.HasLast)})
	}
	major := document.ReportSection{Heading: "三、未整改的重大事故隐患（" + strconv.FormatInt(m.MajorAll, 10) + " 人）",
		Paragraphs: []string{"依据重大事故隐患判定标准，未持证上岗的特种作业人员、未经考核的高危行业主要负责人和安全生产管理人员，建议挂牌督办。"},
		Header:     []string{"姓名", "企业", "原因", "依据"}, Widths: []float64{1, 2, 3, 2.4}}
	for _, g := range m.Major {
		for _, r := range g.Reasons {
			if r.Major {
				major.Rows = append(major.Rows, []string{g.Name, n.groupLabel("enterprise", strconv.Itoa(int(g.EnterpriseID))), r.Message, r.HazardBasis})
			}
		}
	}
	return document.Report{Title: n.scopeLabel(m.Scope) + "安全生产持证上岗情况月报（" + m.Month + "）",
		Subtitle: "安培安全生产培训与考核平台 · 生成于 " + time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
		Date:     time.Now().UTC().Truncate(24 * time.Hour), Sections: append(sections, groups, major)}
}
