package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"

	"anpei/certs"
	"anpei/fault"
	"anpei/hours"
	"anpei/roster"
	"anpei/sqltext"
)

// Source is what the sweep reads from the other stores; main fills it
// (course/fromroster.ComplianceSource).
type Source struct {
	// Subjects pages through the whole roster in id order.
	Subjects func(ctx context.Context, afterID uint, limit int) ([]roster.Subject, error)
	// Industries are the reference industries (flags and departments).
	Industries func(ctx context.Context) ([]roster.Industry, error)
	// Certificates and Credits return many people's at once.
	Certificates func(ctx context.Context, personIDs []uint) (map[uint][]certs.Certificate, error)
	Credits      func(ctx context.Context, personIDs []uint) (map[uint][]hours.Credit, error)
}

// StoreOptions configure a Store.
type StoreOptions struct {
	Now    func() time.Time
	Engine *Engine
	Table  hours.Table
	Source Source
	// PageSize is how many people one step of the sweep evaluates.
	PageSize int
}

// Store keeps the evaluated results, their roll-ups and month-end
// snapshots.
type Store struct {
	db  *gorm.DB
	opt StoreOptions
	// sweep lets one Refresh run at a time in this process.
	sweep sync.Mutex
	cache *rollupCache
}

// dueDays is how far ahead the roll-ups count certificates falling due.
const dueDays = 366

// rollup is one enterprise's part of a sweep.
type rollup struct {
	tally                Tally
	town, industry, dept string
	due                  map[string]int
}

// writeRollups replaces the roll-ups with this sweep's, in one
// transaction.
func (s *Store) writeRollups(ctx context.Context, roll map[uint]*rollup, asOf time.Time, run int64) error {
	rows := make([]RollupRow, 0, len(roll))
	for id, ru := range roll {
		t, err := json.Marshal(tallyView(&ru.tally))
		if err != nil {
			return asFault(err)
		}
		d, err := json.Marshal(ru.due)
		if err != nil {
			return asFault(err)
		}
		rows = append(rows, RollupRow{EnterpriseID: id, TownCode: ru.town, IndustryCode: ru.industry, DepartmentCode: ru.dept,
			Tally: string(t), Due: string(d), AsOf: asOf, Run: run})
	}
	return asFault(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("1 = 1").Delete(&RollupRow{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateInBatches(rows, 200).Error
	}))
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt StoreOptions) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.PageSize == 0 {
		opt.PageSize = 1000
	}
	return &Store{db: db, opt: opt, cache: &rollupCache{}}
}

// Engine returns the rules engine the store evaluates with.
func (s *Store) Engine() *Engine { return s.opt.Engine }

func asFault(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fault.Wrap(err, "compliance")
}

// ReasonView is a reason as stored and shown: everything a regulator
// needs to act on it.
type ReasonView struct {
	Code        string `json:"code"`
	Label       string `json:"label"`
	Severity    string `json:"severity"`
	Measure     string `json:"measure"`
	Message     string `json:"message"`
	Basis       string `json:"basis"`
	HazardBasis string `json:"hazard_basis,omitempty"`
	Major       bool   `json:"major"`
	Due         string `json:"due,omitempty"`
}

func reasonViews(rs []Reason) []ReasonView {
	out := make([]ReasonView, len(rs))
	for i, r := range rs {
		v := ReasonView{Code: r.Code.String(), Label: r.Label(), Severity: r.Severity.Label(), Measure: r.Info().Measure.Code(),
			Message: r.Message(), Basis: r.Basis(), Major: r.Major}
		if r.Major {
			v.HazardBasis = r.HazardBasis()
		}
		if !r.Due.IsZero() {
			v.Due = r.Due.Format("2006-01-02")
		}
		out[i] = v
	}
	return out
}

