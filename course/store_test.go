package course

import (
	"context"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/hours"
	"anpei/media"
	"anpei/roster"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	trainer  = account.Principal{UserID: 7, Username: "trainer", Role: account.RoleTrainer}
	learnerP = account.Principal{UserID: 9, Username: "learner", Role: account.RoleLearner, PersonID: 42, EnterpriseID: 3}
	other    = account.Principal{UserID: 10, Username: "other", Role: account.RoleLearner, PersonID: 43, EnterpriseID: 3}
)

// testLearners are two special operators of a hazardous-chemicals
// enterprise, on duty since 2020.
func testLearner(ctx context.Context, id uint) (Learner, error) {
	if id < 42 || id > 141 {
		return Learner{}, fault.New(fault.NotFound, "person_not_found", "人员不存在")
	}
	return Learner{PersonID: id, Name: "张三", EnterpriseID: 3, Categories: roster.CategorySpecialOperator, Industry: "hazchem",
		Person:       hours.PersonFacts{Categories: roster.CategorySpecialOperator, StartedOn: time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)},
		IndustryInfo: hours.IndustryFacts{Code: "hazchem", HighRisk: true}}, nil
}

func newTestStore(t *testing.T, gdb *gorm.DB, c *clock, p Policy) *Store {
	t.Helper()
	st, err := NewStore(gdb, Options{Policy: p, Now: c.Now, Rand: func() float64 { return 0.5 }, Learner: testLearner,
		PeopleOf: func(ctx context.Context, _ uint) ([]Learner, error) {
			a, _ := testLearner(ctx, 42)
			b, _ := testLearner(ctx, 43)
			return []Learner{a, b}, nil
		},
		CanSee: func(_ context.Context, p account.Principal, id uint) error {
			if p.Role == account.RoleLearner && p.PersonID != id {
				return ErrPersonNotFound
			}
			return nil
		},
		PersonEnterprise: func(_ context.Context, id uint) (uint, error) {
			if id == 42 || id == 43 {
				return 3, nil
			}
			return 0, fault.New(fault.NotFound, "person_not_found", "人员不存在")
		}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func migrate(gdb *gorm.DB) error {
	if err := audit.AutoMigrate(gdb); err != nil {
		return err
	}
	return AutoMigrate(gdb)
}

// textBody is a text of n Chinese characters.
func textBody(n int) string {
	b := make([]rune, 0, n+7)
	b = append(b, []rune("<p>")...)
	for i := 0; i < n; i++ {
		b = append(b, '安')
	}
	return string(append(b, []rune("</p>")...))
}

func publishedTextCourse(t *testing.T, st *Store, title string, chars int) CourseView {
	t.Helper()
	ctx := context.Background()
	c, err := st.CreateCourse(ctx, trainer, CourseInput{Title: title, Category: "hazard_standard"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddLesson(ctx, trainer, c.ID, LessonInput{Title: "第一课", Kind: KindText, Body: textBody(chars)}); err != nil {
		t.Fatal(err)
	}
	c, err = st.Publish(ctx, trainer, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogueVersionsAndAudience(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		st := newTestStore(t, gdb, c, DefaultPolicy())

		draft, err := st.CreateCourse(ctx, trainer, CourseInput{Title: "草稿课程", Category: "law"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Course(ctx, learnerP, draft.ID, false); fault.As(err).Code != "course_not_found" {
			t.Fatalf("learner sees an unpublished draft: %v", err)
		}
		if _, err := st.Publish(ctx, trainer, draft.ID); fault.As(err).Code != "course_not_publishable" {
			t.Fatalf("publishing an empty course: %v", err)
		}
		if _, err := st.CreateCourse(ctx, learnerP, CourseInput{Title: "x", Category: "law"}); fault.As(err).Kind != fault.Forbidden {
			t.Fatalf("a learner authored a course: %v", err)
		}

		pub := publishedTextCourse(t, st, "重大事故隐患判定标准", 900) // 900 chars: 3 min by default
		if pub.Version != 1 || pub.DurationMS != 3*60_000 || pub.Hours != "0.1" {
			t.Fatalf("published course = v%d %dms %s学时", pub.Version, pub.DurationMS, pub.Hours)
		}
		seen, err := st.Course(ctx, learnerP, pub.ID, false)
		if err != nil || len(seen.Lessons) != 1 {
			t.Fatalf("learner view: %v %+v", err, seen)
		}
		firstLesson := seen.Lessons[0].ID

		// Editing a published course makes a draft v2; learners keep v1.
		in := CourseInput{Title: "重大事故隐患判定标准（2026版）", Category: "hazard_standard"}
		if _, err := st.UpdateCourse(ctx, trainer, pub.ID, in); err != nil {
			t.Fatal(err)
		}
		if v, _ := st.Course(ctx, learnerP, pub.ID, false); v.Title != "重大事故隐患判定标准" || v.Version != 1 {
			t.Fatalf("learner sees the draft: %+v", v)
		}
		if _, err := st.AddLesson(ctx, trainer, pub.ID, LessonInput{Title: "第二课", Kind: KindText, Body: textBody(300)}); err != nil {
			t.Fatal(err)
		}
		v2, err := st.Publish(ctx, trainer, pub.ID)
		if err != nil || v2.Version != 2 || len(v2.Lessons) != 2 || v2.DurationMS != 4*60_000 {
			t.Fatalf("v2 = %+v, %v", v2, err)
		}
		if v2.Lessons[0].ID == firstLesson {
			t.Fatal("the published lesson row was reused by the new version")
		}
		// v1's lesson is retired: a new playback of it is refused.
		if _, err := st.StartPlayback(ctx, learnerP, firstLesson); fault.As(err).Code != "lesson_retired" {
			t.Fatalf("playback of a retired lesson: %v", err)
		}

		// Audience: a course for principals is not the special operator's.
		other, err := st.CreateCourse(ctx, trainer, CourseInput{Title: "主要负责人培训", Category: "law", Audience: Audience{Categories: []string{"principal"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddLesson(ctx, trainer, other.ID, LessonInput{Title: "一", Kind: KindText, Body: textBody(600)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Publish(ctx, trainer, other.ID); err != nil {
			t.Fatal(err)
		}
		list, total, err := st.Courses(ctx, learnerP, CourseFilter{})
		if err != nil || total != 1 || list[0].ID != pub.ID {
			t.Fatalf("learner's catalogue = %d %+v %v", total, list, err)
		}
		if _, total, _ := st.Courses(ctx, trainer, CourseFilter{}); total != 3 {
			t.Fatalf("trainer's catalogue has %d courses, want 3", total)
		}
	})
}

func TestLessonValidation(t *testing.T) {
	video := &media.Info{SHA256: "ab", Kind: media.Video, MIME: "video/webm", Duration: 90 * time.Second}
	pdf := &media.Info{SHA256: "cd", Kind: media.Document, MIME: "application/pdf", Pages: 3}
	cases := []struct {
		name  string
		in    LessonInput
		field string
		ms    int64
	}{
		{"video takes its own length", LessonInput{Title: "v", Kind: KindVideo, Media: video, Minutes: 99}, "", 90_000},
		{"video needs a video", LessonInput{Title: "v", Kind: KindVideo, Media: pdf}, "file", 0},
		{"video needs a file", LessonInput{Title: "v", Kind: KindVideo}, "file", 0},
		{"pdf default 2 min a page", LessonInput{Title: "d", Kind: KindDocument, Media: pdf}, "", 6 * 60_000},
		{"pdf at most 3 min a page", LessonInput{Title: "d", Kind: KindDocument, Media: pdf, Minutes: 10}, "minutes", 0},
		{"pdf 9 min allowed", LessonInput{Title: "d", Kind: KindDocument, Media: pdf, Minutes: 9}, "", 9 * 60_000},
		{"text default 300 chars a minute", LessonInput{Title: "t", Kind: KindText, Body: textBody(601)}, "", 3 * 60_000},
		{"text at most 150 chars a minute", LessonInput{Title: "t", Kind: KindText, Body: textBody(600), Minutes: 5}, "minutes", 0},
		{"script stripped, nothing left", LessonInput{Title: "t", Kind: KindText, Body: "<script>alert(1)</script>"}, "body", 0},
		{"no title", LessonInput{Kind: KindText, Body: textBody(10)}, "title", 0},
		{"unknown kind", LessonInput{Title: "x", Kind: "audio"}, "kind", 0},
		{"negative minutes", LessonInput{Title: "x", Kind: KindText, Body: textBody(10), Minutes: -1}, "minutes", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := checkLesson(tc.in)
			if tc.field == "" {
				if err != nil || l.DurationMS != tc.ms {
					t.Fatalf("got %d ms, %v; want %d ms", l.DurationMS, err, tc.ms)
				}
				return
			}
			fe := fault.As(err)
			if fe.Code != "lesson_invalid" || len(fe.Details) == 0 || fe.Details[0].Field != tc.field {
				t.Fatalf("error = %+v, want a detail on %q", fe, tc.field)
			}
		})
	}
	if got := SanitizeHTML(`<p onclick="x()">安全<a href="javascript:x">链接</a><img src=x onerror=y></p><script>z</script>`); got != "<p>安全链接</p>" {
		t.Fatalf("SanitizeHTML = %q", got)
	}
}

// beat signs and sends heartbeat seq at position pos.
func beat(t *testing.T, st *Store, p account.Principal, start PlaybackStart, seq uint64, pos time.Duration, playing bool) (BeatResult, error) {
	t.Helper()
	nonce, err := hex.DecodeString(start.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	return st.Heartbeat(context.Background(), p, start.ID, Heartbeat{Seq: seq, Position: pos, Playing: playing, Token: Sign(nonce, start.ID, seq, pos)})
}

func TestPlaybackCreditsLedgerAndPlan(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		st := newTestStore(t, gdb, c, p)
		course := publishedTextCourse(t, st, "隐患判定", 1800) // 6 minutes
		lesson := course.Lessons[0].ID

		start, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.StartPlayback(ctx, trainer, lesson); fault.As(err).Code != "not_a_learner" {
			t.Fatalf("a trainer opened a playback: %v", err)
		}
		if _, err := beat(t, st, other, start, 1, 0, true); fault.As(err).Code != "playback_not_found" {
			t.Fatalf("another learner's heartbeat on this session: %v", err)
		}
		var captured []Heartbeat
		nonce, _ := hex.DecodeString(start.Nonce)
		for i := 0; i <= 8; i++ { // 2 minutes of playing, one beat every 15 s
			pos := time.Duration(i) * 15 * time.Second
			captured = append(captured, Heartbeat{Seq: uint64(i + 1), Position: pos, Playing: true, Token: Sign(nonce, start.ID, uint64(i+1), pos)})
			if _, err := beat(t, st, learnerP, start, uint64(i+1), pos, true); err != nil {
				t.Fatal(err)
			}
			c.Add(15 * time.Second)
		}
		sum, err := st.HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OnlineMS != 120_000 {
			t.Fatalf("credited %d ms, want 120000", sum.OnlineMS)
		}

		// Replaying every captured heartbeat, ten times faster: nothing.
		for _, hb := range captured {
			c.Add(1500 * time.Millisecond)
			_, err := st.Heartbeat(ctx, learnerP, start.ID, hb)
			if fault.As(err).Code != "heartbeat_refused" {
				t.Fatalf("replayed heartbeat %d: %v", hb.Seq, err)
			}
		}
		if s2, _ := st.HoursOf(ctx, learnerP, 42); s2.OnlineMS != 120_000 {
			t.Fatalf("after the replay: %d ms", s2.OnlineMS)
		}

		// A second device takes over: the first credits nothing more.
		c.Add(15 * time.Second)
		second, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Covered) != 1 || second.Covered[0] != [2]int64{0, 120_000} {
			t.Fatalf("second session's coverage = %v", second.Covered)
		}
		res, err := beat(t, st, learnerP, start, 20, 150*time.Second, true)
		if err != nil || res.CreditedMS != 0 || !res.Superseded {
			t.Fatalf("superseded heartbeat credited %d (superseded=%v): %v", res.CreditedMS, res.Superseded, err)
		}
		if _, err := beat(t, st, learnerP, second, 1, 120*time.Second, true); err != nil {
			t.Fatal(err)
		}
		c.Add(15 * time.Second)
		res, err = beat(t, st, learnerP, second, 2, 135*time.Second, true)
		if err != nil || res.CreditedMS != 15_000 || res.LessonCredited != 135_000 {
			t.Fatalf("second device: %+v %v", res, err)
		}

		sum, err = st.HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[Reason]ExclusionTotal{}
		for _, e := range sum.Excluded {
			reasons[e.Reason] = e
		}
		if reasons[ReasonReplay].Count != len(captured) || reasons[ReasonParallel].WallMS == 0 {
			t.Fatalf("exclusions = %+v", sum.Excluded)
		}
		if _, err := st.HoursOf(ctx, other, 42); err == nil {
			t.Fatal("a learner read another learner's hours")
		}
		// The plan counts the credited minutes toward the special
		// operator's annual hours.
		var found bool
		for _, r := range sum.Plan.Requirements {
			if r.DoneOnlineMin == 2 {
				found = true
			}
		}
		if !found {
			t.Fatalf("plan does not count 2 online minutes: %+v", sum.Plan.Requirements)
		}
	})
}

func TestPresenceChallenge(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: 30 * time.Second, Max: 30 * time.Second}
		p.ChallengeTimeout = 20 * time.Second
		st := newTestStore(t, gdb, c, p)
		course := publishedTextCourse(t, st, "隐患判定", 1800)
		start, err := st.StartPlayback(ctx, learnerP, course.Lessons[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var ch *ChallengeView
		for i := 0; i < 4 && ch == nil; i++ {
			res, err := beat(t, st, learnerP, start, uint64(i+1), time.Duration(i)*15*time.Second, true)
			if err != nil {
				t.Fatal(err)
			}
			ch = res.Challenge
			c.Add(15 * time.Second)
		}
		if ch == nil || len(ch.Options) != 3 {
			t.Fatalf("no challenge within a minute: %+v", ch)
		}
		if err := st.Answer(ctx, learnerP, start.ID, ch.ID, "00"); fault.As(err).Code != "challenge_wrong" {
			t.Fatalf("wrong code: %v", err)
		}
		if err := st.Answer(ctx, learnerP, start.ID, ch.ID, ch.Code); err != nil {
			t.Fatal(err)
		}
		if err := st.Answer(ctx, learnerP, start.ID, "nope", ch.Code); fault.As(err).Code != "challenge_unknown" {
			t.Fatalf("unknown challenge: %v", err)
		}
	})
}

func TestOfflineTraining(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		st := newTestStore(t, gdb, c, DefaultPolicy())
		admin := account.Principal{UserID: 5, Username: "ent", Role: account.RoleEnterpriseAdmin, EnterpriseID: 3}
		in := OfflineInput{EnterpriseID: 3, Category: "team_level", Date: "2026-05-02", Minutes: 90, Content: "班组级安全教育", Teacher: "李四", PersonIDs: []uint{42, 43, 42}}
		if _, err := st.RecordOffline(ctx, account.Principal{Role: account.RoleEnterpriseAdmin, EnterpriseID: 4}, in); fault.As(err).Kind != fault.Forbidden {
			t.Fatalf("another enterprise recorded training: %v", err)
		}
		bad := in
		bad.PersonIDs, bad.Date, bad.Minutes = []uint{42, 99}, "2026-06-01", 0
		fe := fault.As(func() error { _, err := st.RecordOffline(ctx, admin, bad); return err }())
		if fe.Code != "offline_training_invalid" || len(fe.Details) != 2 {
			t.Fatalf("invalid record: %+v", fe)
		}
		rec, err := st.RecordOffline(ctx, admin, in)
		if err != nil || rec.Attendees != 2 || rec.Hours != "2" {
			t.Fatalf("record = %+v, %v", rec, err)
		}
		sum, err := st.HoursOf(ctx, learnerP, 42)
		if err != nil || sum.OfflineMinutes != 90 || sum.OfflineHours != "2" || sum.OnlineMS != 0 {
			t.Fatalf("offline hours = %+v, %v", sum, err)
		}
		rows, err := st.Behind(ctx, admin, 3)
		if err != nil || len(rows) == 0 {
			t.Fatalf("behind = %v, %v", rows, err)
		}
	})
}

// TestConcurrentHeartbeatsCreditOnce sends the same heartbeat from many
// goroutines at once: the person's row lock lets exactly one through, so
// the 15 seconds are credited once, on both dialects.
func TestConcurrentHeartbeatsCreditOnce(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		st := newTestStore(t, gdb, c, p)
		course := publishedTextCourse(t, st, "并发", 1800)
		start, err := st.StartPlayback(ctx, learnerP, course.Lessons[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := beat(t, st, learnerP, start, 1, 0, true); err != nil {
			t.Fatal(err)
		}
		c.Add(15 * time.Second)
		const n = 8
		var wg sync.WaitGroup
		results := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := beat(t, st, learnerP, start, 2, 15*time.Second, true)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case fault.As(err).Code == "heartbeat_refused", fault.As(err).Code == "heartbeat_too_frequent":
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		sum, err := st.HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || sum.OnlineMS != 15_000 {
			t.Fatalf("%d heartbeats accepted, %d ms credited; want 1 and 15000", ok, sum.OnlineMS)
		}
	})
}

// TestCapAndChallengeCarryAcrossSessions: a new session (the next lesson, a
// reload) keeps the day's count toward the cap and cannot escape a
// presence challenge left unanswered.
func TestCapAndChallengeCarryAcrossSessions(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.DailyCap = time.Minute
		p.ChallengeEvery = Range{Min: 40 * time.Second, Max: 40 * time.Second}
		p.ChallengeTimeout = 30 * time.Second
		st := newTestStore(t, gdb, c, p)
		course := publishedTextCourse(t, st, "上限", 1800)
		lesson := course.Lessons[0].ID

		first, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		var challenged *ChallengeView
		for i := 0; i <= 3; i++ { // 45 s credited; a challenge falls due at 20 s (first wait: half of 40 s)
			res, err := beat(t, st, learnerP, first, uint64(i+1), time.Duration(i)*15*time.Second, true)
			if err != nil {
				t.Fatal(err)
			}
			if res.Challenge != nil {
				challenged = res.Challenge
			}
			c.Add(15 * time.Second)
		}
		if challenged == nil {
			t.Fatal("no challenge in the first session")
		}
		// Reload without answering: the new session challenges at once,
		// and only 15 s remain under the cap.
		second, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		if second.CreditedTodayMS != 45_000 {
			t.Fatalf("new session starts the day at %d ms, want 45000", second.CreditedTodayMS)
		}
		res, err := beat(t, st, learnerP, second, 1, 45*time.Second, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Challenge == nil {
			t.Fatal("a reload escaped the unanswered challenge")
		}
		if err := st.Answer(ctx, learnerP, second.ID, res.Challenge.ID, res.Challenge.Code); err != nil {
			t.Fatal(err)
		}
		for i := 2; i <= 4; i++ {
			c.Add(15 * time.Second)
			if _, err := beat(t, st, learnerP, second, uint64(i), time.Duration(i+1)*15*time.Second, true); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := st.HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		capped := false
		for _, e := range sum.Excluded {
			capped = capped || e.Reason == ReasonCap && e.WallMS > 0
		}
		if sum.OnlineMS != 60_000 || !capped {
			t.Fatalf("credited %d ms (want the 60000 cap), exclusions %+v", sum.OnlineMS, sum.Excluded)
		}
	})
}

// TestFirstPlaybacksTogether: many learners opening their first lesson at
// the same moment all get a session (on MySQL a locking read of a missing
// state row would take gap locks and deadlock them).
func TestFirstPlaybacksTogether(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		st := newTestStore(t, gdb, c, DefaultPolicy())
		course := publishedTextCourse(t, st, "同时开始", 900)
		const n = 40
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := account.Principal{UserID: uint(100 + i), Role: account.RoleLearner, PersonID: uint(50 + i), EnterpriseID: 3}
				_, err := st.StartPlayback(ctx, p, course.Lessons[0].ID)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a first playback failed: %v", err)
			}
		}
	})
}
