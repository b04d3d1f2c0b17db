package hours

import (
	"slices"
	"strings"
	"testing"
	"time"

	"anpei/roster"
)

// today is the date the derivation tests run on: 2026-03-10, 09:00 in
// China time.
var today = cst("2026-03-10 09:00")

type deriveCase struct {
	person   PersonFacts
	industry IndustryFacts
	events   []DutyFact
	year     int
	// want: the rule's requirement, by its hours and window.
	hours     Hours
	from, due string
	// all: every rule the person gets for the year.
	all []string
}

// TestDeriveEveryRule has one case per row of the hours table, and fails
// when a row has none (the issue's "requirement derivation tests for
// every row of the hours table").
func TestDeriveEveryRule(t *testing.T) {
	cases := map[string]deriveCase{
		"mgr_appoint_high": {
			person: PersonFacts{Categories: principal, StartedOn: day("2026-01-15")}, industry: hazchem, year: 2026,
			hours: Whole(48), from: "2025-07-15", due: "2026-07-15",
			all: []string{"mgr_appoint_high"}, // appointed this year: no annual yet
		},
		"mgr_appoint_assessed": {
			person: PersonFacts{Categories: manager, StartedOn: day("2026-02-01")}, industry: transport, year: 2026,
			hours: Whole(32), from: "2025-08-01", due: "2026-08-01",
			all: []string{"mgr_appoint_assessed"},
		},
		"mgr_appoint_general": {
			person: PersonFacts{Categories: principal, StartedOn: day("2025-11-30")}, industry: trade, year: 2026,
			hours: Whole(32), from: "2025-05-30", due: "2026-05-30",
			all: []string{"mgr_annual_general", "mgr_appoint_general"},
		},
		"mgr_annual_high": {
			person: PersonFacts{Categories: principal, StartedOn: day("2020-05-01")}, industry: hazchem, year: 2026,
			hours: Whole(16), from: "2026-01-01", due: "2026-12-31",
			all: []string{"mgr_annual_high"},
		},
		"mgr_annual_general": {
			person: PersonFacts{Categories: manager, StartedOn: day("2019-09-09")}, industry: trade, year: 2026,
			hours: Whole(12), from: "2026-01-01", due: "2026-12-31",
			all: []string{"mgr_annual_general"},
		},
		"worker_new_hire_high": {
			person:   PersonFacts{Categories: other, Status: roster.DutyPending, StartedOn: day("2026-04-01")},
			industry: hazchem, year: 2026,
			hours: Whole(72), from: "2025-10-01", due: "2026-04-01",
			all: []string{"worker_new_hire_high"},
		},
		"worker_new_hire_construction": {
			person: PersonFacts{Categories: other, Status: roster.DutyOn}, industry: construction, year: 2026,
			events: []DutyFact{{roster.DutyAppoint, day("2026-03-02")}},
			hours:  Whole(32), from: "2025-09-02", due: "2026-03-02",
			all: []string{"worker_new_hire_construction"},
		},
		"worker_new_hire_general": {
			person: PersonFacts{Categories: other, Status: roster.DutyOn}, industry: trade, year: 2026,
			events: []DutyFact{{roster.DutyAppoint, day("2026-02-10")}},
			hours:  Whole(24), from: "2025-08-10", due: "2026-02-10",
			all: []string{"worker_new_hire_general"},
		},
		"worker_annual_high": {
			person: PersonFacts{Categories: operator, StartedOn: day("2018-06-01")}, industry: hazchem, year: 2026,
			hours: Whole(20), from: "2026-01-01", due: "2026-12-31",
			all: []string{"worker_annual_high"}, // no review date given: no review requirement
		},
		"worker_annual_construction": {
			person: PersonFacts{Categories: other, StartedOn: day("2015-03-01")}, industry: construction, year: 2026,
			hours: Whole(20), from: "2026-01-01", due: "2026-12-31",
			all: []string{"worker_annual_construction"},
		},
		"worker_annual_general": {
			person: PersonFacts{Categories: other, StartedOn: day("2015-03-01")}, industry: trade, year: 2026,
			hours: Whole(8), from: "2026-01-01", due: "2026-12-31",
			all: []string{"worker_annual_general"},
		},
		"worker_transfer": {
			person: PersonFacts{Categories: other, StartedOn: day("2015-03-01")}, industry: trade, year: 2026,
			events: []DutyFact{{roster.DutyAppoint, day("2015-03-01")}, {roster.DutyTransfer, day("2026-03-02")}},
			hours:  Whole(8), from: "2025-12-02", due: "2026-03-02",
			all: []string{"worker_annual_general", "worker_transfer"},
		},
		"worker_return": {
			person: PersonFacts{Categories: other, StartedOn: day("2015-03-01")}, industry: hazchem, year: 2026,
			events: []DutyFact{{roster.DutyLeave, day("2025-01-05")}, {roster.DutyReturn, day("2026-01-05")}},
			hours:  Whole(8), from: "2025-10-05", due: "2026-01-05",
			all: []string{"worker_annual_high", "worker_return"},
		},
		"special_review": {
			person:   PersonFacts{Categories: operator, StartedOn: day("2010-01-01"), ReviewDates: []time.Time{day("2026-06-20")}},
			industry: trade, year: 2026,
			hours: Whole(8), from: "2025-06-20", due: "2026-06-20",
			all: []string{"special_review", "worker_annual_general"},
		},
	}
	tab := defaultTable(t)
	for _, rule := range tab.Rules() {
		t.Run(rule.ID, func(t *testing.T) {
			c, ok := cases[rule.ID]
			if !ok {
				t.Fatalf("no derivation case for rule %s", rule.ID)
			}
			reqs := Derive(c.person, c.industry, c.events, c.year, today, tab)
			if got := ruleIDs(reqs); !slices.Equal(got, c.all) {
				t.Errorf("rules derived = %v, want %v", got, c.all)
			}
			r, ok := byRule(reqs, rule.ID)
			if !ok {
				t.Fatalf("rule %s not derived", rule.ID)
			}
			if r.Hours != c.hours || fmtDay(r.From) != c.from || fmtDay(r.Due) != c.due {
				t.Errorf("%s: %s 学时 from %s due %s; want %s from %s due %s",
					r.Code, r.Hours, fmtDay(r.From), fmtDay(r.Due), c.hours, c.from, c.due)
			}
			if !r.To.Equal(r.Due.AddDate(0, 0, 1)) || r.To.Location() != ChinaTime() {
				t.Errorf("%s: To = %v, want the China-time midnight after Due %v", r.Code, r.To, r.Due)
			}
			if r.Source != rule.Source || r.Confidence != rule.Confidence || r.Label != rule.Label ||
				!slices.Equal(r.CourseCategories, rule.CourseCategories) || r.Assessment != rule.Assessment {
				t.Errorf("%s does not carry its rule's source, confidence, label, categories and assessment", r.Code)
			}
			if !strings.HasPrefix(r.Code, rule.ID+":") {
				t.Errorf("code %q does not start with the rule ID", r.Code)
			}
		})
	}
	for id := range cases {
		if _, ok := tab.Rule(id); !ok {
			t.Errorf("case %s names no rule of the table", id)
		}
	}
}

