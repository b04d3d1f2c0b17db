package server

import (
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/db/dbtest"
	"anpei/media"
)

// learnPrincipal returns the principal of a seeded account, as the
// session middleware would build it.
func learnPrincipal(t testing.TB, h *harness, username string) account.Principal {
	t.Helper()
	var u account.User
	if err := h.gdb.Where("username = ?", username).First(&u).Error; err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	p := account.Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role}
	if u.PersonID != nil {
		p.PersonID = *u.PersonID
	}
	if u.EnterpriseID != nil {
		p.EnterpriseID = *u.EnterpriseID
	}
	return p
}

// learnTextCourse creates, as the demo trainer, a course with one text
// lesson of body and publishes it unless draft is set. It returns the
// course and the lesson's ID.
func learnTextCourse(t testing.TB, h *harness, title, category, body string, draft bool) (course.CourseView, uint) {
	t.Helper()
	ctx := context.Background()
	trainer := learnPrincipal(t, h, "trainer")
	c, err := h.courses.CreateCourse(ctx, trainer, course.CourseInput{Title: title, Category: category,
		Description: "本课程介绍作业现场的主要危险源和防范措施。\n请按顺序学习。"})
	if err != nil {
		t.Fatalf("create course: %v", err)
	}
	l, err := h.courses.AddLesson(ctx, trainer, c.ID, course.LessonInput{Title: "第一课 " + title, Kind: course.KindText, Body: body})
	if err != nil {
		t.Fatalf("add lesson: %v", err)
	}
	if !draft {
		if c, err = h.courses.Publish(ctx, trainer, c.ID); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	return c, l.ID
}

// learnBody is a text lesson body of about n Chinese characters.
func learnBody(n int) string {
	const s = "动火作业前必须办理审批手续，清除周围可燃物，配备灭火器材并安排专人监护。"
	return "<p>" + string([]rune(strings.Repeat(s, n/len([]rune(s))+1))[:n]) + "</p>"
}

const learnMalicious = `<script>alert("xss")</script><img src="x" onerror="alert('img')"><a href="javascript:alert('link')">点此</a><iframe src="https://evil.example"></iframe>`

// TestLearnPages: the learner's plan, catalogue, course and lesson pages
// render for the roles that may see them and show what they must.
func TestLearnPages(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ctx := context.Background()
		pub, lessonID := learnTextCourse(t, h, "动火作业安全", "post_safety", learnBody(160)+learnMalicious, false)
		draft, _ := learnTextCourse(t, h, "受限空间作业（编写中）", "post_safety", learnBody(160), true)
		learner, trainer, regulator, ent := tn.sessions["learner"], tn.sessions["trainer"], tn.sessions["regulator"], tn.sessions["enterprise"]
		lp := learnPrincipal(t, h, "learner")

		// 我的学习: the plan and the courses for me.
		res := learner.do("GET", "/learn", nil)
		if res.status != 200 {
			t.Fatalf("/learn as learner = %d", res.status)
		}
		plan, err := h.courses.PlanOf(ctx, lp)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Requirements) == 0 {
			t.Fatal("the demo learner has no requirements; the test needs some")
		}
		for _, r := range plan.Requirements {
			for _, want := range []string{r.Label, r.StatusLabel, r.Required + " 学时", `data-requirement="` + r.Code + `"`} {
				if !strings.Contains(res.body, want) {
					t.Errorf("/learn lacks %q of requirement %s", want, r.Code)
				}
			}
		}
		if !strings.Contains(res.body, "/courses/"+itoa(pub.ID)) || strings.Contains(res.body, draft.Title) {
			t.Errorf("/learn: want the published course and not the draft")
		}
		if strings.Contains(res.body, "data-excluded") {
			t.Error("/learn shows excluded time before any learning")
		}
		for user, want := range map[string]int{"enterprise": 403, "trainer": 403, "admin": 403, "regulator": 403} {
			if res := tn.sessions[user].do("GET", "/learn", nil); res.status != want {
				t.Errorf("/learn as %s = %d, want %d", user, res.status, want)
			}
		}

		// The catalogue: learners see what is for them with progress; authors
		// see drafts with their status and the editor; others the published.
		res = learner.do("GET", "/courses", nil)
		if res.status != 200 || !strings.Contains(res.body, pub.Title) || strings.Contains(res.body, draft.Title) || strings.Contains(res.body, "/edit") {
			t.Errorf("/courses as learner = %d; want the published course only, no editor links", res.status)
		}
		res = trainer.do("GET", "/courses", nil)
		for _, want := range []string{pub.Title, draft.Title, "/courses/" + itoa(draft.ID) + "/edit", "草稿", "已发布", "/courses/new"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("/courses as trainer lacks %q", want)
			}
		}
		res = trainer.do("GET", "/courses?status=draft", nil)
		if !strings.Contains(res.body, draft.Title) || strings.Contains(res.body, ">"+pub.Title+"<") {
			t.Errorf("/courses?status=draft as trainer: want the draft only")
		}
		if res := trainer.do("GET", "/courses?status=nonsense", nil); res.status != 400 {
			t.Errorf("/courses?status=nonsense = %d, want 400", res.status)
		}
		res = regulator.do("GET", "/courses", nil)
		if res.status != 200 || !strings.Contains(res.body, pub.Title) || strings.Contains(res.body, draft.Title) || strings.Contains(res.body, "/edit") {
			t.Errorf("/courses as regulator = %d; want published courses without editor links", res.status)
		}
		if res := ent.do("GET", "/courses?q=动火", nil); res.status != 200 || !strings.Contains(res.body, pub.Title) {
			t.Errorf("/courses?q=动火 as enterprise admin = %d", res.status)
		}
		if res := ent.do("GET", "/courses?q=不存在的课程", nil); strings.Contains(res.body, pub.Title) || !strings.Contains(res.body, "没有符合条件的课程") {
			t.Error("/courses?q filter does not filter")
		}
		if res := learner.do("GET", "/courses?category=law", nil); strings.Contains(res.body, pub.Title) || !strings.Contains(res.body, "没有符合条件的课程") {
			t.Error("/courses?category filter does not filter")
		}
		if res := learner.do("GET", "/courses?category=post_safety", nil); !strings.Contains(res.body, pub.Title) {
			t.Error("/courses?category=post_safety misses the course")
		}

		// A course's page.
		res = learner.do("GET", "/courses/"+itoa(pub.ID), nil)
		for _, want := range []string{"本课程按 AQ 8011-2023 每 30 分钟计 1 学时", "/lessons/" + itoa(lessonID), "图文", "开始学习"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("course page lacks %q", want)
			}
		}
		if res := learner.do("GET", "/courses/"+itoa(draft.ID), nil); res.status != 404 {
			t.Errorf("a draft course as learner = %d, want 404", res.status)
		}
		if res := trainer.do("GET", "/courses/"+itoa(draft.ID), nil); res.status != 200 || !strings.Contains(res.body, "编辑课程") {
			t.Errorf("a draft course as trainer = %d", res.status)
		}

		// The lesson: the player for the learner, the content for others;
		// the body's script, handlers and javascript: links are gone.
		res = learner.do("GET", "/lessons/"+itoa(lessonID), nil)
		if res.status != 200 || !strings.Contains(res.body, "data-credit") || !strings.Contains(res.body, "/static/player.js") || !strings.Contains(res.body, "动火作业前必须办理审批手续") {
			t.Fatalf("lesson page as learner = %d", res.status)
		}
		for _, bad := range []string{"alert(", "onerror", "javascript:", "evil.example"} {
			if strings.Contains(res.body, bad) {
				t.Errorf("lesson page carries %q from the body", bad)
			}
		}
		if n := strings.Count(res.body, "<script"); n != 2 { // app.js and player.js
			t.Errorf("lesson page has %d <script> elements, want 2", n)
		}
		res = regulator.do("GET", "/lessons/"+itoa(lessonID), nil)
		if res.status != 200 || !strings.Contains(res.body, "仅学员账号学习计入学时") || strings.Contains(res.body, "player.js") {
			t.Errorf("lesson page as regulator = %d; want the content with the note and no player", res.status)
		}
		if res := h.anon().do("GET", "/lessons/"+itoa(lessonID), nil); res.status != 303 {
			t.Errorf("lesson page signed out = %d, want 303", res.status)
		}

		// Learning through the API shows on the pages: credited time on the
		// course, and the seconds a seek cost in the 未计入 notice.
		var start course.PlaybackStart
		res = learner.do("POST", "/api/v1/lessons/"+itoa(lessonID)+"/playback", nil)
		res.decode(t, &start)
		nonce, err := hex.DecodeString(start.Nonce)
		if err != nil {
			t.Fatal(err)
		}
		send := func(seq uint64, posMS int64) response {
			return learner.do("POST", "/api/v1/playback/"+start.ID+"/heartbeat", map[string]any{"seq": seq, "position_ms": posMS, "playing": true,
				"token": course.Sign(nonce, start.ID, seq, time.Duration(posMS)*time.Millisecond)})
		}
		if res := send(1, 0); res.status != 200 {
			t.Fatalf("heartbeat 1 = %d %s", res.status, res.body)
		}
		h.clock.Add(10 * time.Second)
		if res := send(2, 10_000); res.status != 200 {
			t.Fatalf("heartbeat 2 = %d %s", res.status, res.body)
		}
		h.clock.Add(5 * time.Second)
		if res := send(3, 55_000); res.status != 200 {
			t.Fatalf("heartbeat 3 = %d %s", res.status, res.body)
		}
		res = learner.do("GET", "/learn", nil)
		if !strings.Contains(res.body, "data-excluded") || !strings.Contains(res.body, "未计入：拖动进度") || !strings.Contains(res.body, "已计入 10 秒") {
			t.Errorf("/learn after a seek lacks the credited 10 s or the 未计入 notice:\n%s", learnMain(res.body))
		}
		res = learner.do("GET", "/lessons/"+itoa(lessonID), nil)
		if !strings.Contains(res.body, "本课时已计入 10 秒 / 共 1 分钟") {
			t.Errorf("lesson page does not show the credited time:\n%s", learnMain(res.body))
		}
	})
}

