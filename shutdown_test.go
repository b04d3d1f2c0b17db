package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"anpei/ident"
)

// TestShutdownFinishesInFlightImport: SIGTERM while a large roster import
// is running lets the import finish and answer; after a restart every
// acknowledged person is there.
func TestShutdownFinishesInFlightImport(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "anpei")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	base, stop := startBinary(t, bin, data, "")
	c, csrf := session(t, base, "enterprise")

	res, err := c.Get(base + "/api/v1/people/template.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ := io.ReadAll(res.Body)
	res.Body.Close()
	const n = 6000
	file := fillRoster(t, tpl, n)

	type answer struct {
		status int
		body   string
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "roster.xlsx")
		fw.Write(file)
		w.Close()
		req, _ := http.NewRequest("POST", base+"/api/v1/people/import", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := c.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- answer{status: res.StatusCode, body: string(b)}
	}()
	time.Sleep(400 * time.Millisecond) // the upload is in and being checked
	select {
	case a := <-done:
		t.Fatalf("the import answered (%d) before the shutdown began: the test proves nothing; use a larger file", a.status)
	default:
	}
	stop() // SIGTERM; fails the test unless the process exits 0
	a := <-done
	if a.err != nil || a.status != 200 || !strings.Contains(a.body, fmt.Sprintf(`"created":%d`, n)) {
		t.Fatalf("import during shutdown: %v %d %.300s", a.err, a.status, a.body)
	}

	base, stop = startBinary(t, bin, data, "")
	defer stop()
	c, _ = session(t, base, "enterprise")
	res, err = c.Get(base + "/api/v1/people?q=导入" + "&limit=1")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Total int `json:"total"`
	}
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if list.Total != n {
		t.Fatalf("after restart %d imported people found, want %d", list.Total, n)
	}
}

// session logs in with the demo password and returns the client and the
// CSRF token.
func session(t *testing.T, base, user string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second}
	res, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"`+user+`","password":"anpei-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return c, out.CSRF
}

// fillRoster writes n valid workers, all named 导入…, into the template.
func fillRoster(t *testing.T, tpl []byte, n int) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	head, _ := f.GetRows(sheet)
	col := map[string]int{}
	for i, h := range head[0] {
		col[h] = i + 1
	}
	set := func(r int, name, v string) {
		cell, _ := excelize.CoordinatesToCellName(col[name], r)
		f.SetCellStr(sheet, cell, v)
	}
	for i := 0; i < n; i++ {
		r := i + 2
		birth := time.Date(1970+i%30, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		set(r, "证件类型", "居民身份证")
		set(r, "证件号码", ident.MakeResidentID("530302", birth, 600+i/360%300, i%2 == 0))
		set(r, "姓名", fmt.Sprintf("导入%d", i))
		set(r, "人员类别", "其他从业人员")
		set(r, "岗位", "操作工")
		set(r, "在岗状态", "在岗")
		set(r, "上岗日期", "2025-03-01")
		set(r, "用工形式", "正式")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
