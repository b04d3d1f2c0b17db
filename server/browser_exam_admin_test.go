package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anpei/account"
	"anpei/exam"
)

// TestBrowserExamAdmin: the demo trainer at a desk uploads a question
// workbook with two bad rows and sees both by row and column with nothing
// imported, then imports a clean one as active questions; creates an exam
// whose first blueprint the bank cannot fill (the shortfall is named),
// fixes it to 100 points from the imported questions, and lands on the
// proctor page.
func TestBrowserExamAdmin(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	dir := t.TempDir()
	bad, clean := filepath.Join(dir, "题库-有错误.xlsx"), filepath.Join(dir, "题库.xlsx")
	if err := os.WriteFile(bad, badQuestionsXLSX(t), 0o644); err != nil {
		t.Fatal(err)
	}
	qs := adminBankQuestions("浏览器", "法律法规", 10, 10)
	for i := range qs {
		qs[i].Status = "" // the page's status choice applies…
	}
	qs[0].Status, qs[10].Status = exam.StatusDraft, exam.StatusDraft // …unless the file says otherwise
	if err := os.WriteFile(clean, questionsXLSX(t, qs), 0o644); err != nil {
		t.Fatal(err)
	}
	before := bankCount(t, h)

	step(t, ctx, "desk viewport", chromedp.EmulateViewport(1280, 900))
	step(t, ctx, "trainer login", loginSteps(base, "trainer", "anpei-demo")...)
	step(t, ctx, "trainer home", chromedp.WaitVisible(chromedp.CSS(".nav")))
	step(t, ctx, "nav to exams", chromedp.Click(chromedp.CSS(`.nav a[href="/exam-admin"]`)), chromedp.WaitVisible(chromedp.CSS(`.head-actions a[href="/exams/new"]`)))
	// The home page also links to /questions: click the one on the exams page.
	step(t, ctx, "open bank", chromedp.Click(chromedp.CSS(`.head-actions a[href="/questions"]`)), chromedp.WaitVisible(chromedp.CSS("#q-import")))

	// A file with two bad rows: both listed by row and column, nothing written.
	step(t, ctx, "bad file",
		chromedp.SetUploadFiles(chromedp.CSS("#qi-file"), []string{bad}),
		watchProgress("#qi-progress .progress"),
		chromedp.Click(chromedp.CSS(`#q-import button[data-mode="dry"]`)))
	waitFor(t, ctx, "dry-run errors", `document.querySelectorAll('#qi-errors tr').length === 2`)
	checkProgress(t, ctx, "bad file progress", "#qi-progress .progress")
	if title := text(t, ctx, "#qi-title"); !strings.Contains(title, "未导入任何试题") {
		t.Errorf("bad file title = %q", title)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.prototype.map.call(document.querySelectorAll('#qi-errors td'), function (td) { return td.textContent; })`))
	if err != nil || len(cells) != 6 || cells[0] != "3" || cells[1] != "I" || cells[3] != "5" || cells[4] != "B" || !strings.Contains(cells[5], "题干") {
		shot(t, ctx, "bad file errors")
		t.Fatalf("error table = %q (%v), want row 3 column I and row 5 column B", cells, err)
	}
	keep(t, ctx, "exam-admin-import-errors")
	if n := bankCount(t, h); n != before {
		t.Fatalf("a refused file wrote %d questions", n-before)
	}

	// The clean file: dry run, then import as active questions.
	step(t, ctx, "clean file dry run",
		chromedp.SetUploadFiles(chromedp.CSS("#qi-file"), []string{clean}),
		setSelect("#qi-status", "active"),
		chromedp.Click(chromedp.CSS(`#q-import button[data-mode="dry"]`)))
	waitFor(t, ctx, "dry run passes", `document.getElementById('qi-title').textContent === '预检通过'`)
	if s := text(t, ctx, "#qi-summary"); !strings.Contains(s, "新增 20 道") {
		t.Errorf("dry run summary = %q", s)
	}
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('qi-errors-wrap').hidden`)); !hidden {
		t.Errorf("the error table stays visible after a clean dry run")
	}
	if n := bankCount(t, h); n != before {
		t.Fatalf("a dry run wrote %d questions", n-before)
	}
	step(t, ctx, "import", watchProgress("#qi-progress .progress"), chromedp.Click(chromedp.CSS("#qi-commit")))
	waitFor(t, ctx, "import done", `document.getElementById('qi-title').textContent === '导入完成'`)
	checkProgress(t, ctx, "import progress", "#qi-progress .progress")
	waitFor(t, ctx, "list refreshed", `document.querySelectorAll('#q-list tr[data-status="active"]').length === 18 && document.querySelectorAll('#q-list tr[data-status="draft"]').length === 2`)
	if n := bankCount(t, h); n != before+20 {
		t.Fatalf("bank holds %d new questions, want 20", n-before)
	}
	keep(t, ctx, "exam-admin-bank")

	// The two drafts the file marked are activated with one button.
	if b := text(t, ctx, "#q-activate-page"); b != "启用本页 2 道草稿" {
		t.Errorf("bulk button says %q", b)
	}
	step(t, ctx, "activate drafts", chromedp.Click(chromedp.CSS("#q-activate-page")))
	waitFor(t, ctx, "drafts active", `document.querySelectorAll('#q-list tr[data-status="active"]').length === 20 && !document.getElementById('q-activate-page')`)
	waitFor(t, ctx, "counts refreshed", `document.querySelector('#q-counts .tile:nth-child(3) .num').textContent.trim() === '0'`)

	// A status button works in place.
	step(t, ctx, "retire one", chromedp.Click(chromedp.CSS(`#q-list tr[data-question] [data-set-status="retired"]`)))
	waitFor(t, ctx, "retired", `document.querySelectorAll('#q-list tr[data-status="retired"]').length === 1`)
	step(t, ctx, "activate again", chromedp.Click(chromedp.CSS(`#q-list tr[data-status="retired"] [data-set-status="active"]`)))
	waitFor(t, ctx, "active again", `document.querySelectorAll('#q-list tr[data-status="active"]').length === 20`)

	// The new exam: the default blueprint asks more than the bank has.
	step(t, ctx, "new exam", chromedp.Navigate(base+"/exams/new"), chromedp.WaitVisible(chromedp.CSS("#exam-form")))
	if note := text(t, ctx, "#bp-total-note"); !strings.Contains(note, "合计 100 分") {
		t.Errorf("default blueprint total says %q", note)
	}
	step(t, ctx, "fill exam",
		chromedp.SendKeys(chromedp.CSS("#e-title"), "浏览器测试考试"),
		chromedp.Click(chromedp.CSS(`input[name="required_rules"][value="special_review"]`)),
		chromedp.Click(chromedp.CSS(`#exam-form button[type="submit"]`)))
	waitFor(t, ctx, "feasibility errors", `!document.getElementById('bp-problems').hidden`)
	if msg := text(t, ctx, "#bp-problems"); !strings.Contains(msg, "单选题·不限分类：需要 20 道，题库中只有 10 道可用") || !strings.Contains(msg, "多选题·不限分类：需要 10 道，题库中只有 0 道可用") {
		t.Errorf("feasibility problems = %q", msg)
	}
	keep(t, ctx, "exam-admin-infeasible")

	// Fix it: drop the multiple-choice part, 10 single from 法律法规 × 5 + 10 judge × 5.
	step(t, ctx, "remove multiple", chromedp.Click(chromedp.CSS(`#bp-rows tr:nth-child(2) [data-bp-remove]`)))
	waitFor(t, ctx, "two parts", `document.querySelectorAll('#bp-rows tr').length === 2`)
	if note := text(t, ctx, "#bp-total-note"); !strings.Contains(note, "还差 30 分") {
		t.Errorf("after removing 30 points the total says %q", note)
	}
	step(t, ctx, "points with two decimals",
		setInput("#bp-rows tr:nth-child(1) [data-bp=points]", "2.55"),
		chromedp.Click(chromedp.CSS(`#exam-form button[type="submit"]`)))
	waitFor(t, ctx, "points error", `(document.querySelector('#bp-rows tr:nth-child(1) .field-error') || {}).textContent === '单选题·不限分类的每题分值须为数字，最多保留一位小数'`)
	step(t, ctx, "fix blueprint",
		setSelect("#bp-rows tr:nth-child(1) [data-bp=category]", "法律法规"),
		setInput("#bp-rows tr:nth-child(1) [data-bp=count]", "10"),
		setInput("#bp-rows tr:nth-child(1) [data-bp=points]", "5"),
		setInput("#bp-rows tr:nth-child(2) [data-bp=count]", "10"),
		setInput("#bp-rows tr:nth-child(2) [data-bp=points]", "5"))
	waitFor(t, ctx, "total 100", `document.getElementById('bp-total-note').textContent.indexOf('✓ 合计 100 分') >= 0`)
	if avail := text(t, ctx, "#bp-rows tr:nth-child(1) [data-bp-avail]"); !strings.Contains(avail, "10 道") {
		t.Errorf("available single 法律法规 = %q", avail)
	}
	step(t, ctx, "save exam", chromedp.Click(chromedp.CSS(`#exam-form button[type="submit"]`)))
	waitFor(t, ctx, "proctor page", `location.pathname.endsWith('/proctor') && !!document.getElementById('proctor')`)
	if h1 := text(t, ctx, "main h1"); h1 != "浏览器测试考试" {
		t.Errorf("proctor page h1 = %q", h1)
	}
	if info := text(t, ctx, "main .facts"); !strings.Contains(info, "20 题") || !strings.Contains(info, "特种作业操作证复审培训") {
		t.Errorf("proctor header = %q", info)
	}
	if rows := text(t, ctx, "#p-rows"); !strings.Contains(rows, "还没有考生开始作答") {
		t.Errorf("proctor rows = %q", rows)
	}
	// The live refresh runs without errors.
	step(t, ctx, "poll", chromedp.Evaluate[chromedp.Void](`window.anpeiProctorPoll()`))
	waitFor(t, ctx, "refreshed", `document.getElementById('p-refresh').textContent.indexOf('最近刷新') >= 0 && document.getElementById('p-error').hidden`)
	keep(t, ctx, "exam-admin-proctor")

	// An exam under way: the demo learner starts, answers three questions
	// and leaves the page three times; the table refreshes from the API.
	now := h.clock.Now()
	open, closeAt := now.Add(-time.Hour), now.Add(48*time.Hour)
	v, err := h.exams.CreateExam(context.Background(), account.System(), exam.ExamInput{Title: "进行中的考试", OpenAt: &open, CloseAt: &closeAt, Blueprint: adminBlueprint()})
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "open proctor", chromedp.Navigate(base+"/exams/"+itoa(v.ID)+"/proctor"), chromedp.WaitVisible(chromedp.CSS("#p-rows")))
	if err := h.accounts.SetPassword(context.Background(), "learner", "anpei-test-1"); err != nil {
		t.Fatal(err)
	}
	learner := h.login("learner")
	res := learner.do("POST", "/api/v1/exams/"+itoa(v.ID)+"/attempts", nil)
	if res.status != 200 {
		t.Fatalf("start = %d %s", res.status, res.body)
	}
	var a exam.AttemptOut
	res.decode(t, &a)
	for no := 1; no <= 3; no++ {
		learner.do("PUT", "/api/v1/attempts/"+itoa(a.ID)+"/answers/"+strconv.Itoa(no), map[string]any{"choice": []string{"A"}})
		learner.do("POST", "/api/v1/attempts/"+itoa(a.ID)+"/events", map[string]any{"kind": "blur"})
	}
	step(t, ctx, "poll attempts", chromedp.Evaluate[chromedp.Void](`window.anpeiProctorPoll()`))
	waitFor(t, ctx, "attempt listed", `document.querySelectorAll('#p-rows tr[data-attempt]').length === 1`)
	row := text(t, ctx, "#p-rows tr[data-attempt]")
	for _, s := range []string{"3/10", "离开频繁", "作答中"} {
		if !strings.Contains(row, s) {
			t.Errorf("live row %q lacks %q", row, s)
		}
	}
	if n := text(t, ctx, `[data-count="writing"]`); n != "1" {
		t.Errorf("作答中 count = %q", n)
	}
	left := text(t, ctx, "#p-rows [data-left]")
	waitFor(t, ctx, "time left ticks", `document.querySelector('#p-rows [data-left]').textContent !== `+strconv.Quote(left))
	keep(t, ctx, "exam-admin-proctor-live")

	// Handed in: score, pass or fail, and the counts.
	if res := learner.do("POST", "/api/v1/attempts/"+itoa(a.ID)+"/submit", nil); res.status != 200 {
		t.Fatalf("submit = %d %s", res.status, res.body)
	}
	step(t, ctx, "poll again", chromedp.Evaluate[chromedp.Void](`window.anpeiProctorPoll()`))
	waitFor(t, ctx, "handed in", `document.querySelector('[data-count="finished"]').textContent === '1' && document.querySelector('#p-rows tr[data-attempt]').textContent.indexOf('已交卷') >= 0`)
	waitFor(t, ctx, "stats refreshed", `document.querySelectorAll('#p-stats-rows tr').length === 10`)
	if rate := text(t, ctx, `[data-count="rate"]`); rate != "0.0%" && rate != "100.0%" {
		t.Errorf("pass rate = %q", rate)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || wide {
		shot(t, ctx, "proctor width")
		t.Errorf("the proctor page scrolls sideways at 1280 px (err %v)", err)
	}
}
