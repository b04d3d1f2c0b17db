package exam

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"anpei/fault"
	"anpei/xlsxguard"
)

// This file reads and writes the question bank workbook: one question per
// row under a header row of the names Chinese trainers use (题型, 题干,
// 选项A…选项F, 答案, 解析, 难度, 分类, and optionally 适用人员类别, 适用行业,
// 准操项目, 状态), in any order. As with the roster import, nothing in the
// file is trusted: the zip directory is checked for bombs before anything
// is inflated, excelize gets limits of its own, formulas are refused rather
// than evaluated, and every problem is reported by the Excel row, the
// column letter and a reason in Chinese.

// The sheets of the workbook.
const (
	sheetQuestions = "题库"
	sheetHelp      = "说明"
)

const (
	// headerSearchRows is how far down a title row may push the header.
	headerSearchRows = 10
	// maxScannedCells bounds the cells excelize hands back over the whole
	// sheet, blank rows included: a row holding one cell in column XFD
	// comes back as 16,384 strings, and a sheet of such rows would
	// otherwise keep the server busy for minutes within the unzip limit.
	maxScannedCells = 5_000_000
	// templateRows is how far down the drop-downs of the template reach.
	templateRows = defaultMaxQuestions + 1
)

// The columns of the sheet, in template order.
const (
	colType = iota
	colStem
	colOptionA // colOptionA+i is option Letters[i]
	_
	_
	_
	_
	colOptionF
	colAnswer
	colExplanation
	colDifficulty
	colCategory
	colCategories
	colIndustries
	colItems
	colStatus
	colCount
)

// The option columns are MaxOptions wide: this fails to compile otherwise.
var _ = [1]struct{}{}[colOptionF-colOptionA-(MaxOptions-1)]

// sheetColumn is one column of the question sheet.
type sheetColumn struct {
	header   string
	aliases  []string
	field    string
	option   int // option index of an option column, else -1
	required bool
	width    float64
	help     string
}

// sheetColumns returns the columns in template order; the slice is new on
// each call.
func sheetColumns() []sheetColumn {
	cols := make([]sheetColumn, colCount)
	cols[colType] = sheetColumn{header: "题型", aliases: []string{"试题类型", "题目类型", "类型", "题型名称"}, field: FieldType, option: -1, required: true, width: 8,
		help: "必填：单选、多选或判断（也可写单选题、单项选择题、是非题等）。"}
	cols[colStem] = sheetColumn{header: "题干", aliases: []string{"题目", "题目内容", "试题内容", "试题", "题干内容", "问题"}, field: FieldStem, option: -1, required: true, width: 50,
		help: fmt.Sprintf("必填，最多%d个字。单元格内可以换行（Alt+Enter）。", MaxStemLen)}
	for i := 0; i < MaxOptions; i++ {
		help := fmt.Sprintf("选择题的选项%s，最多%d个字。", Letters[i], MaxOptionLen)
		switch i {
		case 0:
			help = "单选、多选题至少填写选项A、B；选项须从A起连续填写，不能跳过（如填了D就必须填C）。判断题的选项可以不填，或写“正确”“错误”（也可写对/错、√/×）。"
		case 1:
			help = "同选项A。"
		}
		cols[colOptionA+i] = sheetColumn{header: "选项" + Letters[i], field: FieldOptions, option: i, width: 18, help: help}
	}
	cols[colAnswer] = sheetColumn{header: "答案", aliases: []string{"正确答案", "标准答案", "参考答案"}, field: FieldAnswer, option: -1, required: true, width: 10,
		help: "必填。填写正确选项的字母：单选如 B；多选至少两个，如 A,C（也可写 AC、A、C、A，C 或 a c，大小写均可，系统按字母顺序保存）。判断题填“正确”或“错误”（也可写 对/错、√/×、T/F，或 A/B）。"}
	cols[colExplanation] = sheetColumn{header: "解析", aliases: []string{"答案解析", "试题解析", "题目解析", "解释"}, field: FieldExplanation, option: -1, width: 30,
		help: fmt.Sprintf("选填，最多%d个字，考试后向学员展示。", MaxExplanationLen)}
	cols[colDifficulty] = sheetColumn{header: "难度", aliases: []string{"难度等级", "难易程度", "难易度", "难度系数"}, field: FieldDifficulty, option: -1, width: 8,
		help: "选填：1–5（1最易，5最难），或 易、较易、中、较难、难，或 简单、中等、困难。不填表示未设定。"}
	cols[colCategory] = sheetColumn{header: "分类", aliases: []string{"知识点", "题目分类", "试题分类", "分类/知识点", "知识点分类", "所属分类"}, field: FieldCategory, option: -1, required: true, width: 14,
		help: fmt.Sprintf("必填，即知识点，如 法律法规、电气安全、应急救援，最多%d个字。组卷时按分类抽题。", MaxCategoryLen)}
	cols[colCategories] = sheetColumn{header: "适用人员类别", aliases: []string{"人员类别", "适用人员"}, field: FieldCategories, option: -1, width: 18,
		help: "选填：主要负责人、安全生产管理人员、特种作业人员、其他从业人员，多个用顿号“、”分隔。不填表示适用于所有人员。"}
	cols[colIndustries] = sheetColumn{header: "适用行业", aliases: []string{"行业"}, field: FieldIndustries, option: -1, width: 16,
		help: "选填：系统中的行业名称或代码，多个用顿号“、”分隔。不填表示适用于所有行业。"}
	cols[colItems] = sheetColumn{header: "准操项目", aliases: []string{"适用准操项目", "特种作业项目", "作业项目"}, field: FieldItems, option: -1, width: 18,
		help: "选填：特种作业准操项目的代码或名称（如 1.1 或 高压电工作业），多个用顿号“、”分隔。不填表示不限项目。"}
	cols[colStatus] = sheetColumn{header: "状态", aliases: []string{"题目状态", "试题状态"}, field: FieldStatus, option: -1, width: 8,
		help: "选填：草稿、启用或停用。不填为草稿（审核后启用）。停用的题目不再组卷，已组好的试卷不受影响。"}
	return cols
}

