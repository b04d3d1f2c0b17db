package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"anpei/certs/document"
	"anpei/demo"
	"anpei/exam"
)

func awaitPromise(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }

// TestBrowserCertificateJourney: on a phone, the demo learner passes the
// demo exam, finds the certificate under 我的证书 marked 有效, downloads
// the PDF, and the verify page opened from the PDF's QR code says 有效 with
// a valid signature and a masked name; the admin revokes the certificate
// on its page and the same QR address then says 已撤销.
func TestBrowserCertificateJourney(t *testing.T) {
	seeded, ctx := browser(t)
	h := newHarnessWith(t, seeded.gdb, harnessOptions{RealTimeCourses: true, Keys: seeded.srv.deps.Keys})
	h.clock.mu.Lock()
	h.clock.t = time.Now()
	h.clock.mu.Unlock()
	bg := context.Background()
	if err := demo.SeedExams(bg, h.accounts, h.roster, h.courses, h.exams, time.Now()); err != nil {
		t.Fatalf("seed demo exams: %v", err)
	}
	base := h.ts.URL
	lp := learnPrincipal(t, h, "learner")
	list, _, err := h.exams.Exams(bg, lp, nil, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var demoExam exam.ExamView
	for _, e := range list {
		if !e.Practice {
			demoExam = e
		}
	}
	if demoExam.AwardsKind != "training_pass" || demoExam.Me == nil || !demoExam.Me.CanStart {
		t.Fatalf("the demo exam does not award a certificate the learner can earn: %+v", demoExam)
	}

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "learner home", chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/certificates"]`)))
	attemptID, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`anpei.api('POST', '/api/v1/exams/`+itoa(demoExam.ID)+`/attempts').then(a => a.id)`, awaitPromise))
	if err != nil {
		t.Fatalf("start the exam: %v", err)
	}
	key, _ := attemptPaper(t, h, uint(attemptID))
	answers, _ := json.Marshal(key)
	passed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async function(){
		const key = `+string(answers)+`;
		for (const no of Object.keys(key)) {
			await anpei.api('PUT', '/api/v1/attempts/`+itoa(uint(attemptID))+`/answers/' + no, {choice: key[no]});
		}
		const res = await anpei.api('POST', '/api/v1/attempts/`+itoa(uint(attemptID))+`/submit');
		return res.passed === true;
	})()`, awaitPromise))
	if err != nil || !passed {
		t.Fatalf("pass the exam: %v %v", passed, err)
	}

	step(t, ctx, "我的证书", chromedp.Click(chromedp.CSS(`nav.nav a[href="/certificates"]`)), chromedp.WaitVisible(chromedp.CSS(".cert-card [data-status]")))
	card, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.cert-card').innerText`))
	if err != nil {
		shot(t, ctx, "my certificates")
		t.Fatalf("read the certificate card: %v", err)
	}
	for _, want := range []string{"安全培训合格证明", "有效", "证书编号", "发证日期", "有效期至", "麒麟区应急管理局", "下载证书（PDF）"} {
		if !strings.Contains(card, want) {
			t.Errorf("the certificate card lacks %q:\n%s", want, card)
		}
	}
	keep(t, ctx, "my-certificates")
	if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
		t.Error("我的证书 scrolls sideways at 375 px")
	}
	pdf64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('.cert-card a[href$="/pdf"]').href).then(r => {
		if (r.status !== 200 || r.headers.get('content-type') !== 'application/pdf') { throw new Error('pdf ' + r.status); }
		return r.arrayBuffer();
	}).then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, awaitPromise))
	if err != nil {
		t.Fatalf("download the PDF: %v", err)
	}
	pdf, _ := base64.StdEncoding.DecodeString(pdf64)
	qrURL := qrURLFromPDF(t, pdf)
	if !strings.HasPrefix(qrURL, base+"/verify/") || !strings.Contains(qrURL, "?t=") {
		t.Fatalf("the PDF's QR code holds %q", qrURL)
	}

	step(t, ctx, "verify from the QR", chromedp.Navigate(qrURL), chromedp.WaitVisible(chromedp.CSS(`[data-verify-status]`)))
	got := text(t, ctx, ".verify-result")
	status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-verify-status]').dataset.verifyStatus + ' ' + document.querySelector('[data-signature]').dataset.signature`))
	if status != "valid ok" || !strings.Contains(got, "有效") {
		t.Fatalf("the verify page from the QR says %q (%s)", got, status)
	}
	holder := text(t, ctx, "[data-holder]")
	if !strings.Contains(holder, "*") {
		t.Errorf("the public page shows the holder as %q", holder)
	}
	keep(t, ctx, "verify-valid")

	step(t, ctx, "admin", chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS("[data-logout]")), chromedp.WaitVisible(chromedp.CSS("#username")))
	step(t, ctx, "admin login", append(loginSteps(base, "admin", "anpei-demo"), chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/certificates"]`)))...)
	number := strings.TrimPrefix(strings.Split(qrURL, "?")[0], base+"/verify/")
	step(t, ctx, "the certificate", chromedp.Navigate(base+"/certificates?number="+number), chromedp.WaitVisible(chromedp.CSS(`tr[data-cert] a`)),
		chromedp.Click(chromedp.CSS(`tr[data-cert] a`)), chromedp.WaitVisible(chromedp.CSS(`form[data-revoke]`)))
	step(t, ctx, "revoke", chromedp.SetValue(chromedp.CSS(`form[data-revoke] select[name="ground"]`), "false_record"),
		chromedp.SendKeys(chromedp.CSS(`form[data-revoke] input[name="reason"]`), "经核查培训记录不实"),
		tap(`form[data-revoke] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`form[aria-label="注销证书"]`)))
	// The form reloads the page once the API answered: wait for the new
	// status rather than any element the old page also had.
	var st string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-status]') || {}).innerText || ''`))
		if strings.Contains(st, "已撤销") {
			break
		}
	}
	if !strings.Contains(st, "已撤销") {
		shot(t, ctx, "after revoking")
		t.Fatalf("the certificate page after revoking says %q", st)
	}
	step(t, ctx, "verify again", chromedp.Navigate(qrURL), chromedp.WaitVisible(chromedp.CSS(`[data-verify-status="revoked"]`)))
	if got := text(t, ctx, ".verify-result"); !strings.Contains(got, "已撤销") {
		t.Errorf("the verify page after revocation says %q", got)
	}
	keep(t, ctx, "verify-revoked")
}

// qrURLFromPDF prints the PDF's page at 300 dpi with poppler's pdftoppm,
// as a phone camera would see a printout, and decodes the QR code on it.
func qrURLFromPDF(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatal("pdftoppm (Debian package poppler-utils) is needed to read the certificate's QR code back")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "cert.pdf"), filepath.Join(dir, "page")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(tool, "-r", "300", "-png", "-singlefile", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	got, err := document.DecodeQRFile(out + ".png")
	if err != nil {
		t.Fatalf("decode the QR code of the printed certificate: %v", err)
	}
	return got
}
