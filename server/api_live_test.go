package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/demo"
	"anpei/lecture"
	"anpei/live/record"
	"anpei/live/signal"
)

// liveFixture is the demo district with a published course and a live
// session of the demo trainer for every learner.
type liveFixture struct {
	h       *harness
	session uint
	course  uint
	trainer *client
	learner *client
}

func newLiveFixture(t *testing.T, gdb *gorm.DB, o harnessOptions) liveFixture {
	t.Helper()
	h := newHarnessWith(t, gdb, o)
	ctx := context.Background()
	if err := demo.Seed(ctx, h.gdb, h.accounts, h.roster); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"admin", "regulator", "enterprise", "trainer", "learner"} {
		if err := h.accounts.SetPassword(ctx, u, "anpei-test-1"); err != nil {
			t.Fatal(err)
		}
	}
	sys := account.System()
	c, err := h.courses.CreateCourse(ctx, sys, course.CourseInput{Title: "直播测试课程", Category: "law"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.AddLesson(ctx, sys, c.ID, course.LessonInput{Title: "第一课", Kind: course.KindText, Body: "<p>" + strings.Repeat("安全生产", 100) + "</p>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.courses.Publish(ctx, sys, c.ID); err != nil {
		t.Fatal(err)
	}
	f := liveFixture{h: h, course: c.ID, trainer: h.login("trainer"), learner: h.login("learner")}
	res := f.trainer.do("POST", "/api/v1/live/sessions", map[string]any{"title": "直播测试", "scheduled_at": h.clock.Now().Add(5 * time.Minute),
		"minutes": 30, "course_id": c.ID, "capacity": 50, "audience": map[string]any{}})
	if res.status != 201 {
		t.Fatalf("schedule: %d %s", res.status, res.body)
	}
	var v lecture.View
	json.Unmarshal([]byte(res.body), &v)
	f.session = v.ID
	return f
}

// sock is a test's signaling connection.
type sock struct {
	t  *testing.T
	ws *websocket.Conn
}

func (f liveFixture) dial(t *testing.T, c *client, origin string) (*sock, *http.Response, error) {
	t.Helper()
	u := strings.Replace(f.h.ts.URL, "http://", "ws://", 1) + "/api/v1/live/" + itoa(f.session) + "/ws"
	hdr := http.Header{}
	if origin == "" {
		origin = f.h.ts.URL
	}
	hdr.Set("Origin", origin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.http, HTTPHeader: hdr})
	if err != nil {
		return nil, res, err
	}
	s := &sock{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return s, res, nil
}

func (s *sock) send(typ signal.Type, data any) {
	s.t.Helper()
	b, err := signal.EncodeClient(signal.Message{Type: typ, ID: 1, Data: data})
	if err != nil {
		s.t.Fatalf("encode %s: %v", typ, err)
	}
	s.raw(b)
}

func (s *sock) raw(b []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

// await reads messages until one of type typ arrives (and returns it), or
// fails after a few seconds.
func (s *sock) await(typ signal.Type) signal.Message {
	s.t.Helper()
	return s.awaitWhere(typ, nil)
}

// awaitWhere is await for the first message of type typ that ok accepts.
func (s *sock) awaitWhere(typ signal.Type, ok func(signal.Message) bool) signal.Message {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	var seen []string
	for {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			s.t.Fatalf("waiting for %s (saw %v): %v", typ, seen, err)
		}
		m, err := signal.DecodeServer(b)
		if err != nil {
			s.t.Fatalf("server sent what the protocol refuses: %s: %v", b, err)
		}
		if m.Type == typ && (ok == nil || ok(m)) {
			return m
		}
		seen = append(seen, string(m.Type))
		if m.Type == signal.TypeError && typ != signal.TypeError {
			s.t.Logf("error while waiting for %s: %+v", typ, m.Data)
		}
	}
}

// TestLiveSessionsAPI: scheduling is validated field by field in Chinese,
// the audience decides who sees a session, and the attendance report is
// the hosts' and regulators'.
func TestLiveSessionsAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		f := newLiveFixture(t, gdb, harnessOptions{})
		bad := f.trainer.do("POST", "/api/v1/live/sessions", map[string]any{"title": "", "scheduled_at": f.h.clock.Now().Add(-time.Hour),
			"minutes": 5, "course_id": 99999, "capacity": 0, "audience": map[string]any{"categories": []string{"nobody"}}})
		if bad.status != 400 && bad.status != 422 {
			t.Fatalf("a bad session: %d %s", bad.status, bad.body)
		}
		for _, field := range []string{"title", "scheduled_at", "minutes", "course_id", "capacity"} {
			if !strings.Contains(bad.body, `"field":"`+field+`"`) {
				t.Errorf("the refusal does not name %s: %s", field, bad.body)
			}
		}
		if n := f.h.learner().do("POST", "/api/v1/live/sessions", map[string]any{"title": "x"}); n.status != 403 {
			t.Errorf("a learner scheduling: %d", n.status)
		}
		var list liveList
		if res := f.learner.do("GET", "/api/v1/live/sessions", nil); res.status != 200 || json.Unmarshal([]byte(res.body), &list) != nil || list.Total != 1 {
			t.Fatalf("the learner's sessions: %d %s", res.status, res.body)
		}
		// The learner's plan page shows it.
		if res := f.learner.do("GET", "/learn", nil); res.status != 200 || !strings.Contains(res.body, `data-live="`+itoa(f.session)+`"`) {
			t.Errorf("the learner's /learn does not list the live session: %d", res.status)
		}
		if res := f.learner.do("GET", "/api/v1/live/sessions/"+itoa(f.session)+"/attendance.xlsx", nil); res.status != 403 {
			t.Errorf("a learner downloading the attendance report: %d", res.status)
		}
		if res := f.trainer.do("GET", "/api/v1/live/sessions/"+itoa(f.session)+"/attendance.xlsx", nil); res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), xlsxType) {
			t.Errorf("the trainer's attendance report: %d %s", res.status, res.header.Get("Content-Type"))
		}
	})
}