// ignoredHeaders are columns other systems add that carry nothing to import.
var ignoredHeaders = []string{"序号", "题号", "编号", "试题编号", "题目编号", "ID", "试题ID", "题目ID"}

var (
	optionHeader  = regexp.MustCompile(`^(?:选项([A-Z])|([A-Z])选项|([A-Z])|选项([A-Z])内容)$`)
	bracketRemark = regexp.MustCompile(`[（(][^）)]*[）)]$`)
)

// normalizeHeader drops spaces, required-marks, colons and a trailing
// remark in brackets, reads full-width letters as ASCII and upper-cases
// them, and spells every option header "选项A": "选项 A", "A选项", "a",
// "选项A（必填）" all read as "选项A".
func normalizeHeader(s string) string {
	s = toHalfWidth(strings.TrimSpace(s))
	s = bracketRemark.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '*', r == '＊', r == ':', r == '：':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	if m := optionHeader.FindStringSubmatch(s); m != nil {
		return "选项" + m[1] + m[2] + m[3] + m[4]
	}
	return s
}

// headerIndex maps a normalized header or alias to its column.
func headerIndex(cols []sheetColumn) map[string]int {
	idx := make(map[string]int, 3*len(cols))
	for i, c := range cols {
		idx[normalizeHeader(c.header)] = i
		for _, a := range c.aliases {
			idx[normalizeHeader(a)] = i
		}
	}
	return idx
}

// sheetHeader is the header row as found.
type sheetHeader struct {
	row      int
	excelCol [colCount]int // 0-based Excel column of each of our columns, or -1
	problems []fault.Detail
}

