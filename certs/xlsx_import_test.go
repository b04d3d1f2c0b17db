package certs

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/fault"
)

// templateHeaders is the header row the brief for the workbook names.
var templateHeaders = []string{"身份证号", "姓名", "证书种类", "证书编号", "准操项目代码", "初领日期", "有效期至", "下次复审日期", "发证机关"}

// fixtureTown is the town of the fixture's enterprises.
var fixtureTown = map[uint]string{1: "T1", 2: "T2"}

// importStore is testStore with the fixture's PersonByID: the fixture
// person with the number, if p may see them.
func importStore(t *testing.T, gdb *gorm.DB, c *clock) *Store {
	t.Helper()
	st, _ := testStore(t, gdb, c)
	st.opt.PersonByID = fixturePersonByID
	return st
}

func fixturePersonByID(_ context.Context, p account.Principal, number string) (uint, error) {
	for _, fp := range fixture {
		if fp.idNumber != number {
			continue
		}
		switch {
		case p.Is(account.RoleAdmin),
			p.Is(account.RoleEnterpriseAdmin) && p.EnterpriseID == fp.enterprise,
			p.Is(account.RoleRegulator) && p.JurisdictionCode == fixtureTown[fp.enterprise]:
			return fp.id, nil
		}
	}
	return 0, fault.New(fault.NotFound, "person_not_found", "人员不存在")
}

// fileOnlyStore is a store over an empty database (no tables): enough
// for refusals that come before any database work.
func fileOnlyStore(t *testing.T) *Store {
	return NewStore(dbtest.SQLite(t, nil), Options{Now: func() time.Time { return today }, PersonByID: fixturePersonByID,
		Holder: func(context.Context, uint) (Holder, error) { return Holder{}, errors.New("no database") }})
}

