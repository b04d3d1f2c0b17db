package compliance

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"anpei/account"
	"anpei/fault"
)

// Monthly is the monthly report for the district safety committee (区安委办):
// the month-end rates, the change since the month before, the rates per
// town (or per group below the scope), and the open 重大事故隐患.
type Monthly struct {
	Scope    Scope
	Month    string // 2026-10
	Previous string
	This     TallyView
	Last     TallyView
	HasLast  bool
	Groups   []MonthlyGroup
	By       string // town or enterprise
	Major    []Gap
	MajorAll int64
}

// MonthlyGroup is a town's (or an enterprise's) certified-on-duty rate at
// the month's end and the month before.
type MonthlyGroup struct {
	Key        string
	This, Last RateView
	HasLast    bool
}

// ErrNoSnapshot: the month has no month-end snapshot yet.
var ErrNoSnapshot = fault.New(fault.NotFound, "snapshot_missing", "该月尚无月末快照（每月第一天凌晨生成）")

// Monthly builds the report of month ("2006-01"; empty: the last month
// with a snapshot) for the scope p asks for.
func (s *Store) Monthly(ctx context.Context, p account.Principal, scope, month string) (Monthly, error) {
	sc, err := s.Resolve(ctx, p, scope)
	if err != nil {
		return Monthly{}, err
	}
	if month == "" {
		var rows []SnapshotRow
		if err := s.db.WithContext(ctx).Select("month").Order("month DESC").Limit(1).Find(&rows).Error; err != nil {
			return Monthly{}, asFault(err)
		}
		if len(rows) == 0 {
			return Monthly{}, ErrNoSnapshot
		}
		month = rows[0].Month
	}
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return Monthly{}, fault.Field("bad_month", "month", "month 应为年月，如 2026-10")
	}
	prev := m.AddDate(0, -1, 0).Format("2006-01")
	by := "town"
	if sc.Kind == "town" || sc.Kind == "industry" || sc.Kind == "enterprise" {
		by = "enterprise"
	}
	load := func(month string) (TallyView, map[string]TallyView, bool, error) {
		var rows []SnapshotRow
		if err := sc.where(s.db.WithContext(ctx).Model(&SnapshotRow{}), "compliance_snapshots").Where("month = ?", month).Find(&rows).Error; err != nil {
			return TallyView{}, nil, false, asFault(err)
		}
		total := tallyView(&Tally{})
		groups := map[string]TallyView{}
		for _, r := range rows {
			var v TallyView
			if err := json.Unmarshal([]byte(r.Tally), &v); err != nil {
				return TallyView{}, nil, false, asFault(err)
			}
			total = addViews(total, v)
			key := r.TownCode
			if by == "enterprise" {
				key = itoa(r.EnterpriseID)
			}
			if g, ok := groups[key]; ok {
				groups[key] = addViews(g, v)
			} else {
				groups[key] = v
			}
		}
		return total, groups, len(rows) > 0, nil
	}
	this, thisGroups, ok, err := load(month)
	if err != nil {
		return Monthly{}, err
	}
	if !ok {
		return Monthly{}, ErrNoSnapshot
	}
	last, lastGroups, hasLast, err := load(prev)
	if err != nil {
		return Monthly{}, err
	}
	out := Monthly{Scope: sc, Month: month, Previous: prev, This: this, Last: last, HasLast: hasLast, By: by}
	for key, g := range thisGroups {
		mg := MonthlyGroup{Key: key, This: g.Certified.Overall}
		if l, ok := lastGroups[key]; ok {
			mg.Last, mg.HasLast = l.Certified.Overall, true
		}
		out.Groups = append(out.Groups, mg)
	}
	sort.Slice(out.Groups, func(i, j int) bool { return out.Groups[i].Key < out.Groups[j].Key })
	if out.Major, out.MajorAll, err = s.Gaps(ctx, p, sc.String(), GapFilter{Major: true, Status: StatusNonCompliant.Code(), Limit: 1000}); err != nil {
		return Monthly{}, err
	}
	return out, nil
}

// Change says a rate's change between two months in percentage points.
func Change(this, last RateView, hasLast bool) string {
	a, okA := this.Rate().Value()
	b, okB := last.Rate().Value()
	if !hasLast || !okA || !okB {
		return "—"
	}
	d := (a - b) * 100
	switch {
	case d > 0.05:
		return "上升 " + trimFloat(d) + " 个百分点"
	case d < -0.05:
		return "下降 " + trimFloat(-d) + " 个百分点"
	}
	return "持平"
}

func trimFloat(f float64) string {
	s := strings.TrimRight(strings.TrimRight(strconvFloat(f), "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// WriteMonthlyXLSX writes the report as a workbook: 月报 (rates this month,
// last month, change), 分组, 重大事故隐患.
func WriteMonthlyXLSX(w io.Writer, m Monthly, label Labels) error {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{{"月报", m.Month}, {"范围", m.Scope.String()}, {}, {"比率", m.Month + " 月末", m.Previous + " 月末", "变化"}}
	add := func(name string, a, b RateView) {
		last := "—"
		if m.HasLast {
			last = b.Percent + "（" + itoa(uint(b.Num)) + "/" + itoa(uint(b.Den)) + "）"
		}
		rows = append(rows, []any{name, a.Percent + "（" + itoa(uint(a.Num)) + "/" + itoa(uint(a.Den)) + "）", last, Change(a, b, m.HasLast)})
	}
	add("持证上岗率（合计）", m.This.Certified.Overall, m.Last.Certified.Overall)
	add("主要负责人", m.This.Certified.Principal, m.Last.Certified.Principal)
	add("安全生产管理人员", m.This.Certified.SafetyManager, m.Last.Certified.SafetyManager)
	add("特种作业人员", m.This.Certified.SpecialOperator, m.Last.Certified.SpecialOperator)
	add("岗前培训率", m.This.PreJob.Overall, m.Last.PreJob.Overall)
	add("年度学时完成率", m.This.Annual.Overall, m.Last.Annual.Overall)
	rows = append(rows, []any{}, []any{"重大事故隐患（人）", m.This.Major, m.Last.Major}, []any{"不合规（人）", m.This.NonCompliant, m.Last.NonCompliant})
	if err := writeSheet(f, "月报", rows); err != nil {
		return err
	}
	f.DeleteSheet("Sheet1")
	group := [][]any{{"名称", m.Month + " 持证上岗率", m.Previous, "变化"}}
	for _, g := range m.Groups {
		last := "—"
		if g.HasLast {
			last = g.Last.Percent
		}
		group = append(group, []any{label(m.By, g.Key), g.This.Percent + "（" + itoa(uint(g.This.Num)) + "/" + itoa(uint(g.This.Den)) + "）", last, Change(g.This, g.Last, g.HasLast)})
	}
	if err := writeSheet(f, "分组", group); err != nil {
		return err
	}
	major := [][]any{{"姓名", "证件号码（隐藏部分）", "企业", "原因", "依据"}}
	for _, g := range m.Major {
		for _, r := range g.Reasons {
			if r.Major {
				major = append(major, []any{g.Name, g.IDMasked, label("enterprise", itoa(g.EnterpriseID)), r.Message, strings.TrimSpace(r.Basis + " " + r.HazardBasis)})
			}
		}
	}
	if err := writeSheet(f, "重大事故隐患", major); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fault.Wrap(err, "compliance: write report")
	}
	return nil
}
