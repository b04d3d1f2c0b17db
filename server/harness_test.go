package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/compliance"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db/dbtest"
	"anpei/exam"
	"anpei/fault"
	"anpei/lecture"
	lecturefrom "anpei/lecture/fromroster"
	"anpei/live"
	"anpei/media"
	"anpei/notify"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// clock is a settable fake clock shared by the stores and the server.
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

// harnessOptions adjust a harness: the course store's watch policy and a
// real-time clock for it (journeys that wait on heartbeats), and the PII
// keys of a database another harness already seeded.
type harnessOptions struct {
	Policy          *course.Policy
	RealTimeCourses bool
	Keys            *pii.Keyring
	// VerifyBurst lifts the public lookup's per-IP limit (benchmarks).
	VerifyBurst int
	// Live runs a loopback media node for the live rooms.
	Live bool
}

type harness struct {
	t        testing.TB
	gdb      *gorm.DB
	clock    *clock
	srv      *Server
	ts       *httptest.Server
	accounts *account.Store
	roster   *roster.Store
	courses  *course.Store
	exams    *exam.Store
	certs    *certs.Store
	signer   *signing.Keyring
	// compliance is the compliance store (Refresh it before reading).
	compliance *compliance.Store
	logs       *bytes.Buffer
	lectures   *lecture.Store
}

func migrate(gdb *gorm.DB) error { return schema.Migrate(context.Background(), gdb) }

// eachDB runs fn on a fresh migrated database of every dialect.
func eachDB(t *testing.T, fn func(t *testing.T, gdb *gorm.DB)) { dbtest.Each(t, migrate, fn) }

// newHarness serves a Server over gdb on a loopback httptest server.
func newHarness(t testing.TB, gdb *gorm.DB) *harness {
	t.Helper()
	return newHarnessWith(t, gdb, harnessOptions{})
}

// newHarnessWith is newHarness adjusted by o.
func newHarnessWith(t testing.TB, gdb *gorm.DB, o harnessOptions) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	keys := o.Keys
	if keys == nil {
		var err error
		if keys, err = pii.LoadOrCreate(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	rs := roster.NewStore(gdb, keys, clk.Now)
	as := account.NewStore(gdb, account.Options{Now: clk.Now, BcryptCost: bcrypt.MinCost, PersonEnterprise: rs.PersonEnterprise})
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	copt := fromroster.Options(rs)
	copt.Now = clk.Now
	copt.Policy = course.DefaultPolicy()
	copt.Policy.ChallengeEvery = course.Range{Min: time.Hour, Max: time.Hour}
	if o.Policy != nil {
		copt.Policy = *o.Policy
	}
	if o.RealTimeCourses {
		copt.Now = time.Now
	}
	cs, err := course.NewStore(gdb, copt)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := media.NewStore(filepath.Join(t.TempDir(), "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := certs.MustKinds()
	var certStore *certs.Store
	es := exam.NewStore(gdb, exam.Options{Now: copt.Now, Candidate: fromroster.Candidate(rs), Unmet: cs.Unmet, CanSee: fromroster.CanSee(rs),
		Awardable: func(code string) bool { k, ok := kinds.Get(code); return ok && k.Earnable() },
		OnPassed: func(id uint) {
			if _, _, err := certStore.IssueEarned(context.Background(), id); err != nil && fault.As(err).Kind == fault.Internal {
				t.Errorf("issue certificate for attempt %d: %v", id, err)
			}
		}})
	certOpt := fromroster.CertOptions(rs, cs, es)
	certOpt.Now, certOpt.Kinds, certOpt.IDHash = copt.Now, kinds, signing.SaltedHashes
	certStore = certs.NewStore(gdb, certOpt)
	signer, err := signing.LoadOrCreate(filepath.Join(t.TempDir(), "cert-keys"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := compliance.New(compliance.Options{Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	compStore := compliance.NewStore(gdb, compliance.StoreOptions{Now: clk.Now, Engine: engine, Table: cs.Table(),
		Source: fromroster.ComplianceSource(rs, cs, certStore)})
	notices := notify.NewStore(gdb, notify.Options{Now: clk.Now, Kinds: kinds, Due: certStore.DueBetween, Log: log})
	lopt := lecturefrom.Options(rs, as, cs, notices)
	lopt.Now = copt.Now
	lectures, err := lecture.NewStore(gdb, lopt)
	if err != nil {
		t.Fatal(err)
	}
	var node *live.Node
	if o.Live {
		if node, err = live.NewNode(live.Config{LoopbackOnly: true}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { node.Close() })
	}
	recordings := ""
	if o.Live {
		recordings = filepath.Join(t.TempDir(), "recordings")
	}
	srv, err := New(Config{Now: clk.Now, LoginEvery: time.Minute, LoginBurst: 10, VerifyBurst: o.VerifyBurst, Recordings: recordings},
		Deps{DB: gdb, Accounts: as, Roster: rs, Courses: cs, Exams: es, Certs: certStore, Signer: signer, Media: ms, Keys: keys, Logger: log, Compliance: compStore,
			Notices: notices, Lectures: lectures, Live: node})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(srv.CloseLive)
	return &harness{t: t, gdb: gdb, clock: clk, srv: srv, ts: ts, accounts: as, roster: rs, courses: cs, exams: es, certs: certStore, signer: signer, compliance: compStore, logs: logs, lectures: lectures}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// user creates a user with password "anpei-test-1".
func (h *harness) user(n account.NewUser) account.User {
	h.t.Helper()
	if n.Password == "" {
		n.Password = "anpei-test-1"
	}
	if n.Name == "" {
		n.Name = "测试" + n.Username
	}
	u, err := h.accounts.CreateUser(context.Background(), account.System(), n)
	if err != nil {
		h.t.Fatalf("create user %s: %v", n.Username, err)
	}
	return u
}

// client is a browser-like API client: a cookie jar and the CSRF token.
type client struct {
	h      *harness
	http   *http.Client
	csrf   string
	ip     string
	accept string
}

func (h *harness) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in and fails the test unless it succeeds.
func (h *harness) login(username string) *client {
	h.t.Helper()
	c := h.anon()
	res := c.do("POST", "/api/v1/login", map[string]string{"username": username, "password": "anpei-test-1"})
	if res.status != 200 {
		h.t.Fatalf("login %s: %d %s", username, res.status, res.body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	res.decode(h.t, &out)
	c.csrf = out.CSRF
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// errCode returns the contract error's code.
func (r response) errCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal([]byte(r.body), &e)
	return e.Error.Code
}

// do sends body as JSON (a string is sent raw) with the CSRF token.
func (c *client) do(method, path string, body any) response {
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	return c.send(method, path, rd, ct, true)
}

func (c *client) send(method, path string, body io.Reader, contentType string, withCSRF bool) response {
	req, err := http.NewRequest(method, c.h.ts.URL+path, body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if withCSRF && c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.ip != "" {
		req.RemoteAddr = c.ip
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}