// findHeader reads cells as the header row if at least two of them are
// known column names; otherwise it returns nil.
func findHeader(cells []string, rowNum int, cols []sheetColumn) *sheetHeader {
	idx := headerIndex(cols)
	known := 0
	for _, c := range cells {
		if _, ok := idx[normalizeHeader(c)]; ok {
			known++
		}
	}
	if known < 2 {
		return nil
	}
	h := &sheetHeader{row: rowNum}
	for i := range h.excelCol {
		h.excelCol[i] = -1
	}
	names := make([]string, 0, len(cols))
	for _, c := range cols {
		names = append(names, c.header)
	}
	for c, text := range cells {
		name := normalizeHeader(text)
		if name == "" || slices.Contains(ignoredHeaders, name) {
			continue
		}
		letter := columnLetter(c)
		col, ok := idx[name]
		switch {
		case !ok && strings.HasPrefix(name, "选项") && len(name) == len("选项")+1:
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: letter, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：最多支持 %d 个选项（选项A–选项F），请删除该列，或把多出的选项合并到其他选项中", rowNum, letter, clip(strings.TrimSpace(text)), MaxOptions)})
		case !ok:
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: letter, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：无法识别的列名，请删除该列，或改为模板中的列名（%s）", rowNum, letter, clip(strings.TrimSpace(text)), strings.Join(names, "、"))})
		case h.excelCol[col] >= 0:
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: letter, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：与 %s 列重复，请删除其中一列", rowNum, letter, clip(strings.TrimSpace(text)), columnLetter(h.excelCol[col]))})
		default:
			h.excelCol[col] = c
		}
	}
	for i, c := range cols {
		if c.required && h.excelCol[i] < 0 {
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: c.header, Message: fmt.Sprintf(
				"第 %d 行：缺少“%s”列，请使用下载的模板，或在表头中补上该列", rowNum, c.header)})
		}
	}
	return h
}

// locator points at the Excel column of a field: its letter when the
// column is in the file, else its header name.
func (h *sheetHeader) locator(cols []sheetColumn) locator {
	return func(field string, option int) (string, string) {
		col := -1
		switch field {
		case FieldOptions:
			col = colOptionA + min(max(option, 0), MaxOptions-1)
			if option >= MaxOptions {
				return columnLetter(h.excelCol[colOptionA+MaxOptions-1]), "选项"
			}
		default:
			for i, c := range cols {
				if c.field == field {
					col = i
					break
				}
			}
		}
		if col < 0 {
			return "", fieldLabel(field)
		}
		if h.excelCol[col] >= 0 {
			return columnLetter(h.excelCol[col]), cols[col].header
		}
		return cols[col].header, cols[col].header
	}
}

// columnLetter is the Excel name of 0-based column c ("A"), or "" for c < 0.
func columnLetter(c int) string {
	if c < 0 {
		return ""
	}
	name, err := excelize.ColumnNumberToName(c + 1)
	if err != nil {
		return ""
	}
	return name
}

// sheetRow is one non-blank data row: its Excel number and the value of
// each of our columns.
type sheetRow struct {
	num     int
	cells   [colCount]string
	formula [colCount]bool
}

// parseXLSX reads a question workbook.
func parseXLSX(r io.ReaderAt, size int64, lim Limits) (Parsed, error) {
	sheetParts, err := checkPackage(r, size, lim)
	if err != nil {
		return Parsed{}, err
	}
	cols := sheetColumns()
	hdr, rows, err := readQuestionSheet(r, size, lim, sheetParts, cols)
	if err != nil {
		return Parsed{}, err
	}
	if len(hdr.problems) > 0 {
		return Parsed{}, importInvalid(hdr.problems)
	}
	loc := hdr.locator(cols)
	drafts := make([]draft, 0, len(rows))
	for _, raw := range rows {
		drafts = append(drafts, parseSheetRow(raw, cols, loc, lim))
	}
	return finish(FormatXLSX, drafts, lim, loc)
}

