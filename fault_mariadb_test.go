package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"anpei/db"
	"anpei/exam"
	"anpei/internal/testmysqld"
)

// The bounds the MariaDB restart test asserts.
const (
	mdbAnswerers   = 24
	mdbBeaters     = 8
	mdbImportRows  = 40
	mdbRequestMax  = 10 * time.Second // no request of the load may take longer
	mdbNotReadyMax = 3 * time.Second  // /readyz says 503 this soon after the database died
	mdbReadyMax    = 5 * time.Second  // and 200 this soon after it answers again
	mdbOutage      = 2 * time.Second
)

// TestFaultMariaDBRestart runs the binary on a private MariaDB (never the
// shared test server) and, while 24 candidates save exam answers and read
// /api/v1/me and sign in again, 8 learners send heartbeats and an
// enterprise admin imports rosters, kills the database twice (SIGKILL,
// then SIGTERM) and starts it again on the same data directory and port.
// It asserts that /readyz turns 503 within 3 s of the database dying and
// 200 within 5 s of it answering again, that every request of the load
// got an answer within 10 s (503 while the database was away, never 500;
// success after), and afterwards that every acknowledged answer holds its last
// acknowledged value (or a later unanswered one), that the ledger holds
// every acknowledged heartbeat's credit and nothing credited twice, that
// every import is whole or absent, and that the audit chain verifies.
func TestFaultMariaDBRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	my := testmysqld.Start(t)
	bin := faultBuild(t)
	began := time.Now()
	data := t.TempDir()
	dsn := "mysql:" + my.CreateDatabase("anpei")
	examID, cands := seedCrashExam(t, data, dsn)
	seed := seedFaultExtras(t, data, dsn)
	t.Logf("private MariaDB on port %d; seeded in %v", my.Port, time.Since(began).Round(time.Millisecond))

	srv := startCrashServer(t, bin, data, dsn)
	defer srv.stop(t)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: mdbRequestMax + 5*time.Second}
	rec := &faultRecorder{}

	answerers := cands[:mdbAnswerers]
	beatCands := cands[mdbAnswerers : mdbAnswerers+mdbBeaters]
	users := append(append([]*crashCandidate{seed.admin}, answerers...), beatCands...)
	crashEach(t, users, 8, func(c *crashCandidate) error { return crashLogin(hc, srv.base, c) })
	crashEach(t, answerers, 8, func(c *crashCandidate) error {
		var out exam.AttemptOut
		if _, err := crashDo(hc, srv.base, c, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), "", 200, &out); err != nil {
			return err
		}
		c.attempt, c.items = out.ID, out.Items
		return nil
	})
	beaters := make([]*beater, len(beatCands))
	for i, c := range beatCands {
		beaters[i] = &beater{c: c}
		if err := beaters[i].startPlayback(hc, rec, srv.base, seed.lessonID); err != nil {
			t.Fatal(err)
		}
	}
	im := &importer{c: seed.admin, rows: mdbImportRows, books: map[int][]byte{}}
	for b := range 200 {
		im.books[b] = faultRosterBook(t, b, mdbImportRows)
	}

	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		badMu     sync.Mutex
		bad       []string
		recovered atomic.Int64 // unix nanos when the database last answered again
		ackAfter  = map[string]*atomic.Int64{"answer": {}, "heartbeat": {}, "import": {}, "me": {}, "login": {}}
	)
	fail := func(format string, args ...any) {
		badMu.Lock()
		bad = append(bad, fmt.Sprintf(format, args...))
		badMu.Unlock()
	}
	acked := func(what string) {
		if r := recovered.Load(); r > 0 && time.Now().UnixNano() > r {
			ackAfter[what].Add(1)
		}
	}
	pause := func(status int) {
		if status != 200 {
			time.Sleep(50 * time.Millisecond) // do not spin while the database is away
		}
	}
	// Answerers: save answers, now and then read /me and sign in again.
	unsure := make([]map[int][]string, len(answerers))
	for i, c := range answerers {
		unsure[i] = map[int][]string{}
		c.acked = map[int]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 9))
			lastLogin := time.Now()
			for n := 0; !stop.Load(); n++ {
				switch {
				case time.Since(lastLogin) > 2*time.Second: // within the per-address login throttle (10, then one per 6 s)
					lastLogin = time.Now()
					body := fmt.Sprintf(`{"username":%q,"password":%q}`, c.username, crashPassword)
					status, raw := faultSend(hc, rec, srv.base, &crashCandidate{ip: c.ip}, "login", "POST", "/api/v1/login", "application/json", []byte(body))
					if status == 200 {
						acked("login")
					} else if status != 500 && status != 503 {
						fail("%s: login = %d %.200s", c.username, status, raw)
					}
					pause(status)
				case n%5 == 4:
					status, raw := faultSend(hc, rec, srv.base, c, "me", "GET", "/api/v1/me", "", nil)
					if status == 200 {
						acked("me")
					} else if status != 500 && status != 503 {
						fail("%s: GET /me = %d %.200s", c.username, status, raw)
					}
					pause(status)
				default:
					it := c.items[rnd.IntN(len(c.items))]
					letters := crashChoice(rnd, it)
					choice := strings.Join(letters, ",")
					body, _ := json.Marshal(map[string][]string{"choice": letters})
					status, raw := faultSend(hc, rec, srv.base, c, "answer", "PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", c.attempt, it.No), "application/json", body)
					switch {
					case status == 200:
						var saved exam.Saved
						if err := json.Unmarshal(raw, &saved); err != nil || strings.Join(saved.Choice, ",") != choice {
							fail("%s: item %d saved as %.200s, sent %q", c.username, it.No, raw, choice)
						}
						c.acked[it.No] = choice
						delete(unsure[i], it.No)
						c.saves++
						acked("answer")
					case status == 0 || status >= 500:
						unsure[i][it.No] = append(unsure[i][it.No], choice)
					default:
						fail("%s: PUT item %d = %d %.200s", c.username, it.No, status, raw)
					}
					pause(status)
				}
			}
		}()
	}
	for _, b := range beaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				time.Sleep(300 * time.Millisecond)
				status, err := b.beat(hc, rec, srv.base)
				if err != nil {
					fail("%s: %v", b.c.username, err)
				}
				if status == 200 {
					acked("heartbeat")
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
			}
			if status == 200 {
				acked("import")
			}
			pause(status)
		}
	}()

	// The fault: twice, the database dies and comes back.
	probe := &http.Client{Timeout: 5 * time.Second}
	readyz := func() int {
		res, err := probe.Get(srv.base + "/readyz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitReadyz := func(want int, max time.Duration) (time.Duration, error) {
		start := time.Now()
		for {
			if readyz() == want {
				return time.Since(start), nil
			}
			if time.Since(start) > max {
				return time.Since(start), fmt.Errorf("/readyz not %d after %v", want, max)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if got := readyz(); got != 200 {
		t.Fatalf("/readyz = %d before the fault", got)
	}
	var report []string
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		my.Kill(sig)
		killed := time.Now()
		notReady, err := waitReadyz(503, mdbNotReadyMax)
		if err != nil {
			t.Errorf("after %v of mariadbd: %v", sig, err)
		}
		time.Sleep(mdbOutage)
		my.Start()
		back, err := my.WaitReady(60 * time.Second)
		if err != nil {
			t.Fatalf("mariadbd did not come back after %v: %v", sig, err)
		}
		recovered.Store(back.UnixNano())
		_, err = waitReadyz(200, mdbReadyMax)
		ready := time.Since(back)
		if err != nil || ready > mdbReadyMax {
			t.Errorf("after mariadbd came back from %v: /readyz 200 only %v after it answered (%v)", sig, ready, err)
		}
		report = append(report, fmt.Sprintf("%v: /readyz 503 %v after mariadbd was gone; database down %v; /readyz 200 %v after it answered again",
			sig, notReady.Round(time.Millisecond), back.Sub(killed).Round(time.Millisecond), ready.Round(time.Millisecond)))
		time.Sleep(2 * time.Second) // load on the recovered database
	}
	stop.Store(true)
	wg.Wait()
	for _, r := range report {
		t.Log(r)
	}
	if len(bad) > 0 {
		t.Errorf("%d unexpected answers under load, e.g.:\n%s", len(bad), strings.Join(bad[:min(len(bad), 10)], "\n"))
	}
	byStatus, slowest := rec.summary()
	t.Logf("load: %d requests (%s); slowest %v (%s)", len(rec.calls), statusLine(byStatus), slowest[0].took.Round(time.Millisecond), slowest[0].what)
	// The outage is answered as one (503 db_unavailable, Retry-After), never
	// as a bug (500).
	if byStatus[500] > 0 || byStatus[503] == 0 {
		t.Errorf("answers while the database was away: %s; want 503 for every failure, none 500", statusLine(byStatus))
	}
	for _, c := range slowest {
		if c.took > mdbRequestMax {
			t.Errorf("%s took %v (status %d %s): longer than %v", c.what, c.took.Round(time.Millisecond), c.status, c.err, mdbRequestMax)
		}
	}
	if byStatus[0] > 0 {
		for _, c := range rec.calls {
			if c.status == 0 {
				t.Errorf("%s got no answer after %v: %s", c.what, c.took.Round(time.Millisecond), c.err)
				break
			}
		}
	}
	for what, n := range ackAfter {
		if n.Load() == 0 {
			t.Errorf("no %s acknowledged after the database came back the last time", what)
		}
	}

	// Every acknowledged answer, read back through the API.
	var verified atomic.Int64
	crashEach(t, answerers, 8, func(c *crashCandidate) error {
		i := 0
		for j, x := range answerers {
			if x == c {
				i = j
			}
		}
		var out exam.AttemptOut
		if _, err := crashDo(hc, srv.base, c, "GET", fmt.Sprintf("/api/v1/attempts/%d", c.attempt), "", 200, &out); err != nil {
			return err
		}
		var problems []string
		for _, it := range c.items {
			got := strings.Join(out.Answers[it.No], ",")
			want, ok := c.acked[it.No]
			switch {
			case got == want:
				if ok {
					verified.Add(1)
				}
			case contains(unsure[i][it.No], got):
			default:
				problems = append(problems, fmt.Sprintf("item %d is %q, last acknowledged %q, unanswered since %q", it.No, got, want, unsure[i][it.No]))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("attempt %d: %s", c.attempt, strings.Join(problems, "; "))
		}
		return nil
	})
	srv.stop(t)

	gdb, _, err := db.Open(context.Background(), dsn, data, faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	var answerRows int64
	if err := gdb.Table("exam_answers").Where("attempt_id IN ?", attemptIDs(answerers)).Count(&answerRows).Error; err != nil {
		t.Fatal(err)
	}
	if want := int64(len(answerers) * crashItems); answerRows != want {
		t.Errorf("%d exam_answers rows for %d attempts of %d items", answerRows, len(answerers), crashItems)
	}
	total, unacked := checkCredits(t, gdb, beaters, personIDs(t, gdb), seed.lessonID)
	whole, absent := checkImports(t, gdb, im)
	entries := checkAudit(t, gdb)
	t.Logf("afterwards: %d acknowledged answers checked against their last acknowledged value; ledger %d ms (%d ms of it from unanswered heartbeats); imports of %d people: %d whole (%d acknowledged), %d absent; audit chain of %d entries checked; %v in all",
		verified.Load(), total, unacked, mdbImportRows, whole, len(im.acked), absent, entries, time.Since(began).Round(time.Millisecond))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func attemptIDs(cs []*crashCandidate) []uint {
	ids := make([]uint, len(cs))
	for i, c := range cs {
		ids[i] = c.attempt
	}
	return ids
}
