package course

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/fault"
)

// What the active playback session holds back — short stalls not yet in
// watch_exclusions, coverage not yet in lesson_progress — is stored with
// the session by the heartbeat's transaction, counted by every reader, and
// written to its table when anything else happens or another session
// takes over. These tests check it on both dialects.

// ledgerStall sums the stall time stored in watch_exclusions for person
// 42, and counts its rows.
func ledgerStall(t *testing.T, gdb *gorm.DB) (ms int64, rows int64) {
	t.Helper()
	var r struct{ MS, N int64 }
	if err := gdb.Model(&ExclusionEntry{}).Select("COALESCE(SUM(wall_ms), 0) AS ms, COUNT(*) AS n").
		Where("person_id = ? AND reason = ?", 42, ReasonStall).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.MS, r.N
}

// summaryOf returns person 42's excluded time for a reason as the
// learner's summary shows it.
func summaryOf(t *testing.T, st *Store, r Reason) int64 {
	t.Helper()
	sum, err := st.HoursOf(context.Background(), learnerP, 42)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, e := range sum.Excluded {
		total += e.WallMS
		if e.Reason == r {
			return e.WallMS
		}
	}
	return 0
}

// TestShortStallsReachTheLedger: a player whose position lags the server's
// clock by 300 ms a heartbeat has every one of those milliseconds stored
// with reason stall and shown in the learner's summary after every
// heartbeat: buffered in the session, then written as one exclusion when
// the buffer is full, when another session takes over, and on pause.
func TestShortStallsReachTheLedger(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		st := newTestStore(t, gdb, c, p)
		first := publishedTextCourse(t, st, "卡顿", 1800) // 6 minutes
		next := publishedTextCourse(t, st, "下一课", 1500)

		var excluded int64 // stall time the heartbeats reported
		check := func(when string, wantRows int64) {
			t.Helper()
			if got := summaryOf(t, st, ReasonStall); got != excluded {
				t.Fatalf("%s: the summary shows %d ms of stall, the heartbeats excluded %d", when, got, excluded)
			}
			if _, rows := ledgerStall(t, gdb); rows != wantRows {
				t.Fatalf("%s: %d stall rows in the ledger, want %d", when, rows, wantRows)
			}
		}
		send := func(start PlaybackStart, seq uint64, pos time.Duration, playing bool) BeatResult {
			t.Helper()
			res, err := beat(t, st, learnerP, start, seq, pos, playing)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Excluded {
				if e.Reason == ReasonStall {
					excluded += e.WallMS
				}
			}
			return res
		}

		a, err := st.StartPlayback(ctx, learnerP, first.Lessons[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		send(a, 1, 0, true)
		for i := 1; i <= 19; i++ {
			c.Add(15*time.Second + 300*time.Millisecond)
			res := send(a, uint64(i+1), time.Duration(i)*15*time.Second, true)
			if len(res.Excluded) != 1 || res.Excluded[0].Reason != ReasonStall || res.Excluded[0].WallMS != 300 || res.CreditedMS != 15_000 {
				t.Fatalf("heartbeat %d: %+v", i+1, res)
			}
			switch {
			case i < 17: // 16 × 300 ms buffered
				check("buffering", 0)
			case i == 17: // 5.1 s: written
				check("buffer full", 1)
				if ms, _ := ledgerStall(t, gdb); ms != 5100 {
					t.Fatalf("the full buffer wrote %d ms, want 5100", ms)
				}
			default:
				check("buffering again", 1)
			}
		}

		// Another lesson: the first session's 600 ms are written.
		c.Add(5 * time.Second)
		b, err := st.StartPlayback(ctx, learnerP, next.Lessons[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		check("taken over", 2)
		if ms, _ := ledgerStall(t, gdb); ms != excluded {
			t.Fatalf("after the takeover the ledger holds %d ms of stall, want all %d", ms, excluded)
		}
		send(b, 1, 0, true)
		c.Add(15*time.Second + 400*time.Millisecond)
		send(b, 2, 15*time.Second, true)
		check("second session", 2)
		// The old session, superseded, buffers nothing.
		c.Add(15*time.Second + 400*time.Millisecond)
		send(a, 21, 300*time.Second, true)
		check("superseded", 2)

		// A pause writes the buffer with the pause.
		c.Add(15 * time.Second)
		res := send(b, 3, 30*time.Second-200*time.Millisecond, false)
		if len(res.Excluded) == 0 {
			t.Fatalf("pause: %+v", res)
		}
		check("paused", 3)
		if ms, _ := ledgerStall(t, gdb); ms != excluded {
			t.Fatalf("after the pause the ledger holds %d ms of stall, want all %d", ms, excluded)
		}
		if got := summaryOf(t, st, ReasonPaused); got == 0 {
			t.Fatal("the pause is not in the summary")
		}
	})
}

// TestCoverageFollowsTheActiveSession: the lesson's credited time on the
// course list and the course page is the active session's after every
// heartbeat, although lesson_progress is written only every
// SaveCoverageEvery crediting heartbeats, on pause, on completion and
// when another session takes over; a superseded session never writes
// over it, and the next session starts from all of it.
func TestCoverageFollowsTheActiveSession(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		st := newTestStore(t, gdb, c, p)
		crs := publishedTextCourse(t, st, "覆盖", 1800) // 6 minutes
		lesson, _, err := st.LessonFor(ctx, learnerP, crs.Lessons[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := func() Progress {
			t.Helper()
			var pr Progress
			if err := gdb.Where("person_id = ? AND content_key = ?", 42, lesson.ContentKey).Limit(1).Find(&pr).Error; err != nil {
				t.Fatal(err)
			}
			return pr
		}
		shows := func(when string, wantMS int64, completed bool) {
			t.Helper()
			v, err := st.Course(ctx, learnerP, crs.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			list, _, err := st.Courses(ctx, learnerP, CourseFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var listed *CourseView
			for i := range list {
				if list[i].ID == crs.ID {
					listed = &list[i]
				}
			}
			sum, err := st.HoursOf(ctx, learnerP, 42)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case v.Lessons[0].CreditedMS != wantMS || v.Lessons[0].Completed != completed || v.CreditedMS != wantMS:
				t.Fatalf("%s: the course page shows %d ms (completed %v), want %d (%v)", when, v.Lessons[0].CreditedMS, v.Lessons[0].Completed, wantMS, completed)
			case listed == nil || listed.CreditedMS != wantMS || (listed.Completed == 1) != completed:
				t.Fatalf("%s: the course list shows %+v, want %d ms", when, listed, wantMS)
			case sum.OnlineMS != wantMS:
				t.Fatalf("%s: the ledger holds %d ms, the coverage %d", when, sum.OnlineMS, wantMS)
			}
		}
		send := func(start PlaybackStart, seq uint64, pos time.Duration, playing bool) BeatResult {
			t.Helper()
			res, err := beat(t, st, learnerP, start, seq, pos, playing)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		a, err := st.StartPlayback(ctx, learnerP, lesson.ID)
		if err != nil {
			t.Fatal(err)
		}
		send(a, 1, 0, true)
		for i := 1; i <= 5; i++ {
			c.Add(15 * time.Second)
			if res := send(a, uint64(i+1), time.Duration(i)*15*time.Second, true); res.LessonCredited != int64(i)*15_000 {
				t.Fatalf("heartbeat %d: %+v", i+1, res)
			}
			shows("playing", int64(i)*15_000, false)
			want := int64(0) // nothing written before the 4th crediting heartbeat
			if i >= SaveCoverageEvery {
				want = SaveCoverageEvery * 15_000
			}
			if got := stored().CreditedMS; got != want {
				t.Fatalf("after %d crediting heartbeats lesson_progress holds %d ms, want %d", i, got, want)
			}
		}

		// A reload: the new session starts from all 75 s, which are written.
		c.Add(5 * time.Second)
		b, err := st.StartPlayback(ctx, learnerP, lesson.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.CreditedMS != 75_000 || len(b.Covered) != 1 || b.Covered[0] != [2]int64{0, 75_000} {
			t.Fatalf("the new session starts from %d ms %v, want 75000", b.CreditedMS, b.Covered)
		}
		if got := stored(); got.CreditedMS != 75_000 {
			t.Fatalf("after the takeover lesson_progress holds %+v", got)
		}
		shows("taken over", 75_000, false)

		// The superseded session pauses: it writes nothing over the coverage.
		c.Add(10 * time.Second)
		if res := send(a, 7, 90*time.Second, false); !res.Superseded || res.CreditedMS != 0 {
			t.Fatalf("superseded: %+v", res)
		}
		send(b, 1, 75*time.Second, true)
		c.Add(15 * time.Second)
		send(b, 2, 90*time.Second, true)
		shows("second session", 90_000, false)
		if got := stored().CreditedMS; got != 75_000 {
			t.Fatalf("lesson_progress holds %d ms, want the 75000 written at the takeover", got)
		}

		// A pause writes the coverage.
		c.Add(15 * time.Second)
		send(b, 3, 90*time.Second, false)
		if got := stored().CreditedMS; got != 90_000 {
			t.Fatalf("after the pause lesson_progress holds %d ms, want 90000", got)
		}
		shows("paused", 90_000, false)

		// Playing to the end: complete, and written as such.
		pos, seq := 90*time.Second, uint64(3)
		for pos < 360*time.Second {
			c.Add(15 * time.Second)
			pos += 15 * time.Second
			seq++
			send(b, seq, pos, true)
		}
		shows("completed", 360_000, true)
		if got := stored(); got.CreditedMS != 360_000 || !got.Completed {
			t.Fatalf("at the end lesson_progress holds %+v", got)
		}
	})
}

// TestTakeoverDuringHeartbeats: new sessions start while the learner's
// previous ones keep sending heartbeats (short stalls, small credits). The
// takeover writes what the previous session held back while that
// session's heartbeats wait for the person's row (on MySQL both lock the
// state row first, so they do not deadlock); nothing is written twice or
// lost: the summary's stall time is what the accepted heartbeats
// reported, and the ledger's credited time is the lesson's coverage.
func TestTakeoverDuringHeartbeats(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		p.MinHeartbeat = 0
		st := newTestStore(t, gdb, c, p)
		crs := publishedTextCourse(t, st, "接管", 30000)
		lesson := crs.Lessons[0].ID
		deadlocks := func() int64 {
			var name string
			var n int64
			if gdb.Dialector.Name() == "mysql" {
				gdb.Raw("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").Row().Scan(&name, &n)
			}
			return n
		}
		d0 := deadlocks()

		var mu sync.Mutex
		cur, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		var stall int64 // reported by accepted heartbeats
		var wg sync.WaitGroup
		stop := time.Now().Add(2 * time.Second)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				s, err := st.StartPlayback(ctx, learnerP, lesson)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				cur = s
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
		go func() {
			defer wg.Done()
			seqs := map[string]uint64{}
			pos := time.Duration(0)
			for time.Now().Before(stop) {
				mu.Lock()
				s := cur
				mu.Unlock()
				seqs[s.ID]++
				c.Add(150 * time.Millisecond)
				pos += 100 * time.Millisecond
				res, err := beat(t, st, learnerP, s, seqs[s.ID], pos, true)
				if err != nil && fault.As(err).Code != "heartbeat_refused" {
					t.Error(err)
					return
				}
				for _, e := range res.Excluded {
					if e.Reason == ReasonStall {
						stall += e.WallMS
					}
				}
			}
		}()
		wg.Wait()
		if t.Failed() {
			return
		}
		if got := summaryOf(t, st, ReasonStall); got != stall || stall == 0 {
			t.Fatalf("the summary shows %d ms of stall, the heartbeats reported %d", got, stall)
		}
		last, err := st.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		if ms, _ := ledgerStall(t, gdb); ms != stall {
			t.Fatalf("the ledger holds %d ms of stall, the heartbeats reported %d", ms, stall)
		}
		sum, err := st.HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OnlineMS != last.CreditedMS || sum.OnlineMS == 0 {
			t.Fatalf("the ledger credits %d ms, the lesson's coverage is %d", sum.OnlineMS, last.CreditedMS)
		}
		t.Logf("%d ms credited, %d ms of stall; InnoDB deadlocks meanwhile (any client): %d", sum.OnlineMS, stall, deadlocks()-d0)
	})
}
