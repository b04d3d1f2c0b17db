package server

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anpei/account"
	"anpei/demo"
	"anpei/exam"
)

// TestBrowserExamJourney: on a phone, the demo learner opens 在线考试,
// reads the demo exam's rules, confirms the start, answers a few questions
// (one changed at once, one saved through a failed request and a retry),
// reloads mid-way and finds the saved answers and the running countdown
// (not reset), jumps with the 答题卡, answers the rest correctly with the
// key read from the database, hands in and sees the score, 合格 and the
// review. The pages never scroll sideways at 375 px.
func TestBrowserExamJourney(t *testing.T) {
	seeded, ctx := browser(t)
	// The exam store on real time, so the countdown runs between requests.
	h := newHarnessWith(t, seeded.gdb, harnessOptions{RealTimeCourses: true, Keys: seeded.srv.deps.Keys})
	h.clock.mu.Lock()
	h.clock.t = time.Now() // session cookies must not be born expired
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
	if demoExam.ID == 0 || demoExam.Me == nil || !demoExam.Me.CanStart || demoExam.Questions != 45 {
		t.Fatalf("the demo learner cannot sit the demo exam: %+v", demoExam)
	}
	examID := itoa(demoExam.ID)
	started := time.Now()

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "在线考试", chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/exams"]`)), chromedp.Click(chromedp.CSS(`nav.nav a[href="/exams"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.exam-card[data-exam="`+examID+`"]`)))
	card := text(t, ctx, `.exam-card[data-exam="`+examID+`"]`)
	for _, want := range []string{demoExam.Title, "可以参加", "45 题 · 满分 100 分 · 80 分合格 · 限时 60 分钟", "北京时间", "开始考试"} {
		if !strings.Contains(card, want) {
			t.Errorf("the exam card lacks %q:\n%s", want, card)
		}
	}
	learnFits(t, ctx, "在线考试")
	keep(t, ctx, "exam-list")

	// Clicked from script: the DOM node chromedp would resolve for a Click
	// can be gone by the time it is clicked while the page settles.
	step(t, ctx, "exam rules", chromedp.WaitVisible(chromedp.CSS(`.exam-card[data-exam="`+examID+`"] a.btn-primary`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(function(){ document.querySelector('.exam-card[data-exam="`+examID+`"] a.btn-primary').click(); return true; })()`)(ctx, tg)
			return err
		}),
		chromedp.WaitVisible(chromedp.CSS(`button[data-confirm-start]`)))
	if main := text(t, ctx, "main"); !strings.Contains(main, "开始后计时不可暂停") || !strings.Contains(main, "及格线") || !strings.Contains(main, "补考") {
		t.Errorf("the rules page shows:\n%s", main)
	}
	learnFits(t, ctx, "exam rules")
	step(t, ctx, "confirm the start", chromedp.Click(chromedp.CSS(`button[data-confirm-start]`)), chromedp.WaitVisible(chromedp.CSS("#ex-start-dialog .modal-box")))
	if msg := text(t, ctx, "#ex-start-text"); !strings.Contains(msg, "开始后计时不可暂停") || !strings.Contains(msg, "60 分钟") {
		t.Errorf("the start confirmation says %q", msg)
	}
	keep(t, ctx, "exam-confirm")
	step(t, ctx, "start", chromedp.Click(chromedp.CSS(`[data-start-confirm="`+examID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#ex-nav")))
	begun := time.Now() // the server started the clock before this
	attemptID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('exam').dataset.attempt`))
	if err != nil || attemptID == "" {
		t.Fatalf("no attempt on the page: %v", err)
	}
	id, _ := strconv.ParseUint(attemptID, 10, 32)
	key, types := attemptPaper(t, h, uint(id))
	if len(key) != 45 {
		t.Fatalf("the paper has %d items", len(key))
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('fieldset.q.current').length`)); n != 1 {
		t.Errorf("%d questions on the screen, want one", n)
	}
	learnFits(t, ctx, "attempt")

	// wrong is an option of item no that is not (all of) its answer.
	wrong := func(no int) string {
		if key[no][0] == "A" {
			return "B"
		}
		return "A"
	}
	pick := func(no int, letter string) chromedp.Action[chromedp.Void] {
		return tap(`#q` + strconv.Itoa(no) + ` input[value="` + letter + `"]`)
	}
	saved := func(no int) string {
		return `document.getElementById('q` + strconv.Itoa(no) + `-state').dataset.state === 'saved'`
	}
	// Item 1: a wrong choice, then the right one at once: the last wins.
	if types[1] == exam.Multiple {
		t.Fatal("the paper starts with a multiple-choice item; the journey expects single-choice first")
	}
	step(t, ctx, "answer 1", pick(1, wrong(1)), pick(1, key[1][0]))
	waitFor(t, ctx, "item 1 saved", saved(1))
	step(t, ctx, "next", chromedp.Click(chromedp.CSS("#ex-next")), chromedp.WaitVisible(chromedp.CSS("#q2")))
	// Item 2: the first save fails (the network drops); the page says so,
	// retries and then says 已保存.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){
		window.__fetch = window.fetch;
		window.fetch = function(u, o) { if (o && o.method === 'PUT') { return Promise.reject(new TypeError('offline')); } return window.__fetch.apply(window, arguments); };
		return true; })()`)); err != nil {
		t.Fatal(err)
	}
	for _, l := range key[2] {
		step(t, ctx, "answer 2", pick(2, l))
	}
	waitFor(t, ctx, "item 2 unsaved", `document.getElementById('q2-state').dataset.state === 'retry'`)
	if s := text(t, ctx, "#q2-state"); !strings.Contains(s, "未保存") {
		t.Errorf("a failed save says %q", s)
	}
	keep(t, ctx, "exam-retry")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ window.fetch = window.__fetch; window.dispatchEvent(new Event('online')); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "item 2 saved after the retry", saved(2))
	for no := 3; no <= 5; no++ {
		step(t, ctx, "next", chromedp.Click(chromedp.CSS("#ex-next")), chromedp.WaitVisible(chromedp.CSS("#q"+strconv.Itoa(no))))
		for _, l := range key[no] {
			step(t, ctx, "answer", pick(no, l))
		}
		waitFor(t, ctx, "item saved", saved(no))
	}
	if n := text(t, ctx, "#ex-count"); n != "5" {
		t.Errorf("the count of answered items says %q, want 5", n)
	}
	// The page goes to the background: the server counts it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){
		Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
		Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
		return true; })()`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var row exam.AttemptRow
		if err := h.gdb.First(&row, id).Error; err != nil {
			t.Fatal(err)
		}
		if row.Blurs == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server counted %d times the page was left, want 1", row.Blurs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Reload mid-way: the same paper, the answers saved, the countdown
	// going on from where it was.
	if wait := time.Until(begun.Add(2 * time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	before := clockSeconds(t, ctx)
	step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#ex-nav")))
	after := clockSeconds(t, ctx)
	remainingMS, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`Number(document.getElementById('exam').dataset.remainingMs)`))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(begun)
	if after > before || after >= 3600 || remainingMS > (time.Hour-elapsed+2*time.Second).Milliseconds() || remainingMS < (time.Hour-elapsed-10*time.Second).Milliseconds() {
		t.Errorf("after the reload the countdown shows %d s (%d ms from the server), before it %d s, %v after the start: want it to go on, not restart", after, remainingMS, before, elapsed)
	}
	restored, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){
		var out = [];
		for (var no = 1; no <= 5; no++) {
			var l = [];
			document.querySelectorAll('#q' + no + ' input:checked').forEach(function(i){ l.push(i.value); });
			out.push(l.join(''));
		}
		return out.join(',');
	})()`))
	var want []string
	for no := 1; no <= 5; no++ {
		want = append(want, strings.Join(key[no], ""))
	}
	if err != nil || restored != strings.Join(want, ",") {
		t.Errorf("after the reload the choices are %q, want the saved %q (%v)", restored, strings.Join(want, ","), err)
	}
	if n := text(t, ctx, "#ex-count"); n != "5" {
		t.Errorf("after the reload the count says %q, want 5", n)
	}
	if cur, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('fieldset.q.current').id`)); cur != "q5" {
		t.Errorf("after the reload the page shows %s, want the question it was on (q5)", cur)
	}
	learnFits(t, ctx, "attempt after reload")

	// The 答题卡: five done, a jump to 6.
	step(t, ctx, "答题卡", chromedp.Click(chromedp.CSS("#ex-sheet-open")), chromedp.WaitVisible(chromedp.CSS("#ex-sheet .sheet-box")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#ex-sheet .cell.is-done').length`)); n != 5 {
		t.Errorf("the 答题卡 marks %d items done, want 5", n)
	}
	learnFits(t, ctx, "答题卡")
	keep(t, ctx, "exam-sheet")
	step(t, ctx, "jump to 6", chromedp.Click(chromedp.CSS(`#ex-sheet .cell[data-goto="6"]`)), chromedp.WaitVisible(chromedp.CSS("#q6")))
	shot(t, ctx, "exam-attempt")

	// The rest, the way a learner goes: choose, next.
	var js strings.Builder
	js.WriteString("(function(key){ for (var no = 6; no <= 45; no++) { key[no].forEach(function(l){ document.querySelector('#q' + no + ' input[value=\"' + l + '\"]').click(); }); document.getElementById('ex-next').click(); } return true; })(")
	k, _ := json.Marshal(key)
	js.Write(k)
	js.WriteString(")")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js.String())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "all saved", `document.querySelectorAll('.q-state[data-state="saved"]').length === 45`)
	waitFor(t, ctx, "the hand-in dialog", `!document.getElementById('ex-submit-dialog').hidden`)
	if msg := text(t, ctx, "#ex-submit-text"); !strings.Contains(msg, "已全部作答") || !strings.Contains(msg, "交卷后不能再修改答案") {
		t.Errorf("the hand-in dialog says %q", msg)
	}
	keep(t, ctx, "exam-submit")
	step(t, ctx, "hand in", chromedp.Click(chromedp.CSS("#ex-submit")), chromedp.WaitVisible(chromedp.CSS("#ex-result")))

	score, err := strconv.ParseFloat(text(t, ctx, "#ex-score"), 64)
	if err != nil || score < 80 {
		t.Errorf("the score is %v (%v), want at least 80", score, err)
	}
	if v := text(t, ctx, "#ex-verdict"); v != "✓ 合格" {
		t.Errorf("the verdict is %q, want ✓ 合格", v)
	}
	if r := text(t, ctx, "#ex-result"); !strings.Contains(r, "合格有效期至") {
		t.Errorf("the result lacks the validity: %q", r)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#ex-review article.rv').length`)); n != 45 {
		t.Errorf("the review shows %d items, want 45", n)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#ex-review .rv-expl').length`)); n == 0 {
		t.Error("the review shows no explanation")
	}
	learnFits(t, ctx, "result")
	shot(t, ctx, "exam-result")
	var row exam.AttemptRow
	if err := h.gdb.First(&row, id).Error; err != nil || row.FinishedAt == nil || !row.Passed || row.Auto {
		t.Errorf("the server's attempt: %+v (%v), want submitted and passed", row, err)
	}
	// All right: the 错题本 is empty, and says so.
	step(t, ctx, "错题本", chromedp.Click(chromedp.CSS(`#ex-result a[href="/wrongbook"]`)), chromedp.WaitVisible(chromedp.CSS("[data-empty]")))
	if msg := text(t, ctx, "[data-empty]"); !strings.Contains(msg, "错题本是空的") {
		t.Errorf("the empty 错题本 says %q", msg)
	}
	learnFits(t, ctx, "错题本")

	// Practice: the right answer and 解析 under the question after each
	// save; a multiple-choice item on request (核对答案).
	var practiceID string
	for _, e := range list {
		if e.Practice {
			practiceID = itoa(e.ID)
		}
	}
	step(t, ctx, "practice", chromedp.Navigate(base+"/exams"), chromedp.WaitVisible(chromedp.CSS(`[data-start="`+practiceID+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-start="`+practiceID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#ex-nav")))
	pid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('exam').dataset.attempt`))
	if err != nil {
		t.Fatal(err)
	}
	pnum, _ := strconv.ParseUint(pid, 10, 32)
	key, types = attemptPaper(t, h, uint(pnum))
	wrongP := "A"
	if key[1][0] == "A" {
		wrongP = "B"
	}
	step(t, ctx, "practice answer 1", pick(1, wrongP))
	waitFor(t, ctx, "practice feedback", `!document.getElementById('q1-fb').hidden`)
	if fb := text(t, ctx, "#q1-fb"); !strings.Contains(fb, "✗ 回答错误") || !strings.Contains(fb, "正确答案："+key[1][0]) || !strings.Contains(fb, "解析：") {
		t.Errorf("practice feedback after a wrong answer says %q", fb)
	}
	multi := 0
	for no := 1; no <= 45; no++ {
		if types[no] == exam.Multiple {
			multi = no
			break
		}
	}
	m := strconv.Itoa(multi)
	step(t, ctx, "to a multiple-choice item", chromedp.Click(chromedp.CSS("#ex-sheet-open")), chromedp.WaitVisible(chromedp.CSS(`#ex-sheet .cell[data-goto="`+m+`"]`)),
		chromedp.Click(chromedp.CSS(`#ex-sheet .cell[data-goto="`+m+`"]`)), chromedp.WaitVisible(chromedp.CSS("#q"+m)))
	for _, l := range key[multi] {
		step(t, ctx, "practice multiple", pick(multi, l))
	}
	waitFor(t, ctx, "multiple saved", saved(multi))
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('q`+m+`-fb').hidden`)); !hidden {
		t.Error("a multiple-choice item shows its answer before 核对答案")
	}
	step(t, ctx, "核对答案", tap(`[data-check="`+m+`"]`))
	waitFor(t, ctx, "multiple feedback", `!document.getElementById('q`+m+`-fb').hidden`)
	if fb := text(t, ctx, "#q"+m+"-fb"); !strings.Contains(fb, "✓ 回答正确") {
		t.Errorf("practice feedback after a right multiple-choice answer says %q", fb)
	}
	learnFits(t, ctx, "practice")
	keep(t, ctx, "exam-practice")
	// After a reload the page has no feedback yet: 核对答案 asks again.
	step(t, ctx, "practice reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#q"+m)), tap(`[data-check="`+m+`"]`))
	waitFor(t, ctx, "multiple feedback after a reload", `!document.getElementById('q`+m+`-fb').hidden`)
	if fb := text(t, ctx, "#q"+m+"-fb"); !strings.Contains(fb, "✓ 回答正确") {
		t.Errorf("practice feedback after a reload says %q", fb)
	}
	t.Logf("exam journey took %v", time.Since(started))
}

// tap scrolls the element to the middle of the screen, clear of the sticky
// bars at the top and bottom (as a thumb would), and clicks it.
func tap(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(function(){ document.querySelector(`+strconv.Quote(sel)+`).scrollIntoView({block: 'center'}); return true; })()`)(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)))
}

