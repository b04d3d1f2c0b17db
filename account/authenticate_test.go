package account_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
)

// TestAuthenticateReadsTheWholeUser: the one statement that reads a session
// with its user (on a cache miss) returns the session and every field of
// the user as the ORM reads them, with the optional fields set and unset.
func TestAuthenticateReadsTheWholeUser(t *testing.T) {
	dbtest.Each(t, setup, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		s, clk := newStore(gdb)
		users := []account.NewUser{
			{Username: "lisi", Name: "李四", Phone: "13800002222", Role: account.RoleLearner, Password: "good-pass-1", EnterpriseID: 3, PersonID: 42},
			{Username: "zhao", Name: "赵六", Role: account.RoleRegulator, Password: "good-pass-1", JurisdictionKind: account.JurisdictionDistrict, JurisdictionCode: "QL"},
		}
		for _, n := range users {
			u, err := s.CreateUser(ctx, account.System(), n)
			if err != nil {
				t.Fatal(err)
			}
			// A failed login leaves a count; a lock leaves a time.
			s.Login(ctx, n.Username, "wrong-pass-1", "10.0.0.1", "ua")
			l, err := s.Login(ctx, n.Username, n.Password, "10.0.0.2", "浏览器")
			if err != nil {
				t.Fatal(err)
			}
			if n.Username == "zhao" {
				until := clk.now().Add(time.Hour)
				gdb.Model(&account.User{}).Where("id = ?", u.ID).Update("locked_until", until)
			}
			cur, err := s.Authenticate(ctx, l.Token)
			if err != nil {
				t.Fatal(err)
			}
			var want account.User
			var sess account.Session
			gdb.First(&want, u.ID)
			gdb.First(&sess, "user_id = ?", u.ID)
			got := cur.User
			if got.ID != want.ID || got.Username != want.Username || got.Name != want.Name || got.Phone != want.Phone ||
				got.Role != want.Role || got.PasswordHash != want.PasswordHash || !equalPtr(got.EnterpriseID, want.EnterpriseID) ||
				!equalPtr(got.PersonID, want.PersonID) || got.JurisdictionKind != want.JurisdictionKind ||
				got.JurisdictionCode != want.JurisdictionCode || got.Disabled != want.Disabled || got.FailedLogins != want.FailedLogins ||
				!equalTimePtr(got.LockedUntil, want.LockedUntil) || !got.PasswordChangedAt.Equal(want.PasswordChangedAt) ||
				!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Fatalf("%s: Authenticate read\n %+v\nthe ORM reads\n %+v", n.Username, got, want)
			}
			gs := cur.Session
			if gs.ID != sess.ID || gs.UserID != sess.UserID || gs.CSRFToken != sess.CSRFToken || gs.IP != sess.IP || gs.UserAgent != sess.UserAgent ||
				!gs.CreatedAt.Equal(sess.CreatedAt) || !gs.LastSeenAt.Equal(sess.LastSeenAt) || !gs.ExpiresAt.Equal(sess.ExpiresAt) {
				t.Fatalf("%s: Authenticate read the session\n %+v\nthe ORM reads\n %+v", n.Username, gs, sess)
			}
		}
	})
}

func equalPtr(a, b *uint) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func equalTimePtr(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}
