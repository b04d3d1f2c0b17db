package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"anpei/account"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/exam"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// The crash test's size: candidates answering at once, items on each
// paper, how long they answer before the kill.
const (
	crashCandidates = 200
	crashItems      = 50
	crashLoad       = 1500 * time.Millisecond
	crashPassword   = "anpei-crash-1"
)

// TestExamSurvivesSIGKILL is the reliability issue's test: the server is
// killed (SIGKILL, no shutdown) while 200 candidates are answering as fast
// as they can, and restarted on the same data. Every acknowledged answer
// (200 OK to its PUT) must be there with its last acknowledged value, every
// deadline exactly as the start answered it, every attempt still open, and
// a start again resumes the same attempt. An answer sent but not answered
// when the process died may or may not be there; nothing else may be.
//
// The database is seeded through the stores before the binary starts (one
// enterprise, 200 people with learner accounts, a bank of 80 questions, one
// exam of 50 items lasting 600 minutes); the candidates sign in through
// the binary's login API, each from its own address (X-Forwarded-For from
// a trusted 127.0.0.1, so the per-IP login throttle does not serialize the
// 200 sign-ins), start their attempt and answer through the JSON API.
func TestExamSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "anpei")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { examSurvivesKill(t, bin, "") })
	t.Run("mysql", func(t *testing.T) { examSurvivesKill(t, bin, "mysql:"+dbtest.NewMySQLDatabase(t)) })
}

// crashCandidate is one candidate: their session, attempt and what the
// server acknowledged.
type crashCandidate struct {
	username, ip string
	cookie, csrf string
	attempt      uint
	deadline     time.Time
	deadlineRaw  string
	items        []exam.PublicItem

	// Written by the candidate's own goroutine only, read after it ended.
	acked    map[int]string // item → last acknowledged choice ("A,C"; "" cleared)
	saves    int            // acknowledged saves
	inflight *crashSave     // sent, not (fully) answered when it stopped
}

type crashSave struct {
	no     int
	choice string
}

