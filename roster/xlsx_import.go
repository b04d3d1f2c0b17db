package roster

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
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/ident"
	"anpei/xlsxguard"
)

// This file reads a roster workbook (.xlsx) into PersonInput rows and
// imports it. Nothing in the file is trusted: the package is checked by
// content before any parser sees it, the zip directory is checked for
// bombs before anything is inflated, formulas are refused rather than
// evaluated, and every problem is reported by the Excel row number a
// person sees, the column's Chinese header and a reason in Chinese.

// The import errors. Row problems are Details of ErrImportInvalid; the
// others refuse the file as a whole.
var (
	// ErrImportTooLarge: the file is over Limits.MaxFileSize.
	ErrImportTooLarge = fault.New(fault.TooLarge, "import_too_large", "文件超过10MB，请删除无关的工作表或拆分为多个文件后分批上传")
	// ErrImportNotXLSX: the content is not an .xlsx workbook (whatever its
	// name); the message says what it seems to be and what to do.
	ErrImportNotXLSX = fault.New(fault.Unsupported, "import_not_xlsx", "上传的文件不是Excel工作簿（.xlsx），请下载模板填写后上传")
	// ErrImportUnzipLimit: the workbook would inflate beyond
	// Limits.MaxUnzipped or compresses suspiciously well (a zip bomb).
	ErrImportUnzipLimit = fault.New(fault.TooLarge, "import_unzip_limit", "文件解压后过大或压缩比异常（疑似压缩炸弹），已拒绝；请上传正常的名单文件")
	// ErrImportTooManyRows: more than Limits.MaxRows data rows.
	ErrImportTooManyRows = fault.New(fault.TooLarge, "import_too_many_rows", "文件超过50000行，请拆分为多个文件后分批上传")
	// ErrImportEmpty: a valid workbook with a header but no data rows.
	ErrImportEmpty = fault.New(fault.Unprocessable, "import_empty", "文件中没有人员数据，请从“人员名单”工作表第2行起每行填写一人后重新上传")
	// ErrImportInvalid: rows or headers have problems; Details lists them
	// (Row, Column, Field, Message) and nothing was written.
	ErrImportInvalid = fault.New(fault.Unprocessable, "import_invalid", "文件中有错误，未导入任何数据，请修改后重新上传")
)

// Default limits of a roster upload.
const (
	defaultMaxFileSize = 10 << 20
	defaultMaxUnzipped = 100 << 20
	defaultMaxRatio    = 200
	defaultMaxRows     = 50000
	defaultMaxCells    = 5_000_000

	// headerSearchRows is how far down a title row may push the header.
	headerSearchRows = 10
	// progressEvery is how many rows pass between progress calls.
	progressEvery = 500
	// maxListedProblems caps the Details of one refusal; the message still
	// gives the full count.
	maxListedProblems = 2000
)

// Limits bounds what a roster upload may be. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	MaxFileSize int64 // bytes of the file itself
	MaxUnzipped int64 // total inflated bytes of every zip entry
	MaxRatio    int64 // inflated ÷ compressed size of any entry over 1 MiB
	MaxRows     int   // data rows (blank rows not counted)
	// MaxCells bounds the cells read, blank ones included: a row with one
	// value far to the right reads as thousands of cells, and blank rows
	// do not count toward MaxRows.
	MaxCells int
}

// DefaultLimits returns the limits ImportRoster applies: 10 MiB files,
// 100 MiB inflated, a compression ratio of 200 and 50,000 rows.
func DefaultLimits() Limits {
	return Limits{MaxFileSize: defaultMaxFileSize, MaxUnzipped: defaultMaxUnzipped, MaxRatio: defaultMaxRatio, MaxRows: defaultMaxRows, MaxCells: defaultMaxCells}
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = d.MaxUnzipped
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCells <= 0 {
		l.MaxCells = d.MaxCells
	}
	return l
}

// ParsedRoster is a roster file read into inputs.
type ParsedRoster struct {
	// People are the non-blank data rows in file order, as far as they
	// could be read; a row with problems is included with its readable
	// fields.
	People []PersonInput
	// Rows[i] is the Excel row number of People[i].
	Rows []int
	// Problems lists every problem found without the database, in row and
	// column order: Row is the Excel row, Column the Chinese header (or the
	// column letter when the header itself is at fault), Field the
	// PersonInput field, and Message a complete Chinese sentence starting
	// with "第 12 行 姓名 列：".
	Problems []fault.Detail

	numbers []string // normalized document numbers, "" where invalid
}

// ImportReport is what an import did, or would do for a dry run.
type ImportReport struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Missing are the people on duty in the enterprise whom the file does
	// not list. They are never removed; the admin marks them 离岗.
	Missing []PersonRow `json:"missing"`
}

