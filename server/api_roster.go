package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/fault"
	"anpei/ident"
	"anpei/roster"
)

func (s *Server) registerRoster() {
	s.handle(route{Method: "GET", Path: "/api/v1/reference", Access: anyone, Summary: "参考数据：镇（街道）、行业、主管部门、特种作业目录", Resp: referenceJSON{}}, s.reference)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises", Access: rosterUsers, Summary: "企业列表（按权限范围）", Resp: list[enterpriseJSON]{},
		Query: []string{"q", "town_code", "industry_code", "status", "limit", "offset"}}, s.listEnterprises)
	s.handle(route{Method: "POST", Path: "/api/v1/enterprises", Access: regulators, Summary: "新增企业", Req: enterpriseReq{}, Resp: enterpriseJSON{}, Created: true}, s.createEnterprise)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises/:id", Access: rosterUsers, Summary: "企业详情", Resp: enterpriseJSON{}}, s.getEnterprise)
	s.handle(route{Method: "PATCH", Path: "/api/v1/enterprises/:id", Access: rosterUsers, Summary: "修改企业", Req: enterprisePatchReq{}, Resp: enterpriseJSON{}}, s.patchEnterprise)
	s.handle(route{Method: "GET", Path: "/api/v1/people", Access: rosterUsers, Summary: "从业人员列表（按权限范围）", Resp: list[personJSON]{},
		Query: []string{"enterprise_id", "category", "duty_status", "q", "limit", "offset"}}, s.listPeople)
	s.handle(route{Method: "POST", Path: "/api/v1/people/lookup", Access: rosterUsers,
		Summary: "按完整证件号码查找人员（号码放在请求体中，不进入网址和访问日志）", Req: lookupReq{}, Resp: list[personJSON]{}}, s.lookupPeople)
	s.handle(route{Method: "POST", Path: "/api/v1/people", Access: adminsOf("admin", "enterprise_admin"), Summary: "新增从业人员", Req: personReq{}, Resp: personJSON{}, Created: true}, s.createPerson)
	s.handle(route{Method: "GET", Path: "/api/v1/people/:id", Access: anyone, Summary: "从业人员详情（学员仅能查看本人）", Resp: personJSON{}}, s.getPerson)
	s.handle(route{Method: "PATCH", Path: "/api/v1/people/:id", Access: adminsOf("admin", "enterprise_admin"), Summary: "修改从业人员", Req: personPatchReq{}, Resp: personJSON{}}, s.patchPerson)
	s.handle(route{Method: "POST", Path: "/api/v1/people/:id/reveal", Access: anyone, Summary: "查看完整证件号码（记入审计日志）", Resp: revealJSON{}}, s.revealPerson)
	s.registerRosterDuty()
	s.registerRosterFiles()
	s.registerRosterPages()
}

type refItem struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Extra string `json:"extra,omitempty"`
}

type referenceJSON struct {
	Towns          []roster.Town              `json:"towns"`
	Departments    []roster.Department        `json:"departments"`
	Industries     []roster.Industry          `json:"industries"`
	OperationItems []roster.OperationItem     `json:"operation_items"`
	Categories     []refItem                  `json:"categories"`
	DutyStatuses   []refItem                  `json:"duty_statuses"`
	Employment     []refItem                  `json:"employment_kinds"`
	Educations     []refItem                  `json:"educations"`
	DocTypes       []refItem                  `json:"doc_types"`
	Statuses       []refItem                  `json:"enterprise_statuses"`
	OpCategories   []roster.OperationCategory `json:"operation_categories"`
}

func (s *Server) referenceData(c *gin.Context) (referenceJSON, error) {
	ctx := c.Request.Context()
	var r referenceJSON
	var err error
	if r.Towns, err = s.deps.Roster.Towns(ctx); err != nil {
		return r, err
	}
	if r.Departments, err = s.deps.Roster.Departments(ctx); err != nil {
		return r, err
	}
	if r.Industries, err = s.deps.Roster.Industries(ctx); err != nil {
		return r, err
	}
	if r.OperationItems, err = s.deps.Roster.OperationItems(ctx); err != nil {
		return r, err
	}
	if r.OpCategories, err = s.deps.Roster.OperationCategories(ctx); err != nil {
		return r, err
	}
	for _, x := range roster.Categories() {
		r.Categories = append(r.Categories, refItem{Code: x.Code(), Name: x.Label()})
	}
	for _, x := range roster.DutyStatuses() {
		r.DutyStatuses = append(r.DutyStatuses, refItem{Code: string(x), Name: x.Label()})
	}
	for _, x := range roster.EmploymentKinds() {
		r.Employment = append(r.Employment, refItem{Code: string(x), Name: x.Label()})
	}
	for _, x := range roster.Educations() {
		r.Educations = append(r.Educations, refItem{Code: string(x), Name: x.Label()})
	}
	for _, x := range ident.DocTypes() {
		r.DocTypes = append(r.DocTypes, refItem{Code: string(x), Name: x.Label()})
	}
	for _, x := range roster.EnterpriseStatuses() {
		r.Statuses = append(r.Statuses, refItem{Code: string(x), Name: x.Label()})
	}
	return r, nil
}

