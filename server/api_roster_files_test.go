package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/ident"
	"anpei/roster"
)

// upload posts file as the multipart field "file".
func (c *client) upload(path string, file []byte, accept string) response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", "roster.xlsx")
	fw.Write(file)
	w.Close()
	req := bytes.NewReader(body.Bytes())
	if accept == "" {
		return c.send("POST", path, req, w.FormDataContentType(), true)
	}
	c.accept = accept
	defer func() { c.accept = "" }()
	return c.send("POST", path, req, w.FormDataContentType(), true)
}

func rosterBytes(t *testing.T, h *harness, rows []map[string]string) []byte {
	t.Helper()
	tpl, err := h.roster.Template(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.xlsx")
	rosterFile(t, tpl, path, rows)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRosterImportAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.clock.t = time.Now()
		tn := seedTenants(t, h)
		ent := tn.sessions["enterprise"]
		birth := time.Date(1988, 2, 3, 0, 0, 0, 0, time.UTC)
		id1, id2 := ident.MakeResidentID("530302", birth, 811, true), ident.MakeResidentID("530302", birth, 812, false)
		count := func() int64 {
			var n int64
			gdb.Model(&roster.Person{}).Count(&n)
			return n
		}
		before := count()

		bad := rosterBytes(t, h, []map[string]string{worker("甲", id1, ""), worker("乙", id1, "")})
		res := ent.upload("/api/v1/people/import?dry_run=1", bad, "")
		if res.status != 422 || !strings.Contains(res.body, `"row":3`) || !strings.Contains(res.body, `"column":"证件号码"`) {
			t.Fatalf("duplicate rows = %d %s, want 422 naming row 3 and its column", res.status, res.body)
		}
		if count() != before {
			t.Fatal("a refused file wrote people")
		}

		good := rosterBytes(t, h, []map[string]string{worker("甲", id1, ""), worker("乙", id2, "2.1")})
		res = ent.upload("/api/v1/people/import?dry_run=1", good, "")
		if res.status != 200 || !strings.Contains(res.body, `"created":2`) || count() != before {
			t.Fatalf("dry run = %d %s (people %d → %d)", res.status, res.body, before, count())
		}
		// The page asks for a stream of progress lines ending in the result.
		res = ent.upload("/api/v1/people/import", good, ndjsonType)
		lines := strings.Split(strings.TrimSpace(res.body), "\n")
		var last importLine
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Result == nil || last.Result.Created != 2 {
			t.Fatalf("streamed import = %d %q", res.status, res.body)
		}
		if len(lines) < 2 {
			t.Errorf("streamed import sent no progress line: %q", res.body)
		}
		if count() != before+2 {
			t.Fatalf("people %d → %d after importing 2", before, count())
		}
		// Again: nothing changes.
		if res := ent.upload("/api/v1/people/import", good, ""); res.status != 200 || !strings.Contains(res.body, `"unchanged":2`) {
			t.Fatalf("re-import = %d %s", res.status, res.body)
		}
		// A streamed refusal ends with the error and its details.
		res = ent.upload("/api/v1/people/import", bad, ndjsonType)
		if !strings.Contains(res.body, `"error":{"code":"import_invalid"`) || !strings.Contains(res.body, `"row":3`) {
			t.Fatalf("streamed refusal = %q", res.body)
		}
		// Not an xlsx, whatever its name; no file at all; another enterprise.
		if res := ent.upload("/api/v1/people/import", []byte("\x89PNG\r\n\x1a\nnot a workbook"), ""); res.status < 400 || res.status >= 500 {
			t.Fatalf("png upload = %d %s", res.status, res.body)
		}
		if res := ent.do("POST", "/api/v1/people/import", nil); res.status != 400 {
			t.Fatalf("no file = %d %s", res.status, res.body)
		}
		if res := ent.upload("/api/v1/people/import?enterprise_id="+itoa(tn.otherEnt), good, ""); res.status != 403 && res.status != 404 {
			t.Fatalf("import into another enterprise = %d %s", res.status, res.body)
		}
		// Exports: masked numbers, and only what the user may see.
		res = ent.do("GET", "/api/v1/people/export.xlsx", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), xlsxType) {
			t.Fatalf("export = %d %s", res.status, res.header.Get("Content-Type"))
		}
		cells := xlsxText(t, []byte(res.body))
		if strings.Contains(cells, id1) || !strings.Contains(cells, ident.MaskID(id1)) {
			t.Fatalf("export: full ID present %v, masked ID present %v", strings.Contains(cells, id1), strings.Contains(cells, ident.MaskID(id1)))
		}
		if res := ent.do("GET", "/api/v1/enterprises/export.xlsx", nil); res.status != 200 {
			t.Fatalf("enterprise export = %d", res.status)
		}
		var exports int64
		gdb.Table("audit_entries").Where("action = ? AND actor_name = ?", "export", "enterprise").Count(&exports)
		if exports != 2 {
			t.Fatalf("export audit entries = %d, want 2 (people, enterprises)", exports)
		}
		if res := tn.sessions["learner"].do("GET", "/api/v1/people/export.xlsx", nil); res.status != 403 {
			t.Fatalf("learner export = %d, want 403", res.status)
		}
		if res := ent.do("GET", "/api/v1/people/template.xlsx", nil); res.status != 200 || len(res.body) < 1000 {
			t.Fatalf("template = %d, %d bytes", res.status, len(res.body))
		}
	})
}

// xlsxText returns every cell of every sheet, tab-separated.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	var sb strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			sb.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return sb.String()
}

// TestLookupByNumberInBody: a full ID number is looked up from a POST body,
// within the caller's scope.
func TestLookupByNumberInBody(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		num, err := h.roster.RevealID(context.Background(), account.System(), tn.otherPer)
		if err != nil {
			t.Fatal(err)
		}
		res := tn.sessions["admin"].do("POST", "/api/v1/people/lookup", map[string]string{"doc_number": num})
		if res.status != 200 || !strings.Contains(res.body, `"id":`+itoa(tn.otherPer)+`,`) {
			t.Fatalf("admin lookup = %d %.200s", res.status, res.body)
		}
		if strings.Contains(res.body, num) {
			t.Fatal("the lookup answer repeats the full number")
		}
		res = tn.sessions["enterprise"].do("POST", "/api/v1/people/lookup", map[string]string{"doc_number": num})
		if res.status != 200 || !strings.Contains(res.body, `"total":0`) {
			t.Fatalf("another enterprise's person found by number: %d %.200s", res.status, res.body)
		}
		if res := tn.sessions["admin"].do("POST", "/api/v1/people/lookup", map[string]string{"doc_number": "1"}); res.status != 400 {
			t.Fatalf("short number = %d", res.status)
		}
	})
}