// checkPackage refuses what is not an .xlsx package within the limits,
// looking only at the leading bytes and the zip central directory: nothing
// is inflated. It returns how many worksheet parts the package holds.
func checkPackage(r io.ReaderAt, size int64, lim Limits) (int, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		head := make([]byte, min(size, 2048))
		r.ReadAt(head, 0)
		if !isZip(head) {
			if e := sniffBinary(head); e != nil {
				return 0, e
			}
			return 0, ErrImportFormat.WithMessage("上传的文件不是Excel工作簿（.xlsx）；文本题库请选择GIFT或Aiken格式导入")
		}
		return 0, ErrImportFormat.WithMessage("文件已损坏，或不是Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}
	pkg, err := xlsxguard.Inspect(zr, lim.MaxUnzipped, lim.MaxRatio, ".xlsx", ".xls", ".txt", ".gift")
	if err != nil {
		return 0, ErrImportUnzipLimit
	}
	switch {
	case pkg.Workbook:
		return pkg.Sheets, nil
	case pkg.Word:
		return 0, ErrImportFormat.WithMessage("上传的是Word或PowerPoint文档，不是题库文件：请把题目填入Excel模板，或另存为GIFT、Aiken格式的文本文件后上传")
	case pkg.ODF:
		return 0, ErrImportFormat.WithMessage("上传的是WPS或LibreOffice的.ods表格，请“另存为”Excel工作簿（.xlsx）后上传")
	case pkg.Nested:
		return 0, ErrImportFormat.WithMessage("上传的是压缩包，请解压后上传其中的题库文件")
	}
	return 0, ErrImportFormat.WithMessage("上传的是压缩包或其他文件，不是Excel工作簿（.xlsx），请下载模板填写后上传")
}

// readQuestionSheet opens the workbook with excelize and streams the
// question sheet: finds the header, maps its columns and collects the
// non-blank data rows as displayed (number formats applied). Cells holding
// a formula are marked, never evaluated. excelize is given the unzip
// limits too, as a second line behind checkPackage, and a panic in it on a
// hostile file becomes ErrImportFormat.
func readQuestionSheet(r io.ReaderAt, size int64, lim Limits, sheetParts int, cols []sheetColumn) (hdr *sheetHeader, out []sheetRow, err error) {
	var f *excelize.File
	defer func() {
		if v := recover(); v != nil {
			hdr, out, err = nil, nil, ErrImportFormat.WithMessage("文件内容已损坏，无法读取，请在Excel中重新保存后上传")
		}
		if f != nil {
			f.Close()
		}
	}()
	f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit:    lim.MaxUnzipped,
		UnzipXMLSizeLimit: lim.MaxUnzipped, // keep every part in memory: bounded above, and scanned below
	})
	if err != nil {
		f = nil
		return nil, nil, ErrImportFormat.WithMessage("文件已损坏，或不是有效的Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}
	sheet := xlsxguard.DataSheet(f, sheetQuestions, sheetHelp)
	if sheet == "" {
		return nil, nil, ErrImportFormat.WithMessage("文件中没有工作表，请下载模板填写后上传")
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, ErrImportFormat.WithMessage("无法读取工作表“%s”，请在Excel中重新保存后上传", clip(sheet))
	}
	defer rows.Close()

	rowNum, scanned := 0, 0
	for rows.Next() {
		rowNum++
		cells, err := rows.Columns()
		if err != nil {
			return nil, nil, ErrImportFormat.WithMessage("工作表“%s”第 %d 行无法读取，请在Excel中重新保存后上传", clip(sheet), rowNum)
		}
		if scanned += len(cells) + 1; scanned > maxScannedCells {
			return nil, nil, ErrImportTooMany.WithMessage("工作表“%s”的单元格过多（常因整列设置了格式或内容），请只保留题目所在的行和列后重新上传", clip(sheet))
		}
		if hdr == nil {
			if hdr = findHeader(cells, rowNum, cols); hdr != nil {
				if len(hdr.problems) > 0 {
					return hdr, nil, nil // rows cannot be read without their columns
				}
				continue
			}
			if rowNum >= headerSearchRows {
				break
			}
			continue
		}
		var raw sheetRow
		blank := true
		for i, c := range hdr.excelCol {
			if c < 0 || c >= len(cells) {
				continue
			}
			raw.cells[i] = cells[c]
			if strings.TrimSpace(cells[c]) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if len(out) >= lim.MaxQuestions {
			return nil, nil, tooMany(lim.MaxQuestions)
		}
		raw.num = rowNum
		out = append(out, raw)
	}
	if err := rows.Error(); err != nil {
		return nil, nil, ErrImportFormat.WithMessage("工作表“%s”无法读取（%d 行以后），请在Excel中重新保存后上传", clip(sheet), rowNum)
	}
	if hdr == nil {
		names := make([]string, 0, colCount)
		for _, c := range cols {
			names = append(names, c.header)
		}
		return &sheetHeader{problems: []fault.Detail{{Row: 1, Message: "第 1 行：未找到表头。第一行应为“" + strings.Join(names, "、") +
			"”等列名，请下载模板，将题目粘贴到“" + sheetQuestions + "”工作表后重新上传"}}}, nil, nil
	}
	if xlsxguard.MayHaveFormulas(f, sheetParts) {
		markFormulas(f, sheet, hdr, out)
	}
	return hdr, out, nil
}

// markFormulas flags every cell of rows, in one of our columns, that holds
// a formula.
func markFormulas(f *excelize.File, sheet string, hdr *sheetHeader, rows []sheetRow) {
	for i := range rows {
		for col, c := range hdr.excelCol {
			if c < 0 {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(c+1, rows[i].num)
			if err != nil {
				continue
			}
			if formula, err := f.GetCellFormula(sheet, ref); err == nil && formula != "" {
				rows[i].formula[col] = true
			}
		}
	}
}

// parseSheetRow reads one row into a draft, reporting the cells it cannot
// read; the rules are applied by finish.
func parseSheetRow(raw sheetRow, cols []sheetColumn, loc locator, lim Limits) draft {
	d := draft{row: raw.num}
	fail := func(col int, format string, args ...any) {
		d.fail(loc, cols[col].field, cols[col].option, format, args...)
	}
	for col, isFormula := range raw.formula {
		if isFormula {
			fail(col, "不允许使用公式，请复制后用“选择性粘贴—数值”粘贴为数值")
		}
	}
	cell := func(col int) string {
		if raw.formula[col] {
			return ""
		}
		return strings.TrimSpace(raw.cells[col])
	}
	optional := func(col int) string {
		if v := cell(col); !isPlaceholder(v) {
			return v
		}
		return ""
	}

	if v := cell(colType); v != "" {
		if t, ok := parseTypeCell(v); ok {
			d.q.Type = t
		} else {
			fail(colType, "题型“%s”无法识别，请填写单选、多选或判断", clip(v))
		}
	}
	d.q.Stem = cell(colStem)
	opts := make([]string, MaxOptions)
	for i := range opts {
		opts[i] = cell(colOptionA + i)
	}

	answer := cell(colAnswer)
	switch d.q.Type {
	case Judge:
		reversed := false
		if slices.ContainsFunc(opts, func(s string) bool { return s != "" }) {
			a, okA := judgeWord(opts[0])
			b, okB := judgeWord(opts[1])
			if okA && okB && a != b && !slices.ContainsFunc(opts[2:], func(s string) bool { return s != "" }) {
				reversed = a == "B"
			} else {
				fail(colOptionA, "判断题的选项只能是“正确”“错误”（也可写对/错、√/×），也可以不填")
			}
		}
		d.q.Options = nil // Normalize writes JudgeOptions
		if answer == "" {
			break
		}
		if w, ok := judgeWord(answer); ok {
			d.q.Answer = []string{w}
		} else if letters, ok := ParseAnswer(Judge, answer); ok {
			if reversed {
				for i, l := range letters {
					switch l {
					case "A":
						letters[i] = "B"
					case "B":
						letters[i] = "A"
					}
				}
			}
			d.q.Answer = letters
		} else {
			fail(colAnswer, "答案“%s”无法识别，判断题请填写“正确”或“错误”（也可写对/错、√/×、T/F）", clip(answer))
		}
	case Single, Multiple:
		d.q.Options = opts
		if answer == "" {
			break
		}
		if letters, ok := ParseAnswer(d.q.Type, answer); ok {
			d.q.Answer = letters
		} else {
			fail(colAnswer, "答案“%s”无法识别，请填写正确选项的字母，%s", clip(answer), answerExample(d.q.Type))
		}
	}

	d.q.Explanation = cell(colExplanation) // "无" or "-" is what the author wrote: kept, so exports read back alike
	if v := optional(colDifficulty); v != "" {
		if dif, ok := ParseDifficulty(v); ok {
			d.q.Difficulty = dif
		} else {
			fail(colDifficulty, "难度“%s”无法识别，请填写 1–5（1最易，5最难），或 易、较易、中、较难、难", clip(v))
		}
	}
	d.q.Category = cell(colCategory)
	if v := optional(colStatus); v != "" {
		if st, ok := ParseStatus(v); ok {
			d.q.Status = st
		} else {
			fail(colStatus, "状态“%s”无法识别，请填写草稿、启用或停用", clip(v))
		}
	}
	for _, a := range []struct {
		col  int
		kind AudienceKind
		dst  *[]string
	}{
		{colCategories, AudiencePersonCategory, &d.q.Categories},
		{colIndustries, AudienceIndustry, &d.q.Industries},
		{colItems, AudienceItem, &d.q.Items},
	} {
		for _, part := range splitList(optional(a.col)) {
			code := part
			if lim.Resolve != nil {
				c, ok := lim.Resolve(a.kind, part)
				if !ok {
					fail(a.col, "“%s”无法识别，请填写系统中的名称或代码，多个用顿号“、”分隔", clip(part))
					continue
				}
				code = c
			}
			*a.dst = append(*a.dst, code)
		}
	}
	return d
}

// parseTypeCell reads a 题型 cell: what ParseType reads, also with
// spaces, a remark in brackets or capitals ("单选 题", "判断题（对错）",
// "Single"), and a few more names for 判断.
func parseTypeCell(v string) (Type, bool) {
	if t, ok := ParseType(v); ok {
		return t, true
	}
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, toHalfWidth(v))
	s = bracketRemark.ReplaceAllString(s, "")
	switch s {
	case "对错", "对错题", "正误", "正误题", "判断正误":
		return Judge, true
	}
	return ParseType(s)
}

// splitList splits a cell listing several values on 、 , ， ; ； and line
// breaks, dropping empty pieces.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；', '\n', '\r':
			return true
		}
		return false
	}) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// isPlaceholder reports whether v is a dash or slash that people type to
