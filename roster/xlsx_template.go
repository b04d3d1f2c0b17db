package roster

import (
	"context"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"anpei/fault"
	"anpei/ident"
)

// This file lays out the roster workbook (人员名单) that enterprises fill
// in and that exports are written in: one column list shared by the
// template, the importer and the export, so a file exported today can be
// imported again once its ID numbers are filled in.

// Sheet names of the roster workbook.
const (
	sheetPeople      = "人员名单"
	sheetHelp        = "说明"
	sheetCodes       = "代码表"
	sheetEnterprises = "企业名单"
)

// itemListName is the defined name the 准操项目 drop-down reads its values
// from; a defined name works in every Excel version and in WPS, where a
// direct reference to another sheet does not.
const itemListName = "准操项目清单"

// Column positions of the roster sheet (0-based).
const (
	colDocType = iota
	colDocNumber
	colName
	colPhone
	colEducation
	colCategories
	colItems
	colPosition
	colDutyStatus
	colAppointedOn
	colLeftOn
	colEmployment
	colCount // number of importable columns

	// colEnterprise is written by exports only (a regulator's list spans
	// enterprises); the importer recognises and ignores it.
	colEnterprise = colCount
)

// rosterColumn is one column of the roster sheet.
type rosterColumn struct {
	header   string
	aliases  []string // other headers people use for the same column
	field    string   // the PersonInput field it fills (Field… constants)
	required bool     // a file without this column is refused
	width    float64
	text     bool // formatted as text so Excel keeps leading zeros and all 18 digits
	date     bool
	help     string // for the 说明 sheet
	example  string
}

// rosterColumns returns the importable columns in sheet order. The slice is
// new on each call.
func rosterColumns() []rosterColumn {
	return []rosterColumn{
		colDocType: {header: "证件类型", aliases: []string{"证件种类"}, field: FieldDocType, width: 20,
			help: "从下拉列表选择：居民身份证、港澳台居民居住证、外国人永久居留身份证、护照。不填视为居民身份证。", example: "居民身份证"},
		colDocNumber: {header: "证件号码", aliases: []string{"身份证号", "身份证号码", "证件号", "公民身份号码"}, field: FieldDocNumber,
			required: true, width: 24, text: true,
			help:    "必填。居民身份证填18位号码（末位X大小写均可，15位旧号码会自动转换）。本列已设为文本格式，请勿改成数字格式，否则Excel会把号码变成1.1E+17并丢失末尾几位。同一人在文件中只能出现一次。",
			example: "11010519491231002X（国家标准中的示例号码）"},
		colName: {header: "姓名", field: FieldName, required: true, width: 12,
			help: "必填，最多50个字。", example: "张三"},
		colPhone: {header: "手机号", aliases: []string{"手机号码", "手机", "联系电话", "电话"}, field: FieldPhone, width: 16, text: true,
			help: "选填。11位手机号，或带区号的固定电话（如0874-3123456）。", example: "13912345678"},
		colEducation: {header: "学历", aliases: []string{"文化程度"}, field: FieldEducation, width: 16,
			help: "选填，从下拉列表选择：" + strings.Join(educationLabels(), "、") + "。特种作业人员须初中及以上，危险化学品特种作业人员须高中及以上。", example: "高中/中专/技校"},
		colCategories: {header: "人员类别", aliases: []string{"类别", "人员类型"}, field: FieldCategories, required: true, width: 26,
			help: "必填：主要负责人、安全生产管理人员、特种作业人员、其他从业人员。一人可属于多个类别，用顿号“、”或逗号分隔，如“主要负责人、安全生产管理人员”。", example: "特种作业人员"},
		colItems: {header: "准操项目", aliases: []string{"作业类别/准操项目", "准操项目代码", "特种作业项目", "操作项目"}, field: FieldOperationItems, width: 30, text: true,
			help: "特种作业人员必填，其他人员不填。从下拉列表选择，或填写代码（如1.1）或名称（如高压电工作业）；持多个项目的用顿号“、”或逗号分隔。完整目录见“代码表”（取消隐藏即可查看）。", example: "1.1 高压电工作业"},
		colPosition: {header: "岗位", aliases: []string{"工种", "职务", "岗位/工种"}, field: FieldPosition, width: 16,
			help: "选填，最多100个字。", example: "电工"},
		colDutyStatus: {header: "在岗状态", aliases: []string{"状态", "在岗情况"}, field: FieldDutyStatus, width: 12,
			help: "从下拉列表选择：在岗、离岗、待上岗。不填视为在岗。", example: "在岗"},
		colAppointedOn: {header: "上岗日期", aliases: []string{"入职日期", "上岗时间"}, field: FieldAppointedOn, required: true, width: 14, date: true,
			help: "在岗和离岗人员必填，待上岗人员不填。格式如2024-03-01、2024/3/1或2024年3月1日，不能晚于今天。安全培训和考核期限从该日起算。", example: "2024-03-01"},
		colLeftOn: {header: "离岗日期", aliases: []string{"离职日期", "离岗时间"}, field: FieldLeftOn, width: 14, date: true,
			help: "离岗人员必填，其他人员不填。不能早于上岗日期，也不能晚于今天。", example: ""},
		colEmployment: {header: "用工形式", aliases: []string{"用工方式", "用工类型"}, field: FieldEmploymentKind, width: 12,
			help: "从下拉列表选择：正式、劳务派遣、实习、外包。不填视为正式。劳务派遣和实习人员同样须接受安全培训。", example: "正式"},
	}
}