func TestDeriveCategoryOverlap(t *testing.T) {
	tab := defaultTable(t)
	// A high-risk principal who is also a special operator gets the
	// principal rules, the worker rules and the review rule.
	p := PersonFacts{Categories: principal | operator, StartedOn: day("2020-01-01"),
		ReviewDates: []time.Time{day("2026-11-01"), day("2026-11-01")}}
	got := Derive(p, hazchem, nil, 2026, today, tab)
	want := []string{"mgr_annual_high", "special_review", "worker_annual_high"}
	if ids := ruleIDs(got); !slices.Equal(ids, want) {
		t.Fatalf("principal+operator in hazchem: %v, want %v", ids, want)
	}
	// Newly appointed: initial 48 (principal) and pre-job 72 (worker).
	p = PersonFacts{Categories: principal | operator, StartedOn: day("2026-03-01")}
	want = []string{"mgr_appoint_high", "worker_new_hire_high"}
	if ids := ruleIDs(Derive(p, hazchem, nil, 2026, today, tab)); !slices.Equal(ids, want) {
		t.Errorf("new principal+operator: %v, want %v", ids, want)
	}
	// Principal and safety manager at once: one rule each trigger, not two.
	p = PersonFacts{Categories: principal | manager, StartedOn: day("2020-01-01")}
	if ids := ruleIDs(Derive(p, trade, nil, 2026, today, tab)); !slices.Equal(ids, []string{"mgr_annual_general"}) {
		t.Errorf("principal+manager: %v", ids)
	}
}

