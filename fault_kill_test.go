package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anpei/course"
	"anpei/db"
	"anpei/db/dbtest"
)

// The size of the SIGKILL test of heartbeats and imports.
const (
	killBeaters    = 120 // learners watching the video at once
	killImportRows = 150 // people per roster import
	killLoad       = 2500 * time.Millisecond
)

// TestFaultSIGKILLHeartbeatsImports extends TestExamSurvivesSIGKILL to
// training time and roster imports: the binary is killed with SIGKILL
// while 120 learners send heartbeats as fast as the rules allow and an
// enterprise admin imports 150-person rosters one after another; it is
// restarted on the same data. Every millisecond of credit acknowledged
// (credited_ms of a 200) is in the ledger, the ledger holds no more than
// the unanswered heartbeats could have added, no second of the video is
// credited twice, re-sending the heartbeat that was in flight is either
// refused as a replay (it was committed) or credited now (it was not), an
// acknowledged import is wholly there and the one in flight wholly there
// or wholly absent, and the audit chain verifies.
func TestFaultSIGKILLHeartbeatsImports(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := faultBuild(t)
	t.Run("sqlite", func(t *testing.T) { killHeartbeatsImports(t, bin, "") })
	t.Run("mysql", func(t *testing.T) { killHeartbeatsImports(t, bin, "mysql:"+dbtest.NewMySQLDatabase(t)) })
}

