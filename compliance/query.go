package compliance

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/roster"
	"anpei/sqltext"
)

// aggregateSQL is the SELECT list that sums stored results into a Tally:
// the same counting as Tally.Add, in SQL (a test holds them equal).
var aggregateSQL = func() string {
	b := &strings.Builder{}
	b.WriteString("COUNT(*) AS people")
	sum := func(alias, cond string) { b.WriteString(", SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END) AS " + alias) }
	sum("compliant", "status = "+strconv.Itoa(int(StatusCompliant)))
	sum("due_soon", "status = "+strconv.Itoa(int(StatusDueSoon)))
	sum("non_compliant", "status = "+strconv.Itoa(int(StatusNonCompliant)))
	sum("major", "major = 1")
	sum("cert_den", "cert_due <> 0")
	sum("cert_num", "cert_due <> 0 AND cert_held = cert_due")
	for _, c := range catColumns {
		bit := strconv.Itoa(int(c.cat))
		sum("cert_den_"+c.name, "(cert_due & "+bit+") <> 0")
		sum("cert_num_"+c.name, "(cert_due & "+bit+") <> 0 AND (cert_held & "+bit+") <> 0")
	}
	for _, m := range []string{"pre_job", "annual"} {
		sum(m+"_den", m+"_due = 1")
		sum(m+"_num", m+"_due = 1 AND "+m+"_done = 1")
		for _, c := range catColumns {
			bit := strconv.Itoa(int(c.cat))
			sum(m+"_den_"+c.name, m+"_due = 1 AND (categories & "+bit+") <> 0")
			sum(m+"_num_"+c.name, m+"_due = 1 AND "+m+"_done = 1 AND (categories & "+bit+") <> 0")
		}
	}
	for _, code := range Codes() {
		sum("r_"+code.String(), "codes LIKE '%,"+code.String()+",%'")
	}
	return b.String()
}()

var catColumns = []struct {
	name string
	cat  roster.Category
}{{"p", roster.CategoryPrincipal}, {"s", roster.CategorySafetyManager}, {"o", roster.CategorySpecialOperator}, {"x", roster.CategoryOther}}

// aggRow scans aggregateSQL (with an optional group key).
type aggRow map[string]any

