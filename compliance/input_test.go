package compliance

import (
	"slices"
	"testing"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

func ptr(s string) *time.Time { d := day(s); return &d }

func ev(ent uint, kind roster.DutyKind, date string) roster.DutyEvent {
	return roster.DutyEvent{PersonID: 7, EnterpriseID: ent, Kind: kind, Date: day(date)}
}

var hazchemIndustry = roster.Industry{Code: "hazchem", HighRisk: true, AssessmentRequired: true}

func TestPersonFromRoster(t *testing.T) {
	base := roster.Person{ID: 7, EnterpriseID: 1, Categories: operator, OperationItems: []string{"1.2"}}
	on := func(appointed string, left string) roster.Person {
		p := base
		p.DutyStatus, p.AppointedOn = roster.DutyOn, ptr(appointed)
		if left != "" {
			p.LeftOn = ptr(left)
		}
		return p
	}
	off := on("2019-01-01", "2026-05-01")
	off.DutyStatus = roster.DutyOff
	pending := base
	pending.DutyStatus = roster.DutyPending
	history := []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyTransfer, "2020-05-01"),
		ev(1, roster.DutyLeave, "2025-03-10"), ev(1, roster.DutyReturn, "2025-09-10")}
	moved := []roster.DutyEvent{ev(9, roster.DutyAppoint, "2018-01-01"), ev(9, roster.DutyLeave, "2025-01-01"),
		ev(1, roster.DutyAppoint, "2025-08-01")}
	type want struct {
		duty                    roster.DutyStatus
		started, left, returned string
	}
	cases := []struct {
		name   string
		p      roster.Person
		events []roster.DutyEvent
		at     string
		want   want
	}{
		{"no history, on duty", on("2024-01-01", ""), nil, "2026-06-30", want{roster.DutyOn, "2024-01-01", "", ""}},
		{"no history, before the 上岗", on("2024-01-01", ""), nil, "2023-12-31", want{roster.DutyOff, "2024-01-01", "", ""}},
		{"no history, back after an absence", on("2026-03-02", "2025-01-10"), nil, "2026-06-30", want{roster.DutyOn, "2026-03-02", "2025-01-10", "2026-03-02"}},
		{"no history, gone now but not then", off, nil, "2026-04-30", want{roster.DutyOn, "2019-01-01", "", ""}},
		{"no history, gone", off, nil, "2026-05-01", want{roster.DutyOff, "2019-01-01", "", ""}},
		{"pending", pending, history, "2026-06-30", want{roster.DutyPending, "", "", ""}},
		{"history: before the absence", on("2025-09-10", "2025-03-10"), history, "2025-03-09", want{roster.DutyOn, "2019-01-01", "", ""}},
		{"history: away", on("2025-09-10", "2025-03-10"), history, "2025-06-01", want{roster.DutyOff, "2019-01-01", "", ""}},
		{"history: back", on("2025-09-10", "2025-03-10"), history, "2025-09-10", want{roster.DutyOn, "2019-01-01", "2025-03-10", "2025-09-10"}},
		{"history in any order", on("2025-09-10", "2025-03-10"), []roster.DutyEvent{history[3], history[0], history[2], history[1]}, "2025-09-20",
			want{roster.DutyOn, "2019-01-01", "2025-03-10", "2025-09-10"}},
		{"moved: the absence spans employers", on("2025-08-01", ""), moved, "2025-09-01", want{roster.DutyOn, "2025-08-01", "2025-01-01", "2025-08-01"}},
		{"moved: then in the other enterprise", on("2025-08-01", ""), moved, "2024-06-01", want{roster.DutyOff, "", "", ""}},
		{"no enterprise", roster.Person{ID: 7, Categories: other, DutyStatus: roster.DutyOff}, nil, "2026-06-30", want{roster.DutyOff, "", "", ""}},
	}
	text := func(d time.Time) string {
		if d.IsZero() {
			return ""
		}
		return d.Format(time.DateOnly)
	}
	for _, c := range cases {
		got := PersonFromRoster(c.p, hazchemIndustry, c.events, at(c.at))
		g := want{got.Duty, text(got.StartedOn), text(got.LeftOn), text(got.ReturnedOn)}
		if g != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, g, c.want)
		}
		if got.ID != 7 || !got.HighRisk || !got.MustAssess || got.Categories != c.p.Categories || !slices.Equal(got.Items, c.p.OperationItems) {
			t.Errorf("%s: identity %+v", c.name, got)
		}
	}
	if !slices.IsSortedFunc(history, compareEvents) {
		t.Error("history reordered")
	}
}

func TestCertFrom(t *testing.T) {
	c := certs.Certificate{ID: 4, Number: "T1", Kind: "special_operation", OperationItem: "1.2", IssuedOn: day("2024-03-01"),
		ValidUntil: ptr("2030-03-01"), NextReview: ptr("2027-03-01"), State: certs.StateSuspended, External: true, Verified: true}
	got := CertFrom(c)
	want := Cert{ID: 4, Kind: "special_operation", Number: "T1", Item: "1.2", State: certs.StateSuspended,
		Dates: certs.Dates{IssuedOn: day("2024-03-01"), ValidUntil: day("2030-03-01"), NextReview: day("2027-03-01")}, External: true, Verified: true}
	if got != want {
		t.Errorf("%+v\nwant %+v", got, want)
	}
}

