package roster_test

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"anpei/ident"
	"anpei/roster"
)

// xlOpen opens an .xlsx produced by the store.
func xlOpen(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// xlAllCells returns every cell value of every sheet, raw and formatted.
func xlAllCells(t *testing.T, f *excelize.File) []string {
	t.Helper()
	var out []string
	for _, sheet := range f.GetSheetList() {
		for _, raw := range []bool{true, false} {
			rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: raw})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				out = append(out, r...)
			}
		}
	}
	return out
}

func TestTemplate(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		b, err := e.store.Template(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		f := xlOpen(t, b)
		if got, want := f.GetSheetList(), []string{"人员名单", "说明", "代码表"}; !slices.Equal(got, want) {
			t.Errorf("sheets = %v, want %v", got, want)
		}
		if f.GetActiveSheetIndex() != 0 {
			t.Errorf("active sheet %d, want 人员名单", f.GetActiveSheetIndex())
		}
		if visible, _ := f.GetSheetVisible("代码表"); visible {
			t.Error("代码表 is visible, want hidden")
		}
		rows, err := f.GetRows("人员名单")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || !slices.Equal(rows[0], xlHeader) {
			t.Errorf("人员名单 rows = %q, want only the header %q", rows, xlHeader)
		}
		panes, err := f.GetPanes("人员名单")
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("panes = %+v, %v; want the header row frozen", panes, err)
		}
		for col, min := range map[string]float64{"B": 20, "G": 25} {
			if w, _ := f.GetColWidth("人员名单", col); w < min {
				t.Errorf("column %s width %v, want at least %v", col, w, min)
			}
		}
		// The ID column is text, so Excel keeps all 18 digits.
		styleID, err := f.GetColStyle("人员名单", "B")
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(styleID)
		if err != nil || style.CustomNumFmt == nil || *style.CustomNumFmt != "@" {
			t.Errorf("ID column style %d = %+v, %v; want the text format @", styleID, style, err)
		}

		dvs, err := f.GetDataValidations("人员名单")
		if err != nil {
			t.Fatal(err)
		}
		lists := map[string]string{}
		for _, dv := range dvs {
			if dv.Type == "list" {
				lists[strings.SplitN(dv.Sqref, ":", 2)[0]] = dv.Formula1
			}
		}
		for cell, want := range map[string]string{
			"A2": "居民身份证", "E2": "初中", "F2": "特种作业人员", "G2": "准操项目清单", "I2": "在岗", "L2": "劳务派遣",
		} {
			if !strings.Contains(lists[cell], want) {
				t.Errorf("drop-down at %s = %q, want it to offer %q (lists %v)", cell, lists[cell], want, lists)
			}
		}
		names := f.GetDefinedName()
		if len(names) != 1 || names[0].Name != "准操项目清单" || !strings.HasPrefix(names[0].RefersTo, "'代码表'!$A$2:$A$") {
			t.Errorf("defined names = %+v", names)
		}
		codes, _ := f.GetRows("代码表")
		var options []string
		for _, r := range codes[1:] {
			if len(r) > 0 && r[0] != "" {
				options = append(options, r[0])
			}
		}
		for _, want := range []string{"1.1 高压电工作业", "3.2 高处安装、维护、拆除作业", "5.10 煤矿探放水作业", "10.5 烟花爆竹储存作业"} {
			if !slices.Contains(options, want) {
				t.Errorf("代码表 lacks %q", want)
			}
		}
		help, _ := f.GetRows("说明")
		text := ""
		for _, r := range help {
			text += strings.Join(r, " ") + "\n"
		}
		for _, want := range append(slices.Clone(xlHeader), "不要使用公式", "文本格式", "不会被删除") {
			if !strings.Contains(text, want) {
				t.Errorf("说明 does not mention %q", want)
			}
		}

		// The template filled in imports as it is.
		for i, r := range xlCleanRows() {
			if r == nil {
				continue
			}
			if err := f.SetSheetRow("人员名单", "A"+strconv.Itoa(i+2), (*[]any)(&r)); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		rep, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, buf.Bytes(), true)
		if err != nil || rep.Created != 6 {
			t.Errorf("filled template: %+v, %v", rep, xlErr(err))
		}
	})
}

// fullNumber matches what could be an unmasked document number.
var fullNumber = regexp.MustCompile(`\d{15,}|[A-Z]{1,2}\d{7,}`)