// enterpriseColumn is the extra column of people exports.
func enterpriseColumn() rosterColumn {
	return rosterColumn{header: "所在单位", aliases: []string{"单位名称", "单位"}, width: 30,
		help: "仅导出文件有此列。导入时忽略，人员一律导入到您所选的单位。"}
}

func educationLabels() []string {
	var out []string
	for _, e := range Educations() {
		out = append(out, e.Label())
	}
	return out
}

func docTypeLabels() []string {
	var out []string
	for _, t := range ident.DocTypes() {
		out = append(out, t.Label())
	}
	return out
}

func categoryLabels() []string {
	var out []string
	for _, c := range Categories() {
		out = append(out, c.Label())
	}
	return out
}

func dutyStatusLabels() []string {
	var out []string
	for _, d := range DutyStatuses() {
		out = append(out, d.Label())
	}
	return out
}

func employmentLabels() []string {
	var out []string
	for _, k := range EmploymentKinds() {
		out = append(out, k.Label())
	}
	return out
}

// itemOption is how an operation item appears in drop-downs and exports:
// its code and name, which the importer reads back either way.
func itemOption(it OperationItem) string { return it.Code + " " + it.Name }

// Template returns the .xlsx template for roster imports: the 人员名单
// sheet with its header row frozen, drop-downs and input hints; a 说明
// sheet explaining each column; and a hidden 代码表 sheet listing the
// special-operation catalogue as it stands in the database. It returns an
// internal *fault.Error when the database or the workbook writer fails.
func (s *Store) Template(ctx context.Context) ([]byte, error) {
	items, err := s.OperationItems(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := s.OperationCategories(ctx)
	if err != nil {
		return nil, err
	}
	f, sw, err := newRosterWorkbook(items, cats, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := sw.Flush(); err != nil {
		return nil, fault.Wrap(err, "roster: template flush")
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fault.Wrap(err, "roster: write template")
	}
	return buf.Bytes(), nil
}

// workbookStyles are the cell styles of the roster workbook.
type workbookStyles struct {
	header, text, date, wrap, title int
}

func newStyles(f *excelize.File) (workbookStyles, error) {
	var st workbookStyles
	border := []excelize.Border{
		{Type: "left", Color: "9BB7D4", Style: 1}, {Type: "right", Color: "9BB7D4", Style: 1},
		{Type: "top", Color: "9BB7D4", Style: 1}, {Type: "bottom", Color: "9BB7D4", Style: 1},
	}
	textFmt := "@"
	dateFmt := "yyyy-mm-dd"
	specs := []struct {
		dst   *int
		style *excelize.Style
	}{
		{&st.header, &excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: "1F3864"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border:    border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}},
		{&st.text, &excelize.Style{CustomNumFmt: &textFmt}},
		{&st.date, &excelize.Style{CustomNumFmt: &dateFmt}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
	}
	for _, sp := range specs {
		id, err := f.NewStyle(sp.style)
		if err != nil {
			return st, fault.Wrap(err, "roster: workbook style")
		}
		*sp.dst = id
	}
	return st, nil
}

// newRosterWorkbook builds the roster workbook and returns it with a
// stream writer on 人员名单 that has written the header row; the caller
// writes data rows from row 2 and flushes. export adds the 所在单位 column
// and the export's notes.
func newRosterWorkbook(items []OperationItem, cats []OperationCategory, export bool) (*excelize.File, *excelize.StreamWriter, error) {
	f := excelize.NewFile()
	sw, err := buildRosterWorkbook(f, items, cats, export)
	if err != nil {
		f.Close()
		return nil, nil, fault.Wrap(err, "roster: build workbook")
	}
	return f, sw, nil
}

func buildRosterWorkbook(f *excelize.File, items []OperationItem, cats []OperationCategory, export bool) (*excelize.StreamWriter, error) {
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", sheetPeople); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(sheetCodes); err != nil {
		return nil, err
	}
	if err := writeHelpSheet(f, st, export); err != nil {
		return nil, err
	}
	nItems, err := writeCodesSheet(f, st, items, cats)
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetVisible(sheetCodes, false); err != nil {
		return nil, err
	}
	if nItems > 0 {
		err := f.SetDefinedName(&excelize.DefinedName{
			Name:     itemListName,
			RefersTo: fmt.Sprintf("'%s'!$A$2:$A$%d", sheetCodes, nItems+1),
		})
		if err != nil {
			return nil, err
		}
	}
	if err := addValidations(f, nItems > 0); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)

	cols := rosterColumns()
	if export {
		cols = append(cols, enterpriseColumn())
	}
	sw, err := f.NewStreamWriter(sheetPeople)
	if err != nil {
		return nil, err
	}
	// Right to left: the stream writer puts each new column first, and
	// Excel wants them in ascending order.
	for i := len(cols) - 1; i >= 0; i-- {
		c := cols[i]
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
		switch {
		case c.text:
			err = sw.SetColStyle(i+1, i+1, st.text)
		case c.date:
			err = sw.SetColStyle(i+1, i+1, st.date)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.header}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 22}); err != nil {
		return nil, err
	}
	return sw, nil
}

