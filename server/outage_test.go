package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"anpei/account"
	"anpei/db"
	"anpei/db/dbtest"
)

// TestDatabaseOutage cuts the server off its MariaDB (through a proxy on
// loopback) and checks that a request needing the database, API call or
// page, is answered 503 with Retry-After and a message in Chinese, logged
// as the outage it is rather than as a bug, and that the same request
// succeeds again once the database can be reached.
func TestDatabaseOutage(t *testing.T) {
	dsn := dbtest.NewMySQLDatabase(t)
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := &tcpProxy{t: t, target: cfg.Addr, addr: "127.0.0.1:0"}
	px.start()
	t.Cleanup(px.stop)
	cfg.Addr = px.addr
	gdb, _, err := db.Open(context.Background(), "mysql:"+cfg.FormatDSN(), "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if err := migrate(gdb); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, gdb)
	h.user(account.NewUser{Username: "trainer1", Role: account.RoleTrainer})
	c := h.login("trainer1")
	if res := c.do("GET", "/api/v1/courses", nil); res.status != 200 {
		t.Fatalf("GET /api/v1/courses before the outage = %d %s", res.status, res.body)
	}
	if res := c.do("GET", "/live", nil); res.status != 200 {
		t.Fatalf("GET /live before the outage = %d %.300s", res.status, res.body)
	}

	px.stop()
	res := c.do("GET", "/api/v1/courses", nil)
	if res.status != 503 || res.errCode() != "db_unavailable" || !strings.Contains(res.body, "数据库暂时无法访问") {
		t.Errorf("GET /api/v1/courses with the database away = %d %s, want 503 db_unavailable", res.status, res.body)
	}
	if got := res.header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5", got)
	}
	if res := c.do("POST", "/api/v1/courses", map[string]any{"title": "停电期间的课程", "category": "law"}); res.status != 503 {
		t.Errorf("POST /api/v1/courses with the database away = %d %s, want 503", res.status, res.body)
	}
	// A page says the same as a page.
	page := c.do("GET", "/live", nil)
	if page.status != 503 || !strings.Contains(page.body, "数据库暂时无法访问") || strings.Contains(page.body, "页面暂时无法显示") || page.header.Get("Retry-After") != "5" {
		t.Errorf("GET /live with the database away = %d (Retry-After %q) %s, want a 503 page saying the database is away", page.status, page.header.Get("Retry-After"), page.body)
	}
	if res := h.anon().do("GET", "/readyz", nil); res.status != 503 {
		t.Errorf("readyz with the database away = %d, want 503", res.status)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "database unreachable") || strings.Contains(logs, "request failed") {
		t.Errorf("the outage is not logged as one (want \"database unreachable\", no \"request failed\"):\n%.2000s", logs)
	}

	px.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := c.do("GET", "/api/v1/courses", nil)
		if res.status == 200 {
			break
		}
		if res.status != 503 || time.Now().After(deadline) {
			t.Fatalf("GET /api/v1/courses after the database is back = %d %s", res.status, res.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tcpProxy forwards connections on a loopback address to target until it
// is stopped, which also cuts the connections it carries; started again,
// it listens on the same address.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func (p *tcpProxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.conns = ln, ln.Addr().String(), map[net.Conn]bool{}
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			if !p.track(in, out) {
				continue
			}
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
}

// track records a forwarded pair, or closes it if the proxy has stopped.
func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}
