package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/compliance"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// BenchmarkComplianceScale is the compliance issue's benchmark, on a
// database filled beforehand with `anpei seed` (1,000 enterprises, 100,000
// people, 300,000 certificates, 2,000,000 ledger rows):
//
//	go run . seed --data /tmp/scale            # or --db mysql:…
//	ANPEI_BENCH_SCALE_DATA=/tmp/scale go test -run=NONE -bench=ComplianceScale -benchtime=1x -timeout 30m ./server
//	ANPEI_BENCH_SCALE_DATA=/tmp/scale ANPEI_BENCH_SCALE_DB='mysql:root@tcp(127.0.0.1:3306)/anpei_scale' go test …
//
// It runs the daily sweep once (reporting its time), then, alternating so
// that noise weighs on all alike, ANPEI_BENCH_ROUNDS (30) times each: the
// district dashboard page (GET /compliance as the admin: summary, two
// breakdowns, trend, due calendar, major hazards), the drill-down pages of
// the worst town and of an enterprise in it, the district summary through
// the store, and the hand-written floor: one aggregate SQL statement over
// the stored results computing the same numbers. It reports p50/p95 of
// each and the ratio of the summary to the floor. Targets: under 200 ms,
// and within 1.5× of the floor.
func BenchmarkComplianceScale(b *testing.B) {
	dir := os.Getenv("ANPEI_BENCH_SCALE_DATA")
	if dir == "" {
		b.Skip("ANPEI_BENCH_SCALE_DATA not set: seed a district with `anpei seed` first")
	}
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, os.Getenv("ANPEI_BENCH_SCALE_DB"), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(gdb)
	if err := schema.Migrate(ctx, gdb); err != nil {
		b.Fatal(err)
	}
	// A database seeded by an earlier build of this unreleased schema may
	// lack a compliance table or a certificate column; AutoMigrate adds
	// what is missing.
	if err := compliance.AutoMigrate(gdb); err != nil {
		b.Fatal(err)
	}
	if err := certs.AutoMigrate(gdb); err != nil {
		b.Fatal(err)
	}
	keys, err := pii.LoadOrCreate(dir)
	if err != nil {
		b.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, nil)
	copt := fromroster.Options(rs)
	copt.Policy = course.DefaultPolicy()
	cs, err := course.NewStore(gdb, copt)
	if err != nil {
		b.Fatal(err)
	}
	kinds := certs.MustKinds()
	ct := certs.NewStore(gdb, certs.Options{Kinds: kinds, PersonIDIn: roster.PersonIDIn})
	engine, err := compliance.New(compliance.Options{Kinds: kinds})
	if err != nil {
		b.Fatal(err)
	}
	comp := compliance.NewStore(gdb, compliance.StoreOptions{Engine: engine, Table: cs.Table(), Source: fromroster.ComplianceSource(rs, cs, ct)})
	start := time.Now()
	rep, err := comp.Refresh(ctx, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("sweep: %d people, %d on duty evaluated in %v (reading %v, evaluating %v, writing %v)", rep.People, rep.Evaluated,
		time.Since(start).Round(time.Millisecond), rep.Read.Round(time.Millisecond), rep.Eval.Round(time.Millisecond), rep.Write.Round(time.Millisecond))
	if _, err := comp.SnapshotDue(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	as := account.NewStore(gdb, account.Options{PersonEnterprise: rs.PersonEnterprise})
	srv, err := New(Config{}, Deps{DB: gdb, Accounts: as, Roster: rs, Courses: cs, Certs: ct, Compliance: comp, Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	token, err := benchSession(ctx, as)
	if err != nil {
		b.Fatal(err)
	}
	sys := account.System()
	towns, err := comp.Breakdown(ctx, sys, "district", "town")
	if err != nil || len(towns) == 0 {
		b.Fatalf("towns: %v", err)
	}
	worst := slices.MinFunc(towns, func(x, y compliance.Group) int {
		a, _ := x.Tally.Certified.Overall.Rate().Value()
		c, _ := y.Tally.Certified.Overall.Rate().Value()
		switch {
		case a < c:
			return -1
		case a > c:
			return 1
		}
		return 0
	})
	ents, err := comp.Breakdown(ctx, sys, "town:"+worst.Key, "enterprise")
	if err != nil || len(ents) == 0 {
		b.Fatalf("enterprises: %v", err)
	}
	page := func(path string) func() error {
		return func() error {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				return fmt.Errorf("GET %s: %d", path, res.StatusCode)
			}
			return nil
		}
	}
	floor := func() error {
		var out []map[string]any
		return gdb.WithContext(ctx).Raw(floorSQL).Scan(&out).Error
	}
	type probe struct {
		name string
		run  func() error
		took []time.Duration
	}
	probes := []*probe{
		{name: "dashboard /compliance", run: page("/compliance")},
		{name: "town /compliance?scope=town", run: page("/compliance?scope=town:" + worst.Key)},
		{name: "enterprise /compliance?scope=enterprise", run: page("/compliance?scope=enterprise:" + ents[0].Key)},
		{name: "gaps /compliance/gaps (district)", run: page("/compliance/gaps")},
		{name: "gaps /compliance/gaps?major=1&offset=500", run: page("/compliance/gaps?major=1&offset=500")},
		{name: "district summary (store)", run: func() error { _, err := comp.Summary(ctx, sys, "district"); return err }},
		{name: "floor: one aggregate SQL", run: floor},
	}
	rounds := envInt("ANPEI_BENCH_ROUNDS", 30)
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for _, p := range probes {
				t0 := time.Now()
				if err := p.run(); err != nil {
					b.Fatal(err)
				}
				p.took = append(p.took, time.Since(t0))
			}
		}
	}
	b.StopTimer()
	pct := func(d []time.Duration, q float64) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[int(q*float64(len(s)-1))]
	}
	for _, p := range probes {
		b.Logf("%-45s p50 %8v  p95 %8v", p.name, pct(p.took, .5).Round(100*time.Microsecond), pct(p.took, .95).Round(100*time.Microsecond))
	}
	sum, fl := pct(probes[5].took, .5), pct(probes[6].took, .5)
	b.ReportMetric(float64(pct(probes[0].took, .95).Milliseconds()), "dashboard-p95-ms")
	b.ReportMetric(float64(sum.Microseconds())/float64(fl.Microseconds()), "summary/floor")
	b.Logf("district summary / floor = %.2f (target ≤ 1.5); dashboard p95 %v (target < 200 ms)", float64(sum)/float64(fl), pct(probes[0].took, .95))
}