// validationRows is the last row the drop-downs and hints cover: the
// header plus the most rows an import accepts.
const validationRows = defaultMaxRows + 1

// addValidations puts drop-downs and input hints on the data rows of
// 人员名单. Lists that allow several values (人员类别, 准操项目) offer the
// single values but accept typed combinations: the importer checks them.
func addValidations(f *excelize.File, withItems bool) error {
	cols := rosterColumns()
	rng := func(col int) string {
		name, _ := excelize.ColumnNumberToName(col + 1)
		return fmt.Sprintf("%s2:%s%d", name, name, validationRows)
	}
	type spec struct {
		col    int
		list   []string
		ref    string
		strict bool
		prompt string
	}
	specs := []spec{
		{col: colDocType, list: docTypeLabels(), strict: true, prompt: "请从下拉列表选择；不填视为居民身份证"},
		{col: colDocNumber, prompt: "必填。请输入完整证件号码（本列为文本格式）"},
		{col: colName, prompt: "必填"},
		{col: colEducation, list: educationLabels(), strict: true, prompt: "请从下拉列表选择"},
		{col: colCategories, list: categoryLabels(), prompt: "必填。可从下拉列表选择；属于多个类别时用顿号“、”分隔"},
		{col: colDutyStatus, list: dutyStatusLabels(), strict: true, prompt: "请从下拉列表选择；不填视为在岗"},
		{col: colAppointedOn, prompt: "在岗、离岗人员必填，如2024-03-01"},
		{col: colLeftOn, prompt: "离岗人员必填，如2025-01-31"},
		{col: colEmployment, list: employmentLabels(), strict: true, prompt: "请从下拉列表选择；不填视为正式"},
	}
	if withItems {
		specs = append(specs, spec{col: colItems, ref: itemListName, prompt: "特种作业人员必填。可从下拉列表选择；多个项目用顿号“、”分隔"})
	}
	for _, sp := range specs {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = rng(sp.col)
		switch {
		case sp.list != nil:
			if err := dv.SetDropList(sp.list); err != nil {
				return err
			}
		case sp.ref != "":
			dv.SetSqrefDropList(sp.ref)
		default:
			// A hint only: "any value" keeps Excel from refusing input.
			dv.Type = "none"
		}
		if sp.strict {
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误",
				"请从下拉列表中选择："+strings.Join(sp.list, "、"))
		}
		dv.SetInput(cols[sp.col].header, sp.prompt)
		if err := f.AddDataValidation(sheetPeople, dv); err != nil {
			return err
		}
	}
	return nil
}

