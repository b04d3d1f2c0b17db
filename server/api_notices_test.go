package server

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
)

// TestNoticesInbox: the reminder sweep writes to the holder and to their
// enterprise's admin; each sees only their own, cannot mark another's,
// marks read only with the CSRF token; the 消息 page and badge follow.
func TestNoticesInbox(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ctx := context.Background()
		learner := tn.sessions["learner"]

		var lu account.User
		if err := gdb.Where("username = ?", "learner").First(&lu).Error; err != nil || lu.PersonID == nil {
			t.Fatalf("demo learner: %v", err)
		}
		ent, err := h.roster.PersonEnterprise(ctx, *lu.PersonID)
		if err != nil || ent == 0 {
			t.Fatalf("the learner's enterprise: %d, %v", ent, err)
		}
		h.user(account.NewUser{Username: "ent-mine", Role: account.RoleEnterpriseAdmin, EnterpriseID: ent})
		admin := h.login("ent-mine")

		due := certs.Day(h.clock.Now()).AddDate(0, 0, 30)
		far := due.AddDate(3, 0, 0)
		c := certs.Certificate{Number: "T530302NOTICE1", Kind: "special_operation", PersonID: *lu.PersonID, EnterpriseID: ent, HolderName: lu.Name,
			IDMasked: "530302********1234", Issuer: "曲靖市应急管理局", IssuedOn: due.AddDate(-3, 0, 0), NextReview: &due, ValidUntil: &far,
			State: certs.StateActive, External: true}
		if err := gdb.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		if n, err := h.srv.deps.Notices.RemindCertificates(ctx, h.clock.Now()); err != nil || n < 2 {
			t.Fatalf("sweep: %d, %v; want the holder and their admin", n, err)
		}
		if n, _ := h.srv.deps.Notices.RemindCertificates(ctx, h.clock.Now()); n != 0 {
			t.Fatalf("second sweep sent %d", n)
		}

		link := "/certificates/" + itoa(c.ID)
		mine := func(cl *client, query string) noticeList {
			t.Helper()
			res := cl.do("GET", "/api/v1/me/notices"+query, nil)
			if res.status != 200 {
				t.Fatalf("list notices: %d %s", res.status, res.body)
			}
			var l noticeList
			res.decode(t, &l)
			return l
		}
		ln := mine(learner, "")
		if ln.Total != 1 || ln.Unread != 1 || ln.Items[0].Link != link || !strings.Contains(ln.Items[0].Subject, "还有 30 天") ||
			!strings.Contains(ln.Items[0].Body, "请在到期前60日内申请复审") {
			t.Fatalf("the holder's inbox: %+v", ln)
		}
		an := mine(admin, "")
		if an.Total != 1 || an.Items[0].Link != link || !strings.Contains(an.Items[0].Subject, lu.Name) || an.Items[0].ID == ln.Items[0].ID {
			t.Fatalf("the enterprise admin's inbox: %+v", an)
		}
		for _, u := range []string{"admin", "regulator", "trainer", "town-reg"} {
			if l := mine(tn.sessions[u], ""); l.Total != 0 {
				t.Errorf("%s sees %d notices", u, l.Total)
			}
		}
		if strings.Contains(learner.do("GET", "/api/v1/me/notices", nil).body, "dedup_key") {
			t.Error("the dedup key is serialized")
		}

		// The page and the badge.
		page := learner.do("GET", "/inbox", nil)
		if page.status != 200 || !strings.Contains(page.body, ln.Items[0].Subject) || !strings.Contains(page.body, `href="`+link+`"`) ||
			!strings.Contains(page.body, `data-unread>1<`) {
			t.Fatalf("inbox page: %d %.500s", page.status, page.body)
		}
		if res := h.anon().do("GET", "/inbox", nil); res.status != 303 {
			t.Errorf("inbox page without a session = %d, want 303", res.status)
		}

		// Someone else's notice is not found and stays unread.
		if res := learner.do("POST", "/api/v1/me/notices/"+itoa(an.Items[0].ID)+"/read", nil); res.status != 404 {
			t.Errorf("the learner marks the admin's notice: %d %s", res.status, res.body)
		}
		if l := mine(admin, "?unread=1"); l.Total != 1 {
			t.Errorf("the admin's notice after the learner's attempt: %+v", l)
		}
		// Without the CSRF token nothing changes.
		own := "/api/v1/me/notices/" + itoa(ln.Items[0].ID) + "/read"
		if res := learner.send("POST", own, nil, "", false); res.status != 403 {
			t.Errorf("mark read without CSRF = %d, want 403", res.status)
		}
		if res := learner.send("POST", "/api/v1/me/notices/read-all", nil, "", false); res.status != 403 {
			t.Errorf("read-all without CSRF = %d, want 403", res.status)
		}
		if l := mine(learner, "?unread=1"); l.Total != 1 {
			t.Errorf("unread after refused requests: %d", l.Total)
		}
		var rr readResp
		res := learner.do("POST", own, nil)
		res.decode(t, &rr)
		if res.status != 200 || rr.Unread != 0 {
			t.Fatalf("mark read: %d %s", res.status, res.body)
		}
		if l := mine(learner, "?unread=1"); l.Total != 0 || l.Unread != 0 {
			t.Errorf("unread after marking: %+v", l)
		}
		if l := mine(learner, ""); l.Total != 1 || l.Items[0].ReadAt == nil {
			t.Errorf("the read notice: %+v", l)
		}
		if page := learner.do("GET", "/inbox", nil); strings.Contains(page.body, "data-unread") {
			t.Error("badge shown with nothing unread")
		}
		res = admin.do("POST", "/api/v1/me/notices/read-all", nil)
		res.decode(t, &rr)
		if res.status != 200 || rr.Marked != 1 {
			t.Errorf("read all: %d %s", res.status, res.body)
		}
		if res := learner.do("POST", "/api/v1/me/notices/abc/read", nil); res.status != 400 {
			t.Errorf("bad id = %d", res.status)
		}
		if res := learner.do("GET", "/api/v1/me/notices?limit=0", nil); res.status != 400 {
			t.Errorf("bad limit = %d", res.status)
		}
	})
}