func (s *Server) reference(c *gin.Context) {
	r, err := s.referenceData(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// referenceForForms gives the user form its town and department choices.
func (s *Server) referenceForForms(c *gin.Context) (any, any) {
	towns, _ := s.deps.Roster.Towns(c.Request.Context())
	depts, _ := s.deps.Roster.Departments(c.Request.Context())
	return towns, depts
}

type enterpriseJSON struct {
	roster.Enterprise
	StatusLabel string                `json:"status_label"`
	OnDuty      roster.CategoryCounts `json:"on_duty"`
}

func toEnterpriseJSON(r roster.EnterpriseRow) enterpriseJSON {
	return enterpriseJSON{Enterprise: r.Enterprise, StatusLabel: r.Status.Label(), OnDuty: r.OnDuty}
}

func (s *Server) enterpriseFilter(c *gin.Context) (roster.EnterpriseFilter, error) {
	limit, offset, err := page(c)
	return roster.EnterpriseFilter{Text: c.Query("q"), TownCode: c.Query("town_code"), IndustryCode: c.Query("industry_code"),
		Status: roster.EnterpriseStatus(c.Query("status")), Limit: limit, Offset: offset}, err
}

func (s *Server) listEnterprises(c *gin.Context) {
	f, err := s.enterpriseFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, err := s.deps.Roster.ListEnterprises(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := list[enterpriseJSON]{Items: make([]enterpriseJSON, 0, len(rows)), Total: total}
	for _, r := range rows {
		out.Items = append(out.Items, toEnterpriseJSON(r))
	}
	c.JSON(http.StatusOK, out)
}

type enterpriseReq struct {
	Name                   string `json:"name"`
	CreditCode             string `json:"credit_code"`
	ChecksumOverrideReason string `json:"checksum_override_reason"`
	TownCode               string `json:"town_code"`
	IndustryCode           string `json:"industry_code"`
	AboveScale             bool   `json:"above_scale"`
	Grade                  string `json:"grade"`
	ContactName            string `json:"contact_name"`
	ContactPhone           string `json:"contact_phone"`
	Address                string `json:"address"`
	Status                 string `json:"status"`
}

func (s *Server) createEnterprise(c *gin.Context) {
	var req enterpriseReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.deps.Roster.CreateEnterprise(c.Request.Context(), principal(c), roster.EnterpriseInput{
		Name: req.Name, CreditCode: req.CreditCode, ChecksumOverrideReason: req.ChecksumOverrideReason, TownCode: req.TownCode,
		IndustryCode: req.IndustryCode, AboveScale: req.AboveScale, Grade: roster.Grade(req.Grade), ContactName: req.ContactName,
		ContactPhone: req.ContactPhone, Address: req.Address, Status: roster.EnterpriseStatus(req.Status)})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toEnterpriseJSON(roster.EnterpriseRow{Enterprise: e}))
}

func (s *Server) getEnterprise(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.deps.Roster.Enterprise(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toEnterpriseJSON(r))
}

type enterprisePatchReq struct {
	Name                   *string `json:"name"`
	CreditCode             *string `json:"credit_code"`
	ChecksumOverrideReason *string `json:"checksum_override_reason"`
	TownCode               *string `json:"town_code"`
	IndustryCode           *string `json:"industry_code"`
	AboveScale             *bool   `json:"above_scale"`
	Grade                  *string `json:"grade"`
	ContactName            *string `json:"contact_name"`
	ContactPhone           *string `json:"contact_phone"`
	Address                *string `json:"address"`
	Status                 *string `json:"status"`
}

func (s *Server) patchEnterprise(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req enterprisePatchReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	patch := roster.EnterprisePatch{Name: req.Name, CreditCode: req.CreditCode, ChecksumOverrideReason: req.ChecksumOverrideReason,
		TownCode: req.TownCode, IndustryCode: req.IndustryCode, AboveScale: req.AboveScale, ContactName: req.ContactName,
		ContactPhone: req.ContactPhone, Address: req.Address}
	if req.Grade != nil {
		g := roster.Grade(*req.Grade)
		patch.Grade = &g
	}
	if req.Status != nil {
		st := roster.EnterpriseStatus(*req.Status)
		patch.Status = &st
	}
	if _, err := s.deps.Roster.UpdateEnterprise(c.Request.Context(), principal(c), id, patch); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.deps.Roster.Enterprise(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toEnterpriseJSON(r))
}

// personJSON is a person as the API shows them: the ID number masked.
type personJSON struct {
	roster.Person
	EnterpriseName  string   `json:"enterprise_name,omitempty"`
	CategoryCodes   []string `json:"category_codes"`
	CategoryLabel   string   `json:"category_label"`
	DutyStatusLabel string   `json:"duty_status_label"`
}

func toPersonJSON(p roster.Person, enterpriseName string) personJSON {
	return personJSON{Person: p, EnterpriseName: enterpriseName, CategoryCodes: p.Categories.Codes(),
		CategoryLabel: p.Categories.Label(), DutyStatusLabel: p.DutyStatus.Label()}
}

func (s *Server) personFilter(c *gin.Context) (roster.PersonFilter, error) {
	limit, offset, err := page(c)
	if err != nil {
		return roster.PersonFilter{}, err
	}
	f := roster.PersonFilter{Text: c.Query("q"), DutyStatus: roster.DutyStatus(c.Query("duty_status")), Limit: limit, Offset: offset}
	if v := c.Query("enterprise_id"); v != "" {
		id, err := parseID(v)
		if err != nil {
			return f, fault.Field("bad_enterprise_id", "enterprise_id", "企业编号应为正整数")
		}
		f.EnterpriseID = id
	}
	if v := c.Query("category"); v != "" {
		cat, ok := roster.ParseCategory(v)
		if !ok {
			return f, fault.Field("bad_category", "category", "人员类别应为主要负责人、安全生产管理人员、特种作业人员或其他从业人员")
		}
		f.Category = cat
	}
	if f.DutyStatus != "" && f.DutyStatus.Label() == "" {
		return f, fault.Field("bad_duty_status", "duty_status", "在岗状态不正确")
	}
	return f, nil
}

func (s *Server) listPeople(c *gin.Context) {
	f, err := s.personFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, err := s.deps.Roster.ListPeople(c.Request.Context(), principal(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := list[personJSON]{Items: make([]personJSON, 0, len(rows)), Total: total}
	for _, r := range rows {
		out.Items = append(out.Items, toPersonJSON(r.Person, r.EnterpriseName))
	}
	c.JSON(http.StatusOK, out)
}

type personReq struct {
	EnterpriseID   uint     `json:"enterprise_id"`
	DocType        string   `json:"doc_type"`
	DocNumber      string   `json:"doc_number"`
	Name           string   `json:"name"`
	Sex            string   `json:"sex"`
	BirthDate      string   `json:"birth_date"`
	Phone          string   `json:"phone"`
	Education      string   `json:"education"`
	Categories     []string `json:"categories"`
	OperationItems []string `json:"operation_items"`
	Position       string   `json:"position"`
	DutyStatus     string   `json:"duty_status"`
	AppointedOn    string   `json:"appointed_on"`
	LeftOn         string   `json:"left_on"`
	EmploymentKind string   `json:"employment_kind"`
}

// dateField parses an optional YYYY-MM-DD date.
func dateField(field, v string) (*time.Time, *fault.Detail) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, &fault.Detail{Field: field, Message: "日期格式应为 2006-01-02，例如 2024-03-01"}
	}
	return &t, nil
}

func categoriesField(codes []string) (roster.Category, *fault.Detail) {
	var cat roster.Category
	for _, code := range codes {
		one, ok := roster.ParseCategory(code)
		if !ok {
			return 0, &fault.Detail{Field: "categories", Message: "不认识的人员类别：" + code}
		}
		cat |= one
	}
	return cat, nil
}

func (r personReq) input() (roster.PersonInput, error) {
	in := roster.PersonInput{EnterpriseID: r.EnterpriseID, DocType: ident.DocType(r.DocType), DocNumber: r.DocNumber, Name: r.Name,
		Sex: ident.Sex(r.Sex), Phone: r.Phone, Education: roster.Education(r.Education), OperationItems: r.OperationItems,
		Position: r.Position, DutyStatus: roster.DutyStatus(r.DutyStatus), EmploymentKind: roster.EmploymentKind(r.EmploymentKind)}
	var bad []fault.Detail
	var d *fault.Detail
	if in.BirthDate, d = dateField("birth_date", r.BirthDate); d != nil {
		bad = append(bad, *d)
	}
	if in.AppointedOn, d = dateField("appointed_on", r.AppointedOn); d != nil {
		bad = append(bad, *d)
	}
	if in.LeftOn, d = dateField("left_on", r.LeftOn); d != nil {
		bad = append(bad, *d)
	}
	if in.Categories, d = categoriesField(r.Categories); d != nil {
		bad = append(bad, *d)
	}
	if len(bad) > 0 {
		return in, fault.New(fault.Invalid, "invalid_person", bad[0].Message).WithDetails(bad...)
	}
	return in, nil
}

func (s *Server) createPerson(c *gin.Context) {
	var req personReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, err := req.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.deps.Roster.CreatePerson(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toPersonJSON(p, ""))
}

func (s *Server) getPerson(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.deps.Roster.Person(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPersonJSON(p, ""))
}

type personPatchReq struct {
	DocType        *string   `json:"doc_type"`
	DocNumber      *string   `json:"doc_number"`
	Name           *string   `json:"name"`
	Sex            *string   `json:"sex"`
	BirthDate      *string   `json:"birth_date"`
	Phone          *string   `json:"phone"`
	Education      *string   `json:"education"`
	Categories     *[]string `json:"categories"`
	OperationItems *[]string `json:"operation_items"`
	Position       *string   `json:"position"`
	EmploymentKind *string   `json:"employment_kind"`
}

func (r personPatchReq) patch() (roster.PersonPatch, error) {
	p := roster.PersonPatch{DocNumber: r.DocNumber, Name: r.Name, Phone: r.Phone, OperationItems: r.OperationItems, Position: r.Position}
	if r.DocType != nil {
		v := ident.DocType(*r.DocType)
		p.DocType = &v
	}
	if r.Sex != nil {
		v := ident.Sex(*r.Sex)
		p.Sex = &v
	}
	if r.Education != nil {
		v := roster.Education(*r.Education)
		p.Education = &v
	}
	if r.EmploymentKind != nil {
		v := roster.EmploymentKind(*r.EmploymentKind)
		p.EmploymentKind = &v
	}
	if r.BirthDate != nil {
		t, d := dateField("birth_date", *r.BirthDate)
		if d != nil {
			return p, fault.New(fault.Invalid, "invalid_person", d.Message).WithDetails(*d)
		}
		p.BirthDate = t
	}
	if r.Categories != nil {
		cat, d := categoriesField(*r.Categories)
		if d != nil {
			return p, fault.New(fault.Invalid, "invalid_person", d.Message).WithDetails(*d)
		}
		p.Categories = &cat
	}
	return p, nil
}

func (s *Server) patchPerson(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req personPatchReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	patch, err := req.patch()
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.deps.Roster.UpdatePerson(c.Request.Context(), principal(c), id, patch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPersonJSON(p, ""))
}

type revealJSON struct {
	DocNumber string `json:"doc_number"`
}

func (s *Server) revealPerson(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	num, err := s.deps.Roster.RevealID(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, revealJSON{DocNumber: num})
}

type lookupReq struct {
	DocNumber string `json:"doc_number"`
}

// lookupPeople finds people by a full document number sent in the body, so
// the number never appears in a URL (browser history, proxy access logs).
func (s *Server) lookupPeople(c *gin.Context) {
	var req lookupReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	num := strings.TrimSpace(req.DocNumber)
	if len(num) < 6 || len(num) > 30 {
		s.fail(c, fault.Field("bad_doc_number", "doc_number", "请输入完整的证件号码"))
		return
	}
	rows, total, err := s.deps.Roster.ListPeople(c.Request.Context(), principal(c), roster.PersonFilter{Text: num, Limit: 10})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := list[personJSON]{Items: make([]personJSON, 0, len(rows)), Total: total}
	for _, r := range rows {
		out.Items = append(out.Items, toPersonJSON(r.Person, r.EnterpriseName))
	}
	c.JSON(http.StatusOK, out)
}
