package demo

import (
	"context"
	"time"

	"anpei/certs"
	"anpei/compliance"
)

// SeedComplianceHistory stores the month-end snapshots of the six months
// before now that are missing, so the demo dashboard has a trend: each is
// the district evaluated at that month's last day from the demo data.
func SeedComplianceHistory(ctx context.Context, cs *compliance.Store, now time.Time) error {
	if _, err := cs.SnapshotDue(ctx, now); err != nil {
		return err
	}
	day := certs.Day(now)
	first := time.Date(day.Year(), day.Month(), 1, 4, 0, 0, 0, time.UTC)
	for i := 2; i <= 6; i++ {
		end := first.AddDate(0, -i+1, 0).AddDate(0, 0, -1)
		if has, err := cs.HasSnapshot(ctx, end.Format("2006-01")); err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		if err := cs.Snapshot(ctx, end); err != nil {
			return err
		}
	}
	return nil
}