// certBook fills the template's 证书登记 sheet from row 2 and returns the
// workbook; edit, when not nil, changes it further.
func certBook(t *testing.T, rows [][]any, edit func(f *excelize.File)) []byte {
	t.Helper()
	var tpl bytes.Buffer
	if err := ExternalTemplate(&tpl, MustKinds()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("证书登记", fmt.Sprintf("A%d", i+2), &r); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(f)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importBytes(st *Store, p account.Principal, b []byte, dry bool) (ImportReport, error) {
	return st.ImportExternal(context.Background(), p, bytes.NewReader(b), int64(len(b)), dry)
}

// The fixture's people as rows: 张晓明 (enterprise 1, special operator on
// 1.2), 李四 (enterprise 1, principal), 王五 (enterprise 2).
const (
	idZhang = "530302199001011234"
	idLi    = "53030219850505432X"
	idWang  = "530302197003030011"
)

func specialRow(number string) []any {
	return []any{idZhang, "张晓明", "特种作业操作证", number, "1.2", "2024-03-15", "", "", ""}
}

func qualificationRow(number string) []any {
	return []any{idLi, "李四", "安全合格证", number, "", "2024-06-01", "", "", ""}
}

func with(r []any, col int, v any) []any {
	c := slices.Clone(r)
	c[col] = v
	return c
}

func countRows(t *testing.T, gdb *gorm.DB) (certs, events, entries int64) {
	t.Helper()
	gdb.Model(&Certificate{}).Count(&certs)
	gdb.Model(&Event{}).Where("action = ?", "registered").Count(&events)
	gdb.Model(&audit.Entry{}).Where("action = ?", "certificate.registered").Count(&entries)
	return
}

// TestImportExternal: the template, filled in (an Excel date, a lower-case
// T number, "code name" for the item, a lower-case x and a space in a
// name), checks clean in a dry run that writes nothing, then imports every
// row with an event and an audit entry each.
func TestImportExternal(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st := importStore(t, gdb, &clock{t: today})
		file := certBook(t, [][]any{
			{idZhang, "张晓明", "特种作业操作证", "t530302199001011234", "1.2 低压电工作业", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "", "", ""},
			{strings.ToLower(idLi), "李 四", "safety_qualification", "YN-2024-000123", "", "2024/6/1", "", "", "云南省应急管理厅"},
			{idLi, "李四", "安全生产知识和管理能力考核合格证", "YN-2021-000009", "", "2021年6月1日", "2024-06-01", "", ""},
		}, nil)

		rep, err := importBytes(st, entAdmin, file, true)
		if err != nil || rep.Rows != 3 || rep.Created != 3 || !rep.DryRun || len(rep.Errors) != 0 {
			t.Fatalf("dry run = %+v, %v", rep, err)
		}
		if c, e, a := countRows(t, gdb); c+e+a != 0 {
			t.Fatalf("dry run wrote %d certificates, %d events, %d audit entries", c, e, a)
		}

		rep, err = importBytes(st, entAdmin, file, false)
		if err != nil || rep.Rows != 3 || rep.Created != 3 || rep.DryRun {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		if c, e, a := countRows(t, gdb); c != 3 || e != 3 || a != 3 {
			t.Fatalf("import wrote %d certificates, %d events, %d audit entries; want 3 each", c, e, a)
		}
		var got []Certificate
		gdb.Order("id").Find(&got)
		day := func(p *time.Time) string {
			if p == nil {
				return ""
			}
			return p.Format("2006-01-02")
		}
		want := []struct{ number, kind, item, issued, valid, review, issuer string }{
			{"T530302199001011234", "special_operation", "1.2", "2024-03-15", "2030-03-15", "2027-03-15", "曲靖市应急管理局"},
			{"YN-2024-000123", "safety_qualification", "", "2024-06-01", "2027-06-01", "", "云南省应急管理厅"},
			{"YN-2021-000009", "safety_qualification", "", "2021-06-01", "2024-06-01", "", "云南省应急管理厅"},
		}
		for i, w := range want {
			c := got[i]
			if c.Number != w.number || c.Kind != w.kind || c.OperationItem != w.item || c.IssuedOn.Format("2006-01-02") != w.issued ||
				day(c.ValidUntil) != w.valid || day(c.NextReview) != w.review || c.Issuer != w.issuer ||
				!c.External || c.Verified || c.EnterpriseID != 1 || c.CreatedBy != entAdmin.UserID || c.IDHash == "" {
				t.Errorf("certificate %d = %+v, want %+v", i, c, w)
			}
		}
		if res, err := audit.Verify(context.Background(), gdb); err != nil || !res.OK {
			t.Errorf("audit chain after import: %+v %v", res, err)
		}

		// The same file again: every number is registered now.
		rep, err = importBytes(st, entAdmin, file, false)
		if !errors.Is(err, ErrImportInvalid) || len(rep.Errors) != 3 || !strings.Contains(rep.Errors[0].Message, "已登记") {
			t.Fatalf("second import = %+v, %v", rep, err)
		}
	})
}

// TestImportExternalReportsEveryRow: a file with several bad rows reports
// each one by row, column header and reason, and writes nothing, not even
// its good rows.
func TestImportExternalReportsEveryRow(t *testing.T) {
	type want struct {
		row    int
		column string
		reason string
	}
	tests := []struct {
		row  []any
		want []want // the row number is filled in
	}{
		{specialRow("T530302199001011234"), nil},
		{with(specialRow("SO-0003"), colIDNumber, idWang), []want{{0, "身份证号", "该身份证号不在本企业人员名单中"}}},
		{with(qualificationRow("YN-0004"), colName, "李三"), []want{{0, "姓名", "与人员名单中该身份证号的姓名“李四”不一致"}}},
		{with(qualificationRow("YN-0005"), colKind, "安全培训合格证明"), []want{{0, "证书种类", "主管部门颁发的证书"}}},
		{with(specialRow("SO-0006"), colIssuedOn, "2030-01-01"), []want{{0, "初领日期", "不能晚于今天"}}},
		{with(specialRow("SO-0007"), colItem, "9.9"), []want{{0, "准操项目代码", "花名册中登记的项目"}}},
		{with(specialRow("SO-0008"), colIDNumber, "110105194912310020"), []want{{0, "身份证号", "不在本企业人员名单中"}}},
		{with(qualificationRow("YN-0009"), colValidUntil, "2020-01-01"), []want{{0, "有效期至", "晚于发证日期"}}},
		{with(qualificationRow("YN-0010"), colIDNumber, "5.30302E+17"), []want{{0, "身份证号", "存成了数字"}}},
		{with(qualificationRow("YN-0011"), colIssuedOn, "去年"), []want{{0, "初领日期", "格式如 2024-03-15"}}},
		{with(with(qualificationRow(""), colKind, ""), colIssuedOn, ""), []want{
			{0, "证书种类", "请填写证书种类"}, {0, "证书编号", "请填写证书编号"}, {0, "初领日期", "请填写初领"}}},
		{with(qualificationRow("YN-0013"), colAuthority, "=HYPERLINK(\"http://x\")"), []want{{0, "发证机关", "不能以“=”开头"}}},
		{with(qualificationRow("YN-0014"), colKind, "特种作业操作证"), []want{{0, "证书种类", "人员类别不适用"}, {0, "准操项目代码", "准操项目代码"}}},
		{with(specialRow("T110105194912310020"), colItem, "1.2 低压电工作业"), []want{{0, "证书编号", "与该人员的身份证号不一致"}}},
		{with(qualificationRow("YN-0016"), colIDNumber, "530302********1234"), []want{{0, "身份证号", "脱敏号码"}}},
	}
	var rows [][]any
	var wants []want
	for i, tc := range tests {
		rows = append(rows, tc.row)
		for _, w := range tc.want {
			w.row = i + 2
			wants = append(wants, w)
		}
	}
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st := importStore(t, gdb, &clock{t: today})
		for _, dry := range []bool{true, false} {
			rep, err := importBytes(st, entAdmin, certBook(t, rows, nil), dry)
			fe := fault.As(err)
			if !errors.Is(err, ErrImportInvalid) || rep.Created != 0 || rep.Rows != len(rows) {
				t.Fatalf("dry %v: %+v, %v", dry, rep, err)
			}
			if !slices.Equal(rep.Errors, fe.Details) {
				t.Errorf("dry %v: the report's errors differ from the refusal's details", dry)
			}
			for _, w := range wants {
				if !slices.ContainsFunc(rep.Errors, func(d fault.Detail) bool {
					return d.Row == w.row && d.Column == w.column && strings.Contains(d.Message, w.reason) &&
						strings.HasPrefix(d.Message, fmt.Sprintf("第 %d 行 %s 列：", w.row, w.column))
				}) {
					t.Errorf("dry %v: no error at row %d, %s: %q", dry, w.row, w.column, w.reason)
				}
			}
			if len(rep.Errors) != len(wants) {
				for _, d := range rep.Errors {
					t.Logf("%d %s %s", d.Row, d.Column, d.Message)
				}
				t.Errorf("dry %v: %d errors, want %d", dry, len(rep.Errors), len(wants))
			}
			if !strings.Contains(fe.Message, fmt.Sprintf("%d 处错误", len(wants))) {
				t.Errorf("dry %v: message %q", dry, fe.Message)
			}
		}
		if c, e, a := countRows(t, gdb); c+e+a != 0 {
			t.Fatalf("a refused file wrote %d certificates, %d events, %d audit entries", c, e, a)
		}
		// An admin sees enterprise 2: 王五's row now fails only on his
		// category; a town regulator of T2 does not see enterprise 1.
		rep, _ := importBytes(st, admin, certBook(t, [][]any{rows[1]}, nil), true)
		if len(rep.Errors) == 0 || rep.Errors[0].Column == "身份证号" {
			t.Errorf("admin: %+v", rep.Errors)
		}
		t2 := account.Principal{UserID: 9, Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "T2"}
		rep, _ = importBytes(st, t2, certBook(t, [][]any{rows[0]}, nil), true)
		if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "不在您管辖范围内") {
			t.Errorf("regulator of another town: %+v", rep.Errors)
		}
	})
}