func examSurvivesKill(t *testing.T, bin, dsn string) {
	began := time.Now()
	data := t.TempDir()
	examID, cands := seedCrashExam(t, data, dsn)
	t.Logf("seeded %d candidates and an exam of %d items in %v", len(cands), crashItems, time.Since(began).Round(time.Millisecond))

	srv := startCrashServer(t, bin, data, dsn)
	tr := &http.Transport{MaxIdleConns: 2 * crashCandidates, MaxIdleConnsPerHost: 2 * crashCandidates, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// Sign in through the binary and start the attempts.
	crashEach(t, cands, 16, func(c *crashCandidate) error { return crashLogin(hc, srv.base, c) })
	crashEach(t, cands, 32, func(c *crashCandidate) error {
		var out exam.AttemptOut
		raw, err := crashDo(hc, srv.base, c, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), "", 200, &out)
		if err != nil {
			return err
		}
		if out.ID == 0 || out.Finished || len(out.Items) != crashItems || out.RemainingMS <= 0 {
			return fmt.Errorf("start: attempt %d, finished %v, %d items, %d ms left", out.ID, out.Finished, len(out.Items), out.RemainingMS)
		}
		c.attempt, c.deadline, c.items = out.ID, out.Deadline, out.Items
		c.deadlineRaw = rawField(raw, "deadline")
		return nil
	})
	t.Logf("%d candidates signed in and started (%v since the start)", len(cands), time.Since(began).Round(time.Millisecond))

	// Load: every candidate answers as fast as it can, one save at a
	// time, changing answers and clearing some, until the process dies.
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		acks    atomic.Int64
		badMu   sync.Mutex
		bad     []string
		started = make(chan struct{})
	)
	for i, c := range cands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 2026))
			c.acked = map[int]string{}
			<-started
			for !stop.Load() {
				it := c.items[rnd.IntN(len(c.items))]
				choice := crashChoice(rnd, it)
				c.inflight = &crashSave{no: it.No, choice: strings.Join(choice, ",")}
				body, _ := json.Marshal(map[string][]string{"choice": choice})
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/attempts/%d/answers/%d", srv.base, c.attempt, it.No), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Cookie", c.cookie)
				req.Header.Set("X-CSRF-Token", c.csrf)
				res, err := hc.Do(req)
				if err != nil {
					return // the server died: this save's fate is unknown
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					return // died mid-answer: not acknowledged
				}
				if res.StatusCode != 200 {
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("%s: PUT item %d %v = %d %.200s", c.username, it.No, choice, res.StatusCode, b))
					badMu.Unlock()
					return
				}
				var saved exam.Saved
				if err := json.Unmarshal(b, &saved); err != nil || saved.No != it.No {
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("%s: PUT item %d answered %q (%v)", c.username, it.No, b, err))
					badMu.Unlock()
					return
				}
				got := strings.Join(saved.Choice, ",")
				if got != c.inflight.choice {
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("%s: item %d saved as %q, sent %q", c.username, it.No, got, c.inflight.choice))
					badMu.Unlock()
				}
				c.acked[it.No] = got
				c.saves++
				c.inflight = nil
				acks.Add(1)
			}
		}()
	}
	loadStart := time.Now()
	close(started)
	time.Sleep(crashLoad)
	before := acks.Load()
	srv.kill(t) // SIGKILL: no graceful shutdown, no deferred work
	stop.Store(true)
	loadFor := time.Since(loadStart)
	wg.Wait()
	tr.CloseIdleConnections()
	if len(bad) > 0 {
		t.Fatalf("%d saves refused or garbled under load (before the kill), e.g.:\n%s", len(bad), strings.Join(bad[:min(len(bad), 10)], "\n"))
	}
	total, inflight, answered := 0, 0, 0
	for _, c := range cands {
		total += c.saves
		answered += len(c.acked)
		if c.inflight != nil {
			inflight++
		}
	}
	t.Logf("load: %d acknowledged saves in %v (%.0f/s; %d acknowledged before the kill signal), %d distinct items answered, %d saves in flight when the process died",
		total, loadFor.Round(time.Millisecond), float64(total)/loadFor.Seconds(), before, answered, inflight)
	if total < crashCandidates {
		t.Fatalf("only %d saves acknowledged before the kill: the test proves nothing", total)
	}

	// Restart on the same data and check every candidate's attempt.
	srv = startCrashServer(t, bin, data, dsn)
	defer srv.stop(t)
	var verified, landed, lost atomic.Int64
	crashEach(t, cands, 16, func(c *crashCandidate) error {
		var out exam.AttemptOut
		raw, err := crashDo(hc, srv.base, c, "GET", fmt.Sprintf("/api/v1/attempts/%d", c.attempt), "", 200, &out)
		if err != nil {
			return err
		}
		if out.ID != c.attempt || out.Finished || out.Score != nil || out.RemainingMS <= 0 {
			return fmt.Errorf("attempt %d after restart: id %d, finished %v, score %v, %d ms left", c.attempt, out.ID, out.Finished, out.Score, out.RemainingMS)
		}
		if !out.Deadline.Equal(c.deadline) || rawField(raw, "deadline") != c.deadlineRaw {
			return fmt.Errorf("attempt %d: deadline %s after restart, %s at the start", c.attempt, rawField(raw, "deadline"), c.deadlineRaw)
		}
		var problems []string
		for _, it := range c.items {
			got := strings.Join(out.Answers[it.No], ",")
			want, acked := c.acked[it.No] // "" when never acknowledged
			pending := c.inflight != nil && c.inflight.no == it.No
			switch {
			case got == want:
				if acked {
					verified.Add(1)
				}
				if pending && c.inflight.choice != want {
					lost.Add(1) // the unanswered last save was not committed
				}
			case pending && got == c.inflight.choice:
				landed.Add(1) // the unanswered last save was committed
			case acked:
				problems = append(problems, fmt.Sprintf("item %d is %q, last acknowledged %q", it.No, got, want))
			default:
				problems = append(problems, fmt.Sprintf("item %d is %q but no save of it was acknowledged", it.No, got))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("attempt %d (%d acknowledged saves, in flight %+v): %s", c.attempt, c.saves, c.inflight, strings.Join(problems, "; "))
		}
		// Starting again resumes the same attempt with the same answers.
		var again exam.AttemptOut
		raw, err = crashDo(hc, srv.base, c, "POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), "", 200, &again)
		if err != nil {
			return err
		}
		if again.ID != c.attempt || again.Finished || !again.Deadline.Equal(c.deadline) || rawField(raw, "deadline") != c.deadlineRaw || len(again.Items) != crashItems {
			return fmt.Errorf("resumed start: attempt %d deadline %s, want attempt %d deadline %s", again.ID, rawField(raw, "deadline"), c.attempt, c.deadlineRaw)
		}
		for _, it := range c.items {
			if strings.Join(again.Answers[it.No], ",") != strings.Join(out.Answers[it.No], ",") {
				return fmt.Errorf("resumed start of attempt %d: item %d is %v, the attempt says %v", c.attempt, it.No, again.Answers[it.No], out.Answers[it.No])
			}
		}
		return nil
	})
	srv.stop(t)

	// The database agrees: one attempt per candidate, all open, the
	// deadlines as started.
	gdb, _, err := db.Open(context.Background(), dsn, data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	var rows []exam.AttemptRow
	if err := gdb.Select("id", "person_id", "deadline", "finished_at").Where("exam_id = ?", examID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	want := map[uint]time.Time{}
	for _, c := range cands {
		want[c.attempt] = c.deadline
	}
	if len(rows) != len(cands) {
		t.Errorf("%d attempts in the database, want %d", len(rows), len(cands))
	}
	for _, r := range rows {
		if d, ok := want[r.ID]; !ok || !r.Deadline.Equal(d) || r.FinishedAt != nil {
			t.Errorf("attempt row %d: deadline %v (want %v), finished %v", r.ID, r.Deadline, d, r.FinishedAt)
		}
	}
	t.Logf("after restart: %d acknowledged answers verified (last acknowledged value) across %d attempts, deadlines unchanged, all open and resumable; of the %d saves in flight, %d were committed and %d not (either is allowed); %v in all",
		verified.Load(), len(cands), inflight, landed.Load(), lost.Load(), time.Since(began).Round(time.Millisecond))
}

// crashChoice is a random answer to it: one letter (a few letters for a
// multiple-choice item), and one time in twenty a cleared answer.
func crashChoice(rnd *rand.Rand, it exam.PublicItem) []string {
	if rnd.IntN(20) == 0 {
		return []string{}
	}
	letters := exam.Letters[:len(it.Options)]
	if it.Type != exam.Multiple {
		return []string{letters[rnd.IntN(len(letters))]}
	}
	var out []string
	for _, l := range letters {
		if rnd.IntN(2) == 0 {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		out = append(out, letters[rnd.IntN(len(letters))])
	}
	return out
}

// rawField returns the JSON text of a top-level field, to compare a
// timestamp exactly as the server wrote it.
func rawField(body []byte, name string) string {
	var m map[string]json.RawMessage
	json.Unmarshal(body, &m)
	return string(m[name])
}

// crashEach runs fn for every candidate on workers goroutines and fails
// the test with the first errors.
func crashEach(t *testing.T, cands []*crashCandidate, workers int, fn func(c *crashCandidate) error) {
	t.Helper()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(cands) {
					return
				}
				if err := fn(cands[i]); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s: %v", cands[i].username, err))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		slices.Sort(errs)
		t.Fatalf("%d of %d candidates failed:\n%s", len(errs), len(cands), strings.Join(errs[:min(len(errs), 10)], "\n"))
	}
}

// crashLogin signs c in through the API from c's own address and keeps
// the session cookie and CSRF token.
func crashLogin(hc *http.Client, base string, c *crashCandidate) error {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, c.username, crashPassword)
	req, _ := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("login = %d %.200s", res.StatusCode, b)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.CSRF == "" {
		return fmt.Errorf("login answered %.200s", b)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "anpei_session" && ck.Value != "" {
			c.cookie, c.csrf = "anpei_session="+ck.Value, out.CSRF
			return nil
		}
	}
	return fmt.Errorf("login set no session cookie")
}

// crashDo sends a request as c and decodes a want answer into out.
func crashDo(hc *http.Client, base string, c *crashCandidate, method, path, body string, want int, out any) ([]byte, error) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Cookie", c.cookie)
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return b, fmt.Errorf("%s %s = %d, want %d: %.300s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return b, fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return b, nil
}

// seedCrashExam prepares the database the binary will open (the SQLite
// file in data, or dsn): one enterprise, crashCandidates people with
// learner accounts (bcrypt.MinCost), a trainer, a bank of 40 single-choice,
// 15 multiple-choice and 25 judge questions, and an exam drawing 25 + 10 +
// 15 of them, lasting 600 minutes. The pool is closed before it returns.
func seedCrashExam(t *testing.T, data, dsn string) (uint, []*crashCandidate) {
	t.Helper()
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, dsn, data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	if err := schema.Migrate(ctx, gdb); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.LoadOrCreate(data) // the key file the binary will load
	if err != nil {
		t.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, time.Now)
	as := account.NewStore(gdb, account.Options{BcryptCost: bcrypt.MinCost, PersonEnterprise: rs.PersonEnterprise})
	es := exam.NewStore(gdb, exam.Options{Candidate: fromroster.Candidate(rs)})

	trainer, err := as.CreateUser(ctx, account.System(), account.NewUser{Username: "crash-trainer", Name: "出题老师", Role: account.RoleTrainer, Password: crashPassword})
	if err != nil {
		t.Fatal(err)
	}
	ent, err := rs.CreateEnterprise(ctx, account.System(), roster.EnterpriseInput{
		Name: "曲靖安培化工有限公司", CreditCode: ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode("MA000001")),
		TownCode: "530302001", IndustryCode: "hazchem", ContactName: "张三", ContactPhone: "13800000000",
	})
	if err != nil {
		t.Fatal(err)
	}
	appointed := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	people := make([]roster.PersonInput, crashCandidates)
	for i := range people {
		birth := time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/499)
		people[i] = roster.PersonInput{DocNumber: ident.MakeResidentID("530302", birth, i%499, i%2 == 0),
			Name: fmt.Sprintf("考生%03d", i), Phone: "13912345678", Education: roster.EduSenior,
			Categories: roster.CategorySpecialOperator, OperationItems: []string{"1.2"}, Position: "电工",
			DutyStatus: roster.DutyOn, AppointedOn: &appointed}
	}
	if res, err := rs.UpsertPeople(ctx, account.System(), ent.ID, people); err != nil || res.Created != crashCandidates {
		t.Fatalf("upsert people: %+v, %v", res, err)
	}
	var ids []uint
	if err := gdb.Model(&roster.Person{}).Where("enterprise_id = ?", ent.ID).Order("id").Pluck("id", &ids).Error; err != nil || len(ids) != crashCandidates {
		t.Fatalf("people: %d, %v", len(ids), err)
	}
	cands := make([]*crashCandidate, crashCandidates)
	for i := range cands {
		cands[i] = &crashCandidate{username: fmt.Sprintf("cand%03d", i), ip: fmt.Sprintf("10.77.%d.%d", i/250, 1+i%250)}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, crashCandidates)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < crashCandidates; i = int(next.Add(1) - 1) {
				if _, err := as.CreateUser(ctx, account.System(), account.NewUser{Username: cands[i].username, Name: fmt.Sprintf("考生%03d", i),
					Role: account.RoleLearner, PersonID: ids[i], Password: crashPassword}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("create learner: %v", err)
	}

	var qs []exam.Question
	add := func(n int, typ exam.Type, options int, answer []string) {
		for i := range n {
			q := exam.Question{Type: typ, Stem: fmt.Sprintf("%s第%d题：关于危险化学品作业的安全要求，下列说法中正确的是？", typ.Label(), i+1),
				Answer: answer, Category: "安全操作", Status: exam.StatusActive, Explanation: "见《危险化学品安全管理条例》"}
			if typ == exam.Judge {
				q.Options = exam.JudgeOptions
			} else {
				for j := range options {
					q.Options = append(q.Options, fmt.Sprintf("%s第%d题的第%d个选项", typ.Label(), i+1, j+1))
				}
			}
			qs = append(qs, q)
		}
	}
	add(40, exam.Single, 4, []string{"B"})
	add(15, exam.Multiple, 5, []string{"A", "C", "D"})
	add(25, exam.Judge, 2, []string{"A"})
	if rep, err := es.ImportQuestions(ctx, trainer.Principal(), exam.Parsed{Format: exam.FormatXLSX, Questions: qs, Rows: make([]int, len(qs))}, false); err != nil || rep.Created != len(qs) {
		t.Fatalf("import questions: %+v, %v", rep, err)
	}
	e, err := es.CreateExam(ctx, trainer.Principal(), exam.ExamInput{Title: "危险化学品作业人员安全考试", Blueprint: exam.Blueprint{
		Sections: []exam.Section{{Type: exam.Single, Count: 25, Points: 2 * exam.Point}, {Type: exam.Multiple, Count: 10, Points: 2 * exam.Point},
			{Type: exam.Judge, Count: 15, Points: 2 * exam.Point}},
		Minutes: exam.MaxMinutes, ShuffleQuestions: true, ShuffleOptions: true}})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID, cands
}

// crashServer is a running binary.
type crashServer struct {
	cmd        *exec.Cmd
	base       string
	logs       *syncBuffer
	done       chan error
	terminated bool
}

// startCrashServer runs the binary on data (and dsn) without demo data,
// trusting X-Forwarded-For from 127.0.0.1, and waits for /healthz.
func startCrashServer(t *testing.T, bin, data, dsn string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--addr", addr, "--data", data, "--demo=false", "--trusted-proxies", "127.0.0.1")
	cmd.Env = append(os.Environ(), "ANPEI_DB="+dsn, "ANPEI_LOG_FORMAT=json", "ANPEI_LOG_LEVEL=warn")
	s := &crashServer{cmd: cmd, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr, cmd.Stdout = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			logs := s.logs.String()
			t.Logf("server on %s, the last of its log:\n%s", addr, logs[max(0, len(logs)-6000):])
		}
		if !s.terminated {
			cmd.Process.Kill()
			<-s.done
			s.terminated = true
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			s.terminated = true
			t.Fatalf("server exited before serving: %v\nlogs:\n%s", err, s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\nlogs:\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *crashServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	err := <-s.done
	s.terminated = true
	if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the server was not killed by SIGKILL (it exited first: %v)\nlogs:\n%.2000s", err, s.logs.String())
	}
}

// stop sends SIGTERM and expects a clean exit.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	if s.terminated {
		return
	}
	s.terminated = true
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server exit after SIGTERM: %v\nlogs:\n%.4000s", err, s.logs.String())
		}
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("server did not stop within 40s of SIGTERM")
	}
}