// TestLearnDocumentPage: a document lesson shows its PDF inline (the media
// route lets this site frame it) with a link to open it and a reading timer.
func TestLearnDocumentPage(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	tn := seedTenants(t, h)
	ctx := context.Background()
	f, err := os.Open("../demo/data/media/emergency-card.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := h.srv.deps.Media.Put(ctx, f, 10<<20, media.Document)
	if err != nil {
		t.Fatal(err)
	}
	trainer := learnPrincipal(t, h, "trainer")
	c, err := h.courses.CreateCourse(ctx, trainer, course.CourseInput{Title: "应急处置卡", Category: "emergency"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := h.courses.AddLesson(ctx, trainer, c.ID, course.LessonInput{Title: "岗位应急处置卡", Kind: course.KindDocument, Media: &info, MediaName: "应急处置卡.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.Publish(ctx, trainer, c.ID); err != nil {
		t.Fatal(err)
	}
	learner := tn.sessions["learner"]
	mediaURL := "/api/v1/lessons/" + itoa(l.ID) + "/media"
	res := learner.do("GET", "/lessons/"+itoa(l.ID), nil)
	for _, want := range []string{`<iframe id="pl-doc" src="` + mediaURL + `"`, `href="` + mediaURL + `" target="_blank"`, "在新窗口打开文档", "开始阅读", "文档"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("document lesson page lacks %q", want)
		}
	}
	res = learner.do("GET", mediaURL, nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("document = %d %s", res.status, res.header.Get("Content-Type"))
	}
	if xfo, csp := res.header.Get("X-Frame-Options"), res.header.Get("Content-Security-Policy"); xfo != "SAMEORIGIN" || !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("the PDF cannot be framed by the lesson page: X-Frame-Options %q, CSP %q", xfo, csp)
	}
}

// learnMain returns the <main> of a page, for failure messages.
func learnMain(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}
