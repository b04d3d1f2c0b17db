package server

import (
	"cmp"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/certs"
	"anpei/roster"
)

func (s *Server) registerRosterPages() {
	s.handle(route{Method: "GET", Path: "/enterprises", Access: regulators, Page: true}, s.enterprisesPage)
	s.handle(route{Method: "GET", Path: "/enterprises/:id", Access: rosterUsers, Page: true}, s.enterprisePage)
	s.handle(route{Method: "GET", Path: "/people", Access: rosterUsers, Page: true}, s.peoplePage)
	s.handle(route{Method: "GET", Path: "/people/:id", Access: anyone, Page: true}, s.personPage)
	editors := adminsOf(account.RoleAdmin, account.RoleEnterpriseAdmin)
	s.handle(route{Method: "GET", Path: "/people/import", Access: editors, Page: true}, s.importPage)
	s.handle(route{Method: "GET", Path: "/people/new", Access: editors, Page: true}, s.personNewPage)
	s.handle(route{Method: "GET", Path: "/people/:id/edit", Access: editors, Page: true}, s.personEditPage)
}

func (s *Server) enterprisesPage(c *gin.Context) {
	f, err := s.enterpriseFilter(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	rows, total, err := s.deps.Roster.ListEnterprises(c.Request.Context(), principal(c), f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	var sum roster.CategoryCounts
	for _, r := range rows {
		sum.Principal += r.OnDuty.Principal
		sum.SafetyManager += r.OnDuty.SafetyManager
		sum.SpecialOperator += r.OnDuty.SpecialOperator
		sum.Other += r.OnDuty.Other
		sum.Total += r.OnDuty.Total
	}
	s.render(c, http.StatusOK, "enterprises", "企业", gin.H{"Rows": rows, "Total": total, "Sum": sum, "Ref": ref,
		"Filter": f, "Pager": newPager(c, total, f.Limit, f.Offset), "ExportQuery": c.Request.URL.RawQuery,
		"CanCreate": principal(c).Is(account.RoleAdmin, account.RoleRegulator),
		"TownNames": ref.townNames(), "IndustryNames": ref.industryNames(), "HighRisk": ref.highRisk()})
}

func (s *Server) enterprisePage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	r, err := s.deps.Roster.Enterprise(c.Request.Context(), principal(c), id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "enterprise", r.Name, gin.H{"E": r, "Ref": ref, "TownName": cmp.Or(ref.townNames()[r.TownCode], r.TownCode),
		"Industry": industryOf(ref.Industries, r.IndustryCode), "CanEdit": principal(c).Is(account.RoleAdmin, account.RoleRegulator),
		"Grades": []string{"A", "B", "C", "D"}})
}

func industryOf(list []roster.Industry, code string) roster.Industry {
	for _, i := range list {
		if i.Code == code {
			return i
		}
	}
	return roster.Industry{Code: code, Name: code}
}

func (s *Server) peoplePage(c *gin.Context) {
	f, err := s.personFilter(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	rows, total, err := s.deps.Roster.ListPeople(c.Request.Context(), p, f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	q := c.Request.URL.Query()
	q.Del("offset")
	q.Del("limit")
	s.render(c, http.StatusOK, "people", "从业人员", gin.H{"Rows": rows, "Total": total, "Ref": ref, "Filter": f,
		"Query": map[string]string{"q": c.Query("q"), "category": c.Query("category"), "duty_status": c.Query("duty_status"), "enterprise_id": c.Query("enterprise_id")},
		"Pager": newPager(c, total, f.Limit, f.Offset), "ExportHref": "/api/v1/people/export.xlsx?" + url.Values(q).Encode(),
		"CanEdit": p.Is(account.RoleAdmin, account.RoleEnterpriseAdmin)})
}

func (s *Server) personPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	person, err := s.deps.Roster.Person(c.Request.Context(), p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	var ent roster.EnterpriseRow
	if person.EnterpriseID != 0 {
		ent, _ = s.deps.Roster.Enterprise(c.Request.Context(), p, person.EnterpriseID)
	}
	history, _ := s.deps.Roster.DutyHistory(c.Request.Context(), p, id)
	personCerts, _, err := s.deps.Certs.List(c.Request.Context(), p, certs.Filter{PersonID: id, Limit: 100})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	standing, evaluated, err := s.deps.Compliance.PersonResult(c.Request.Context(), id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "person", person.Name, gin.H{"P": toPersonJSON(person, ent.Name), "Enterprise": ent, "Ref": ref,
		"History": history, "Items": itemNames(ref.OperationItems, person.OperationItems),
		"CanEdit": p.Is(account.RoleAdmin, account.RoleEnterpriseAdmin), "Certs": personCerts,
		"Standing": standing, "Evaluated": evaluated,
		"CanRegisterCert": p.Is(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin),
		"CanIssueCert":    p.Is(account.RoleAdmin, account.RoleRegulator), "IssueKinds": issueKinds(s.deps.Certs.Kinds(), person.Categories)})
}

func itemNames(all []roster.OperationItem, codes []string) []string {
	names := make([]string, 0, len(codes))
	for _, code := range codes {
		name := code
		for _, it := range all {
			if it.Code == code {
				name = code + " " + it.Name
			}
		}
		names = append(names, name)
	}
	return names
}

func (s *Server) importPage(c *gin.Context) {
	p := principal(c)
	var ents []roster.EnterpriseRow
	if p.Is(account.RoleAdmin) {
		ents, _, _ = s.deps.Roster.ListEnterprises(c.Request.Context(), p, roster.EnterpriseFilter{Limit: 1000})
	}
	s.render(c, http.StatusOK, "import", "名单导入", gin.H{"Enterprises": ents, "Own": p.EnterpriseID})
}

func (r referenceJSON) townNames() map[string]string {
	m := map[string]string{}
	for _, t := range r.Towns {
		m[t.Code] = t.Name
	}
	return m
}

func (r referenceJSON) industryNames() map[string]string {
	m := map[string]string{}
	for _, i := range r.Industries {
		m[i.Code] = i.Name
	}
	return m
}

func (r referenceJSON) highRisk() map[string]bool {
	m := map[string]bool{}
	for _, i := range r.Industries {
		m[i.Code] = i.HighRisk
	}
	return m
}

// personFormData fills the new/edit person form.
type personFormData struct {
	New          bool
	P            personJSON
	Ref          referenceJSON
	Enterprises  []roster.EnterpriseRow
	HasCategory  map[string]bool
	HasItem      map[string]bool
	OpenCategory map[string]bool
}

func (s *Server) personForm(c *gin.Context, isNew bool, p roster.Person) {
	ref, err := s.referenceData(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := personFormData{New: isNew, P: toPersonJSON(p, ""), Ref: ref, HasCategory: map[string]bool{}, HasItem: map[string]bool{}, OpenCategory: map[string]bool{}}
	for _, code := range p.Categories.Codes() {
		d.HasCategory[code] = true
	}
	for _, code := range p.OperationItems {
		d.HasItem[code] = true
		for _, it := range ref.OperationItems {
			if it.Code == code {
				d.OpenCategory[it.CategoryCode] = true
			}
		}
	}
	pr := principal(c)
	if isNew && pr.Is(account.RoleAdmin) {
		d.Enterprises, _, _ = s.deps.Roster.ListEnterprises(c.Request.Context(), pr, roster.EnterpriseFilter{Limit: 1000})
	}
	title := "新增从业人员"
	if !isNew {
		title = "修改：" + p.Name
	}
	s.render(c, http.StatusOK, "person_form", title, d)
}

func (s *Server) personNewPage(c *gin.Context) {
	s.personForm(c, true, roster.Person{Education: roster.Education(""), EmploymentKind: roster.EmploymentKinds()[0]})
}

func (s *Server) personEditPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p, err := s.deps.Roster.Person(c.Request.Context(), principal(c), id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.personForm(c, false, p)
}

// issueKinds are the anpei certificate kinds a person of categories may be
// issued by hand.
func issueKinds(ks *certs.Kinds, categories roster.Category) []certs.Kind {
	var out []certs.Kind
	for _, k := range ks.All() {
		if k.Issuer == certs.IssuerAnpei && k.Qualifies(categories) {
			out = append(out, k)
		}
	}
	return out
}
