package course

import (
	"time"

	"anpei/hours"
)

// Days (for the daily cap and the ledger) are calendar days in China time,
// the one location package hours draws every window in.

// ChinaDay returns the calendar day of t in China time as "2006-01-02".
func ChinaDay(t time.Time) string {
	return t.In(hours.ChinaTime()).Format(time.DateOnly)
}

// nextChinaMidnight returns the first 00:00 China time strictly after t.
func nextChinaMidnight(t time.Time) time.Time {
	y, m, d := t.In(hours.ChinaTime()).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, hours.ChinaTime()).UTC()
}