func TestExportPeople(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		if _, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, xlReadFixture(t, "roster_clean.xlsx"), false); err != nil {
			t.Fatal(xlErr(err))
		}
		other, err := e.store.CreatePerson(e.ctx, xlAdmin, roster.PersonInput{EnterpriseID: e.b.ID, DocNumber: xlID(70), Name: "乙单位职工",
			Categories: roster.CategoryOther, DutyStatus: roster.DutyOn, AppointedOn: xlPtr(xlDate(2024, 1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		numbers := xlCleanNumbers(t)
		numbers[xlID(70)] = ident.DocResidentID

		run := func(t *testing.T, who string, b []byte, wantNames []string) {
			t.Helper()
			f := xlOpen(t, b)
			rows, err := f.GetRows("人员名单")
			if err != nil {
				t.Fatal(err)
			}
			if want := append(slices.Clone(xlHeader), "所在单位"); !slices.Equal(rows[0], want) {
				t.Errorf("%s: header %q, want %q", who, rows[0], want)
			}
			var names []string
			for _, r := range rows[1:] {
				names = append(names, r[2])
			}
			slices.Sort(names)
			slices.Sort(wantNames)
			if !slices.Equal(names, wantNames) {
				t.Errorf("%s: exported %q, want %q", who, names, wantNames)
			}
			for _, cell := range xlAllCells(t, f) {
				for number := range numbers {
					if strings.Contains(cell, number) {
						t.Errorf("%s: cell %q holds the full number of %s", who, cell, ident.MaskID(number))
					}
				}
				// The 说明 sheet's example is GB 11643's own example number.
				if m := fullNumber.FindString(strings.ReplaceAll(cell, "11010519491231002X", "")); m != "" {
					t.Errorf("%s: cell %q looks like a full document number", who, cell)
				}
			}
		}
		cleanNames := []string{"张三", "李四", "王五", "John Smith", "赵六", "陈七"}

		var buf bytes.Buffer
		if err := e.store.ExportPeople(e.ctx, xlAdmin, roster.PersonFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		run(t, "admin", buf.Bytes(), append(slices.Clone(cleanNames), other.Name))

		buf.Reset()
		if err := e.store.ExportPeople(e.ctx, xlEntAdmin(e.a.ID), roster.PersonFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		ownExport := slices.Clone(buf.Bytes())
		run(t, "enterprise admin of A", ownExport, cleanNames)

		buf.Reset()
		if err := e.store.ExportPeople(e.ctx, xlEntAdmin(e.a.ID), roster.PersonFilter{EnterpriseID: e.b.ID}, &buf); err != nil {
			t.Fatal(err)
		}
		run(t, "enterprise admin of A filtering on B", buf.Bytes(), nil)

		buf.Reset()
		if err := e.store.ExportPeople(e.ctx, xlAdmin, roster.PersonFilter{DutyStatus: roster.DutyOff}, &buf); err != nil {
			t.Fatal(err)
		}
		run(t, "admin, off duty only", buf.Bytes(), []string{"王五"})

		if err := e.store.ExportPeople(e.ctx, xlTrainer, roster.PersonFilter{}, &buf); !errors.Is(err, roster.ErrForbidden) {
			t.Errorf("trainer export: error = %v, want %v", err, roster.ErrForbidden)
		}

		// The export as it is cannot be imported: its numbers are masked.
		_, err = e.importFile(xlEntAdmin(e.a.ID), e.a.ID, ownExport, true)
		xlHasDetail(t, xlDetails(t, err, roster.ErrImportInvalid), xlWant{2, "证件号码", "是脱敏号码，不能导入"})

		// With the numbers filled in again it imports, and changes nothing.
		f := xlOpen(t, ownExport)
		rows, _ := f.GetRows("人员名单")
		byMask := map[string]string{}
		for number := range numbers {
			byMask[ident.MaskID(number)] = number
		}
		for _, r := range rows[1:] {
			if r[2] == "王五" && (r[9] != "2022-03-01" || r[10] != "2025-01-31" || r[6] != "2.1 熔化焊接与热切割作业、3.2 高处安装、维护、拆除作业") {
				t.Errorf("exported 王五 = %q, want dates as yyyy-mm-dd and items with their names", r)
			}
		}
		for i, r := range rows[1:] {
			number, ok := byMask[r[1]]
			if !ok {
				t.Fatalf("exported number %q masks none of the roster's", r[1])
			}
			if err := f.SetCellStr("人员名单", "B"+strconv.Itoa(i+2), number); err != nil {
				t.Fatal(err)
			}
		}
		var refilled bytes.Buffer
		if err := f.Write(&refilled); err != nil {
			t.Fatal(err)
		}
		before := e.counts(t)
		rep, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, refilled.Bytes(), false)
		if err != nil || rep.Unchanged != 6 || rep.Created+rep.Updated != 0 {
			t.Errorf("re-import of the export: %+v, %v; want 6 unchanged", rep, xlErr(err))
		}
		if after := e.counts(t); after != before {
			t.Errorf("re-import of the export wrote rows: %v → %v", before, after)
		}
	})
}

func TestExportEnterprises(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		if _, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, xlReadFixture(t, "roster_clean.xlsx"), false); err != nil {
			t.Fatal(xlErr(err))
		}
		var buf bytes.Buffer
		if err := e.store.ExportEnterprises(e.ctx, xlAdmin, roster.EnterpriseFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		f := xlOpen(t, buf.Bytes())
		rows, err := f.GetRows("企业名单")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "单位名称" || rows[0][10] != "在岗人员合计" {
			t.Fatalf("企业名单 = %q", rows)
		}
		var a []string
		for _, r := range rows[1:] {
			if r[0] == e.a.Name {
				a = r
			}
		}
		// On duty in A: 张三 and 赵六 (special operators), 李四 (principal
		// and manager), 陈七 (manager); 王五 left, John is pending.
		if want := []string{e.a.Name, e.a.CreditCode, "南宁街道", "危化品", "否", "", "在营", "联系人", "13800000000", "", "4", "1", "2", "2", "0"}; !slices.Equal(a, want[:len(a)]) || len(a) < 15 {
			t.Errorf("row of A = %q, want %q", a, want)
		}

		buf.Reset()
		if err := e.store.ExportEnterprises(e.ctx, xlEntAdmin(e.b.ID), roster.EnterpriseFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		rows, _ = xlOpen(t, buf.Bytes()).GetRows("企业名单")
		if len(rows) != 2 || rows[1][0] != e.b.Name {
			t.Errorf("enterprise admin of B exports %q, want only B", rows)
		}
		if err := e.store.ExportEnterprises(e.ctx, xlTrainer, roster.EnterpriseFilter{}, &buf); !errors.Is(err, roster.ErrForbidden) {
			t.Errorf("trainer: error = %v, want %v", err, roster.ErrForbidden)
		}
	})
}
