package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/db/dbtest"
	"anpei/demo"
	"anpei/roster"
)

// BenchmarkCertificates is the certificate issue's benchmark, through the
// real server on loopback with keep-alive HTTP clients, in alternating
// slices so that whatever else the machine does weighs on all alike:
//
//   - trivial: GET /healthz (the HTTP stack, no session, no database);
//   - verify: GET /api/v1/verify/{number}, the public lookup (one
//     indexed read of the certificate and one of its history), numbers
//     cycling over 200 certificates, the per-IP limit lifted;
//   - pdf: GET /api/v1/certificates/{id}/pdf as the admin: session,
//     scope check, signing the QR token and rendering the A4 document.
//
// Each runs closed loop with ANPEI_BENCH_WORKERS (16) clients for
// ANPEI_BENCH_SECONDS (6) s in all, in ANPEI_BENCH_ROUNDS (3) slices. It
// reports requests per second, the ratio to the trivial endpoint, and for
// the PDFs the documents per second per core: PDFs over the CPU seconds
// this process (server and clients) used in the PDF slices. Targets: at
// least 100 PDFs/s per core, verify ≥ 1/3 of the trivial rate. On
// MariaDB when ANPEI_TEST_MYSQL_DSN is set, else SQLite.
//
//	go test -run=NONE -bench=Certificates -benchtime=1x ./server
func BenchmarkCertificates(b *testing.B) {
	var gdb *gorm.DB
	if os.Getenv("ANPEI_TEST_MYSQL_DSN") != "" {
		gdb = dbtest.MySQL(b, migrate)
	} else {
		gdb = dbtest.SQLite(b, migrate)
	}
	h := newHarnessWith(b, gdb, harnessOptions{VerifyBurst: 1 << 30})
	h.clock.t = time.Now()
	ctx := context.Background()
	ids, numbers := benchCertificates(b, h, ctx, 200)
	h.user(account.NewUser{Username: "bench-admin", Role: account.RoleAdmin})
	admin := h.login("bench-admin")
	workers, seconds, rounds := envInt("ANPEI_BENCH_WORKERS", 16), envInt("ANPEI_BENCH_SECONDS", 6), envInt("ANPEI_BENCH_ROUNDS", 3)
	slice := time.Duration(seconds) * time.Second / time.Duration(rounds)

	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	plain := &http.Client{Transport: tr}
	withSession := &http.Client{Transport: tr, Jar: admin.http.Jar}
	type phase struct {
		name   string
		client *http.Client
		path   func(i int) string
		n      atomic.Int64
		cpu    time.Duration
		wall   time.Duration
	}
	phases := []*phase{
		{name: "trivial", client: plain, path: func(int) string { return "/healthz" }},
		{name: "verify", client: plain, path: func(i int) string { return "/api/v1/verify/" + url.PathEscape(numbers[i%len(numbers)]) }},
		{name: "pdf", client: withSession, path: func(i int) string { return "/api/v1/certificates/" + strconv.Itoa(int(ids[i%len(ids)])) + "/pdf" }},
	}
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for _, ph := range phases {
				cpu0, t0 := cpuTime(), time.Now()
				deadline := t0.Add(slice)
				var wg sync.WaitGroup
				var next atomic.Int64
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for time.Now().Before(deadline) {
							i := int(next.Add(1))
							res, err := ph.client.Get(h.ts.URL + ph.path(i))
							if err != nil {
								b.Errorf("%s: %v", ph.name, err)
								return
							}
							io.Copy(io.Discard, res.Body)
							res.Body.Close()
							if res.StatusCode != 200 {
								b.Errorf("%s %s: %d", ph.name, ph.path(i), res.StatusCode)
								return
							}
							ph.n.Add(1)
						}
					}()
				}
				wg.Wait()
				ph.wall += time.Since(t0)
				ph.cpu += cpuTime() - cpu0
			}
		}
	}
	b.StopTimer()
	rate := func(ph *phase) float64 { return float64(ph.n.Load()) / ph.wall.Seconds() }
	trivial, verify, pdf := rate(phases[0]), rate(phases[1]), rate(phases[2])
	perCore := float64(phases[2].n.Load()) / phases[2].cpu.Seconds()
	b.ReportMetric(trivial, "trivial/s")
	b.ReportMetric(verify, "verify/s")
	b.ReportMetric(verify/trivial, "verify/trivial")
	b.ReportMetric(pdf, "pdf/s")
	b.ReportMetric(pdf/trivial, "pdf/trivial")
	b.ReportMetric(perCore, "pdf/s/core")
	b.Logf("trivial %.0f/s, verify %.0f/s (ratio %.2f, target ≥ 0.33), pdf %.1f/s, %.1f per CPU-second (target ≥ 100), %d workers, %v in %d slices",
		trivial, verify, verify/trivial, pdf, perCore, workers, time.Duration(seconds)*time.Second, rounds)
}

// benchCertificates issues n training certificates to people of the demo
// district and returns their ids and numbers.
func benchCertificates(b *testing.B, h *harness, ctx context.Context, n int) ([]uint, []string) {
	b.Helper()
	if err := demo.Seed(ctx, h.gdb, h.accounts, h.roster); err != nil {
		b.Fatalf("seed demo: %v", err)
	}
	sys := account.System()
	people, _, err := h.roster.ListPeople(ctx, sys, roster.PersonFilter{Limit: n})
	if err != nil || len(people) == 0 {
		b.Fatalf("people: %d %v", len(people), err)
	}
	var ids []uint
	var numbers []string
	for i := range n {
		c, err := h.certs.Issue(ctx, sys, certs.ManualInput{PersonID: people[i%len(people)].ID, Kind: "training_pass", Reason: "基准测试"})
		if err != nil {
			b.Fatal(err)
		}
		ids, numbers = append(ids, c.ID), append(numbers, c.Number)
	}
	return ids, numbers
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