// TestImportExternalDuplicates: a number twice in the file, or already
// registered, is refused at its row.
func TestImportExternalDuplicates(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st := importStore(t, gdb, &clock{t: today})
		if _, err := st.RegisterExternal(context.Background(), entAdmin, ExternalInput{PersonID: 2, Kind: "safety_qualification", Number: "YN-1", IssuedOn: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
		rep, err := importBytes(st, entAdmin, certBook(t, [][]any{
			specialRow("T530302199001011234"),
			qualificationRow("YN-2"),
			specialRow("ｔ530302199001011234"), // full-width: the same number
			qualificationRow("yn-1"),
			qualificationRow("YN-2"),
		}, nil), false)
		if !errors.Is(err, ErrImportInvalid) {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		want := []fault.Detail{
			{Row: 4, Column: "证书编号", Field: "number", Message: "第 4 行 证书编号 列：与第 2 行的证书编号重复，同一本证书只能登记一次，请删除重复的行"},
			{Row: 5, Column: "证书编号", Field: "number", Message: "第 5 行 证书编号 列：证书编号 YN-1 已登记，不能重复登记"},
			{Row: 6, Column: "证书编号", Field: "number", Message: "第 6 行 证书编号 列：与第 3 行的证书编号重复，同一本证书只能登记一次，请删除重复的行"},
		}
		if !slices.Equal(rep.Errors, want) {
			t.Errorf("errors:\n got %+v\nwant %+v", rep.Errors, want)
		}
		if c, _, _ := countRows(t, gdb); c != 1 {
			t.Errorf("%d certificates after a refused file, want the 1 registered before", c)
		}
	})
}

// TestImportExternalFormula: a formula is refused at its cell, never
// evaluated.
func TestImportExternalFormula(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st := importStore(t, gdb, &clock{t: today})
		file := certBook(t, [][]any{specialRow(""), qualificationRow("YN-3")}, func(f *excelize.File) {
			if err := f.SetCellFormula("证书登记", "D2", `"T"&A2`); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellFormula("证书登记", "F3", "TODAY()"); err != nil {
				t.Fatal(err)
			}
		})
		rep, err := importBytes(st, entAdmin, file, false)
		if !errors.Is(err, ErrImportInvalid) || len(rep.Errors) != 2 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		for i, w := range []struct {
			row    int
			column string
		}{{2, "证书编号"}, {3, "初领日期"}} {
			if d := rep.Errors[i]; d.Row != w.row || d.Column != w.column || !strings.Contains(d.Message, "不允许使用公式") {
				t.Errorf("error %d = %+v, want a formula at row %d %s", i, d, w.row, w.column)
			}
		}
		if c, _, _ := countRows(t, gdb); c != 0 {
			t.Errorf("%d certificates written", c)
		}
	})
}

