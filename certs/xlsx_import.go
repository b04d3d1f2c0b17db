package certs

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/xlsxguard"
)

// This file imports a workbook of state certificates (the template of
// xlsx_template.go) that an enterprise admin fills in for their workers.
// As with the roster import, nothing in the file is trusted: the package
// is checked by content, its zip directory is checked for bombs before
// anything is inflated (xlsxguard), formulas are refused rather than
// evaluated, and every problem is reported by the Excel row a person
// sees, the column's Chinese header and a reason in Chinese. Nothing is
// written unless every row is clean; then one transaction writes them all.

// The import errors. Row problems are Details of ErrImportInvalid; the
// others refuse the file as a whole. The codes are the roster import's, so
// a client handles both alike.
var (
	// ErrImportTooLarge: the file is over 10 MiB.
	ErrImportTooLarge = fault.New(fault.TooLarge, "import_too_large", fmt.Sprintf("文件超过%dMB，请删除无关的工作表或拆分为多个文件后分批上传", maxImportFileSize>>20))
	// ErrImportNotXLSX: the content is not an .xlsx workbook, whatever its
	// name; the message says what it seems to be.
	ErrImportNotXLSX = fault.New(fault.Unsupported, "import_not_xlsx", "上传的文件不是Excel工作簿（.xlsx），请下载模板填写后上传")
	// ErrImportUnzipLimit: the workbook would inflate too far, or
	// compresses suspiciously well (a zip bomb).
	ErrImportUnzipLimit = fault.New(fault.TooLarge, "import_unzip_limit", "文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝；请上传正常的Excel文件")
	// ErrImportTooManyRows: more than MaxImportRows data rows, or too many
	// cells.
	ErrImportTooManyRows = fault.New(fault.TooLarge, "import_too_many_rows", fmt.Sprintf("文件超过%d行，请拆分为多个文件后分批上传", MaxImportRows))
	// ErrImportEmpty: a readable workbook with a header but no data rows.
	ErrImportEmpty = fault.New(fault.Unprocessable, "import_empty", "文件中没有证书数据，请从“"+sheetCerts+"”工作表第2行起每行填写一本证书后重新上传")
	// ErrImportInvalid: rows or headers have problems; Details lists them
	// (Row, Column, Field, Message) and nothing was written.
	ErrImportInvalid = fault.New(fault.Unprocessable, "import_invalid", "文件中有错误，未登记任何证书，请修改后重新上传")
)

// MaxImportRows is the most data rows one import accepts.
const MaxImportRows = 5000

const (
	maxImportFileSize = 10 << 20
	maxImportUnzipped = 50 << 20
	maxImportRatio    = 200
	// maxImportCells bounds the cells read, blank ones included: a row
	// with one value far to the right reads as thousands of cells.
	maxImportCells = 1_000_000
	// headerSearchRows is how far down a title row may push the header.
	headerSearchRows = 10
	// maxListedProblems caps the Details of one refusal; the message
	// still gives the full count.
	maxListedProblems = 1000
)

// ImportReport is what an import did, or for a dry run would do.
type ImportReport struct {
	// Rows is the number of non-blank data rows read.
	Rows int `json:"rows"`
	// Created is the number of certificates registered (for a dry run:
	// that would be).
	Created int  `json:"created"`
	DryRun  bool `json:"dry_run"`
	// Errors lists every problem by Excel row and column header, in row
	// and column order; when there are any nothing was written.
	Errors []fault.Detail `json:"errors"`
}

