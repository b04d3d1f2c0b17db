package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/certs"
	"anpei/roster"
)

// today is a Monday morning in China (01:00 UTC is 09:00 CST).
var today = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

func migrateAll(gdb *gorm.DB) error {
	for _, m := range []func(*gorm.DB) error{audit.AutoMigrate, account.AutoMigrate, roster.AutoMigrate, certs.AutoMigrate, AutoMigrate} {
		if err := m(gdb); err != nil {
			return err
		}
	}
	return nil
}

// The fixture's accounts. People 1 and 2 are on enterprise 1, person 3
// on enterprise 2, person 4 on no roster and without an account.
const (
	learner1   uint = 10 // person 1
	learner2   uint = 11 // person 2
	learner3   uint = 12 // person 3
	entAdmin1  uint = 20 // enterprise 1
	entAdmin1b uint = 21 // enterprise 1, a second admin
	entAdmin2  uint = 22 // enterprise 2
	disabled1  uint = 23 // enterprise 1, disabled
	admin      uint = 30 // the district admin: never a recipient
)

func principal(id uint) account.Principal { return account.Principal{UserID: id, Username: "u"} }

func seed(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	for _, e := range []roster.Enterprise{
		{ID: 1, Name: "麒麟化工", CreditCode: "91530302MA000001", TownCode: "T1", IndustryCode: "hazchem", Status: roster.StatusOperating},
		{ID: 2, Name: "沿江机械", CreditCode: "91530302MA000002", TownCode: "T2", IndustryCode: "machinery", Status: roster.StatusOperating},
	} {
		if err := gdb.Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		id, ent uint
		name    string
	}{{1, 1, "张晓明"}, {2, 1, "李四"}, {3, 2, "王五"}, {4, 0, "赵六"}} {
		row := roster.Person{ID: p.id, DocType: "id_card", IDHash: "h" + p.name, IDCipher: "x", IDMasked: "530302********123" + string(rune('0'+p.id)),
			Name: p.name, EnterpriseID: p.ent, DutyStatus: roster.DutyOn}
		if err := gdb.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
	}
	ptr := func(n uint) *uint { return &n }
	for _, u := range []account.User{
		{ID: learner1, Username: "l1", Role: account.RoleLearner, PersonID: ptr(1), EnterpriseID: ptr(1)},
		{ID: learner2, Username: "l2", Role: account.RoleLearner, PersonID: ptr(2), EnterpriseID: ptr(1)},
		{ID: learner3, Username: "l3", Role: account.RoleLearner, PersonID: ptr(3), EnterpriseID: ptr(2)},
		{ID: entAdmin1, Username: "e1", Role: account.RoleEnterpriseAdmin, EnterpriseID: ptr(1)},
		{ID: entAdmin1b, Username: "e1b", Role: account.RoleEnterpriseAdmin, EnterpriseID: ptr(1)},
		{ID: entAdmin2, Username: "e2", Role: account.RoleEnterpriseAdmin, EnterpriseID: ptr(2)},
		{ID: disabled1, Username: "e1x", Role: account.RoleEnterpriseAdmin, EnterpriseID: ptr(1), Disabled: true},
		{ID: admin, Username: "admin", Role: account.RoleAdmin},
	} {
		u.Name, u.PasswordHash, u.PasswordChangedAt = "测试"+u.Username, "x", today
		if err := gdb.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// cert stores a certificate of person due in days (a review when
// review, else the expiry).
func cert(t *testing.T, gdb *gorm.DB, person uint, kind string, days int, review bool, mod func(*certs.Certificate)) certs.Certificate {
	t.Helper()
	d := certs.Day(today).AddDate(0, 0, days)
	far := certs.Day(today).AddDate(3, 0, 0)
	c := certs.Certificate{Number: fmt.Sprintf("T%06d", certNo.Add(1)), Kind: kind, PersonID: person, EnterpriseID: 1,
		HolderName: "张晓明", IDMasked: "530302********1234", Issuer: "麒麟区应急管理局", IssuedOn: certs.Day(today).AddDate(-2, 0, 0), State: certs.StateActive}
	if review {
		c.NextReview, c.ValidUntil = &d, &far
	} else {
		c.ValidUntil = &d
	}
	if mod != nil {
		mod(&c)
	}
	if err := gdb.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

var certNo atomic.Int64

// recorder is an extra sender that counts what it was given and fails
// when told to.
type recorder struct {
	mu   sync.Mutex
	got  []Notice
	fail bool
}

func (r *recorder) Send(_ context.Context, n Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	if r.fail {
		return errors.New("sms gateway down")
	}
	return nil
}

func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

func testStore(t *testing.T, gdb *gorm.DB, extra ...Sender) (*Store, *bytes.Buffer) {
	t.Helper()
	seed(t, gdb)
	cs := certs.NewStore(gdb, certs.Options{Now: func() time.Time { return today }})
	logs := &bytes.Buffer{}
	st := NewStore(gdb, Options{Now: func() time.Time { return today }, Due: cs.DueBetween, Senders: extra,
		Log: slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))})
	return st, logs
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// notices returns every stored notice in id order.
func notices(t *testing.T, gdb *gorm.DB) []Notice {
	t.Helper()
	var out []Notice
	if err := gdb.Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}