func TestDeriveMostSpecificSectorWins(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		name   string
		person PersonFacts
		ind    IndustryFacts
		want   map[string]Hours
	}{
		{"construction new hire: 32 not 24", PersonFacts{Categories: other, StartedOn: day("2026-03-01")}, construction,
			map[string]Hours{"worker_new_hire_construction": Whole(32)}},
		{"construction annual: 20 not 8", PersonFacts{Categories: other, StartedOn: day("2020-03-01")}, construction,
			map[string]Hours{"worker_annual_construction": Whole(20)}},
		{"transport principal: assessed 32", PersonFacts{Categories: principal, StartedOn: day("2026-03-01")}, transport,
			map[string]Hours{"mgr_appoint_assessed": Whole(32)}},
		{"construction principal: assessed 32, annual 12", PersonFacts{Categories: principal, StartedOn: day("2025-12-01")}, construction,
			map[string]Hours{"mgr_appoint_assessed": Whole(32), "mgr_annual_general": Whole(12)}},
		{"hazchem principal: 48 not assessed 32", PersonFacts{Categories: principal, StartedOn: day("2026-03-01")}, hazchem,
			map[string]Hours{"mgr_appoint_high": Whole(48)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]Hours{}
			for _, r := range Derive(tt.person, tt.ind, nil, 2026, today, tab) {
				got[r.Rule] = r.Hours
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for id, h := range tt.want {
				if got[id] != h {
					t.Errorf("%s = %s 学时, want %s", id, got[id], h)
				}
			}
		})
	}
	r, _ := byRule(Derive(PersonFacts{Categories: manager, StartedOn: day("2026-03-01")}, transport, nil, 2026, today, tab), "mgr_appoint_assessed")
	if !r.Assessment || !r.Setting {
		t.Errorf("transport appointment: assessment %v, setting %v; want both", r.Assessment, r.Setting)
	}
}

func TestDeriveNonHighRiskPolicy(t *testing.T) {
	tab := defaultTable(t)
	hire := Derive(PersonFacts{Categories: other, StartedOn: day("2026-03-01")}, trade, nil, 2026, today, tab)
	annual := Derive(PersonFacts{Categories: other, StartedOn: day("2025-03-01")}, trade, nil, 2026, today, tab)
	if len(hire) != 1 || hire[0].Hours != Whole(24) || hire[0].Trigger != TriggerNewHire {
		t.Errorf("non-high-risk new hire: %+v, want 24 pre-job 学时", hire)
	}
	if len(annual) != 1 || annual[0].Hours != Whole(8) || !strings.Contains(annual[0].Source, "安委〔2012〕10号") {
		t.Errorf("non-high-risk annual: %+v, want 8 学时 citing 安委〔2012〕10号", annual)
	}
	hr := Derive(PersonFacts{Categories: other, StartedOn: day("2026-03-01")}, hazchem, nil, 2026, today, tab)
	if len(hr) != 1 || hr[0].Hours != Whole(72) {
		t.Errorf("high-risk new hire: %+v, want 72", hr)
	}
}

