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
	"anpei/course"
	"anpei/live/record"
	"anpei/media"
)

// browserLive starts headless Chromium with a fake camera and microphone
// against a server with a loopback media node, and returns the trainer's
// and the learner's browser contexts (separate cookie jars).
func browserLive(t *testing.T) (*harness, context.Context, context.Context) {
	t.Helper()
	path := browserPath(t)
	h := demoHarness(t, harnessOptions{Live: true, RealTimeCourses: true})
	opts := chromeOptions(t, path,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	trainer, cancelTrainer := chromedp.NewContext(actx)
	trainer, cancelTimeout := context.WithTimeout(trainer, 150*time.Second)
	if err := chromedp.Do(trainer, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	learner, cancelLearner := chromedp.NewContext(trainer, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(learner, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatalf("open the learner's browser context: %v", err)
	}
	t.Cleanup(func() { cancelLearner(); cancelTimeout(); cancelTrainer(); cancelAlloc() })
	return h, trainer, learner
}

// TestBrowserLive: the demo trainer schedules a live lecture from the form
// and goes live with the fake camera; the demo learner on a phone opens
// the room and the video plays (its size is known and its time runs);
// chat goes both ways; the trainer's presence check is answered; when the
// trainer ends the lecture the learner's attendance is credited to the
// ledger and shown.
func TestBrowserLive(t *testing.T) {
	h, tctx, lctx := browserLive(t)
	base := h.ts.URL
	ctx := context.Background()
	sys := account.System()
	c, err := h.courses.CreateCourse(ctx, sys, course.CourseInput{Title: "重大事故隐患判定标准直播解读", Category: "law"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.AddLesson(ctx, sys, c.ID, course.LessonInput{Title: "导读", Kind: course.KindText, Body: "<p>" + strings.Repeat("安全生产", 100) + "</p>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.Publish(ctx, sys, c.ID); err != nil {
		t.Fatal(err)
	}

	// The trainer schedules it, starting in ten minutes.
	start := time.Now().Add(10 * time.Minute).In(chinaTime).Format("2006-01-02T15:04")
	step(t, tctx, "trainer login", loginSteps(base, "trainer", "anpei-demo")...)
	step(t, tctx, "trainer home", chromedp.WaitVisible(chromedp.CSS(".nav")))
	step(t, tctx, "nav to live", chromedp.Click(chromedp.CSS(`.nav a[href="/live"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/live/new"]`)))
	step(t, tctx, "open the form", chromedp.Click(chromedp.CSS(`a[href="/live/new"]`)), chromedp.WaitVisible(chromedp.CSS("#live-form")))
	step(t, tctx, "submit empty", chromedp.Click(chromedp.CSS(`#live-form button[type="submit"]`)))
	waitFor(t, tctx, "title error shown", `!!document.querySelector('#l-title[aria-invalid="true"]')`)
	step(t, tctx, "fill the form",
		chromedp.SendKeys(chromedp.CSS("#l-title"), "浏览器直播测试"),
		setInput("#l-at", start),
		setSelect("#l-course", strconv.Itoa(int(c.ID))),
		chromedp.Click(chromedp.CSS(`#live-form button[type="submit"]`)))
	waitFor(t, tctx, "room page", `!!document.getElementById('live-room') && document.getElementById('live-room').dataset.role === 'trainer'`)
	sessionID, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById('live-room').dataset.session`))
	if err != nil || sessionID == "" {
		t.Fatalf("session id: %q %v", sessionID, err)
	}
	waitFor(t, tctx, "trainer joined", `document.getElementById('lv-conn').textContent === '已加入'`)
	step(t, tctx, "go live", chromedp.Click(chromedp.CSS("#lv-go")))
	waitFor(t, tctx, "trainer preview", `document.getElementById('lv-main').videoWidth > 0`)
	waitFor(t, tctx, "published", `document.getElementById('lv-conn').textContent === '已连接'`)

	// The learner opens the room from the list; the video plays.
	step(t, lctx, "learner login", loginSteps(base, "learner", "anpei-demo")...)
	step(t, lctx, "learner home", chromedp.WaitVisible(chromedp.CSS(".nav")))
	step(t, lctx, "learner's live list", chromedp.Navigate(base+"/live"), chromedp.WaitVisible(chromedp.CSS(`[data-live="`+sessionID+`"]`)))
	step(t, lctx, "enter the room", chromedp.Click(chromedp.CSS(`[data-live="`+sessionID+`"] a.btn`)))
	waitFor(t, lctx, "viewer room", `!!document.getElementById('live-room') && document.getElementById('live-room').dataset.role === 'viewer'`)
	waitFor(t, lctx, "video arrives", `document.getElementById('lv-main').videoWidth > 0`)
	t0, err := chromedp.Run(lctx, chromedp.Evaluate[float64](`document.getElementById('lv-main').currentTime`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "video plays on", `document.getElementById('lv-main').currentTime > `+strconv.FormatFloat(t0+1.5, 'f', 2, 64))
	keep(t, lctx, "live-viewer")
	waitFor(t, tctx, "trainer sees the viewer", `document.querySelectorAll('#lv-viewers li[data-person]').length === 1`)

	// Chat both ways.
	step(t, lctx, "learner says hello", chromedp.SendKeys(chromedp.CSS("#lv-text"), "老师好"), chromedp.Click(chromedp.CSS(`#lv-say button[type="submit"]`)))
	waitFor(t, tctx, "trainer reads it", `Array.prototype.some.call(document.querySelectorAll('#lv-chat li'), function (li) { return li.textContent.indexOf('老师好') >= 0; })`)
	step(t, tctx, "trainer answers", chromedp.SendKeys(chromedp.CSS("#lv-text"), "大家好，我们开始"), chromedp.Click(chromedp.CSS(`#lv-say button[type="submit"]`)))
	waitFor(t, lctx, "learner reads it", `Array.prototype.some.call(document.querySelectorAll('#lv-chat li.is-trainer'), function (li) { return li.textContent.indexOf('大家好，我们开始') >= 0; })`)

	// The presence check.
	step(t, tctx, "presence check", chromedp.Click(chromedp.CSS("#lv-check-now")))
	waitFor(t, lctx, "check dialog", `document.getElementById('lv-check').open`)
	step(t, lctx, "sign in", chromedp.Click(chromedp.CSS("#lv-check-ok")))
	waitFor(t, lctx, "dialog closed", `!document.getElementById('lv-check').open`)
	var answers int64
	for deadline := time.Now().Add(5 * time.Second); answers == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		h.gdb.Table("lecture_check_answers").Count(&answers)
	}
	if answers != 1 {
		t.Fatalf("presence answers stored: %d", answers)
	}
	keep(t, tctx, "live-trainer")

	// Let some receiving time pass, then end; the learner is credited.
	time.Sleep(3 * time.Second)
	step(t, tctx, "end", chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`), chromedp.Click(chromedp.CSS("#lv-end")))
	waitFor(t, lctx, "learner sees the end", `document.getElementById('lv-status').dataset.status === 'ended'`)
	waitFor(t, lctx, "attendance shown", `!!document.getElementById('lv-credited')`)
	var creditedMS int64
	h.gdb.Table("training_credits").Select("COALESCE(SUM(ms), 0)").Where("session_id LIKE ?", "live-"+sessionID+"-%").Scan(&creditedMS)
	if creditedMS < 3000 {
		t.Fatalf("the ledger credits the learner %d ms of the lecture", creditedMS)
	}
	keep(t, lctx, "live-ended")

	// The recording: the camera with the microphone, as WebM.
	var manifest string
	for deadline := time.Now().Add(10 * time.Second); manifest == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		h.gdb.Table("lecture_sessions").Select("recording").Where("id = ?", sessionID).Scan(&manifest)
	}
	if manifest == "" {
		t.Fatal("the session has no recording")
	}
	m, err := record.ReadManifest(filepath.Dir(manifest))
	if err != nil || !m.Complete || len(m.Segments) == 0 {
		t.Fatalf("recording manifest = %+v, %v", m, err)
	}
	cam := m.Segments[0]
	if cam.Kind != record.Camera || len(cam.Tracks) != 2 {
		t.Fatalf("camera segment = %+v", cam)
	}
	for _, tr := range cam.Tracks {
		if tr.Frames < 10 {
			t.Errorf("recorded %s track has %d frames", tr.Type, tr.Frames)
		}
	}
	f, err := os.Open(filepath.Join(filepath.Dir(manifest), cam.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	info, err := media.Inspect(f, st.Size())
	if err != nil || info.MIME != "video/webm" || info.Duration < 2*time.Second {
		t.Fatalf("the recording as a lesson file: %+v, %v", info, err)
	}

	// It became a replay lesson of the course's draft; once the course is
	// published the learner plays it.
	var replay uint
	for deadline := time.Now().Add(20 * time.Second); replay == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		h.gdb.Table("lessons").Select("id").Where("title LIKE ? AND media_sha <> ''", "直播回放：%").Order("id DESC").Limit(1).Scan(&replay)
	}
	if replay == 0 {
		for _, line := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(line, "replay") {
				t.Log(line)
			}
		}
		t.Fatal("no replay lesson was made from the recording")
	}
	if _, err := h.courses.Publish(ctx, sys, c.ID); err != nil {
		t.Fatal(err)
	}
	cv, err := h.courses.Course(ctx, sys, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cv.Lessons {
		if strings.HasPrefix(l.Title, "直播回放：") {
			replay = l.ID
		}
	}
	step(t, lctx, "open the replay", chromedp.Navigate(base+"/lessons/"+strconv.Itoa(int(replay))), chromedp.WaitVisible(chromedp.CSS("#pl-video")))
	step(t, lctx, "play the replay", chromedp.Evaluate[chromedp.Void](`document.getElementById('pl-video').muted = true; document.getElementById('pl-video').play()`))
	waitFor(t, lctx, "replay plays", `document.getElementById('pl-video').videoWidth > 0 && document.getElementById('pl-video').currentTime > 0.5`)
	keep(t, lctx, "live-replay")
}
