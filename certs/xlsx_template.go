package certs

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"anpei/fault"
	"anpei/roster"
)

// This file describes the workbook enterprise admins fill in to register
// their workers' state certificates in bulk, and writes its template. The
// importer (xlsx_import.go) reads the same columns.

// The sheets of the workbook.
const (
	sheetCerts = "证书登记"
	sheetHelp  = "说明"
)

// The columns of the 证书登记 sheet, in template order.
const (
	colIDNumber = iota
	colName
	colKind
	colNumber
	colItem
	colIssuedOn
	colValidUntil
	colNextReview
	colAuthority
	colCount
)

// certColumn is one column of the 证书登记 sheet. field is the
// ExternalInput field (its json name) the column fills, as checkExternal
// names it in its details; "" for the two columns that find the person.
type certColumn struct {
	header   string
	aliases  []string
	field    string
	required bool
	text     bool // formatted as text in the template (numbers that are not quantities)
	date     bool
	width    float64
	help     string
	example  string
}

// certColumns returns the columns in sheet order; the slice is new on each
// call.
func certColumns() []certColumn {
	cols := make([]certColumn, colCount)
	cols[colIDNumber] = certColumn{header: "身份证号", aliases: []string{"身份证号码", "公民身份号码", "证件号码", "证件号"}, required: true, text: true, width: 22,
		help:    "必填。持证人的18位居民身份证号（末位X大小写均可）。本列已设为文本格式，请勿改成数字格式，否则Excel会把号码变成5.30302E+17并丢失末尾几位。持证人须已在本企业人员名单中。",
		example: "11010519491231002X（国家标准中的示例号码）"}
	cols[colName] = certColumn{header: "姓名", aliases: []string{"持证人", "持证人姓名"}, required: true, width: 10,
		help: "必填。须与人员名单中该身份证号的姓名一致。", example: "张三"}
	cols[colKind] = certColumn{header: "证书种类", aliases: []string{"证书类型", "证书名称", "证件种类"}, field: "kind", required: true, width: 30,
		help: "必填。从下拉列表选择，或填写下方“可登记的证书种类”中的名称、简称或代码。", example: "特种作业操作证"}
	cols[colNumber] = certColumn{header: "证书编号", aliases: []string{"证号", "证书号", "证件编号", "证书号码"}, field: "number", required: true, text: true, width: 24,
		help:    "必填。字母、数字，不超过40位。新版特种作业操作证编号为“T+身份证号”。同一证书编号在文件中只能出现一次，已登记过的编号不能再次登记。",
		example: "T11010519491231002X"}
	cols[colItem] = certColumn{header: "准操项目代码", aliases: []string{"准操项目", "操作项目", "作业项目", "准操项目代码/名称"}, field: "operation_item", text: true, width: 14,
		help:    "特种作业操作证必填，其他证书不填。填写代码（如1.2），或“代码 名称”（如“1.2 低压电工作业”）；须是该人员在人员名单中登记的准操项目。",
		example: "1.2"}
	cols[colIssuedOn] = certColumn{header: "初领日期", aliases: []string{"发证日期", "初次领证日期", "取证日期", "领证日期"}, field: "issued_on", required: true, date: true, width: 14,
		help: "必填，不能晚于今天。格式如2024-03-15，也可写2024/3/15或2024年3月15日。", example: "2024-03-15"}
	cols[colValidUntil] = certColumn{header: "有效期至", aliases: []string{"有效期", "有效截止日期", "有效期截止", "到期日期"}, field: "valid_until", date: true, width: 14,
		help: "选填，不填时按证书种类计算（特种作业操作证6年，安全合格证3年）。须晚于初领日期。", example: "2030-03-15"}
	cols[colNextReview] = certColumn{header: "下次复审日期", aliases: []string{"复审日期", "应复审日期"}, field: "next_review", date: true, width: 14,
		help: "选填，仅特种作业操作证有复审；不填时按每3年复审计算。须晚于初领日期且不晚于有效期。", example: "2027-03-15"}
	cols[colAuthority] = certColumn{header: "发证机关", aliases: []string{"发证单位", "签发机关", "发证部门"}, field: "authority", width: 22,
		help: "选填，不超过100字；不填时按证书种类填写（特种作业操作证：曲靖市应急管理局；安全合格证：云南省应急管理厅）。", example: "曲靖市应急管理局"}
	return cols
}

