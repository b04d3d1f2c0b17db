package hours

import (
	"testing"
	"time"

	"anpei/roster"
)

// oneHourOfLaw is a 1-学时 requirement of 法律法规 open all of 2026.
var oneHourOfLaw = Requirement{Code: "t:2026", Hours: Hour, From: Date(2026, 1, 1), To: Date(2027, 1, 1),
	Due: Date(2026, 12, 31), CourseCategories: []string{"law"}, AlertDays: 30}

func TestEvaluateConvertsMinutes(t *testing.T) {
	at := cst("2026-02-01 10:00")
	tests := []struct {
		name            string
		credits         []Credit
		online, offline int
		done, remaining string
		status          Status
	}{
		{"offline 45 minutes is one 学时", []Credit{{45, false, "law", at}}, 0, 45, "1", "0", StatusDone},
		{"online 30 minutes is one 学时", []Credit{{30, true, "law", at}}, 30, 0, "1", "0", StatusDone},
		{"offline 44 minutes is not", []Credit{{44, false, "law", at}}, 0, 44, "0.97", "0.02", StatusOnTrack},
		{"offline 30 minutes is two thirds", []Credit{{30, false, "law", at}}, 0, 30, "0.66", "0.33", StatusOnTrack},
		{"mixed: 15 online + 23 offline", []Credit{{15, true, "law", at}, {23, false, "law", at}}, 15, 23, "1.01", "0", StatusDone},
		{"only the minutes needed are taken", []Credit{{100, false, "law", at}}, 0, 45, "1", "0", StatusDone},
		{"a remainder below a minute takes one whole minute", []Credit{{44, false, "law", at}, {60, true, "law", at}}, 1, 44, "1.01", "0", StatusDone},
		{"zero and negative minutes count nothing", []Credit{{0, true, "law", at}, {-30, true, "law", at}}, 0, 0, "0", "1", StatusOnTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Evaluate([]Requirement{oneHourOfLaw}, tt.credits, cst("2026-03-01 12:00"))[0]
			if p.DoneMinutesOnline != tt.online || p.DoneMinutesOffline != tt.offline ||
				p.DoneHours.String() != tt.done || p.Remaining.String() != tt.remaining || p.Status != tt.status {
				t.Errorf("online %d offline %d done %s remaining %s %s; want %d %d %s %s %s",
					p.DoneMinutesOnline, p.DoneMinutesOffline, p.DoneHours, p.Remaining, p.Status,
					tt.online, tt.offline, tt.done, tt.remaining, tt.status)
			}
			if p.DoneHours != FromMinutes(p.DoneMinutesOnline, true)+FromMinutes(p.DoneMinutesOffline, false) {
				t.Error("DoneHours is not computed from the minutes")
			}
		})
	}
}

func TestEvaluateWindowBoundaries(t *testing.T) {
	tab := defaultTable(t)
	annual2025, _ := byRule(Derive(PersonFacts{Categories: other, StartedOn: day("2015-01-01")}, trade, nil, 2025, today, tab), "worker_annual_general")
	preJob, _ := byRule(Derive(PersonFacts{Categories: other, StartedOn: day("2026-03-02")}, trade, nil, 2026, today, tab), "worker_new_hire_general")
	tests := []struct {
		name     string
		req      Requirement
		at       time.Time
		category string
		counts   bool
	}{
		{"year opens at China midnight", annual2025, cst("2025-01-01 00:00"), "law", true},
		{"the minute before belongs to 2024", annual2025, cst("2024-12-31 23:59"), "law", false},
		{"New Year's Eve late evening is 2025", annual2025, cst("2025-12-31 23:59"), "law", true},
		{"China midnight is 2026, though UTC is still 31 Dec", annual2025, time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), "law", false},
		{"15:59 UTC on 31 Dec is 23:59 in China: 2025", annual2025, time.Date(2025, 12, 31, 15, 59, 0, 0, time.UTC), "law", true},
		{"a category the rule does not count", annual2025, cst("2025-06-01 10:00"), "special_theory", false},
		{"an unknown category", annual2025, cst("2025-06-01 10:00"), "", false},
		{"pre-job: on the 上岗 day itself", preJob, cst("2026-03-02 18:00"), "plant_level", true},
		{"pre-job: the day after 上岗", preJob, cst("2026-03-03 00:00"), "plant_level", false},
		{"pre-job: six months before opens the window", preJob, cst("2025-09-02 00:00"), "team_level", true},
		{"pre-job: the day before that", preJob, cst("2025-09-01 23:59"), "team_level", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Evaluate([]Requirement{tt.req}, []Credit{{Minutes: 45, CourseCategory: tt.category, At: tt.at}}, cst("2026-12-31 12:00"))[0]
			if got := p.DoneMinutesOffline > 0; got != tt.counts {
				t.Errorf("credit at %v toward %s [%v, %v): counted %v, want %v", tt.at, tt.req.Code, tt.req.From, tt.req.To, got, tt.counts)
			}
		})
	}
}