// RefreshReport says what a sweep did.
type RefreshReport struct {
	AsOf      time.Time     `json:"as_of"`
	People    int           `json:"people"`
	Evaluated int           `json:"evaluated"`
	Took      time.Duration `json:"took"`
	// Read, Evaluated and Write split Took: loading the roster,
	// certificates and ledger; the engine; storing the results.
	Read  time.Duration `json:"read"`
	Eval  time.Duration `json:"eval"`
	Write time.Duration `json:"write"`
	Tally TallyView     `json:"tally"`
}

// Refresh evaluates every person of the roster at the day of at and
// rewrites the stored results page by page; results of people no longer
// on duty are removed at the end.
func (s *Store) Refresh(ctx context.Context, at time.Time) (RefreshReport, error) {
	s.sweep.Lock()
	defer s.sweep.Unlock()
	start := s.opt.Now()
	runAt := start.UTC().Truncate(time.Second)
	rep := RefreshReport{AsOf: certs.Day(at)}
	var last struct{ Run int64 }
	if err := s.db.WithContext(ctx).Model(&ResultRow{}).Select("COALESCE(MAX(run), 0) AS run").Scan(&last).Error; err != nil {
		return rep, asFault(err)
	}
	run := last.Run + 1
	var tally Tally
	roll := map[uint]*rollup{}
	dueTo := rep.AsOf.AddDate(0, 0, dueDays)
	var timing [2]time.Duration
	err := s.evaluateTimed(ctx, at, &timing, func(page []roster.Subject, results []*Result, ind map[string]roster.Industry, certsOf map[uint][]certs.Certificate) error {
		rows := make([]ResultRow, 0, len(results))
		ids := make([]uint, len(page))
		for i, subj := range page {
			ids[i] = subj.ID
			r := results[i]
			if !r.Evaluated {
				continue
			}
			tally.Add(r)
			ru := roll[subj.EnterpriseID]
			if ru == nil {
				ru = &rollup{town: subj.TownCode, industry: subj.IndustryCode, dept: ind[subj.IndustryCode].DepartmentCode, due: map[string]int{}}
				roll[subj.EnterpriseID] = ru
			}
			ru.tally.Add(r)
			for _, c := range certsOf[subj.ID] {
				if c.State != certs.StateActive {
					continue
				}
				if d := c.Dates().DueDate(); !d.IsZero() && !d.Before(rep.AsOf) && d.Before(dueTo) {
					ru.due[d.Format("2006-01-02")]++
				}
			}
			row := resultRow(subj, r, ind[subj.IndustryCode], rep.AsOf, runAt)
			row.Run = run
			rows = append(rows, row)
		}
		rep.People += len(page)
		rep.Evaluated += len(rows)
		w0 := time.Now()
		defer func() { rep.Write += time.Since(w0) }()
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Where("person_id IN ?", ids).Delete(&ResultRow{}).Error; err != nil {
				return err
			}
			if len(rows) == 0 {
				return nil
			}
			return tx.CreateInBatches(rows, 200).Error
		})
	})
	if err != nil {
		return rep, asFault(err)
	}
	if err := s.db.WithContext(ctx).Where("run < ?", run).Delete(&ResultRow{}).Error; err != nil {
		return rep, asFault(err)
	}
	if err := s.writeRollups(ctx, roll, rep.AsOf, run); err != nil {
		return rep, err
	}
	rep.Took = time.Since(start)
	rep.Read, rep.Eval = timing[0], timing[1]
	rep.Tally = tallyView(&tally)
	return rep, nil
}

// evaluate runs the engine over the whole roster at the day of at, a
// page at a time, handing each page's results to fn (which must copy what
// it keeps: the results are reused).
func (s *Store) evaluate(ctx context.Context, at time.Time, fn func([]roster.Subject, []*Result, map[string]roster.Industry, map[uint][]certs.Certificate) error) error {
	return s.evaluateTimed(ctx, at, nil, fn)
}