// throughHours evaluates a roster person the way the store will: hours
// derives and counts the requirements of the year, compliance judges them.
func throughHours(t *testing.T, e *Engine, p roster.Person, ind roster.Industry, events []roster.DutyEvent, cs []Cert, ledger []hours.Credit, on string) Result {
	t.Helper()
	table, err := hours.DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	now := at(on)
	pf, inf, facts := hours.FactsFromRoster(p, ind, events)
	var tr []Training
	for _, pr := range hours.Evaluate(hours.Derive(pf, inf, facts, now.Year(), now, table), ledger, now) {
		tr = append(tr, TrainingFrom(pr))
	}
	return e.Evaluate(PersonFromRoster(p, ind, events, now), cs, tr, now)
}

func TestThroughHours(t *testing.T) {
	e := newEngine(t, false)
	trade := roster.Industry{Code: "industry_trade"}
	worker := roster.Person{ID: 7, EnterpriseID: 1, Categories: other, DutyStatus: roster.DutyOn}
	op := roster.Person{ID: 8, EnterpriseID: 1, Categories: operator, OperationItems: []string{"1.2"}, DutyStatus: roster.DutyOn}
	so := certs_(opCert(1, "1.2", "2024-03-01", false))
	cases := []struct {
		name    string
		p       roster.Person
		ind     roster.Industry
		events  []roster.DutyEvent
		cs      []Cert
		ledger  []hours.Credit
		at      string
		reasons string
	}{
		// 3号令第17条: back after one year or more (2025-03-02 + 12 months = 2026-03-02).
		{"back a day short of a year", worker, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-02"), ev(1, roster.DutyReturn, "2026-03-01")}, nil, nil,
			"2026-03-02", ""},
		{"back on the year", worker, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-02"), ev(1, roster.DutyReturn, "2026-03-02")}, nil, nil,
			"2026-03-03", "return_retraining_missing/不合规@2026-03-02"},
		{"back a day after the year", worker, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-02"), ev(1, roster.DutyReturn, "2026-03-03")}, nil, nil,
			"2026-03-04", "return_retraining_missing/不合规@2026-03-03"},
		{"back on the year, retrained", worker, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-02"), ev(1, roster.DutyReturn, "2026-03-02")},
			nil, []hours.Credit{{Minutes: 8 * 45, CourseCategory: "team_level", At: day("2026-02-20")}}, "2026-03-03", ""},
		{"transferred", worker, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyTransfer, "2026-03-02")}, nil, nil,
			"2026-03-03", "return_retraining_missing/不合规@2026-03-02"},
		// 30号令第32条: off the post 6 months or more (2025-03-10 + 6 months = 2025-09-10).
		{"operator back a day short of 6 months", op, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-10"), ev(1, roster.DutyReturn, "2025-09-09")}, so, nil,
			"2025-09-20", ""},
		{"operator back on 6 months", op, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-10"), ev(1, roster.DutyReturn, "2025-09-10")}, so, nil,
			"2025-09-20", "special_retest_missing/不合规@2025-09-10"},
		{"operator back a day after 6 months", op, trade, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01"), ev(1, roster.DutyLeave, "2025-03-10"), ev(1, roster.DutyReturn, "2025-09-11")}, so, nil,
			"2025-09-20", "special_retest_missing/不合规@2025-09-11"},
		// 3号令第13条: 72 学时 before starting in a high-risk unit.
		{"high-risk new hire, untrained", worker, hazchemIndustry, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2026-03-02")}, nil,
			[]hours.Credit{{Minutes: 36 * 45, CourseCategory: "plant_level", At: day("2026-02-20")}}, "2026-03-03", "prejob_training_missing/不合规@2026-03-02"},
		{"high-risk new hire, trained", worker, hazchemIndustry, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2026-03-02")}, nil,
			[]hours.Credit{{Minutes: 72 * 45, CourseCategory: "plant_level", At: day("2026-02-20")}}, "2026-03-03", ""},
		{"high-risk new hire, trained too late", worker, hazchemIndustry, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2026-03-02")}, nil,
			[]hours.Credit{{Minutes: 72 * 45, CourseCategory: "plant_level", At: day("2026-03-05")}}, "2026-03-06", "prejob_training_missing/不合规@2026-03-02"},
		// Annual: 20 学时 in a high-risk unit, judged at the year end.
		{"annual short in December", worker, hazchemIndustry, []roster.DutyEvent{ev(1, roster.DutyAppoint, "2019-01-01")}, nil,
			[]hours.Credit{{Minutes: 10 * 45, CourseCategory: "law", At: day("2026-05-20")}}, "2026-12-01", "annual_hours_short/即将到期@2026-12-31"},
	}
	for _, c := range cases {
		r := throughHours(t, e, c.p, c.ind, c.events, c.cs, c.ledger, c.at)
		if got := describe(r); got != c.reasons {
			t.Errorf("%s: %s, want %s", c.name, got, c.reasons)
		}
		checkInvariants(t, c.name, r)
	}
}
