package roster_test

import (
	"strings"
	"testing"

	"anpei/fault"
	"anpei/roster"
)

// badChecksum returns a well-formed credit code with a wrong check character.
func (e *env) badChecksum() string {
	good := e.creditCode()
	last := byte('0')
	if good[17] == '0' {
		last = '1'
	}
	return good[:17] + string(last)
}

func TestCreateEnterpriseValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, err := e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{
			Name: " ", CreditCode: "123", TownCode: "530302999", IndustryCode: "mining", Grade: "E",
			Status: "bankrupt", ContactPhone: "abc",
		})
		wantErr(t, "invalid enterprise", err, roster.ErrInvalidEnterprise)
		for _, d := range []struct{ field, msg string }{
			{"name", "请填写单位名称"},
			{"credit_code", "18位"},
			{"town_code", "所选镇（街道）不存在"},
			{"industry_code", "所选行业不存在"},
			{"grade", "A、B、C、D"},
			{"status", "在营、停产或关闭"},
			{"contact_phone", "电话号码格式不正确"},
		} {
			wantDetail(t, err, d.field, d.msg)
		}

		// A lower-case code with spaces is normalized; the grade is upper-cased.
		code := e.creditCode()
		ent, err := e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{
			Name: " 麒麟化工有限公司 ", CreditCode: " " + strings.ToLower(code[:9]) + " " + code[9:], TownCode: townA,
			IndustryCode: industryA, Grade: "b", ChecksumOverrideReason: "不需要",
		})
		if err != nil {
			t.Fatal(err)
		}
		if ent.CreditCode != code || ent.Name != "麒麟化工有限公司" || ent.Grade != "B" || ent.Status != roster.StatusOperating {
			t.Errorf("created %+v: want normalized code %s, trimmed name, grade B, operating", ent, code)
		}
		if ent.ChecksumOverrideReason != "" {
			t.Errorf("a correct code kept an override reason %q", ent.ChecksumOverrideReason)
		}

		_, err = e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{Name: "另一家", CreditCode: code, TownCode: townA, IndustryCode: industryA})
		wantErr(t, "duplicate credit code", err, roster.ErrDuplicateCreditCode)
	})
}

func TestCreditCodeChecksumOverride(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bad := e.badChecksum()
		in := roster.EnterpriseInput{Name: "校验位不符的公司", CreditCode: bad, TownCode: townA, IndustryCode: industryA}
		_, err := e.store.CreateEnterprise(e.ctx, admin, in)
		wantErr(t, "no reason", err, roster.ErrCreditCodeChecksum)
		if fe := fault.As(err); fe.Kind != fault.Unprocessable || fe.Code != "credit_code_checksum" {
			t.Errorf("error kind %v code %s, want Unprocessable credit_code_checksum", fe.Kind, fe.Code)
		}
		wantDetail(t, err, "credit_code", "校验位不符")

		in.ChecksumOverrideReason = "核对"
		_, err = e.store.CreateEnterprise(e.ctx, admin, in)
		wantErr(t, "short reason", err, roster.ErrCreditCodeChecksum)

		in.ChecksumOverrideReason = "已与营业执照原件核对无误"
		ent, err := e.store.CreateEnterprise(e.ctx, admin, in)
		if err != nil {
			t.Fatalf("with reason: %v", err)
		}
		if ent.ChecksumOverrideReason != in.ChecksumOverrideReason || ent.CreditCode != bad {
			t.Errorf("stored %+v, want the code and its reason", ent)
		}
		rows := e.auditRows(t)
		if last := rows[len(rows)-1]; !strings.Contains(last, "已与营业执照原件核对无误") {
			t.Errorf("audit entry does not record the override reason: %s", last)
		}

		// Editing another field keeps the accepted code and its reason.
		phone := "0874-3123456"
		ent, err = e.store.UpdateEnterprise(e.ctx, admin, ent.ID, roster.EnterprisePatch{ContactPhone: &phone})
		if err != nil || ent.ChecksumOverrideReason == "" {
			t.Fatalf("update contact of an overridden code: %v, reason %q", err, ent.ChecksumOverrideReason)
		}
		// Clearing the reason is refused while the code still fails.
		empty := ""
		_, err = e.store.UpdateEnterprise(e.ctx, admin, ent.ID, roster.EnterprisePatch{ChecksumOverrideReason: &empty})
		wantErr(t, "clear reason", err, roster.ErrCreditCodeChecksum)
	})
}

func TestUpdateEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲公司", townA, industryA)
		b := e.enterprise(t, "乙公司", townB, industryB)

		name := "甲公司（新）"
		grade := roster.Grade("A")
		got, err := e.store.UpdateEnterprise(e.ctx, admin, a.ID, roster.EnterprisePatch{Name: &name, Grade: &grade})
		if err != nil || got.Name != name || got.Grade != "A" || got.ContactName != "张三" {
			t.Fatalf("admin update = %+v, %v", got, err)
		}

		// A town regulator may not move an enterprise out of their town.
		rg := townRegulator(townA)
		to := townB
		_, err = e.store.UpdateEnterprise(e.ctx, rg, a.ID, roster.EnterprisePatch{TownCode: &to})
		wantErr(t, "regulator moves enterprise away", err, roster.ErrForbidden)
		row, _ := e.store.Enterprise(e.ctx, admin, a.ID)
		if row.TownCode != townA {
			t.Errorf("refused move still changed the town to %s", row.TownCode)
		}

		// Taking another enterprise's credit code is a conflict.
		_, err = e.store.UpdateEnterprise(e.ctx, admin, a.ID, roster.EnterprisePatch{CreditCode: &b.CreditCode})
		wantErr(t, "steal credit code", err, roster.ErrDuplicateCreditCode)

		// An enterprise admin edits only the contact fields.
		ea := entAdmin(a.ID)
		phone, addr := "13700001111", "麒麟区南宁北路1号"
		got, err = e.store.UpdateEnterprise(e.ctx, ea, a.ID, roster.EnterprisePatch{ContactPhone: &phone, Address: &addr})
		if err != nil || got.ContactPhone != phone || got.Address != addr {
			t.Fatalf("enterprise admin contact update = %+v, %v", got, err)
		}
		industry := "coal"
		_, err = e.store.UpdateEnterprise(e.ctx, ea, a.ID, roster.EnterprisePatch{IndustryCode: &industry})
		wantErr(t, "enterprise admin changes industry", err, roster.ErrForbidden)
		wantDetail(t, err, "industry_code", "只能修改联系人")

		// A no-op patch writes no audit entry.
		before := len(e.auditRows(t))
		if _, err := e.store.UpdateEnterprise(e.ctx, admin, a.ID, roster.EnterprisePatch{ContactPhone: &phone}); err != nil {
			t.Fatal(err)
		}
		if after := len(e.auditRows(t)); after != before {
			t.Errorf("no-op update wrote %d audit entries", after-before)
		}
	})
}

func TestListEnterprisesCountsByCategory(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.enterprise(t, "甲化工", townA, industryA)
		b := e.enterprise(t, "乙建筑", townB, industryB)
		e.enterprise(t, "丙100%建材", townB, industryB)

		both := e.personInput(a.ID, "主要负责人兼安全员")
		both.Categories, both.OperationItems = roster.CategoryPrincipal|roster.CategorySafetyManager, nil
		e.person(t, both)
		e.person(t, e.personInput(a.ID, "电工"))
		gone := e.personInput(a.ID, "离岗的人")
		gone.Categories, gone.OperationItems, gone.DutyStatus, gone.LeftOn = roster.CategoryOther, nil, roster.DutyOff, date(2025, 1, 1)
		e.person(t, gone)
		other := e.personInput(a.ID, "普通工人")
		other.Categories, other.OperationItems = roster.CategoryOther, nil
		e.person(t, other)
		e.person(t, e.personInput(b.ID, "乙的电工"))

		rows, total, err := e.store.ListEnterprises(e.ctx, admin, roster.EnterpriseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(rows) != 3 {
			t.Fatalf("list = %d rows of %d, want 3", len(rows), total)
		}
		byName := map[string]roster.EnterpriseRow{}
		for _, r := range rows {
			byName[r.Name] = r
		}
		want := roster.CategoryCounts{Principal: 1, SafetyManager: 1, SpecialOperator: 1, Other: 1, Total: 3}
		if got := byName["甲化工"].OnDuty; got != want {
			t.Errorf("甲化工 on duty = %+v, want %+v", got, want)
		}
		if got := byName["乙建筑"].OnDuty; got != (roster.CategoryCounts{SpecialOperator: 1, Total: 1}) {
			t.Errorf("乙建筑 on duty = %+v", got)
		}
		if got := byName["丙100%建材"].OnDuty; got != (roster.CategoryCounts{}) {
			t.Errorf("丙 on duty = %+v, want zeros", got)
		}
		one, err := e.store.Enterprise(e.ctx, admin, a.ID)
		if err != nil || one.OnDuty != want {
			t.Errorf("Enterprise(a) counts = %+v, %v", one.OnDuty, err)
		}

		for _, c := range []struct {
			name string
			f    roster.EnterpriseFilter
			want []string
		}{
			{"text", roster.EnterpriseFilter{Text: "化工"}, []string{"甲化工"}},
			{"percent is literal", roster.EnterpriseFilter{Text: "100%"}, []string{"丙100%建材"}},
			{"underscore is literal", roster.EnterpriseFilter{Text: "_"}, nil},
			{"credit code part, lower case", roster.EnterpriseFilter{Text: strings.ToLower(a.CreditCode[10:])}, []string{"甲化工"}},
			{"town", roster.EnterpriseFilter{TownCode: townB}, []string{"丙100%建材", "乙建筑"}},
			{"industry", roster.EnterpriseFilter{IndustryCode: industryA}, []string{"甲化工"}},
			{"status", roster.EnterpriseFilter{Status: roster.StatusClosed}, nil},
			{"page", roster.EnterpriseFilter{Limit: 1, Offset: 1}, []string{"乙建筑"}},
		} {
			rows, _, err := e.store.ListEnterprises(e.ctx, admin, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
			}
			if strings.Join(names, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: got %v, want %v", c.name, names, c.want)
			}
		}
	})
}
