package course

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
)

// TestHeartbeatsInBatches: forty learners heartbeating together through
// one server are written in fewer transactions than heartbeats, and each
// is credited exactly the wall-clock time they played, in the ledger and
// in their lesson's coverage.
func TestHeartbeatsInBatches(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		p.MinHeartbeat = 0
		st := newTestStore(t, gdb, c, p)
		lesson := publishedTextCourse(t, st, "批量", 30000).Lessons[0].ID
		const n, beats = 40, 12
		learners := make([]account.Principal, n)
		starts := make([]PlaybackStart, n)
		for i := range learners {
			learners[i] = account.Principal{UserID: uint(100 + i), Role: account.RoleLearner, PersonID: uint(42 + i), EnterpriseID: 3}
			s, err := st.StartPlayback(ctx, learners[i], lesson)
			if err != nil {
				t.Fatal(err)
			}
			starts[i] = s
		}
		// Every learner beats once per round, all at once; the clock moves
		// 10 s between rounds.
		for round := range beats {
			var wg sync.WaitGroup
			for i := range learners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := beat(t, st, learners[i], starts[i], uint64(round+1), time.Duration(round)*10*time.Second, true); err != nil {
						t.Errorf("learner %d, heartbeat %d: %v", i, round+1, err)
					}
				}()
			}
			wg.Wait()
			c.Add(10 * time.Second)
		}
		if t.Failed() {
			return
		}
		commits, written, fell := st.batch.commits.Load(), st.batch.written.Load(), st.batch.fellBack.Load()
		t.Logf("%d heartbeats written in %d transactions, %d the long way", written, commits, fell)
		if written+fell != n*beats || fell != 0 || commits >= written {
			t.Fatalf("%d heartbeats written in %d transactions, %d the long way; want all %d in fewer transactions", written, commits, fell, n*beats)
		}
		want := int64((beats - 1) * 10_000) // the first heartbeat anchors the clock
		for i, l := range learners {
			sum, err := st.HoursOf(ctx, l, l.PersonID)
			if err != nil {
				t.Fatal(err)
			}
			again, err := st.StartPlayback(ctx, l, lesson)
			if err != nil {
				t.Fatal(err)
			}
			if sum.OnlineMS != want || again.CreditedMS != want {
				t.Fatalf("learner %d: ledger %d ms, coverage %d ms; want %d", i, sum.OnlineMS, again.CreditedMS, want)
			}
		}
	})
}

// TestHeartbeatsAcrossServers: a learner's heartbeats reach two servers in
// turn (two stores on one database), so each server's cached session is
// always one write behind: every heartbeat is still accepted once and
// credited once. A session started through the second server supersedes
// the one the first server holds: its next heartbeat there credits
// nothing.
func TestHeartbeatsAcrossServers(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		nodes := []*Store{newTestStore(t, gdb, c, p), newTestStore(t, gdb, c, p)}
		lesson := publishedTextCourse(t, nodes[0], "两台服务器", 30000).Lessons[0].ID
		start, err := nodes[0].StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		const beats = 9
		for k := range beats {
			res, err := beat(t, nodes[k%2], learnerP, start, uint64(k+1), time.Duration(k)*15*time.Second, true)
			if err != nil || !res.Accepted {
				t.Fatalf("heartbeat %d through server %d: %+v, %v", k+1, k%2, res, err)
			}
			if k > 0 && res.CreditedMS != 15_000 {
				t.Fatalf("heartbeat %d through server %d credited %d ms, want 15000", k+1, k%2, res.CreditedMS)
			}
			c.Add(15 * time.Second)
		}
		// A replay through the other server is refused.
		if _, err := beat(t, nodes[0], learnerP, start, beats, time.Duration(beats-1)*15*time.Second, true); err == nil {
			t.Fatal("a replayed heartbeat was accepted by the other server")
		}
		sum, err := nodes[0].HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OnlineMS != (beats-1)*15_000 {
			t.Fatalf("ledger %d ms, want %d", sum.OnlineMS, (beats-1)*15_000)
		}

		// Server 0 takes a heartbeat, so it holds the session; then the
		// learner opens the lesson again through server 1.
		seq := uint64(beats + 1)
		pos := time.Duration(beats) * 15 * time.Second
		if _, err := beat(t, nodes[0], learnerP, start, seq, pos, true); err != nil {
			t.Fatal(err)
		}
		c.Add(15 * time.Second)
		if _, err := nodes[1].StartPlayback(ctx, learnerP, lesson); err != nil {
			t.Fatal(err)
		}
		res, err := beat(t, nodes[0], learnerP, start, seq+1, pos+15*time.Second, true)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Superseded || res.CreditedMS != 0 {
			t.Fatalf("the superseded session's heartbeat through the server that cached it: %+v; want superseded, nothing credited", res)
		}
		after, err := nodes[0].HoursOf(ctx, learnerP, 42)
		if err != nil {
			t.Fatal(err)
		}
		if after.OnlineMS != sum.OnlineMS+15_000 {
			t.Fatalf("ledger %d ms after the takeover, want %d", after.OnlineMS, sum.OnlineMS+15_000)
		}
		var fell int64
		for _, s := range nodes {
			fell += s.batch.fellBack.Load()
		}
		if fell == 0 {
			t.Fatal("no heartbeat found its server's copy out of date; the test did not test that")
		}
	})
}