func killHeartbeatsImports(t *testing.T, bin, dsn string) {
	began := time.Now()
	data := t.TempDir()
	_, cands := seedCrashExam(t, data, dsn)
	seed := seedFaultExtras(t, data, dsn)
	im := &importer{c: seed.admin, rows: killImportRows, books: map[int][]byte{}}
	for b := range 40 {
		im.books[b] = faultRosterBook(t, b, killImportRows)
	}
	t.Logf("seeded in %v", time.Since(began).Round(time.Millisecond))

	srv := startCrashServer(t, bin, data, dsn)
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * killBeaters, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	rec := &faultRecorder{}

	beaters := make([]*beater, killBeaters)
	users := append([]*crashCandidate{seed.admin}, cands[:killBeaters]...)
	crashEach(t, users, 8, func(c *crashCandidate) error { return crashLogin(hc, srv.base, c) })
	for i := range beaters {
		beaters[i] = &beater{c: cands[i]}
	}
	crashEach(t, cands[:killBeaters], 8, func(c *crashCandidate) error {
		for _, b := range beaters {
			if b.c == c {
				return b.startPlayback(hc, rec, srv.base, seed.lessonID)
			}
		}
		return nil
	})

	var (
		stop  atomic.Bool
		wg    sync.WaitGroup
		badMu sync.Mutex
		bad   []string
	)
	fail := func(format string, args ...any) {
		badMu.Lock()
		bad = append(bad, fmt.Sprintf(format, args...))
		badMu.Unlock()
	}
	for _, b := range beaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				time.Sleep(250 * time.Millisecond) // MinHeartbeat is 200 ms
				status, err := b.beat(hc, rec, srv.base)
				if err != nil {
					fail("%s: %v", b.c.username, err)
					return
				}
				if status != 200 {
					return // the server died
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() && im.next < len(im.books) {
			status, err := im.importOne(t, hc, rec, srv.base)
			if err != nil {
				fail("%v", err)
				return
			}
			if status != 200 {
				return
			}
		}
	}()
	loadStart := time.Now()
	time.Sleep(killLoad)
	// Kill while an import is running, once two have been acknowledged.
	for deadline := time.Now().Add(30 * time.Second); ; {
		badMu.Lock()
		n := len(bad)
		badMu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		if importsAcked(rec) >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Duration(time.Now().UnixNano()%150) * time.Millisecond) // somewhere inside the next import
	killedAt := time.Now()
	srv.kill(t)
	stop.Store(true)
	loadFor := time.Since(loadStart)
	wg.Wait()
	tr.CloseIdleConnections()
	if len(bad) > 0 {
		t.Fatalf("%d refused or garbled requests under load (before the kill), e.g.:\n%s", len(bad), strings.Join(bad[:min(len(bad), 10)], "\n"))
	}
	var beats, credited int64
	inflight := 0
	for _, b := range beaters {
		beats += int64(b.accepted)
		credited += b.credited
		for _, f := range b.inflight {
			if f.at.Before(killedAt) {
				inflight++ // sent before the process was gone (later ones were refused a connection)
			}
		}
	}
	t.Logf("load for %v: %d heartbeats acknowledged crediting %d ms, %d heartbeats in flight at the kill; %d imports of %d people acknowledged, %d in flight",
		loadFor.Round(time.Millisecond), beats, credited, inflight, len(im.acked), killImportRows, len(im.uncertain))
	if beats < killBeaters || len(im.acked) < 1 || credited == 0 {
		t.Fatalf("too little acknowledged before the kill (%d heartbeats, %d imports): the test proves nothing", beats, len(im.acked))
	}

	// Restart: re-send the heartbeat that was in flight (refused as a
	// replay if it was committed, credited now if not), and replay the
	// last acknowledged one (always refused: no second credit).
	srv = startCrashServer(t, bin, data, dsn)
	defer srv.stop(t)
	unanswered := 0
	for _, b := range beaters {
		unanswered += len(b.inflight)
	}
	var committed, resent atomic.Int64
	crashEach(t, cands[:killBeaters], 8, func(c *crashCandidate) error {
		var b *beater
		for _, x := range beaters {
			if x.c == c {
				b = x
			}
		}
		if b.lastAck > 0 {
			raw, err := crashDo(hc, srv.base, c, "POST", "/api/v1/playback/"+b.session+"/heartbeat", string(b.body(b.lastAck, b.ackPos)), 409, nil)
			if err != nil {
				return fmt.Errorf("replaying acknowledged heartbeat %d: %v %.200s", b.lastAck, err, raw)
			}
		}
		for _, f := range b.inflight {
			req, _ := http.NewRequest("POST", srv.base+"/api/v1/playback/"+b.session+"/heartbeat", strings.NewReader(string(b.body(f.seq, f.pos))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Cookie", c.cookie)
			req.Header.Set("X-CSRF-Token", c.csrf)
			res, err := hc.Do(req)
			if err != nil {
				return err
			}
			var out course.BeatResult
			json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			switch {
			case res.StatusCode == 409:
				committed.Add(1) // it was committed before the kill: not credited again
			case res.StatusCode == 200 && out.Accepted:
				b.credited += out.CreditedMS // it was lost: credited now, once
				b.accepted++
				resent.Add(1)
			default:
				return fmt.Errorf("re-sent heartbeat %d = %d", f.seq, res.StatusCode)
			}
		}
		return nil
	})
	srv.stop(t)

	gdb, _, err := db.Open(context.Background(), dsn, data, faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	total, unacked := checkCredits(t, gdb, beaters, personIDs(t, gdb), seed.lessonID)
	whole, absent := checkImports(t, gdb, im)
	entries := checkAudit(t, gdb)
	t.Logf("after restart: ledger %d ms = %d ms acknowledged + %d ms from heartbeats committed but unanswered at the kill; of %d unanswered heartbeats (%d sent before the kill, the rest refused a connection) %d had been committed (re-send refused as a replay) and %d had not (credited on re-send); imports: %d acknowledged, %d in flight; %d whole and %d absent in the database; audit chain of %d entries checked; %v in all",
		total, total-unacked, unacked, unanswered, inflight, committed.Load(), resent.Load(), len(im.acked), len(im.uncertain), whole, absent, entries, time.Since(began).Round(time.Millisecond))
}

// importsAcked counts acknowledged imports in the recorder.
func importsAcked(rec *faultRecorder) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, c := range rec.calls {
		if c.what == "import" && c.status == 200 {
			n++
		}
	}
	return n
}
