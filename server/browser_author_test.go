package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anpei/account"
	"anpei/course"
)

// setSelect chooses value in a select and fires its change event, as a
// person picking the option would.
func setSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function(){var s=document.querySelector(` + strconv.Quote(sel) + `);s.value=` + strconv.Quote(value) +
		`;s.dispatchEvent(new Event('change',{bubbles:true}));})()`)
}

// setInput replaces an input's value and fires its input event.
func setInput(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function(){var s=document.querySelector(` + strconv.Quote(sel) + `);s.value=` + strconv.Quote(value) +
		`;s.dispatchEvent(new Event('input',{bubbles:true}));})()`)
}

// watchProgress records every value a progress bar shows into
// window.__progress, so a test can see it move and finish.
func watchProgress(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(function(){var b=document.querySelector(` + strconv.Quote(sel) + `);window.__progress=[];
		new MutationObserver(function(){window.__progress.push(Number(b.getAttribute('aria-valuenow')));}).observe(b,{attributes:true,attributeFilter:['aria-valuenow']});})()`)
}

func checkProgress(t *testing.T, ctx context.Context, what, bar string) {
	t.Helper()
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`window.__progress`))
	if err != nil || len(seen) == 0 || seen[len(seen)-1] != 100 {
		shot(t, ctx, what)
		t.Fatalf("%s: progress bar showed %v (%v), want it to end at 100", what, seen, err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(bar+" > span")+`).style.width`))
	if err != nil || width != "100%" {
		t.Errorf("%s: bar width %q at the end, want 100%%", what, width)
	}
}

// TestBrowserCourseEditor: a trainer at a desk creates a course, adds a
// text lesson and a video uploaded through the file input (the progress
// bar runs to the end), and publishes it.
func TestBrowserCourseEditor(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	video, err := filepath.Abs(authorDemoVideo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(video); err != nil {
		t.Skipf("demo video not generated (%v)", err)
	}
	step(t, ctx, "desk viewport", chromedp.EmulateViewport(1280, 900))
	step(t, ctx, "trainer login", loginSteps(base, "trainer", "anpei-demo")...)
	step(t, ctx, "trainer home", chromedp.WaitVisible(chromedp.CSS(".nav")))

	step(t, ctx, "new course",
		chromedp.Navigate(base+"/courses/new"),
		chromedp.WaitVisible(chromedp.CSS("#course-form")),
		chromedp.Click(chromedp.CSS(`#course-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#course-form .field-error")))
	if msg := text(t, ctx, "#course-form .field-error"); !strings.Contains(msg, "课程名称") {
		shot(t, ctx, "empty course form")
		t.Fatalf("an empty course form says %q, want the title asked for", msg)
	}
	step(t, ctx, "fill course",
		chromedp.SendKeys(chromedp.CSS("#c-title"), "有限空间作业安全（浏览器测试）"),
		setSelect("#c-cat", "hazard_standard"),
		chromedp.SendKeys(chromedp.CSS("#c-desc"), "有限空间作业的危险辨识、审批和应急处置。"),
		chromedp.Click(chromedp.CSS(`input[name="audience.categories"][value="special_operator"]`)),
		chromedp.Click(chromedp.CSS(`#course-form button[type="submit"]`)))
	waitFor(t, ctx, "editor opens", `location.pathname.endsWith('/edit') && !!document.getElementById('c-status')`)
	if st := text(t, ctx, "#c-status"); st != "草稿 v1" {
		t.Fatalf("new course status = %q, want 草稿 v1", st)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	id, err := strconv.Atoi(strings.TrimSuffix(loc[strings.Index(loc, "/courses/")+len("/courses/"):], "/edit"))
	if err != nil {
		t.Fatalf("editor at %s: %v", loc, err)
	}

	// Publishing too early, and a web page renamed .mp4, are refused with
	// what to do.
	step(t, ctx, "publish empty", chromedp.Click(chromedp.CSS("#publish-btn")), chromedp.WaitVisible(chromedp.CSS("#publish-error")))
	if msg := text(t, ctx, "#publish-error"); !strings.Contains(msg, "请至少添加一个课时") {
		t.Errorf("publishing an empty course says %q", msg)
	}
	fake := filepath.Join(t.TempDir(), "冒充视频.mp4")
	if err := os.WriteFile(fake, []byte("<!doctype html><html><body><script>alert(1)</script></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "renamed html",
		chromedp.SendKeys(chromedp.CSS("#l-title"), "冒充的视频"),
		chromedp.SetUploadFiles(chromedp.CSS("#l-file"), []string{fake}),
		chromedp.Click(chromedp.CSS(`#lesson-form button[type="submit"]`)))
	waitFor(t, ctx, "renamed html refused", `document.getElementById('l-result').textContent.indexOf('文件类型不对') >= 0`)
	if msg := text(t, ctx, "#l-result"); !strings.Contains(msg, "文件类型不支持") {
		t.Errorf("the upload result says %q, want the server's reason", msg)
	}
	waitFor(t, ctx, "form error box stays hidden", `document.querySelector('#lesson-form [data-form-error]').hidden`)
	if msg := text(t, ctx, "#lesson-form .field-error"); !strings.Contains(msg, "MP4 或 WebM") {
		t.Errorf("the file field says %q, want the accepted types", msg)
	}
	keep(t, ctx, "lesson-415")
	step(t, ctx, "clear title", setInput("#l-title", ""))

	body := "<h3>什么是有限空间</h3><p>" + strings.Repeat("有限空间是指封闭或者部分封闭、进出口受限、未被设计为固定工作场所、通风不良的空间。", 8) + "</p><script>alert(1)</script>"
	step(t, ctx, "text lesson",
		setSelect("#l-kind", "text"),
		chromedp.WaitVisible(chromedp.CSS("#l-body")),
		chromedp.SendKeys(chromedp.CSS("#l-title"), "有限空间的定义"),
		setInput("#l-body", body))
	if est := text(t, ctx, "#l-estimate"); !strings.Contains(est, "默认学习时长") {
		t.Errorf("text estimate = %q", est)
	}
	step(t, ctx, "add text lesson", chromedp.Click(chromedp.CSS(`#lesson-form button[type="submit"]`)))
	waitFor(t, ctx, "text lesson listed", `document.querySelectorAll('#c-lessons tr[data-lesson-row]').length === 1`)

	step(t, ctx, "video lesson",
		setSelect("#l-kind", "video"),
		chromedp.WaitVisible(chromedp.CSS("#l-file")),
		chromedp.SendKeys(chromedp.CSS("#l-title"), "视频导学"),
		chromedp.SetUploadFiles(chromedp.CSS("#l-file"), []string{video}),
		watchProgress("#l-progress .progress"),
		chromedp.Click(chromedp.CSS(`#lesson-form button[type="submit"]`)))
	waitFor(t, ctx, "video uploaded", `document.getElementById('l-stage').textContent.indexOf('已添加') >= 0`)
	checkProgress(t, ctx, "video upload", "#l-progress .progress")
	waitFor(t, ctx, "video lesson listed", `document.querySelectorAll('#c-lessons tr[data-lesson-row]').length === 2`)
	keep(t, ctx, "course-editor")
	if got := text(t, ctx, "#l-result"); !strings.Contains(got, "1 分 30 秒") {
		t.Errorf("upload result = %q, want the video's length", got)
	}
	if line := text(t, ctx, "#c-hours"); !strings.Contains(line, "折合") || !strings.Contains(line, "学时") {
		t.Errorf("学时 line = %q", line)
	}

	// Put the video first, and shorten the text lesson's reading time.
	step(t, ctx, "move video up", chromedp.Click(chromedp.CSS(`#c-lessons tr[data-lesson-row]:nth-child(2) [data-dir="up"]`)))
	waitFor(t, ctx, "video first", `document.querySelector('#c-lessons tr[data-lesson-row] .badge').textContent === '视频'`)
	step(t, ctx, "text minutes",
		setInput(`#c-lessons .minutes-form input[name="minutes"]`, "1"),
		chromedp.Click(chromedp.CSS(`#c-lessons .minutes-form button`)))
	waitFor(t, ctx, "minutes saved", `document.getElementById('c-hours').textContent.indexOf('2 分 30 秒') >= 0`)

	step(t, ctx, "publish", chromedp.Click(chromedp.CSS("#publish-btn")))
	waitFor(t, ctx, "published", `document.getElementById('c-status').textContent === '已发布 v1'`)
	keep(t, ctx, "course-published")
	v, err := h.courses.Course(context.Background(), account.System(), uint(id), false)
	if err != nil || v.Status != course.StatusPublished || v.Version != 1 || len(v.Lessons) != 2 || v.Lessons[0].Kind != course.KindVideo || v.Lessons[1].DurationMS != 60_000 {
		t.Fatalf("course after publishing = %+v, %v", v, err)
	}
}

// TestBrowserTrainingPage: an enterprise admin opens 培训情况, sees who is
// behind, records an offline 班组级 session for two people with a PNG
// sign-in sheet, and sees the record; both people are credited.
func TestBrowserTrainingPage(t *testing.T) {
	h, ctx := browser(t)
	base := h.ts.URL
	sheet := filepath.Join(t.TempDir(), "签到表.png")
	if err := os.WriteFile(sheet, authorPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "desk viewport", chromedp.EmulateViewport(1280, 900))
	step(t, ctx, "enterprise login", loginSteps(base, "enterprise", "anpei-demo")...)
	step(t, ctx, "open 培训情况",
		chromedp.WaitVisible(chromedp.CSS(`.nav a[href$="/training"]`)),
		chromedp.Click(chromedp.CSS(`.nav a[href$="/training"]`)),
		chromedp.WaitVisible(chromedp.CSS("#t-behind table")))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#t-behind tr[data-person]').length`))
	if err != nil || rows == 0 {
		shot(t, ctx, "behind")
		t.Fatalf("people behind listed: %d (%v)", rows, err)
	}
	if first := text(t, ctx, "#t-behind tr[data-person] .badge"); first == "" {
		t.Error("a behind row's status has no text")
	}
	keep(t, ctx, "training-page")

	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.prototype.slice.call(document.querySelectorAll('#o-people input[name=person_ids]'),0,2).map(function(i){return i.value})`))
	if err != nil || len(ids) != 2 {
		t.Fatalf("attendee list: %v %v", ids, err)
	}
	name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#o-people input[value="`+ids[0]+`"]').closest('label').dataset.name`))
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]int{}
	for _, id := range ids {
		n, _ := strconv.Atoi(id)
		sum, err := h.courses.HoursOf(context.Background(), account.System(), uint(n))
		if err != nil {
			t.Fatal(err)
		}
		before[id] = sum.OfflineMinutes
	}

	step(t, ctx, "fill offline form",
		setSelect("#o-cat", "team_level"),
		chromedp.SendKeys(chromedp.CSS("#o-min"), "90"),
		chromedp.SendKeys(chromedp.CSS("#o-content"), "班组岗位安全操作规程、劳动防护用品使用与应急处置"),
		chromedp.SendKeys(chromedp.CSS("#o-teacher"), "王班长"),
		chromedp.SendKeys(chromedp.CSS("#o-place"), "班组活动室"),
		// find the first person by name, then clear the filter for the second
		setInput("#o-filter", name),
		chromedp.Click(chromedp.CSS(`#o-people input[value="`+ids[0]+`"]`)),
		setInput("#o-filter", ""),
		chromedp.Click(chromedp.CSS(`#o-people input[value="`+ids[1]+`"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#o-sheet"), []string{sheet}),
		watchProgress("#o-progress .progress"))
	if got := text(t, ctx, "#o-count"); got != "已选 2 人" {
		t.Errorf("attendee count = %q, want 已选 2 人", got)
	}
	if got := text(t, ctx, "#o-hours"); !strings.Contains(got, "2 学时") {
		t.Errorf("hours hint = %q, want 折合 2 学时", got)
	}
	step(t, ctx, "record", chromedp.Click(chromedp.CSS(`#offline-form button[type="submit"]`)))
	waitFor(t, ctx, "recorded", `document.getElementById('o-result').textContent.indexOf('已登记线下培训') >= 0`)
	checkProgress(t, ctx, "sheet upload", "#o-progress .progress")
	waitFor(t, ctx, "record listed", `document.querySelector('#t-records tbody').textContent.indexOf('王班长') >= 0`)
	keep(t, ctx, "training-recorded")
	rec := text(t, ctx, "#t-records tbody tr")
	for _, want := range []string{"班组级安全教育", "90 分钟", "2 学时", "查看签到表"} {
		if !strings.Contains(rec, want) {
			t.Errorf("record row %q lacks %q", rec, want)
		}
	}
	for _, id := range ids {
		n, _ := strconv.Atoi(id)
		sum, err := h.courses.HoursOf(context.Background(), account.System(), uint(n))
		if err != nil {
			t.Fatal(err)
		}
		if sum.OfflineMinutes != before[id]+90 {
			t.Errorf("person %s offline minutes %d → %d, want +90", id, before[id], sum.OfflineMinutes)
		}
	}
}