func TestDeriveJanuaryRenewal(t *testing.T) {
	tab := defaultTable(t)
	p := PersonFacts{Categories: other, StartedOn: day("2024-12-31")}
	for _, year := range []int{2025, 2026, 2027} {
		reqs := Derive(p, hazchem, nil, year, today, tab)
		r, ok := byRule(reqs, "worker_annual_high")
		if !ok {
			t.Fatalf("%d: no annual requirement in %v", year, ruleIDs(reqs))
		}
		wantFrom, wantTo := Date(year, time.January, 1), Date(year+1, time.January, 1)
		if !r.From.Equal(wantFrom) || !r.To.Equal(wantTo) || r.Code != "worker_annual_high:"+itoa(year) {
			t.Errorf("%d: %s window [%v, %v), want [%v, %v)", year, r.Code, r.From, r.To, wantFrom, wantTo)
		}
		// The window's edges are China midnights: 16:00 UTC the day before.
		if got := r.From.UTC().Format("2006-01-02 15:04"); got != itoa(year-1)+"-12-31 16:00" {
			t.Errorf("%d: window opens at %s UTC", year, got)
		}
	}
	// The year of 上岗 is covered by the pre-job training, not the annual.
	hired := PersonFacts{Categories: other, StartedOn: day("2025-01-02")}
	if ids := ruleIDs(Derive(hired, hazchem, nil, 2025, today, tab)); !slices.Equal(ids, []string{"worker_new_hire_high"}) {
		t.Errorf("plan of the hire year: %v", ids)
	}
	if ids := ruleIDs(Derive(hired, hazchem, nil, 2026, today, tab)); !slices.Equal(ids, []string{"worker_annual_high"}) {
		t.Errorf("plan of the year after: %v", ids)
	}
	// A roster 上岗 date is read as a calendar date, whatever its
	// location: 2025-12-31 stored as midnight UTC is still 2025.
	dec31 := PersonFacts{Categories: other, StartedOn: day("2025-12-31")}
	if _, ok := byRule(Derive(dec31, hazchem, nil, 2026, today, tab), "worker_annual_high"); !ok {
		t.Error("someone who started on 2025-12-31 owes no 2026 annual training")
	}
	// Unknown start (legacy roster without dates): the annual applies.
	if ids := ruleIDs(Derive(PersonFacts{Categories: other}, hazchem, nil, 2026, today, tab)); !slices.Equal(ids, []string{"worker_annual_high"}) {
		t.Errorf("unknown start: %v", ids)
	}
}

func itoa(n int) string { return time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006") }

func TestDeriveAppointmentWithinSixMonths(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		appointed string
		year      int
		due       string
		present   bool
	}{
		{"2025-03-15", 2025, "2025-09-15", true},
		{"2025-08-31", 2025, "2026-02-28", true}, // month end: Civil Code Art.202
		{"2025-08-31", 2026, "2026-02-28", true}, // a window spanning New Year is in both plans
		{"2025-03-15", 2026, "", false},          // closed in 2025: not in the 2026 plan
	}
	for _, tt := range tests {
		p := PersonFacts{Categories: manager, StartedOn: day("2010-01-01"), AppointedOn: day(tt.appointed)}
		r, ok := byRule(Derive(p, hazchem, nil, tt.year, today, tab), "mgr_appoint_high")
		if ok != tt.present {
			t.Errorf("appointed %s, plan %d: present %v, want %v", tt.appointed, tt.year, ok, tt.present)
			continue
		}
		if ok && (fmtDay(r.Due) != tt.due || !r.Assessment || r.Hours != Whole(48)) {
			t.Errorf("appointed %s: due %s assessment %v hours %s; want due %s, assessment, 48",
				tt.appointed, fmtDay(r.Due), r.Assessment, r.Hours, tt.due)
		}
	}
	// AppointedOn in 2025 exempts the manager from the 2025 annual, but
	// not the worker rules, which run from the 上岗 date.
	p := PersonFacts{Categories: manager | other, StartedOn: day("2010-01-01"), AppointedOn: day("2025-03-15")}
	if ids := ruleIDs(Derive(p, hazchem, nil, 2025, today, tab)); !slices.Equal(ids, []string{"mgr_appoint_high", "worker_annual_high"}) {
		t.Errorf("manager appointed 2025 from the shop floor: %v", ids)
	}
}

