package course

import (
	"context"
	"errors"
	"io"
	"sort"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/hours"
)

// BehindRow is one person's unfinished requirement: who needs what by when.
type BehindRow struct {
	PersonID    uint            `json:"person_id"`
	Name        string          `json:"name"`
	Categories  string          `json:"categories"`
	Requirement RequirementView `json:"requirement"`
}

// Behind lists, for an enterprise, every on-duty person's requirements that
// are not done, most urgent first (overdue, due soon, on track; then by
// due date).
func (s *Store) Behind(ctx context.Context, p account.Principal, enterpriseID uint) ([]BehindRow, error) {
	if err := s.seeEnterprise(ctx, p, enterpriseID); err != nil {
		return nil, err
	}
	if s.opt.PeopleOf == nil {
		return nil, fault.Wrap(errors.New("no roster lookup configured"), "course: behind")
	}
	people, err := s.opt.PeopleOf(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	out := []BehindRow{}
	for _, l := range people {
		plan, err := s.plan(ctx, l)
		if err != nil {
			return nil, err
		}
		for _, r := range plan.Requirements {
			if r.Status == hours.StatusDone {
				continue
			}
			out = append(out, BehindRow{PersonID: l.PersonID, Name: l.Name, Categories: l.Categories.Label(), Requirement: r})
		}
	}
	rank := map[hours.Status]int{hours.StatusOverdue: 0, hours.StatusDueSoon: 1, hours.StatusOnTrack: 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Requirement, out[j].Requirement
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if (a.Due == "") != (b.Due == "") {
			return a.Due != ""
		}
		return a.Due < b.Due
	})
	return out, nil
}

// ExportBehind writes Behind as an xlsx workbook to w, and records the
// export in the audit ledger.
func (s *Store) ExportBehind(ctx context.Context, p account.Principal, enterpriseID uint, w io.Writer) error {
	rows, err := s.Behind(ctx, p, enterpriseID)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "未完成培训"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fault.Wrap(err, "course: export behind")
	}
	header := []any{"人员编号", "姓名", "人员类别", "培训要求", "应完成学时", "已完成学时", "尚差学时", "截止日期", "状态", "依据"}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return fault.Wrap(err, "course: export behind")
	}
	for i, r := range rows {
		q := r.Requirement
		due := q.Due
		if due == "" {
			due = "上岗日期确定后"
		}
		line := []any{r.PersonID, r.Name, r.Categories, q.Label, q.Required, q.Done, q.Remaining, due, q.StatusLabel, q.Source}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &line); err != nil {
			return fault.Wrap(err, "course: export behind")
		}
	}
	_ = f.SetColWidth(sheet, "B", "B", 12)
	_ = f.SetColWidth(sheet, "D", "D", 36)
	_ = f.SetColWidth(sheet, "J", "J", 40)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err := s.write(ctx, func(tx *gorm.DB) error {
		return record(tx, p, "training.behind_export", "enterprise", enterpriseID, nil, map[string]any{"rows": len(rows)})
	}); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fault.Wrap(err, "course: export behind")
	}
	return nil
}