// columnHeaders returns the headers in sheet order.
func columnHeaders() []string {
	cols := certColumns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header
	}
	return out
}

// stateKinds are the kinds the workbook registers: those a state
// authority issues.
func stateKinds(kinds *Kinds) []Kind {
	var out []Kind
	for _, k := range kinds.All() {
		if k.Issuer == IssuerState {
			out = append(out, k)
		}
	}
	return out
}

// templateRows is how far down the drop-downs and input hints reach.
const templateRows = MaxImportRows + 1

// ExternalTemplate writes the .xlsx template for importing state
// certificates to w: the 证书登记 sheet with its header row frozen, text
// and date formats, a drop-down of the kinds and input hints; and a 说明
// sheet with the rules, every column, the kinds that may be registered
// (name, short name and code) and an example row. It returns an internal
// *fault.Error when the workbook cannot be built or written.
func ExternalTemplate(w io.Writer, kinds *Kinds) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := buildTemplate(f, stateKinds(kinds)); err != nil {
		return fault.Wrap(err, "certs: build template")
	}
	if err := f.Write(w); err != nil {
		return fault.Wrap(err, "certs: write template")
	}
	return nil
}

func buildTemplate(f *excelize.File, kinds []Kind) error {
	border := []excelize.Border{
		{Type: "left", Color: "9BB7D4", Style: 1}, {Type: "right", Color: "9BB7D4", Style: 1},
		{Type: "top", Color: "9BB7D4", Style: 1}, {Type: "bottom", Color: "9BB7D4", Style: 1},
	}
	textFmt, dateFmt := "@", "yyyy-mm-dd"
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "1F3864"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", sheetCerts); err != nil {
		return err
	}
	cols := certColumns()
	for i, c := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheetCerts, name, name, c.width); err != nil {
			return err
		}
		style := 0
		switch {
		case c.text:
			style = text
		case c.date:
			style = date
		}
		if style != 0 {
			if err := f.SetColStyle(sheetCerts, name, style); err != nil {
				return err
			}
		}
		if err := f.SetCellStr(sheetCerts, name+"1", c.header); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(colCount)
	if err := f.SetCellStyle(sheetCerts, "A1", last+"1", header); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheetCerts, 1, 22); err != nil {
		return err
	}
	if err := f.SetPanes(sheetCerts, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := addHints(f, cols, kinds); err != nil {
		return err
	}
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return err
	}
	if err := writeHelp(f, cols, kinds, header); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
}

// addHints puts the kind drop-down and an input hint on every column's
// data rows. Only the kind list is strict; the others are hints that keep
// Excel from refusing anything the importer reads.
func addHints(f *excelize.File, cols []certColumn, kinds []Kind) error {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	prompts := [colCount]string{
		colIDNumber:   "必填。18位身份证号（本列为文本格式）",
		colName:       "必填，与人员名单一致",
		colKind:       "必填，请从下拉列表选择",
		colNumber:     "必填。特种作业操作证为T+身份证号",
		colItem:       "特种作业操作证必填，如1.2",
		colIssuedOn:   "必填，如2024-03-15",
		colValidUntil: "选填，不填按证书种类计算",
		colNextReview: "选填，仅特种作业操作证",
		colAuthority:  "选填，不填按证书种类填写",
	}
	for i := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", name, name, templateRows)
		if i == colKind && len(names) > 0 {
			if err := dv.SetDropList(names); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", "请从下拉列表中选择："+strings.Join(names, "、"))
		} else {
			dv.Type = "none"
		}
		dv.SetInput(cols[i].header, prompts[i])
		if err := f.AddDataValidation(sheetCerts, dv); err != nil {
			return err
		}
	}
	return nil
}