// mean "nothing here".
func isPlaceholder(v string) bool {
	switch v {
	case "-", "－", "—", "——", "/", "／", "无":
		return true
	}
	return false
}

// Template returns the .xlsx template for question imports: the 题库 sheet
// with its header row frozen, drop-downs for 题型, 难度 and 状态, and one
// example row per type (单选, 多选, 判断); and a 说明 sheet explaining each
// column and the accepted answer syntaxes. It returns an internal
// *fault.Error when the workbook writer fails.
func Template() ([]byte, error) {
	examples := []Question{
		{Type: Single, Stem: "生产经营单位的主要负责人对本单位的安全生产工作（　　）负责。",
			Options: []string{"全面", "部分", "间接", "连带"}, Answer: []string{"A"},
			Explanation: "《安全生产法》第五条：生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。",
			Difficulty:  1, Category: "法律法规"},
		{Type: Multiple, Stem: "发现有人触电时，下列做法正确的有（　　）。",
			Options: []string{"立即切断电源", "用干燥的木棒挑开电线", "直接用手拉开触电者", "脱离电源后立即进行心肺复苏"}, Answer: []string{"A", "B", "D"},
			Explanation: "触电急救首先要使触电者迅速脱离电源，不能直接用手接触触电者；脱离电源后根据情况立即施救。",
			Difficulty:  2, Category: "电气安全", Categories: []string{"特种作业人员"}, Items: []string{"1.1 高压电工作业"}},
		{Type: Judge, Stem: "从业人员发现直接危及人身安全的紧急情况时，有权停止作业或者在采取可能的应急措施后撤离作业场所。",
			Options: slices.Clone(JudgeOptions), Answer: []string{"A"},
			Explanation: "《安全生产法》第五十五条规定了从业人员的紧急避险权。",
			Difficulty:  1, Category: "法律法规"},
	}
	var buf bytes.Buffer
	if err := writeWorkbook(&buf, examples, false); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Export writes questions as an .xlsx in the template's layout, so the file
// can be edited and imported again: Parse reads back the same questions
// (audience lists as their codes). Rows are streamed. It returns an
// internal *fault.Error when the writer fails.
func Export(questions []Question, w io.Writer) error {
	return writeWorkbook(w, questions, true)
}

// writeWorkbook writes the workbook with questions as its rows.
func writeWorkbook(w io.Writer, questions []Question, export bool) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := buildWorkbook(f, export)
	if err != nil {
		return fault.Wrap(err, "exam: build workbook")
	}
	for i, q := range questions {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, questionCells(q)); err != nil {
			return fault.Wrap(err, "exam: write question row")
		}
	}
	if err := sw.Flush(); err != nil {
		return fault.Wrap(err, "exam: flush workbook")
	}
	if err := f.Write(w); err != nil {
		return fault.Wrap(err, "exam: write workbook")
	}
	return nil
}

