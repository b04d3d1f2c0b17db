package roster_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"anpei/fault"
	"anpei/roster"
)

func TestUpsertPeopleCounts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		ea := entAdmin(a.ID)
		rows := []roster.PersonInput{e.personInput(0, "一"), e.personInput(0, "二"), e.personInput(0, "三")}
		res, err := e.store.UpsertPeople(e.ctx, ea, a.ID, rows)
		if err != nil || res != (roster.ImportResult{Created: 3}) {
			t.Fatalf("first import = %+v, %v", res, err)
		}

		rows[1].Phone = "13500000001"
		rows[2].OperationItems = []string{"1.1", "2.1"}
		rows = append(rows, e.personInput(0, "四"))
		res, err = e.store.UpsertPeople(e.ctx, ea, a.ID, rows)
		if err != nil || res != (roster.ImportResult{Created: 1, Updated: 2, Unchanged: 1}) {
			t.Fatalf("second import = %+v, %v; want 1 created, 2 updated, 1 unchanged", res, err)
		}
		res, err = e.store.UpsertPeople(e.ctx, ea, a.ID, rows)
		if err != nil || res != (roster.ImportResult{Unchanged: 4}) {
			t.Fatalf("third import of the same rows = %+v, %v", res, err)
		}

		people, total, _ := e.store.ListPeople(e.ctx, ea, roster.PersonFilter{})
		if total != 4 {
			t.Fatalf("%d people, want 4", total)
		}
		byName := map[string]roster.PersonRow{}
		for _, p := range people {
			byName[p.Name] = p
		}
		if byName["二"].Phone != "13500000001" || strings.Join(byName["三"].OperationItems, ",") != "1.1,2.1" {
			t.Errorf("updates not stored: %+v / %+v", byName["二"], byName["三"])
		}
		history, _ := e.store.DutyHistory(e.ctx, ea, byName["四"].ID)
		if len(history) != 1 || history[0].Kind != roster.DutyAppoint || history[0].ActorName != "entadmin" {
			t.Errorf("history of an imported person = %+v", history)
		}

		// One ledger entry per import that changed something.
		var n int64
		e.db.Table("audit_entries").Where("action = ? AND entity = ? AND entity_id = ?", "import_people", "enterprise", itoa(a.ID)).Count(&n)
		if n != 2 {
			t.Errorf("%d import_people entries, want 2", n)
		}

		// A status change in the file appends the matching event.
		rows[0].DutyStatus, rows[0].LeftOn = roster.DutyOff, date(2025, 5, 31)
		res, err = e.store.UpsertPeople(e.ctx, ea, a.ID, rows)
		if err != nil || res.Updated != 1 {
			t.Fatalf("leave by import = %+v, %v", res, err)
		}
		history, _ = e.store.DutyHistory(e.ctx, ea, byName["一"].ID)
		if len(history) != 2 || history[1].Kind != roster.DutyLeave || !history[1].Date.Equal(*date(2025, 5, 31)) {
			t.Errorf("history after leave by import = %+v", history)
		}
	})
}

func TestUpsertPeopleAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		inB := e.person(t, e.personInput(b.ID, "乙的员工"))
		existing := e.personInput(a.ID, "原有")
		e.person(t, existing)
		before := e.countPeople(t)
		ledger := len(e.auditRows(t))

		good := e.personInput(0, "好行")
		badDigit := e.personInput(0, "坏行")
		badDigit.DocNumber = wrongCheckDigit(badDigit.DocNumber)
		future := e.personInput(0, "未来")
		future.AppointedOn = date(2030, 1, 1)
		dup := good
		dup.Name = "重复"
		changed := existing
		changed.Phone = "13700000000"
		_, err := e.store.UpsertPeople(e.ctx, admin, a.ID, []roster.PersonInput{good, badDigit, future, dup, changed})
		wantErr(t, "bad rows", err, roster.ErrImportRejected)
		want := []fault.Detail{
			{Row: 2, Field: "doc_number", Message: "校验位错误"},
			{Row: 3, Field: "appointed_on", Message: "不能晚于今天"},
			{Row: 4, Field: "doc_number", Message: "与第1行重复"},
		}
		checkDetails(t, err, want)
		if got := e.countPeople(t); got != before {
			t.Errorf("a rejected import wrote people: %d → %d", before, got)
		}
		if got := len(e.auditRows(t)); got != ledger {
			t.Errorf("a rejected import wrote %d audit entries", got-ledger)
		}
		p, _, _ := e.store.ListPeople(e.ctx, admin, roster.PersonFilter{Text: "原有"})
		if len(p) != 1 || p[0].Phone == "13700000000" {
			t.Errorf("a rejected import updated an existing person: %+v", p)
		}

		// A person on duty in another enterprise refuses the whole file.
		bNumber, err := e.store.RevealID(e.ctx, admin, inB.ID)
		if err != nil {
			t.Fatal(err)
		}
		fromB := e.personInput(0, "乙的员工")
		fromB.DocNumber = bNumber
		_, err = e.store.UpsertPeople(e.ctx, admin, a.ID, []roster.PersonInput{e.personInput(0, "新人"), fromB})
		wantErr(t, "person on duty elsewhere", err, roster.ErrPersonInOtherEnterprise)
		checkDetails(t, err, []fault.Detail{{Row: 2, Field: "doc_number", Message: "在其他单位在岗"}})
		if got := e.countPeople(t); got != before {
			t.Errorf("refused import wrote people: %d → %d", before, got)
		}

		// Once B records the leave, A's file takes the same identity over.
		if _, err := e.store.ChangeDuty(e.ctx, admin, inB.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2025, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		fromB.AppointedOn = date(2024, 12, 1)
		_, err = e.store.UpsertPeople(e.ctx, admin, a.ID, []roster.PersonInput{fromB})
		wantErr(t, "appointed before leaving B", err, roster.ErrImportRejected)
		checkDetails(t, err, []fault.Detail{{Row: 1, Field: "appointed_on", Message: "早于该人员在原单位的离岗日期（2025-01-01）"}})
		fromB.AppointedOn = date(2025, 2, 1)
		res, err := e.store.UpsertPeople(e.ctx, admin, a.ID, []roster.PersonInput{fromB})
		if err != nil || res != (roster.ImportResult{Updated: 1}) {
			t.Fatalf("take over = %+v, %v", res, err)
		}
		moved, _ := e.store.Person(e.ctx, admin, inB.ID)
		if moved.EnterpriseID != a.ID || moved.DutyStatus != roster.DutyOn {
			t.Errorf("after take-over: %+v", moved)
		}
		history, _ := e.store.DutyHistory(e.ctx, admin, inB.ID)
		if len(history) != 3 || history[2].EnterpriseID != a.ID || history[2].Kind != roster.DutyAppoint {
			t.Errorf("history = %+v, want B's 上岗 and 离岗 then A's 上岗", history)
		}
	})
}

