package hours

import (
	"slices"
	"testing"

	"anpei/roster"
)

func TestFactsFromRoster(t *testing.T) {
	appointed, left := day("2024-01-10"), day("2025-01-05")
	person := roster.Person{ID: 7, EnterpriseID: 2, Categories: roster.CategorySpecialOperator | roster.CategoryOther,
		DutyStatus: roster.DutyOn, AppointedOn: &appointed, LeftOn: &left}
	ind := roster.Industry{Code: "construction", HighRisk: false, AssessmentRequired: true}
	events := []roster.DutyEvent{
		{EnterpriseID: 2, Kind: roster.DutyReturn, Date: day("2026-01-05")},
		{EnterpriseID: 1, Kind: roster.DutyAppoint, Date: day("2012-05-01")}, // another employer
		{EnterpriseID: 2, Kind: roster.DutyAppoint, Date: day("2013-02-01")}, // an earlier spell here
		{EnterpriseID: 1, Kind: roster.DutyLeave, Date: day("2012-12-31")},
		{EnterpriseID: 2, Kind: roster.DutyLeave, Date: day("2014-01-01")},
		{EnterpriseID: 2, Kind: roster.DutyAppoint, Date: day("2020-03-01")}, // the current spell
		{EnterpriseID: 2, Kind: roster.DutyTransfer, Date: day("2023-06-01")},
		{EnterpriseID: 2, Kind: roster.DutyLeave, Date: day("2025-01-05")},
	}
	pf, inf, facts := FactsFromRoster(person, ind, events)
	if pf.Categories != person.Categories || pf.Status != roster.DutyOn || !pf.StartedOn.Equal(day("2020-03-01")) {
		t.Errorf("person facts = %+v", pf)
	}
	if inf != (IndustryFacts{Code: "construction", AssessmentRequired: true, Construction: true}) {
		t.Errorf("industry facts = %+v", inf)
	}
	want := []DutyFact{
		{roster.DutyAppoint, day("2020-03-01")},
		{roster.DutyTransfer, day("2023-06-01")},
		{roster.DutyLeave, day("2025-01-05")},
		{roster.DutyReturn, day("2026-01-05")},
	}
	if !slices.Equal(facts, want) {
		t.Errorf("duty facts = %v, want %v", facts, want)
	}
	// End to end: the return after a year away calls for retraining in a
	// construction enterprise, beside the construction annual 20.
	reqs := Derive(pf, inf, facts, 2026, today, defaultTable(t))
	if ids := ruleIDs(reqs); !slices.Equal(ids, []string{"worker_annual_construction", "worker_return"}) {
		t.Errorf("derived %v", ids)
	}
}

func TestFactsFromRosterWithoutHistory(t *testing.T) {
	appointed := day("2026-02-01")
	p := roster.Person{EnterpriseID: 3, Categories: roster.CategoryPrincipal, DutyStatus: roster.DutyOn, AppointedOn: &appointed}
	pf, inf, facts := FactsFromRoster(p, roster.Industry{Code: "hazchem", HighRisk: true, AssessmentRequired: true}, nil)
	if !pf.StartedOn.Equal(appointed) || len(facts) != 0 || !inf.HighRisk || inf.Construction {
		t.Errorf("facts = %+v %+v %v", pf, inf, facts)
	}
	r, ok := byRule(Derive(pf, inf, facts, 2026, today, defaultTable(t)), "mgr_appoint_high")
	if !ok || fmtDay(r.Due) != "2026-08-01" {
		t.Errorf("appointment requirement %+v, %v; want due 2026-08-01", r, ok)
	}
	// Events exist but none is a 上岗 here: AppointedOn may be a return
	// date, so it does not stand in for the start.
	back := day("2026-01-05")
	p.AppointedOn = &back
	pf, _, _ = FactsFromRoster(p, roster.Industry{}, []roster.DutyEvent{{EnterpriseID: 3, Kind: roster.DutyReturn, Date: back}})
	if !pf.StartedOn.IsZero() {
		t.Errorf("StartedOn = %v, want unknown", pf.StartedOn)
	}
	// Nobody's roster: no events count.
	_, _, facts = FactsFromRoster(roster.Person{}, roster.Industry{}, []roster.DutyEvent{{Kind: roster.DutyAppoint, Date: back}})
	if len(facts) != 0 {
		t.Errorf("facts of a person on no roster: %v", facts)
	}
}
