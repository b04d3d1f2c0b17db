package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/fault"
)

func setup(gdb *gorm.DB) error {
	if err := audit.AutoMigrate(gdb); err != nil {
		return err
	}
	return account.AutoMigrate(gdb)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newStore(gdb *gorm.DB) (*account.Store, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)}
	return account.NewStore(gdb, account.Options{Now: clk.now, BcryptCost: 4}), clk
}

func TestLockoutAndSessions(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, clk := newStore(gdb)
		u, err := s.CreateUser(ctx, account.System(), account.NewUser{Username: "wang", Name: "王五", Phone: "13800001111", Role: account.RoleTrainer, Password: "good-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		// Login by phone number works too.
		l, err := s.Login(ctx, "13800001111", "good-pass-1", "10.0.0.1", "ua")
		if err != nil || l.User.ID != u.ID || l.Token == "" || l.CSRFToken == "" {
			t.Fatalf("login by phone: %+v, %v", l, err)
		}
		cur, err := s.Authenticate(ctx, l.Token)
		if err != nil || cur.Principal.UserID != u.ID || cur.Principal.Role != account.RoleTrainer {
			t.Fatalf("authenticate: %+v, %v", cur.Principal, err)
		}
		var stored account.Session
		gdb.First(&stored)
		if stored.ID == l.Token {
			t.Fatal("the session table holds the raw cookie token")
		}
		for i := 1; i < 5; i++ {
			if _, err := s.Login(ctx, "wang", "bad-pass-1", "10.0.0.1", "ua"); !errors.Is(err, account.ErrBadCredentials) {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		if _, err := s.Login(ctx, "wang", "bad-pass-1", "10.0.0.1", "ua"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("5th wrong password: %v, want ErrLocked", err)
		}
		if _, err := s.Login(ctx, "wang", "good-pass-1", "10.0.0.1", "ua"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("right password while locked: %v, want ErrLocked", err)
		}
		clk.add(15*time.Minute + time.Second)
		if _, err := s.Login(ctx, "wang", "good-pass-1", "10.0.0.1", "ua"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		clk.add(13 * time.Hour)
		n, err := s.PurgeExpired(ctx)
		if err != nil || n != 2 {
			t.Fatalf("purge = %d, %v; want both sessions", n, err)
		}
		if _, err := s.Authenticate(ctx, l.Token); !errors.Is(err, account.ErrNoSession) {
			t.Fatalf("purged session: %v", err)
		}
		var entries int64
		gdb.Model(&audit.Entry{}).Where("action = ?", "login_failed").Count(&entries)
		if entries != 5 {
			t.Fatalf("login_failed audit entries = %d, want 5", entries)
		}
	})
}

func TestOnlyAdminsManageUsers(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(gdb)
		trainer := account.Principal{UserID: 99, Role: account.RoleTrainer}
		if _, err := s.CreateUser(ctx, trainer, account.NewUser{Username: "x1x", Name: "甲", Role: account.RoleAdmin, Password: "good-pass-1"}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("trainer creates a user: %v", err)
		}
		if _, _, err := s.ListUsers(ctx, trainer, account.UserFilter{}); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("trainer lists users: %v", err)
		}
		if err := s.ResetPassword(ctx, trainer, 1, "good-pass-2"); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("trainer resets a password: %v", err)
		}
		tests := []struct {
			name  string
			n     account.NewUser
			field string
		}{
			{"regulator without jurisdiction", account.NewUser{Username: "reg", Name: "甲", Role: account.RoleRegulator, Password: "good-pass-1"}, "jurisdiction_kind"},
			{"town regulator without town", account.NewUser{Username: "reg", Name: "甲", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, Password: "good-pass-1"}, "jurisdiction_code"},
			{"enterprise admin without enterprise", account.NewUser{Username: "ent", Name: "甲", Role: account.RoleEnterpriseAdmin, Password: "good-pass-1"}, "enterprise_id"},
			{"learner without person", account.NewUser{Username: "lrn", Name: "甲", Role: account.RoleLearner, Password: "good-pass-1"}, "person_id"},
			{"password digits only", account.NewUser{Username: "abc", Name: "甲", Role: account.RoleTrainer, Password: "12345678"}, "password"},
			{"bad phone", account.NewUser{Username: "abc", Name: "甲", Phone: "12345", Role: account.RoleTrainer, Password: "good-pass-1"}, "phone"},
			{"markup in name", account.NewUser{Username: "abc", Name: "<b>甲</b>", Role: account.RoleTrainer, Password: "good-pass-1"}, "name"},
		}
		for _, tc := range tests {
			_, err := s.CreateUser(ctx, account.System(), tc.n)
			fe := fault.As(err)
			found := false
			for _, d := range fe.Details {
				found = found || d.Field == tc.field
			}
			if err == nil || !found {
				t.Errorf("%s: %v, want a detail on %s", tc.name, err, tc.field)
			}
		}
		var n int64
		gdb.Model(&account.User{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d users stored by refused requests", n)
		}
	})
}

