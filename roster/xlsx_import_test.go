package roster_test

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anpei/account"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/ident"
	"anpei/roster"
)

// xlDetails returns the details of err, failing unless it is a
// *fault.Error matching want.
func xlDetails(t *testing.T, err, want error) []fault.Detail {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	return fe.Details
}

// xlHasDetail fails unless details hold one at row and column whose message
// contains msg and starts with the row and column.
func xlHasDetail(t *testing.T, details []fault.Detail, w xlWant) {
	t.Helper()
	for _, d := range details {
		if d.Row == w.row && d.Column == w.column && strings.Contains(d.Message, w.message) {
			prefix := "第 " + strconv.Itoa(w.row) + " 行"
			if !strings.HasPrefix(d.Message, prefix) {
				t.Errorf("detail %+v: message does not start with %q", d, prefix)
			}
			return
		}
	}
	t.Errorf("no detail at row %d column %q containing %q; got:\n%s", w.row, w.column, w.message, xlFormat(details))
}

func xlFormat(details []fault.Detail) string {
	var b strings.Builder
	for _, d := range details {
		b.WriteString("  ")
		b.WriteString(strconv.Itoa(d.Row))
		b.WriteString(" [" + d.Column + "/" + d.Field + "] " + d.Message + "\n")
	}
	return b.String()
}

// TestImportRosterFixtures imports every faulty fixture, for real and as a
// dry run: each is refused with import_invalid, lists its problems by row,
// column and reason, and writes nothing.
func TestImportRosterFixtures(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		elsewhere := roster.PersonInput{EnterpriseID: e.b.ID, DocNumber: xlOtherEnterpriseID, Name: "外单位人员",
			Categories: roster.CategoryOther, DutyStatus: roster.DutyOn, AppointedOn: xlPtr(xlDate(2024, 1, 2))}
		if _, err := e.store.CreatePerson(e.ctx, xlAdmin, elsewhere); err != nil {
			t.Fatal(err)
		}
		for _, fx := range xlFixtures() {
			if fx.want == nil {
				continue
			}
			t.Run(strings.TrimSuffix(fx.file, ".xlsx"), func(t *testing.T) {
				b := xlReadFixture(t, fx.file)
				for _, dry := range []bool{true, false} {
					before := e.counts(t)
					_, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, b, dry)
					details := xlDetails(t, err, roster.ErrImportInvalid)
					for _, w := range fx.want {
						xlHasDetail(t, details, w)
					}
					var fe *fault.Error
					errors.As(err, &fe)
					if fe.Kind != fault.Unprocessable || !strings.HasPrefix(fe.Message, "文件中有 "+strconv.Itoa(len(details))+" 处错误，未导入任何数据") {
						t.Errorf("error kind %v message %q", fe.Kind, fe.Message)
					}
					for _, d := range details {
						if d.Message == "" || d.Row == 0 {
							t.Errorf("detail without row or message: %+v", d)
						}
					}
					if after := e.counts(t); after != before {
						t.Errorf("dry=%v: rows (people, items, events, audit) %v → %v, want nothing written", dry, before, after)
					}
				}
			})
		}
	})
}