// questionCells is one question in the sheet's columns. Text goes in as
// strings (never formulas), without characters an .xlsx cannot hold.
func questionCells(q Question) []any {
	cells := make([]any, colCount)
	text := func(col int, s string) {
		if s = xmlSafe(s); s != "" { // an empty cell, not an empty string
			cells[col] = s
		}
	}
	text(colType, q.Type.Label())
	if q.Type.Label() == "" {
		text(colType, string(q.Type))
	}
	text(colStem, q.Stem)
	for i, o := range q.Options {
		if i < MaxOptions {
			text(colOptionA+i, o)
		}
	}
	answer := strings.Join(q.Answer, ",")
	if q.Type == Judge && len(q.Answer) == 1 {
		switch q.Answer[0] {
		case "A":
			answer = JudgeOptions[0]
		case "B":
			answer = JudgeOptions[1]
		}
	}
	text(colAnswer, answer)
	text(colExplanation, q.Explanation)
	if q.Difficulty > 0 {
		cells[colDifficulty] = int(q.Difficulty)
	}
	text(colCategory, q.Category)
	text(colCategories, strings.Join(q.Categories, "、"))
	text(colIndustries, strings.Join(q.Industries, "、"))
	text(colItems, strings.Join(q.Items, "、"))
	text(colStatus, q.Status.Label())
	return cells
}

