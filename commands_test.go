package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db"
	"anpei/fault"
	"anpei/ident"
	"anpei/roster"
)

// runCmd runs one command line in-process.
func runCmd(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String() + errb.String()
}

func openData(t *testing.T, dir string) *gorm.DB {
	t.Helper()
	gdb, _, err := db.Open(context.Background(), "", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// TestAuditVerifyNamesTamperedRow seeds a database through the migrate
// command and a few audited changes, tampers with one ledger row, and
// expects `anpei audit verify` to fail naming it.
func TestAuditVerifyNamesTamperedRow(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCmd(t, "", "migrate", "--data", dir, "--log-level", "error"); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	t.Setenv("ANPEI_NEW_PASSWORD", "")
	gdb := openData(t, dir)
	as := account.NewStore(gdb, account.Options{BcryptCost: 4})
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := as.CreateUser(context.Background(), account.System(), account.NewUser{Username: u, Name: "测试", Role: account.RoleTrainer, Password: "good-pass-1"}); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := runCmd(t, "", "audit", "verify", "--data", dir, "--log-level", "error"); code != 0 || !strings.Contains(out, "audit chain OK: 3 entries") {
		t.Fatalf("verify intact ledger: %d %s", code, out)
	}
	if err := gdb.Exec(`UPDATE audit_entries SET after = REPLACE(after, 'bob', 'eve') WHERE seq = 2`).Error; err != nil {
		t.Fatal(err)
	}
	code, out := runCmd(t, "", "audit", "verify", "--data", dir, "--log-level", "error")
	if code == 0 || !strings.Contains(out, "seq 2") {
		t.Fatalf("verify tampered ledger: exit %d, output %q; want failure naming seq 2", code, out)
	}
}

func TestSetPasswordCommand(t *testing.T) {
	dir := t.TempDir()
	runCmd(t, "", "migrate", "--data", dir, "--log-level", "error")
	gdb := openData(t, dir)
	as := account.NewStore(gdb, account.Options{BcryptCost: 4})
	if _, err := as.CreateUser(context.Background(), account.System(), account.NewUser{Username: "root", Name: "管理员", Role: account.RoleAdmin, Password: "first-pass-1"}); err != nil {
		t.Fatal(err)
	}
	if code, out := runCmd(t, "weak\n", "admin", "set-password", "root", "--data", dir, "--log-level", "error"); code == 0 {
		t.Fatalf("a weak password was accepted: %s", out)
	}
	if code, out := runCmd(t, "second-pass-2\n", "admin", "set-password", "root", "--data", dir, "--log-level", "error"); code != 0 {
		t.Fatalf("set-password: %d %s", code, out)
	}
	if _, err := as.Login(context.Background(), "root", "second-pass-2", "127.0.0.1", "test"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if code, _ := runCmd(t, "", "admin", "set-password", "nobody", "--data", dir); code == 0 {
		t.Fatal("set-password for an unknown user succeeded")
	}
}

// TestPIIRotate rotates the ID-number key of a demo database and finds
// every number still readable, now under the new key.
func TestPIIRotate(t *testing.T) {
	dir := t.TempDir()
	// serve would seed the demo; seed it directly through the app instead.
	a, err := openApp(context.Background(), settings{Data: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	towns, _ := a.roster.Towns(ctx)
	inds, _ := a.roster.Industries(ctx)
	e, err := a.roster.CreateEnterprise(ctx, account.System(), roster.EnterpriseInput{Name: "曲靖市麒麟区测试有限公司",
		CreditCode: ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode("MA6K0001")), TownCode: towns[0].Code, IndustryCode: inds[0].Code})
	if err != nil {
		t.Fatal(err)
	}
	appointed := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	p, err := a.roster.CreatePerson(ctx, account.System(), roster.PersonInput{EnterpriseID: e.ID,
		DocNumber: "11010519491231002X", Name: "张三", Categories: roster.CategoryOther, AppointedOn: &appointed})
	a.close()
	if err != nil {
		t.Fatalf("%v %+v", err, fault.As(err).Details)
	}
	if code, out := runCmd(t, "", "pii", "rotate", "--data", dir, "--log-level", "error"); code != 0 || !strings.Contains(out, "key version 2 active, 1 ID numbers re-encrypted") {
		t.Fatalf("pii rotate: %d %s", code, out)
	}
	a, err = openApp(context.Background(), settings{Data: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	num, err := a.roster.RevealID(context.Background(), account.System(), p.ID)
	if err != nil || num != "11010519491231002X" {
		t.Fatalf("after rotation RevealID = %q, %v", num, err)
	}
	var sealed string
	a.db.Table("people").Select("id_cipher").Where("id = ?", p.ID).Scan(&sealed)
	if !strings.HasPrefix(sealed, "v2:") {
		t.Fatalf("sealed number %q not re-encrypted with key v2", sealed)
	}
}

// TestUsersMustPointAtRealThings: the account store, wired by openApp,
// refuses users whose enterprise, person, town or department is unknown.
func TestUsersMustPointAtRealThings(t *testing.T) {
	a, err := openApp(context.Background(), settings{Data: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx := context.Background()
	towns, _ := a.roster.Towns(ctx)
	for _, tc := range []struct {
		n     account.NewUser
		field string
	}{
		{account.NewUser{Username: "ent1", Role: account.RoleEnterpriseAdmin, EnterpriseID: 999999}, "enterprise_id"},
		{account.NewUser{Username: "lrn1", Role: account.RoleLearner, PersonID: 999999}, "person_id"},
		{account.NewUser{Username: "reg1", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "nowhere"}, "jurisdiction_code"},
		{account.NewUser{Username: "reg2", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionDepartment, JurisdictionCode: towns[0].Code}, "jurisdiction_code"},
		{account.NewUser{Username: "reg3", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: towns[0].Code}, ""},
	} {
		tc.n.Name, tc.n.Password = "测试", "good-pass-1"
		_, err := a.accounts.CreateUser(ctx, account.System(), tc.n)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.n.Username, err)
			}
			continue
		}
		fe := fault.As(err)
		if err == nil || len(fe.Details) == 0 || fe.Details[0].Field != tc.field {
			t.Errorf("%s: %v, want a detail on %s", tc.n.Username, err, tc.field)
		}
	}
}
