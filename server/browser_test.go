package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"anpei/account"
	"anpei/db/dbtest"
	"anpei/demo"
)

// browser starts headless Chromium from ANPEI_TEST_BROWSER against a server
// seeded with the demo district. It skips without a browser, or fails
// under ANPEI_TEST_REQUIRE_ALL=1.
func browser(t *testing.T) (*harness, context.Context) {
	t.Helper()
	path := browserPath(t)
	h := demoHarness(t, harnessOptions{})
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromeOptions(t, path, chromedp.WindowSize(390, 844))...) // a phone
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return h, ctx
}

// browserPath is the Chromium of ANPEI_TEST_BROWSER; without one the test
// skips, or fails under ANPEI_TEST_REQUIRE_ALL=1.
func browserPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ANPEI_TEST_BROWSER")
	if path == "" {
		if os.Getenv("ANPEI_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("ANPEI_TEST_BROWSER is not set but ANPEI_TEST_REQUIRE_ALL=1: the browser suite is mandatory")
		}
		t.Skip("ANPEI_TEST_BROWSER not set: browser journeys skipped")
	}
	return path
}

// demoHarness is a server on a fresh SQLite database with the demo
// district, on the real clock.
func demoHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	gdb := dbtest.SQLite(t, migrate)
	h := newHarnessWith(t, gdb, o)
	h.clock.t = time.Now()
	seedAccounts := account.NewStore(gdb, account.Options{BcryptCost: bcrypt.MinCost})
	if err := demo.Seed(context.Background(), gdb, seedAccounts, h.roster); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	return h
}

// chromeOptions starts Chromium headless as root on this machine's closed
// network, in a fresh profile, with extra options after the common ones.
func chromeOptions(t *testing.T, path string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	return append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
}

// step runs actions and, on failure, saves a screenshot of the page under
// the test's temp dir before failing.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shot(t, ctx, what)
		t.Fatalf("%s: %v", what, err)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("ANPEI_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	file := filepath.Join(dir, strings.NewReplacer(" ", "_", "/", "_").Replace(name)+".png")
	if err := os.WriteFile(file, png, 0o644); err == nil {
		t.Logf("screenshot saved: %s", file)
	}
}

// keep saves a screenshot of a page that went right when
// ANPEI_TEST_SCREENSHOTS names a directory (for reviewing the UI).
func keep(t *testing.T, ctx context.Context, name string) {
	if os.Getenv("ANPEI_TEST_SCREENSHOTS") != "" {
		shot(t, ctx, name)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		shot(t, ctx, "text "+sel)
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func loginSteps(base, user, pw string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Click(chromedp.CSS(`form[data-login] button[type="submit"]`)),
	}
}

func logoutSteps() []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS("[data-logout]")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	}
}

// TestBrowserLoginJourneys: the site opens on the login page; the regulator
// and the learner each reach their home; a wrong password says so clearly.
func TestBrowserLoginJourneys(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL

	step(t, ctx, "open site", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("form[data-login]")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Fatalf("opening / went to %s, want the login page", loc)
	}

	step(t, ctx, "wrong password", loginSteps(base, "regulator", "not-the-password")...)
	step(t, ctx, "wrong password message", chromedp.WaitVisible(chromedp.CSS("[data-form-error]")))
	if msg := text(t, ctx, "[data-form-error]"); !strings.Contains(msg, "用户名或密码错误") {
		shot(t, ctx, "wrong password")
		t.Fatalf("wrong password shows %q, want 用户名或密码错误", msg)
	}

	step(t, ctx, "regulator login", loginSteps(base, "regulator", "anpei-demo")...)
	step(t, ctx, "regulator home", chromedp.WaitVisible(chromedp.CSS(".tile")))
	if h1 := text(t, ctx, "main h1"); h1 != "监管首页" {
		shot(t, ctx, "regulator home")
		t.Fatalf("regulator home h1 = %q", h1)
	}
	keep(t, ctx, "regulator-home")
	if scope := text(t, ctx, ".page-head .muted"); !strings.Contains(scope, "全区") {
		t.Errorf("regulator home scope = %q, want 全区", scope)
	}
	step(t, ctx, "regulator logout", logoutSteps()...)

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "learner home", chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	if h1 := text(t, ctx, "main h1"); !strings.HasPrefix(h1, "您好") {
		shot(t, ctx, "learner home")
		t.Fatalf("learner home h1 = %q", h1)
	}
	keep(t, ctx, "learner-home")
	if info := text(t, ctx, "dl.facts"); !strings.Contains(info, "****") {
		t.Errorf("learner home shows the ID number unmasked: %q", info)
	}
	// The page fits a 375 px phone: nothing wider than the viewport.
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || wide {
		shot(t, ctx, "learner home width")
		t.Errorf("learner home scrolls sideways on a phone (err %v)", err)
	}
}