// xmlSafe drops the characters XML 1.0 cannot carry.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// sheetStyles are the cell styles of the workbook.
type sheetStyles struct {
	header, text, wrap, title int
}

func newSheetStyles(f *excelize.File) (sheetStyles, error) {
	var st sheetStyles
	border := []excelize.Border{
		{Type: "left", Color: "9BB7D4", Style: 1}, {Type: "right", Color: "9BB7D4", Style: 1},
		{Type: "top", Color: "9BB7D4", Style: 1}, {Type: "bottom", Color: "9BB7D4", Style: 1},
	}
	textFmt := "@"
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
		{&st.text, &excelize.Style{CustomNumFmt: &textFmt, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
	}
	for _, sp := range specs {
		id, err := f.NewStyle(sp.style)
		if err != nil {
			return st, err
		}
		*sp.dst = id
	}
	return st, nil
}

// buildWorkbook lays out the 题库 and 说明 sheets and returns a stream
// writer on 题库 that has written the header row; the caller writes
// questions from row 2 and flushes.
func buildWorkbook(f *excelize.File, export bool) (*excelize.StreamWriter, error) {
	st, err := newSheetStyles(f)
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", sheetQuestions); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(sheetHelp); err != nil {
		return nil, err
	}
	if err := writeHelpSheet(f, st, export); err != nil {
		return nil, err
	}
	if err := addValidations(f); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)

	cols := sheetColumns()
	sw, err := f.NewStreamWriter(sheetQuestions)
	if err != nil {
		return nil, err
	}
	// Right to left: the stream writer puts each new column first, and
	// Excel wants them in ascending order.
	for i := len(cols) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, cols[i].width); err != nil {
			return nil, err
		}
		if err := sw.SetColStyle(i+1, i+1, st.text); err != nil {
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

// addValidations puts drop-downs and input hints on the data rows.
func addValidations(f *excelize.File) error {
	rng := func(col int) string {
		name := columnLetter(col)
		return fmt.Sprintf("%s2:%s%d", name, name, templateRows)
	}
	specs := []struct {
		col    int
		list   []string
		prompt string
	}{
		{colType, []string{"单选", "多选", "判断"}, "必填，请从下拉列表选择"},
		{colAnswer, nil, "单选如 B；多选如 A,C；判断填 正确 或 错误"},
		{colDifficulty, []string{"1", "2", "3", "4", "5"}, "选填，1最易，5最难"},
		{colCategory, nil, "必填，如 法律法规"},
		{colStatus, []string{"草稿", "启用", "停用"}, "选填，不填为草稿"},
	}
	cols := sheetColumns()
	for _, sp := range specs {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = rng(sp.col)
		if sp.list != nil {
			if err := dv.SetDropList(sp.list); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", "请从下拉列表中选择："+strings.Join(sp.list, "、"))
		} else {
			dv.Type = "none" // a hint only
		}
		dv.SetInput(cols[sp.col].header, sp.prompt)
		if err := f.AddDataValidation(sheetQuestions, dv); err != nil {
			return err
		}
	}
	return nil
}

// writeHelpSheet explains the columns in plain Chinese.
func writeHelpSheet(f *excelize.File, st sheetStyles, export bool) error {
	notes := []string{
		"1. 请在“题库”工作表中填写，一行一题；第一行是表头，请勿修改列名（列的顺序可以调整，用不到的选填列可以删除，选项E、F不用时也可以删除）；不要合并单元格。",
		"2. 题型只能是单选、多选、判断。单选题只有一个正确答案；多选题至少两个正确答案；判断题的答案填“正确”或“错误”，选项可以不填。",
		"3. 答案的写法：单选 B；多选 A,C，也可以写 AC、A、C、A，C 或 a c（系统统一按 A,C 保存）；判断 正确/错误，也可以写 对/错、√/×、T/F 或 A/B。",
		"4. 难度填 1–5（1最易，5最难），或 易、较易、中、较难、难，或 简单、中等、困难；不填表示未设定。",
		"5. 请直接填写文字，不要使用公式；从其他表格复制时请使用“选择性粘贴—数值”。",
		"6. 上传后系统先检查整个文件，有任何错误都会逐行列出（第几行、哪一列、什么问题），不会导入任何题目；请修改后重新上传。同一文件中题型和题干都相同的题目视为重复。",
		fmt.Sprintf("7. 一个文件最多%d道题、不超过10MB。也可以导入其他学习平台导出的 GIFT 或 Aiken 格式文本文件（Aiken 只含单选题）。", defaultMaxQuestions),
	}
	title := "题库导入模板填写说明"
	if export {
		title = "题库导出文件说明"
		notes = append(notes, "8. 本文件由系统导出，格式与导入模板相同，修改后可以重新导入；适用人员类别、适用行业、准操项目列为系统代码。")
	}
	if err := f.SetCellStr(sheetHelp, "A1", title); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetHelp, "A1", "A1", st.title); err != nil {
		return err
	}
	row := 2
	for _, n := range notes {
		a, d := fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row)
		if err := f.SetCellStr(sheetHelp, a, n); err != nil {
			return err
		}
		if err := f.MergeCell(sheetHelp, a, d); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetHelp, a, d, st.wrap); err != nil {
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
	examples := map[int]string{colType: "单选", colStem: "生产经营单位的主要负责人对本单位的安全生产工作（　　）负责。",
		colOptionA: "全面", colOptionA + 1: "部分", colAnswer: "A 或 A,C 或 正确", colExplanation: "《安全生产法》第五条……",
		colDifficulty: "1", colCategory: "法律法规", colCategories: "特种作业人员", colItems: "1.1 高压电工作业", colStatus: "启用"}
	for i, c := range sheetColumns() {
		row++
		need := "选填"
		if c.required {
			need = "必填"
		}
		line := []any{c.header, need, c.help, examples[i]}
		if err := f.SetSheetRow(sheetHelp, fmt.Sprintf("A%d", row), &line); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetHelp, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.wrap); err != nil {
			return err
		}
	}
	for col, w := range map[string]float64{"A": 14, "B": 10, "C": 80, "D": 30} {
		if err := f.SetColWidth(sheetHelp, col, col, w); err != nil {
			return err
		}
	}
	return nil
}
