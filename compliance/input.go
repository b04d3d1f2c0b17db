package compliance

import (
	"slices"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// Person is what the rules need to know about one person as of the date
// evaluated. Dates are calendar dates read in their own location (as
// package roster stores them: midnight UTC); zero is unknown or none.
// PersonFromRoster builds one from the roster.
type Person struct {
	ID, EnterpriseID uint
	Categories       roster.Category
	// Items are the registered operation items (准操项目) of a special
	// operator; each needs its own certificate.
	Items []string
	// Duty is the duty status on the date: only roster.DutyOn is
	// evaluated. Off-duty and pending people are in no rate.
	Duty roster.DutyStatus
	// StartedOn is the 上岗 date in the current enterprise. A person on
	// duty whose StartedOn or ReturnedOn is after the date evaluated was
	// not yet on duty then and is not evaluated.
	StartedOn time.Time
	// AppointedOn is when the person took office as principal or safety
	// manager, when that differs from StartedOn; zero means StartedOn. The
	// 6 months for the assessment run from it.
	AppointedOn time.Time
	// LeftOn and ReturnedOn bound the latest absence before the current
	// spell on duty: the 离岗 and the 返岗 (or the 上岗 elsewhere) that
	// ended it. Both zero when the spell followed no absence.
	LeftOn, ReturnedOn time.Time
	// RetestOn is the latest practical re-test passed (30号令第32条).
	RetestOn time.Time
	// The industry's flags (roster.Industry): HighRisk is the five sectors
	// of 3号令; MustAssess is Safety Law Art.27 ¶2, whose principals and
	// safety managers must hold the 安全合格证. A high-risk unit is
	// treated as MustAssess whatever the flag says.
	HighRisk, MustAssess bool
}

// Cert is one certificate of the person.
type Cert struct {
	ID     uint
	Kind   string // certs kind code
	Number string
	Item   string // the operation item of a special-operation certificate
	State  certs.State
	Dates  certs.Dates
	// External: a state certificate registered in anpei; Verified: checked
	// against the national query service. Only an external certificate
	// can be unverified.
	External, Verified bool
}

// CertFrom adapts a stored certificate.
func CertFrom(c certs.Certificate) Cert {
	return Cert{ID: c.ID, Kind: c.Kind, Number: c.Number, Item: c.OperationItem, State: c.State, Dates: c.Dates(),
		External: c.External, Verified: c.Verified}
}

// Training is one training requirement of the person with its progress as
// of the date evaluated: what hours.Evaluate returns, adapted by
// TrainingFrom. Which requirements to pass is the caller's choice (see
// the package doc): normally those of hours.Derive for the year of the
// date, plus the previous year's annual requirement to keep last year's
// shortfalls on the list.
type Training struct {
	Rule    string
	Label   string
	Trigger hours.Trigger
	// From is the first day credits count; a requirement whose window has
	// not begun on the date is ignored. Due is the last day (inclusive);
	// zero is no deadline yet.
	From, Due      time.Time
	Required, Done hours.Hours
	AlertDays      int
}

// TrainingFrom adapts one requirement's progress from hours.Evaluate.
func TrainingFrom(p hours.Progress) Training {
	return Training{Rule: p.Rule, Label: p.Label, Trigger: p.Trigger, From: p.From, Due: p.Due,
		Required: p.Hours, Done: p.DoneHours, AlertDays: p.AlertDays}
}

// PersonFromRoster builds the Person of p as of the day of at from the
// roster: the industry of p's current enterprise and p's duty history in
// every enterprise (any order). Only p's current enterprise counts: if on
// that day p was not on duty there, the Person is off duty. The 上岗 date
// is the latest appointment there; the absence is the latest 离岗 (in any
// enterprise: a special operator off the post is off it whoever employs
// them) before the 返岗 or 上岗 that began the current spell. Without
// any event in the current enterprise (a roster imported without history)
// the roster's own fields stand in. RetestOn and AppointedOn are not the
// roster's; the caller sets them.
func PersonFromRoster(p roster.Person, ind roster.Industry, events []roster.DutyEvent, at time.Time) Person {
	out := Person{ID: p.ID, EnterpriseID: p.EnterpriseID, Categories: p.Categories, Items: p.OperationItems,
		HighRisk: ind.HighRisk, MustAssess: ind.AssessmentRequired, Duty: roster.DutyOff}
	today := certs.Day(at)
	if p.DutyStatus == roster.DutyPending {
		out.Duty = roster.DutyPending
		return out
	}
	if p.EnterpriseID == 0 {
		return out
	}
	if !slices.ContainsFunc(events, func(e roster.DutyEvent) bool { return e.EnterpriseID == p.EnterpriseID }) {
		return fromRosterFields(out, p, today)
	}
	if !slices.IsSortedFunc(events, compareEvents) {
		events = slices.Clone(events)
		slices.SortStableFunc(events, compareEvents)
	}
	var (
		on        bool
		ent       uint
		lastLeave time.Time
	)
	for _, e := range events {
		d := civil(e.Date)
		if d.IsZero() || d.After(today) {
			continue
		}
		switch e.Kind {
		case roster.DutyAppoint, roster.DutyReturn:
			ent = e.EnterpriseID
			if e.Kind == roster.DutyAppoint {
				out.StartedOn = d
			}
			if !on && !lastLeave.IsZero() {
				out.LeftOn, out.ReturnedOn = lastLeave, d
			}
			on = true
		case roster.DutyLeave:
			on, lastLeave = false, d
		}
	}
	if on && ent == p.EnterpriseID {
		out.Duty = roster.DutyOn
	}
	if ent != p.EnterpriseID {
		out.StartedOn, out.LeftOn, out.ReturnedOn = time.Time{}, time.Time{}, time.Time{}
	}
	return out
}

func compareEvents(a, b roster.DutyEvent) int { return civil(a.Date).Compare(civil(b.Date)) }

// fromRosterFields is PersonFromRoster for a person with no history in
// their enterprise: AppointedOn is the start of the current spell and
// LeftOn, kept after a return, the absence before it.
func fromRosterFields(out Person, p roster.Person, today time.Time) Person {
	var start, left time.Time
	if p.AppointedOn != nil {
		start = civil(*p.AppointedOn)
	}
	if p.LeftOn != nil {
		left = civil(*p.LeftOn)
	}
	switch p.DutyStatus {
	case roster.DutyOn:
		if !start.IsZero() && !start.After(today) {
			out.Duty = roster.DutyOn
		}
	case roster.DutyOff:
		// Gone now, but still there on a day before the 离岗.
		if !start.IsZero() && !start.After(today) && !left.IsZero() && left.After(today) {
			out.Duty = roster.DutyOn
			left = time.Time{}
		}
	}
	out.StartedOn = start
	if !left.IsZero() && !start.IsZero() && left.Before(start) {
		out.LeftOn, out.ReturnedOn = left, start
	}
	return out
}