// ParseRoster reads a roster workbook of size bytes and checks every row
// against the roster's rules (ValidatePersonInput) and the catalogue,
// without looking at the people already stored.
//
// It refuses the file as a whole with ErrImportTooLarge, ErrImportNotXLSX
// (by content: an .xls, a CSV or a picture renamed .xlsx), ErrImportUnzipLimit
// (zip bombs, checked on the zip directory before anything is inflated) or
// ErrImportTooManyRows, and returns an internal *fault.Error when the
// catalogue cannot be read. Everything wrong inside a readable file is in
// ParsedRoster.Problems instead, with a nil error.
func (s *Store) ParseRoster(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (ParsedRoster, error) {
	return s.parseRoster(ctx, r, size, lim.orDefaults(), nil)
}

// ImportRoster reads a roster workbook and puts its people on the roster of
// enterprise enterpriseID in one transaction (UpsertPeople): new identities
// are created, known ones updated, identical ones left alone. With dryRun
// it writes nothing and reports what the import would do. Either way the
// report lists the people on duty whom the file leaves out.
//
// progress, when not nil, is called every 500 rows while the file is read,
// with total the number of data rows as the sheet declares it (corrected
// upwards if the sheet under-declares; no calls if it declares nothing),
// and done kept below total; and once with done == total when the import
// or dry run has finished. Writing reports nothing in between: on a
// 20,000-row file reading takes about a third of the time and writing
// most of the rest, so a page should say "正在写入" once done stops moving.
//
// It returns ErrEnterpriseNotFound when p may not see the enterprise and
// ErrForbidden when p may not change its people (both before the file is
// read); the file-level errors of ParseRoster; ErrImportEmpty; and
// ErrImportInvalid, whose Details list every problem (including people on
// duty in another enterprise and impossible duty changes), with nothing
// written. Database failures are internal *fault.Errors.
func (s *Store) ImportRoster(ctx context.Context, p account.Principal, enterpriseID uint, file io.ReaderAt, size int64, dryRun bool, progress func(done, total int)) (ImportReport, error) {
	db := s.db.WithContext(ctx)
	if _, err := visibleEnterprise(db, p, enterpriseID); err != nil {
		return ImportReport{}, err
	}
	if !mayEditPeopleOf(p, enterpriseID) {
		return ImportReport{}, ErrForbidden
	}
	parsed, err := s.parseRoster(ctx, file, size, DefaultLimits(), progress)
	if err != nil {
		return ImportReport{}, err
	}
	if len(parsed.People) == 0 && len(parsed.Problems) == 0 {
		return ImportReport{}, ErrImportEmpty
	}

	// The rows the database is asked about: those with no problem so far.
	bad := make(map[int]bool, len(parsed.Problems))
	for _, d := range parsed.Problems {
		bad[d.Row] = true
	}
	var (
		good     []PersonInput
		goodRows []int
		hashes   []string
	)
	for i, in := range parsed.People {
		if bad[parsed.Rows[i]] {
			continue
		}
		good = append(good, in)
		goodRows = append(goodRows, parsed.Rows[i])
		hashes = append(hashes, s.keys.Hash(parsed.numbers[i]))
	}
	problems := parsed.Problems
	total := len(parsed.People)
	if total == 0 {
		total = 1 // so the final call still reads as finished
	}

	if len(problems) > 0 || dryRun {
		// Check the good rows against the stored people too, so one round
		// of corrections fixes everything.
		var plans []importPlan
		if len(good) > 0 {
			var dbProblems []fault.Detail
			plans, dbProblems, err = s.planRows(db, enterpriseID, good)
			if err != nil {
				return ImportReport{}, err
			}
			problems = append(problems, atRows(dbProblems, goodRows)...)
		}
		if len(problems) > 0 {
			return ImportReport{}, importInvalid(problems)
		}
		rep := countPlans(plans, enterpriseID)
		if rep.Missing, err = s.MissingFrom(ctx, p, enterpriseID, hashes); err != nil {
			return ImportReport{}, err
		}
		report(progress, total, total)
		return rep, nil
	}

	res, err := s.UpsertPeople(ctx, p, enterpriseID, good)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) && (errors.Is(err, ErrImportRejected) || errors.Is(err, ErrPersonInOtherEnterprise)) {
			return ImportReport{}, importInvalid(atRows(fe.Details, goodRows))
		}
		return ImportReport{}, err
	}
	rep := ImportReport{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged}
	if rep.Missing, err = s.MissingFrom(ctx, p, enterpriseID, hashes); err != nil {
		return ImportReport{}, err
	}
	report(progress, total, total)
	return rep, nil
}

// planRows checks rows against the stored people without writing and
// returns the plan, or the problems (Row = 1-based position in rows).
func (s *Store) planRows(db *gorm.DB, enterpriseID uint, rows []PersonInput) ([]importPlan, []fault.Detail, error) {
	items, err := operationItemSet(db)
	if err != nil {
		return nil, nil, err
	}
	plans, err := s.planImport(db, enterpriseID, rows, s.Today(), items)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) && (errors.Is(err, ErrImportRejected) || errors.Is(err, ErrPersonInOtherEnterprise)) {
			return nil, fe.Details, nil
		}
		return nil, nil, err
	}
	return plans, nil, nil
}

// countPlans says what applyImport would do with plans.
func countPlans(plans []importPlan, enterpriseID uint) ImportReport {
	var rep ImportReport
	for _, pl := range plans {
		if pl.existing == nil {
			rep.Created++
			continue
		}
		after, _, _ := mergeImported(*pl.existing, pl.c.in, enterpriseID)
		if samePerson(*pl.existing, after) {
			rep.Unchanged++
		} else {
			rep.Updated++
		}
	}
	return rep
}