// learner returns a second signed-in learner of the harness (for tests
// that need a learner outside the fixture's).
func (h *harness) learner() *client { return h.login("learner") }

// TestLiveSocket: the room's WebSocket admits only who may join (before
// the upgrade, with the reason), refuses another origin, answers a
// malformed or trainer-only message with an error and stays open, and
// carries chat, questions and presence checks between trainer and viewer.
func TestLiveSocket(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		f := newLiveFixture(t, gdb, harnessOptions{Live: true})
		// Nobody signed in, another origin, a regulator: refused.
		if _, res, err := f.dial(t, f.h.anon(), ""); err == nil || res == nil || res.StatusCode != 401 {
			t.Fatalf("anonymous socket: %v %v", res, err)
		}
		if _, res, err := f.dial(t, f.learner, "https://evil.example"); err == nil || res == nil || res.StatusCode != 403 {
			t.Fatalf("cross-origin socket: %v %v", res, err)
		}
		if _, res, err := f.dial(t, f.h.login("regulator"), ""); err == nil || res == nil || res.StatusCode != 403 {
			t.Fatalf("a regulator's socket: %v %v", res, err)
		}

		tr, _, err := f.dial(t, f.trainer, "")
		if err != nil {
			t.Fatal(err)
		}
		tr.send(signal.TypeJoin, &signal.Join{Device: "desk"})
		if w := tr.await(signal.TypeWelcome).Data.(*signal.Welcome); w.Role != lecture.RoleTrainer {
			t.Fatalf("trainer welcome = %+v", w)
		}
		// The admin enters beside the trainer, who stays the presenter; the
		// trainer's second tab replaces the first.
		ad, _, err := f.dial(t, f.h.login("admin"), "")
		if err != nil {
			t.Fatal(err)
		}
		ad.send(signal.TypeJoin, &signal.Join{Device: "office"})
		if w := ad.await(signal.TypeWelcome).Data.(*signal.Welcome); w.Role != lecture.RoleTrainer {
			t.Fatalf("admin welcome = %+v", w)
		}
		tr.send(signal.TypeChat, &signal.Text{Text: "管理员来了"})
		tr.await(signal.TypeChat) // the trainer's socket is still open
		ad.ws.Close(websocket.StatusNormalClosure, "")
		tab, _, err := f.dial(t, f.trainer, "")
		if err != nil {
			t.Fatal(err)
		}
		tab.send(signal.TypeJoin, &signal.Join{Device: "desk-2"})
		tab.await(signal.TypeWelcome)
		if e := tr.await(signal.TypeError).Data.(*signal.ErrorData); e.Code != errTrainerElsewhere.Code {
			t.Fatalf("the first tab got %+v, want %s", e, errTrainerElsewhere.Code)
		}
		tr = tab
		vw, _, err := f.dial(t, f.learner, "")
		if err != nil {
			t.Fatal(err)
		}
		// Before join, and malformed: an error, and the socket stays.
		vw.send(signal.TypeChat, &signal.Text{Text: "早"})
		if e := vw.await(signal.TypeError).Data.(*signal.ErrorData); e.Code != errJoinFirst.Code {
			t.Fatalf("chat before join = %+v", e)
		}
		vw.raw([]byte(`{"v":1,"type":"chat","data":{"text":"x","extra":1}}`))
		if e := vw.await(signal.TypeError).Data.(*signal.ErrorData); e.Code != "signal_malformed" && e.Code != "signal_invalid" {
			t.Fatalf("unknown field = %+v", e)
		}
		vw.raw([]byte(strings.Repeat("x", signal.MaxMessage+10)))
		if e := vw.await(signal.TypeError).Data.(*signal.ErrorData); e.Code != signal.ErrTooLarge.Code {
			t.Fatalf("oversized = %+v", e)
		}
		vw.send(signal.TypeJoin, &signal.Join{Device: "phone"})
		if w := vw.await(signal.TypeWelcome).Data.(*signal.Welcome); w.Role != lecture.RoleViewer || w.Conn == "" {
			t.Fatalf("viewer welcome = %+v", w)
		}
		if o := vw.await(signal.TypeOffer).Data.(*signal.SDP); !strings.Contains(o.SDP, "m=video") || !strings.Contains(o.SDP, "m=audio") {
			t.Fatalf("the viewer's offer has no media: %q", o.SDP)
		}
		// The node's counters are in the metrics.
		if res := f.h.anon().do("GET", "/metrics", nil); !strings.Contains(res.body, "anpei_live_viewers 1") || !strings.Contains(res.body, "anpei_live_rooms 1") {
			t.Errorf("metrics without the live viewer: %d", res.status)
		}
		// A viewer may not use the trainer's commands.
		vw.send(signal.TypeEnd, nil)
		if e := vw.await(signal.TypeError).Data.(*signal.ErrorData); e.Code != signal.ErrNotTrainer.Code {
			t.Fatalf("a viewer ending the session = %+v", e)
		}

		// Chat both ways; the viewer's name is shown in full to the trainer.
		var name string
		gdb.Table("people").Select("people.name").Joins("JOIN users ON users.person_id = people.id").Where("users.username = ?", "learner").Scan(&name)
		vw.send(signal.TypeChat, &signal.Text{Text: "老师好"})
		fromViewer := func(m signal.Message) bool { return !m.Data.(*signal.ChatMessage).Trainer }
		if m := tr.awaitWhere(signal.TypeChat, fromViewer).Data.(*signal.ChatMessage); m.Text != "老师好" || m.Author != name {
			t.Fatalf("trainer got %+v, want the text from %s", m, name)
		}
		tr.send(signal.TypeChat, &signal.Text{Text: "大家好"})
		fromTrainer := func(m signal.Message) bool { return m.Data.(*signal.ChatMessage).Trainer }
		if m := vw.awaitWhere(signal.TypeChat, fromTrainer).Data.(*signal.ChatMessage); m.Text != "大家好" {
			t.Fatalf("viewer got %+v", m)
		}
		// A question goes to the trainer, the answer to everyone.
		vw.send(signal.TypeQuestion, &signal.Text{Text: "特种作业证多久复审？"})
		q := tr.await(signal.TypeQuestion).Data.(*signal.ChatMessage)
		tr.send(signal.TypeAnswerQuestion, &signal.Reply{Message: q.ID, Text: "每三年复审一次"})
		for {
			a := vw.await(signal.TypeQuestion).Data.(*signal.ChatMessage)
			if a.Answered {
				if a.Answer != "每三年复审一次" {
					t.Fatalf("answer = %+v", a)
				}
				break
			}
		}
		// Once live (as publishing makes it), a presence check reaches the
		// viewer, who answers it.
		var tu account.User
		gdb.Where("username = ?", "trainer").First(&tu)
		if _, err := f.h.lectures.Start(context.Background(), tu.Principal(), f.session); err != nil {
			t.Fatal(err)
		}
		tr.send(signal.TypePresenceCheck, nil)
		chk := vw.await(signal.TypePresenceCheck).Data.(*signal.PresenceChallenge)
		if chk.Deadline <= f.h.clock.Now().UnixMilli() {
			t.Fatalf("check deadline %d is not ahead", chk.Deadline)
		}
		vw.send(signal.TypePresenceAnswer, &signal.PresenceReply{Check: chk.Check})
		var answered int64
		deadline := time.Now().Add(5 * time.Second)
		for answered == 0 && time.Now().Before(deadline) {
			gdb.Table("lecture_check_answers").Count(&answered)
			time.Sleep(20 * time.Millisecond)
		}
		if answered != 1 {
			t.Fatalf("presence answers stored = %d", answered)
		}
		// Removing the viewer closes their socket with the reason.
		var learnerPerson uint
		gdb.Table("users").Select("person_id").Where("username = ?", "learner").Scan(&learnerPerson)
		tr.send(signal.TypeRemoveViewer, &signal.Removal{Person: uint64(learnerPerson), Reason: "测试移出"})
		if r := vw.await(signal.TypeRemoved).Data.(*signal.Removal); r.Reason != "测试移出" {
			t.Fatalf("removed = %+v", r)
		}
		if _, res, err := f.dial(t, f.learner, ""); err == nil || res == nil || res.StatusCode != 403 {
			t.Fatalf("a removed viewer's new socket: %v %v", res, err)
		}
		// The trainer ends it.
		tr.send(signal.TypeEnd, nil)
		tr.await(signal.TypeEnded)
		var st string
		gdb.Table("lecture_sessions").Select("status").Where("id = ?", f.session).Scan(&st)
		if st != string(lecture.StatusEnded) {
			t.Fatalf("status after end = %q", st)
		}
	})
}

// TestLiveReplay: a finished recording becomes a video lesson in the
// linked course's draft (the trainer is told), its screen shares are
// served in step to whoever may open the lesson, and the published lesson
// page plays them over the camera.
func TestLiveReplay(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		f := newLiveFixture(t, gdb, harnessOptions{Live: true})
		ctx := context.Background()
		// A recording as live/record leaves it: the camera file and one
		// screen share that starts 12 s into it.
		dir := filepath.Join(t.TempDir(), "rec")
		os.MkdirAll(dir, 0o750)
		webm, err := os.ReadFile(filepath.Join("..", "demo", "data", "media", "hazard-intro.webm"))
		if err != nil {
			t.Fatal(err)
		}
		screen := webm // the demo clip stands in for both files
		os.WriteFile(filepath.Join(dir, "camera-001.webm"), webm, 0o600)
		os.WriteFile(filepath.Join(dir, "screen-001.webm"), screen, 0o600)
		m := record.Manifest{Version: 1, Complete: true, Segments: []record.SegmentInfo{
			{Kind: record.Camera, File: "camera-001.webm", StartMS: 3000, DurationMS: 90000},
			{Kind: record.Screen, File: "screen-001.webm", StartMS: 15000, DurationMS: 30000}}}
		b, _ := json.Marshal(m)
		path := filepath.Join(dir, record.ManifestFile)
		os.WriteFile(path, b, 0o600)

		if err := f.h.srv.makeReplay(ctx, f.session, path); err != nil {
			t.Fatal(err)
		}
		// The draft has the replay lesson; the trainer has a notice.
		var tu account.User
		gdb.Where("username = ?", "trainer").First(&tu)
		var notices int64
		gdb.Table("notices").Where("user_id = ? AND kind = ?", tu.ID, "live_replay").Count(&notices)
		if notices != 1 {
			t.Fatalf("notices to the trainer: %d", notices)
		}
		if _, err := f.h.courses.Publish(ctx, account.System(), f.course); err != nil {
			t.Fatal(err)
		}
		cv, err := f.h.courses.Course(ctx, account.System(), f.course, false)
		if err != nil {
			t.Fatal(err)
		}
		var replay uint
		for _, l := range cv.Lessons {
			if strings.HasPrefix(l.Title, "直播回放：") {
				replay = l.ID
			}
		}
		if replay == 0 {
			t.Fatalf("no replay lesson in %+v", cv.Lessons)
		}
		// The lesson page plays the screen share 12 s into the camera.
		page := f.learner.do("GET", "/lessons/"+itoa(replay), nil)
		if page.status != 200 || !strings.Contains(page.body, "data-overlays=") || !strings.Contains(page.body, "offset_ms&#34;:12000") {
			t.Fatalf("replay lesson page: %d, overlays missing", page.status)
		}
		res := f.learner.do("GET", "/api/v1/lessons/"+itoa(replay)+"/overlays/0", nil)
		if res.status != 200 || res.header.Get("Content-Type") != "video/webm" || len(res.body) != len(screen) {
			t.Fatalf("overlay: %d %s %d bytes", res.status, res.header.Get("Content-Type"), len(res.body))
		}
		if res := f.learner.do("GET", "/api/v1/lessons/"+itoa(replay)+"/overlays/1", nil); res.status != 404 {
			t.Fatalf("a screen share that is not there: %d", res.status)
		}
		if res := f.h.anon().do("GET", "/api/v1/lessons/"+itoa(replay)+"/overlays/0", nil); res.status != 401 {
			t.Fatalf("an overlay signed out: %d", res.status)
		}
	})
}
