package hours

import (
	"slices"
	"testing"
	"time"

	"anpei/roster"
)

// Industries as FactsFromRoster would map them from roster data/industries.tsv.
var (
	hazchem      = IndustryFacts{Code: "hazchem", HighRisk: true, AssessmentRequired: true}
	transport    = IndustryFacts{Code: "transport", AssessmentRequired: true}
	construction = IndustryFacts{Code: "construction", AssessmentRequired: true, Construction: true}
	trade        = IndustryFacts{Code: "industry_trade"}
)

const (
	principal = roster.CategoryPrincipal
	manager   = roster.CategorySafetyManager
	operator  = roster.CategorySpecialOperator
	other     = roster.CategoryOther
)

func defaultTable(t *testing.T) Table {
	t.Helper()
	tab, err := DefaultTable()
	if err != nil {
		t.Fatalf("DefaultTable: %v", err)
	}
	return tab
}

// day parses a calendar date as package roster stores it: midnight UTC.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// cst parses a wall-clock time in China time, "2006-01-02 15:04".
func cst(s string) time.Time {
	d, err := time.ParseInLocation("2006-01-02 15:04", s, ChinaTime())
	if err != nil {
		panic(err)
	}
	return d
}

// chinaDay parses a calendar date as a midnight in China time, the form of
// Requirement.From, To and Due.
func chinaDay(s string) time.Time {
	d := day(s)
	return Date(d.Year(), d.Month(), d.Day())
}

func ruleIDs(reqs []Requirement) []string {
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.Rule)
	}
	slices.Sort(ids)
	return ids
}

func byRule(reqs []Requirement, id string) (Requirement, bool) {
	for _, r := range reqs {
		if r.Rule == id {
			return r, true
		}
	}
	return Requirement{}, false
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(ChinaTime()).Format(time.DateOnly)
}
