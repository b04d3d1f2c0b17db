package roster_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
)

// now is the fixed clock of every test: 15 June 2025, 10:00 in Qujing.
var now = time.Date(2025, 6, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func today() time.Time { return time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC) }

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func migrate(gdb *gorm.DB) error {
	if err := audit.AutoMigrate(gdb); err != nil {
		return err
	}
	return roster.AutoMigrate(gdb)
}

// each runs fn on every dialect with a migrated database and a store.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		keys, err := pii.LoadOrCreate(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &env{
			ctx:   context.Background(),
			db:    gdb,
			keys:  keys,
			store: roster.NewStore(gdb, keys, func() time.Time { return now }),
		})
	})
}

type env struct {
	ctx   context.Context
	db    *gorm.DB
	keys  *pii.Keyring
	store *roster.Store
	// serial makes generated credit codes and ID numbers unique.
	serial atomic.Int64
}

// Principals.
var (
	admin      = account.Principal{UserID: 1, Username: "admin", Role: account.RoleAdmin, JurisdictionKind: account.JurisdictionDistrict, IP: "10.0.0.1"}
	districtRg = account.Principal{UserID: 2, Username: "district", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionDistrict}
	trainer    = account.Principal{UserID: 3, Username: "trainer", Role: account.RoleTrainer}
)

func townRegulator(code string) account.Principal {
	return account.Principal{UserID: 4, Username: "town", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: code}
}

func deptRegulator(code string) account.Principal {
	return account.Principal{UserID: 5, Username: "dept", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionDepartment, JurisdictionCode: code}
}

func entAdmin(enterpriseID uint) account.Principal {
	return account.Principal{UserID: 6, Username: "entadmin", Role: account.RoleEnterpriseAdmin, EnterpriseID: enterpriseID}
}

func learner(enterpriseID, personID uint) account.Principal {
	return account.Principal{UserID: 7, Username: "learner", Role: account.RoleLearner, EnterpriseID: enterpriseID, PersonID: personID}
}

// Town and industry codes of the two tenants most tests use.
const (
	townA     = "530302001" // 南宁街道
	townB     = "530302101" // 越州镇
	industryA = "hazchem"   // 区应急管理局
	industryB = "construction"
	deptA     = "emergency"
	deptB     = "housing"
)

// creditCode returns a fresh valid credit code.
func (e *env) creditCode() string {
	n := e.serial.Add(1)
	return ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode(fmt.Sprintf("MA%06d", n)))
}

// idNumber returns a fresh valid resident ID number of someone born in 1985.
func (e *env) idNumber() string {
	n := int(e.serial.Add(1))
	birth := time.Date(1985, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
	return ident.MakeResidentID("530302", birth, n, n%2 == 0)
}

func (e *env) enterprise(t testing.TB, name, town, industry string) roster.Enterprise {
	t.Helper()
	ent, err := e.store.CreateEnterprise(e.ctx, admin, roster.EnterpriseInput{
		Name: name, CreditCode: e.creditCode(), TownCode: town, IndustryCode: industry,
		ContactName: "张三", ContactPhone: "13800000000",
	})
	if err != nil {
		t.Fatalf("create enterprise %s: %v", name, err)
	}
	return ent
}

// personInput is a valid special operator on duty since 2024-03-01.
func (e *env) personInput(enterpriseID uint, name string) roster.PersonInput {
	return roster.PersonInput{
		EnterpriseID: enterpriseID, DocNumber: e.idNumber(), Name: name, Phone: "13912345678",
		Education: roster.EduSenior, Categories: roster.CategorySpecialOperator, OperationItems: []string{"1.2"},
		Position: "电工", DutyStatus: roster.DutyOn, AppointedOn: date(2024, 3, 1),
	}
}

func (e *env) person(t testing.TB, in roster.PersonInput) roster.Person {
	t.Helper()
	p, err := e.store.CreatePerson(e.ctx, admin, in)
	if err != nil {
		t.Fatalf("create person %s: %v", in.Name, err)
	}
	return p
}

// wantErr fails unless err matches want (nil meaning success).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
}

// wantDetail fails unless err is a *fault.Error with a detail on field
// whose message contains msg.
func wantDetail(t *testing.T, err error, field, msg string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *fault.Error", err)
	}
	for _, d := range fe.Details {
		if d.Field == field && strings.Contains(d.Message, msg) {
			return
		}
	}
	t.Errorf("details %+v have no %s detail containing %q", fe.Details, field, msg)
}

// auditRows returns the raw text of every audit row, one string per row.
func (e *env) auditRows(t *testing.T) []string {
	t.Helper()
	var rows []map[string]any
	if err := e.db.Raw("SELECT * FROM audit_entries ORDER BY seq").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for k, v := range r {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v;", k, v)
		}
		out[i] = b.String()
	}
	return out
}

func (e *env) countPeople(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := e.db.Model(&roster.Person{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(id uint) string { return strconv.FormatUint(uint64(id), 10) }
