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
// TTL (a row deleted behind the store's back still works until then), but
// every change the store makes applies at once: logout, disabling, a reset
// password; and never past the session's own deadline.
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
		clk.add(4 * time.Second)
		if err := auth(tok); err != nil {
			t.Fatalf("a session read 4 s ago: %v, want it from memory", err)
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