func TestDeriveTransfer(t *testing.T) {
	tab := defaultTable(t)
	p := PersonFacts{Categories: operator, StartedOn: day("2015-01-01")}
	events := []DutyFact{
		{roster.DutyTransfer, day("2014-06-01")}, // before this 上岗: another spell
		{roster.DutyTransfer, day("2025-12-20")},
		{roster.DutyTransfer, day("2026-02-01")},
		{roster.DutyTransfer, day("2026-04-01")}, // after today: ignored
	}
	transfers := func(year int) []string {
		var codes []string
		for _, r := range Derive(p, trade, events, year, today, tab) {
			if r.Trigger == TriggerTransfer {
				codes = append(codes, r.Code)
			}
		}
		return codes
	}
	// Each plan holds the transfers whose windows overlap its year; the
	// window of 2026-02-01 opens on 2025-11-01.
	if got, want := transfers(2025), []string{"worker_transfer:2025-12-20", "worker_transfer:2026-02-01"}; !slices.Equal(got, want) {
		t.Errorf("2025 transfers = %v, want %v", got, want)
	}
	if got, want := transfers(2026), []string{"worker_transfer:2026-02-01"}; !slices.Equal(got, want) {
		t.Errorf("2026 transfers = %v, want %v", got, want)
	}
	// Principals' training is chapter 2 of 3号令: no transfer rule.
	if reqs := Derive(PersonFacts{Categories: principal, StartedOn: day("2015-01-01")}, trade, events, 2026, today, tab); len(reqs) != 1 {
		t.Errorf("principal with transfers: %v", ruleIDs(reqs))
	}
}

func TestDeriveReturnAfterOneYear(t *testing.T) {
	tab := defaultTable(t)
	tests := []struct {
		name, left, back string
		want             bool
	}{
		{"exactly one year", "2025-03-05", "2026-03-05", true},
		{"one year and a day", "2025-03-04", "2026-03-05", true},
		{"a day short of a year", "2025-03-06", "2026-03-05", false},
		{"11 months", "2025-04-05", "2026-03-05", false},
		{"leap day left, 28 Feb back", "2024-02-29", "2025-02-28", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := []DutyFact{{roster.DutyAppoint, day("2015-01-01")}, {roster.DutyLeave, day(tt.left)}, {roster.DutyReturn, day(tt.back)}}
			year := day(tt.back).Year()
			r, ok := byRule(Derive(PersonFacts{Categories: other}, trade, events, year, today, tab), "worker_return")
			if ok != tt.want {
				t.Fatalf("left %s, back %s: return requirement %v, want %v", tt.left, tt.back, ok, tt.want)
			}
			if ok && (fmtDay(r.Due) != tt.back || r.Hours != Whole(8)) {
				t.Errorf("due %s hours %s, want due %s, 8", fmtDay(r.Due), r.Hours, tt.back)
			}
		})
	}
	// A return with no recorded 离岗 cannot be measured: nothing derived.
	events := []DutyFact{{roster.DutyReturn, day("2026-01-05")}}
	if _, ok := byRule(Derive(PersonFacts{Categories: other, StartedOn: day("2015-01-01")}, trade, events, 2026, today, tab), "worker_return"); ok {
		t.Error("return without a recorded leave derived a requirement")
	}
}

func TestDeriveSpecialReview(t *testing.T) {
	tab := defaultTable(t)
	base := PersonFacts{Categories: operator, StartedOn: day("2010-01-01")}
	if _, ok := byRule(Derive(base, hazchem, nil, 2026, today, tab), "special_review"); ok {
		t.Error("a review requirement without a review date")
	}
	withDates := base
	withDates.ReviewDates = []time.Time{day("2027-09-01"), day("2026-05-20"), day("2028-06-01")}
	var got []string
	for _, r := range Derive(withDates, hazchem, nil, 2026, today, tab) {
		if r.Trigger == TriggerSpecialReview {
			got = append(got, r.Code+" "+r.Hours.String()+" "+fmtDay(r.From)+".."+fmtDay(r.Due))
			if r.AlertDays != 60 {
				t.Errorf("%s alerts %d days ahead, want 60 (RULES §8)", r.Code, r.AlertDays)
			}
		}
	}
	// 2028's window opens 2027-06-01: not in the 2026 plan.
	want := []string{"special_review:2026-05-20 8 2025-05-20..2026-05-20", "special_review:2027-09-01 8 2026-09-01..2027-09-01"}
	if !slices.Equal(got, want) {
		t.Errorf("review requirements = %v, want %v", got, want)
	}
	// Only special operators have reviews.
	other := PersonFacts{Categories: other, StartedOn: day("2010-01-01"), ReviewDates: withDates.ReviewDates}
	if _, ok := byRule(Derive(other, hazchem, nil, 2026, today, tab), "special_review"); ok {
		t.Error("a review requirement for someone who is not a special operator")
	}
}