func TestEvaluateStatus(t *testing.T) {
	tab := defaultTable(t)
	review, _ := byRule(Derive(PersonFacts{Categories: operator, StartedOn: day("2010-01-01"),
		ReviewDates: []time.Time{day("2026-06-20")}}, trade, nil, 2026, today, tab), "special_review")
	pending, _ := byRule(Derive(PersonFacts{Categories: other, Status: roster.DutyPending}, trade, nil, 2026, today, tab), "worker_new_hire_general")
	done := []Credit{{Minutes: 8 * 30, Online: true, CourseCategory: "law", At: cst("2026-01-10 10:00")}}
	tests := []struct {
		name    string
		req     Requirement
		credits []Credit
		today   time.Time
		want    Status
	}{
		{"31 days before the last day", oneHourOfLaw, nil, cst("2026-11-30 12:00"), StatusOnTrack},
		{"30 days before", oneHourOfLaw, nil, cst("2026-12-01 00:00"), StatusDueSoon},
		{"on the last day", oneHourOfLaw, nil, cst("2026-12-31 23:59"), StatusDueSoon},
		{"the day after", oneHourOfLaw, nil, cst("2027-01-01 00:00"), StatusOverdue},
		{"roster-style today (midnight UTC) is read as that China date", oneHourOfLaw, nil, day("2026-12-31"), StatusDueSoon},
		{"done, even late", oneHourOfLaw, done, cst("2027-05-01 00:00"), StatusDone},
		{"review: 61 days ahead", review, nil, cst("2026-04-20 12:00"), StatusOnTrack},
		{"review: 60 days ahead (RULES §8)", review, nil, cst("2026-04-21 12:00"), StatusDueSoon},
		{"review: done", review, done, cst("2026-04-21 12:00"), StatusDone},
		{"review: missed", review, nil, cst("2026-06-21 08:00"), StatusOverdue},
		{"no 上岗 date yet: never overdue", pending, nil, cst("2030-01-01 00:00"), StatusOnTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate([]Requirement{tt.req}, tt.credits, tt.today)[0].Status; got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEvaluateCountsAMinuteOnce(t *testing.T) {
	tab := defaultTable(t)
	// A special operator owes 8 学时 before the review on 2026-06-20 and 8
	// a year; a law course counts toward both rules, but not twice.
	p := PersonFacts{Categories: operator, StartedOn: day("2010-01-01"), ReviewDates: []time.Time{day("2026-06-20")}}
	reqs := Derive(p, trade, nil, 2026, today, tab)
	credits := []Credit{{Minutes: 300, Online: true, CourseCategory: "law", At: cst("2026-03-01 09:00")}}
	got := Evaluate(reqs, credits, today)
	minutes := map[string]int{}
	for _, pr := range got {
		minutes[pr.Rule] = pr.DoneMinutesOnline
	}
	// The review is due first: it takes the 240 minutes it needs; the
	// annual gets the remaining 60.
	if minutes["special_review"] != 240 || minutes["worker_annual_general"] != 60 {
		t.Errorf("minutes = %v, want review 240 and annual 60", minutes)
	}
	if got[0].Code != reqs[0].Code || got[1].Code != reqs[1].Code {
		t.Error("Evaluate does not keep the order of reqs")
	}
	// The order of reqs does not decide who goes first: the deadline does.
	rev := []Requirement{reqs[1], reqs[0]}
	for _, pr := range Evaluate(rev, credits, today) {
		if pr.DoneMinutesOnline != minutes[pr.Rule] {
			t.Errorf("reversed input: %s took %d minutes, want %d", pr.Rule, pr.DoneMinutesOnline, minutes[pr.Rule])
		}
	}
}

func TestEvaluateShareGroup(t *testing.T) {
	tab := defaultTable(t)
	// A high-risk principal who is also a worker: the annual 16 and the
	// annual 20 are one share group, so 20 学时 of law serve both; the
	// transfer retraining is not shared.
	p := PersonFacts{Categories: principal | other, StartedOn: day("2010-01-01")}
	events := []DutyFact{{roster.DutyTransfer, day("2026-03-01")}}
	reqs := Derive(p, hazchem, events, 2026, today, tab)
	credits := []Credit{
		{Minutes: 600, Online: true, CourseCategory: "law", At: cst("2026-02-01 09:00")},
		{Minutes: 360, Online: false, CourseCategory: "post_safety", At: cst("2026-02-20 09:00")},
	}
	got := map[string]Progress{}
	for _, pr := range Evaluate(reqs, credits, today) {
		got[pr.Rule] = pr
	}
	if g := got["mgr_annual_high"]; g.DoneMinutesOnline != 480 || g.Status != StatusDone {
		t.Errorf("manager annual: %d online minutes, %s; want 480, done", g.DoneMinutesOnline, g.Status)
	}
	// The worker annual reuses the 480 shared minutes and takes 120 more,
	// but not the post-safety minutes the transfer (due first) took.
	if g := got["worker_annual_high"]; g.DoneMinutesOnline != 600 || g.DoneMinutesOffline != 0 || g.Status != StatusDone {
		t.Errorf("worker annual: %d online, %d offline minutes, %s; want 600, 0, done", g.DoneMinutesOnline, g.DoneMinutesOffline, g.Status)
	}
	if g := got["worker_transfer"]; g.DoneMinutesOffline != 360 || g.Status != StatusDone {
		t.Errorf("transfer: %d offline minutes, %s; want 360, done", g.DoneMinutesOffline, g.Status)
	}
}

func TestEvaluateIgnoresCreditsAfterToday(t *testing.T) {
	credits := []Credit{
		{Minutes: 20, Online: true, CourseCategory: "law", At: cst("2026-03-10 20:00")}, // later today: counts
		{Minutes: 20, Online: true, CourseCategory: "law", At: cst("2026-03-11 00:00")}, // tomorrow: not yet
	}
	p := Evaluate([]Requirement{oneHourOfLaw}, credits, cst("2026-03-10 09:00"))[0]
	if p.DoneMinutesOnline != 20 {
		t.Errorf("done %d online minutes, want 20", p.DoneMinutesOnline)
	}
}
