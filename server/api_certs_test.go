package server

import (
	"archive/zip"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/db/dbtest"
	"anpei/exam"
	"anpei/roster"
)

// passAwardingExam makes the learner pass an exam that awards a
// training_pass and returns the certificate the pass issued.
func passAwardingExam(t *testing.T, h *harness, learner *client) certs.View {
	t.Helper()
	learnerExamBank(t, h)
	now := h.clock.Now()
	open, closeAt := now.Add(-time.Hour), now.Add(48*time.Hour)
	e, err := h.exams.CreateExam(context.Background(), account.System(), exam.ExamInput{Title: "年度安全培训考核", AwardsKind: "training_pass",
		OpenAt: &open, CloseAt: &closeAt, Blueprint: exam.Blueprint{Sections: []exam.Section{{Type: exam.Single, Count: 5, Points: 20 * exam.Point}}, Minutes: 30}})
	if err != nil {
		t.Fatal(err)
	}
	res := learner.do("POST", "/api/v1/exams/"+itoa(e.ID)+"/attempts", nil)
	var a exam.AttemptOut
	res.decode(t, &a)
	for no, answer := range attemptKey(t, h.gdb, a.ID) {
		if r := learner.do("PUT", "/api/v1/attempts/"+itoa(a.ID)+"/answers/"+itoa(uint(no)), map[string]any{"choice": answer}); r.status != 200 {
			t.Fatalf("answer %d: %d %s", no, r.status, r.body)
		}
	}
	if r := learner.do("POST", "/api/v1/attempts/"+itoa(a.ID)+"/submit", nil); r.status != 200 || !strings.Contains(r.body, `"passed":true`) {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var mine list[certs.View]
	learner.do("GET", "/api/v1/certificates", nil).decode(t, &mine)
	if mine.Total != 1 || mine.Items[0].Kind != "training_pass" || mine.Items[0].Status != certs.StatusValid || mine.Items[0].AttemptID != a.ID {
		t.Fatalf("the learner's certificates after passing: %+v", mine)
	}
	return mine.Items[0]
}

// TestCertificateJourney: a pass issues a certificate; its PDF, signed
// credential and public verify answer follow; a revocation shows at once
// on the verify page and in the status list; the public answers mask the
// holder and cannot tell an unknown number from a wrong name.
func TestCertificateJourney(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		learner, admin, anon := tn.sessions["learner"], tn.sessions["admin"], h.anon()
		cert := passAwardingExam(t, h, learner)

		pdf := learner.do("GET", "/api/v1/certificates/"+itoa(cert.ID)+"/pdf", nil)
		if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
			t.Fatalf("pdf: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
		if r := tn.sessions["enterprise"].do("GET", "/api/v1/certificates/"+itoa(cert.ID)+"/pdf", nil); r.status != 200 {
			t.Errorf("the learner's enterprise admin cannot download the PDF: %d", r.status)
		}
		if r := tn.sessions["trainer"].do("GET", "/api/v1/certificates/"+itoa(cert.ID)+"/pdf", nil); r.status != 403 {
			t.Errorf("a trainer downloads a certificate: %d", r.status)
		}

		// The public answer: status, masked holder, last four of the ID.
		var pub verifyResp
		r := anon.do("GET", "/api/v1/verify/"+url.PathEscape(cert.Number), nil)
		r.decode(t, &pub)
		if r.status != 200 || pub.Status != certs.StatusValid || pub.HolderMasked == cert.HolderName || !strings.Contains(pub.HolderMasked, "*") ||
			pub.IDLast4 != cert.IDMasked[len(cert.IDMasked)-4:] || strings.Contains(r.body, cert.HolderName) || strings.Contains(r.body, cert.IDMasked[:6]) {
			t.Fatalf("public verify: %d %s", r.status, r.body)
		}
		unknown := anon.do("GET", "/api/v1/verify/PX2026-999999-ZZZZ", nil)
		wrongName := anon.do("GET", "/api/v1/verify/"+url.PathEscape(cert.Number)+"?name="+url.QueryEscape("不是本人"), nil)
		if unknown.status != 404 || wrongName.status != 404 || unknown.body != wrongName.body {
			t.Errorf("unknown number %d %s, wrong name %d %s: must be the same answer", unknown.status, unknown.body, wrongName.status, wrongName.body)
		}
		if r := anon.do("GET", "/api/v1/verify/"+url.PathEscape(cert.Number)+"?name="+url.QueryEscape(cert.HolderName), nil); r.status != 200 {
			t.Errorf("right name: %d", r.status)
		}

		// The QR token: valid as signed, refused once any claim changes.
		stored, err := h.certs.Get(context.Background(), account.System(), cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		claims := h.srv.claimsOf(stored.Certificate, cert.KindName)
		if claims.IDHash == "" || len(claims.IDHash) != 2 {
			t.Fatalf("claims carry ID hash %q", claims.IDHash)
		}
		token, err := signing.Sign(h.signer, claims)
		if err != nil {
			t.Fatal(err)
		}
		var withSig verifyResp
		anon.do("GET", "/api/v1/verify/"+url.PathEscape(cert.Number)+"?t="+token, nil).decode(t, &withSig)
		if withSig.Signature == nil || !withSig.Signature.Valid {
			t.Fatalf("signature of a fresh token: %+v", withSig.Signature)
		}
		claims.ValidUntil = "2099-12-31"
		forged, _ := signing.Sign(h.signer, claims)
		parts := strings.Split(forged, ".")
		tampered := strings.Join([]string{parts[0], parts[1], strings.Split(token, ".")[2]}, ".")
		page := anon.do("GET", "/verify/"+url.PathEscape(cert.Number)+"?t="+tampered, nil)
		if page.status != 200 || !strings.Contains(page.body, `data-signature="bad"`) || !strings.Contains(page.body, "签名无效") {
			t.Errorf("verify page with a tampered token: %d", page.status)
		}
		page = anon.do("GET", "/verify/"+url.PathEscape(cert.Number)+"?t="+token, nil)
		if !strings.Contains(page.body, `data-signature="ok"`) || !strings.Contains(page.body, `data-verify-status="valid"`) || strings.Contains(page.body, cert.HolderName) {
			t.Errorf("verify page with the real token does not say valid, or shows the full name")
		}

		// The credential: an Open Badges 3.0 VC whose proof verifies with
		// the published keys.
		cred := learner.do("GET", "/api/v1/certificates/"+itoa(cert.ID)+"/credential.json", nil)
		keys, err := signing.LoadPublic([]byte(anon.do("GET", "/.well-known/anpei-keys.json", nil).body))
		if err != nil {
			t.Fatal(err)
		}
		if err := signing.VerifyProofJCS([]byte(cred.body), signing.Resolver(h.ts.URL, keys)); err != nil {
			t.Fatalf("credential proof: %v\n%s", err, cred.body)
		}
		var vc struct {
			Type   []string `json:"type"`
			Status struct {
				List  string `json:"statusListCredential"`
				Index string `json:"statusListIndex"`
			} `json:"credentialStatus"`
		}
		if err := json.Unmarshal([]byte(cred.body), &vc); err != nil || vc.Type[1] != "OpenBadgeCredential" || strings.Contains(cred.body, cert.HolderName) {
			t.Fatalf("credential %v %s", err, cred.body)
		}

		// Revocation: only the district's managers; at once public.
		for _, who := range []string{"learner", "enterprise", "trainer"} {
			if r := tn.sessions[who].do("POST", "/api/v1/certificates/"+itoa(cert.ID)+"/revoke", map[string]string{"reason": "x"}); r.status != 403 {
				t.Errorf("%s revoked: %d", who, r.status)
			}
		}
		if r := admin.do("POST", "/api/v1/certificates/"+itoa(cert.ID)+"/revoke", map[string]string{"reason": "经查培训记录不实", "ground": "false_record"}); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		anon.do("GET", "/api/v1/verify/"+url.PathEscape(cert.Number), nil).decode(t, &pub)
		if pub.Status != certs.StatusRevoked || pub.StatusLabel != "已撤销" || strings.Contains(pub.StatusReason, "经查") {
			t.Errorf("after revocation: %+v", pub)
		}
		list := anon.do("GET", strings.TrimPrefix(vc.Status.List, h.ts.URL), nil)
		if err := signing.VerifyProofJCS([]byte(list.body), signing.Resolver(h.ts.URL, keys)); err != nil {
			t.Fatalf("status list proof: %v", err)
		}
		var sl struct {
			Subject struct {
				Encoded string `json:"encodedList"`
			} `json:"credentialSubject"`
		}
		json.Unmarshal([]byte(list.body), &sl)
		bits, err := signing.DecodeStatusList(sl.Subject.Encoded)
		if err != nil {
			t.Fatal(err)
		}
		idx := int(cert.ID)
		if on, _ := bits.Get(idx); !on {
			t.Errorf("status list bit %d not set after revocation", idx)
		}
		if vc.Status.Index != itoa(cert.ID) {
			t.Errorf("status index %s, want %d", vc.Status.Index, cert.ID)
		}
	})
}

// TestVerifyIsThrottled: the public lookup answers 429 with Retry-After
// once a client is over its burst.
func TestVerifyIsThrottled(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	anon := h.anon()
	got429 := false
	for range 40 {
		r := anon.do("GET", "/api/v1/verify/PX2026-000001-AAAA", nil)
		if r.status == 429 {
			got429 = r.header.Get("Retry-After") != "" && strings.Contains(r.body, "查询过于频繁")
			break
		}
	}
	if !got429 {
		t.Fatal("40 lookups in a row were never throttled")
	}
}

// TestCertificateZip: the list page offers its anpei certificates as one
// ZIP of PDFs; the ZIP holds only what the caller may see.
func TestCertificateZip(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	tn := seedTenants(t, h)
	ctx := context.Background()
	var ids []string
	for _, person := range []uint{tn.ownPerson, tn.otherPer} {
		c, err := h.certs.Issue(ctx, account.System(), certs.ManualInput{PersonID: person, Kind: "hours_record", Reason: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, itoa(c.ID))
	}
	page := tn.sessions["admin"].do("GET", "/certificates", nil)
	if !strings.Contains(page.body, "/api/v1/certificates/archive.zip?ids=") {
		t.Fatal("the list page offers no ZIP")
	}
	res := tn.sessions["enterprise"].do("GET", "/api/v1/certificates/archive.zip?ids="+strings.Join(ids, ","), nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %s", res.status, res.body)
	}
	zr, err := zip.NewReader(strings.NewReader(res.body), int64(len(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || !strings.HasSuffix(zr.File[0].Name, ".pdf") {
		t.Fatalf("the enterprise admin's ZIP holds %d files", len(zr.File))
	}
	if r := tn.sessions["enterprise"].do("GET", "/api/v1/certificates/archive.zip?ids=abc", nil); r.status != 400 {
		t.Errorf("bad ids: %d", r.status)
	}
}

// TestEveryKindPrints: a certificate of every anpei kind, issued to a
// demo person it qualifies, downloads as a PDF.
func TestEveryKindPrints(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	tn := seedTenants(t, h)
	ctx := context.Background()
	sys := account.System()
	for _, k := range h.certs.Kinds().All() {
		if k.Issuer != certs.IssuerAnpei {
			continue
		}
		var person uint
		for _, cat := range []roster.Category{roster.CategorySpecialOperator, roster.CategoryPrincipal, roster.CategorySafetyManager, roster.CategoryOther} {
			if !k.Qualifies(cat) {
				continue
			}
			rows, _, err := h.roster.ListPeople(ctx, sys, roster.PersonFilter{Category: cat, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if !k.NeedsItem || len(r.OperationItems) > 0 {
					person = r.ID
					break
				}
			}
			if person != 0 {
				break
			}
		}
		if person == 0 {
			t.Fatalf("no demo person qualifies for %s", k.Code)
		}
		c, err := h.certs.Issue(ctx, sys, certs.ManualInput{PersonID: person, Kind: k.Code, Reason: "测试打印"})
		if err != nil {
			t.Fatalf("%s: %v", k.Code, err)
		}
		res := tn.sessions["admin"].do("GET", "/api/v1/certificates/"+itoa(c.ID)+"/pdf", nil)
		if res.status != 200 || !strings.HasPrefix(res.body, "%PDF-") {
			t.Errorf("%s: %d %s", k.Code, res.status, res.body)
		}
	}
}

// TestRetestAPI: a regulator records the practical re-test on a special
// operation certificate; it shows in the public history; other kinds and
// other roles are refused.
func TestRetestAPI(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	tn := seedTenants(t, h)
	ctx := context.Background()
	rows, _, err := h.roster.ListPeople(ctx, account.System(), roster.PersonFilter{Category: roster.CategorySpecialOperator, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var person roster.PersonRow
	for _, r := range rows {
		if len(r.OperationItems) > 0 {
			person = r
			break
		}
	}
	c, err := h.certs.RegisterExternal(ctx, account.System(), certs.ExternalInput{PersonID: person.ID, Kind: "special_operation", Number: "T1234567",
		OperationItem: person.OperationItems[0], IssuedOn: "2025-01-10"})
	if err != nil {
		t.Fatal(err)
	}
	if r := tn.sessions["enterprise"].do("POST", "/api/v1/certificates/"+itoa(c.ID)+"/retest", map[string]string{}); r.status != 403 {
		t.Errorf("enterprise admin: %d", r.status)
	}
	if r := tn.sessions["admin"].do("POST", "/api/v1/certificates/"+itoa(c.ID)+"/retest", map[string]string{"retested_on": "2099-01-01"}); r.status != 400 {
		t.Errorf("future date: %d %s", r.status, r.body)
	}
	if r := tn.sessions["admin"].do("POST", "/api/v1/certificates/"+itoa(c.ID)+"/retest", map[string]string{"retested_on": "2026-02-20", "note": "实操考试92分"}); r.status != 200 {
		t.Fatalf("retest: %d %s", r.status, r.body)
	}
	pub := tn.sessions["admin"].do("GET", "/api/v1/verify/"+c.Number, nil)
	if !strings.Contains(pub.body, "实际操作考试合格（2026-02-20）") {
		t.Errorf("public history: %s", pub.body)
	}
	hr, err := h.certs.Issue(ctx, account.System(), certs.ManualInput{PersonID: person.ID, Kind: "hours_record", Reason: "测试"})
	if err != nil {
		t.Fatal(err)
	}
	if r := tn.sessions["admin"].do("POST", "/api/v1/certificates/"+itoa(hr.ID)+"/retest", map[string]string{}); r.status != 409 {
		t.Errorf("a 学时证明 retested: %d", r.status)
	}
}