// atRows turns details about positions in a slice of rows (Row 1 is
// rows[0]) into details about Excel rows, with the column and a full
// sentence.
func atRows(details []fault.Detail, excelRows []int) []fault.Detail {
	out := make([]fault.Detail, 0, len(details))
	for _, d := range details {
		row := 0
		if d.Row >= 1 && d.Row <= len(excelRows) {
			row = excelRows[d.Row-1]
		}
		out = append(out, cellProblem(row, fieldColumn(d.Field), d.Field, d.Message))
	}
	return out
}

// importInvalid is the refusal listing problems in row and column order.
func importInvalid(problems []fault.Detail) *fault.Error {
	sortProblems(problems)
	n := len(problems)
	e := ErrImportInvalid.WithMessage("文件中有 %d 处错误，未导入任何数据，请修改后重新上传", n)
	if n > maxListedProblems {
		e = e.WithMessage("文件中有 %d 处错误（下面列出前 %d 处），未导入任何数据，请修改后重新上传", n, maxListedProblems)
		problems = problems[:maxListedProblems]
	}
	return e.WithDetails(problems...)
}

func report(progress func(done, total int), done, total int) {
	if progress != nil {
		progress(done, total)
	}
}

// parseRoster is ParseRoster with a progress callback; lim has its
// defaults filled in.
func (s *Store) parseRoster(ctx context.Context, r io.ReaderAt, size int64, lim Limits, progress func(done, total int)) (ParsedRoster, error) {
	sheetParts, err := checkPackage(r, size, lim)
	if err != nil {
		return ParsedRoster{}, err
	}
	items, err := s.OperationItems(ctx)
	if err != nil {
		return ParsedRoster{}, err
	}
	cats, err := s.OperationCategories(ctx)
	if err != nil {
		return ParsedRoster{}, err
	}
	sheet, err := readRosterSheet(ctx, r, size, lim, sheetParts, progress)
	if err != nil {
		return ParsedRoster{}, err
	}
	out := ParsedRoster{
		People:   make([]PersonInput, 0, len(sheet.rows)),
		Rows:     make([]int, 0, len(sheet.rows)),
		Problems: sheet.problems,
		numbers:  make([]string, 0, len(sheet.rows)),
	}
	rp := newRowParser(s.Today(), sheet.date1904, newCatalogue(items, cats))
	parsed := parseRows(rp, sheet.rows)
	firstRow := make(map[string]int, len(sheet.rows))
	for i, raw := range sheet.rows {
		if i%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return ParsedRoster{}, fault.Wrap(err, "roster: parse roster")
			}
		}
		in, number, problems := parsed[i].in, parsed[i].number, parsed[i].problems
		if number != "" {
			key := string(cmp.Or(in.DocType, ident.DocResidentID)) + "|" + number
			if first, dup := firstRow[key]; dup {
				problems = append(problems, cellProblem(raw.num, colDocNumber, FieldDocNumber,
					fmt.Sprintf("与第 %d 行的证件号码重复，同一人在文件中只能出现一次，请删除重复的行", first)))
			} else {
				firstRow[key] = raw.num
			}
		}
		out.People = append(out.People, in)
		out.Rows = append(out.Rows, raw.num)
		out.numbers = append(out.numbers, number)
		out.Problems = append(out.Problems, problems...)
	}
	sortProblems(out.Problems)
	return out, nil
}

// parsedRow is one row after rowParser.parse.
type parsedRow struct {
	in       PersonInput
	number   string
	problems []fault.Detail
}

// parseRows parses the rows on every core: each row is read on its own
// (rowParser only reads the catalogue); duplicates across rows are found
// afterwards, in order.
func parseRows(rp *rowParser, rows []rawRow) []parsedRow {
	out := make([]parsedRow, len(rows))
	eachIndex(len(rows), func(i int) {
		out[i].in, out[i].number, out[i].problems = rp.parse(rows[i])
	})
	return out
}

// checkPackage refuses what is not an .xlsx package within the limits,
// looking only at the leading bytes and the zip central directory: nothing
// is inflated. It returns how many worksheet parts the package holds.
func checkPackage(r io.ReaderAt, size int64, lim Limits) (int, error) {
	if size > lim.MaxFileSize {
		return 0, ErrImportTooLarge.WithMessage("文件超过%dMB，请删除无关的工作表或拆分为多个文件后分批上传", lim.MaxFileSize>>20)
	}
	if size <= 0 {
		return 0, ErrImportNotXLSX.WithMessage("上传的文件是空的，请选择填写好的名单文件（.xlsx）")
	}
	head := make([]byte, min(size, 2048))
	if n, err := r.ReadAt(head, 0); n < len(head) && err != nil {
		return 0, fault.Wrap(err, "roster: read upload")
	}
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) && !bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return 0, notXLSX(head)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return 0, ErrImportNotXLSX.WithMessage("文件已损坏，或不是Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}
	pkg, err := xlsxguard.Inspect(zr, lim.MaxUnzipped, lim.MaxRatio, ".xlsx", ".xls", ".csv")
	if err != nil {
		return 0, ErrImportUnzipLimit
	}
	switch {
	case pkg.Workbook:
		return pkg.Sheets, nil
	case pkg.Word:
		return 0, ErrImportNotXLSX.WithMessage("上传的是Word或PowerPoint文档，不是Excel工作簿，请上传.xlsx格式的名单")
	case pkg.ODF:
		return 0, ErrImportNotXLSX.WithMessage("上传的是WPS或LibreOffice的.ods表格，请“另存为”Excel工作簿（.xlsx）后上传")
	case pkg.Nested:
		return 0, ErrImportNotXLSX.WithMessage("上传的是压缩包，请解压后上传其中的Excel名单文件（.xlsx）")
	}
	return 0, ErrImportNotXLSX.WithMessage("上传的是压缩包或其他文件，不是Excel工作簿（.xlsx），请下载模板填写后上传")
}

