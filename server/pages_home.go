package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/roster"
)

// homeData is the home page of each role: the numbers that matter to that
// role at the top, the way to the people behind them one click away.
type homeData struct {
	Role         account.Role
	Jurisdiction string
	Enterprises  int64
	OnDuty       roster.CategoryCounts
	Enterprise   *roster.EnterpriseRow
	Person       *personJSON
	Items        []string
	Users        int64
}

func (s *Server) homePage(c *gin.Context) {
	p := principal(c)
	ctx := c.Request.Context()
	d := homeData{Role: p.Role}
	switch p.Role {
	case account.RoleAdmin, account.RoleRegulator:
		d.Jurisdiction = s.jurisdictionName(c, p)
		_, total, err := s.deps.Roster.ListEnterprises(ctx, p, roster.EnterpriseFilter{Limit: 1})
		if err != nil {
			s.renderErr(c, err)
			return
		}
		d.Enterprises = total
		counts, err := s.onDutyCounts(c, p, 0)
		if err != nil {
			s.renderErr(c, err)
			return
		}
		d.OnDuty = counts
		if p.Is(account.RoleAdmin) {
			_, d.Users, _ = s.deps.Accounts.ListUsers(ctx, p, account.UserFilter{Limit: 1})
		}
	case account.RoleEnterpriseAdmin:
		e, err := s.deps.Roster.Enterprise(ctx, p, p.EnterpriseID)
		if err != nil {
			s.renderErr(c, err)
			return
		}
		d.Enterprise = &e
	case account.RoleLearner:
		if p.PersonID != 0 {
			person, err := s.deps.Roster.Person(ctx, p, p.PersonID)
			if err != nil {
				s.renderErr(c, err)
				return
			}
			name := ""
			if person.EnterpriseID != 0 {
				if e, err := s.deps.Roster.Enterprise(ctx, p, person.EnterpriseID); err == nil {
					name = e.Name
				}
			}
			pj := toPersonJSON(person, name)
			d.Person = &pj
			if ref, err := s.referenceData(c); err == nil {
				d.Items = itemNames(ref.OperationItems, person.OperationItems)
			}
		}
	}
	s.render(c, http.StatusOK, "home", "首页", d)
}

// onDutyCounts counts the on-duty people p sees, by category.
func (s *Server) onDutyCounts(c *gin.Context, p account.Principal, enterpriseID uint) (roster.CategoryCounts, error) {
	var out roster.CategoryCounts
	for _, x := range []struct {
		cat roster.Category
		dst *int64
	}{{0, &out.Total}, {roster.CategoryPrincipal, &out.Principal}, {roster.CategorySafetyManager, &out.SafetyManager},
		{roster.CategorySpecialOperator, &out.SpecialOperator}, {roster.CategoryOther, &out.Other}} {
		_, n, err := s.deps.Roster.ListPeople(c.Request.Context(), p, roster.PersonFilter{EnterpriseID: enterpriseID,
			Category: x.cat, DutyStatus: roster.DutyOn, Limit: 1})
		if err != nil {
			return out, err
		}
		*x.dst = n
	}
	return out, nil
}

func (s *Server) jurisdictionName(c *gin.Context, p account.Principal) string {
	if p.SeesWholeDistrict() {
		return "麒麟区（全区）"
	}
	ref, err := s.referenceData(c)
	if err != nil {
		return p.JurisdictionCode
	}
	if p.JurisdictionKind == account.JurisdictionTown {
		return ref.townNames()[p.JurisdictionCode]
	}
	for _, d := range ref.Departments {
		if d.Code == p.JurisdictionCode {
			return d.Name + "（主管行业）"
		}
	}
	return p.JurisdictionCode
}