// TestImportExternalRefusesFiles: what is not an .xlsx workbook within the
// limits is refused as a whole, by content, before any database work.
func TestImportExternalRefusesFiles(t *testing.T) {
	zipOf := func(names ...string) []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		for _, n := range names {
			fw, _ := w.Create(n)
			fw.Write([]byte("<x/>"))
		}
		w.Close()
		return b.Bytes()
	}
	headerOnly := certBook(t, nil, nil)
	tests := []struct {
		name   string
		file   []byte
		size   int64 // 0: len(file)
		want   error
		reason string
	}{
		{"empty", nil, 0, ErrImportNotXLSX, "空的"},
		{"png named .xlsx", []byte("\x89PNG\r\n\x1a\n0000"), 0, ErrImportNotXLSX, "图片"},
		{"csv", []byte("身份证号,姓名\n530302199001011234,张晓明\n"), 0, ErrImportNotXLSX, "CSV"},
		{"pdf", []byte("%PDF-1.7\n"), 0, ErrImportNotXLSX, "PDF"},
		{"old xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, 0, ErrImportNotXLSX, ".xls"},
		{"docx", zipOf("[Content_Types].xml", "word/document.xml"), 0, ErrImportNotXLSX, "Word"},
		{"zip of workbooks", zipOf("a.xlsx"), 0, ErrImportNotXLSX, "压缩包"},
		{"broken zip", []byte("PK\x03\x04 broken"), 0, ErrImportNotXLSX, "损坏"},
		{"too large", headerOnly, 11 << 20, ErrImportTooLarge, "10MB"},
		{"header only", headerOnly, 0, ErrImportEmpty, "没有证书数据"},
	}
	st := fileOnlyStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = int64(len(tc.file))
			}
			r := bytes.NewReader(append(tc.file, make([]byte, max(0, size-int64(len(tc.file))))...))
			_, err := st.ImportExternal(context.Background(), entAdmin, r, size, true)
			if !errors.Is(err, tc.want) || !strings.Contains(fault.As(err).Message, tc.reason) {
				t.Errorf("err = %v (%s), want %v mentioning %q", err, fault.As(err).Message, tc.want, tc.reason)
			}
		})
	}
	for _, p := range []account.Principal{learner, trainer} {
		if _, err := st.ImportExternal(context.Background(), p, bytes.NewReader(headerOnly), int64(len(headerOnly)), true); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", p.Role, err)
		}
	}
}

