package certs

import (
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	ks := MustKinds()
	so, _ := ks.Get("special_operation")
	sq, _ := ks.Get("safety_qualification")
	hr, _ := ks.Get("hours_record")
	soDates := so.Schedule(day("2020-06-10"), false) // review 2023-06-10, expiry 2026-06-10
	reviewed := so.AfterReview(soDates, false)       // no review pending, expiry 2026-06-10
	sqDates := sq.Schedule(day("2025-11-30"), false) // expiry 2028-11-30
	// at is an instant; the day is read in China time, so 2023-04-10
	// 17:00 UTC is already 04-11 in Qujing.
	at := func(s string) time.Time { return day(s).Add(4 * time.Hour) }
	cases := []struct {
		name   string
		kind   Kind
		state  State
		dates  Dates
		at     time.Time
		status Status
		code   string
	}{
		{"fresh special op", so, StateActive, soDates, at("2021-01-01"), StatusValid, "valid"},
		{"day before review window", so, StateActive, soDates, at("2023-04-10"), StatusValid, "valid"},
		{"review window opens 60 days before", so, StateActive, soDates, at("2023-04-11"), StatusReviewDue, "review_due"},
		{"window by China day", so, StateActive, soDates, day("2023-04-10").Add(17 * time.Hour), StatusReviewDue, "review_due"},
		{"review due day itself", so, StateActive, soDates, at("2023-06-10"), StatusReviewDue, "review_due"},
		{"review missed lapses", so, StateActive, soDates, at("2023-06-11"), StatusExpired, "review_missed"},
		{"reviewed, later", so, StateActive, reviewed, at("2024-06-11"), StatusValid, "valid"},
		{"reviewed, renewal window", so, StateActive, reviewed, at("2026-04-11"), StatusExpiring, "expiring"},
		{"reviewed, expiry day", so, StateActive, reviewed, at("2026-06-10"), StatusExpiring, "expiring"},
		{"reviewed, expired", so, StateActive, reviewed, at("2026-06-11"), StatusExpired, "expired"},
		{"qualification 31 days before", sq, StateActive, sqDates, at("2028-10-30"), StatusValid, "valid"},
		{"qualification 30 days before", sq, StateActive, sqDates, at("2028-10-31"), StatusExpiring, "expiring"},
		{"suspended beats dates", so, StateSuspended, soDates, at("2021-01-01"), StatusSuspended, "suspended"},
		{"revoked beats expiry", so, StateRevoked, soDates, at("2030-01-01"), StatusRevoked, "revoked"},
		{"cancelled", sq, StateCancelled, sqDates, at("2026-01-01"), StatusCancelled, "cancelled"},
		{"no expiry", hr, StateActive, hr.Schedule(day("2000-01-01"), false), at("2099-01-01"), StatusValid, "valid"},
	}
	for _, c := range cases {
		st, why := c.kind.Evaluate(c.state, c.dates, c.at)
		if st != c.status || why.Code != c.code || why.Message == "" {
			t.Errorf("%s: %s %+v, want %s %s", c.name, st, why, c.status, c.code)
		}
	}
}

func TestStatusVocabulary(t *testing.T) {
	want := map[Status]string{StatusValid: "有效", StatusExpiring: "即将到期", StatusReviewDue: "待复审", StatusExpired: "已过期",
		StatusSuspended: "已暂停", StatusRevoked: "已撤销", StatusCancelled: "已注销"}
	for _, s := range Statuses() {
		if s.Label() != want[s] || !s.Valid() {
			t.Errorf("%s: %q", s, s.Label())
		}
	}
	holds := map[Status]bool{StatusValid: true, StatusExpiring: true, StatusReviewDue: true}
	for _, s := range Statuses() {
		if s.Holds() != holds[s] {
			t.Errorf("%s holds %v", s, s.Holds())
		}
	}
	if Status("x").Valid() {
		t.Error("unknown status valid")
	}
}
