package main

import (
	"context"
	"log/slog"
	"time"

	"anpei/compliance"
	"anpei/course/fromroster"
)

// newCompliance builds the compliance store: the rules engine over the
// certificate kinds and the operation items' names, reading the roster,
// certificates and ledger through fromroster.
func (a *app) newCompliance(ctx context.Context) (*compliance.Store, error) {
	items, err := a.roster.OperationItems(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(items))
	for _, it := range items {
		names[it.Code] = it.Name
	}
	e, err := compliance.New(compliance.Options{Kinds: a.certs.Kinds(), ItemNames: names})
	if err != nil {
		return nil, err
	}
	return compliance.NewStore(a.db, compliance.StoreOptions{Engine: e, Table: a.courses.Table(),
		Source: fromroster.ComplianceSource(a.roster, a.courses, a.certs)}), nil
}

// evaluateCompliance re-evaluates everyone at start and then every day
// just after midnight (China time), stores the month-end snapshot when a
// month has ended, and logs what it did.
func evaluateCompliance(ctx context.Context, cs *compliance.Store, log *slog.Logger) {
	for {
		now := time.Now()
		rep, err := cs.Refresh(ctx, now)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("evaluate compliance", "err", err)
		case err == nil:
			log.Info("evaluated compliance", "as_of", rep.AsOf.Format("2006-01-02"), "people", rep.People, "on_duty", rep.Evaluated,
				"non_compliant", rep.Tally.NonCompliant, "major_hazards", rep.Tally.Major, "took", rep.Took.Round(time.Millisecond).String())
			if month, err := cs.SnapshotDue(ctx, now); err != nil {
				log.Warn("month-end snapshot", "err", err)
			} else if month != "" {
				log.Info("stored the month-end snapshot", "month", month)
			}
		}
		china := now.In(time.FixedZone("CST", 8*3600))
		next := time.Date(china.Year(), china.Month(), china.Day()+1, 0, 5, 0, 0, china.Location())
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
	}
}
