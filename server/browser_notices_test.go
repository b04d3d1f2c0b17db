package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anpei/account"
	"anpei/certs"
)

// TestBrowserInbox: a learner with a certificate due in a week sees the
// unread badge on 消息, reads the reminder on a phone, and following its
// link opens the certificate and marks the reminder read.
func TestBrowserInbox(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	var lu account.User
	if err := h.gdb.Where("username = ?", "learner").First(&lu).Error; err != nil || lu.PersonID == nil {
		t.Fatalf("demo learner: %v", err)
	}
	due := certs.Day(h.clock.Now()).AddDate(0, 0, 7)
	far := due.AddDate(3, 0, 0)
	c := certs.Certificate{Number: "T530302199001011234", Kind: "special_operation", PersonID: *lu.PersonID, HolderName: lu.Name,
		IDMasked: "530302********1234", Issuer: "曲靖市应急管理局", IssuedOn: due.AddDate(-3, 0, 0), NextReview: &due, ValidUntil: &far,
		State: certs.StateActive, External: true, OperationItem: "1.2"}
	if err := h.gdb.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := h.srv.deps.Notices.RemindCertificates(context.Background(), h.clock.Now()); err != nil || n == 0 {
		t.Fatalf("sweep: %d, %v", n, err)
	}

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "badge", chromedp.WaitVisible(chromedp.CSS(`nav a[href="/inbox"] [data-unread]`)))
	if n := text(t, ctx, `nav a[href="/inbox"] [data-unread]`); n != "1" {
		t.Errorf("unread badge = %q, want 1", n)
	}
	step(t, ctx, "open inbox", chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("article[data-notice]")))
	keep(t, ctx, "learner-inbox")
	if s := text(t, ctx, "article[data-notice] h2"); !strings.Contains(s, "还有 7 天") || !strings.Contains(s, "未读") {
		t.Errorf("notice heading = %q", s)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || wide {
		shot(t, ctx, "inbox width")
		t.Errorf("the inbox scrolls sideways on a phone (err %v)", err)
	}
	// The script marks the notice read, then navigates: wait for the
	// certificate page itself, not any heading.
	step(t, ctx, "follow the link", chromedp.Click(chromedp.CSS("a[data-read]")), chromedp.WaitVisible(chromedp.CSS("main [data-number]")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/certificates/"+itoa(c.ID)) {
		t.Fatalf("the link went to %s", loc)
	}
	step(t, ctx, "inbox again", chromedp.Navigate(base+"/inbox"), chromedp.WaitVisible(chromedp.CSS("article[data-notice]")))
	if s := text(t, ctx, "article[data-notice]"); strings.Contains(s, "未读") || !strings.Contains(s, "已读") {
		t.Errorf("after following the link the notice reads %q", s)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-unread]').length`)); n != 0 {
		t.Errorf("badge still shown after reading")
	}
}
