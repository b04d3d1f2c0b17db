package server

import (
	"strings"
	"testing"

	"anpei/account"
	"anpei/db/dbtest"
)

// TestExamScoreWithTwoDecimals: a value's own JSON check reaches the
// caller with its message, not a generic "bad JSON".
func TestExamScoreWithTwoDecimals(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	h.user(account.NewUser{Username: "trainer1", Role: account.RoleTrainer})
	c := h.login("trainer1")
	body := `{"title":"考试","blueprint":{"sections":[{"type":"single","count":40,"points":2.55}]}}`
	res := c.send("POST", "/api/v1/exams", strings.NewReader(body), "application/json", true)
	if res.status != 400 || !strings.Contains(res.body, "exam_points_invalid") || !strings.Contains(res.body, "2.55") {
		t.Fatalf("POST /api/v1/exams with 2.55 points = %d %s", res.status, res.body)
	}
}