func num(m aggRow, k string) int {
	switch v := m[k].(type) {
	case int64:
		return int(v)
	case int:
		return v
	case float64:
		return int(v)
	case []byte:
		n, _ := strconv.Atoi(string(v))
		return n
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func (m aggRow) tally() TallyView {
	rs := func(prefix string, withOther bool) RateSetView {
		r := func(suffix string) RateView {
			return rateView(Rate{Num: num(m, prefix+"_num"+suffix), Den: num(m, prefix+"_den"+suffix)})
		}
		v := RateSetView{Overall: r(""), Principal: r("_p"), SafetyManager: r("_s"), SpecialOperator: r("_o")}
		if withOther {
			v.Other = r("_x")
		} else {
			v.Other = rateView(Rate{})
		}
		return v
	}
	t := TallyView{People: num(m, "people"), Compliant: num(m, "compliant"), DueSoon: num(m, "due_soon"), NonCompliant: num(m, "non_compliant"),
		Major: num(m, "major"), Certified: rs("cert", false), PreJob: rs("pre_job", true), Annual: rs("annual", true), ByReason: map[string]int{}}
	for _, code := range Codes() {
		if n := num(m, "r_"+code.String()); n > 0 {
			t.ByReason[code.String()] = n
		}
	}
	return t
}

// Summary is a scope's tally on the date of the stored results.
type Summary struct {
	Scope Scope     `json:"scope"`
	AsOf  string    `json:"as_of"`
	Tally TallyView `json:"tally"`
}

// Summary returns the tally of the scope p asks for (empty: p's own),
// summed from the last sweep's roll-ups (one row per enterprise).
func (s *Store) Summary(ctx context.Context, p account.Principal, scope string) (Summary, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return Summary{}, err
	}
	rows, err := s.rollups(ctx, sc)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{Scope: sc, Tally: tallyView(&Tally{})}
	for _, r := range rows {
		out.Tally = addViews(out.Tally, r.tally)
		out.AsOf = r.AsOf.Format("2006-01-02")
	}
	if out.AsOf == "" {
		out.AsOf = s.asOf(ctx)
	}
	return out, nil
}

// rollupView is a roll-up row decoded.
type rollupView struct {
	RollupRow
	tally TallyView
	due   map[string]int
}

// rollupCache holds the decoded roll-ups of one sweep (run): they change
// only when a sweep rewrites them, which a one-column read of the run
// number tells, also for a sweep by another server.
type rollupCache struct {
	mu   sync.Mutex
	run  int64
	rows []rollupView
}

// rollups returns the scope's roll-ups with their tallies and due days
// decoded.
func (s *Store) rollups(ctx context.Context, sc Scope) ([]rollupView, error) {
	var runs []int64
	if err := s.db.WithContext(ctx).Model(&RollupRow{}).Limit(1).Pluck("run", &runs).Error; err != nil {
		return nil, asFault(err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.run != runs[0] || c.rows == nil {
		var rows []RollupRow
		if err := s.db.WithContext(ctx).Order("enterprise_id").Find(&rows).Error; err != nil {
			return nil, asFault(err)
		}
		all := make([]rollupView, len(rows))
		for i, r := range rows {
			all[i].RollupRow = r
			if err := json.Unmarshal([]byte(r.Tally), &all[i].tally); err != nil {
				return nil, asFault(err)
			}
			if err := json.Unmarshal([]byte(r.Due), &all[i].due); err != nil {
				return nil, asFault(err)
			}
			all[i].Tally, all[i].Due = "", ""
		}
		c.run, c.rows = runs[0], all
	}
	out := make([]rollupView, 0, len(c.rows))
	for _, r := range c.rows {
		if sc.holds(r.RollupRow) {
			out = append(out, r)
		}
	}
	return out, nil
}

// holds reports whether the enterprise of roll-up r is in the scope.
func (sc Scope) holds(r RollupRow) bool {
	switch sc.Kind {
	case "town":
		return r.TownCode == sc.Code
	case "industry":
		return r.IndustryCode == sc.Code
	case "department":
		return r.DepartmentCode == sc.Code
	case "enterprise":
		return r.EnterpriseID == sc.ID
	}
	return true
}

// SummaryFromResults is Summary computed by one aggregate query over the
// stored results rather than from the roll-ups (the tests hold the two
// equal).
func (s *Store) SummaryFromResults(ctx context.Context, p account.Principal, scope string) (Summary, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return Summary{}, err
	}
	var rows []map[string]any
	q := sc.where(s.db.WithContext(ctx).Table("compliance_results"), "compliance_results").Select(aggregateSQL)
	if err := q.Find(&rows).Error; err != nil {
		return Summary{}, asFault(err)
	}
	out := Summary{Scope: sc, AsOf: s.asOf(ctx)}
	if len(rows) == 1 {
		out.Tally = aggRow(rows[0]).tally()
	} else {
		out.Tally = tallyView(&Tally{})
	}
	return out, nil
}

// asOf is the date of the stored results ("" before the first sweep).
func (s *Store) asOf(ctx context.Context) string {
	var row ResultRow
	if err := s.db.WithContext(ctx).Select("as_of").Order("run DESC").Limit(1).Take(&row).Error; err != nil {
		return ""
	}
	return row.AsOf.Format("2006-01-02")
}

// Group is one bar of a breakdown: a town, industry, department or
// enterprise with its tally.
type Group struct {
	Key   string    `json:"key"`
	Tally TallyView `json:"tally"`
}

var groupColumns = map[string]string{"town": "town_code", "industry": "industry_code", "department": "department_code", "enterprise": "enterprise_id"}

// Breakdown returns the scope's tally per town, industry, department or
// enterprise (by), in key order, from the roll-ups.
func (s *Store) Breakdown(ctx context.Context, p account.Principal, scope, by string) ([]Group, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	if _, ok := groupColumns[by]; !ok {
		return nil, ErrBadScope.WithDetails()
	}
	rows, err := s.rollups(ctx, sc)
	if err != nil {
		return nil, err
	}
	byKey := map[string]TallyView{}
	for _, r := range rows {
		key := map[string]string{"town": r.TownCode, "industry": r.IndustryCode, "department": r.DepartmentCode}[by]
		if by == "enterprise" {
			key = strconv.FormatUint(uint64(r.EnterpriseID), 10)
		}
		if t, ok := byKey[key]; ok {
			byKey[key] = addViews(t, r.tally)
		} else {
			byKey[key] = r.tally
		}
	}
	out := make([]Group, 0, len(byKey))
	for k, t := range byKey {
		out = append(out, Group{Key: k, Tally: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Gap is a person with what makes them not (yet) compliant.
type Gap struct {
	PersonID     uint         `json:"person_id"`
	Name         string       `json:"name"`
	IDMasked     string       `json:"id_masked"`
	EnterpriseID uint         `json:"enterprise_id"`
	TownCode     string       `json:"town_code"`
	IndustryCode string       `json:"industry_code"`
	Categories   []string     `json:"categories"`
	Status       string       `json:"status"`
	StatusLabel  string       `json:"status_label"`
	Major        bool         `json:"major"`
	Reasons      []ReasonView `json:"reasons"`
	AsOf         time.Time    `json:"as_of"`
}

// GapFilter narrows the gap list.
type GapFilter struct {
	Reason string // a reason code
	Major  bool   // 重大事故隐患 only
	// Status: "non_compliant", "due_soon", or "" for both.
	Status        string
	Limit, Offset int
}

// Gaps returns the people of the scope who are not compliant or soon
// will not be, the major hazards and the most serious first.
func (s *Store) Gaps(ctx context.Context, p account.Principal, scope string, f GapFilter) ([]Gap, int64, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return nil, 0, err
	}
	q := sc.where(s.db.WithContext(ctx).Model(&ResultRow{}), "compliance_results")
	switch f.Status {
	case "":
		q = q.Where("status IN ?", []int{int(StatusDueSoon), int(StatusNonCompliant)})
	case StatusNonCompliant.Code():
		q = q.Where("status = ?", uint8(StatusNonCompliant))
	case StatusDueSoon.Code():
		q = q.Where("status = ?", uint8(StatusDueSoon))
	default:
		return nil, 0, ErrBadScope.WithDetails()
	}
	if f.Reason != "" {
		if _, ok := ParseCode(f.Reason); !ok {
			return nil, 0, ErrBadScope.WithDetails()
		}
		q = q.Where("codes LIKE ? ESCAPE '!'", sqltext.Contains(","+f.Reason+","))
	}
	if f.Major {
		q = q.Where("major = ?", true)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var rows []ResultRow
	if err := q.Order("major DESC, status DESC, enterprise_id, person_id").Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]Gap, len(rows))
	for i, r := range rows {
		st := Status(r.Status)
		g := Gap{PersonID: r.PersonID, Name: r.Name, IDMasked: r.IDMasked, EnterpriseID: r.EnterpriseID, TownCode: r.TownCode, IndustryCode: r.IndustryCode,
			Categories: roster.Category(r.Categories).Codes(), Status: st.Code(), StatusLabel: st.Label(), Major: r.Major, AsOf: r.AsOf}
		if err := json.Unmarshal([]byte(r.Reasons), &g.Reasons); err != nil {
			g.Reasons = []ReasonView{}
		}
		out[i] = g
	}
	return out, total, nil
}

// SummaryAt evaluates the scope at another date than the stored results'
// ("what was the rate on 2026-06-30"): everyone is evaluated again at that
// day from today's roster, certificates and ledger, so it takes seconds
// for a whole district; month-end snapshots keep the figures as they were.
func (s *Store) SummaryAt(ctx context.Context, p account.Principal, scope string, at time.Time) (Summary, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return Summary{}, err
	}
	var t Tally
	err = s.evaluate(ctx, at, func(page []roster.Subject, res []*Result, ind map[string]roster.Industry, _ map[uint][]certs.Certificate) error {
		for i, r := range res {
			subj := page[i]
			switch {
			case sc.Kind == "town" && subj.TownCode != sc.Code,
				sc.Kind == "industry" && subj.IndustryCode != sc.Code,
				sc.Kind == "department" && ind[subj.IndustryCode].DepartmentCode != sc.Code,
				sc.Kind == "enterprise" && subj.EnterpriseID != sc.ID:
				continue
			}
			t.Add(r)
		}
		return nil
	})
	if err != nil {
		return Summary{}, asFault(err)
	}
	return Summary{Scope: sc, AsOf: certs.Day(at).Format("2006-01-02"), Tally: tallyView(&t)}, nil
}

// PersonResult returns the stored result of person id (ok false when they
// are not evaluated: off duty, or before the first sweep). The caller has
// checked that the person is in scope (the roster's person page).
func (s *Store) PersonResult(ctx context.Context, id uint) (Gap, bool, error) {
	var rows []ResultRow
	if err := s.db.WithContext(ctx).Where("person_id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return Gap{}, false, asFault(err)
	}
	if len(rows) == 0 {
		return Gap{}, false, nil
	}
	r := rows[0]
	st := Status(r.Status)
	g := Gap{PersonID: r.PersonID, Name: r.Name, IDMasked: r.IDMasked, EnterpriseID: r.EnterpriseID, TownCode: r.TownCode, IndustryCode: r.IndustryCode,
		Categories: roster.Category(r.Categories).Codes(), Status: st.Code(), StatusLabel: st.Label(), Major: r.Major, AsOf: r.AsOf, Reasons: []ReasonView{}}
	if r.Reasons != "" {
		if err := json.Unmarshal([]byte(r.Reasons), &g.Reasons); err != nil {
			return Gap{}, false, asFault(err)
		}
	}
	return g, true, nil
}

// DueCalendar counts, per day from from for days days, the active
// certificates of the scope's people on duty whose review or expiry falls
// on that day (keys "2006-01-02"), from the roll-ups (which count the
// year after their sweep).
func (s *Store) DueCalendar(ctx context.Context, p account.Principal, scope string, from time.Time, days int) (map[string]int, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return nil, err
	}
	rows, err := s.rollups(ctx, sc)
	if err != nil {
		return nil, err
	}
	lo := certs.Day(from).Format("2006-01-02")
	hi := certs.Day(from).AddDate(0, 0, days).Format("2006-01-02")
	out := map[string]int{}
	for _, r := range rows {
		for day, n := range r.due {
			if day >= lo && day < hi {
				out[day] += n
			}
		}
	}
	return out, nil
}
