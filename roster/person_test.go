package roster_test

import (
	"strings"
	"testing"

	"anpei/ident"
	"anpei/roster"
)

func TestCreatePersonStoresOnlySealedNumber(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ent := e.enterprise(t, "甲化工", townA, industryA)
		in := e.personInput(ent.ID, "王五")
		in.DocNumber = strings.ToLower(in.DocNumber) // a lower-case x, if any, is accepted
		p := e.person(t, in)
		number := strings.ToUpper(in.DocNumber)

		if p.IDMasked != ident.MaskID(number) || strings.Contains(p.IDMasked, number[6:14]) {
			t.Errorf("masked = %q", p.IDMasked)
		}
		if p.BirthDate == nil || p.Sex == "" {
			t.Errorf("birth date and sex not derived from the number: %+v", p)
		}
		var raw struct{ IDCipher, IDHash string }
		e.db.Raw("SELECT id_cipher, id_hash FROM people WHERE id = ?", p.ID).Scan(&raw)
		if raw.IDCipher == "" || strings.Contains(raw.IDCipher, number) || raw.IDHash != e.keys.Hash(number) {
			t.Errorf("stored cipher %q hash %q: want a seal and the keyed hash", raw.IDCipher, raw.IDHash)
		}
		if opened, err := e.keys.Open(raw.IDCipher); err != nil || opened != number {
			t.Errorf("cipher opens to %q, %v", opened, err)
		}

		got, err := e.store.Person(e.ctx, admin, p.ID)
		if err != nil || got.IDCipher == "" || len(got.OperationItems) != 1 || got.OperationItems[0] != "1.2" {
			t.Errorf("Person = %+v, %v", got, err)
		}
		history, err := e.store.DutyHistory(e.ctx, admin, p.ID)
		if err != nil || len(history) != 1 || history[0].Kind != roster.DutyAppoint || !history[0].Date.Equal(*in.AppointedOn) {
			t.Errorf("history of a new person = %+v, %v; want one 上岗 on the appointment date", history, err)
		}
	})
}

func TestDuplicateIDRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		in := e.personInput(a.ID, "王五")
		e.person(t, in)

		again := in
		again.Name = "王五（重复）"
		_, err := e.store.CreatePerson(e.ctx, entAdmin(a.ID), again)
		wantErr(t, "same enterprise", err, roster.ErrDuplicateID)

		again.EnterpriseID = b.ID
		_, err = e.store.CreatePerson(e.ctx, entAdmin(b.ID), again)
		wantErr(t, "on duty in another enterprise", err, roster.ErrPersonInOtherEnterprise)

		// The same number typed as a legacy 15-digit one is the same identity.
		legacy := ident.MakeResidentID("530302", *date(1970, 5, 6), 3, true)
		first := e.personInput(a.ID, "老号码")
		first.DocNumber = legacy
		e.person(t, first)
		first.DocNumber = legacy[:6] + legacy[8:17]
		_, err = e.store.CreatePerson(e.ctx, admin, first)
		wantErr(t, "15-digit form of a stored number", err, roster.ErrDuplicateID)

		// Changing someone's number to another person's is refused too.
		other := e.person(t, e.personInput(a.ID, "另一人"))
		_, err = e.store.UpdatePerson(e.ctx, admin, other.ID, roster.PersonPatch{DocNumber: &in.DocNumber})
		wantErr(t, "take another's number", err, roster.ErrDuplicateID)
		if n := e.countPeople(t); n != 3 {
			t.Errorf("%d people, want 3", n)
		}
	})
}

