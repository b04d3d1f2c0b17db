package demo

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

func migrate(gdb *gorm.DB) error { return schema.Migrate(context.Background(), gdb) }

// stores builds the stores main wires, with the cheapest bcrypt cost unless
// realCost is set.
func stores(t testing.TB, gdb *gorm.DB, realCost bool) (*account.Store, *roster.Store) {
	t.Helper()
	keys, err := pii.FromSecret(base64.StdEncoding.EncodeToString([]byte(strings.Repeat("demo-test-key-01", 4))))
	if err != nil {
		t.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, nil)
	opt := account.Options{BcryptCost: bcrypt.MinCost}
	if realCost {
		opt = account.Options{}
	}
	return account.NewStore(gdb, opt), rs
}

// seed runs Seed on an empty database and reports how long it took.
func seed(t *testing.T, gdb *gorm.DB, accounts *account.Store, rs *roster.Store) {
	t.Helper()
	ctx := context.Background()
	if empty, err := Empty(ctx, gdb); err != nil || !empty {
		t.Fatalf("Empty before seeding = %v, %v; want true", empty, err)
	}
	if demo, err := IsDemo(ctx, gdb); err != nil || demo {
		t.Fatalf("IsDemo before seeding = %v, %v; want false", demo, err)
	}
	start := time.Now()
	if err := Seed(ctx, gdb, accounts, rs); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("Seed took %v", time.Since(start).Round(time.Millisecond))
}

func TestSeed(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, rs := stores(t, gdb, false)
		seed(t, gdb, accounts, rs)
		if empty, err := Empty(ctx, gdb); err != nil || empty {
			t.Errorf("Empty after seeding = %v, %v; want false", empty, err)
		}
		if demo, err := IsDemo(ctx, gdb); err != nil || !demo {
			t.Errorf("IsDemo after seeding = %v, %v; want true", demo, err)
		}
		checkDistrict(t, gdb, accounts, rs)
	})
}

// checkDistrict checks what Seed wrote: accounts that log in, the
// enterprise and learner of the contract, counts and categories, and an
// intact audit ledger.
func checkDistrict(t *testing.T, gdb *gorm.DB, accounts *account.Store, rs *roster.Store) {
	t.Helper()
	ctx := context.Background()
	sys := account.System()
	d, _ := loadDistrict()

	users := map[string]account.User{}
	for _, a := range d.Accounts {
		l, err := accounts.Login(ctx, a.Username, Password, "127.0.0.1", "demo-test")
		if err != nil {
			t.Errorf("login %s with %s: %v", a.Username, Password, err)
			continue
		}
		if string(l.User.Role) != a.Role {
			t.Errorf("%s has role %s, want %s", a.Username, l.User.Role, a.Role)
		}
		users[a.Username] = l.User
	}
	for _, a := range Accounts() {
		if _, ok := users[a.Username]; !ok {
			t.Errorf("contract account %s missing", a.Username)
		}
	}
	if u := users["regulator"]; u.JurisdictionKind != account.JurisdictionDistrict {
		t.Errorf("regulator jurisdiction %q, want district", u.JurisdictionKind)
	}

	industries, err := rs.Industries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	highRisk := map[string]bool{}
	for _, in := range industries {
		highRisk[in.Code] = in.HighRisk
	}
	ent := users["enterprise"]
	if ent.EnterpriseID == nil {
		t.Fatal("enterprise account has no enterprise")
	}
	e, err := rs.Enterprise(ctx, sys, *ent.EnterpriseID)
	if err != nil {
		t.Fatalf("enterprise of the enterprise account: %v", err)
	}
	if !highRisk[e.IndustryCode] {
		t.Errorf("enterprise account's enterprise %s is %s, not high-risk", e.Name, e.IndustryCode)
	}
	if ent.Name != e.ContactName || ent.Phone != e.ContactPhone {
		t.Errorf("enterprise admin %s %s is not the enterprise's contact %s %s", ent.Name, ent.Phone, e.ContactName, e.ContactPhone)
	}
	lu := users["learner"]
	if lu.PersonID == nil {
		t.Fatal("learner account has no person")
	}
	person, err := rs.Person(ctx, sys, *lu.PersonID)
	if err != nil {
		t.Fatalf("person of the learner: %v", err)
	}
	if person.EnterpriseID != e.ID || !person.Categories.Has(roster.CategorySpecialOperator) ||
		!slices.Contains(person.OperationItems, "2.1") || person.DutyStatus != roster.DutyOn {
		t.Errorf("learner's person = %+v; want an on-duty special operator with 2.1 in enterprise %d", person, e.ID)
	}
	if lu.Name != person.Name {
		t.Errorf("learner account named %s, person %s", lu.Name, person.Name)
	}

	list, total, err := rs.ListEnterprises(ctx, sys, roster.EnterpriseFilter{Limit: roster.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != len(d.Enterprises) {
		t.Errorf("%d enterprises, want %d", total, len(d.Enterprises))
	}
	for _, row := range list {
		if _, err := ident.ParseCreditCode(row.CreditCode); err != nil {
			t.Errorf("%s: stored credit code %s: %v", row.Name, row.CreditCode, err)
		}
		c := row.OnDuty
		if c.Principal != 1 || c.SafetyManager < 1 || c.SafetyManager > 3 || c.SpecialOperator < 2 || c.Other < 1 {
			t.Errorf("%s: on duty %+v; want 1 principal, 1–3 safety managers, special operators and others", row.Name, c)
		}
	}
	_, people, err := rs.ListPeople(ctx, sys, roster.PersonFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if people < 300 || people > 420 {
		t.Errorf("%d people, want 300–420", people)
	}
	for _, c := range roster.Categories() {
		if _, n, err := rs.ListPeople(ctx, sys, roster.PersonFilter{Category: c, Limit: 1}); err != nil || n == 0 {
			t.Errorf("people of category %s: %d, %v", c.Label(), n, err)
		}
	}
	for _, s := range roster.DutyStatuses() {
		if _, n, err := rs.ListPeople(ctx, sys, roster.PersonFilter{DutyStatus: s, Limit: 1}); err != nil || n == 0 {
			t.Errorf("people %s: %d, %v", s.Label(), n, err)
		}
	}
	town := account.Principal{Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "530302001"}
	if _, n, err := rs.ListEnterprises(ctx, town, roster.EnterpriseFilter{}); err != nil || n == 0 {
		t.Errorf("enterprises in 南宁街道: %d, %v", n, err)
	}

	res, err := audit.Verify(ctx, gdb)
	if err != nil || !res.OK {
		t.Errorf("audit ledger after seeding: %+v, %v", res, err)
	}
}

// TestSeedResumes interrupts a seed (the marker left incomplete, the
// accounts gone) and checks that Empty says so and a second Seed finishes
// the job without duplicating anything.
func TestSeedResumes(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, rs := stores(t, gdb, false)
		seed(t, gdb, accounts, rs)
		_, before, _ := rs.ListPeople(ctx, account.System(), roster.PersonFilter{Limit: 1})

		if err := gdb.Model(&mark{}).Where("1 = 1").Update("completed_at", nil).Error; err != nil {
			t.Fatal(err)
		}
		if err := gdb.Where("username IN ?", []string{"trainer", "learner", "regulator-town"}).Delete(&account.User{}).Error; err != nil {
			t.Fatal(err)
		}
		if empty, err := Empty(ctx, gdb); err != nil || !empty {
			t.Fatalf("Empty with an interrupted seed = %v, %v; want true", empty, err)
		}
		if demo, err := IsDemo(ctx, gdb); err != nil || demo {
			t.Fatalf("IsDemo with an interrupted seed = %v, %v; want false", demo, err)
		}
		if err := Seed(ctx, gdb, accounts, rs); err != nil {
			t.Fatalf("resumed Seed: %v", err)
		}
		_, after, _ := rs.ListPeople(ctx, account.System(), roster.PersonFilter{Limit: 1})
		if after != before {
			t.Errorf("people: %d after the resumed seed, %d before", after, before)
		}
		checkDistrict(t, gdb, accounts, rs)
		if err := Seed(ctx, gdb, accounts, rs); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("Seed on a seeded database: %v, want ErrNotEmpty", err)
		}

		// A finished demo whose users were all deleted gets them back.
		if err := gdb.Where("1 = 1").Delete(&account.User{}).Error; err != nil {
			t.Fatal(err)
		}
		if err := Seed(ctx, gdb, accounts, rs); err != nil {
			t.Fatalf("Seed after deleting every user: %v", err)
		}
		var marks int64
		gdb.Model(&mark{}).Count(&marks)
		if marks != 1 {
			t.Errorf("%d rows in demo_marks, want 1", marks)
		}
		checkDistrict(t, gdb, accounts, rs)
	})
}