// TestImportRosterRefusesFiles checks the refusals of the file as a whole:
// not an xlsx by content, too large, a zip bomb, too many rows, no data,
// no header.
func TestImportRosterRefusesFiles(t *testing.T) {
	bomb100 := xlZipBomb(t, 101<<20) // 101 MiB of zeros, about 100 KB zipped
	xlEach(t, func(t *testing.T, e *xlEnv) {
		p := xlEntAdmin(e.a.ID)
		before := e.counts(t)
		check := func(name string, b []byte, want error, msg string) {
			t.Helper()
			_, err := e.importFile(p, e.a.ID, b, false)
			var fe *fault.Error
			if !errors.As(err, &fe) || !errors.Is(err, want) {
				t.Errorf("%s: error = %v, want %v", name, err, want)
				return
			}
			if !strings.Contains(fe.Message, msg) {
				t.Errorf("%s: message %q does not contain %q", name, fe.Message, msg)
			}
		}
		for _, nx := range xlNotXLSX(t) {
			check(nx.file, xlReadFixture(t, nx.file), roster.ErrImportNotXLSX, nx.message)
		}
		check("docx", xlDocx(t), roster.ErrImportNotXLSX, "Word")
		check("zipped roster", xlZip(t, "人员名单.xlsx"), roster.ErrImportNotXLSX, "请解压后上传")
		check("empty file", nil, roster.ErrImportNotXLSX, "空的")
		check("truncated xlsx", xlReadFixture(t, "roster_clean.xlsx")[:3000], roster.ErrImportNotXLSX, "损坏")
		check("11 MiB", make([]byte, 11<<20), roster.ErrImportTooLarge, "10MB")
		check("zip bomb over 100 MiB", bomb100, roster.ErrImportUnzipLimit, "压缩炸弹")
		check("zip bomb ratio", xlZipBomb(t, 8<<20), roster.ErrImportUnzipLimit, "压缩炸弹")
		check("zip bomb declaring 1 TiB", xlZipBombDeclared(t, 1<<40, 1<<10), roster.ErrImportUnzipLimit, "压缩炸弹")
		check("zip bomb declaring 1 KiB", xlZipBombDeclared(t, 1<<10, 8<<20), roster.ErrImportNotXLSX, "损坏")
		check("header only", xlWorkbook(t, nil, nil, nil, nil), roster.ErrImportEmpty, "没有人员数据")

		_, err := e.importFile(p, e.a.ID, xlWorkbook(t, []string{"名单", "", "制表人"}, []xlRow{{"张三", "", "x"}}, nil, nil), false)
		xlHasDetail(t, xlDetails(t, err, roster.ErrImportInvalid), xlWant{1, "", "未找到表头"})

		clean := xlReadFixture(t, "roster_clean.xlsx")
		_, err = e.store.ParseRoster(e.ctx, bytes.NewReader(clean), int64(len(clean)), roster.Limits{MaxRows: 5})
		if !errors.Is(err, roster.ErrImportTooManyRows) {
			t.Errorf("6 rows with MaxRows 5: error = %v, want %v", err, roster.ErrImportTooManyRows)
		}
		if _, err := e.store.ParseRoster(e.ctx, bytes.NewReader(clean), int64(len(clean)), roster.Limits{MaxRows: 6}); err != nil {
			t.Errorf("6 rows with MaxRows 6: %v", err)
		}
		_, err = e.store.ParseRoster(e.ctx, bytes.NewReader(clean), int64(len(clean)), roster.Limits{MaxFileSize: 1000})
		if !errors.Is(err, roster.ErrImportTooLarge) {
			t.Errorf("MaxFileSize 1000: error = %v, want %v", err, roster.ErrImportTooLarge)
		}
		// A few rows with a value in the last column read as 16,384 cells
		// each: the cell budget stops them before they cost minutes.
		far := map[string]string{}
		for r := 2; r <= 40; r++ {
			far["XFD"+strconv.Itoa(r)] = "x"
		}
		wide := xlWorkbook(t, nil, nil, nil, far)
		_, err = e.store.ParseRoster(e.ctx, bytes.NewReader(wide), int64(len(wide)), roster.Limits{MaxCells: 100_000})
		if !errors.Is(err, roster.ErrImportTooManyRows) || !strings.Contains(err.Error(), "单元格过多") {
			t.Errorf("40 rows reaching column XFD with MaxCells 100000: error = %v, want the cell budget", err)
		}
		if after := e.counts(t); after != before {
			t.Errorf("rows %v → %v, want nothing written", before, after)
		}
	})
}

// xlCleanNumbers are the normalized document numbers of the clean roster
// with their types.
func xlCleanNumbers(t *testing.T) map[string]ident.DocType {
	t.Helper()
	types := map[string]ident.DocType{"": ident.DocResidentID, "居民身份证": ident.DocResidentID, "身份证": ident.DocResidentID,
		"护照": ident.DocPassport, "港澳台居民居住证": ident.DocHKMacaoTaiwanPermit}
	out := map[string]ident.DocType{}
	for _, r := range xlCleanRows() {
		if r == nil {
			continue
		}
		typ := types[r[0].(string)]
		id, err := ident.ParseID(typ, r[1].(string), xlDate(2025, 6, 15))
		if err != nil {
			t.Fatalf("clean row %v: %v", r, err)
		}
		out[id.Number] = typ
	}
	return out
}

