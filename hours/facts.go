package hours

import (
	"slices"
	"time"

	"anpei/roster"
)

// PersonFacts are the facts about one person that their requirements
// follow from. Dates are calendar dates read in their own location.
type PersonFacts struct {
	Categories roster.Category
	// Status is the person's duty status; "" counts as on duty. Off-duty
	// people owe nothing; people awaiting duty owe only their pre-job and
	// initial training.
	Status roster.DutyStatus
	// StartedOn is the 上岗 date in the current enterprise (the latest
	// appointment there, not a return); zero when unknown. For someone
	// awaiting duty it may be the planned date.
	StartedOn time.Time
	// AppointedOn is when the person took office as principal or safety
	// manager, when that differs from StartedOn; zero means StartedOn.
	AppointedOn time.Time
	// ReviewDates are the special-operation certificate review dates
	// (复审日期) to train for; the roster does not hold them.
	ReviewDates []time.Time
}

// IndustryFacts are the facts about the enterprise's industry that select
// rules.
type IndustryFacts struct {
	Code string
	// HighRisk: coal, non-coal mines, hazardous chemicals, fireworks, metal
	// smelting (3号令 Art.9, 13, 24).
	HighRisk bool
	// AssessmentRequired: principals and safety managers must pass the
	// authorities' assessment (Safety Law Art.27 ¶2).
	AssessmentRequired bool
	// Construction: a construction enterprise (安委〔2012〕10号: 32
	// pre-job 学时, 20 a year).
	Construction bool
}

// DutyFact is one change of duty in the person's current enterprise.
type DutyFact struct {
	Kind roster.DutyKind
	Date time.Time
}

// ConstructionIndustry is the roster industry code (roster
// data/industries.tsv, 房屋市政) that FactsFromRoster treats as
// construction.
const ConstructionIndustry = "construction"

// FactsFromRoster maps a roster person, the industry of their current
// enterprise and their duty history to the facts Derive takes. Only events
// in the person's current enterprise from their latest 上岗 there count:
// earlier spells elsewhere are another employer's training. When the
// history has no event in the current enterprise (a roster imported
// without history), the person's AppointedOn stands in as the 上岗 date.
// Review dates are left empty: certificates are not the roster's.
func FactsFromRoster(p roster.Person, ind roster.Industry, events []roster.DutyEvent) (PersonFacts, IndustryFacts, []DutyFact) {
	pf := PersonFacts{Categories: p.Categories, Status: p.DutyStatus}
	inf := IndustryFacts{Code: ind.Code, HighRisk: ind.HighRisk, AssessmentRequired: ind.AssessmentRequired,
		Construction: ind.Code == ConstructionIndustry}

	var mine []roster.DutyEvent
	for _, e := range events {
		if p.EnterpriseID != 0 && e.EnterpriseID == p.EnterpriseID {
			mine = append(mine, e)
		}
	}
	slices.SortStableFunc(mine, func(a, b roster.DutyEvent) int { return a.Date.Compare(b.Date) })
	start := -1
	for i, e := range mine {
		if e.Kind == roster.DutyAppoint {
			start = i
		}
	}
	switch {
	case start >= 0:
		pf.StartedOn = mine[start].Date
		mine = mine[start:]
	case len(mine) == 0 && p.AppointedOn != nil:
		pf.StartedOn = *p.AppointedOn
	}
	facts := make([]DutyFact, 0, len(mine))
	for _, e := range mine {
		facts = append(facts, DutyFact{Kind: e.Kind, Date: e.Date})
	}
	return pf, inf, facts
}
