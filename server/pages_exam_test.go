package server

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/exam"
)

// examSecret is in every explanation of the test bank: it must not reach
// a candidate before grading.
const examSecret = "解析暗号Q7X：依据《安全生产法》第二十八条"

// learnerExamBank imports 8 single-choice questions (the correct option is
// always 正确做法) and 6 judge questions, all active.
func learnerExamBank(t testing.TB, h *harness) {
	t.Helper()
	var qs []exam.Question
	for i := range 8 {
		qs = append(qs, exam.Question{Type: exam.Single, Stem: fmt.Sprintf("考试页面单选题%d：发现事故隐患应当如何处理？", i+1),
			Options: []string{"正确做法", "置之不理", "等下班再说", "自行处理不报告"}, Answer: []string{"A"},
			Explanation: examSecret, Category: "法律法规", Status: exam.StatusActive, Difficulty: 2})
	}
	for i := range 6 {
		qs = append(qs, exam.Question{Type: exam.Judge, Stem: fmt.Sprintf("考试页面判断题%d：特种作业人员必须持证上岗。", i+1),
			Options: exam.JudgeOptions, Answer: []string{"A"}, Explanation: examSecret, Category: "培训与持证", Status: exam.StatusActive})
	}
	rep, err := h.exams.ImportQuestions(context.Background(), account.System(), exam.Parsed{Format: exam.FormatXLSX, Questions: qs, Rows: make([]int, len(qs))}, false)
	if err != nil || rep.Created != len(qs) {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

// learnerExam creates an exam of 5 single-choice questions × 20 points,
// 30 minutes, open from an hour ago for two days.
func learnerExam(t testing.TB, h *harness, title string, practice bool, review exam.ReviewPolicy) exam.ExamView {
	t.Helper()
	now := h.clock.Now()
	in := exam.ExamInput{Title: title, Description: "本场考试用于测试考试页面。", Practice: practice, ReviewPolicy: review,
		Blueprint: exam.Blueprint{Sections: []exam.Section{{Type: exam.Single, Count: 5, Points: 20 * exam.Point}}, Minutes: 30, ShuffleOptions: true}}
	if !practice {
		open, closeAt := now.Add(-time.Hour), now.Add(48*time.Hour)
		in.OpenAt, in.CloseAt = &open, &closeAt
	}
	v, err := h.exams.CreateExam(context.Background(), account.System(), in)
	if err != nil {
		t.Fatalf("create exam %s: %v", title, err)
	}
	return v
}

// attemptKey reads an attempt's answer key from the database, as only the
// server can.
func attemptKey(t testing.TB, gdb *gorm.DB, id uint) map[int][]string {
	t.Helper()
	var row exam.AttemptRow
	if err := gdb.First(&row, id).Error; err != nil {
		t.Fatal(err)
	}
	var a exam.Attempt
	if err := json.Unmarshal([]byte(row.State), &a); err != nil {
		t.Fatal(err)
	}
	key := map[int][]string{}
	for _, it := range a.Paper.Items {
		key[it.No] = it.Answer
	}
	return key
}

// noKey fails if what a candidate received before grading could give an
// answer away.
func noKey(t *testing.T, what, body string) {
	t.Helper()
	for _, leak := range []string{`"answer"`, `"explanation"`, `"option_map"`, `"question_id"`, examSecret, "解析：", "正确答案"} {
		if strings.Contains(body, leak) {
			t.Errorf("%s before grading contains %q", what, leak)
		}
	}
}

// TestExamPages: the learner's exam pages render for learners only; the
// running attempt's page and API carry no key or explanation, restore the
// saved answers, and are someone else's 404; after submission the result
// and, as the exam's review policy allows, the review show; the 错题本
// lists the misses.
func TestExamPages(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		ctx := context.Background()
		tn := seedTenants(t, h)
		learnerExamBank(t, h)
		e := learnerExam(t, h, "考试页面测试：交卷后公布答案", false, exam.ReviewAfterSubmit)
		closed := learnerExam(t, h, "考试页面测试：考试结束后公布答案", false, exam.ReviewAfterClose)
		pr := learnerExam(t, h, "考试页面测试：模拟练习", true, "")
		learner := tn.sessions["learner"]
		h.user(account.NewUser{Username: "learner-two", Role: account.RoleLearner, PersonID: tn.otherPer})
		learner2 := h.login("learner-two")

		// Learner pages only: staff have the API and the trainer's pages.
		for _, path := range []string{"/exams", "/exams/" + itoa(e.ID), "/wrongbook"} {
			for _, user := range []string{"admin", "regulator", "enterprise", "trainer", "town-reg"} {
				if res := tn.sessions[user].do("GET", path, nil); res.status != 403 {
					t.Errorf("GET %s as %s = %d, want 403", path, user, res.status)
				}
			}
		}

		// 在线考试: both kinds, with what the learner may do.
		res := learner.do("GET", "/exams", nil)
		if res.status != 200 {
			t.Fatalf("/exams = %d", res.status)
		}
		for _, want := range []string{e.Title, closed.Title, pr.Title, "可以参加", `href="/exams/` + itoa(e.ID) + `">开始考试`,
			`data-start="` + itoa(pr.ID) + `">开始练习`, "5 题 · 满分 100 分 · 80 分合格 · 限时 30 分钟",
			"2026-03-02 08:00 至 2026-03-04 09:00（北京时间）", "共 2 次（含补考 1 次），已用 0 次", "/wrongbook", "模拟练习"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("/exams lacks %q", want)
			}
		}
		if !strings.Contains(res.body, `href="/exams"`) || !strings.Contains(res.body, ">在线考试</a>") {
			t.Error("the learner's navigation lacks 在线考试")
		}

		// An exam's rules and the confirmation before the clock starts.
		res = learner.do("GET", "/exams/"+itoa(e.ID), nil)
		for _, want := range []string{"考试规则", "及格线", "80 分", "30 分钟", "不合格可补考 1 次", "交卷后即可查看每题的正确答案和解析",
			"开始后计时不可暂停", `data-start="` + itoa(e.ID) + `" data-confirm-start`, `data-start-confirm="` + itoa(e.ID) + `"`, "确认开始考试？"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("/exams/%d lacks %q", e.ID, want)
			}
		}
		if res := learner.do("GET", "/exams/"+itoa(closed.ID), nil); !strings.Contains(res.body, "考试结束（2026-03-04 09:00）后可查看正确答案和解析") {
			t.Errorf("the after-close exam's rules do not say when answers show")
		}
		if res := learner.do("GET", "/exams/999999", nil); res.status != 404 {
			t.Errorf("a missing exam = %d, want 404", res.status)
		}

		// Not yet: hours to do first (with the way to them), a window not
		// open yet.
		now := h.clock.Now()
		later, end := now.Add(24*time.Hour), now.Add(72*time.Hour)
		bp := exam.Blueprint{Sections: []exam.Section{{Type: exam.Single, Count: 5, Points: 20 * exam.Point}}, Minutes: 30}
		hoursFirst, err := h.exams.CreateExam(ctx, account.System(), exam.ExamInput{Title: "考试页面测试：须先完成学时", RequiredRules: []string{"worker_annual_high"}, Blueprint: bp})
		if err != nil {
			t.Fatal(err)
		}
		notYet, err := h.exams.CreateExam(ctx, account.System(), exam.ExamInput{Title: "考试页面测试：明天开考", OpenAt: &later, CloseAt: &end, Blueprint: bp})
		if err != nil {
			t.Fatal(err)
		}
		res = learner.do("GET", "/exams", nil)
		for _, want := range []string{`data-exam="` + itoa(hoursFirst.ID) + `" data-state="refused"`, "完成培训学时后可参加", "参加前须完成以下培训学时", `href="/learn"`,
			`data-exam="` + itoa(notYet.ID) + `" data-state="refused"`, "尚未开始，2026-03-03 09:00 开考"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("/exams lacks %q", want)
			}
		}
		if strings.Contains(res.body, `data-start="`+itoa(hoursFirst.ID)+`"`) || strings.Contains(res.body, `href="/exams/`+itoa(notYet.ID)+`">开始考试`) {
			t.Error("/exams offers to start an exam the learner may not sit yet")
		}
		res = learner.do("GET", "/exams/"+itoa(hoursFirst.ID), nil)
		if !strings.Contains(res.body, "参加前须完成以下培训学时") || !strings.Contains(res.body, "学时") || strings.Contains(res.body, "data-start=") {
			t.Errorf("the rules of an exam with hours to do first offer to start it")
		}
		if res := learner.do("POST", "/api/v1/exams/"+itoa(hoursFirst.ID)+"/attempts", nil); res.status != 422 {
			t.Errorf("starting with hours to do = %d, want 422", res.status)
		}

		// Start: the paper, never the key.
		res = learner.do("POST", "/api/v1/exams/"+itoa(e.ID)+"/attempts", nil)
		if res.status != 200 {
			t.Fatalf("start = %d %s", res.status, res.body)
		}
		noKey(t, "the start response", res.body)
		var a exam.AttemptOut
		res.decode(t, &a)
		key := attemptKey(t, gdb, a.ID)
		wrongOf := func(no int) string {
			if key[no][0] == "A" {
				return "B"
			}
			return "A"
		}
		// Items 1 and 2 answered; item 2 wrong.
		for no, choice := range map[int]string{1: key[1][0], 2: wrongOf(2)} {
			res := learner.do("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, no), map[string]any{"choice": []string{choice}})
			if res.status != 200 {
				t.Fatalf("save %d = %d %s", no, res.status, res.body)
			}
			noKey(t, "a save's acknowledgement", res.body)
		}
		page := learner.do("GET", "/attempts/"+itoa(a.ID), nil)
		if page.status != 200 {
			t.Fatalf("/attempts/%d = %d", a.ID, page.status)
		}
		noKey(t, "the attempt page", page.body)
		if strings.Contains(strings.ToLower(page.body), "answer") {
			t.Errorf("the running attempt's page mentions %q", "answer")
		}
		for _, want := range []string{`data-attempt="` + itoa(a.ID) + `"`, `id="ex-clock">30:00<`, `data-remaining-ms="1800000"`, "/static/exam.js",
			`name="q1" value="` + key[1][0] + `" checked`, `name="q2" value="` + wrongOf(2) + `" checked`, "已答 <strong id=\"ex-count\">2</strong> / 5",
			"✓ 已保存", "答题卡", "确认交卷？", "考试页面单选题"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the attempt page lacks %q", want)
			}
		}
		if n := strings.Count(page.body, `<fieldset class="q"`); n != 5 {
			t.Errorf("the attempt page has %d questions, want 5", n)
		}
		if n := len(regexp.MustCompile(`name="q\d" value="[A-D]" checked`).FindAllString(page.body, -1)); n != 2 {
			t.Errorf("the attempt page checks %d options, want the 2 saved", n)
		}
		api := learner.do("GET", "/api/v1/attempts/"+itoa(a.ID), nil)
		noKey(t, "GET /api/v1/attempts/:id", api.body)

		// Someone else's attempt is not found; staff have no attempt page.
		if res := learner2.do("GET", "/attempts/"+itoa(a.ID), nil); res.status != 404 || strings.Contains(res.body, "考试页面单选题") {
			t.Errorf("another learner's /attempts/%d = %d, want 404 without the paper", a.ID, res.status)
		}
		if res := learner2.do("GET", "/api/v1/attempts/"+itoa(a.ID), nil); res.status != 404 {
			t.Errorf("another learner's GET /api/v1/attempts/%d = %d, want 404", a.ID, res.status)
		}
		if res := tn.sessions["trainer"].do("GET", "/attempts/"+itoa(a.ID), nil); res.status != 403 {
			t.Errorf("a trainer's /attempts/%d = %d, want 403", a.ID, res.status)
		}
		if res := learner.do("GET", "/exams", nil); !strings.Contains(res.body, `href="/attempts/`+itoa(a.ID)+`">继续作答`) || !strings.Contains(res.body, "未交卷，请继续作答") {
			t.Error("/exams does not offer 继续作答 for the open attempt")
		}

		// The rest right, then hand in: 80 points, passed, the review.
		for no := 3; no <= 5; no++ {
			if res := learner.do("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, no), map[string]any{"choice": key[no]}); res.status != 200 {
				t.Fatalf("save %d = %d", no, res.status)
			}
		}
		res = learner.do("POST", "/api/v1/attempts/"+itoa(a.ID)+"/submit", nil)
		if res.status != 200 || !strings.Contains(res.body, examSecret) {
			t.Fatalf("submit = %d, want the review with its explanations: %.300s", res.status, res.body)
		}
		page = learner.do("GET", "/attempts/"+itoa(a.ID), nil)
		for _, want := range []string{`id="ex-score">80<`, "✓ 合格", `data-verdict="pass"`, "合格有效期至 <strong>2027-03-02</strong>", "答题详情",
			"1 题未得满分（已收入错题本）", "正确答案", "我的选择", "✗ 错误", "✓ 正确", examSecret, "返回在线考试"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the graded attempt page lacks %q", want)
			}
		}
		if strings.Contains(page.body, "ex-form") || strings.Contains(page.body, "data-attempt=") {
			t.Error("the graded attempt still shows the answering form")
		}
		if res := learner.do("GET", "/exams", nil); !strings.Contains(res.body, "已通过，有效期至 2027-03-02") {
			t.Error("/exams does not show the pass and its validity")
		}

		// The 错题本: the miss with its answer and explanation; 再练一遍.
		res = learner.do("GET", "/wrongbook", nil)
		stem := a.Items[1].Stem
		for _, want := range []string{stem, "答错 1 次", "正确答案：<strong>", examSecret, "data-retry", "再练一遍（共 1 题）", "法律法规"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("/wrongbook lacks %q", want)
			}
		}
		if res := learner2.do("GET", "/wrongbook", nil); res.status != 200 || !strings.Contains(res.body, "错题本是空的") || strings.Contains(res.body, "data-retry") {
			t.Errorf("an empty 错题本 = %d, want the empty state", res.status)
		}
		res = learner.do("POST", "/api/v1/me/wrongbook/retry", nil)
		var retry exam.AttemptOut
		res.decode(t, &retry)
		page = learner.do("GET", "/attempts/"+itoa(retry.ID), nil)
		if page.status != 200 || !strings.Contains(page.body, "错题再练") || !strings.Contains(page.body, "data-practice") || !strings.Contains(page.body, `href="/wrongbook"`) {
			t.Errorf("the 再练一遍 attempt page = %d", page.status)
		}
		noKey(t, "the 再练一遍 page", page.body)

		// Practice: no key on the page; feedback comes with each save.
		res = learner.do("POST", "/api/v1/exams/"+itoa(pr.ID)+"/attempts", nil)
		var p exam.AttemptOut
		res.decode(t, &p)
		page = learner.do("GET", "/attempts/"+itoa(p.ID), nil)
		noKey(t, "the practice page", page.body)
		for _, want := range []string{"data-practice", "练习模式", "结束练习", `id="q1-fb"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the practice page lacks %q", want)
			}
		}
		if res := learner.do("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/1", p.ID), map[string]any{"choice": []string{"A"}}); !strings.Contains(res.body, `"feedback"`) || !strings.Contains(res.body, examSecret) {
			t.Errorf("a practice save carries no feedback: %.300s", res.body)
		}

		// An exam whose answers show after it closes: the note, not the
		// key; time up: 正在收卷 within the grace, then graded by the server.
		res = learner.do("POST", "/api/v1/exams/"+itoa(closed.ID)+"/attempts", nil)
		var c exam.AttemptOut
		res.decode(t, &c)
		h.clock.Add(30*time.Minute + 5*time.Second)
		page = learner.do("GET", "/attempts/"+itoa(c.ID), nil)
		if !strings.Contains(page.body, "系统正在收卷") || !strings.Contains(page.body, "data-closing") {
			t.Errorf("an attempt within the grace after its deadline does not say it is being collected")
		}
		noKey(t, "the attempt page within the grace", page.body)
		h.clock.Add(10 * time.Second)
		page = learner.do("GET", "/attempts/"+itoa(c.ID), nil)
		for _, want := range []string{"✗ 不合格", `data-verdict="fail"`, `id="ex-score">0<`, "系统已按时收卷", "考试结束后才能查看答案", `id="ex-review-note"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the expired after-close attempt page lacks %q", want)
			}
		}
		if strings.Contains(page.body, examSecret) || strings.Contains(page.body, "答题详情") {
			t.Error("the after-close attempt shows the review before the exam closed")
		}
	})
}
