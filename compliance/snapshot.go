package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/certs"
	"anpei/roster"
)

// SnapshotDue stores the snapshot of the month before now's (China time)
// when there is none yet: everyone evaluated at that month's last day,
// tallied per enterprise with where the enterprise was. It returns the
// month stored ("" when there was nothing to do). A first start mid-month
// evaluates the past month-end from today's roster, the only one there is.
func (s *Store) SnapshotDue(ctx context.Context, now time.Time) (string, error) {
	day := certs.Day(now)
	end := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	month := end.Format("2006-01")
	var n int64
	if err := s.db.WithContext(ctx).Model(&SnapshotRow{}).Where("month = ?", month).Count(&n).Error; err != nil {
		return "", asFault(err)
	}
	if n > 0 {
		return "", nil
	}
	if err := s.Snapshot(ctx, end); err != nil {
		return "", err
	}
	return month, nil
}

// Snapshot evaluates everyone at the day of at and stores the tally of
// each enterprise under at's month (replacing one already stored).
func (s *Store) Snapshot(ctx context.Context, at time.Time) error {
	type ent struct {
		tally                Tally
		town, industry, dept string
	}
	byEnt := map[uint]*ent{}
	err := s.evaluate(ctx, at, func(page []roster.Subject, res []*Result, ind map[string]roster.Industry, _ map[uint][]certs.Certificate) error {
		for i, r := range res {
			if !r.Evaluated {
				continue
			}
			subj := page[i]
			e := byEnt[subj.EnterpriseID]
			if e == nil {
				e = &ent{town: subj.TownCode, industry: subj.IndustryCode, dept: ind[subj.IndustryCode].DepartmentCode}
				byEnt[subj.EnterpriseID] = e
			}
			e.tally.Add(r)
		}
		return nil
	})
	if err != nil {
		return asFault(err)
	}
	month := certs.Day(at).Format("2006-01")
	rows := make([]SnapshotRow, 0, len(byEnt))
	for id, e := range byEnt {
		b, err := json.Marshal(tallyView(&e.tally))
		if err != nil {
			return asFault(err)
		}
		rows = append(rows, SnapshotRow{Month: month, EnterpriseID: id, TownCode: e.town, IndustryCode: e.industry, DepartmentCode: e.dept,
			Tally: string(b), CreatedAt: s.opt.Now().UTC()})
	}
	return asFault(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("month = ?", month).Delete(&SnapshotRow{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(rows, 200).Error
	}))
}

// TrendPoint is a scope's tally at one month's end.
type TrendPoint struct {
	Month string    `json:"month"`
	Tally TallyView `json:"tally"`
}

// Trend returns the scope's month-end tallies, oldest first, for the last
// months months that have a snapshot.
func (s *Store) Trend(ctx context.Context, p account.Principal, scope string, months int) ([]TrendPoint, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	var rows []SnapshotRow
	q := sc.where(s.db.WithContext(ctx).Model(&SnapshotRow{}), "compliance_snapshots").Order("month")
	if err := q.Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	var out []TrendPoint
	for _, r := range rows {
		var v TallyView
		if err := json.Unmarshal([]byte(r.Tally), &v); err != nil {
			return nil, asFault(errors.Join(errors.New("snapshot "+r.Month), err))
		}
		if len(out) == 0 || out[len(out)-1].Month != r.Month {
			out = append(out, TrendPoint{Month: r.Month, Tally: v})
			continue
		}
		out[len(out)-1].Tally = addViews(out[len(out)-1].Tally, v)
	}
	if len(out) > months && months > 0 {
		out = out[len(out)-months:]
	}
	return out, nil
}

func addViews(a, b TallyView) TallyView {
	r := func(x, y RateView) RateView { return rateView(x.Rate().Add(y.Rate())) }
	set := func(x, y RateSetView) RateSetView {
		return RateSetView{Overall: r(x.Overall, y.Overall), Principal: r(x.Principal, y.Principal), SafetyManager: r(x.SafetyManager, y.SafetyManager),
			SpecialOperator: r(x.SpecialOperator, y.SpecialOperator), Other: r(x.Other, y.Other)}
	}
	out := TallyView{People: a.People + b.People, Compliant: a.Compliant + b.Compliant, DueSoon: a.DueSoon + b.DueSoon,
		NonCompliant: a.NonCompliant + b.NonCompliant, Major: a.Major + b.Major, Certified: set(a.Certified, b.Certified),
		PreJob: set(a.PreJob, b.PreJob), Annual: set(a.Annual, b.Annual), ByReason: map[string]int{}}
	for k, v := range a.ByReason {
		out.ByReason[k] += v
	}
	for k, v := range b.ByReason {
		out.ByReason[k] += v
	}
	return out
}

// HasSnapshot reports whether month ("2006-01") has a snapshot.
func (s *Store) HasSnapshot(ctx context.Context, month string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&SnapshotRow{}).Where("month = ?", month).Count(&n).Error
	return n > 0, asFault(err)
}