// ImportExternal reads a workbook of size bytes of state certificates of
// people p may see (an enterprise admin: their own workers), found by
// their ID number, and registers them as RegisterExternal does, all in
// one transaction, each with its "registered" event and audit entry. With
// dryRun it checks everything and writes nothing.
//
// It returns ErrForbidden when p may not register certificates;
// ErrImportTooLarge, ErrImportNotXLSX, ErrImportUnzipLimit or
// ErrImportTooManyRows for a file refused as a whole; ErrImportEmpty; and
// ErrImportInvalid, with the report's Errors as its Details, when any row
// has a problem: an unreadable cell, a formula, an ID number not on p's
// roster, a name that differs from the roster's, what checkExternal
// refuses, a certificate number twice in the file or already registered.
// Database failures are internal *fault.Errors.
func (s *Store) ImportExternal(ctx context.Context, p account.Principal, r io.ReaderAt, size int64, dryRun bool) (ImportReport, error) {
	if !mayRegister(p) {
		return ImportReport{}, ErrForbidden
	}
	if s.opt.PersonByID == nil || s.opt.Holder == nil {
		return ImportReport{}, fault.Wrap(errors.New("PersonByID or Holder not configured"), "certs: import")
	}
	sheetParts, err := checkPackage(r, size)
	if err != nil {
		return ImportReport{}, err
	}
	sheet, err := readCertSheet(ctx, r, size, sheetParts)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Rows: len(sheet.rows), DryRun: dryRun, Errors: []fault.Detail{}}
	if len(sheet.problems) > 0 {
		return rep.refuse(sheet.problems)
	}
	if len(sheet.rows) == 0 {
		return rep, ErrImportEmpty
	}
	checked, problems, err := s.checkRows(ctx, p, sheet)
	if err != nil {
		return ImportReport{}, err
	}
	if len(problems) > 0 {
		return rep.refuse(problems)
	}
	if dryRun {
		rep.Created = len(checked)
		return rep, nil
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		for _, row := range checked {
			c := row.cert // a fresh copy on each try: a rolled-back try leaves its ID behind
			if err := s.insertExternal(tx, p, &c, row.idNumber); err != nil {
				if errors.Is(err, ErrDuplicate) { // registered since the check
					return importInvalid([]fault.Detail{cellProblem(row.row, colNumber, "证书编号 "+c.Number+" 已登记，不能重复登记")})
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		if fe := fault.As(err); errors.Is(err, ErrImportInvalid) {
			rep.Errors = fe.Details
		}
		return rep, err
	}
	rep.Created = len(checked)
	return rep, nil
}

// refuse returns the report and the refusal listing problems.
func (rep ImportReport) refuse(problems []fault.Detail) (ImportReport, error) {
	e := importInvalid(problems)
	rep.Errors = e.Details
	return rep, e
}

// importInvalid is the refusal listing problems in row and column order.
func importInvalid(problems []fault.Detail) *fault.Error {
	sortProblems(problems)
	n := len(problems)
	e := ErrImportInvalid.WithMessage("文件中有 %d 处错误，未登记任何证书，请修改后重新上传", n)
	if n > maxListedProblems {
		e = e.WithMessage("文件中有 %d 处错误（下面列出前 %d 处），未登记任何证书，请修改后重新上传", n, maxListedProblems)
		problems = problems[:maxListedProblems]
	}
	return e.WithDetails(problems...)
}

// checkedRow is a row ready to insert.
type checkedRow struct {
	row      int
	cert     Certificate
	idNumber string
}

// checkRows checks every row against the roster (through PersonByID and
// Holder), the kind rules (checkExternal), the rest of the file and the
// certificates already registered. It returns the certificates to insert,
// or the problems.
func (s *Store) checkRows(ctx context.Context, p account.Principal, sheet certSheet) ([]checkedRow, []fault.Detail, error) {
	today := Day(s.now())
	parsed := make([]parsedRow, len(sheet.rows))
	var numbers []string
	for i, raw := range sheet.rows {
		parsed[i] = parseRow(raw, sheet.date1904)
		if parsed[i].number != "" {
			numbers = append(numbers, parsed[i].number)
		}
	}
	taken, err := s.registeredNumbers(ctx, numbers)
	if err != nil {
		return nil, nil, err
	}
	var (
		out      []checkedRow
		problems []fault.Detail
		firstRow = make(map[string]int, len(numbers))
		holders  = map[uint]Holder{}
	)
	for i, pr := range parsed {
		if i%100 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, fault.Wrap(err, "certs: import")
			}
		}
		num := pr.num
		if pr.number != "" {
			if first, dup := firstRow[pr.number]; dup {
				pr.fail(colNumber, "与第 %d 行的证书编号重复，同一本证书只能登记一次，请删除重复的行", first)
			} else {
				firstRow[pr.number] = num
				if taken[pr.number] {
					pr.fail(colNumber, "证书编号 %s 已登记，不能重复登记", pr.number)
				}
			}
		}
		if pr.idNumber != "" {
			h, found, err := s.holderByID(ctx, p, pr.idNumber, holders)
			switch {
			case err != nil:
				return nil, nil, err
			case found != "":
				pr.fail(colIDNumber, "%s", found)
			default:
				if pr.name != "" && compactName(pr.name) != compactName(h.Name) {
					pr.fail(colName, "姓名“%s”与人员名单中该身份证号的姓名“%s”不一致，请核对", pr.name, h.Name)
				}
				pr.in.PersonID = h.PersonID
				c, details := s.checkExternal(pr.in, h, today)
				for _, d := range details {
					col := fieldColumn(d.Field)
					if col >= 0 && pr.bad[col] {
						continue // the cell was unreadable: its stand-in would only mislead
					}
					pr.fail(col, "%s", d.Message)
				}
				if len(pr.problems) == 0 {
					out = append(out, checkedRow{row: num, cert: c, idNumber: h.IDNumber})
				}
			}
		}
		problems = append(problems, pr.problems...)
	}
	return out, problems, nil
}

