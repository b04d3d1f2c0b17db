package roster_test

import (
	"errors"
	"testing"

	"anpei/roster"
)

// TestMarkupRefused: markup and SQL fragments in free text are refused
// with the field named, and nothing is stored.
func TestMarkupRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ent := e.enterprise(t, "甲化工", townA, industryA)
		before := e.countPeople(t)
		for _, tc := range []struct {
			name  string
			edit  func(*roster.PersonInput)
			field string
		}{
			{"script in name", func(in *roster.PersonInput) { in.Name = "<script>alert(1)</script>" }, roster.FieldName},
			{"sql in position", func(in *roster.PersonInput) { in.Position = "'; DROP TABLE people;--" }, roster.FieldPosition},
			{"newline in name", func(in *roster.PersonInput) { in.Name = "张\n三" }, roster.FieldName},
		} {
			in := e.personInput(ent.ID, "张三")
			tc.edit(&in)
			_, err := e.store.CreatePerson(e.ctx, admin, in)
			if !errors.Is(err, roster.ErrInvalidPerson) {
				t.Errorf("%s: %v, want ErrInvalidPerson", tc.name, err)
				continue
			}
			wantDetail(t, err, tc.field, "")
		}
		if e.countPeople(t) != before {
			t.Fatal("refused people were stored")
		}
		_, err := e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{Name: "<b>乙</b>公司", CreditCode: e.creditCode(),
			TownCode: townA, IndustryCode: industryA, Address: "x\"; DELETE"})
		if !errors.Is(err, roster.ErrInvalidEnterprise) {
			t.Fatalf("markup enterprise: %v", err)
		}
		wantDetail(t, err, "name", "")
		wantDetail(t, err, "address", "")
		// A code in another case is no code, on MySQL as on SQLite.
		_, err = e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{Name: "丙公司", CreditCode: e.creditCode(),
			TownCode: townA, IndustryCode: upper(industryA)})
		if !errors.Is(err, roster.ErrInvalidEnterprise) {
			t.Fatalf("upper-case industry code: %v", err)
		}
	})
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
