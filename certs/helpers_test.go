package certs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/fault"
	"anpei/roster"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func migrateAll(gdb *gorm.DB) error {
	if err := audit.AutoMigrate(gdb); err != nil {
		return err
	}
	if err := roster.AutoMigrate(gdb); err != nil {
		return err
	}
	return AutoMigrate(gdb)
}

var (
	admin    = account.Principal{UserID: 1, Username: "admin", Role: account.RoleAdmin}
	townReg  = account.Principal{UserID: 2, Username: "town", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "T1"}
	entAdmin = account.Principal{UserID: 3, Username: "ent", Role: account.RoleEnterpriseAdmin, EnterpriseID: 1}
	learner  = account.Principal{UserID: 4, Username: "learner", Role: account.RoleLearner, PersonID: 1, EnterpriseID: 1}
	trainer  = account.Principal{UserID: 5, Username: "trainer", Role: account.RoleTrainer}
)

// person is a roster person of the fixture; persons 1 and 2 work for
// enterprise 1 in town T1, person 3 for enterprise 2 in town T2.
type fixturePerson struct {
	id, enterprise uint
	name, idNumber string
	cats           roster.Category
	items          []string
}

var fixture = []fixturePerson{
	{1, 1, "张晓明", "530302199001011234", roster.CategorySpecialOperator, []string{"1.2"}},
	{2, 1, "李四", "53030219850505432X", roster.CategoryPrincipal, nil},
	{3, 2, "王五", "530302197003030011", roster.CategoryOther, nil},
}

func seedRoster(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	for _, e := range []roster.Enterprise{
		{ID: 1, Name: "麒麟化工", CreditCode: "91530302MA000001", TownCode: "T1", IndustryCode: "hazchem", Status: roster.StatusOperating},
		{ID: 2, Name: "沿江机械", CreditCode: "91530302MA000002", TownCode: "T2", IndustryCode: "machinery", Status: roster.StatusOperating},
	} {
		if err := gdb.Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range fixture {
		row := roster.Person{ID: p.id, DocType: "id_card", IDHash: p.idNumber, IDCipher: "x", IDMasked: p.idNumber[:6] + "********" + p.idNumber[14:],
			Name: p.name, EnterpriseID: p.enterprise, Categories: p.cats, DutyStatus: roster.DutyOn}
		if err := gdb.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
	}
}

type collaborators struct {
	mu     sync.Mutex
	passes map[uint]Pass
	unmet  map[uint][]string
}

func testStore(t *testing.T, gdb *gorm.DB, c *clock) (*Store, *collaborators) {
	t.Helper()
	seedRoster(t, gdb)
	col := &collaborators{passes: map[uint]Pass{}, unmet: map[uint][]string{}}
	st := NewStore(gdb, Options{Now: c.Now, Authority: "麒麟区应急管理局",
		Holder: func(_ context.Context, id uint) (Holder, error) {
			for _, p := range fixture {
				if p.id == id {
					return Holder{PersonID: p.id, EnterpriseID: p.enterprise, Name: p.name, IDMasked: p.idNumber[:6] + "********" + p.idNumber[14:],
						IDNumber: p.idNumber, Categories: p.cats, Items: p.items}, nil
				}
			}
			return Holder{}, fault.New(fault.NotFound, "person_not_found", "人员不存在")
		},
		PersonIDIn: roster.PersonIDIn,
		Unmet: func(_ context.Context, id uint, rules []string) ([]string, error) {
			col.mu.Lock()
			defer col.mu.Unlock()
			out := make([]string, len(rules))
			if u := col.unmet[id]; len(u) > 0 {
				out[0] = u[0]
			}
			return out, nil
		},
		PassOf: func(_ context.Context, id uint) (Pass, error) {
			col.mu.Lock()
			defer col.mu.Unlock()
			p, ok := col.passes[id]
			if !ok {
				return Pass{}, fault.New(fault.NotFound, "attempt_not_found", "答卷不存在")
			}
			return p, nil
		},
		PassesSince: func(_ context.Context, since time.Time, examID, after uint, limit int) ([]Pass, error) {
			col.mu.Lock()
			defer col.mu.Unlock()
			var out []Pass
			for id := after + 1; id <= 1000 && len(out) < limit; id++ {
				if p, ok := col.passes[id]; ok && !p.FinishedAt.Before(since) && (examID == 0 || p.ExamID == examID) {
					out = append(out, p)
				}
			}
			return out, nil
		},
		IDHash: func(id string) (string, string, string) {
			sum := sha256.Sum256([]byte("salt" + id))
			return "salt", hex.EncodeToString(sum[:]), "sha256$" + hex.EncodeToString(sum[:])
		},
	})
	return st, col
}

func (c *collaborators) pass(p Pass) {
	c.mu.Lock()
	c.passes[p.AttemptID] = p
	c.mu.Unlock()
}