// notXLSX says what a file that is not a zip package seems to be.
func notXLSX(head []byte) *fault.Error {
	switch {
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return ErrImportNotXLSX.WithMessage("这是旧版Excel（.xls）文件，或设置了打开密码的文件：请在Excel中取消密码，并“另存为”Excel工作簿（.xlsx）后上传")
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}),
		bytes.HasPrefix(head, []byte("GIF8")), bytes.HasPrefix(head, []byte("RIFF")),
		bytes.HasPrefix(head, []byte("BM")) && !xlsxguard.LooksLikeText(head): // a CSV may start "BMW,…"
		return ErrImportNotXLSX.WithMessage("上传的是图片，不是Excel工作簿，请上传.xlsx格式的名单文件")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return ErrImportNotXLSX.WithMessage("上传的是PDF文件，不是Excel工作簿，请上传.xlsx格式的名单文件")
	case bytes.HasPrefix(head, []byte("Rar!")), bytes.HasPrefix(head, []byte("7z\xBC\xAF")), bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return ErrImportNotXLSX.WithMessage("上传的是压缩包，请解压后上传其中的Excel名单文件（.xlsx）")
	case xlsxguard.LooksLikeText(head):
		return ErrImportNotXLSX.WithMessage("上传的是CSV或文本文件，不是Excel工作簿：请用Excel打开后“另存为”Excel工作簿（.xlsx）再上传")
	}
	return ErrImportNotXLSX
}

// rawRow is one non-blank data row: the Excel row number and the raw
// value of each importable column.
type rawRow struct {
	num     int
	cells   [colCount]string
	formula [colCount]bool
}

// rosterSheet is what readRosterSheet found.
type rosterSheet struct {
	rows     []rawRow
	problems []fault.Detail
	date1904 bool
}

// readRosterSheet opens the workbook with excelize and streams the roster
// sheet: finds the header, maps its columns and collects the data rows
// (raw values: a date is its serial number, never a formatted string).
// Cells holding a formula are marked, never evaluated. excelize is given
// unzip limits too, as a second line behind checkPackage, and a panic in
// it on a hostile file is turned into ErrImportNotXLSX.
func readRosterSheet(ctx context.Context, r io.ReaderAt, size int64, lim Limits, sheetParts int, progress func(done, total int)) (out rosterSheet, err error) {
	var f *excelize.File
	defer func() {
		if v := recover(); v != nil {
			out, err = rosterSheet{}, ErrImportNotXLSX.WithMessage("文件内容已损坏，无法读取，请在Excel中重新保存后上传")
		}
		if f != nil {
			f.Close()
		}
	}()
	f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxUnzipped,
		UnzipXMLSizeLimit: lim.MaxUnzipped, // keep every part in memory: bounded above, and scanned below
	})
	if err != nil {
		f = nil
		return out, ErrImportNotXLSX.WithMessage("文件已损坏，或不是有效的Excel工作簿（.xlsx），请在Excel中重新保存后上传")
	}

	sheet := xlsxguard.DataSheet(f, sheetPeople, sheetHelp, sheetCodes)
	if sheet == "" {
		return out, ErrImportNotXLSX.WithMessage("文件中没有工作表，请下载模板填写后上传")
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		out.date1904 = *props.Date1904
	}
	declared := declaredRows(f, sheet)
	rows, err := f.Rows(sheet)
	if err != nil {
		return out, ErrImportNotXLSX.WithMessage("无法读取工作表“%s”，请在Excel中重新保存后上传", sheet)
	}
	defer rows.Close()

	var (
		hdr      *header
		rowNum   int
		dataRows int
	)
	cellsRead := 0
	for rows.Next() {
		rowNum++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return out, ErrImportNotXLSX.WithMessage("工作表“%s”第 %d 行无法读取，请在Excel中重新保存后上传", sheet, rowNum)
		}
		if cellsRead += len(cells) + 1; cellsRead > lim.MaxCells {
			return rosterSheet{}, ErrImportTooManyRows.WithMessage("工作表“%s”的单元格过多（读到第 %d 行已超过 %d 个，可能有大量空白行或名单以外的列），请只保留名单各列后重新上传", sheet, rowNum, lim.MaxCells)
		}
		if rowNum%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return rosterSheet{}, fault.Wrap(err, "roster: read roster")
			}
		}
		if hdr == nil {
			if h := findHeader(cells, rowNum); h != nil {
				hdr = h
				if out.problems = h.problems(); len(out.problems) > 0 {
					return out, nil // rows cannot be read without their columns
				}
				continue
			}
			if rowNum >= headerSearchRows {
				break
			}
			continue
		}
		var raw rawRow
		blank := true
		for i, c := range hdr.excelCol {
			if c < 0 || c >= len(cells) {
				continue
			}
			v := cells[c]
			raw.cells[i] = v
			if strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if dataRows++; dataRows > lim.MaxRows {
			return rosterSheet{}, ErrImportTooManyRows.WithMessage("文件超过%d行，请拆分为多个文件后分批上传", lim.MaxRows)
		}
		if dataRows%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return rosterSheet{}, fault.Wrap(err, "roster: read roster")
			}
			if declared > 0 {
				report(progress, dataRows, max(declared-hdr.row, dataRows+1))
			}
		}
		raw.num = rowNum
		out.rows = append(out.rows, raw)
	}
	if hdr == nil {
		out.problems = []fault.Detail{{Row: 1, Message: "第 1 行：未找到表头。第一行应为“" + strings.Join(headers(), "、") +
			"”等列名，请下载模板，将名单粘贴到“人员名单”工作表后重新上传"}}
		return out, nil
	}
	if xlsxguard.MayHaveFormulas(f, sheetParts) {
		markFormulas(f, sheet, hdr, out.rows)
	}
	return out, nil
}

