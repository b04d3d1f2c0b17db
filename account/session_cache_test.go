package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
)

// TestSessionCache: an authenticated session is reused from memory for the
// TTL, a minute (a row deleted behind the store's back still works until
// then), but every change the store makes applies at once: logout,
// disabling, a reset password; and never past the session's own deadline.
func TestSessionCache(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, clk := newStore(gdb)
		admin, _ := s.CreateUser(ctx, account.System(), account.NewUser{Username: "root1", Name: "管理员", Role: account.RoleAdmin, Password: "good-pass-1"})
		u, err := s.CreateUser(ctx, account.System(), account.NewUser{Username: "lisi", Name: "李四", Role: account.RoleTrainer, Password: "good-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		login := func() string {
			t.Helper()
			l, err := s.Login(ctx, "lisi", "good-pass-1", "10.0.0.1", "ua")
			if err != nil {
				t.Fatal(err)
			}
			return l.Token
		}
		auth := func(tok string) error { _, err := s.Authenticate(ctx, tok); return err }

		// Within the TTL the database is not asked again…
		tok := login()
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
		if err := gdb.Exec("DELETE FROM sessions").Error; err != nil {
			t.Fatal(err)
		}
		clk.add(59 * time.Second)
		if err := auth(tok); err != nil {
			t.Fatalf("a session read 59 s ago: %v, want it from memory", err)
		}
		// …after it, it is, and a session gone from the database is gone.
		clk.add(2 * time.Second)
		if err := auth(tok); !errors.Is(err, account.ErrNoSession) {
			t.Fatalf("after the TTL: %v, want ErrNoSession", err)
		}

		// Logout applies at once.
		tok = login()
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.Authenticate(ctx, tok)
		if err := s.Logout(ctx, cur.Principal, tok); err != nil {
			t.Fatal(err)
		}
		if err := auth(tok); !errors.Is(err, account.ErrNoSession) {
			t.Fatalf("after logout: %v", err)
		}

		// Disabling applies at once, to every session of the user.
		tok = login()
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
		yes, no := true, false
		ap := account.Principal{UserID: admin.ID, Role: account.RoleAdmin}
		if _, err := s.UpdateUser(ctx, ap, u.ID, account.UserPatch{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if err := auth(tok); err == nil {
			t.Fatal("a disabled user's cached session still authenticates")
		}
		if _, err := s.UpdateUser(ctx, ap, u.ID, account.UserPatch{Disabled: &no}); err != nil {
			t.Fatal(err)
		}

		// So does a reset password.
		tok = login()
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
		if err := s.ResetPassword(ctx, ap, u.ID, "other-pass-2"); err != nil {
			t.Fatal(err)
		}
		if err := auth(tok); !errors.Is(err, account.ErrNoSession) {
			t.Fatalf("after a password reset: %v", err)
		}

		// A cached session still ends at its idle deadline.
		l, err := s.Login(ctx, "lisi", "other-pass-2", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if err := auth(l.Token); err != nil {
			t.Fatal(err)
		}
		clk.add(2*time.Hour + time.Second)
		if err := auth(l.Token); !errors.Is(err, account.ErrSessionExpired) {
			t.Fatalf("past the idle deadline: %v, want ErrSessionExpired", err)
		}
	})
}

// TestSessionCacheAcrossServers: two stores on one database are two
// servers. What one changes — a logout, a disabled user, a reset password
// — the other honours at its next read of the change feed, a second
// later at most, though it had the session cached; other users' cached
// sessions stay.
func TestSessionCacheAcrossServers(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		clk := &fakeClock{t: time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)}
		a := account.NewStore(gdb, account.Options{Now: clk.now, BcryptCost: 4})
		b := account.NewStore(gdb, account.Options{Now: clk.now, BcryptCost: 4})
		admin, _ := a.CreateUser(ctx, account.System(), account.NewUser{Username: "root1", Name: "管理员", Role: account.RoleAdmin, Password: "good-pass-1"})
		ap := account.Principal{UserID: admin.ID, Role: account.RoleAdmin}
		u, err := a.CreateUser(ctx, account.System(), account.NewUser{Username: "lisi", Name: "李四", Role: account.RoleTrainer, Password: "good-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		password := "good-pass-1"
		login := func() string {
			t.Helper()
			l, err := a.Login(ctx, "lisi", password, "10.0.0.1", "ua")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Authenticate(ctx, l.Token); err != nil { // b caches it
				t.Fatal(err)
			}
			return l.Token
		}
		// honoured checks that b still has tok cached at once and refuses
		// it once a second has passed.
		honoured := func(what, tok string) {
			t.Helper()
			if _, err := b.Authenticate(ctx, tok); err != nil {
				t.Fatalf("%s: the other server refused the session at once (%v); the test needs it cached there", what, err)
			}
			clk.add(1100 * time.Millisecond)
			if _, err := b.Authenticate(ctx, tok); err == nil {
				t.Fatalf("%s: the other server still accepts the session a second later", what)
			}
		}

		tok := login()
		cur, _ := a.Authenticate(ctx, tok)
		if err := a.Logout(ctx, cur.Principal, tok); err != nil {
			t.Fatal(err)
		}
		honoured("logout", tok)

		tok = login()
		yes, no := true, false
		if _, err := a.UpdateUser(ctx, ap, u.ID, account.UserPatch{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		honoured("disabled", tok)
		if _, err := a.UpdateUser(ctx, ap, u.ID, account.UserPatch{Disabled: &no}); err != nil {
			t.Fatal(err)
		}

		tok = login()
		password = "other-pass-2"
		if err := a.ResetPassword(ctx, ap, u.ID, password); err != nil {
			t.Fatal(err)
		}
		honoured("reset password", tok)

		// Another user's cached session is not touched by these changes,
		// and b keeps it from memory (deleted behind the stores' back).
		other, err := a.CreateUser(ctx, account.System(), account.NewUser{Username: "wangwu", Name: "王五", Role: account.RoleTrainer, Password: "good-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := a.Login(ctx, other.Username, "good-pass-1", "10.0.0.1", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Authenticate(ctx, l.Token); err != nil {
			t.Fatal(err)
		}
		gdb.Exec("DELETE FROM sessions WHERE user_id = ?", other.ID)
		if err := a.ResetPassword(ctx, ap, u.ID, "third-pass-3"); err != nil {
			t.Fatal(err)
		}
		clk.add(1100 * time.Millisecond)
		if _, err := b.Authenticate(ctx, l.Token); err != nil {
			t.Fatalf("another user's change dropped this user's cached session: %v", err)
		}
	})
}
