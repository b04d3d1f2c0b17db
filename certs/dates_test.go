package certs

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// TestSchedule is the validity and review-date table of every kind.
func TestSchedule(t *testing.T) {
	ks := MustKinds()
	cases := []struct {
		kind, issued         string
		extended             bool
		validUntil, review   string
		afterReview, review2 string
	}{
		{"training_pass", "2026-03-15", false, "2027-03-15", "", "", ""},
		{"training_pass", "2024-02-29", false, "2025-02-28", "", "", ""},
		{"hours_record", "2026-03-15", false, "", "", "", ""},
		{"manager_assessment", "2026-08-31", false, "2029-08-31", "", "", ""},
		{"special_op_training", "2026-01-31", false, "2027-01-31", "", "", ""},
		// 30号令: valid 6 years, review every 3; the second review would
		// fall on the expiry, where a renewal is due instead.
		{"special_operation", "2020-06-10", false, "2026-06-10", "2023-06-10", "", ""},
		// Granted the extended interval at issue: no interim review.
		{"special_operation", "2020-06-10", true, "2026-06-10", "", "", ""},
		{"special_operation", "2019-08-31", false, "2025-08-31", "2022-08-31", "", ""},
		{"safety_qualification", "2025-11-30", false, "2028-11-30", "", "", ""},
	}
	for _, c := range cases {
		k, _ := ks.Get(c.kind)
		d := k.Schedule(day(c.issued), c.extended)
		if fmtDay(d.IssuedOn) != c.issued || fmtDay(d.ValidUntil) != c.validUntil || fmtDay(d.NextReview) != c.review {
			t.Errorf("%s issued %s extended %v: valid until %s review %s, want %s %s",
				c.kind, c.issued, c.extended, fmtDay(d.ValidUntil), fmtDay(d.NextReview), c.validUntil, c.review)
		}
		after := k.AfterReview(d, c.extended)
		if fmtDay(after.NextReview) != c.afterReview || !after.ValidUntil.Equal(d.ValidUntil) {
			t.Errorf("%s issued %s: after review next %s, want %q", c.kind, c.issued, fmtDay(after.NextReview), c.afterReview)
		}
	}
}

func TestAfterReviewCountsFromDueDate(t *testing.T) {
	// A kind with a short cycle shows the chain: reviews every 12 months
	// inside 48 months of validity, each counted from the previous due
	// date.
	k := Kind{Code: "x", ValidMonths: 48, ReviewMonths: 12, ReviewWindowDays: 60}
	d := k.Schedule(day("2024-01-31"), false)
	want := []string{"2025-01-31", "2026-01-31", "2027-01-31", ""}
	for i, w := range want {
		if fmtDay(d.NextReview) != w {
			t.Fatalf("review %d: %s, want %q", i+1, fmtDay(d.NextReview), w)
		}
		d = k.AfterReview(d, false)
	}
}

func TestExtend(t *testing.T) {
	k := MustKinds()
	so, _ := k.Get("special_operation")
	d := so.Schedule(day("2020-06-10"), false)
	// Granted before the first review: the review moves to the expiry, so
	// none is pending.
	if got := so.Extend(d, time.Time{}); !got.NextReview.IsZero() {
		t.Errorf("extended at issue: next review %s", fmtDay(got.NextReview))
	}
	// A kind without extension is unchanged.
	tp, _ := k.Get("training_pass")
	td := tp.Schedule(day("2026-01-01"), false)
	if tp.Extend(td, time.Time{}) != td {
		t.Error("training_pass changed by Extend")
	}
}
