package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anpei/compliance"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/jobs"
)

// TestScaleOutTwoNodes runs two anpei processes against one MariaDB
// database, as two app servers behind one proxy would: each its own
// --data, a shared --uploads-dir and --keys-dir, its own --node-name. Both
// start at the same moment on a database seeded beforehand (as the
// crash test's: 200 learners, a trainer, an exam; the ID-number key in the
// shared keys directory; the certificate signing key is created by
// whichever node gets there first).
//
// It shows that
//   - a session made on node A works on node B: GET /api/v1/me, and
//     changes with the CSRF token (a new course on B, a lesson with a video
//     uploaded through A and served by B from the shared uploads, the
//     course published on B); without the token B refuses the change;
//   - a logout on B is honoured on A within a second or so (A reads the
//     change feed of the session caches a second apart);
//   - both nodes publish the same certificate signing keys;
//   - the daily compliance refresh, the hourly certificate reminders and
//     the hourly session purge each ran exactly once for their period
//     across both nodes (job_runs: one row, one attempt; one "ran" log
//     line in the two logs together), and each sweep (grading attempts
//     whose time ran out, issuing due certificates, the live sweep) is
//     held by exactly one node;
//   - when the node holding the grading sweep stops, the other takes it
//     over at its next tick (15 s at most).
func TestScaleOutTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	dsn := "mysql:" + dbtest.NewMySQLDatabase(t) // skips without MySQL, fails under ANPEI_TEST_REQUIRE_ALL=1
	bin := faultBuild(t)
	shared := t.TempDir() // stands for the NFS mount: uploads/ and the keys
	uploads, keys := filepath.Join(shared, "uploads"), shared
	// The seed writes the ID-number key into keys, where the nodes are
	// pointed; the uploads directory starts empty.
	_, cands := seedCrashExam(t, keys, dsn)
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, dsn, "", faultQuiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)

	// Both nodes start together: they race for every job's first period.
	a := launchScaleNode(t, bin, "scale-a", t.TempDir(), dsn, uploads, keys)
	b := launchScaleNode(t, bin, "scale-b", t.TempDir(), dsn, uploads, keys)
	waitScaleNode(t, a)
	waitScaleNode(t, b)
	hc := &http.Client{Timeout: 30 * time.Second}

	t.Run("session across nodes", func(t *testing.T) {
		trainer := &crashCandidate{username: "crash-trainer", ip: "10.79.0.1"}
		if err := crashLogin(hc, a.base, trainer); err != nil {
			t.Fatalf("login on A: %v", err)
		}
		var me struct {
			User struct {
				Username string `json:"username"`
			} `json:"user"`
		}
		if _, err := crashDo(hc, b.base, trainer, "GET", "/api/v1/me", "", 200, &me); err != nil {
			t.Fatalf("A's session on B: %v", err)
		}
		if me.User.Username != trainer.username {
			t.Fatalf("B says the session is someone else's: %+v", me)
		}
		// A change on B: without the CSRF token refused, with it done.
		noCSRF := *trainer
		noCSRF.csrf = ""
		course := `{"title":"两台服务器的课程","description":"扩容测试","category":"hazard_standard","audience":{"categories":["special_operator"]}}`
		if _, err := crashDo(hc, b.base, &noCSRF, "POST", "/api/v1/courses", course, 403, nil); err != nil {
			t.Fatalf("a change on B without the CSRF token: %v", err)
		}
		var c struct {
			ID uint `json:"id"`
		}
		if _, err := crashDo(hc, b.base, trainer, "POST", "/api/v1/courses", course, 201, &c); err != nil {
			t.Fatalf("new course on B with A's session: %v", err)
		}
		// The lesson's video is uploaded through A and served by B.
		video, err := os.ReadFile("demo/data/media/hazard-intro.mp4")
		if err != nil {
			t.Fatal(err)
		}
		body, ctype := multipartFile("file", "hazard-intro.mp4", video, map[string]string{"title": "视频：两台服务器", "kind": "video"})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/courses/%d/lessons", a.base, c.ID), bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Cookie", trainer.cookie)
		req.Header.Set("X-CSRF-Token", trainer.csrf)
		req.Header.Set("X-Forwarded-For", trainer.ip)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lb, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("upload on A = %d %.300s", res.StatusCode, lb)
		}
		var lesson struct {
			ID uint `json:"id"`
		}
		if err := json.Unmarshal(lb, &lesson); err != nil || lesson.ID == 0 {
			t.Fatalf("upload on A answered %.300s (%v)", lb, err)
		}
		got, err := crashDo(hc, b.base, trainer, "GET", fmt.Sprintf("/api/v1/lessons/%d/media", lesson.ID), "", 200, nil)
		if err != nil {
			t.Fatalf("B serving the video uploaded through A: %v", err)
		}
		if sha256.Sum256(got) != sha256.Sum256(video) {
			t.Fatalf("B served %d bytes that differ from the %d uploaded through A", len(got), len(video))
		}
		if _, err := crashDo(hc, b.base, trainer, "POST", fmt.Sprintf("/api/v1/courses/%d/publish", c.ID), "", 200, nil); err != nil {
			t.Fatalf("publish on B: %v", err)
		}
		// Logout on B; A honours it at its next read of the change feed.
		if _, err := crashDo(hc, a.base, trainer, "GET", "/api/v1/me", "", 200, nil); err != nil {
			t.Fatal(err) // A has the session cached now
		}
		if _, err := crashDo(hc, b.base, trainer, "POST", "/api/v1/logout", "", 200, nil); err != nil {
			t.Fatalf("logout on B: %v", err)
		}
		out := time.Now()
		for {
			_, err := crashDo(hc, a.base, trainer, "GET", "/api/v1/me", "", 401, nil)
			if err == nil {
				break
			}
			if time.Since(out) > 3*time.Second {
				t.Fatalf("A still accepts the session %v after the logout on B: %v", time.Since(out), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("session made on A used on B (GET /me, course created, lesson uploaded through A and its %d-byte video served by B, published on B); logout on B honoured by A after %v",
			len(video), time.Since(out).Round(10*time.Millisecond))
		// A learner signs in on B and continues on A.
		l := cands[0]
		if err := crashLogin(hc, b.base, l); err != nil {
			t.Fatal(err)
		}
		if _, err := crashDo(hc, a.base, l, "GET", "/api/v1/me/plan", "", 200, nil); err != nil {
			t.Fatalf("B's learner session on A: %v", err)
		}
	})

	t.Run("shared keys", func(t *testing.T) {
		// The documents differ only in the address they were asked at.
		ka := strings.ReplaceAll(get(t, a.base+"/.well-known/anpei-keys.json", 200), a.base, "")
		kb := strings.ReplaceAll(get(t, b.base+"/.well-known/anpei-keys.json", 200), b.base, "")
		if ka != kb || !strings.Contains(ka, "Multikey") {
			t.Fatalf("the nodes publish different signing keys:\nA %.300s\nB %.300s", ka, kb)
		}
		list, err := os.ReadDir(filepath.Join(keys, "cert-keys"))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("both nodes publish the same signing keys (%d files in the shared cert-keys)", len(list))
	})

	t.Run("jobs once", func(t *testing.T) {
		nodes := map[string]bool{"scale-a": true, "scale-b": true}
		var runs []jobs.Run
		deadline := time.Now().Add(90 * time.Second)
		for {
			runs = nil
			gdb.Where("finished_at IS NOT NULL").Order("job").Find(&runs)
			if len(runs) >= 3 || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // a second run, if any, would show by now
		runs = nil
		if err := gdb.Order("job, period_key").Find(&runs).Error; err != nil {
			t.Fatal(err)
		}
		logs := a.logs.String() + b.logs.String()
		want := map[string]bool{"compliance-daily": true, "certificate-reminders": true, "purge-sessions": true}
		seen := map[string]bool{}
		for _, r := range runs {
			if !want[r.Job] {
				t.Errorf("unexpected job run %+v", r)
				continue
			}
			seen[r.Job] = true
			ran := countLines(logs, `"msg":"background job ran"`, `"job":"`+r.Job+`"`, `"period":"`+r.Period+`"`)
			if r.Attempts != 1 || r.FinishedAt == nil || r.LastError != "" || !nodes[r.Node] || ran != 1 {
				t.Errorf("%s %s: node %s, %d attempts, finished %v, error %q, %d \"ran\" log lines; want one finished attempt by one node, logged once",
					r.Job, r.Period, r.Node, r.Attempts, r.FinishedAt != nil, r.LastError, ran)
				continue
			}
			// The other node asked too, and found the period taken.
			other := a
			if r.Node == "scale-a" {
				other = b
			}
			if n := countLines(other.logs.String(), `"msg":"background job: period done or running on another node"`, `"job":"`+r.Job+`"`, `"period":"`+r.Period+`"`); n != 1 {
				t.Errorf("%s %s: %s logged %d skips, want 1", r.Job, r.Period, other.name, n)
				continue
			}
			t.Logf("%-22s period %-13s ran once, on %s (%d attempt; %d \"ran\" line in both logs; %s found it taken)", r.Job, r.Period, r.Node, r.Attempts, ran, other.name)
		}
		for j := range want {
			if !seen[j] {
				t.Errorf("%s has no run", j)
			}
		}
		if n := countLines(logs, `"msg":"evaluated compliance"`); n != 1 {
			t.Errorf("the compliance refresh ran %d times across the two nodes, want 1", n)
		}
		var evaluated int64
		gdb.Model(&compliance.ResultRow{}).Count(&evaluated)
		if evaluated == 0 {
			t.Error("the refresh evaluated nobody")
		}
		var leases []jobs.Lease
		if err := gdb.Order("job").Find(&leases).Error; err != nil {
			t.Fatal(err)
		}
		if len(leases) != 3 {
			t.Errorf("leases = %+v, want the three sweeps", leases)
		}
		for _, l := range leases {
			took := countLines(logs, `"msg":"background job: this node sweeps now (took the lease)"`, `"job":"`+l.Job+`"`)
			if !nodes[l.Node] || took != 1 {
				t.Errorf("sweep %s: held by %q, taken %d times; want one node, once", l.Job, l.Node, took)
			}
			t.Logf("sweep %-22s held by %s alone", l.Job, l.Node)
		}
		t.Logf("compliance results: %d people evaluated once", evaluated)

		// The grading sweep's holder stops; the other takes over.
		var grade jobs.Lease
		if err := gdb.Where("job = ?", "grade-due-attempts").Take(&grade).Error; err != nil {
			t.Fatal(err)
		}
		holder, other := a, b
		if grade.Node == "scale-b" {
			holder, other = b, a
		}
		before := countLines(other.logs.String(), `"msg":"background job: this node sweeps now (took the lease)"`, `"job":"grade-due-attempts"`)
		stopped := time.Now()
		holder.stop(t)
		for countLines(other.logs.String(), `"msg":"background job: this node sweeps now (took the lease)"`, `"job":"grade-due-attempts"`) == before {
			if time.Since(stopped) > 20*time.Second {
				t.Fatalf("%s did not take the grading sweep over within 20 s of %s stopping", other.name, holder.name)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%s stopped; %s took the grading sweep over %v later", holder.name, other.name, time.Since(stopped).Round(10*time.Millisecond))
		gdb.Where("job = ?", "grade-due-attempts").Take(&grade)
		if grade.Node != other.name {
			t.Errorf("grading lease held by %q, want %s", grade.Node, other.name)
		}
	})
	a.stop(t)
	b.stop(t)
}

// scaleNode is a running node of the scale-out test.
type scaleNode struct {
	*crashServer
	name string
}

// launchScaleNode starts the binary as node name on its own data
// directory, the shared database, uploads and keys, without waiting.
func launchScaleNode(t *testing.T, bin, name, data, dsn, uploads, keys string) *scaleNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--addr", addr, "--data", data, "--demo=false", "--trusted-proxies", "127.0.0.1",
		"--node-name", name, "--uploads-dir", uploads, "--keys-dir", keys)
	cmd.Env = append(os.Environ(), "ANPEI_DB="+dsn, "ANPEI_LOG_FORMAT=json", "ANPEI_LOG_LEVEL=info")
	s := &scaleNode{crashServer: &crashServer{cmd: cmd, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1)}, name: name}
	cmd.Stderr, cmd.Stdout = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			logs := s.logs.String()
			t.Logf("node %s, the last of its log:\n%s", name, logs[max(0, len(logs)-6000):])
		}
		if !s.terminated {
			cmd.Process.Kill()
			<-s.done
			s.terminated = true
		}
	})
	return s
}

// waitScaleNode waits for the node's /healthz.
func waitScaleNode(t *testing.T, s *scaleNode) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-s.done:
			s.terminated = true
			t.Fatalf("node %s exited before serving: %v\nlogs:\n%s", s.name, err, s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s did not come up: %v\nlogs:\n%s", s.name, err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// countLines counts the log lines holding every one of parts.
func countLines(logs string, parts ...string) int {
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			n++
		}
	}
	return n
}
