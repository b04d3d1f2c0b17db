package compliance

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/fault"
)

// Labels name the groups of a breakdown in the export (town, industry and
// enterprise names), filled by the caller from the roster.
type Labels func(by, key string) string

// Export writes the scope's view as an xlsx workbook: 概况 (the rates with
// their counts), 分组 (per town and industry, or per enterprise), 缺口
// (every person not compliant or due soon, with reasons and basis). Its
// totals are the dashboard's. The export is recorded in the audit ledger.
func (s *Store) Export(ctx context.Context, p account.Principal, scope string, label Labels, w io.Writer) error {
	sum, err := s.Summary(ctx, p, scope)
	if err != nil {
		return err
	}
	sc := sum.Scope
	f := excelize.NewFile()
	defer f.Close()
	t := sum.Tally
	rows := [][]any{{"范围", sc.String()}, {"评估日期", sum.AsOf}, {"在岗人数", t.People}, {"合规", t.Compliant}, {"即将到期", t.DueSoon},
		{"不合规", t.NonCompliant}, {"重大事故隐患（人）", t.Major}, {}, {"比率", "比率", "分子", "分母"}}
	add := func(name string, r RateView) { rows = append(rows, []any{name, r.Percent, r.Num, r.Den}) }
	add("持证上岗率（合计）", t.Certified.Overall)
	add("持证上岗率：主要负责人", t.Certified.Principal)
	add("持证上岗率：安全生产管理人员", t.Certified.SafetyManager)
	add("持证上岗率：特种作业人员", t.Certified.SpecialOperator)
	add("岗前培训率", t.PreJob.Overall)
	add("年度学时完成率", t.Annual.Overall)
	rows = append(rows, []any{}, []any{"原因", "人数"})
	for _, info := range s.opt.Engine.Reasons().All() {
		rows = append(rows, []any{info.Label, t.ByReason[info.Code.String()]})
	}
	if err := writeSheet(f, "概况", rows); err != nil {
		return err
	}
	f.DeleteSheet("Sheet1")
	bys := []string{"town", "industry"}
	if sc.Kind == "town" || sc.Kind == "industry" || sc.Kind == "enterprise" {
		bys = []string{"enterprise"}
	}
	group := [][]any{{"分组", "名称", "在岗", "不合规", "重大事故隐患", "持证人数", "应持证人数", "持证上岗率", "岗前培训率", "年度学时完成率"}}
	for _, by := range bys {
		groups, err := s.Breakdown(ctx, p, sc.String(), by)
		if err != nil {
			return err
		}
		for _, g := range groups {
			gt := g.Tally
			group = append(group, []any{map[string]string{"town": "镇（街道）", "industry": "行业", "enterprise": "企业"}[by], label(by, g.Key), gt.People,
				gt.NonCompliant, gt.Major, gt.Certified.Overall.Num, gt.Certified.Overall.Den, gt.Certified.Overall.Percent, gt.PreJob.Overall.Percent,
				gt.Annual.Overall.Percent})
		}
	}
	if err := writeSheet(f, "分组", group); err != nil {
		return err
	}
	gaps := [][]any{{"姓名", "证件号码（隐藏部分）", "企业", "状态", "重大事故隐患", "原因", "说明", "期限", "依据"}}
	for offset := 0; ; offset += 1000 {
		page, total, err := s.Gaps(ctx, p, sc.String(), GapFilter{Limit: 1000, Offset: offset})
		if err != nil {
			return err
		}
		for _, g := range page {
			major := ""
			if g.Major {
				major = "是"
			}
			for _, r := range g.Reasons {
				gaps = append(gaps, []any{g.Name, g.IDMasked, label("enterprise", itoa(g.EnterpriseID)), g.StatusLabel, major, r.Label, r.Message, r.Due,
					strings.TrimSpace(r.Basis + " " + r.HazardBasis)})
			}
		}
		if int64(offset+len(page)) >= total || len(page) == 0 {
			break
		}
	}
	if err := writeSheet(f, "缺口", gaps); err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(tx, p.Actor(), "export", "compliance", sc.String(), nil, map[string]any{"scope": sc.String(), "people": t.People})
	})
	if err != nil {
		return asFault(err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fault.Wrap(err, "compliance: write workbook")
	}
	return nil
}

func writeSheet(f *excelize.File, name string, rows [][]any) error {
	if _, err := f.NewSheet(name); err != nil {
		return fault.Wrap(err, "compliance: sheet")
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fault.Wrap(err, "compliance: sheet")
	}
	_ = sw.SetColWidth(1, 1, 28)
	_ = sw.SetColWidth(2, 9, 16)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			return fault.Wrap(err, "compliance: row")
		}
	}
	if err := sw.Flush(); err != nil {
		return fault.Wrap(err, "compliance: sheet")
	}
	return nil
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }
