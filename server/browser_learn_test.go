package server

import (
	"context"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anpei/course"
	"anpei/media"
)

// TestBrowserLearnJourney: on a phone, the demo learner opens 我的学习, the
// course and its one-minute text lesson, starts reading, answers a presence
// challenge (a wrong number first), and sees credited time rise; the server
// credits the same. The plain-JavaScript HMAC the player falls back to
// without Web Crypto matches Go's course.Sign.
func TestBrowserLearnJourney(t *testing.T) {
	seeded, ctx := browser(t)
	// A server over the seeded database whose course store runs on real
	// time and challenges every 5 s, so the journey meets one quickly.
	policy := course.DefaultPolicy()
	policy.ChallengeEvery = course.Range{Min: 5 * time.Second, Max: 5 * time.Second}
	policy.ChallengeTimeout = 30 * time.Second
	policy.MinHeartbeat = 200 * time.Millisecond
	h := newHarnessWith(t, seeded.gdb, harnessOptions{Policy: &policy, RealTimeCourses: true, Keys: seeded.srv.deps.Keys})
	h.clock.mu.Lock()
	h.clock.t = time.Now() // session cookies must not be born expired
	h.clock.mu.Unlock()
	base := h.ts.URL

	c, lessonID := learnTextCourse(t, h, "动火作业安全常识", "post_safety", learnBody(150), false)
	if c.DurationMS != time.Minute.Milliseconds() {
		t.Fatalf("the lesson is %d ms long, want one minute", c.DurationMS)
	}
	courseHref, lessonHref := "/courses/"+itoa(c.ID), "/lessons/"+itoa(lessonID)

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "learner home", chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/learn"]`)))
	step(t, ctx, "我的学习", chromedp.Click(chromedp.CSS(`nav.nav a[href="/learn"]`)), chromedp.WaitVisible(chromedp.CSS("#plan-h")))
	if main := text(t, ctx, "main"); !strings.Contains(main, "培训要求") || !strings.Contains(main, c.Title) || !strings.Contains(main, "学时") {
		shot(t, ctx, "learn page")
		t.Fatalf("我的学习 shows:\n%s", main)
	}
	learnFits(t, ctx, "我的学习")
	keep(t, ctx, "learn-plan")

	step(t, ctx, "open the course", chromedp.Click(chromedp.CSS(`a.course-card[href="`+courseHref+`"]`)), chromedp.WaitVisible(chromedp.CSS(".lesson-list")))
	if main := text(t, ctx, "main"); !strings.Contains(main, "本课程按 AQ 8011-2023 每 30 分钟计 1 学时") {
		shot(t, ctx, "course page")
		t.Fatalf("course page shows:\n%s", main)
	}
	learnFits(t, ctx, "course page")
	keep(t, ctx, "learn-course")

	step(t, ctx, "open the lesson", chromedp.Click(chromedp.CSS(`.lesson-list a[href="`+lessonHref+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pl-bar[data-state="ready"]`)))
	learnFits(t, ctx, "lesson page")
	if subtle, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(window.crypto && window.crypto.subtle)`)); !subtle {
		t.Log("this browser has no Web Crypto here: the player signs with its JavaScript HMAC")
	}

	// The JavaScript HMAC against Go's, across message lengths that end
	// on either side of SHA-256's padding boundaries, and a key longer
	// than a block.
	type vector struct {
		Key, Session string
		Seq          uint64
		Pos          int64
	}
	nonce := []byte("0123456789abcdef0123456789abcdef")
	long := []byte(strings.Repeat("k", 100))
	var vs []vector
	var want []string
	for n := 0; n <= 80; n++ {
		key := nonce
		if n%7 == 3 {
			key = long
		}
		v := vector{Key: hex.EncodeToString(key), Session: strings.Repeat("a", n), Seq: uint64(n*n + 1), Pos: int64(n) * 1237}
		vs = append(vs, v)
		want = append(want, course.Sign(key, v.Session, v.Seq, time.Duration(v.Pos)*time.Millisecond))
	}
	js := "(function(vs){return vs.map(function(v){return anpeiHeartbeat.hmacHex(v.Key, 'anpei/heartbeat/v1\\n'+v.Session+'\\n'+v.Seq+'\\n'+v.Pos);}).join(',');})(["
	for i, v := range vs {
		if i > 0 {
			js += ","
		}
		js += `{Key:"` + v.Key + `",Session:"` + v.Session + `",Seq:` + strconv.FormatUint(v.Seq, 10) + `,Pos:` + strconv.FormatInt(v.Pos, 10) + `}`
	}
	js += "])"
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate the JavaScript HMAC: %v", err)
	}
	if got != strings.Join(want, ",") {
		gs := strings.Split(got, ",")
		for i := range want {
			if i >= len(gs) || gs[i] != want[i] {
				t.Fatalf("JavaScript HMAC differs from course.Sign for %+v: got %q, want %q", vs[i], gs[min(i, len(gs)-1)], want[i])
			}
		}
	}

	before := text(t, ctx, "#pl-lesson")
	step(t, ctx, "start reading", chromedp.Click(chromedp.CSS("#pl-toggle")), chromedp.WaitVisible(chromedp.CSS(`#pl-bar[data-state="playing"]`)))
	if label := text(t, ctx, "#pl-toggle"); label != "暂停" {
		t.Errorf("while reading the button says %q, want 暂停", label)
	}

	// The first challenge comes within 5 s of the first heartbeat and is
	// put with the next one (15 s later).
	waitFor(t, ctx, "presence challenge", `!document.getElementById('pl-challenge').hidden`)
	keep(t, ctx, "learn-challenge")
	dialog, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){
		var d = document.querySelector('#pl-challenge [role="dialog"]');
		var bs = document.querySelectorAll('#pl-ch-options button');
		var small = Array.prototype.some.call(bs, function(b){ return b.getBoundingClientRect().height < 44; });
		return [d.getAttribute('aria-modal'), bs.length, small, d.contains(document.activeElement)].join(' ');
	})()`))
	if err != nil || dialog != "true 3 false true" {
		shot(t, ctx, "challenge dialog")
		t.Fatalf("challenge dialog: aria-modal, options, any under 44 px, focus inside = %q (%v)", dialog, err)
	}
	code := text(t, ctx, "#pl-ch-code")
	if ask := text(t, ctx, "#pl-ch-ask"); ask != "请点击数字 "+code+" 确认您仍在学习" {
		t.Errorf("challenge asks %q", ask)
	}
	wrong, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){
		var bs = document.querySelectorAll('#pl-ch-options button');
		for (var i = 0; i < bs.length; i++) { if (bs[i].dataset.code !== `+strconv.Quote(code)+`) { return bs[i].dataset.code; } }
		return '';
	})()`))
	if err != nil || wrong == "" {
		t.Fatalf("no wrong option to tap: %v", err)
	}
	step(t, ctx, "tap a wrong number", chromedp.Click(chromedp.CSS(`#pl-ch-options button[data-code="`+wrong+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pl-ch-error")))
	if msg := text(t, ctx, "#pl-ch-error"); !strings.Contains(msg, "数字不正确") {
		t.Errorf("a wrong answer says %q", msg)
	}
	step(t, ctx, "tap the right number", chromedp.Click(chromedp.CSS(`#pl-ch-options button[data-code="`+code+`"]`)))
	waitFor(t, ctx, "challenge answered", `document.getElementById('pl-challenge').hidden`)
	if state := text(t, ctx, "#pl-status"); !strings.Contains(state, "已确认") {
		t.Errorf("after the answer the status says %q", state)
	}

	waitFor(t, ctx, "credited time shown", `Number(document.getElementById('player').dataset.creditedMs) > 0`)
	after := text(t, ctx, "#pl-lesson")
	if after == before || !strings.HasPrefix(after, "本课时已计入 ") || strings.HasPrefix(after, "本课时已计入 0 秒") || !strings.Contains(after, "共 1 分钟") {
		t.Errorf("credited line went from %q to %q; want more than 0 of 1 分钟", before, after)
	}
	if today := text(t, ctx, "#pl-today"); !strings.Contains(today, "今日已计入") || !strings.Contains(today, "每日上限 8 学时") || strings.Contains(today, "今日已计入 0 秒") {
		t.Errorf("today's line = %q", today)
	}
	step(t, ctx, "pause reading", chromedp.Click(chromedp.CSS("#pl-toggle")), chromedp.WaitVisible(chromedp.CSS(`#pl-bar[data-state="paused"]`)))
	learnFits(t, ctx, "lesson page after learning")
	shot(t, ctx, "learn-lesson")

	lp := learnPrincipal(t, h, "learner")
	deadline := time.Now().Add(5 * time.Second)
	for {
		sum, err := h.courses.HoursOf(context.Background(), lp, lp.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OnlineMS > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server credited nothing: %+v", sum)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if errBox, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('pl-error').hidden`)); errBox {
		t.Errorf("the player shows an error: %s", text(t, ctx, "#pl-error"))
	}
}

// learnFits fails unless the page fits a 375 px phone without scrolling
// sideways.
func learnFits(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){ var d = document.documentElement; return d.scrollWidth + ' ' + d.clientWidth; })()`))
	var scroll, client int
	if err == nil {
		f := strings.Fields(w)
		scroll, _ = strconv.Atoi(f[0])
		client, _ = strconv.Atoi(f[1])
	}
	if err != nil || scroll > 375 || scroll > client {
		shot(t, ctx, page+" width")
		t.Errorf("%s scrolls sideways on a 375 px phone: %s px wide for %d px (%v)", page, w, client, err)
	}
}

// TestBrowserLearnVideo: a video lesson resumes where the learner's credit
// ends, refuses to play faster than the policy allows, reports a seek with
// both of its ends, credits watching, and stops timing with a clear message
// when the learner starts the lesson elsewhere.
func TestBrowserLearnVideo(t *testing.T) {
	seeded, ctx := browser(t)
	policy := course.DefaultPolicy()
	h := newHarnessWith(t, seeded.gdb, harnessOptions{Policy: &policy, RealTimeCourses: true, Keys: seeded.srv.deps.Keys})
	h.clock.mu.Lock()
	h.clock.t = time.Now()
	h.clock.mu.Unlock()
	base := h.ts.URL
	bg := context.Background()

	f, err := os.Open("../demo/data/media/hazard-intro.webm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := h.srv.deps.Media.Put(bg, f, 10<<20, media.Video)
	if err != nil {
		t.Fatal(err)
	}
	trainer := learnPrincipal(t, h, "trainer")
	c, err := h.courses.CreateCourse(bg, trainer, course.CourseInput{Title: "重大事故隐患判定标准解读", Category: "hazard_standard"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := h.courses.AddLesson(bg, trainer, c.ID, course.LessonInput{Title: "判定标准概述", Kind: course.KindVideo, Media: &info, MediaName: "hazard-intro.webm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.Publish(bg, trainer, c.ID); err != nil {
		t.Fatal(err)
	}

	// Earlier learning credited the first 1.2 s.
	lp := learnPrincipal(t, h, "learner")
	earlier, err := h.courses.StartPlayback(bg, lp, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := hex.DecodeString(earlier.Nonce)
	for seq, pos := range []time.Duration{0, 1200 * time.Millisecond} {
		if seq > 0 {
			time.Sleep(1300 * time.Millisecond)
		}
		s := uint64(seq + 1)
		if _, err := h.courses.Heartbeat(bg, lp, earlier.ID, course.Heartbeat{Seq: s, Position: pos, Playing: true, Token: course.Sign(nonce, earlier.ID, s, pos)}); err != nil {
			t.Fatal(err)
		}
	}

	step(t, ctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, ctx, "learner home", chromedp.WaitVisible(chromedp.CSS(`nav.nav a[href="/learn"]`)))
	step(t, ctx, "open the video lesson", chromedp.Navigate(base+"/lessons/"+itoa(l.ID)), chromedp.WaitVisible(chromedp.CSS(`#pl-bar[data-state="ready"]`)))
	learnFits(t, ctx, "video lesson")
	waitFor(t, ctx, "resume at 1.2 s", `Math.abs(document.getElementById('pl-video').currentTime - 1.2) < 0.05`)
	if line := text(t, ctx, "#pl-lesson"); !strings.HasPrefix(line, "本课时已计入 1 秒 / 共 1 分 30 秒") {
		t.Errorf("credited line on opening = %q", line)
	}

	step(t, ctx, "play", chromedp.Evaluate[chromedp.Void](`(function(){ var v = document.getElementById('pl-video'); v.muted = true; v.play(); })()`))
	waitFor(t, ctx, "playing", `document.getElementById('pl-bar').dataset.state === 'playing' && document.getElementById('pl-video').currentTime > 1.5`)
	step(t, ctx, "ask for 4x", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').playbackRate = 4`))
	waitFor(t, ctx, "rate clamped", `document.getElementById('pl-video').playbackRate === 2 && !document.getElementById('pl-notice').hidden`)
	if n := text(t, ctx, "#pl-notice"); !strings.Contains(n, "最高可按 2 倍速播放") {
		t.Errorf("rate notice = %q", n)
	}
	time.Sleep(1500 * time.Millisecond)
	step(t, ctx, "seek ahead", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').currentTime = 60`))
	waitFor(t, ctx, "seek reported", `document.getElementById('pl-notice').textContent.indexOf('拖动进度') >= 0`)
	time.Sleep(500 * time.Millisecond)
	step(t, ctx, "pause", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').pause()`))
	waitFor(t, ctx, "paused and credited", `document.getElementById('pl-bar').dataset.state === 'paused' && document.getElementById('player').dataset.pending === '0' &&
		Number(document.getElementById('player').dataset.creditedMs) > 2500`)
	if errBox, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('pl-error').hidden`)); errBox {
		t.Fatalf("the player shows an error: %s", text(t, ctx, "#pl-error"))
	}
	sum, err := h.courses.HoursOf(bg, lp, lp.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	var seek bool
	for _, e := range sum.Excluded {
		seek = seek || e.Reason == course.ReasonSeek
	}
	if sum.OnlineMS <= 2500 || !seek {
		t.Errorf("server ledger: %d ms online, exclusions %+v; want more than 2.5 s and a seek", sum.OnlineMS, sum.Excluded)
	}
	keep(t, ctx, "learn-video")

	// Back after a long pause (the page's clock is moved on a minute): the
	// player opens a fresh session rather than let the pause count as an
	// interrupted heartbeat.
	sessions := func() int64 {
		var n int64
		if err := h.gdb.Model(&course.Playback{}).Where("person_id = ?", lp.PersonID).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := sessions()
	step(t, ctx, "a minute later, play", chromedp.Evaluate[chromedp.Void](`(function(){
		var now = Date.now; Date.now = function(){ return now() + 60000; };
		document.getElementById('pl-video').play();
	})()`))
	waitFor(t, ctx, "playing again", `document.getElementById('pl-bar').dataset.state === 'playing'`)
	deadline := time.Now().Add(5 * time.Second)
	for sessions() != n+1 {
		if time.Now().After(deadline) {
			t.Fatalf("resuming after a long pause opened %d sessions, want 1", sessions()-n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond)
	step(t, ctx, "pause again", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').pause()`))
	waitFor(t, ctx, "paused again", `document.getElementById('pl-bar').dataset.state === 'paused'`)
	if errBox, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('pl-error').hidden`)); errBox {
		t.Fatalf("the player shows an error after resuming: %s", text(t, ctx, "#pl-error"))
	}
	if sum, err := h.courses.HoursOf(bg, lp, lp.PersonID); err != nil {
		t.Fatal(err)
	} else {
		for _, e := range sum.Excluded {
			if e.Reason == course.ReasonGap {
				t.Errorf("a pause was recorded as an interrupted heartbeat: %+v", e)
			}
		}
	}

	// The learner opens the lesson on another device: this page stops.
	if _, err := h.courses.StartPlayback(bg, lp, l.ID); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "play again", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').play()`))
	waitFor(t, ctx, "superseded", `!document.getElementById('pl-error').hidden && document.getElementById('pl-video').paused`)
	if msg := text(t, ctx, "#pl-error"); !strings.Contains(msg, "您已在其他设备或窗口开始学习，本页面不再计时") || !strings.Contains(msg, "在本页面继续学习") {
		t.Errorf("superseded message = %q", msg)
	}
	shot(t, ctx, "learn-video-superseded")
}
