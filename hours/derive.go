package hours

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"anpei/roster"
)

// Requirement is one training requirement of one person: so many 学时 of
// the given course categories within [From, To).
type Requirement struct {
	// Code identifies the requirement within the person's plan: the rule
	// ID and its anchor, e.g. "worker_annual_high:2026",
	// "worker_transfer:2026-03-02", or "worker_new_hire_high:pending" when
	// the 上岗 date is not yet known.
	Code    string
	Rule    string
	Label   string
	Trigger Trigger
	Hours   Hours
	// From and To bound the window, midnights in China time; To is zero
	// while the deadline is unknown (awaiting duty with no date).
	From, To time.Time
	// Due is the last day of the window (midnight China time, To minus a
	// day), or zero with To.
	Due              time.Time
	CourseCategories []string
	Share            string
	AlertDays        int
	Assessment       bool
	Source           string
	Confidence       string
	Setting          bool
}

// managerCategories are the categories of 3号令 chapter 2, whose initial
// training runs from the appointment rather than the 上岗 date.
const managerCategories = roster.CategoryPrincipal | roster.CategorySafetyManager

// returnAway is how long an absence must last for a return to call for
// retraining: one year or more (3号令 Art.17; 以上 includes the number).
const returnAway = 12 // months

// Derive returns the requirements of a person for the plan of calendar
// year: the annual re-training of that year, and every requirement from an
// event (上岗, appointment, transfer, return, review date) whose window
// overlaps the year. Annual re-training starts in the calendar year after
// the person's 上岗 (or appointment, for rules of principals and safety
// managers only); the initial training covers the first year. Events
// after today are ignored; a return counts only after a 离岗 of one year
// or more recorded before it. Requirements come in order of deadline, open
// ones last. Derive returns nil for an off-duty person or one without
// categories.
func Derive(p PersonFacts, ind IndustryFacts, events []DutyFact, year int, today time.Time, table Table) []Requirement {
	if p.Categories&(managerCategories|roster.CategorySpecialOperator|roster.CategoryOther) == 0 || p.Status == roster.DutyOff {
		return nil
	}
	pending := p.Status == roster.DutyPending
	t := dayOf(today)
	yearFrom, yearTo := Date(year, time.January, 1), Date(year+1, time.January, 1)

	evs := make([]DutyFact, 0, len(events))
	for _, e := range events {
		if d := civil(e.Date); !d.IsZero() && !d.After(t) {
			evs = append(evs, DutyFact{Kind: e.Kind, Date: d})
		}
	}
	slices.SortStableFunc(evs, func(a, b DutyFact) int { return a.Date.Compare(b.Date) })
	started := civil(p.StartedOn)
	if started.IsZero() {
		for _, e := range evs {
			if e.Kind == roster.DutyAppoint {
				started = e.Date
			}
		}
	}
	if !started.IsZero() {
		evs = slices.DeleteFunc(evs, func(e DutyFact) bool { return e.Date.Before(started) })
	}
	appointed := civil(p.AppointedOn)
	if appointed.IsZero() {
		appointed = started
	}

	var out []Requirement
	add := func(r Rule, anchor string, from, due time.Time) {
		req := Requirement{Code: r.ID + ":" + anchor, Rule: r.ID, Label: r.Label, Trigger: r.Trigger,
			Hours: r.Hours, From: from, CourseCategories: slices.Clone(r.CourseCategories), Share: r.Share,
			AlertDays: r.AlertDays, Assessment: r.Assessment, Source: r.Source, Confidence: r.Confidence, Setting: r.Setting}
		if !due.IsZero() {
			req.Due, req.To = due, due.AddDate(0, 0, 1)
		}
		if !from.Before(yearTo) || (!req.To.IsZero() && !req.To.After(yearFrom)) {
			return // the window misses the plan's year
		}
		out = append(out, req)
	}
	// onEvent adds the requirement of rule r triggered on date d.
	onEvent := func(r Rule, d time.Time) { add(r, d.Format(time.DateOnly), r.From.From(d), r.Due.From(d)) }
	// initial adds a pre-job or initial requirement anchored on d, or an
	// open one for someone awaiting duty with no date yet.
	initial := func(r Rule, d time.Time) {
		switch {
		case !d.IsZero():
			onEvent(r, d)
		case pending:
			add(r, "pending", r.From.From(t), time.Time{})
		}
	}

	for _, r := range applicable(table, p.Categories, ind) {
		switch r.Trigger {
		case TriggerNewHire:
			initial(r, started)
		case TriggerAppointment:
			initial(r, appointed)
		case TriggerAnnual:
			since := started
			if r.Categories&^managerCategories == 0 {
				since = appointed
			}
			if !pending && (since.IsZero() || since.Before(yearFrom)) {
				add(r, strconv.Itoa(year), yearFrom, yearTo.AddDate(0, 0, -1))
			}
		case TriggerTransfer:
			for _, e := range evs {
				if e.Kind == roster.DutyTransfer {
					onEvent(r, e.Date)
				}
			}
		case TriggerReturn:
			var left time.Time
			for _, e := range evs {
				switch e.Kind {
				case roster.DutyLeave:
					left = e.Date
				case roster.DutyReturn:
					if !left.IsZero() && !e.Date.Before(addMonths(left, returnAway)) {
						onEvent(r, e.Date)
					}
					left = time.Time{}
				}
			}
		case TriggerSpecialReview:
			var done []time.Time
			for _, d := range p.ReviewDates {
				if d = civil(d); !d.IsZero() && !slices.ContainsFunc(done, d.Equal) {
					done = append(done, d)
					onEvent(r, d)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Requirement) int {
		switch {
		case a.To.IsZero() != b.To.IsZero():
			if a.To.IsZero() {
				return 1
			}
			return -1
		}
		return a.To.Compare(b.To)
	})
	return out
}

// applicable returns the rules of table that apply to a person of
// categories cats in industry ind: those matching both, minus any beaten
// by a more specific rule of the same trigger for a category they share
// (see the package doc).
func applicable(table Table, cats roster.Category, ind IndustryFacts) []Rule {
	var match []int
	for i, r := range table.rules {
		if r.Categories&cats != 0 && r.Sector.matches(ind) {
			match = append(match, i)
		}
	}
	beats := func(i, j int) bool { // rule i beats rule j
		a, b := table.rules[i], table.rules[j]
		if c := cmp.Compare(a.Sector.specificity(), b.Sector.specificity()); c != 0 {
			return c > 0
		}
		if a.Hours != b.Hours {
			return a.Hours > b.Hours
		}
		return i < j
	}
	var out []Rule
	for _, j := range match {
		beaten := false
		for _, i := range match {
			a, b := table.rules[i], table.rules[j]
			if i != j && a.Trigger == b.Trigger && a.Categories&b.Categories&cats != 0 && beats(i, j) {
				beaten = true
				break
			}
		}
		if !beaten {
			out = append(out, table.rules[j])
		}
	}
	return out
}
