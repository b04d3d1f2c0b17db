package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/certs"
	"anpei/fault"
)

var certViewers = adminsOf(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin, account.RoleLearner)

func (s *Server) registerCerts() {
	s.handle(route{Method: "GET", Path: "/api/v1/certificate-kinds", Access: anyone, Summary: "证书种类（有效期、复审周期、取得条件）", Resp: []certs.Kind{}}, s.certKinds)
	s.handle(route{Method: "GET", Path: "/api/v1/certificates", Access: certViewers, Summary: "证书列表（按管辖范围；学员只见本人的）",
		Resp: list[certs.View]{}, Query: []string{"person", "enterprise", "kind", "status", "due_before", "external", "number", "limit", "offset"}}, s.listCerts)
	s.handle(route{Method: "POST", Path: "/api/v1/certificates", Access: regulators, Summary: "人工颁发本平台证书（须填写原因）",
		Req: certs.ManualInput{}, Resp: certs.Certificate{}, Created: true}, s.issueCert)
	s.handle(route{Method: "GET", Path: "/api/v1/certificates/:id", Access: certViewers, Summary: "证书详情与变更记录", Resp: certs.Detail{}}, s.getCert)
	for _, a := range []struct{ action, label string }{{"suspend", "暂停"}, {"reinstate", "恢复"}, {"revoke", "撤销"}, {"cancel", "注销"}} {
		s.handle(route{Method: "POST", Path: "/api/v1/certificates/:id/" + a.action, Access: regulators,
			Summary: a.label + "证书（reason 必填；撤销可带 ground：no_renewal、health、accident、false_record、deception、other）",
			Req:     certs.StateChange{}, Resp: certs.Certificate{}}, s.changeCertState(a.action))
	}
	s.handle(route{Method: "POST", Path: "/api/v1/certificates/:id/review", Access: regulators, Summary: "登记复审合格（须在复审期内、复审培训学时已完成）",
		Req: reviewReq{}, Resp: certs.Certificate{}}, s.reviewCert)
	s.handle(route{Method: "POST", Path: "/api/v1/certificates/:id/retest", Access: regulators, Summary: "登记特种作业人员离岗6个月以上后的实际操作考试合格（30号令第32条）",
		Req: retestReq{}, Resp: certs.Certificate{}}, s.retestCert)
	s.handle(route{Method: "POST", Path: "/api/v1/certificates/:id/extend", Access: regulators, Summary: "延长复审间隔（连续从事本工种10年以上）",
		Req: certs.StateChange{}, Resp: certs.Certificate{}}, s.extendCert)
	s.handle(route{Method: "POST", Path: "/api/v1/certificates/:id/verify", Access: regulators, Summary: "核验登记的主管部门证书（已与全国查询平台核对）",
		Req: verifyReq{}, Resp: certs.Certificate{}}, s.markVerified)
	s.handle(route{Method: "POST", Path: "/api/v1/external-certificates", Access: rosterUsers, Summary: "登记主管部门颁发的证书（特种作业操作证、安全合格证），待核验",
		Req: certs.ExternalInput{}, Resp: certs.Certificate{}, Created: true}, s.registerExternal)
	s.handle(route{Method: "POST", Path: "/api/v1/exams/:id/certificates", Access: regulators, Summary: "为考试场次批量颁发证书（分页处理：after 为上次返回的 next）",
		Resp: certs.BatchResult{}, Query: []string{"after", "limit"}}, s.batchIssue)
}

func (s *Server) certKinds(c *gin.Context) { c.JSON(http.StatusOK, s.deps.Certs.Kinds().All()) }

func (s *Server) listCerts(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := certs.Filter{Kind: c.Query("kind"), Status: certs.Status(c.Query("status")), Number: c.Query("number"), Limit: limit, Offset: offset}
	if v := c.Query("person"); v != "" {
		if f.PersonID, err = parseID(v); err != nil {
			s.fail(c, fault.Field("bad_person", "person", "person 应为人员编号"))
			return
		}
	}
	if v := c.Query("enterprise"); v != "" {
		if f.EnterpriseID, err = parseID(v); err != nil {
			s.fail(c, fault.Field("bad_enterprise", "enterprise", "enterprise 应为企业编号"))
			return
		}
	}
	if v := c.Query("due_before"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			s.fail(c, fault.Field("bad_due_before", "due_before", "due_before 应为日期，如 2027-01-31"))
			return
		}
		f.DueBefore = &t
	}
	if v := c.Query("external"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(c, fault.Field("bad_external", "external", "external 应为 true 或 false"))
			return
		}
		f.External = &b
	}
	rows, total, err := s.deps.Certs.List(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[certs.View]{Items: rows, Total: total})
}

func (s *Server) getCert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.deps.Certs.Get(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) issueCert(c *gin.Context) {
	var in certs.ManualInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cert, err := s.deps.Certs.Issue(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cert)
}

func (s *Server) changeCertState(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		var in certs.StateChange
		if err := decode(c, &in); err != nil {
			s.fail(c, err)
			return
		}
		cert, err := s.deps.Certs.ChangeState(c.Request.Context(), principal(c), id, action, in)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, cert)
	}
}

// reviewReq is a passed review: its date (default today) and the review
// exam's confirmation.
type reviewReq struct {
	ReviewedOn string `json:"reviewed_on"`
	ExamPassed bool   `json:"exam_passed"`
	Note       string `json:"note"`
}

func (s *Server) reviewCert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in reviewReq
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r := certs.ReviewInput{ExamPassed: in.ExamPassed, Note: in.Note}
	if in.ReviewedOn != "" {
		if r.ReviewedOn, err = time.Parse("2006-01-02", in.ReviewedOn); err != nil {
			s.fail(c, fault.Field("bad_reviewed_on", "reviewed_on", "复审日期应为日期，如 2026-11-20"))
			return
		}
	}
	cert, err := s.deps.Certs.RecordReview(c.Request.Context(), principal(c), id, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cert)
}

func (s *Server) extendCert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in certs.StateChange
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cert, err := s.deps.Certs.GrantExtension(c.Request.Context(), principal(c), id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cert)
}

// verifyReq notes how a registered certificate was checked.
type verifyReq struct {
	Note string `json:"note"`
}

func (s *Server) markVerified(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in verifyReq
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cert, err := s.deps.Certs.MarkVerified(c.Request.Context(), principal(c), id, in.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cert)
}

func (s *Server) registerExternal(c *gin.Context) {
	var in certs.ExternalInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cert, err := s.deps.Certs.RegisterExternal(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cert)
}

func (s *Server) batchIssue(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var after uint64
	if v := c.Query("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 32); err != nil {
			s.fail(c, fault.Field("bad_after", "after", "after 应为上次返回的 next"))
			return
		}
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			s.fail(c, fault.Field("bad_limit", "limit", "limit 应为 1 到 200 之间的整数"))
			return
		}
	}
	res, err := s.deps.Certs.IssueForExam(c.Request.Context(), principal(c), id, uint(after), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// retestReq is a passed practical re-test: its date (default today).
type retestReq struct {
	RetestedOn string `json:"retested_on"`
	Note       string `json:"note"`
}

func (s *Server) retestCert(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in retestReq
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r := certs.RetestInput{Note: in.Note}
	if in.RetestedOn != "" {
		if r.RetestedOn, err = time.Parse("2006-01-02", in.RetestedOn); err != nil {
			s.fail(c, fault.Field("bad_retested_on", "retested_on", "考试日期应为日期，如 2026-11-20"))
			return
		}
	}
	cert, err := s.deps.Certs.RecordRetest(c.Request.Context(), principal(c), id, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cert)
}