// holderByID finds the holder with idNumber among the people p may see.
// A number that is not there, or malformed, is a message for the row
// (with a zero Holder); other failures are errors.
func (s *Store) holderByID(ctx context.Context, p account.Principal, idNumber string, cache map[uint]Holder) (Holder, string, error) {
	id, err := s.opt.PersonByID(ctx, p, idNumber)
	if err == nil {
		if h, ok := cache[id]; ok {
			return h, "", nil
		}
		var h Holder
		if s.opt.HolderKnown != nil {
			h, err = s.opt.HolderKnown(ctx, id, idNumber)
		} else {
			h, err = s.opt.Holder(ctx, id)
		}
		if err == nil {
			cache[id] = h
			return h, "", nil
		}
	}
	fe := fault.As(err)
	switch fe.Kind {
	case fault.NotFound, fault.Forbidden:
		if p.Is(account.RoleEnterpriseAdmin) {
			return Holder{}, "该身份证号不在本企业人员名单中", nil
		}
		return Holder{}, "该身份证号不在您管辖范围内的人员名单中", nil
	case fault.Invalid, fault.Unprocessable:
		msg := fe.Message
		if len(fe.Details) > 0 {
			msg = fe.Details[0].Message
		}
		return Holder{}, fmt.Sprintf("身份证号“%s”有误：%s", idNumber, msg), nil
	}
	return Holder{}, "", err
}

// registeredNumbers returns which of numbers are already registered.
func (s *Store) registeredNumbers(ctx context.Context, numbers []string) (map[string]bool, error) {
	taken := map[string]bool{}
	for chunk := range slices.Chunk(numbers, 500) {
		var found []string
		if err := s.db.WithContext(ctx).Model(&Certificate{}).Where("number IN ?", chunk).Pluck("number", &found).Error; err != nil {
			return nil, asFault(err)
		}
		for _, n := range found {
			taken[strings.ToUpper(n)] = true
		}
	}
	return taken, nil
}

// parsedRow is one row read into an ExternalInput, with the problems
// found without the database.
type parsedRow struct {
	num      int
	in       ExternalInput
	idNumber string // normalized; "" when missing or unreadable
	name     string
	number   string // normalized certificate number; "" when unreadable
	bad      [colCount]bool
	problems []fault.Detail
}

