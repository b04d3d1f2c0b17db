package hours

import (
	"strconv"
	"time"
)

// china is the district's clock. China has kept UTC+8 without daylight
// saving since 1991, so a fixed zone needs no time-zone database.
var china = time.FixedZone("CST", 8*60*60)

// ChinaTime returns the location in which windows are drawn (UTC+8).
func ChinaTime() *time.Location { return china }

// Date returns midnight in China time of the calendar date y-m-d.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, china) }

// civil returns t's calendar date, read in t's own location (as package
// roster stores dates: midnight UTC), as midnight in China time; the zero
// time stays zero.
func civil(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return Date(y, m, d)
}

// dayOf returns the China-time calendar date of the instant t, as midnight
// in China time.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(china).Date()
	return Date(y, m, d)
}

// addMonths adds n months to the date d the way the Civil Code counts a
// period in months (Art.202): the period ends on the same day of the
// target month or, when that month has no such day, on its last day.
// 2025-08-31 + 6 months is 2026-02-28, not Go's 2026-03-03.
func addMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(day, last)-1)
}

// Offset is a distance in calendar months and days from a trigger date,
// written "-6m", "+6m", "0d", "-90d" or "+1y" in the table.
type Offset struct {
	Months, Days int
}

// From returns the date o away from d.
func (o Offset) From(d time.Time) time.Time { return addMonths(d, o.Months).AddDate(0, 0, o.Days) }

// String writes o as the table does.
func (o Offset) String() string {
	switch {
	case o.Months != 0 && o.Days != 0:
		return signed(o.Months) + "m" + signed(o.Days) + "d"
	case o.Months != 0:
		return signed(o.Months) + "m"
	}
	return signed(o.Days) + "d"
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ParseOffset reads "-6m", "+6m", "12m", "0d", "-90d" or "1y". It returns
// an error for anything else.
func ParseOffset(s string) (Offset, error) {
	if len(s) < 2 {
		return Offset{}, errorf("offset %q: want a number and d, m or y", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < -1200 || n > 1200 {
		return Offset{}, errorf("offset %q: want a number and d, m or y", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return Offset{Days: n}, nil
	case 'm':
		return Offset{Months: n}, nil
	case 'y':
		return Offset{Months: 12 * n}, nil
	}
	return Offset{}, errorf("offset %q: unit must be d, m or y", s)
}