// writeHelp fills the 说明 sheet: the rules, the columns, the kinds and one
// example row.
func writeHelp(f *excelize.File, cols []certColumn, kinds []Kind, header int) error {
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	row := 1
	put := func(cells []any, style int) error {
		ref := fmt.Sprintf("A%d", row)
		if err := f.SetSheetRow(sheetHelp, ref, &cells); err != nil {
			return err
		}
		if style != 0 {
			end, _ := excelize.ColumnNumberToName(max(len(cells), 1))
			if err := f.SetCellStyle(sheetHelp, ref, fmt.Sprintf("%s%d", end, row), style); err != nil {
				return err
			}
		}
		row++
		return nil
	}
	heading := func(s string) error {
		row++
		return put([]any{s}, title)
	}

	if err := put([]any{"主管部门证书批量登记填写说明"}, title); err != nil {
		return err
	}
	notes := []string{
		"1. 请在“" + sheetCerts + "”工作表中填写，一行一本证书，从第2行起填写；第一行是表头，请勿修改列名，不要合并单元格。同一人持有多本证书的，每本一行。",
		"2. 持证人须已在本企业人员名单中，并按身份证号对应；姓名须与名单一致。请先导入人员名单，再登记证书。",
		"3. 日期格式如 2024-03-15（也可写 2024/3/15、2024.3.15 或 2024年3月15日），也可以是Excel日期单元格。",
		"4. 请直接填写数值，不要使用公式；从其他表格复制时请使用“选择性粘贴—数值”。",
		fmt.Sprintf("5. 上传后系统先检查整个文件，有任何错误都会逐行列出（第几行、哪一列、什么问题），不会登记任何证书；请修改后重新上传。一个文件最多%d行、不超过%dMB。", MaxImportRows, maxImportFileSize>>20),
		"6. 登记后的证书为“未核验”，由监管部门在全国安全生产考试信息查询平台核对后标记为已核验。",
	}
	for _, n := range notes {
		if err := put([]any{n}, wrap); err != nil {
			return err
		}
		if err := f.MergeCell(sheetHelp, fmt.Sprintf("A%d", row-1), fmt.Sprintf("E%d", row-1)); err != nil {
			return err
		}
		if err := f.SetRowHeight(sheetHelp, row-1, 32); err != nil {
			return err
		}
	}

	if err := heading("各列填写说明"); err != nil {
		return err
	}
	if err := put([]any{"列名", "是否必填", "填写说明", "示例"}, header); err != nil {
		return err
	}
	for i, c := range cols {
		need := "选填"
		switch {
		case c.required:
			need = "必填"
		case i == colItem:
			need = "特种作业操作证必填"
		}
		if err := put([]any{c.header, need, c.help, c.example}, wrap); err != nil {
			return err
		}
	}

	if err := heading("可登记的证书种类（“证书种类”列填写名称、简称或代码均可）"); err != nil {
		return err
	}
	if err := put([]any{"名称", "简称", "代码", "适用人员", "有效期与复审"}, header); err != nil {
		return err
	}
	for _, k := range kinds {
		if err := put([]any{k.Name, k.Short, k.Code, categoryNames(k), validityText(k)}, wrap); err != nil {
			return err
		}
	}

	if err := heading("示例（仅供参考，请勿填入本表；请在“" + sheetCerts + "”工作表中填写）"); err != nil {
		return err
	}
	example := make([]any, 0, len(cols)+1)
	headers := make([]any, 0, len(cols)+1)
	headers = append(headers, "")
	example = append(example, "示例")
	for _, c := range cols {
		headers = append(headers, c.header)
		example = append(example, c.example)
	}
	if err := put(headers, header); err != nil {
		return err
	}
	if err := put(example, wrap); err != nil {
		return err
	}

	for col, w := range map[string]float64{"A": 30, "B": 20, "C": 70, "D": 22, "E": 34, "F": 14, "G": 14, "H": 14, "I": 14, "J": 20} {
		if err := f.SetColWidth(sheetHelp, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

// categoryNames lists in Chinese the categories of people a kind is for.
func categoryNames(k Kind) string {
	var out []string
	for _, c := range k.Categories {
		if cat, ok := roster.ParseCategory(c); ok {
			out = append(out, cat.Label())
		}
	}
	return strings.Join(out, "、")
}

// validityText says a kind's validity and review interval.
func validityText(k Kind) string {
	s := "长期有效"
	if k.ValidMonths > 0 {
		s = fmt.Sprintf("有效期%d年", k.ValidMonths/12)
		if k.ValidMonths%12 != 0 {
			s = fmt.Sprintf("有效期%d个月", k.ValidMonths)
		}
	}
	if k.ReviewMonths > 0 {
		s += fmt.Sprintf("，每%d年复审", k.ReviewMonths/12)
	}
	return s
}