func (pr *parsedRow) fail(col int, format string, args ...any) {
	if col >= 0 && col < colCount {
		pr.bad[col] = true
	}
	pr.problems = append(pr.problems, cellProblem(pr.num, col, fmt.Sprintf(format, args...)))
}

var (
	scientificNumber = regexp.MustCompile(`^\d+(\.\d+)?[eE]\+?\d+$`)
	residentID       = regexp.MustCompile(`^(\d{17}[\dX]|\d{15})$`)
	itemCode         = regexp.MustCompile(`^(\d{1,3}\.\d{1,3})(\s.*)?$`)
	serialNumber     = regexp.MustCompile(`^\d+(\.\d+)?$`)
	datePattern      = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	isoDateTime      = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?$`)
)

// parseRow reads one row's cells; the rules needing the roster and the
// kind table are applied by checkRows.
func parseRow(raw importRow, date1904 bool) parsedRow {
	pr := parsedRow{num: raw.num}
	for col, f := range raw.formula {
		if f {
			pr.fail(col, "不允许使用公式，请粘贴为数值")
		}
	}
	cell := func(col int) string {
		v := strings.TrimSpace(raw.cells[col])
		if pr.bad[col] || isPlaceholder(v) {
			return ""
		}
		return v
	}

	switch v := strings.ToUpper(strings.Join(strings.Fields(halfWidth(cell(colIDNumber))), "")); {
	case pr.bad[colIDNumber]:
	case v == "":
		pr.fail(colIDNumber, "请填写持证人的身份证号")
	case scientificNumber.MatchString(v):
		pr.fail(colIDNumber, "身份证号被Excel存成了数字（显示为%s），末尾几位已经丢失；请将该列设置为“文本”格式后重新输入完整号码", v)
	case strings.ContainsAny(v, "*＊"):
		pr.fail(colIDNumber, "身份证号“%s”是脱敏号码，请填写完整的身份证号", v)
	case !residentID.MatchString(v):
		pr.fail(colIDNumber, "身份证号“%s”应为18位（或15位）数字，末位可以是X", clip(v))
	default:
		pr.idNumber = v
	}

	pr.name = cell(colName)
	if pr.name == "" && !pr.bad[colName] {
		pr.fail(colName, "请填写持证人姓名")
	}

	pr.in.Kind = cell(colKind)
	if pr.in.Kind == "" && !pr.bad[colKind] {
		pr.fail(colKind, "请填写证书种类（从下拉列表选择）")
	}

	// Required cells are asked for here too: checkExternal stops at a bad
	// kind, and one round of corrections should fix the whole row.
	switch v := cell(colNumber); {
	case pr.bad[colNumber]:
	case v == "":
		pr.fail(colNumber, "请填写证书编号（字母、数字，不超过%d位）", MaxNumberLen)
	case scientificNumber.MatchString(v):
		pr.fail(colNumber, "证书编号被Excel存成了数字（显示为%s），末尾几位已经丢失；请将该列设置为“文本”格式后重新输入", v)
	case NormalizeNumber(v) == "":
		pr.fail(colNumber, "证书编号“%s”只能包含字母、数字、“-”和“/”，不超过%d位", clip(v), MaxNumberLen)
	default:
		pr.in.Number = v
		pr.number = NormalizeNumber(v)
	}

	pr.in.OperationItem = halfWidth(cell(colItem))
	if m := itemCode.FindStringSubmatch(pr.in.OperationItem); m != nil {
		pr.in.OperationItem = m[1] // "1.2 低压电工作业" names the item by its code
	}

	pr.in.IssuedOn = cellDate(cell(colIssuedOn), date1904)
	if pr.in.IssuedOn == "" && !pr.bad[colIssuedOn] {
		pr.fail(colIssuedOn, "请填写初领（发证）日期，格式如 2024-03-15")
	}
	pr.in.ValidUntil = cellDate(cell(colValidUntil), date1904)
	pr.in.NextReview = cellDate(cell(colNextReview), date1904)

	pr.in.Authority = cell(colAuthority)
	if v := pr.in.Authority; utf8.RuneCountInString(v) > 1 && strings.ContainsRune("=+-@", []rune(v)[0]) {
		pr.fail(colAuthority, "内容不能以“%c”开头（可能被表格软件当作公式执行），请删除开头的符号", []rune(v)[0])
	}
	return pr
}

// cellDate reads a date cell as checkExternal takes it (2006-01-02): an
// Excel serial number, 20240315, or text such as 2024-3-15, 2024/3/15,
// 2024.3.15 or 2024年3月15日. What it cannot read is returned as it is,
// for checkExternal to refuse with its message.
func cellDate(s string, date1904 bool) string {
	s = halfWidth(strings.TrimSpace(s))
	if m := isoDateTime.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	}
	if !serialNumber.MatchString(s) {
		return s
	}
	if len(s) == 8 && (s[:2] == "19" || s[:2] == "20") {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	serial, err := strconv.ParseFloat(s, 64)
	if err != nil || serial < 1 || serial > 2958465 || math.IsNaN(serial) {
		return s
	}
	t, err := excelize.ExcelDateToTime(math.Floor(serial), date1904)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02")
}

// compactName drops the spaces people type inside names.
func compactName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
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

// halfWidth turns full-width digits, letters and punctuation into ASCII.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

// clip shortens a cell quoted in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 30 {
		return s
	}
	return string([]rune(s)[:30]) + "…"
}

// cellProblem is a problem with one cell: Column is the header of col (no
// column for col < 0) and Message the full sentence "第 12 行 证书编号 列：…".
func cellProblem(row, col int, msg string) fault.Detail {
	d := fault.Detail{Row: row}
	if col >= 0 && col < colCount {
		c := certColumns()[col]
		d.Column, d.Field = c.header, c.field
		d.Message = fmt.Sprintf("第 %d 行 %s 列：%s", row, d.Column, msg)
		return d
	}
	d.Message = fmt.Sprintf("第 %d 行：%s", row, msg)
	return d
}

// fieldColumn is the column of an ExternalInput field as checkExternal
// names it, or -1.
func fieldColumn(field string) int {
	for i, c := range certColumns() {
		if c.field != "" && c.field == field {
			return i
		}
	}
	return -1
}

// sortProblems orders problems by row, then by column in sheet order.
func sortProblems(problems []fault.Detail) {
	order := map[string]int{}
	for i, h := range columnHeaders() {
		order[h] = i + 1
	}
	slices.SortStableFunc(problems, func(a, b fault.Detail) int {
		return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(order[a.Column], order[b.Column]))
	})
}

// checkPackage refuses what is not an .xlsx package within the limits,
// looking only at the leading bytes and the zip central directory: nothing
// is inflated. It returns how many worksheet parts the package holds.
func checkPackage(r io.ReaderAt, size int64) (int, error) {
	if size > maxImportFileSize {
		return 0, ErrImportTooLarge
	}
	if size <= 0 {
		return 0, ErrImportNotXLSX.WithMessage("上传的文件是空的，请选择填写好的证书登记文件（.xlsx）")
	}
	head := make([]byte, min(size, 2048))
	if n, err := r.ReadAt(head, 0); n < len(head) && err != nil {
		return 0, fault.Wrap(err, "certs: read upload")
	}
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) && !bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return 0, notXLSX(head)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return 0, ErrImportNotXLSX.WithMessage("文件已损坏，或不是Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}
	pkg, err := xlsxguard.Inspect(zr, maxImportUnzipped, maxImportRatio, ".xlsx", ".xls", ".csv")
	if err != nil {
		return 0, ErrImportUnzipLimit
	}
	switch {
	case pkg.Workbook:
		return pkg.Sheets, nil
	case pkg.Word:
		return 0, ErrImportNotXLSX.WithMessage("上传的是Word或PowerPoint文档，不是Excel工作簿，请下载模板填写后上传")
	case pkg.ODF:
		return 0, ErrImportNotXLSX.WithMessage("上传的是WPS或LibreOffice的.ods表格，请“另存为”Excel工作簿（.xlsx）后上传")
	case pkg.Nested:
		return 0, ErrImportNotXLSX.WithMessage("上传的是压缩包，请解压后上传其中的Excel文件（.xlsx）")
	}
	return 0, ErrImportNotXLSX.WithMessage("上传的是压缩包或其他文件，不是Excel工作簿（.xlsx），请下载模板填写后上传")
}

// notXLSX says what a file that is not a zip package seems to be.
func notXLSX(head []byte) *fault.Error {
	switch {
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return ErrImportNotXLSX.WithMessage("这是旧版Excel（.xls）文件，或设置了打开密码的文件：请在Excel中取消密码，并“另存为”Excel工作簿（.xlsx）后上传")
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(head, []byte("GIF8")):
		return ErrImportNotXLSX.WithMessage("上传的是图片，不是Excel工作簿；证书照片请在单本登记时上传，批量登记请上传.xlsx文件")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return ErrImportNotXLSX.WithMessage("上传的是PDF文件，不是Excel工作簿，请下载模板填写后上传")
	case xlsxguard.LooksLikeText(head):
		return ErrImportNotXLSX.WithMessage("上传的是CSV或文本文件，不是Excel工作簿：请用Excel打开后“另存为”Excel工作簿（.xlsx）再上传")
	}
	return ErrImportNotXLSX
}

// importRow is one non-blank data row: its Excel row number and the raw
// value of each of our columns.
type importRow struct {
	num     int
	cells   [colCount]string
	formula [colCount]bool
}

// certSheet is what readCertSheet found.
type certSheet struct {
	rows     []importRow
	problems []fault.Detail // header problems: no row was read
	date1904 bool
}

// readCertSheet opens the workbook with excelize and streams the
// certificate sheet: finds the header, maps its columns and collects the
// data rows as raw values (a date is its serial number). Cells holding a
// formula are marked, never evaluated. excelize gets unzip limits too, as
// a second line behind checkPackage, and a panic in it on a hostile file
// becomes ErrImportNotXLSX.
func readCertSheet(ctx context.Context, r io.ReaderAt, size int64, sheetParts int) (out certSheet, err error) {
	var f *excelize.File
	defer func() {
		if v := recover(); v != nil {
			out, err = certSheet{}, ErrImportNotXLSX.WithMessage("文件内容已损坏，无法读取，请在Excel中重新保存后上传")
		}
		if f != nil {
			f.Close()
		}
	}()
	f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    maxImportUnzipped,
		UnzipXMLSizeLimit: maxImportUnzipped, // keep every part in memory: bounded above, and scanned below
	})
	if err != nil {
		f = nil
		return out, ErrImportNotXLSX.WithMessage("文件已损坏，或不是有效的Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}
	sheet := xlsxguard.DataSheet(f, sheetCerts, sheetHelp)
	if sheet == "" {
		return out, ErrImportNotXLSX.WithMessage("文件中没有工作表，请下载模板填写后上传")
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		out.date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return out, ErrImportNotXLSX.WithMessage("无法读取工作表“%s”，请在Excel中重新保存后上传", clip(sheet))
	}
	defer rows.Close()

	var hdr *header
	rowNum, cellsRead := 0, 0
	for rows.Next() {
		rowNum++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return certSheet{}, ErrImportNotXLSX.WithMessage("工作表“%s”第 %d 行无法读取，请在Excel中重新保存后上传", clip(sheet), rowNum)
		}
		if cellsRead += len(cells) + 1; cellsRead > maxImportCells {
			return certSheet{}, ErrImportTooManyRows.WithMessage("工作表“%s”的单元格过多（常因整列设置了格式或内容），请只保留证书所在的行和列后重新上传", clip(sheet))
		}
		if rowNum%500 == 0 {
			if err := ctx.Err(); err != nil {
				return certSheet{}, fault.Wrap(err, "certs: read import")
			}
		}
		if hdr == nil {
			if hdr = findHeader(cells, rowNum); hdr != nil {
				if out.problems = hdr.problems; len(out.problems) > 0 {
					return out, nil // rows cannot be read without their columns
				}
				continue
			}
			if rowNum >= headerSearchRows {
				break
			}
			continue
		}
		var raw importRow
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
		if len(out.rows) >= MaxImportRows {
			return certSheet{}, ErrImportTooManyRows
		}
		raw.num = rowNum
		out.rows = append(out.rows, raw)
	}
	if err := rows.Error(); err != nil {
		return certSheet{}, ErrImportNotXLSX.WithMessage("工作表“%s”无法读取（第 %d 行以后），请在Excel中重新保存后上传", clip(sheet), rowNum)
	}
	if hdr == nil {
		out.problems = []fault.Detail{{Row: 1, Message: "第 1 行：未找到表头。第一行应为“" + strings.Join(columnHeaders(), "、") +
			"”等列名，请下载模板，在“" + sheetCerts + "”工作表中填写后重新上传"}}
		return out, nil
	}
	if xlsxguard.MayHaveFormulas(f, sheetParts) {
		markFormulas(f, sheet, hdr, out.rows)
	}
	return out, nil
}

// markFormulas flags every cell of rows, in one of our columns, that holds
// a formula.
func markFormulas(f *excelize.File, sheet string, hdr *header, rows []importRow) {
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

// header is the header row as found.
type header struct {
	row      int
	excelCol [colCount]int // 0-based Excel column of each of our columns, or -1
	problems []fault.Detail
}

// ignoredHeaders are columns people add that carry nothing to import.
var ignoredHeaders = []string{"序号", "备注"}

// normalizeHeader drops spaces, required-marks, colons and a trailing
// remark in brackets: "证书编号 *（必填）" reads as "证书编号".
func normalizeHeader(s string) string {
	for _, open := range []string{"（", "("} {
		if i := strings.Index(s, open); i > 0 {
			s = s[:i]
		}
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' || r == ':' || r == '：' {
			return -1
		}
		return r
	}, s)
}

// findHeader reads cells as the header row if at least two of them are
// known column names; otherwise it returns nil.
func findHeader(cells []string, rowNum int) *header {
	cols := certColumns()
	idx := map[string]int{}
	for i, c := range cols {
		idx[normalizeHeader(c.header)] = i
		for _, a := range c.aliases {
			idx[normalizeHeader(a)] = i
		}
	}
	known := 0
	for _, c := range cells {
		if _, ok := idx[normalizeHeader(c)]; ok {
			known++
		}
	}
	if known < 2 {
		return nil
	}
	h := &header{row: rowNum}
	for i := range h.excelCol {
		h.excelCol[i] = -1
	}
	for c, text := range cells {
		name := normalizeHeader(text)
		if name == "" || slices.Contains(ignoredHeaders, name) {
			continue
		}
		letter, _ := excelize.ColumnNumberToName(c + 1)
		col, ok := idx[name]
		switch {
		case !ok:
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: letter, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：无法识别的列名，请删除该列，或改为模板中的列名（%s）", rowNum, letter, clip(strings.TrimSpace(text)), strings.Join(columnHeaders(), "、"))})
		case h.excelCol[col] >= 0:
			first, _ := excelize.ColumnNumberToName(h.excelCol[col] + 1)
			h.problems = append(h.problems, fault.Detail{Row: rowNum, Column: letter, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：与 %s 列重复，请删除其中一列", rowNum, letter, clip(strings.TrimSpace(text)), first)})
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