// writeCodesSheet lists the catalogue on 代码表 (column A is the drop-down
// source) and the values of every list column, and returns how many items
// it wrote.
func writeCodesSheet(f *excelize.File, st workbookStyles, items []OperationItem, cats []OperationCategory) (int, error) {
	catName := make(map[string]string, len(cats))
	for _, c := range cats {
		catName[c.Code] = c.Name
	}
	header := []any{"准操项目（下拉选项）", "代码", "名称", "作业类别", "状态", "", "证件类型", "学历", "人员类别", "在岗状态", "用工形式"}
	if err := f.SetSheetRow(sheetCodes, "A1", &header); err != nil {
		return 0, err
	}
	if err := f.SetCellStyle(sheetCodes, "A1", "K1", st.header); err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if !it.Active {
			continue // the drop-down offers only what may be given to someone new
		}
		n++
		row := []any{itemOption(it), it.Code, it.Name, it.CategoryCode + " " + catName[it.CategoryCode], "启用"}
		if err := f.SetSheetRow(sheetCodes, fmt.Sprintf("A%d", n+1), &row); err != nil {
			return 0, err
		}
	}
	for i, it := range inactive(items) {
		row := []any{"", it.Code, it.Name, it.CategoryCode + " " + catName[it.CategoryCode], "已停用（不能新登记）"}
		if err := f.SetSheetRow(sheetCodes, fmt.Sprintf("A%d", n+2+i), &row); err != nil {
			return 0, err
		}
	}
	for i, list := range [][]string{docTypeLabels(), educationLabels(), categoryLabels(), dutyStatusLabels(), employmentLabels()} {
		col, _ := excelize.ColumnNumberToName(7 + i)
		for j, v := range list {
			if err := f.SetCellStr(sheetCodes, fmt.Sprintf("%s%d", col, j+2), v); err != nil {
				return 0, err
			}
		}
	}
	for col, w := range map[string]float64{"A": 36, "B": 8, "C": 30, "D": 34, "E": 20, "F": 2, "G": 22, "H": 16, "I": 18, "J": 10, "K": 10} {
		if err := f.SetColWidth(sheetCodes, col, col, w); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func inactive(items []OperationItem) []OperationItem {
	var out []OperationItem
	for _, it := range items {
		if !it.Active {
			out = append(out, it)
		}
	}
	return out
}

// writeHelpSheet explains the columns in plain Chinese.
func writeHelpSheet(f *excelize.File, st workbookStyles, export bool) error {
	notes := []string{
		"1. 请在“人员名单”工作表中填写，一行一人；第一行是表头，请勿修改列名（列的顺序可以调整，用不到的选填列可以删除）；不要合并单元格。",
		"2. 请直接填写数值，不要使用公式；从其他表格复制时请使用“选择性粘贴—数值”。以 =、+、-、@ 开头的姓名或岗位会被拒绝。",
		"3. 证件号码列已设为文本格式。如果号码显示成 5.30302E+17 这样的形式，说明末尾几位已经丢失，请将单元格设为文本后重新输入完整号码。",
		"4. 上传后系统先检查整个文件，有任何错误都会逐行列出（第几行、哪一列、什么问题），不会导入任何数据；请修改后重新上传。",
		"5. 已在名册中的人员按证件号码更新，新人员新增；文件中没有、但名册中仍在岗的人员不会被删除，导入后会列出，请核实后为其办理离岗。",
		"6. 一个文件最多50000行、不超过10MB。在其他单位在岗的人员须由原单位办理离岗后才能导入。",
	}
	if export {
		notes = append(notes,
			"7. 本文件由系统导出，证件号码已按规定脱敏（隐藏出生日期等部分），脱敏号码不能直接导入；如需用本文件重新导入，请先将证件号码列改为完整号码。",
			"8. 导出文件多了“所在单位”一列，导入时会忽略该列。",
		)
	}
	if err := f.SetCellStr(sheetHelp, "A1", "从业人员名单填写说明"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetHelp, "A1", "A1", st.title); err != nil {
		return err
	}
	row := 2
	for _, n := range notes {
		if err := f.SetCellStr(sheetHelp, fmt.Sprintf("A%d", row), n); err != nil {
			return err
		}
		if err := f.MergeCell(sheetHelp, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row)); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetHelp, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.wrap); err != nil {
			return err
		}
		if err := f.SetRowHeight(sheetHelp, row, 36); err != nil {
			return err
		}
		row++
	}
	row++
	header := []any{"列名", "是否必填", "填写说明", "示例"}
	if err := f.SetSheetRow(sheetHelp, fmt.Sprintf("A%d", row), &header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetHelp, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.header); err != nil {
		return err
	}
	cols := rosterColumns()
	if export {
		cols = append(cols, enterpriseColumn())
	}
	for _, c := range cols {
		row++
		need := "选填"
		switch c.field {
		case FieldDocNumber, FieldName, FieldCategories:
			need = "必填"
		case FieldOperationItems:
			need = "特种作业人员必填"
		case FieldAppointedOn:
			need = "在岗、离岗人员必填"
		case FieldLeftOn:
			need = "离岗人员必填"
		case "":
			need = "导入时忽略"
		}
		line := []any{c.header, need, c.help, c.example}
		if err := f.SetSheetRow(sheetHelp, fmt.Sprintf("A%d", row), &line); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetHelp, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.wrap); err != nil {
			return err
		}
	}
	for col, w := range map[string]float64{"A": 14, "B": 18, "C": 80, "D": 22} {
		if err := f.SetColWidth(sheetHelp, col, col, w); err != nil {
			return err
		}
	}
	return nil
}
