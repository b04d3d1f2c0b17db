package server

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"anpei/ident"
)

// rosterFile fills the downloaded template with rows given by header name
// and saves it as an .xlsx for the browser to upload.
func rosterFile(t *testing.T, template []byte, path string, rows []map[string]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	sheet := f.GetSheetName(0)
	head, err := f.GetRows(sheet)
	if err != nil || len(head) == 0 {
		t.Fatalf("template rows: %v", err)
	}
	col := map[string]int{}
	for i, h := range head[0] {
		col[h] = i + 1
	}
	for r, row := range rows {
		for name, v := range row {
			c, ok := col[name]
			if !ok {
				t.Fatalf("template has no column %q (has %v)", name, head[0])
			}
			cell, _ := excelize.CoordinatesToCellName(c, r+2)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func worker(name, id, items string) map[string]string {
	cat := "其他从业人员"
	if items != "" {
		cat = "特种作业人员"
	}
	return map[string]string{"证件类型": "居民身份证", "证件号码": id, "姓名": name, "手机号": "13987400001", "学历": "高中",
		"人员类别": cat, "准操项目": items, "岗位": "操作工", "在岗状态": "在岗", "上岗日期": "2025-03-01", "用工形式": "正式"}
}

// TestBrowserRosterImport: the enterprise admin downloads the template,
// uploads a file with two bad rows, sees both errors by row, fixes the
// file, checks it again and imports it.
func TestBrowserRosterImport(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	template, err := h.roster.Template(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	birth := time.Date(1990, 6, 15, 0, 0, 0, 0, time.UTC)
	good1 := ident.MakeResidentID("530302", birth, 901, true)
	good2 := ident.MakeResidentID("530302", birth, 902, false)
	good3 := ident.MakeResidentID("530302", birth, 903, true)
	badCheck := good2[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good2[17])+1)%11])
	dir := t.TempDir()
	bad, fixed := filepath.Join(dir, "名单-有错误.xlsx"), filepath.Join(dir, "名单-已修改.xlsx")
	rosterFile(t, template, bad, []map[string]string{
		worker("赵一", good1, ""), worker("钱二", badCheck, ""), worker("孙三", good3, "99.9"),
	})
	rosterFile(t, template, fixed, []map[string]string{
		worker("赵一", good1, ""), worker("钱二", good2, ""), worker("孙三", good3, "2.1"),
	})

	step(t, ctx, "enterprise login", loginSteps(base, "enterprise", "anpei-demo")...)
	step(t, ctx, "enterprise home", chromedp.WaitVisible(chromedp.CSS(".tile")))
	step(t, ctx, "import page", chromedp.Navigate(base+"/people/import"), chromedp.WaitVisible(chromedp.CSS("#i-file")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('[data-template-link]').href).then(r => r.status + ' ' + r.headers.get('content-type'))`,
		func(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }))
	if err != nil || !strings.HasPrefix(got, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
		shot(t, ctx, "template download")
		t.Fatalf("template download = %q, %v", got, err)
	}

	step(t, ctx, "upload bad file",
		chromedp.SetUploadFiles(chromedp.CSS("#i-file"), []string{bad}),
		chromedp.Click(chromedp.CSS(`#import-form button[data-mode="check"]`)),
		chromedp.WaitVisible(chromedp.CSS("#i-errors-wrap")))
	keep(t, ctx, "import-errors")
	errorsText := text(t, ctx, "#i-errors")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#i-errors tr').length`))
	if err != nil || rows != 2 || !strings.Contains(errorsText, "3") || !strings.Contains(errorsText, "4") || !strings.Contains(errorsText, "校验") {
		shot(t, ctx, "import errors")
		t.Fatalf("errors shown (%d rows): %q; want row 3 (check digit) and row 4 (unknown item)", rows, errorsText)
	}
	if disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('i-commit').disabled`)); !disabled {
		t.Fatal("the import button is enabled for a file with errors")
	}

	step(t, ctx, "upload fixed file",
		chromedp.SetUploadFiles(chromedp.CSS("#i-file"), []string{fixed}),
		chromedp.Click(chromedp.CSS(`#import-form button[data-mode="check"]`)))
	waitFor(t, ctx, "dry run passes", `document.getElementById('i-title').textContent === '预检通过'`)
	if summary := text(t, ctx, "#i-summary"); !strings.Contains(summary, "将新增 3 人") {
		shot(t, ctx, "dry run")
		t.Fatalf("dry run summary = %q", summary)
	}
	step(t, ctx, "confirm import",
		chromedp.Click(chromedp.CSS("#i-commit")))
	waitFor(t, ctx, "import done", `document.getElementById('i-title').textContent === '导入完成'`)
	if summary := text(t, ctx, "#i-summary"); !strings.Contains(summary, "新增 3 人") {
		shot(t, ctx, "import done")
		t.Fatalf("import summary = %q", summary)
	}
	keep(t, ctx, "import-done")
	step(t, ctx, "find imported person", chromedp.Navigate(base+"/people?q="+good2), chromedp.WaitVisible(chromedp.CSS("table")))
	keep(t, ctx, "people-list")
	if list := text(t, ctx, "table tbody"); !strings.Contains(list, "钱二") || strings.Contains(list, good2) {
		shot(t, ctx, "people list")
		t.Fatalf("people list after import = %q; want 钱二 with a masked ID", list)
	}
}

// waitFor polls a JavaScript condition until it holds. It survives page
// reloads that happen meanwhile (a form that reloads on success).
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		ok, err = chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	shot(t, ctx, what)
	page, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	t.Fatalf("%s: %v\npage text:\n%s", what, err, page)
}
