package main

import (
	"context"
	"testing"
	"time"

	"anpei/account"
	"anpei/demo"
	"anpei/notify"
)

// TestRemindEnterprises: after the daily evaluation, the admin of an
// enterprise with people to act on gets one to-do notice a week linking
// to the list; a second run the same week sends nothing.
func TestRemindEnterprises(t *testing.T) {
	ctx := context.Background()
	a, err := openApp(ctx, settings{Data: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if err := demo.Seed(ctx, a.db, a.accounts, a.roster); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := a.compliance.Refresh(ctx, now); err != nil {
		t.Fatal(err)
	}
	n, err := a.remindEnterprises(ctx, now)
	if err != nil || n == 0 {
		t.Fatalf("first run sent %d: %v", n, err)
	}
	if again, err := a.remindEnterprises(ctx, now); err != nil || again != 0 {
		t.Fatalf("second run sent %d: %v", again, err)
	}
	users, _, err := a.accounts.ListUsers(ctx, account.System(), account.UserFilter{Text: "enterprise", Role: account.RoleEnterpriseAdmin})
	if err != nil || len(users) == 0 {
		t.Fatalf("enterprise admin: %v", err)
	}
	var inbox []notify.Notice
	for _, u := range users {
		if u.Username == "enterprise" {
			inbox, _, err = a.notices.Inbox(ctx, u.Principal(), false, 10, 0)
		}
	}
	found := false
	for _, nt := range inbox {
		found = found || nt.Kind == "compliance_todo" && nt.Link == "/compliance"
	}
	if err != nil || !found {
		t.Errorf("the enterprise admin's inbox: %+v %v", inbox, err)
	}
}
