package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anpei/demo"
)

// TestBrowserComplianceJourney: on a phone, the district regulator opens
// 持证上岗, sees the rates with their counts against the 100% target,
// taps the worst town on the chart, then an enterprise of it, then a
// person listed with a gap, and reads the reason and its basis on the
// person's page.
func TestBrowserComplianceJourney(t *testing.T) {
	h, ctx := browser(t)
	bg := context.Background()
	now := time.Now()
	if err := demo.SeedCerts(bg, h.accounts, h.roster, h.certs, now); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedTraining(bg, h.gdb, h.roster, h.courses, now); err != nil {
		t.Fatal(err)
	}
	if _, err := h.compliance.Refresh(bg, now); err != nil {
		t.Fatal(err)
	}
	base := h.ts.URL
	step(t, ctx, "regulator login", append(loginSteps(base, "regulator", "anpei-demo"), chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/compliance"]`)))...)
	step(t, ctx, "持证上岗", chromedp.Click(chromedp.CSS(`nav.nav a[href="/compliance"]`)), chromedp.WaitVisible(chromedp.CSS("[data-tiles]")))
	tiles, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-tiles]').innerText`))
	if err != nil || !strings.Contains(tiles, "持证上岗率（合计）") || !strings.Contains(tiles, "/") {
		t.Fatalf("tiles: %q %v", tiles, err)
	}
	keep(t, ctx, "compliance-district")
	if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
		t.Error("the dashboard scrolls sideways at 375 px")
	}
	// The town chart is sorted worst first: its first link is the worst town.
	town, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('section[aria-label="各镇（街道）"] a').getAttribute('href')`))
	if err != nil || !strings.Contains(town, "scope=town") {
		t.Fatalf("worst town link %q %v", town, err)
	}
	step(t, ctx, "worst town", chromedp.Navigate(base+town), chromedp.WaitVisible(chromedp.CSS(`section[aria-label="各企业"] a`)))
	ent, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('section[aria-label="各企业"] a').getAttribute('href')`))
	if err != nil || !strings.Contains(ent, "scope=enterprise") {
		t.Fatalf("enterprise link %q %v", ent, err)
	}
	step(t, ctx, "enterprise", chromedp.Navigate(base+ent), chromedp.WaitVisible(chromedp.CSS(`tr[data-gap] a`)))
	keep(t, ctx, "compliance-enterprise")
	reason, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('tr[data-gap] .reasons').innerText`))
	step(t, ctx, "person", tap(`tr[data-gap] a`), chromedp.WaitVisible(chromedp.CSS(`[data-standing]`)))
	standing, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-standing]').innerText`))
	if err != nil || !strings.Contains(standing, "依据") || (reason != "" && !strings.Contains(standing, strings.SplitN(reason, "：", 2)[0])) {
		t.Fatalf("the person page's standing %q does not show the reason %q (%v)", standing, reason, err)
	}
	keep(t, ctx, "compliance-person")
}
