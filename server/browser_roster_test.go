package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anpei/account"
	"anpei/roster"
)

// TestBrowserPersonEdit: the enterprise admin finds a worker, corrects the
// phone number, records that the worker left, and the regulator sees the
// enterprise with its counts and drills into it.
func TestBrowserPersonEdit(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	step(t, ctx, "enterprise login", loginSteps(base, "enterprise", "anpei-demo")...)
	step(t, ctx, "people list",
		chromedp.WaitVisible(chromedp.CSS(".tile")),
		chromedp.Navigate(base+"/people?category=other"),
		chromedp.WaitVisible(chromedp.CSS("table tbody a")),
		chromedp.Click(chromedp.CSS("table tbody a")),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)))
	name := text(t, ctx, "main h1")
	step(t, ctx, "edit form",
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-phone")))
	// A bad phone number is refused with the field named.
	step(t, ctx, "bad phone",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-phone').value = '12345'`),
		chromedp.Click(chromedp.CSS(`form[data-api] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	if msg := text(t, ctx, ".field-error"); !strings.Contains(msg, "手机") {
		shot(t, ctx, "bad phone")
		t.Fatalf("bad phone message = %q", msg)
	}
	step(t, ctx, "good phone",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-phone').value = '13912345678'`),
		chromedp.Click(chromedp.CSS(`form[data-api] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#d-kind")))
	if facts := text(t, ctx, "dl.facts"); !strings.Contains(facts, "13912345678") {
		shot(t, ctx, "after edit")
		t.Fatalf("person page after edit lacks the new phone: %q", facts)
	}
	step(t, ctx, "record leave",
		chromedp.SetValue(chromedp.CSS("#d-kind"), "leave"),
		chromedp.SetValue(chromedp.CSS("#d-date"), h.clock.Now().Format("2006-01-02")),
		chromedp.Click(chromedp.CSS(`form[data-api$="/duty"] button[type="submit"]`)))
	waitFor(t, ctx, "leave recorded", `document.querySelector('main').innerText.includes('离岗') && document.querySelectorAll('main table tbody tr').length > 0 && [...document.querySelectorAll('main table tbody tr td:nth-child(2)')].some(td => td.textContent === '离岗')`)
	keep(t, ctx, "person-after-leave")
	step(t, ctx, "logout", logoutSteps()...)

	step(t, ctx, "regulator login", loginSteps(base, "regulator", "anpei-demo")...)
	step(t, ctx, "enterprises", chromedp.WaitVisible(chromedp.CSS(".tile")), chromedp.Navigate(base+"/enterprises?q=宏源"), chromedp.WaitVisible(chromedp.CSS("table tbody a")))
	keep(t, ctx, "regulator-enterprises")
	step(t, ctx, "drill into enterprise", chromedp.Click(chromedp.CSS("table tbody a")), chromedp.WaitVisible(chromedp.CSS(".tile")))
	if h1 := text(t, ctx, "main h1"); !strings.Contains(h1, "宏源") {
		t.Fatalf("enterprise page h1 = %q", h1)
	}
	// The regulator re-grades the enterprise (分级分类).
	step(t, ctx, "regrade",
		chromedp.SetValue(chromedp.CSS("#c-grade"), "D"),
		chromedp.Click(chromedp.CSS(`form[data-method="PATCH"] button[type="submit"]`)))
	waitFor(t, ctx, "grade saved", `document.querySelector('dl.facts') && document.querySelector('dl.facts').innerText.includes('D 级')`)
	step(t, ctx, "to its people", chromedp.Click(chromedp.CSS(".tile a")), chromedp.WaitVisible(chromedp.CSS("table")))
	if rows := text(t, ctx, "table tbody"); strings.Contains(rows, name) && strings.Contains(rows, "没有符合条件") {
		t.Fatalf("drill-down list = %q", rows)
	}

	// Searching by a full ID number opens the person without putting the
	// number in the address bar.
	rows, _, err := h.roster.ListPeople(context.Background(), account.System(), roster.PersonFilter{Limit: 1})
	if err != nil || len(rows) == 0 {
		t.Fatalf("a person to search for: %v", err)
	}
	num, err := h.roster.RevealID(context.Background(), account.System(), rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "search by ID number",
		chromedp.Navigate(base+"/people"),
		chromedp.WaitVisible(chromedp.CSS("#p-q")),
		chromedp.SendKeys(chromedp.CSS("#p-q"), num),
		chromedp.Click(chromedp.CSS(`form[data-people-search] button[type="submit"]`)))
	waitFor(t, ctx, "person page from ID search", `/\/people\/\d+$/.test(location.pathname)`)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if strings.Contains(loc, num) || !strings.HasSuffix(loc, "/people/"+itoa(rows[0].ID)) {
		t.Fatalf("ID search went to %s", loc)
	}
}