func TestMoveBetweenEnterprisesKeepsIdentityAndHistory(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		c := e.enterprise(t, "丙建筑", townB, industryB)
		in := e.personInput(a.ID, "流动的电工")
		in.AppointedOn = date(2023, 1, 10)
		p := e.person(t, in)

		// Appointing into B while still on duty in A is refused.
		_, err := e.store.ChangeDuty(e.ctx, admin, p.ID, roster.DutyChange{Kind: roster.DutyAppoint, Date: *date(2025, 2, 1), EnterpriseID: b.ID})
		wantErr(t, "appoint while on duty elsewhere", err, roster.ErrPersonInOtherEnterprise)

		if _, err := e.store.ChangeDuty(e.ctx, entAdmin(a.ID), p.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2025, 1, 1), Note: "合同到期"}); err != nil {
			t.Fatalf("leave A: %v", err)
		}
		// A's admin cannot place the person in B (B is not theirs to see).
		_, err = e.store.ChangeDuty(e.ctx, entAdmin(a.ID), p.ID, roster.DutyChange{Kind: roster.DutyAppoint, Date: *date(2025, 2, 1), EnterpriseID: b.ID})
		wantErr(t, "enterprise admin appoints into another enterprise", err, roster.ErrEnterpriseNotFound)

		pos := "钢筋工"
		moved, err := e.store.ChangeDuty(e.ctx, admin, p.ID, roster.DutyChange{Kind: roster.DutyAppoint, Date: *date(2025, 2, 1), EnterpriseID: b.ID, Position: &pos})
		if err != nil {
			t.Fatalf("appoint into B: %v", err)
		}
		if moved.ID != p.ID || moved.EnterpriseID != b.ID || moved.DutyStatus != roster.DutyOn || moved.Position != pos ||
			!moved.AppointedOn.Equal(*date(2025, 2, 1)) || !moved.LeftOn.Equal(*date(2025, 1, 1)) {
			t.Errorf("after the move: %+v", moved)
		}
		_, err = e.store.Person(e.ctx, entAdmin(a.ID), p.ID)
		wantErr(t, "old enterprise reads the person", err, roster.ErrPersonNotFound)
		if _, err := e.store.Person(e.ctx, entAdmin(b.ID), p.ID); err != nil {
			t.Errorf("new enterprise cannot read the person: %v", err)
		}

		// Leaving B and being registered by C re-uses the identity too.
		if _, err := e.store.ChangeDuty(e.ctx, entAdmin(b.ID), p.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2025, 3, 1)}); err != nil {
			t.Fatal(err)
		}
		again := in
		again.EnterpriseID, again.AppointedOn, again.Phone = c.ID, date(2025, 4, 1), "13600000000"
		joined, err := e.store.CreatePerson(e.ctx, entAdmin(c.ID), again)
		if err != nil {
			t.Fatalf("C registers a person who left B: %v", err)
		}
		if joined.ID != p.ID || joined.EnterpriseID != c.ID || joined.Phone != "13600000000" {
			t.Errorf("joined = %+v, want person %d in C with the new phone", joined, p.ID)
		}
		if n := e.countPeople(t); n != 1 {
			t.Errorf("%d people, want one identity", n)
		}

		history, err := e.store.DutyHistory(e.ctx, entAdmin(c.ID), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range history {
			got = append(got, h.Date.Format("2006-01-02")+" "+h.Kind.Label()+" "+enterpriseName(h.EnterpriseID, a, b, c))
		}
		want := []string{"2023-01-10 上岗 甲", "2025-01-01 离岗 甲", "2025-02-01 上岗 乙", "2025-03-01 离岗 乙", "2025-04-01 上岗 丙"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("history = %v\nwant %v", got, want)
		}
		if history[1].Note != "合同到期" || history[1].ActorName != "entadmin" {
			t.Errorf("leave event = %+v, want its note and actor", history[1])
		}
	})
}

func enterpriseName(id uint, a, b, c roster.Enterprise) string {
	switch id {
	case a.ID:
		return "甲"
	case b.ID:
		return "乙"
	case c.ID:
		return "丙"
	}
	return "?"
}

func TestChangeDutyRules(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		p := e.person(t, e.personInput(a.ID, "电工")) // on duty since 2024-03-01
		ea := entAdmin(a.ID)
		post := "高压电工"
		for _, c := range []struct {
			name       string
			ch         roster.DutyChange
			field, msg string
		}{
			{"future date", roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2025, 6, 16)}, "date", "不能晚于今天"},
			{"before last change", roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2024, 2, 1)}, "date", "不能早于该人员上一次变动（2024-03-01 上岗）"},
			{"no date", roster.DutyChange{Kind: roster.DutyLeave}, "date", "请填写变动日期"},
			{"appoint someone on duty", roster.DutyChange{Kind: roster.DutyAppoint, Date: today()}, "kind", "已经在岗"},
			{"return someone on duty", roster.DutyChange{Kind: roster.DutyReturn, Date: today()}, "kind", "只有在本单位离岗的人员可以返岗"},
			{"transfer without post", roster.DutyChange{Kind: roster.DutyTransfer, Date: today()}, "position", "调岗须填写新岗位"},
			{"unknown kind", roster.DutyChange{Kind: "fire", Date: today()}, "kind", "请选择变动类型"},
		} {
			_, err := e.store.ChangeDuty(e.ctx, ea, p.ID, c.ch)
			wantErr(t, c.name, err, roster.ErrInvalidDutyChange)
			wantDetail(t, err, c.field, c.msg)
		}

		got, err := e.store.ChangeDuty(e.ctx, ea, p.ID, roster.DutyChange{Kind: roster.DutyTransfer, Date: *date(2024, 9, 1), Position: &post})
		if err != nil || got.Position != post || !got.PostChangedOn.Equal(*date(2024, 9, 1)) {
			t.Fatalf("transfer = %+v, %v", got, err)
		}
		if _, err := e.store.ChangeDuty(e.ctx, ea, p.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: *date(2024, 10, 1)}); err != nil {
			t.Fatal(err)
		}
		_, err = e.store.ChangeDuty(e.ctx, ea, p.ID, roster.DutyChange{Kind: roster.DutyAppoint, Date: today()})
		wantDetail(t, err, "kind", "请选择“返岗”")
		got, err = e.store.ChangeDuty(e.ctx, ea, p.ID, roster.DutyChange{Kind: roster.DutyReturn, Date: *date(2025, 5, 1)})
		if err != nil || got.DutyStatus != roster.DutyOn || !got.AppointedOn.Equal(*date(2025, 5, 1)) || !got.LeftOn.Equal(*date(2024, 10, 1)) {
			t.Fatalf("return = %+v, %v; want on duty since 2025-05-01 with the leave date kept", got, err)
		}
	})
}

func TestRevealIDIsAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		in := e.personInput(a.ID, "王五")
		p := e.person(t, in)

		me := learner(a.ID, p.ID)
		me.IP = "192.0.2.7"
		got, err := e.store.RevealID(e.ctx, me, p.ID)
		if err != nil || got != in.DocNumber {
			t.Fatalf("RevealID = %q, %v; want %q", got, err, in.DocNumber)
		}
		var entries []struct {
			ActorID   uint
			ActorName string
			IP        string
			Action    string
			Entity    string
			EntityID  string
			After     string
		}
		if err := e.db.Table("audit_entries").Where("action = ?", "reveal_id").Find(&entries).Error; err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d reveal_id entries, want 1", len(entries))
		}
		en := entries[0]
		if en.ActorID != me.UserID || en.IP != "192.0.2.7" || en.Entity != "person" || en.EntityID != itoa(p.ID) || !strings.Contains(en.After, p.IDMasked) {
			t.Errorf("reveal entry = %+v", en)
		}

		_, err = e.store.RevealID(e.ctx, trainer, p.ID)
		wantErr(t, "trainer reveals", err, roster.ErrForbidden)
		var n int64
		e.db.Table("audit_entries").Where("action = ?", "reveal_id").Count(&n)
		if n != 1 {
			t.Errorf("a refused reveal wrote an entry: %d entries", n)
		}
	})
}

// TestNoFullIDInAudit runs every writing use case and then reads the
// ledger as raw text: neither a full number nor its seal or hash may appear.
func TestNoFullIDInAudit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		var numbers []string
		in := e.personInput(a.ID, "王五")
		numbers = append(numbers, in.DocNumber)
		p := e.person(t, in)

		newNumber := e.idNumber()
		numbers = append(numbers, newNumber)
		if _, err := e.store.UpdatePerson(e.ctx, admin, p.ID, roster.PersonPatch{DocNumber: &newNumber}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RevealID(e.ctx, admin, p.ID); err != nil {
			t.Fatal(err)
		}
		e.store.ChangeDuty(e.ctx, admin, p.ID, roster.DutyChange{Kind: roster.DutyLeave, Date: today()})
		e.store.ChangeDuty(e.ctx, admin, p.ID, roster.DutyChange{Kind: roster.DutyAppoint, Date: today(), EnterpriseID: b.ID})
		rows := []roster.PersonInput{e.personInput(0, "导入一"), e.personInput(0, "导入二")}
		for _, r := range rows {
			numbers = append(numbers, r.DocNumber)
		}
		if _, err := e.store.UpsertPeople(e.ctx, admin, a.ID, rows); err != nil {
			t.Fatal(err)
		}
		rows[0].Phone = "13500000000"
		if _, err := e.store.UpsertPeople(e.ctx, admin, a.ID, rows); err != nil {
			t.Fatal(err)
		}

		var secrets []string
		e.db.Raw("SELECT id_cipher FROM people").Scan(&secrets)
		var hashes []string
		e.db.Raw("SELECT id_hash FROM people").Scan(&hashes)
		secrets = append(append(secrets, hashes...), numbers...)
		for _, n := range numbers {
			secrets = append(secrets, n[6:14]) // the birth date part is hidden by the mask too
		}
		ledger := e.auditRows(t)
		if len(ledger) < 8 {
			t.Fatalf("only %d audit entries", len(ledger))
		}
		for _, row := range ledger {
			for _, s := range secrets {
				if strings.Contains(row, s) {
					t.Errorf("audit row contains %q: %s", s, row)
				}
			}
		}
	})
}

func TestUpdatePerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		p := e.person(t, e.personInput(a.ID, "王五"))
		ea := entAdmin(a.ID)

		cats := roster.CategorySpecialOperator | roster.CategorySafetyManager
		items := []string{"1.1", " 1.2", "1.1", "9.16"}
		name := "王五五"
		got, err := e.store.UpdatePerson(e.ctx, ea, p.ID, roster.PersonPatch{Name: &name, Categories: &cats, OperationItems: &items})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name || got.Categories != cats || strings.Join(got.OperationItems, ",") != "1.1,1.2,9.16" {
			t.Errorf("updated = %+v", got)
		}
		stored, _ := e.store.Person(e.ctx, ea, p.ID)
		if strings.Join(stored.OperationItems, ",") != "1.1,1.2,9.16" {
			t.Errorf("stored items = %v", stored.OperationItems)
		}

		bad := []string{"99.1"}
		_, err = e.store.UpdatePerson(e.ctx, ea, p.ID, roster.PersonPatch{OperationItems: &bad})
		wantErr(t, "unknown item", err, roster.ErrInvalidPerson)
		wantDetail(t, err, "operation_items", "不在特种作业目录中")

		// An item deactivated since stays on the person through other edits.
		e.db.Model(&roster.OperationItem{}).Where("code = ?", "9.16").Update("active", false)
		phone := "13300000000"
		if _, err := e.store.UpdatePerson(e.ctx, ea, p.ID, roster.PersonPatch{Phone: &phone}); err != nil {
			t.Errorf("editing a person who holds a deactivated item: %v", err)
		}
		// … but cannot be given to anyone new.
		in := e.personInput(a.ID, "新人")
		in.OperationItems = []string{"9.16"}
		_, err = e.store.CreatePerson(e.ctx, ea, in)
		wantDetail(t, err, "operation_items", "已停用")
	})
}

func TestListPeopleFilters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		boss := e.personInput(a.ID, "赵主任")
		boss.Categories, boss.OperationItems, boss.Phone = roster.CategoryPrincipal|roster.CategorySafetyManager, nil, "13811112222"
		e.person(t, boss)
		welder := e.personInput(a.ID, "钱焊工")
		welder.OperationItems = []string{"2.1"}
		w := e.person(t, welder)
		left := e.personInput(a.ID, "孙离岗")
		left.DutyStatus, left.LeftOn = roster.DutyOff, date(2025, 1, 1)
		e.person(t, left)
		e.person(t, e.personInput(b.ID, "李乙"))

		for _, c := range []struct {
			name string
			f    roster.PersonFilter
			want string
		}{
			{"enterprise", roster.PersonFilter{EnterpriseID: a.ID}, "孙离岗,赵主任,钱焊工"},
			{"category safety manager", roster.PersonFilter{Category: roster.CategorySafetyManager}, "赵主任"},
			{"category special operator in A", roster.PersonFilter{EnterpriseID: a.ID, Category: roster.CategorySpecialOperator}, "孙离岗,钱焊工"},
			{"duty status", roster.PersonFilter{DutyStatus: roster.DutyOff}, "孙离岗"},
			{"name part", roster.PersonFilter{Text: "焊"}, "钱焊工"},
			{"phone prefix", roster.PersonFilter{Text: "1381111"}, "赵主任"},
			{"exact ID number", roster.PersonFilter{Text: welder.DocNumber}, "钱焊工"},
			{"ID number with a lower-case x and spaces", roster.PersonFilter{Text: " " + strings.ToLower(welder.DocNumber) + " "}, "钱焊工"},
			{"part of an ID number finds nothing", roster.PersonFilter{Text: welder.DocNumber[:10]}, ""},
			{"page", roster.PersonFilter{EnterpriseID: a.ID, Limit: 1, Offset: 2}, "钱焊工"},
		} {
			rows, total, err := e.store.ListPeople(e.ctx, admin, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
				if r.IDCipher != "" || r.IDHash != "" {
					t.Errorf("%s: list row carries the seal or hash", c.name)
				}
			}
			if got := strings.Join(names, ","); got != c.want {
				t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			}
			if c.f.Limit == 0 && int(total) != len(rows) {
				t.Errorf("%s: total %d for %d rows", c.name, total, len(rows))
			}
		}
		rows, _, _ := e.store.ListPeople(e.ctx, admin, roster.PersonFilter{Text: "钱焊工"})
		if len(rows) != 1 || rows[0].ID != w.ID || rows[0].EnterpriseName != "甲化工" || strings.Join(rows[0].OperationItems, ",") != "2.1" {
			t.Errorf("row = %+v, want enterprise name and items", rows)
		}
	})
}