// declaredRows is the last row of sheet as its dimension declares it, or 0
// when it declares none. It is only an estimate for progress: the
// dimension is read from the top of the sheet without loading it.
func declaredRows(f *excelize.File, sheet string) int {
	ref, err := f.GetSheetDimension(sheet)
	if err != nil || ref == "" {
		return 0
	}
	_, last, _ := strings.Cut(ref, ":")
	_, row, err := excelize.CellNameToCoordinates(last)
	if err != nil {
		return 0
	}
	return row
}

// markFormulas flags every cell of rows, in an importable column, that
// holds a formula.
func markFormulas(f *excelize.File, sheet string, hdr *header, rows []rawRow) {
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

// header is the roster sheet's header row.
type header struct {
	row      int
	excelCol [colCount]int // Excel column (0-based) of each of our columns, or -1
	unknown  []fault.Detail
}

// headers returns the Chinese headers of the importable columns.
func headers() []string {
	cols := rosterColumns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header
	}
	return out
}

// headerIndex maps a normalized header or alias to its column; the export's
// 所在单位 column maps to colEnterprise.
func headerIndex() map[string]int {
	idx := map[string]int{}
	cols := append(rosterColumns(), enterpriseColumn())
	for i, c := range cols {
		idx[normalizeHeader(c.header)] = i
		for _, a := range c.aliases {
			idx[normalizeHeader(a)] = i
		}
	}
	return idx
}

// normalizeHeader drops spaces, required-marks and a trailing remark in
// brackets: "证件号码 *（必填）" reads as "证件号码".
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
	idx := headerIndex()
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
	cols := rosterColumns()
	for c, text := range cells {
		name := normalizeHeader(text)
		if name == "" {
			continue
		}
		letter, _ := excelize.ColumnNumberToName(c + 1)
		col, ok := idx[name]
		switch {
		case !ok:
			h.unknown = append(h.unknown, fault.Detail{Row: rowNum, Column: strings.TrimSpace(text), Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：无法识别的列名，请删除该列，或改为模板中的列名（%s）", rowNum, letter, strings.TrimSpace(text), strings.Join(headers(), "、"))})
		case col == colEnterprise:
			// Exported files carry it; imports go to the chosen enterprise.
		case h.excelCol[col] >= 0:
			first, _ := excelize.ColumnNumberToName(h.excelCol[col] + 1)
			h.unknown = append(h.unknown, fault.Detail{Row: rowNum, Column: cols[col].header, Message: fmt.Sprintf(
				"第 %d 行 %s 列“%s”：与 %s 列重复，请删除其中一列", rowNum, letter, strings.TrimSpace(text), first)})
		default:
			h.excelCol[col] = c
		}
	}
	return h
}

// problems lists the unknown, repeated and missing columns.
func (h *header) problems() []fault.Detail {
	out := slices.Clone(h.unknown)
	for i, c := range rosterColumns() {
		if c.required && h.excelCol[i] < 0 {
			out = append(out, fault.Detail{Row: h.row, Column: c.header, Message: fmt.Sprintf(
				"第 %d 行：缺少“%s”列，请使用下载的模板，或在表头中补上该列", h.row, c.header)})
		}
	}
	return out
}

// catalogue is the special-operation catalogue as the importer reads it.
type catalogue struct {
	byCode   map[string]OperationItem
	byName   map[string]string // normalized item name → code
	category map[string]string // normalized category name, or code → category code
	example  map[string]string // category code → its first item, for messages
	all      map[string]bool   // every code → true: activity is checked by UpsertPeople, which knows who keeps an old item
}

func newCatalogue(items []OperationItem, cats []OperationCategory) *catalogue {
	c := &catalogue{
		byCode:   make(map[string]OperationItem, len(items)),
		byName:   make(map[string]string, len(items)),
		category: make(map[string]string, 2*len(cats)),
		example:  make(map[string]string, len(cats)),
		all:      make(map[string]bool, len(items)),
	}
	for _, it := range items {
		c.byCode[it.Code] = it
		c.byName[normalizeName(it.Name)] = it.Code
		c.all[it.Code] = true
		if _, ok := c.example[it.CategoryCode]; !ok && it.Active {
			c.example[it.CategoryCode] = itemOption(it)
		}
	}
	for _, cat := range cats {
		c.category[normalizeName(cat.Name)] = cat.Code
		c.category[cat.Code] = cat.Code
	}
	return c
}

// normalizeName makes catalogue names comparable: no spaces, Chinese
// brackets.
func normalizeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '(':
			return '（'
		case r == ')':
			return '）'
		}
		return r
	}, s)
}

