package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"anpei/account"
)

// TestSeedCommand generates a tiny district with `anpei seed`, logs in
// with a printed password, and expects a second run on the same database
// to be refused without writing anything.
func TestSeedCommand(t *testing.T) {
	dir := t.TempDir()
	args := []string{"seed", "--enterprises", "3", "--people", "40", "--certificates", "60", "--ledger", "300", "--seed", "5", "--data", dir}
	code, out := runCmd(t, "", args...)
	if code != 0 {
		t.Fatalf("seed: exit %d\n%s", code, out)
	}
	for _, want := range []string{"people                     40", "certificates               60", "ledger rows               300", "regulator-town"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`(?m)^  admin +(\S+) `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no admin password printed:\n%s", out)
	}
	as := account.NewStore(openData(t, dir), account.Options{})
	if _, err := as.Login(context.Background(), "admin", m[1], "127.0.0.1", "test"); err != nil {
		t.Errorf("login with the printed password: %v", err)
	}

	code, out = runCmd(t, "", args...)
	if code != 1 || !strings.Contains(out, "not empty") || !strings.Contains(out, "40 people") {
		t.Errorf("second seed: exit %d, want 1 and a refusal naming what is there:\n%s", code, out)
	}
	if code, out := runCmd(t, "", "seed", "--enterprises", "10", "--people", "20", "--data", t.TempDir()); code != 2 {
		t.Errorf("too few people: exit %d, want 2 (usage)\n%s", code, out)
	}
}