// wrongCheckDigit replaces the check digit of an 18-digit number by another.
func wrongCheckDigit(number string) string {
	if number[17] == '0' {
		return number[:17] + "1"
	}
	return number[:17] + "0"
}

func checkDetails(t *testing.T, err error, want []fault.Detail) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *fault.Error", err)
	}
	if len(fe.Details) != len(want) {
		t.Fatalf("details = %+v, want %d like %+v", fe.Details, len(want), want)
	}
	for i, w := range want {
		d := fe.Details[i]
		if d.Row != w.Row || d.Field != w.Field || !strings.Contains(d.Message, w.Message) {
			t.Errorf("detail %d = %+v, want row %d field %s containing %q", i, d, w.Row, w.Field, w.Message)
		}
	}
}

// TestUpsertPeopleBatches crosses the insert batch and IN-chunk sizes.
func TestUpsertPeopleBatches(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "大厂", townA, industryA)
		const n = 1234
		rows := make([]roster.PersonInput, n)
		for i := range rows {
			rows[i] = e.personInput(0, fmt.Sprintf("工人%04d", i))
		}
		res, err := e.store.UpsertPeople(e.ctx, admin, a.ID, rows)
		if err != nil || res.Created != n {
			t.Fatalf("import = %+v, %v", res, err)
		}
		for i := 0; i < n; i += 3 {
			rows[i].Position = "班组长"
		}
		res, err = e.store.UpsertPeople(e.ctx, admin, a.ID, rows)
		want := roster.ImportResult{Updated: (n + 2) / 3, Unchanged: n - (n+2)/3}
		if err != nil || res != want {
			t.Fatalf("re-import = %+v, %v; want %+v", res, err, want)
		}
		var items, events, leads int64
		e.db.Model(&roster.Person{}).Where("position = ?", "班组长").Count(&leads)
		if leads != int64(want.Updated) || e.countPeople(t) != n {
			t.Errorf("%d people stored as 班组长 of %d, want %d of %d", leads, e.countPeople(t), want.Updated, n)
		}
		e.db.Model(&roster.PersonOperationItem{}).Count(&items)
		e.db.Model(&roster.DutyEvent{}).Count(&events)
		if items != n || events != n {
			t.Errorf("%d item rows and %d events, want %d each", items, events, n)
		}
		row, _ := e.store.Enterprise(e.ctx, admin, a.ID)
		if row.OnDuty.SpecialOperator != n {
			t.Errorf("on-duty special operators = %d, want %d", row.OnDuty.SpecialOperator, n)
		}
		// Every person's ID read back matches their own row.
		people, _, _ := e.store.ListPeople(e.ctx, admin, roster.PersonFilter{EnterpriseID: a.ID, Text: rows[n-1].DocNumber})
		if len(people) != 1 || people[0].Name != rows[n-1].Name {
			t.Errorf("lookup of the last row = %+v", people)
		}
	})
}

func TestMissingFrom(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		rows := []roster.PersonInput{e.personInput(0, "一"), e.personInput(0, "二"), e.personInput(0, "三")}
		rows[2].DutyStatus, rows[2].LeftOn = roster.DutyOff, date(2025, 1, 1)
		if _, err := e.store.UpsertPeople(e.ctx, admin, a.ID, rows); err != nil {
			t.Fatal(err)
		}
		h, err := e.store.HashID("", strings.ToLower(rows[0].DocNumber))
		if err != nil {
			t.Fatal(err)
		}
		missing, err := e.store.MissingFrom(e.ctx, entAdmin(a.ID), a.ID, []string{h})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range missing {
			names = append(names, m.Name)
		}
		if !slices.Equal(names, []string{"二"}) {
			t.Errorf("missing = %v, want only the on-duty person left out (二)", names)
		}
		if _, err := e.store.HashID("", "123"); !errors.Is(err, roster.ErrInvalidPerson) {
			t.Errorf("HashID of garbage = %v", err)
		}
	})
}
