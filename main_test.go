package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"anpei/db/dbtest"
	"anpei/demo"
)

// TestEndToEnd builds the real binary, starts it on a free port with a
// temporary data directory, logs in as every demo account through the API,
// restarts it to see the data kept, and stops it with SIGTERM.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "anpei")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { endToEnd(t, bin, "") })
	t.Run("mysql", func(t *testing.T) { endToEnd(t, bin, "mysql:"+dbtest.NewMySQLDatabase(t)) })
}

func endToEnd(t *testing.T, bin, dsn string) {
	data := t.TempDir()
	base, stop := startBinary(t, bin, data, dsn)
	for _, acc := range demo.Accounts() {
		loginAs(t, base, acc.Username, acc.Password, acc.Role)
	}
	get(t, base+"/healthz", 200)
	get(t, base+"/readyz", 200)
	if body := get(t, base+"/metrics", 200); !strings.Contains(body, "anpei_http_requests_total") {
		t.Errorf("/metrics lacks anpei_http_requests_total")
	}
	if body := get(t, base+"/api/v1/openapi.json", 200); !strings.Contains(body, "/api/v1/login") {
		t.Errorf("openapi.json does not describe /api/v1/login")
	}
	mediaURL := learnerStudies(t, base)
	certificatesVerify(t, bin, base, data)
	stop()
	if dsn == "" {
		if _, err := os.Stat(filepath.Join(data, "anpei.db")); err != nil {
			t.Fatalf("SQLite file not in the data directory: %v", err)
		}
	}
	// Restart on the same data: the demo is not seeded twice, logins work.
	base, stop = startBinary(t, bin, data, dsn)
	loginAs(t, base, "admin", "anpei-demo", "admin")
	mediaSurvivesRestart(t, base, mediaURL)
	stop()
}

// startBinary runs the server and returns its base URL and a stop func
// that sends SIGTERM and expects exit status 0.
func startBinary(t *testing.T, bin, data, dsn string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--addr", addr, "--data", data)
	cmd.Env = append(os.Environ(), "ANPEI_DB="+dsn, "ANPEI_LOG_FORMAT=json")
	logs, stdout := &syncBuffer{}, &syncBuffer{}
	cmd.Stderr, cmd.Stdout = logs, stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("server did not come up: %v\nlogs:\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The banner names the URL and, on a demo database, the demo accounts.
	for i := 0; i < 50 && !strings.Contains(stdout.String(), "learner"); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if out := stdout.String(); !strings.Contains(out, base) || !strings.Contains(out, "learner") {
		t.Errorf("start banner lacks the URL or the demo accounts:\n%s", out)
	}
	if strings.Contains(logs.String(), "anpei-demo") {
		t.Error("a password reached the log")
	}
	stopped := false
	return base, func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server exit after SIGTERM: %v\nlogs:\n%s", err, logs.String())
			}
		case <-time.After(40 * time.Second):
			cmd.Process.Kill()
			t.Errorf("server did not stop within 40s of SIGTERM")
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writer goroutine
// and the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loginAs(t *testing.T, base, user, pw, role string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw)
	res, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		User struct {
			Username string `json:"username"`
			Role     string `json:"role"`
		} `json:"user"`
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 || out.User.Role != role || out.CSRF == "" {
		t.Fatalf("login %s: status %d, user %+v, csrf %q; want 200 and role %s", user, res.StatusCode, out.User, out.CSRF, role)
	}
	res, err = c.Get(base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/me as %s: %d", user, res.StatusCode)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/logout", nil)
	req.Header.Set("X-CSRF-Token", out.CSRF)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("logout %s: %d", user, res.StatusCode)
	}
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("GET %s = %d, want %d", url, res.StatusCode, want)
	}
	return string(b)
}