func TestFirstAdmin(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, _ := stores(t, gdb, false)
		pw, err := FirstAdmin(ctx, accounts)
		if err != nil {
			t.Fatalf("FirstAdmin: %v", err)
		}
		if len(pw) < 16 || pw == Password {
			t.Errorf("password %q: want at least 16 random characters", pw)
		}
		l, err := accounts.Login(ctx, "admin", pw, "127.0.0.1", "demo-test")
		if err != nil || l.User.Role != account.RoleAdmin {
			t.Fatalf("login admin with the printed password: %+v, %v", l.User, err)
		}
		if _, err := accounts.Login(ctx, "admin", Password, "127.0.0.1", "demo-test"); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("login admin with the demo password: %v, want ErrBadCredentials", err)
		}
		if _, err := FirstAdmin(ctx, accounts); !errors.Is(err, account.ErrUsernameTaken) {
			t.Errorf("second FirstAdmin: %v, want ErrUsernameTaken", err)
		}
		if empty, _ := Empty(ctx, gdb); empty {
			t.Error("Empty after FirstAdmin = true")
		}
		if demo, _ := IsDemo(ctx, gdb); demo {
			t.Error("IsDemo on a production database = true")
		}
		_, rs := stores(t, gdb, false)
		if err := Seed(ctx, gdb, accounts, rs); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("Seed on a database with an admin: %v, want ErrNotEmpty", err)
		}
	})
}

// TestSeedTime seeds with the real bcrypt cost, as `go run .` does, and
// fails when seeding SQLite is so slow that starting the demo would feel
// broken. Timings under the race detector say nothing, so it skips there.
func TestSeedTime(t *testing.T) {
	if raceEnabled {
		t.Skip("timing is meaningless under the race detector")
	}
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		accounts, rs := stores(t, gdb, true)
		start := time.Now()
		if err := Seed(context.Background(), gdb, accounts, rs); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("Seed with bcrypt cost %d took %v", bcrypt.DefaultCost, took.Round(time.Millisecond))
		if limit := 3 * time.Second; t.Name() == "TestSeedTime/sqlite" && took > limit {
			t.Errorf("Seed on SQLite took %v, want under %v so that `go run .` starts fast", took, limit)
		}
	})
}