func TestLoginNamesAndSearch(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(gdb)
		mk := func(username, phone string) (account.User, error) {
			return s.CreateUser(ctx, account.System(), account.NewUser{Username: username, Name: "测试", Phone: phone, Role: account.RoleTrainer, Password: "good-pass-1"})
		}
		casey, err := mk("Casey", "13800002222")
		if err != nil || casey.Username != "casey" {
			t.Fatalf("create Casey = %q, %v; want stored as casey", casey.Username, err)
		}
		if _, err := mk("CASEY", ""); !errors.Is(err, account.ErrUsernameTaken) {
			t.Fatalf("CASEY beside casey: %v, want ErrUsernameTaken on every dialect", err)
		}
		if _, err := s.Login(ctx, "CaSeY", "good-pass-1", "ip", "ua"); err != nil {
			t.Fatalf("login in another case: %v", err)
		}
		if _, err := mk("mallory", "13800002222"); !errors.Is(err, account.ErrPhoneTaken) {
			t.Fatalf("second user with the same phone: %v, want ErrPhoneTaken", err)
		}
		mal, err := mk("mallory", "")
		if err != nil {
			t.Fatal(err)
		}
		phone := "13800002222"
		if _, err := s.UpdateUser(ctx, mal.Principal(), mal.ID, account.UserPatch{Phone: &phone}); !errors.Is(err, account.ErrPhoneTaken) {
			t.Fatalf("taking another user's phone: %v, want ErrPhoneTaken", err)
		}
		if _, err := s.Login(ctx, "13800002222", "good-pass-1", "ip", "ua"); err != nil {
			t.Fatalf("login by phone: %v", err)
		}
		if _, err := mk("ab_cd", ""); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int64{"ab_cd": 1, "b_c": 1, "a%": 0, "_": 1, "!": 0} {
			_, n, err := s.ListUsers(ctx, account.System(), account.UserFilter{Text: q})
			if err != nil || n != want {
				t.Errorf("search %q = %d, %v; want %d", q, n, err, want)
			}
		}
	})
}

func TestChangePasswordGuessesLock(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(gdb)
		u, err := s.CreateUser(ctx, account.System(), account.NewUser{Username: "wang", Name: "王五", Role: account.RoleTrainer, Password: "good-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 5; i++ {
			if err := s.ChangePassword(ctx, u.Principal(), "", "guess-"+string(rune('a'+i))+"-1", "new-pass-22"); !errors.Is(err, account.ErrWrongPassword) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if err := s.ChangePassword(ctx, u.Principal(), "", "guess-z-1", "new-pass-22"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("5th wrong old password: %v, want ErrLocked", err)
		}
		if err := s.ChangePassword(ctx, u.Principal(), "", "good-pass-1", "new-pass-22"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("right old password while locked: %v, want ErrLocked", err)
		}
	})
}