// floorSQL is the hand-written aggregate: the district's counts and the
// certified-on-duty numerator and denominator per category, straight from
// the stored results.
const floorSQL = `SELECT COUNT(*),
 SUM(CASE WHEN status = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN status = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN status = 3 THEN 1 ELSE 0 END),
 SUM(major), SUM(CASE WHEN cert_due <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN cert_due <> 0 AND cert_held = cert_due THEN 1 ELSE 0 END),
 SUM(CASE WHEN (cert_due & 1) <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN (cert_due & 1) <> 0 AND (cert_held & 1) <> 0 THEN 1 ELSE 0 END),
 SUM(CASE WHEN (cert_due & 2) <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN (cert_due & 2) <> 0 AND (cert_held & 2) <> 0 THEN 1 ELSE 0 END),
 SUM(CASE WHEN (cert_due & 4) <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN (cert_due & 4) <> 0 AND (cert_held & 4) <> 0 THEN 1 ELSE 0 END),
 SUM(pre_job_due), SUM(CASE WHEN pre_job_due = 1 AND pre_job_done = 1 THEN 1 ELSE 0 END),
 SUM(annual_due), SUM(CASE WHEN annual_due = 1 AND annual_done = 1 THEN 1 ELSE 0 END)
 FROM compliance_results`

// benchSession signs in the first admin (its password reset) and returns
// the session token.
func benchSession(ctx context.Context, as *account.Store) (string, error) {
	users, _, err := as.ListUsers(ctx, account.System(), account.UserFilter{Role: account.RoleAdmin, Limit: 1})
	if err != nil || len(users) == 0 {
		return "", fmt.Errorf("no admin: %v", err)
	}
	if err := as.SetPassword(ctx, users[0].Username, "anpei-bench-1"); err != nil {
		return "", err
	}
	cur, err := as.Login(ctx, users[0].Username, "anpei-bench-1", "127.0.0.1", "bench")
	if err != nil {
		return "", err
	}
	return cur.Token, nil
}