func TestDeriveByDutyStatus(t *testing.T) {
	tab := defaultTable(t)
	off := PersonFacts{Categories: other, Status: roster.DutyOff, StartedOn: day("2015-01-01")}
	if reqs := Derive(off, hazchem, nil, 2026, today, tab); reqs != nil {
		t.Errorf("off duty: %v", ruleIDs(reqs))
	}
	if reqs := Derive(PersonFacts{}, hazchem, nil, 2026, today, tab); reqs != nil {
		t.Errorf("no categories: %v", ruleIDs(reqs))
	}
	// Awaiting duty with no date: the pre-job requirement is open, from
	// six months before today, and never overdue.
	pending := PersonFacts{Categories: principal | other, Status: roster.DutyPending}
	reqs := Derive(pending, hazchem, nil, 2026, today, tab)
	if ids := ruleIDs(reqs); !slices.Equal(ids, []string{"mgr_appoint_high", "worker_new_hire_high"}) {
		t.Fatalf("pending: %v", ids)
	}
	for _, r := range reqs {
		if !r.To.IsZero() || !r.Due.IsZero() || fmtDay(r.From) != "2025-09-10" || !strings.HasSuffix(r.Code, ":pending") {
			t.Errorf("pending %s: [%s, %s) due %s", r.Code, fmtDay(r.From), fmtDay(r.To), fmtDay(r.Due))
		}
	}
}

func TestDeriveOrdersByDeadline(t *testing.T) {
	tab := defaultTable(t)
	p := PersonFacts{Categories: operator, StartedOn: day("2015-01-01"), ReviewDates: []time.Time{day("2026-06-20")}}
	events := []DutyFact{{roster.DutyTransfer, day("2026-03-02")}}
	var got []string
	for _, r := range Derive(p, trade, events, 2026, today, tab) {
		got = append(got, r.Code)
	}
	want := []string{"worker_transfer:2026-03-02", "special_review:2026-06-20", "worker_annual_general:2026"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestDeriveTieBetweenEquallySpecificRules(t *testing.T) {
	// A deployment that marks a construction industry high-risk makes the
	// high_risk and construction rules equally specific: more 学时 wins,
	// then the earlier row.
	rules := row(map[int]string{0: "a", 1: "new_hire", 3: "construction", 4: "32", 5: "-6m", 6: "0d"}) + "\n" +
		row(map[int]string{0: "b", 1: "new_hire", 3: "high_risk", 4: "72", 5: "-6m", 6: "0d"}) + "\n" +
		row(map[int]string{0: "c", 1: "annual", 3: "construction"}) + "\n" +
		row(map[int]string{0: "d", 1: "annual", 3: "high_risk"}) + "\n"
	tab, err := ParseTable(strings.NewReader(rules), strings.NewReader("law\t安全生产法律法规\n"))
	if err != nil {
		t.Fatal(err)
	}
	both := IndustryFacts{HighRisk: true, Construction: true}
	if ids := ruleIDs(Derive(PersonFacts{Categories: other, StartedOn: day("2026-03-01")}, both, nil, 2026, today, tab)); !slices.Equal(ids, []string{"b"}) {
		t.Errorf("new hire: %v, want the 72-学时 rule b", ids)
	}
	if ids := ruleIDs(Derive(PersonFacts{Categories: other, StartedOn: day("2020-03-01")}, both, nil, 2026, today, tab)); !slices.Equal(ids, []string{"c"}) {
		t.Errorf("annual: %v, want the earlier row c", ids)
	}
}

func TestLabels(t *testing.T) {
	for _, tr := range Triggers() {
		if tr.Label() == "" {
			t.Errorf("trigger %s has no label", tr)
		}
	}
	for _, s := range []Status{StatusDone, StatusOnTrack, StatusDueSoon, StatusOverdue} {
		if s.Label() == "" {
			t.Errorf("status %s has no label", s)
		}
	}
	if Trigger("x").Label() != "" || Status("x").Label() != "" {
		t.Error("an unknown code has a label")
	}
	if got := (Offset{Months: -6}).String() + " " + (Offset{}).String() + " " + (Offset{Months: 1, Days: -1}).String(); got != "-6m 0d +1m-1d" {
		t.Errorf("offsets print as %q", got)
	}
}