// TestImportExternalHeaderAndLimits: a header the importer cannot map is
// reported by column; too many rows refuse the file.
func TestImportExternalHeaderAndLimits(t *testing.T) {
	st := fileOnlyStore(t)
	book := func(fill func(f *excelize.File)) []byte {
		f := excelize.NewFile()
		defer f.Close()
		fill(f)
		b, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	bad := book(func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A1", &[]any{"证书登记表"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"序号", "身份证号", "姓名", "证书种类", "职务", "初领日期"})
		f.SetSheetRow("Sheet1", "A3", &[]any{"1", idZhang, "张晓明", "特种作业操作证", "电工", "2024-03-15"})
	})
	rep, err := importBytes(st, entAdmin, bad, true)
	if !errors.Is(err, ErrImportInvalid) || len(rep.Errors) != 2 {
		t.Fatalf("bad header = %+v, %v", rep, err)
	}
	if d := rep.Errors[0]; d.Row != 2 || d.Column != "E" || !strings.Contains(d.Message, "无法识别的列名") {
		t.Errorf("unknown column: %+v", d)
	}
	if d := rep.Errors[1]; d.Row != 2 || d.Column != "证书编号" || !strings.Contains(d.Message, "缺少“证书编号”列") {
		t.Errorf("missing column: %+v", d)
	}

	big := book(func(f *excelize.File) {
		sw, _ := f.NewStreamWriter("Sheet1")
		h := make([]any, len(templateHeaders))
		for i, v := range templateHeaders {
			h[i] = v
		}
		sw.SetRow("A1", h)
		for i := range MaxImportRows + 1 {
			sw.SetRow(fmt.Sprintf("A%d", i+2), specialRow(fmt.Sprintf("SO-%d", i)))
		}
		sw.Flush()
	})
	if _, err := importBytes(st, entAdmin, big, true); !errors.Is(err, ErrImportTooManyRows) {
		t.Errorf("%d rows: %v, want ErrImportTooManyRows", MaxImportRows+1, err)
	}
}

// TestExternalTemplate: the template has the header row, the kinds that
// may be registered with their codes, the date format and a marked
// example on the instructions sheet, and no data row to import.
func TestExternalTemplate(t *testing.T) {
	var b bytes.Buffer
	if err := ExternalTemplate(&b, MustKinds()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"证书登记", "说明"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("证书登记")
	if err != nil || len(rows) != 1 || !slices.Equal(rows[0], templateHeaders) {
		t.Fatalf("证书登记 rows %q, %v; want only the header %q", rows, err, templateHeaders)
	}
	help, _ := f.GetRows("说明")
	var text strings.Builder
	for _, r := range help {
		text.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, want := range []string{"特种作业操作证|特种作业操作证|special_operation", "安全生产知识和管理能力考核合格证|安全合格证|safety_qualification",
		"2024-03-15", "示例（仅供参考，请勿填入本表", "示例|11010519491231002X", "不要使用公式"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("说明 lacks %q", want)
		}
	}
	for _, anpeiKind := range []string{"training_pass", "安全培训合格证明"} {
		if strings.Contains(text.String(), anpeiKind) {
			t.Errorf("说明 offers the anpei kind %q", anpeiKind)
		}
	}
}

func TestCellDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"2024-03-15", "2024-03-15"},
		{"2024-3-5", "2024-03-05"},
		{"2024/3/5", "2024-03-05"},
		{"2024.3.5", "2024-03-05"},
		{"2024年3月5日", "2024-03-05"},
		{"２０２４－０３－０５", "2024-03-05"},
		{"20240305", "2024-03-05"},
		{"45366", "2024-03-15"},
		{"45366.75", "2024-03-15"},
		{"2024-03-15T00:00:00Z", "2024-03-15"},
		{"去年", "去年"},
		{"2024-02-30", "2024-02-30"}, // checkExternal refuses it
	}
	for _, tc := range tests {
		if got := cellDate(tc.in, false); got != tc.want {
			t.Errorf("cellDate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