// attemptPaper reads an attempt's answer key and item types from the
// database, as only the server can.
func attemptPaper(t *testing.T, h *harness, id uint) (map[int][]string, map[int]exam.Type) {
	t.Helper()
	var row exam.AttemptRow
	if err := h.gdb.First(&row, id).Error; err != nil {
		t.Fatal(err)
	}
	var a exam.Attempt
	if err := json.Unmarshal([]byte(row.State), &a); err != nil {
		t.Fatal(err)
	}
	key, types := map[int][]string{}, map[int]exam.Type{}
	for _, it := range a.Paper.Items {
		key[it.No], types[it.No] = it.Answer, it.Type
	}
	return key, types
}

// clockSeconds reads the countdown in seconds.
func clockSeconds(t *testing.T, ctx context.Context) int {
	t.Helper()
	s := text(t, ctx, "#ex-clock")
	total := 0
	for _, f := range strings.Split(s, ":") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("the countdown reads %q", s)
		}
		total = total*60 + n
	}
	return total
}

// TestBrowserExamTimeUp: an exam whose window closes seconds after the
// start warns at once (less than 5 minutes left), takes an answer, stops
// taking answers at zero and, once the server has graded the attempt at
// its deadline, shows the result of the answers saved in time.
func TestBrowserExamTimeUp(t *testing.T) {
	seeded, ctx := browser(t)
	h := newHarnessWith(t, seeded.gdb, harnessOptions{RealTimeCourses: true, Keys: seeded.srv.deps.Keys})
	h.clock.mu.Lock()
	h.clock.t = time.Now()
	h.clock.mu.Unlock()
	bg := context.Background()
	if err := demo.SeedExams(bg, h.accounts, h.roster, h.courses, h.exams, time.Now()); err != nil {
		t.Fatalf("seed demo exams: %v", err)
	}
	open, closeAt := time.Now().Add(-time.Minute), time.Now().Add(9*time.Second)
	e, err := h.exams.CreateExam(bg, account.System(), exam.ExamInput{Title: "限时测验（即将结束）", OpenAt: &open, CloseAt: &closeAt,
		ReviewPolicy: exam.ReviewAfterSubmit, Blueprint: exam.Blueprint{Sections: []exam.Section{{Type: exam.Single, Count: 5, Points: 20 * exam.Point}}, Minutes: 5}})
	if err != nil {
		t.Fatal(err)
	}
	base := h.ts.URL
	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "the exam", chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/exams"]`)), chromedp.Navigate(base+"/exams/"+itoa(e.ID)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-confirm-start]`)), chromedp.Click(chromedp.CSS(`button[data-confirm-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-start-confirm]`)), chromedp.Click(chromedp.CSS(`[data-start-confirm]`)),
		chromedp.WaitVisible(chromedp.CSS("#ex-nav")))
	attemptID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('exam').dataset.attempt`))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseUint(attemptID, 10, 32)
	key, _ := attemptPaper(t, h, uint(id))
	waitFor(t, ctx, "the 5-minute warning", `!document.getElementById('ex-warn').hidden && document.getElementById('ex-timer').classList.contains('is-warn')`)
	if w := text(t, ctx, "#ex-warn"); !strings.Contains(w, "不到 5 分钟") {
		t.Errorf("the warning says %q", w)
	}
	step(t, ctx, "answer 1", tap(`#q1 input[value="`+key[1][0]+`"]`))
	waitFor(t, ctx, "item 1 saved", `document.getElementById('q1-state').dataset.state === 'saved'`)

	waitFor(t, ctx, "time up", `document.getElementById('ex-timer').classList.contains('is-over')`)
	if w := text(t, ctx, "#ex-warn"); !strings.Contains(w, "考试时间已到") {
		t.Errorf("at zero the page says %q", w)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#ex-form input:not(:disabled)').length`)); n != 0 {
		t.Errorf("%d options still take answers at zero", n)
	}
	keep(t, ctx, "exam-time-up")
	waitFor(t, ctx, "the result after the server graded", `!!document.getElementById('ex-result')`)
	if v := text(t, ctx, "#ex-verdict"); v != "✗ 不合格" {
		t.Errorf("the verdict is %q, want ✗ 不合格", v)
	}
	if r := text(t, ctx, "#ex-result"); !strings.Contains(r, "系统已按时收卷") || !strings.Contains(r, "20") {
		t.Errorf("the result says %q, want 20 points graded at the deadline", r)
	}
	learnFits(t, ctx, "result after time up")
	var row exam.AttemptRow
	if err := h.gdb.First(&row, id).Error; err != nil || !row.Auto || row.Score != 20*exam.Point || row.FinishedAt == nil || !row.FinishedAt.Equal(row.Deadline) {
		t.Errorf("the server's attempt: %+v (%v), want graded at the deadline with 20 points", row, err)
	}
}
