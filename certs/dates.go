package certs

import (
	"time"

	"anpei/hours"
)

// Dates are a certificate's calendar dates, each midnight UTC of the civil
// date (as package roster stores dates). A zero ValidUntil is no expiry; a
// zero NextReview is no review pending.
type Dates struct {
	IssuedOn   time.Time
	ValidUntil time.Time
	NextReview time.Time
}

// Day returns the civil date of the instant t in China time, as midnight
// UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.In(hours.ChinaTime()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// civilDate returns the calendar date of t read in t's own location, as
// midnight UTC.
func civilDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func addMonths(d time.Time, n int) time.Time { return hours.Offset{Months: n}.From(d) }

// reviewInterval is the months between reviews: the extended interval for
// a holder granted it, else the regular one.
func (k Kind) reviewInterval(extended bool) int {
	if extended && k.ExtendedReviewMonths > 0 {
		return k.ExtendedReviewMonths
	}
	return k.ReviewMonths
}

// Schedule returns the dates of a certificate of kind k issued on issued:
// valid until the same day ValidMonths later (the Civil Code's way of
// counting months, so 08-31 + 6 months is 02-28), the first review
// ReviewMonths after issue, none when that reaches the expiry (a renewal
// is due then instead).
func (k Kind) Schedule(issued time.Time, extended bool) Dates {
	d := Dates{IssuedOn: civilDate(issued)}
	if k.ValidMonths > 0 {
		d.ValidUntil = addMonths(d.IssuedOn, k.ValidMonths)
	}
	d.NextReview = k.nextReview(d, d.IssuedOn, extended)
	return d
}

// nextReview is the review after from, or zero when the kind has no
// review or the next one would fall on or after the expiry.
func (k Kind) nextReview(d Dates, from time.Time, extended bool) time.Time {
	n := k.reviewInterval(extended)
	if n == 0 {
		return time.Time{}
	}
	next := addMonths(from, n)
	if !d.ValidUntil.IsZero() && !next.Before(d.ValidUntil) {
		return time.Time{}
	}
	return next
}

// AfterReview returns the dates once the review due on d.NextReview has
// been passed: the next review counts from the due date, not from the day
// of the review, so reviewing early does not shorten the cycle.
func (k Kind) AfterReview(d Dates, extended bool) Dates {
	if d.NextReview.IsZero() {
		return d
	}
	due := d.NextReview
	d.NextReview = k.nextReview(d, due, extended)
	return d
}

// Extend returns the dates once the holder is granted the extended review
// interval: the pending review moves to the extended interval counted
// from the last review (or the issue).
func (k Kind) Extend(d Dates, lastReview time.Time) Dates {
	if k.ExtendedReviewMonths == 0 || d.NextReview.IsZero() {
		return d
	}
	from := d.IssuedOn
	if !lastReview.IsZero() {
		from = civilDate(lastReview)
	}
	d.NextReview = k.nextReview(d, from, true)
	return d
}