func TestImportRosterClean(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		p := xlEntAdmin(e.a.ID)
		stay, err := e.store.CreatePerson(e.ctx, xlAdmin, roster.PersonInput{EnterpriseID: e.a.ID, DocNumber: xlID(60),
			Name: "不在文件中", Categories: roster.CategoryOther, DutyStatus: roster.DutyOn, AppointedOn: xlPtr(xlDate(2024, 1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		clean := xlReadFixture(t, "roster_clean.xlsx")

		before := e.counts(t)
		var calls [][2]int
		rep, err := e.store.ImportRoster(e.ctx, p, e.a.ID, bytes.NewReader(clean), int64(len(clean)), true,
			func(done, total int) { calls = append(calls, [2]int{done, total}) })
		if err != nil {
			t.Fatalf("dry run: %v", xlErr(err))
		}
		if rep.Created != 6 || rep.Updated != 0 || rep.Unchanged != 0 {
			t.Errorf("dry run report %+v, want 6 created", rep)
		}
		if len(rep.Missing) != 1 || rep.Missing[0].ID != stay.ID || rep.Missing[0].IDCipher != "" {
			t.Errorf("dry run missing = %+v, want only %q", rep.Missing, stay.Name)
		}
		if after := e.counts(t); after != before {
			t.Errorf("dry run wrote rows: %v → %v", before, after)
		}
		if len(calls) == 0 || calls[len(calls)-1] != [2]int{6, 6} {
			t.Errorf("progress calls %v, want to end with [6 6]", calls)
		}

		rep, err = e.importFile(p, e.a.ID, clean, false)
		if err != nil {
			t.Fatalf("import: %v", xlErr(err))
		}
		if rep.Created != 6 || rep.Updated != 0 || rep.Unchanged != 0 || len(rep.Missing) != 1 {
			t.Errorf("import report %+v, want 6 created, 1 missing", rep)
		}
		if got := e.count(t, &roster.Person{}); got != before[0]+6 {
			t.Errorf("people = %d, want %d", got, before[0]+6)
		}

		people, _, err := e.store.ListPeople(e.ctx, p, roster.PersonFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]roster.PersonRow{}
		for _, pr := range people {
			byName[pr.Name] = pr
		}
		checks := []struct {
			name string
			ok   func(roster.PersonRow) bool
		}{
			{"张三", func(pr roster.PersonRow) bool {
				return pr.AppointedOn.Equal(xlDate(2024, 3, 1)) && slices.Equal(pr.OperationItems, []string{"1.1"}) && pr.Education == roster.EduSenior
			}},
			{"李四", func(pr roster.PersonRow) bool {
				return pr.Categories == roster.CategoryPrincipal|roster.CategorySafetyManager && pr.AppointedOn.Equal(xlDate(2023, 1, 5)) &&
					strings.HasSuffix(pr.IDMasked, "X")
			}},
			{"王五", func(pr roster.PersonRow) bool {
				return pr.DutyStatus == roster.DutyOff && pr.LeftOn.Equal(xlDate(2025, 1, 31)) && pr.AppointedOn.Equal(xlDate(2022, 3, 1)) &&
					slices.Equal(pr.OperationItems, []string{"2.1", "3.2"}) && pr.EmploymentKind == roster.EmployDispatched && pr.Phone == "0874-3123456"
			}},
			{"John Smith", func(pr roster.PersonRow) bool {
				return pr.DocType == ident.DocPassport && pr.DutyStatus == roster.DutyPending && pr.EmploymentKind == roster.EmployOutsourced
			}},
			{"赵六", func(pr roster.PersonRow) bool {
				return slices.Equal(pr.OperationItems, []string{"1.1", "1.2"}) && pr.EmploymentKind == roster.EmployIntern &&
					pr.AppointedOn.Equal(xlDate(2024, 3, 1)) && len(pr.IDMasked) == 18
			}},
			{"陈七", func(pr roster.PersonRow) bool {
				return pr.DocType == ident.DocHKMacaoTaiwanPermit && pr.Categories == roster.CategorySafetyManager &&
					pr.Education == roster.EduPostgraduate && pr.AppointedOn.Equal(xlDate(2024, 6, 1))
			}},
		}
		for _, c := range checks {
			pr, ok := byName[c.name]
			if !ok || !c.ok(pr) {
				t.Errorf("stored %s = %+v", c.name, pr)
			}
		}
		for number, typ := range xlCleanNumbers(t) {
			if _, total, err := e.store.ListPeople(e.ctx, p, roster.PersonFilter{Text: number}); err != nil || total != 1 {
				t.Errorf("lookup of %s %s: %d people, %v", typ, ident.MaskID(number), total, err)
			}
		}

		// The same file again changes nothing, not even the audit ledger.
		before = e.counts(t)
		rep, err = e.importFile(p, e.a.ID, clean, false)
		if err != nil || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 6 {
			t.Errorf("re-import: %+v, %v; want 6 unchanged", rep, xlErr(err))
		}
		if after := e.counts(t); after != before {
			t.Errorf("re-import wrote rows: %v → %v", before, after)
		}

		// One changed phone number updates one person.
		rows := xlCleanRows()
		rows[0] = rows[0].with(3, "13700000000")
		changed := xlWorkbook(t, nil, rows, nil, nil)
		rep, err = e.importFile(p, e.a.ID, changed, true)
		if err != nil || rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 5 {
			t.Errorf("dry run of one change: %+v, %v; want 1 updated, 5 unchanged", rep, xlErr(err))
		}
		rep, err = e.importFile(p, e.a.ID, changed, false)
		if err != nil || rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 5 {
			t.Errorf("import of one change: %+v, %v; want 1 updated, 5 unchanged", rep, xlErr(err))
		}
		if got, _, _ := e.store.ListPeople(e.ctx, p, roster.PersonFilter{Text: "13700000000"}); len(got) != 1 || got[0].Name != "张三" {
			t.Errorf("after update, phone lookup = %+v", got)
		}
	})
}

func xlErr(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Error() + "\n" + xlFormat(fe.Details)
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func xlPtr[T any](v T) *T { return &v }

// TestImportRosterTenantIsolation: only the enterprise's own admin (or a
// platform admin) may import into it; nothing is read or written
// otherwise.
func TestImportRosterTenantIsolation(t *testing.T) {
	xlEach(t, func(t *testing.T, e *xlEnv) {
		clean := xlReadFixture(t, "roster_clean.xlsx")
		before := e.counts(t)
		tests := []struct {
			name string
			p    account.Principal
			into uint
			want error
		}{
			{"admin of A into B", xlEntAdmin(e.a.ID), e.b.ID, roster.ErrEnterpriseNotFound},
			{"admin of no enterprise", xlEntAdmin(0), e.a.ID, roster.ErrEnterpriseNotFound},
			{"regulator", xlRegulator(), e.a.ID, roster.ErrForbidden},
			{"trainer", xlTrainer, e.a.ID, roster.ErrForbidden},
			{"learner", account.Principal{UserID: 9, Role: account.RoleLearner, EnterpriseID: e.a.ID, PersonID: 1}, e.a.ID, roster.ErrForbidden},
			{"no such enterprise", xlAdmin, 9999, roster.ErrEnterpriseNotFound},
		}
		for _, tt := range tests {
			for _, dry := range []bool{true, false} {
				if _, err := e.importFile(tt.p, tt.into, clean, dry); !errors.Is(err, tt.want) {
					t.Errorf("%s (dry=%v): error = %v, want %v", tt.name, dry, err, tt.want)
				}
			}
		}
		if after := e.counts(t); after != before {
			t.Errorf("refused imports wrote rows: %v → %v", before, after)
		}
		// The platform admin may import into any enterprise.
		if rep, err := e.importFile(xlAdmin, e.b.ID, clean, false); err != nil || rep.Created != 6 {
			t.Errorf("admin import into B: %+v, %v", rep, xlErr(err))
		}
		// Now on duty in B, they are refused in A with their rows named.
		_, err := e.importFile(xlEntAdmin(e.a.ID), e.a.ID, clean, false)
		details := xlDetails(t, err, roster.ErrImportInvalid)
		for _, row := range []int{2, 3, 7, 8} { // on duty in B (row 5, pending there, is refused too; row 4 left B)
			xlHasDetail(t, details, xlWant{row, "证件号码", "在其他单位在岗"})
		}
	})
}

// TestParseRosterForms reads the forms people type: a title row above the
// header, columns in another order under other names, blank rows, dates
// and items written several ways.
func TestParseRosterForms(t *testing.T) {
	e := xlNewEnv(t, dbtest.SQLite(t, xlMigrate))
	header := []string{"序号", "姓名", "身份证号码", "人员类别（可多选）", "作业类别/准操项目", "上岗日期", "在岗状态", "所在单位"}
	rows := []xlRow{
		{"1", "甲", xlID(1), "特种作业人员", "1.1 1.2", "2024-03-01", "在职", "某公司"},
		{"2", "乙", xlID(2), "特种作业人员", "5.10、煤矿防突作业", "2024/3/1", "", ""},
		nil,
		{"3", "丙", xlID(3), "主要负责人 / 安全员", "", "2024年3月1日", "", ""},
		{"4", "丁", xlID(4), "其他从业人员", "-", "２０２４－０３－０１", "/", ""},
		{"5", "戊", xlID(5), "其他从业人员", "", "2024-03-01T00:00:00Z", "", ""},
		{"6", "己", xlID(6), "其他从业人员", "", 45352, "", ""},
		{"7", "庚", xlID(7), "特种作业人员", "钎焊作业；3.1登高架设作业", "20240301", "", ""},
	}
	// A title row, then the header on row 2.
	all := append([]xlRow{xlRowOf(header)}, rows...)
	b := xlWorkbook(t, []string{"某公司从业人员名单"}, all, nil, nil)
	parsed, err := e.store.ParseRoster(e.ctx, bytes.NewReader(b), int64(len(b)), roster.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// 序号 is not a roster column.
	if len(parsed.Problems) != 1 || parsed.Problems[0].Column != "序号" || parsed.Problems[0].Row != 2 {
		t.Fatalf("problems:\n%s", xlFormat(parsed.Problems))
	}
	header = header[1:]
	all = []xlRow{xlRowOf(header)}
	for _, r := range rows {
		if r != nil {
			r = r[1:]
		}
		all = append(all, r)
	}
	b = xlWorkbook(t, []string{"某公司从业人员名单"}, all, nil, nil)
	parsed, err = e.store.ParseRoster(e.ctx, bytes.NewReader(b), int64(len(b)), roster.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Problems) != 0 {
		t.Fatalf("problems:\n%s", xlFormat(parsed.Problems))
	}
	if want := []int{3, 4, 6, 7, 8, 9, 10}; !slices.Equal(parsed.Rows, want) {
		t.Errorf("rows = %v, want %v", parsed.Rows, want)
	}
	wantItems := [][]string{{"1.1", "1.2"}, {"5.9", "5.10"}, nil, nil, nil, nil, {"2.3", "3.1"}}
	for i, in := range parsed.People {
		if in.AppointedOn == nil || !in.AppointedOn.Equal(xlDate(2024, 3, 1)) {
			t.Errorf("row %d: appointed %v, want 2024-03-01", parsed.Rows[i], in.AppointedOn)
		}
		got := slices.Clone(in.OperationItems)
		slices.Sort(got)
		want := slices.Clone(wantItems[i])
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("row %d: items %v, want %v", parsed.Rows[i], in.OperationItems, wantItems[i])
		}
	}
	if in := parsed.People[2]; in.Categories != roster.CategoryPrincipal|roster.CategorySafetyManager {
		t.Errorf("丙 categories = %v", in.Categories)
	}
	if in := parsed.People[0]; in.DutyStatus != roster.DutyOn {
		t.Errorf("甲 duty = %q", in.DutyStatus)
	}
}

func xlRowOf(ss []string) xlRow {
	r := make(xlRow, len(ss))
	for i, s := range ss {
		r[i] = s
	}
	return r
}

// TestImportRoster20k imports a generated 20,000-row roster on every
// dialect, reporting progress.
func TestImportRoster20k(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 rows: skipped with -short")
	}
	b := xlLargeRoster(t, 20000)
	xlEach(t, func(t *testing.T, e *xlEnv) {
		var calls int
		last := [2]int{}
		start := time.Now()
		rep, err := e.store.ImportRoster(e.ctx, xlEntAdmin(e.a.ID), e.a.ID, bytes.NewReader(b), int64(len(b)), false,
			func(done, total int) {
				if last == [2]int{20000, 20000} || done < last[0] || done > total || total < 20000 {
					t.Errorf("progress (%d, %d) after %v", done, total, last)
				}
				calls++
				last = [2]int{done, total}
			})
		if err != nil {
			t.Fatal(xlErr(err))
		}
		t.Logf("20,000 rows imported in %v", time.Since(start))
		if rep.Created != 20000 || rep.Updated != 0 || rep.Unchanged != 0 || len(rep.Missing) != 0 {
			t.Errorf("report %+v", rep)
		}
		if got := e.count(t, &roster.Person{}); got != 20000 {
			t.Errorf("people = %d", got)
		}
		if calls < 40 || last != [2]int{20000, 20000} {
			t.Errorf("progress: %d calls, last %v", calls, last)
		}
	})
}