// evaluateTimed is evaluate, adding to read and eval (when not nil) the
// time spent loading pages and running the engine.
func (s *Store) evaluateTimed(ctx context.Context, at time.Time, t *[2]time.Duration, fn func([]roster.Subject, []*Result, map[string]roster.Industry, map[uint][]certs.Certificate) error) error {
	add := func(i int, since time.Time) {
		if t != nil {
			t[i] += time.Since(since)
		}
	}
	src := s.opt.Source
	inds, err := src.Industries(ctx)
	if err != nil {
		return err
	}
	ind := make(map[string]roster.Industry, len(inds))
	for _, i := range inds {
		ind[i.Code] = i
	}
	day := certs.Day(at)
	evalAt := hours.Date(day.Year(), day.Month(), day.Day()).Add(12 * time.Hour)
	pool := make([]Result, s.opt.PageSize)
	for after := uint(0); ; {
		r0 := time.Now()
		page, err := src.Subjects(ctx, after, s.opt.PageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		ids := make([]uint, len(page))
		for i, p := range page {
			ids[i] = p.ID
		}
		after = ids[len(ids)-1]
		certsOf, err := src.Certificates(ctx, ids)
		if err != nil {
			return err
		}
		credits, err := src.Credits(ctx, ids)
		if err != nil {
			return err
		}
		add(0, r0)
		e0 := time.Now()
		results := make([]*Result, len(page))
		var cs []Cert
		var tr []Training
		for i, subj := range page {
			in := ind[subj.IndustryCode]
			person := PersonFromRoster(subj.Person, in, subj.Events, evalAt)
			cs = cs[:0]
			for _, c := range certsOf[subj.ID] {
				cs = append(cs, CertFrom(c))
				// The latest practical re-test recorded on a certificate,
				// up to the day evaluated.
				if c.LastRetest != nil && !c.LastRetest.After(day) && c.LastRetest.After(person.RetestOn) {
					person.RetestOn = *c.LastRetest
				}
			}
			tr = s.training(tr[:0], subj, in, credits[subj.ID], evalAt)
			res := &pool[i]
			s.opt.Engine.EvaluateInto(res, &person, cs, tr, evalAt)
			results[i] = res
		}
		add(1, e0)
		if err := fn(page, results, ind, certsOf); err != nil {
			return err
		}
	}
}

// training is the person's training requirements at evalAt: this year's,
// and last year's annual ones (a year that closed short stays a gap).
func (s *Store) training(tr []Training, subj roster.Subject, in roster.Industry, ledger []hours.Credit, at time.Time) []Training {
	pf, inf, facts := hours.FactsFromRoster(subj.Person, in, subj.Events)
	year := at.In(hours.ChinaTime()).Year()
	reqs := hours.Derive(pf, inf, facts, year, at, s.opt.Table)
	for _, r := range hours.Derive(pf, inf, facts, year-1, at, s.opt.Table) {
		if r.Trigger == hours.TriggerAnnual {
			reqs = append(reqs, r)
		}
	}
	for _, pr := range hours.Evaluate(reqs, ledger, at) {
		if pr.Trigger == hours.TriggerSpecialReview {
			continue
		}
		tr = append(tr, TrainingFrom(pr))
	}
	return tr
}

func resultRow(subj roster.Subject, r *Result, in roster.Industry, asOf, runAt time.Time) ResultRow {
	codes := make([]string, 0, len(r.Reasons))
	for _, rs := range r.Reasons {
		codes = append(codes, rs.Code.String())
	}
	reasons, _ := json.Marshal(reasonViews(r.Reasons))
	return ResultRow{PersonID: subj.ID, Name: subj.Name, IDMasked: subj.IDMasked, EnterpriseID: subj.EnterpriseID, TownCode: subj.TownCode,
		IndustryCode: subj.IndustryCode, DepartmentCode: in.DepartmentCode, Categories: uint8(r.Categories), Status: uint8(r.Status),
		Major: r.Major, Codes: sqltext.CodeList(codes), Reasons: string(reasons), CertDue: uint8(r.CertDue), CertHeld: uint8(r.CertHeld),
		PreJobDue: r.PreJobDue, PreJobDone: r.PreJobDone, AnnualDue: r.AnnualDue, AnnualDone: r.AnnualDone, AsOf: asOf, RunAt: runAt}
}
