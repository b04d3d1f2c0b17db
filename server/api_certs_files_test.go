package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/roster"
)

// certWorker is a roster person as the certificate workbook names them.
type certWorker struct{ id, name string }

// managerOf returns a principal or safety manager of enterprise eid, who
// may hold a 安全合格证, with their full ID number.
func managerOf(t *testing.T, h *harness, eid uint) certWorker {
	t.Helper()
	ctx := context.Background()
	rows, _, err := h.roster.ListPeople(ctx, account.System(), roster.PersonFilter{EnterpriseID: eid,
		Category: roster.CategoryPrincipal | roster.CategorySafetyManager, Limit: 1})
	if err != nil || len(rows) == 0 {
		t.Fatalf("a manager of enterprise %d: %v", eid, err)
	}
	number, err := h.roster.RevealID(ctx, account.System(), rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return certWorker{id: number, name: rows[0].Name}
}

// certWorkbook fills the downloaded template with one 安全合格证 per
// worker.
func certWorkbook(t *testing.T, template []byte, workers ...certWorker) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	defer f.Close()
	for i, w := range workers {
		row := []any{w.id, w.name, "安全生产知识和管理能力考核合格证", fmt.Sprintf("YN-IMP-%04d", i+1), "", "2024-06-01", "", "", ""}
		if err := f.SetSheetRow("证书登记", fmt.Sprintf("A%d", i+2), &row); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCertImportAPI: an enterprise admin downloads the template, fills it
// for their own workers and imports it after a dry run; a row naming
// another enterprise's worker is refused at its row and nothing is
// written; the import needs the CSRF token and a role that may register.
func TestCertImportAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ent := tn.sessions["enterprise"]
		count := func() int64 {
			var n int64
			gdb.Model(&certs.Certificate{}).Count(&n)
			return n
		}
		before := count()
		// The import finds people by the number in the file: it must not
		// open (and audit the opening of) anyone's stored ID number.
		reveals := func() int64 {
			var n int64
			gdb.Table("audit_entries").Where("action = ?", "reveal_id").Count(&n)
			return n
		}

		res := ent.do("GET", "/api/v1/external-certificates/template.xlsx", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), xlsxType) || !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("template = %d %s %s", res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"))
		}
		tpl := []byte(res.body)
		if cells := xlsxText(t, tpl); !strings.Contains(cells, "身份证号") || !strings.Contains(cells, "下次复审日期") || !strings.Contains(cells, "special_operation") {
			t.Fatalf("template cells lack the header or the kinds: %q", cells)
		}

		own, other := managerOf(t, h, tn.ownEnt), managerOf(t, h, tn.otherEnt)
		revealedBefore := reveals() // the test itself read the two numbers
		mixed := certWorkbook(t, tpl, own, other)
		for _, dry := range []string{"?dry_run=1", ""} {
			res = ent.upload("/api/v1/external-certificates/import"+dry, mixed, "")
			if res.status != 422 || res.errCode() != "import_invalid" || !strings.Contains(res.body, `"row":3`) ||
				!strings.Contains(res.body, `"column":"身份证号"`) || !strings.Contains(res.body, "该身份证号不在本企业人员名单中") || strings.Contains(res.body, `"row":2`) {
				t.Fatalf("another enterprise's worker (%q) = %d %s, want 422 naming row 3 only", dry, res.status, res.body)
			}
		}
		if count() != before {
			t.Fatal("a refused file wrote certificates")
		}

		good := certWorkbook(t, tpl, own)
		res = ent.upload("/api/v1/external-certificates/import?dry_run=1", good, "")
		if res.status != 200 || !strings.Contains(res.body, `"created":1`) || !strings.Contains(res.body, `"dry_run":true`) || count() != before {
			t.Fatalf("dry run = %d %s", res.status, res.body)
		}

		// Without the CSRF token, or as a role that may not register:
		// refused, nothing written.
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "certs.xlsx")
		fw.Write(good)
		w.Close()
		if res := ent.send("POST", "/api/v1/external-certificates/import", bytes.NewReader(body.Bytes()), w.FormDataContentType(), false); res.status != 403 {
			t.Fatalf("no CSRF token = %d %s, want 403", res.status, res.body)
		}
		for _, u := range []string{"learner", "trainer"} {
			if res := tn.sessions[u].upload("/api/v1/external-certificates/import", good, ""); res.status != 403 {
				t.Fatalf("%s = %d, want 403", u, res.status)
			}
		}
		if count() != before {
			t.Fatal("a refused request wrote certificates")
		}

		res = ent.upload("/api/v1/external-certificates/import", good, "")
		if res.status != 200 || !strings.Contains(res.body, `"created":1`) || !strings.Contains(res.body, `"dry_run":false`) || count() != before+1 {
			t.Fatalf("import = %d %s (certificates %d → %d)", res.status, res.body, before, count())
		}
		var mine list[certs.View]
		ent.do("GET", "/api/v1/certificates?external=true&number=YN-IMP-0001", nil).decode(t, &mine)
		if mine.Total != 1 || mine.Items[0].HolderName != own.name || mine.Items[0].Verified || mine.Items[0].EnterpriseID != tn.ownEnt {
			t.Fatalf("the imported certificate: %+v", mine)
		}
		var stored certs.Certificate
		if err := gdb.First(&stored, mine.Items[0].ID).Error; err != nil || stored.IDHash == "" || stored.BadgeHash == "" {
			t.Fatalf("the imported certificate's ID hashes: %v %q", err, stored.IDHash)
		}
		if n := reveals(); n != revealedBefore {
			t.Errorf("the import opened %d stored ID numbers", n-revealedBefore)
		}

		// Not an xlsx, whatever its name; no file at all.
		if res := ent.upload("/api/v1/external-certificates/import", []byte("身份证号,姓名\n"), ""); res.status != 415 || res.errCode() != "import_not_xlsx" {
			t.Fatalf("csv upload = %d %s", res.status, res.body)
		}
		if res := ent.do("POST", "/api/v1/external-certificates/import", nil); res.status != 400 {
			t.Fatalf("no file = %d %s", res.status, res.body)
		}

		// The page.
		res = ent.do("GET", "/certificates/import", nil)
		if res.status != 200 || !strings.Contains(res.body, "/static/cert_import.js") || !strings.Contains(res.body, "安全合格证") {
			t.Fatalf("import page = %d", res.status)
		}
		if res := tn.sessions["learner"].do("GET", "/certificates/import", nil); res.status != 403 {
			t.Fatalf("import page as learner = %d", res.status)
		}
		if !slices.ContainsFunc(h.srv.routes, func(r route) bool {
			return r.Path == "/api/v1/external-certificates/import" && slices.Contains(r.Query, "dry_run")
		}) {
			t.Error("the import route does not list its dry_run query")
		}
	})
}