// TestSessionRowsOfTheOldFormat: a playback session stored before the
// split of its columns (no setup, the whole session in state), as rows of
// an upgraded database are, keeps crediting through each way a session
// row is written — a batched heartbeat, a heartbeat the long way, a new
// session taking over — and each of those gives the row its setup.
func TestSessionRowsOfTheOldFormat(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)}
		p := DefaultPolicy()
		p.ChallengeEvery = Range{Min: time.Hour, Max: time.Hour}
		a, b := newTestStore(t, gdb, c, p), newTestStore(t, gdb, c, p)
		lesson := publishedTextCourse(t, a, "旧格式", 30000).Lessons[0].ID
		start, err := a.StartPlayback(ctx, learnerP, lesson)
		if err != nil {
			t.Fatal(err)
		}
		toOld := func() {
			t.Helper()
			var row Playback
			if err := gdb.Where("id = ?", start.ID).First(&row).Error; err != nil {
				t.Fatal(err)
			}
			sess, err := decodeSession(row.ID, row.PersonID, row.LessonID, row.Setup, row.State)
			if err != nil {
				t.Fatal(err)
			}
			whole, _ := json.Marshal(sess)
			if err := gdb.Exec("UPDATE playback_sessions SET setup = '', state = ?, version = version + 1 WHERE id = ?", string(whole), row.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		hasSetup := func(way string) {
			t.Helper()
			var row Playback
			if err := gdb.Where("id = ?", start.ID).First(&row).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := decodeSession(row.ID, row.PersonID, row.LessonID, row.Setup, row.State); err != nil || row.Setup == "" || strings.Contains(row.State, "Nonce") {
				t.Fatalf("after %s: setup %q, state %s, %v", way, row.Setup, row.State, err)
			}
		}
		step := func(st *Store, seq uint64, way string) {
			t.Helper()
			res, err := beat(t, st, learnerP, start, seq, time.Duration(seq-1)*15*time.Second, true)
			if err != nil || !res.Accepted || (seq > 1 && res.CreditedMS != 15_000) {
				t.Fatalf("heartbeat %d (%s): %+v, %v; want 15000 ms credited", seq, way, res, err)
			}
			c.Add(15 * time.Second)
		}
		step(a, 1, "first")
		toOld()
		step(b, 2, "in a batch")
		hasSetup("a heartbeat in a batch")
		toOld()
		fell := a.batch.fellBack.Load()
		step(a, 3, "the long way") // a's copy is two writes old
		if a.batch.fellBack.Load() != fell+1 {
			t.Fatal("the heartbeat did not go the long way; the test did not test that")
		}
		hasSetup("a heartbeat the long way")
		toOld()
		if _, err := b.StartPlayback(ctx, learnerP, lesson); err != nil {
			t.Fatal(err)
		}
		hasSetup("a new session taking over")
		sum, err := a.HoursOf(ctx, learnerP, learnerP.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.OnlineMS != 30_000 {
			t.Fatalf("ledger %d ms, want 30000", sum.OnlineMS)
		}
	})
}
