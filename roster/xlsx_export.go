package roster

import (
	"cmp"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// ExportPeople writes an .xlsx of every person p may see that matches
// filter (all pages; Limit and Offset are ignored), in the template's
// columns plus 所在单位, so an export can be imported again once its ID
// numbers are completed. Document numbers are written masked, as stored
// for display, never in full; rows are streamed, not built in memory.
//
// It returns ErrForbidden for a principal who sees no part of the roster
// and an internal *fault.Error when the database or the writer fails.
// Filtering on an enterprise p cannot see gives a file with no rows.
func (s *Store) ExportPeople(ctx context.Context, p account.Principal, filter PersonFilter, w io.Writer) error {
	if _, err := personScope(p); err != nil {
		return err
	}
	items, err := s.OperationItems(ctx)
	if err != nil {
		return err
	}
	cats, err := s.OperationCategories(ctx)
	if err != nil {
		return err
	}
	f, sw, err := newRosterWorkbook(items, cats, true)
	if err != nil {
		return err
	}
	defer f.Close()
	option := make(map[string]string, len(items))
	for _, it := range items {
		option[it.Code] = itemOption(it)
	}

	row := 2
	filter.Limit, filter.Offset = MaxLimit, 0
	for {
		page, total, err := s.ListPeople(ctx, p, filter)
		if err != nil {
			return err
		}
		for _, pr := range page {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, personCells(pr, option)); err != nil {
				return fault.Wrap(err, "roster: export people row")
			}
			row++
		}
		filter.Offset += len(page)
		if len(page) == 0 || int64(filter.Offset) >= total {
			break
		}
	}
	if err := sw.Flush(); err != nil {
		return fault.Wrap(err, "roster: export people flush")
	}
	// A list of people leaving the system is itself worth a ledger entry
	// (PIPL): who exported which selection, how many rows. Written before
	// the file, so no export goes unrecorded.
	exported := map[string]any{"rows": row - 2, "enterprise_id": filter.EnterpriseID, "category": filter.Category.Codes(),
		"duty_status": filter.DutyStatus, "text_filter": filter.Text != ""}
	if err := s.write(ctx, func(tx *gorm.DB) error {
		return record(tx, p, "export", "person", filter.EnterpriseID, nil, exported)
	}); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fault.Wrap(err, "roster: export people write")
	}
	return nil
}

// personCells is one person in the roster columns. The number is the
// stored masked form: PersonRow never carries the full one.
func personCells(pr PersonRow, option map[string]string) []any {
	items := make([]string, len(pr.OperationItems))
	for i, code := range pr.OperationItems {
		items[i] = cmp.Or(option[code], code)
	}
	cells := make([]any, colCount+1)
	text := func(col int, s string) {
		if s != "" { // an empty cell, not an empty string
			cells[col] = s
		}
	}
	text(colDocType, pr.DocType.Label())
	text(colDocNumber, pr.IDMasked)
	text(colName, pr.Name)
	text(colPhone, pr.Phone)
	text(colEducation, pr.Education.Label())
	text(colCategories, pr.Categories.Label())
	text(colItems, strings.Join(items, "、"))
	text(colPosition, pr.Position)
	text(colDutyStatus, pr.DutyStatus.Label())
	if pr.AppointedOn != nil {
		cells[colAppointedOn] = *pr.AppointedOn
	}
	if pr.LeftOn != nil {
		cells[colLeftOn] = *pr.LeftOn
	}
	text(colEmployment, pr.EmploymentKind.Label())
	text(colEnterprise, pr.EnterpriseName)
	return cells
}

// enterpriseExportColumns are the headers and widths of the enterprise
// export.
func enterpriseExportColumns() []rosterColumn {
	return []rosterColumn{
		{header: "单位名称", width: 36}, {header: "统一社会信用代码", width: 22, text: true},
		{header: "所在镇（街道）", width: 14}, {header: "所属行业", width: 16}, {header: "规模以上", width: 10},
		{header: "分级分类", width: 10}, {header: "经营状态", width: 10}, {header: "联系人", width: 10},
		{header: "联系电话", width: 16, text: true}, {header: "地址", width: 36},
		{header: "在岗人员合计", width: 12}, {header: "主要负责人", width: 12}, {header: "安全生产管理人员", width: 16},
		{header: "特种作业人员", width: 14}, {header: "其他从业人员", width: 14},
	}
}