var (
	itemCodePattern  = regexp.MustCompile(`^(\d{1,3}\.\d{1,3})\s*(.*)$`)
	codeListPattern  = regexp.MustCompile(`^\d{1,3}\.\d{1,3}(\s+\d{1,3}\.\d{1,3})+$`)
	numberPattern    = regexp.MustCompile(`^\d+(\.\d+)?$`)
	scientificNumber = regexp.MustCompile(`^\d+(\.\d+)?[eE]\+?\d+$`)
	datePattern      = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	isoDateTime      = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$`)
)

// resolve returns the code of one operation item written as a code ("1.1"),
// a name ("高压电工作业") or both ("1.1 高压电工作业").
func (c *catalogue) resolve(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if m := itemCodePattern.FindStringSubmatch(s); m != nil {
		it, ok := c.byCode[m[1]]
		if !ok {
			return "", false
		}
		if m[2] == "" || normalizeName(m[2]) == normalizeName(it.Name) {
			return it.Code, true
		}
		return "", false
	}
	code, ok := c.byName[normalizeName(s)]
	return code, ok
}

// diagnose says why s is not an operation item.
func (c *catalogue) diagnose(s string) string {
	s = strings.TrimSpace(s)
	if m := itemCodePattern.FindStringSubmatch(s); m != nil {
		if it, ok := c.byCode[m[1]]; ok {
			return fmt.Sprintf("准操项目“%s”的代码与名称不一致（%s 是“%s”），请从下拉列表中选择", s, it.Code, it.Name)
		}
		return fmt.Sprintf("准操项目代码“%s”不在特种作业目录中，请从下拉列表中选择", m[1])
	}
	if cat, ok := c.category[normalizeName(s)]; ok {
		msg := fmt.Sprintf("“%s”是作业类别，请填写具体的准操项目", s)
		if ex := c.example[cat]; ex != "" {
			msg += fmt.Sprintf("，如“%s”", ex)
		}
		return msg
	}
	return fmt.Sprintf("准操项目“%s”不在特种作业目录中，请从下拉列表中选择，或填写代码（如1.1）", s)
}

// items reads a cell listing operation items. Names may themselves hold
// "、" (3.2 高处安装、维护、拆除作业), so pieces split there are joined
// back, longest match first.
func (c *catalogue) items(cell string) (codes []string, problems []string) {
	var parts []string
	for _, p := range splitList(cell) {
		if codeListPattern.MatchString(p) {
			parts = append(parts, strings.Fields(p)...)
			continue
		}
		parts = append(parts, p)
	}
	for i := 0; i < len(parts); {
		matched := false
		for j := min(len(parts), i+4); j > i; j-- {
			if code, ok := c.resolve(strings.Join(parts[i:j], "、")); ok {
				codes = append(codes, code)
				i, matched = j, true
				break
			}
		}
		if !matched {
			problems = append(problems, c.diagnose(parts[i]))
			i++
		}
	}
	return codes, problems
}

// splitList splits a cell listing several values on 、 , ， ; ； and line
// breaks, dropping empty pieces.
func splitList(s string) []string {
	fields := strings.FieldsFunc(s, isListSeparator)
	out := fields[:0]
	for _, f := range fields {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func isListSeparator(r rune) bool {
	switch r {
	case '、', ',', '，', ';', '；', '\n', '\r':
		return true
	}
	return false
}

// rowParser turns raw rows into inputs and problems.
type rowParser struct {
	today    time.Time
	date1904 bool
	cat      *catalogue
}

func newRowParser(today time.Time, date1904 bool, cat *catalogue) *rowParser {
	return &rowParser{today: today, date1904: date1904, cat: cat}
}

// parse reads one row. It returns the input, the normalized document
// number when the number is valid ("" otherwise) and the row's problems.
func (rp *rowParser) parse(raw rawRow) (PersonInput, string, []fault.Detail) {
	var (
		in       PersonInput
		problems []fault.Detail
		bad      [colCount]bool
	)
	fail := func(col int, format string, args ...any) {
		bad[col] = true
		problems = append(problems, cellProblem(raw.num, col, rosterColumns()[col].field, fmt.Sprintf(format, args...)))
	}
	for col := range raw.formula {
		if raw.formula[col] {
			fail(col, "不允许使用公式，请粘贴为数值")
		}
	}
	cell := func(col int) string {
		v := strings.TrimSpace(raw.cells[col])
		if bad[col] || isPlaceholder(v) {
			return ""
		}
		return v
	}

	if v := cell(colDocType); v != "" {
		if t, ok := parseDocType(v); ok {
			in.DocType = t
		} else {
			in.DocType = "?"
			fail(colDocType, "证件类型“%s”无法识别，请从下拉列表中选择（%s）", v, strings.Join(docTypeLabels(), "、"))
		}
	}
	in.DocNumber = cell(colDocNumber)
	switch {
	case bad[colDocNumber]:
	case scientificNumber.MatchString(in.DocNumber):
		fail(colDocNumber, "证件号码被Excel存成了数字（显示为%s），末尾几位已经丢失；请将该列设置为“文本”格式后重新输入完整号码", in.DocNumber)
	case strings.ContainsAny(in.DocNumber, "*＊"):
		fail(colDocNumber, "证件号码“%s”是脱敏号码，不能导入；请填写完整的证件号码", in.DocNumber)
	}
	in.Name = cell(colName)
	in.Position = cell(colPosition)
	for _, col := range []int{colName, colPosition} {
		if v := cell(col); utf8.RuneCountInString(v) > 1 && strings.ContainsRune("=+-@", []rune(v)[0]) {
			fail(col, "内容不能以“%c”开头（可能被表格软件当作公式执行），请删除开头的符号", []rune(v)[0])
		}
	}
	in.Phone = cell(colPhone)
	if v := cell(colEducation); v != "" {
		if e, ok := parseEducation(v); ok {
			in.Education = e
		} else {
			in.Education = "?"
			fail(colEducation, "学历“%s”无法识别，请从下拉列表中选择（%s）", v, strings.Join(educationLabels(), "、"))
		}
	}
	if v := cell(colCategories); v != "" {
		// Category names hold no spaces or slashes, so those separate too.
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return isListSeparator(r) || unicode.IsSpace(r) || r == '/' || r == '／' }) {
			if c, ok := parseCategory(part); ok {
				in.Categories |= c
			} else {
				fail(colCategories, "人员类别“%s”无法识别，只能填写%s，多个类别用顿号“、”分隔", part, strings.Join(categoryLabels(), "、"))
			}
		}
	}
	if v := cell(colItems); v != "" {
		codes, msgs := rp.cat.items(v)
		in.OperationItems = codes
		for _, m := range msgs {
			fail(colItems, "%s", m)
		}
	}
	if v := cell(colDutyStatus); v != "" {
		if d, ok := parseDutyStatus(v); ok {
			in.DutyStatus = d
		} else {
			in.DutyStatus = "?"
			fail(colDutyStatus, "在岗状态“%s”无法识别，请从下拉列表中选择（%s）", v, strings.Join(dutyStatusLabels(), "、"))
		}
	}
	for _, col := range []int{colAppointedOn, colLeftOn} {
		d, msg := parseDate(cell(col), rp.date1904)
		if msg != "" {
			fail(col, "%s", msg)
		}
		if col == colAppointedOn {
			in.AppointedOn = d
		} else {
			in.LeftOn = d
		}
	}
	if v := cell(colEmployment); v != "" {
		if k, ok := parseEmployment(v); ok {
			in.EmploymentKind = k
		} else {
			in.EmploymentKind = "?"
			fail(colEmployment, "用工形式“%s”无法识别，请从下拉列表中选择（%s）", v, strings.Join(employmentLabels(), "、"))
		}
	}

	// The roster's own rules, except where this row's cell was already
	// found unreadable: the stand-in value would only cause a second,
	// misleading message.
	for _, d := range ValidatePersonInput(in, rp.today, rp.cat.all) {
		col := fieldColumn(d.Field)
		switch {
		case col >= 0 && bad[col]:
			continue
		case d.Field == FieldOperationItems && bad[colCategories]:
			continue
		case (d.Field == FieldAppointedOn || d.Field == FieldLeftOn) && bad[colDutyStatus]:
			continue
		}
		problems = append(problems, cellProblem(raw.num, col, d.Field, d.Message))
		if col >= 0 {
			bad[col] = true
		}
	}
	number := ""
	if !bad[colDocNumber] && !bad[colDocType] {
		if id, err := ident.ParseID(cmp.Or(in.DocType, ident.DocResidentID), in.DocNumber, rp.today); err == nil {
			number = id.Number
		}
	}
	return in, number, problems
}

// isPlaceholder reports whether v is a dash or slash that people type to
// mean "nothing here".
func isPlaceholder(v string) bool {
	switch v {
	case "-", "－", "—", "——", "/", "／":
		return true
	}
	return false
}

// cellProblem is a problem with one cell: Column is the header of col (or
// empty for col < 0), and Message the full sentence.
func cellProblem(row, col int, field, msg string) fault.Detail {
	d := fault.Detail{Row: row, Field: field}
	switch {
	case col >= 0 && col < colCount:
		d.Column = rosterColumns()[col].header
		d.Message = fmt.Sprintf("第 %d 行 %s 列：%s", row, d.Column, msg)
	case row > 0:
		d.Message = fmt.Sprintf("第 %d 行：%s", row, msg)
	default:
		d.Message = msg
	}
	return d
}

// fieldColumn is the column holding a PersonInput field, or -1. Sex and
// birth date come from the document number.
func fieldColumn(field string) int {
	switch field {
	case FieldDocType:
		return colDocType
	case FieldDocNumber, FieldSex, FieldBirthDate:
		return colDocNumber
	case FieldName:
		return colName
	case FieldPhone:
		return colPhone
	case FieldEducation:
		return colEducation
	case FieldCategories:
		return colCategories
	case FieldOperationItems:
		return colItems
	case FieldPosition:
		return colPosition
	case FieldDutyStatus:
		return colDutyStatus
	case FieldAppointedOn:
		return colAppointedOn
	case FieldLeftOn:
		return colLeftOn
	case FieldEmploymentKind:
		return colEmployment
	}
	return -1
}

// sortProblems orders problems by row, then by column in sheet order.
func sortProblems(problems []fault.Detail) {
	order := make(map[string]int, colCount)
	for i, h := range headers() {
		order[h] = i + 1
	}
	slices.SortStableFunc(problems, func(a, b fault.Detail) int {
		return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(order[a.Column], order[b.Column]))
	})
}

// parseDate reads a date cell: an Excel serial number or text such as
// 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日 or 20240301. It returns nil
// and no message for an empty cell, and a Chinese message for anything
// else it cannot read.
func parseDate(s string, date1904 bool) (*time.Time, string) {
	s = halfWidth(strings.TrimSpace(s))
	if s == "" {
		return nil, ""
	}
	if m := isoDateTime.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	var y, mo, d int
	switch m := datePattern.FindStringSubmatch(s); {
	case m != nil:
		y, _ = strconv.Atoi(m[1])
		mo, _ = strconv.Atoi(m[2])
		d, _ = strconv.Atoi(m[3])
	case len(s) == 8 && numberPattern.MatchString(s) && (s[:2] == "19" || s[:2] == "20"):
		y, _ = strconv.Atoi(s[:4])
		mo, _ = strconv.Atoi(s[4:6])
		d, _ = strconv.Atoi(s[6:])
	case numberPattern.MatchString(s):
		serial, err := strconv.ParseFloat(s, 64)
		if err != nil || serial < 1 || serial > 2958465 || math.IsNaN(serial) {
			return nil, fmt.Sprintf("“%s”不是有效的日期，请按2024-03-01的格式填写", s)
		}
		t, err := excelize.ExcelDateToTime(math.Floor(serial), date1904)
		if err != nil {
			return nil, fmt.Sprintf("“%s”不是有效的日期，请按2024-03-01的格式填写", s)
		}
		y, mo, d = t.Year(), int(t.Month()), t.Day()
	default:
		return nil, fmt.Sprintf("“%s”不是可识别的日期，请按2024-03-01、2024/3/1或2024年3月1日的格式填写", s)
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return nil, fmt.Sprintf("日期“%s”不存在（没有%d月%d日这一天），请核对", s, mo, d)
	}
	if y < 1900 {
		return nil, fmt.Sprintf("日期“%s”早于1900年，请核对", s)
	}
	return &t, ""
}

// halfWidth turns full-width digits and punctuation into ASCII.
func halfWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

func parseDocType(s string) (ident.DocType, bool) {
	switch normalizeName(s) {
	case "身份证", "二代身份证", "居民身份证", "中华人民共和国居民身份证":
		return ident.DocResidentID, true
	case "居住证", "港澳台居民居住证", "港澳居民居住证", "台湾居民居住证":
		return ident.DocHKMacaoTaiwanPermit, true
	case "永久居留身份证", "外国人永久居留身份证", "外国人永久居留证":
		return ident.DocForeignPermanent, true
	case "护照":
		return ident.DocPassport, true
	}
	for _, t := range ident.DocTypes() {
		if s == string(t) {
			return t, true
		}
	}
	return "", false
}

func parseEducation(s string) (Education, bool) {
	switch normalizeName(s) {
	case "小学", "小学及以下", "文盲", "无":
		return EduPrimary, true
	case "高中", "中专", "技校", "职高", "中技", "高中/中专/技校", "高中及中专", "高中（中专）":
		return EduSenior, true
	case "专科", "大学专科", "高职":
		return EduCollege, true
	case "大学", "大学本科":
		return EduBachelor, true
	case "研究生", "硕士", "博士", "硕士研究生", "博士研究生":
		return EduPostgraduate, true
	}
	return ParseEducation(s)
}

func parseCategory(s string) (Category, bool) {
	switch normalizeName(s) {
	case "安全员", "专职安全员", "安全管理员", "安全生产管理人员":
		return CategorySafetyManager, true
	case "负责人", "主要负责人":
		return CategoryPrincipal, true
	}
	return ParseCategory(s)
}

func parseDutyStatus(s string) (DutyStatus, bool) {
	switch normalizeName(s) {
	case "在职":
		return DutyOn, true
	case "离职", "已离岗":
		return DutyOff, true
	case "未上岗":
		return DutyPending, true
	}
	return ParseDutyStatus(s)
}

func parseEmployment(s string) (EmploymentKind, bool) {
	switch normalizeName(s) {
	case "正式工", "正式员工", "合同工", "劳动合同":
		return EmployFormal, true
	case "派遣", "劳务派遣工":
		return EmployDispatched, true
	case "实习生":
		return EmployIntern, true
	case "外包人员", "业务外包":
		return EmployOutsourced, true
	}
	return ParseEmploymentKind(s)
}