// ExportEnterprises writes an .xlsx of every enterprise p may see that
// matches filter (all pages; Limit and Offset are ignored), with the
// counts of people on duty by category, streamed row by row.
//
// It returns ErrForbidden for a principal who sees no part of the roster
// and an internal *fault.Error when the database or the writer fails.
func (s *Store) ExportEnterprises(ctx context.Context, p account.Principal, filter EnterpriseFilter, w io.Writer) error {
	if _, err := enterpriseScope(p); err != nil {
		return err
	}
	towns, err := s.Towns(ctx)
	if err != nil {
		return err
	}
	industries, err := s.Industries(ctx)
	if err != nil {
		return err
	}
	townName := make(map[string]string, len(towns))
	for _, t := range towns {
		townName[t.Code] = t.Name
	}
	industryName := make(map[string]string, len(industries))
	for _, in := range industries {
		industryName[in.Code] = in.Name
	}

	f := excelize.NewFile()
	defer f.Close()
	sw, err := enterpriseSheet(f)
	if err != nil {
		return fault.Wrap(err, "roster: build enterprise export")
	}
	row := 2
	filter.Limit, filter.Offset = MaxLimit, 0
	for {
		page, total, err := s.ListEnterprises(ctx, p, filter)
		if err != nil {
			return err
		}
		for _, e := range page {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			scale := "否"
			if e.AboveScale {
				scale = "是"
			}
			values := []any{
				e.Name, e.CreditCode, cmp.Or(townName[e.TownCode], e.TownCode), cmp.Or(industryName[e.IndustryCode], e.IndustryCode),
				scale, string(e.Grade), e.Status.Label(), e.ContactName, e.ContactPhone, e.Address,
				e.OnDuty.Total, e.OnDuty.Principal, e.OnDuty.SafetyManager, e.OnDuty.SpecialOperator, e.OnDuty.Other,
			}
			if err := sw.SetRow(cell, values); err != nil {
				return fault.Wrap(err, "roster: export enterprise row")
			}
			row++
		}
		filter.Offset += len(page)
		if len(page) == 0 || int64(filter.Offset) >= total {
			break
		}
	}
	if err := sw.Flush(); err != nil {
		return fault.Wrap(err, "roster: export enterprises flush")
	}
	exported := map[string]any{"rows": row - 2, "town_code": filter.TownCode, "industry_code": filter.IndustryCode,
		"status": filter.Status, "text_filter": filter.Text != ""}
	if err := s.write(ctx, func(tx *gorm.DB) error {
		return record(tx, p, "export", "enterprise", 0, nil, exported)
	}); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fault.Wrap(err, "roster: export enterprises write")
	}
	return nil
}

// enterpriseSheet lays out the 企业名单 sheet and its 说明, and returns a
// stream writer that has written the header row.
func enterpriseSheet(f *excelize.File) (*excelize.StreamWriter, error) {
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", sheetEnterprises); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return nil, err
	}
	notes := []string{
		"企业名单说明",
		"1. 本表列出导出时您有权查看、且符合筛选条件的全部单位。",
		"2. 在岗人员按人员类别统计：一人属于多个类别时在各类别中分别计数，在“在岗人员合计”中只计一次；离岗、待上岗人员不计入。",
		"3. 统计结果取决于各单位名册是否完整、及时，名册未更新的单位数字可能偏低。",
	}
	for i, n := range notes {
		if err := f.SetCellStr(sheetHelp, "A"+strconv.Itoa(i+1), n); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(sheetHelp, "A1", "A1", st.title); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheetHelp, "A", "A", 110); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheetEnterprises)
	if err != nil {
		return nil, err
	}
	cols := enterpriseExportColumns()
	header := make([]any, len(cols))
	for i := len(cols) - 1; i >= 0; i-- { // right to left, as in buildRosterWorkbook
		c := cols[i]
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
		if c.text {
			if err := sw.SetColStyle(i+1, i+1, st.text); err != nil {
				return nil, err
			}
		}
		header[i] = excelize.Cell{StyleID: st.header, Value: c.header}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 22}); err != nil {
		return nil, err
	}
	return sw, nil
}
