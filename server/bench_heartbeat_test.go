package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/media"
	"anpei/pii"
	"anpei/roster"
)

// BenchmarkHeartbeat5000 is the load test: 5,000 learners, each
// signed in and playing a lesson, send heartbeats against MariaDB through
// the real server on loopback, with real HTTP clients and keep-alive, on
// the real clock. In one run it measures
//
//  1. the trivial authenticated endpoint, GET /api/v1/me, closed-loop
//     with ANPEI_BENCH_WORKERS (64) workers for ANPEI_BENCH_DURATION (10 s);
//  2. heartbeats closed-loop with the same workers and duration, rotating
//     over the 5,000 sessions (each session's heartbeats well over
//     MinHeartbeat apart): the maximum sustained rate, and its ratio to 1.
//     1 and 2 are measured both with these workers and with
//     ANPEI_BENCH_PEAK_WORKERS (4 × the workers) clients, since a request
//     that waits for a commit needs more clients in flight than one that
//     does not to keep the server busy: each endpoint's throughput is its
//     better rate of the two, and the ratio is of those (the ratio at
//     equal clients is logged too). The four alternate in
//     ANPEI_BENCH_ROUNDS (4) rounds of a slice each, so that anything else
//     the machine does meanwhile weighs on all four alike;
//  3. heartbeats open-loop at the rate, every learner every 15 s
//     (5,000/15 s ≈ 333/s) for ANPEI_BENCH_CYCLES (3) cycles: the achieved
//     rate and the latency measured from each heartbeat's scheduled time.
//
// Target: p99 under 50 ms at the rate and heartbeat throughput at
// least a third of /me's, each at its better number of clients.
//
// ANPEI_BENCH_COMPARE lists, comma-separated, other ways to open the
// database (go-sql-driver DSN parameters joined by "&", plus "pool=N" and
// "prepareStmt" for GORM's statement cache), e.g.
// ANPEI_BENCH_COMPARE='interpolateParams=true,prepareStmt': after the
// phases above, a server per variant serves the same database and
// sessions, and 1 and 2 are measured again on every server, slice by
// slice in turn (ANPEI_BENCH_COMPARE_ROUNDS, 2, rounds of
// ANPEI_BENCH_DURATION/rounds slices, a minute apart so that no measured
// request writes its session's last_seen_at), so the variants compare
// under the same conditions. Every non-2xx answer counts as an error; a 5xx
// or a transport error fails the benchmark. Alongside the figures it logs,
// per request and phase, the SQL statements GORM ran (by kind and table,
// with their mean time), MariaDB's counters (round trips, commits, log
// fsyncs, row-lock waits), connection-pool waits and CPU (this process,
// which is both client and server, and mariadbd).
//
// It needs ANPEI_TEST_MYSQL_DSN and runs only with -bench; use
// -benchtime=1x:
//
//	ANPEI_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/' go test -run=NONE -bench=Heartbeat5000 -benchtime=1x -timeout 20m ./server
func BenchmarkHeartbeat5000(b *testing.B) {
	if os.Getenv("ANPEI_TEST_MYSQL_DSN") == "" {
		b.Skip("ANPEI_TEST_MYSQL_DSN not set: the heartbeat benchmark runs against MariaDB only")
	}
	n := benchEnvInt(b, "ANPEI_BENCH_LEARNERS", 5000)
	workers := benchEnvInt(b, "ANPEI_BENCH_WORKERS", 64)
	cycles := benchEnvInt(b, "ANPEI_BENCH_CYCLES", 3)
	closedFor := time.Duration(benchEnvInt(b, "ANPEI_BENCH_DURATION", 10)) * time.Second
	rounds := benchEnvInt(b, "ANPEI_BENCH_ROUNDS", 4)
	peakWorkers := benchEnvInt(b, "ANPEI_BENCH_PEAK_WORKERS", 4*workers)

	dsn, gdb := openBenchDB(b)
	keys, err := pii.LoadOrCreate(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	base := newBenchServer(b, "production settings (as db.Open opens the database)", gdb, installSQLStats(gdb), keys)
	env := newBenchEnv(b, base, n)
	ld := newLoad(b, env, base, workers)
	ld.probeDSN = dsn
	var variants []*benchServer
	for _, spec := range strings.Split(os.Getenv("ANPEI_BENCH_COMPARE"), ",") {
		if spec = strings.TrimSpace(spec); spec != "" {
			variants = append(variants, openVariant(b, dsn, spec, keys))
		}
	}

	// The session middleware writes a session's last_seen_at when it is
	// more than a minute old. Let the logins age past that, so that the
	// anchor pass touches every session and neither closed-loop phase
	// (both within the next minute) pays for touches the other does not;
	// the open loop then pays them as production does, about one
	// heartbeat in four.
	if wait := time.Until(env.loggedIn.Add(time.Minute + time.Second)); wait > 0 {
		b.Logf("waiting %v for the sessions' last_seen_at to age", wait.Round(time.Second))
		time.Sleep(wait)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Every session's first heartbeat only anchors its clock.
		anchor := ld.measure("anchor", func() phase {
			return ld.closedLoop(workers, 0, func(k int) (int, time.Duration, string) {
				if k >= n {
					return -1, 0, ""
				}
				return ld.heartbeat(ld.learners[k])
			})
		})
		// The two closed loops alternate in slices, with both numbers of
		// clients in every round, so that whatever else the machine does
		// meanwhile weighs on all four alike (all within the minute after
		// the anchor, so none pays for session touches).
		mes, beats := ld.closedPair([]int{workers, peakWorkers}, closedFor, rounds, []*benchServer{base}, false)
		me, closed, mePeak, closedPeak := mes[0], beats[0], mes[1], beats[1]
		mePeak[0].name += fmt.Sprintf(", %d clients", peakWorkers)
		closedPeak[0].name += fmt.Sprintf(", %d clients", peakWorkers)
		meBest, closedBest := max(me[0].rate(), mePeak[0].rate()), max(closed[0].rate(), closedPeak[0].rate())
		open := ld.measure("heartbeat open-loop", func() phase {
			return ld.openLoop(cycles * n)
		})
		openEnded := time.Now()
		// Calibration: what a request costs without the database.
		health := ld.measure("healthz (no session, no database)", func() phase {
			return ld.closedLoop(workers, closedFor/4, func(int) (int, time.Duration, string) {
				req, _ := http.NewRequest("GET", ld.srv.h.ts.URL+"/healthz", nil)
				return ld.do(req)
			})
		})
		b.StopTimer()
		commitMS, rttMS := commitCost(b, gdb)

		ratio := closedBest / meBest
		b.ReportMetric(meBest, "me/s")
		b.ReportMetric(me[0].p(0.99), "me_p99_ms")
		b.ReportMetric(closedBest, "hb/s")
		b.ReportMetric(closed[0].p(0.99), "hb_p99_ms")
		b.ReportMetric(ratio, "ratio")
		b.ReportMetric(closed[0].rate()/me[0].rate(), "ratio_equal_clients")
		b.ReportMetric(open.rate(), "open_hb/s")
		b.ReportMetric(open.p(0.99), "p99_ms")
		b.ReportMetric(0, "ns/op")
		b.Logf("machine: %d CPUs, GOMAXPROCS %d; %d learners, %d workers; MariaDB %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), n, workers, env.dbInfo)
		for _, p := range []phase{anchor, me[0], closed[0], mePeak[0], closedPeak[0], open, health} {
			b.Log(p.String())
		}
		b.Logf("CPU per request (this process + mariadbd): healthz %.2f ms, me %.2f ms, heartbeat %.2f ms (closed loop), %.2f ms (open loop); CPU ratio me/heartbeat %.2f",
			health.cpuPerRequest(), me[0].cpuPerRequest(), closed[0].cpuPerRequest(), open.cpuPerRequest(), me[0].cpuPerRequest()/closed[0].cpuPerRequest())
		b.Logf("a bare commit of a one-row UPDATE (BEGIN, UPDATE, COMMIT) takes %.2f ms; a SELECT 1 round trip %.3f ms", commitMS, rttMS)
		b.Log(exclusionsByReason(gdb))
		b.Logf("closed loops: %d clients: me %.0f/s, heartbeats %.0f/s, ratio %.2f; %d clients: me %.0f/s, heartbeats %.0f/s, ratio %.2f",
			workers, me[0].rate(), closed[0].rate(), closed[0].rate()/me[0].rate(), peakWorkers, mePeak[0].rate(), closedPeak[0].rate(), closedPeak[0].rate()/mePeak[0].rate())
		b.Logf("RESULT me %.0f/s, heartbeats closed-loop %.0f/s (each at its better number of clients), ratio %.2f (target ≥ 0.33; %.2f with %d clients for both); open-loop %.0f/s of %.0f/s wanted, p50 %.1f ms, p99 %.1f ms (target < 50 ms)",
			meBest, closedBest, ratio, closed[0].rate()/me[0].rate(), workers,
			open.rate(), float64(n)/course.HeartbeatInterval.Seconds(), open.p(0.5), open.p(0.99))
		for _, p := range []phase{anchor, me[0], closed[0], mePeak[0], closedPeak[0], open, health} {
			if p.fail != "" {
				b.Errorf("%s: %s", p.name, p.fail)
			}
		}
		if ratio < 1.0/3 || open.p(0.99) >= 50 {
			b.Logf("TARGET MISSED: ratio %.2f (want ≥ 0.33), open-loop p99 %.1f ms (want < 50)", ratio, open.p(0.99))
		}

		// Experiments: the same database and sessions served by servers
		// whose database handle is opened differently, alternating with
		// the production settings slice by slice.
		if len(variants) > 0 {
			servers := append([]*benchServer{base}, variants...)
			ld.touched = openEnded // the open loop touched sessions until it ended
			mes, beats := ld.closedPair([]int{workers}, closedFor, benchEnvInt(b, "ANPEI_BENCH_COMPARE_ROUNDS", 2), servers, true)
			me, closed := mes[0], beats[0]
			for k, srv := range servers {
				b.Logf("COMPARE %s:\n  %s\n  %s", srv.name, me[k], closed[k])
				b.Logf("COMPARE RESULT %-60.60s me %5.0f/s (CPU %.2f ms/request)  heartbeats %4.0f/s (CPU %.2f ms/request)  ratio %.2f",
					srv.name, me[k].rate(), me[k].cpuPerRequest(), closed[k].rate(), closed[k].cpuPerRequest(), closed[k].rate()/me[k].rate())
				for _, p := range []phase{me[k], closed[k]} {
					if p.fail != "" {
						b.Errorf("%s, %s: %s", srv.name, p.name, p.fail)
					}
				}
			}
		}
	}
}

// closedPair runs /me and heartbeats closed-loop on each server in turn,
// with each number of clients in turn, in rounds slices each, and returns
// what each measured: me[c][k] and beats[c][k] are /me and heartbeats
// with clients[c] clients on servers[k]. Each slice lasts d/rounds, so
// every combination runs for d in all. With touch, each round starts once
// every session's last_seen_at is over a minute old with one unmeasured
// GET /api/v1/me per session, which touches them all, so that no measured
// request pays for a touch (the round's slices must fit in the minute
// after).
func (ld *load) closedPair(clients []int, d time.Duration, rounds int, servers []*benchServer, touch bool) (me, beats [][]phase) {
	me, beats = make([][]phase, len(clients)), make([][]phase, len(clients))
	for c := range clients {
		me[c], beats[c] = make([]phase, len(servers)), make([]phase, len(servers))
	}
	slice := d / time.Duration(rounds)
	if touch && slice*time.Duration(2*len(servers)*len(clients)) > 50*time.Second {
		ld.b.Fatalf("%d servers × %d numbers of clients × 2 slices of %v do not fit in the minute between session touches", len(servers), len(clients), slice)
	}
	for r := 0; r < rounds; r++ {
		if touch {
			time.Sleep(time.Until(ld.touched.Add(time.Minute + time.Second)))
			ld.touched = time.Now()
			ld.closedLoop(clients[0], 0, func(k int) (int, time.Duration, string) {
				if k >= len(ld.learners) {
					return -1, 0, ""
				}
				return ld.me(ld.learners[k])
			})
		}
		for k, srv := range servers {
			ld.srv = srv
			for c, n := range clients {
				me[c][k].merge(ld.measure("me", func() phase {
					return ld.closedLoop(n, slice, func(int) (int, time.Duration, string) {
						return ld.me(ld.learners[int(ld.nextMe.Add(1)-1)%len(ld.learners)])
					})
				}))
				beats[c][k].merge(ld.measure("heartbeat closed-loop", func() phase {
					return ld.closedLoop(n, slice, func(int) (int, time.Duration, string) {
						return ld.heartbeat(ld.learners[int(ld.nextBeat.Add(1)-1)%len(ld.learners)])
					})
				}))
			}
		}
	}
	ld.srv = servers[0]
	return me, beats
}

// openBenchDB creates a fresh MariaDB database, opens and migrates it as
// production does (db.Open), and returns its DSN too.
func openBenchDB(b *testing.B) (string, *gorm.DB) {
	dsn := dbtest.NewMySQLDatabase(b)
	gdb := openDSN(b, dsn)
	if err := migrate(gdb); err != nil {
		b.Fatal(err)
	}
	return dsn, gdb
}

func openDSN(b *testing.B, dsn string) *gorm.DB {
	gdb, _, err := db.Open(context.Background(), "mysql:"+dsn, "", slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// openVariant serves the benchmark's database through a handle opened
// differently, for ANPEI_BENCH_COMPARE: spec is go-sql-driver DSN
// parameters joined by "&" (e.g. interpolateParams=true), where
// "pool=N" sets the pool size and "prepareStmt" turns on GORM's prepared
// statement cache.
func openVariant(b *testing.B, dsn, spec string, keys *pii.Keyring) *benchServer {
	var params []string
	pool, prepare := 0, false
	for _, p := range strings.Split(spec, "&") {
		switch {
		case p == "prepareStmt":
			prepare = true
		case strings.HasPrefix(p, "pool="):
			n, err := strconv.Atoi(strings.TrimPrefix(p, "pool="))
			if err != nil || n <= 0 {
				b.Fatalf("ANPEI_BENCH_COMPARE: bad %q", p)
			}
			pool = n
		default:
			params = append(params, p)
		}
	}
	if len(params) > 0 {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + strings.Join(params, "&")
	}
	gdb := openDSN(b, dsn)
	if pool > 0 {
		sqlDB, _ := gdb.DB()
		sqlDB.SetMaxOpenConns(pool)
		sqlDB.SetMaxIdleConns(pool)
	}
	stats := installSQLStats(gdb) // a session shares the handle's callbacks
	if prepare {
		return newBenchServer(b, "EXPERIMENT "+spec, gdb.Session(&gorm.Session{PrepareStmt: true}), stats, keys)
	}
	return newBenchServer(b, "EXPERIMENT "+spec, gdb, stats, keys)
}

func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// benchServer is a server on the real clock over one database handle,
// served on loopback, with the statement counters of that handle.
type benchServer struct {
	name  string
	gdb   *gorm.DB
	stats *sqlStats
	h     *harness
}

// newBenchServer builds the server like newHarness does, but every store
// and the server run on time.Now, and the logger discards (after
// formatting) the access log.
func newBenchServer(b *testing.B, name string, gdb *gorm.DB, stats *sqlStats, keys *pii.Keyring) *benchServer {
	rs := roster.NewStore(gdb, keys, time.Now)
	as := account.NewStore(gdb, account.Options{BcryptCost: bcrypt.MinCost, PersonEnterprise: rs.PersonEnterprise})
	copt := fromroster.Options(rs)
	copt.Policy = course.DefaultPolicy()
	copt.Policy.ChallengeEvery = course.Range{Min: time.Hour, Max: time.Hour}
	copt.Rand = func() float64 { return 1 } // first presence challenge an hour in
	cs, err := course.NewStore(gdb, copt)
	if err != nil {
		b.Fatal(err)
	}
	ms, err := media.NewStore(filepath.Join(b.TempDir(), "uploads"))
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := New(Config{LoginEvery: time.Minute, LoginBurst: 10},
		Deps{DB: gdb, Accounts: as, Roster: rs, Courses: cs, Media: ms, Keys: keys, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return &benchServer{name: name, gdb: gdb, stats: stats,
		h: &harness{t: b, gdb: gdb, srv: srv, ts: ts, accounts: as, roster: rs, courses: cs, logs: &bytes.Buffer{}}}
}

// benchEnv is n learners, each signed in and with a playback session of
// one long lesson open.
type benchEnv struct {
	learners  []*benchLearner
	duration  time.Duration
	dbInfo    string
	deadlocks int64     // of StartPlayback in the setup
	loggedIn  time.Time // when the last login was made
}

type benchLearner struct {
	cookie, csrf string
	path         string // of the heartbeat
	session      string
	nonce        []byte

	mu       sync.Mutex // one heartbeat at a time, in seq order
	seq      uint64
	pos      time.Duration
	last     time.Time // the last heartbeat was sent
	answered time.Time // and answered
}

// newBenchEnv seeds, through srv's stores: one enterprise, n people on
// duty (one UpsertPeople), n learner accounts (account store,
// bcrypt.MinCost), a login each (account store), one published course
// with a 100-minute text lesson, and a playback session per learner
// (course store).
func newBenchEnv(b *testing.B, srv *benchServer, n int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	h, gdb, rs, as, cs := srv.h, srv.gdb, srv.h.roster, srv.h.accounts, srv.h.courses
	env := &benchEnv{}
	gdb.Raw("SELECT CONCAT(VERSION(), ', innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit, ', sync_binlog=', @@sync_binlog, ', log_bin=', @@log_bin, ', buffer pool ', @@innodb_buffer_pool_size DIV 1048576, ' MiB')").Scan(&env.dbInfo)

	took := func(what string, start time.Time) {
		b.Logf("setup: %s in %v", what, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	trainer := h.user(account.NewUser{Username: "bench-trainer", Role: account.RoleTrainer})
	_, lessonID := publishTextCourse(b, cs, trainer.Principal(), "危险化学品安全生产培训", 30000)
	lesson, _, err := cs.LessonFor(ctx, trainer.Principal(), lessonID)
	if err != nil {
		b.Fatal(err)
	}
	env.duration = lesson.Duration()
	ent, err := rs.CreateEnterprise(ctx, account.System(), roster.EnterpriseInput{
		Name: "曲靖安培化工有限公司", CreditCode: ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode("MA000001")),
		TownCode: "530302001", IndustryCode: "hazchem", ContactName: "张三", ContactPhone: "13800000000",
	})
	if err != nil {
		b.Fatal(err)
	}
	took("course and enterprise", start)

	start = time.Now()
	appointed := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]roster.PersonInput, n)
	for i := range rows {
		birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/499)
		rows[i] = roster.PersonInput{DocNumber: ident.MakeResidentID("530302", birth, i%499, i%2 == 0),
			Name: fmt.Sprintf("工人%05d", i), Phone: "13912345678", Education: roster.EduSenior,
			Categories: roster.CategorySpecialOperator, OperationItems: []string{"1.2"}, Position: "电工",
			DutyStatus: roster.DutyOn, AppointedOn: &appointed}
	}
	if res, err := rs.UpsertPeople(ctx, account.System(), ent.ID, rows); err != nil || res.Created != n {
		b.Fatalf("upsert people: %+v, %v", res, err)
	}
	var people []uint
	if err := gdb.Model(&roster.Person{}).Where("enterprise_id = ?", ent.ID).Order("id").Pluck("id", &people).Error; err != nil || len(people) != n {
		b.Fatalf("people: %d, %v", len(people), err)
	}
	took(fmt.Sprintf("%d people (UpsertPeople)", n), start)

	start = time.Now()
	users := make([]account.User, n)
	parallel(b, n, 16, func(i int) error {
		u, err := as.CreateUser(ctx, account.System(), account.NewUser{Username: fmt.Sprintf("bench%05d", i), Name: fmt.Sprintf("工人%05d", i),
			Role: account.RoleLearner, PersonID: people[i], Password: "anpei-test-1"})
		users[i] = u
		return err
	})
	took(fmt.Sprintf("%d learner accounts (CreateUser)", n), start)

	start = time.Now()
	env.learners = make([]*benchLearner, n)
	parallel(b, n, 16, func(i int) error {
		in, err := as.Login(ctx, users[i].Username, "anpei-test-1", "127.0.0.1", "bench")
		if err != nil {
			return err
		}
		env.learners[i] = &benchLearner{cookie: sessionCookie + "=" + in.Token, csrf: in.CSRFToken}
		return nil
	})
	took(fmt.Sprintf("%d logins (Login)", n), start)
	env.loggedIn = time.Now()

	// Learners opening their first lesson at the same moment deadlock in
	// StartPlayback on MariaDB (lockState's INSERT … ON DUPLICATE KEY
	// UPDATE of a new watch_states row: both take the next-key lock on the
	// index's supremum, then wait for each other's insert intention). The
	// server answers such a request 500; here it is retried and counted.
	start = time.Now()
	if os.Getenv("ANPEI_BENCH_PRECREATE_STATE") == "1" {
		// Experiment: the watch-state rows exist before the first
		// playback (made here by plain autocommitted inserts), so
		// StartPlayback's locking read finds its row and takes no gap lock.
		states := make([]course.WatchState, n)
		for i := range states {
			states[i].PersonID = people[i]
		}
		if err := gdb.CreateInBatches(&states, 500).Error; err != nil {
			b.Fatal(err)
		}
		b.Logf("setup: EXPERIMENT watch_states rows created before the first playback")
	}
	var deadlocks atomic.Int64
	parallel(b, n, 16, func(i int) error {
		p := users[i].Principal()
		p.EnterpriseID = ent.ID
		pb, err := cs.StartPlayback(ctx, p, lessonID)
		for try := 0; isDeadlock(err) && try < 10; try++ {
			deadlocks.Add(1)
			pb, err = cs.StartPlayback(ctx, p, lessonID)
		}
		if err != nil {
			return err
		}
		l := env.learners[i]
		l.session, l.path = pb.ID, "/api/v1/playback/"+pb.ID+"/heartbeat"
		l.nonce, err = hex.DecodeString(pb.Nonce)
		return err
	})
	took(fmt.Sprintf("%d playback sessions (StartPlayback, 16 at a time; %d deadlocks retried)", n, deadlocks.Load()), start)
	env.deadlocks = deadlocks.Load()
	return env
}

// exclusionsByReason summarizes the ledger's exclusions: honest players
// only produce small ones, from the jitter between the player's clock and
// the server's.
func exclusionsByReason(gdb *gorm.DB) string {
	var rows []struct {
		Reason string
		N      int64
		Wall   float64
		Seg    float64
		Small  int64
	}
	err := gdb.Model(&course.ExclusionEntry{}).
		Select("reason, COUNT(*) AS n, AVG(wall_ms) AS wall, AVG(seg_end - seg_start) AS seg, SUM(CASE WHEN wall_ms < 1000 AND seg_end - seg_start < 1000 THEN 1 ELSE 0 END) AS small").
		Group("reason").Order("reason").Scan(&rows).Error
	if err != nil {
		return "exclusions: " + err.Error()
	}
	var credits int64
	gdb.Model(&course.CreditEntry{}).Count(&credits)
	var s strings.Builder
	fmt.Fprintf(&s, "ledger: %d credit rows; exclusion rows by reason:", credits)
	for _, r := range rows {
		fmt.Fprintf(&s, " %s %d (mean %.0f ms of wall clock, %.0f ms of lesson; %d under a second);", r.Reason, r.N, r.Wall, r.Seg, r.Small)
	}
	return s.String()
}

func isDeadlock(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// parallel runs fn(0..n-1) on workers goroutines and fails b on the first
// error.
func parallel(b *testing.B, n, workers int, fn func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- fmt.Errorf("item %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// load sends the requests: one keep-alive transport for every client, as
// many idle connections kept as there can be requests in flight.
type load struct {
	b                *testing.B
	env              *benchEnv
	learners         []*benchLearner
	srv              *benchServer // the server requests go to
	client           *http.Client
	profiles         map[string]int // CPU profiles written, by phase
	nextMe, nextBeat atomic.Int64   // the learner whose turn it is
	touched          time.Time      // when sessions' last_seen_at were last written
	probeDSN         string         // of the database, for the open loop's probe
}

func newLoad(b *testing.B, env *benchEnv, srv *benchServer, workers int) *load {
	tr := &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers, IdleConnTimeout: time.Minute, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &load{b: b, env: env, learners: env.learners, srv: srv, client: &http.Client{Transport: tr, Timeout: time.Minute}, profiles: map[string]int{}}
}

// heartbeat sends learner l's next heartbeat, as an honest player playing
// since its last one: the position advances by the wall-clock time since.
func (ld *load) heartbeat(l *benchLearner) (int, time.Duration, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.seq > 0 {
		// The server times a heartbeat when it handles it, at the latest
		// when it answers: wait twice MinHeartbeat after the last answer,
		// so the generator never causes a 429 (with 5,000 sessions it
		// never has to).
		if gap := now.Sub(l.answered); gap < 2*course.DefaultPolicy().MinHeartbeat {
			time.Sleep(2*course.DefaultPolicy().MinHeartbeat - gap)
			now = time.Now()
		}
		l.pos = min(l.pos+now.Sub(l.last), ld.env.duration).Truncate(time.Millisecond)
	}
	l.seq++
	l.last = now
	body, _ := json.Marshal(beat{Seq: l.seq, PositionMS: l.pos.Milliseconds(), Playing: true, Token: course.Sign(l.nonce, l.session, l.seq, l.pos)})
	req, _ := http.NewRequest("POST", ld.srv.h.ts.URL+l.path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", l.cookie)
	req.Header.Set(csrfHeader, l.csrf)
	st, lat, msg := ld.do(req)
	l.answered = time.Now()
	return st, lat, msg
}

// me asks GET /api/v1/me with l's session.
func (ld *load) me(l *benchLearner) (int, time.Duration, string) {
	req, _ := http.NewRequest("GET", ld.srv.h.ts.URL+"/api/v1/me", nil)
	req.Header.Set("Cookie", l.cookie)
	return ld.do(req)
}

// do sends req and returns the status (0 for a transport error), the
// latency and, for a failure, what the answer said.
func (ld *load) do(req *http.Request) (int, time.Duration, string) {
	start := time.Now()
	res, err := ld.client.Do(req)
	if err != nil {
		return 0, time.Since(start), err.Error()
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	lat := time.Since(start)
	if err != nil {
		return 0, lat, err.Error()
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, lat, string(body)
	}
	return res.StatusCode, lat, ""
}

// phase is what one phase of the benchmark measured.
type phase struct {
	name    string
	elapsed time.Duration
	lat     []time.Duration // sorted
	sendLat []time.Duration // open loop: from the actual send, sorted
	status  map[int]int
	sample  map[int]string
	fail    string
	d       snap    // diagnostics: the difference over the phase
	wanted  float64 // open loop: the rate asked for
	// open loop: latencies by 5-second window of the scheduled time, and
	// what the probe saw in the same windows
	windows [][]time.Duration
	probes  []probeWindow
}

func (p phase) ok() int {
	n := 0
	for s, c := range p.status {
		if s/100 == 2 {
			n += c
		}
	}
	return n
}

func (p phase) errors() int { return len(p.lat) - p.ok() }

func (p phase) rate() float64 { return float64(len(p.lat)) / p.elapsed.Seconds() }

// cpuPerRequest is the CPU time this process and mariadbd spent per
// request, in ms.
func (p phase) cpuPerRequest() float64 { return msPer(p.d.selfCPU+p.d.dbCPU, int64(len(p.lat))) }

// p returns the q-quantile of the latencies in ms.
func (p phase) p(q float64) float64 { return quantile(p.lat, q) }

func quantile(lat []time.Duration, q float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	i := min(len(lat)-1, int(q*float64(len(lat))))
	return float64(lat[i]) / float64(time.Millisecond)
}

func (p phase) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %d requests in %v = %.0f/s; latency p50 %.1f ms, p90 %.1f, p99 %.1f, max %.1f; errors %d %v",
		p.name, len(p.lat), p.elapsed.Round(time.Millisecond), p.rate(), p.p(0.5), p.p(0.9), p.p(0.99), quantile(p.lat, 1), p.errors(), p.status)
	if p.sendLat != nil {
		fmt.Fprintf(&s, "; asked %.0f/s; latency from the actual send p50 %.1f ms, p99 %.1f", p.wanted, quantile(p.sendLat, 0.5), quantile(p.sendLat, 0.99))
	}
	for i, w := range p.windows {
		slices.Sort(w)
		fmt.Fprintf(&s, "\n    %2d–%2d s: %4d heartbeats, p50 %7.1f ms, p99 %7.1f, max %7.1f", 5*i, 5*i+5, len(w), quantile(w, 0.5), quantile(w, 0.99), quantile(w, 1))
		if i < len(p.probes) {
			pw := p.probes[i]
			pct := func(d time.Duration) float64 { return 100 * d.Seconds() / 5 }
			fmt.Fprintf(&s, " | probe commit p50 %5.2f ms, max %6.1f | CPU %% of a core: this process %3.0f, mariadbd %3.0f, others %3.0f",
				quantile(pw.commits, 0.5), quantile(pw.commits, 1), pct(pw.self), pct(pw.db), pct(pw.other))
		}
	}
	for st, body := range p.sample {
		fmt.Fprintf(&s, "\n    e.g. %d: %.300s", st, body)
	}
	s.WriteString(p.d.report(len(p.lat), p.elapsed))
	return s.String()
}

// record merges one worker's results into p.
func (p *phase) record(mu *sync.Mutex, lat []time.Duration, status map[int]int, sample map[int]string) {
	mu.Lock()
	defer mu.Unlock()
	p.lat = append(p.lat, lat...)
	if p.status == nil {
		p.status, p.sample = map[int]int{}, map[int]string{}
	}
	for s, c := range status {
		p.status[s] += c
	}
	for s, body := range sample {
		if _, ok := p.sample[s]; !ok {
			p.sample[s] = body
		}
	}
}

// merge adds o, a later slice of the same phase, to p.
func (p *phase) merge(o phase) {
	p.name = o.name
	p.lat = append(p.lat, o.lat...)
	p.elapsed += o.elapsed
	if p.status == nil {
		p.status, p.sample = map[int]int{}, map[int]string{}
	}
	for s, c := range o.status {
		p.status[s] += c
	}
	for s, body := range o.sample {
		if _, ok := p.sample[s]; !ok {
			p.sample[s] = body
		}
	}
	p.d = p.d.plus(o.d)
	p.finish()
}

func (p *phase) finish() {
	slices.Sort(p.lat)
	slices.Sort(p.sendLat)
	switch {
	case p.status[0] > 0:
		p.fail = fmt.Sprintf("%d transport errors", p.status[0])
	default:
		for s, c := range p.status {
			if s >= 500 {
				p.fail += fmt.Sprintf("%d × %d; ", c, s)
			}
		}
	}
}

// closedLoop runs workers that each send one request after the other for
// d (until send returns a negative status when d is 0); send gets the
// worker's request count so far.
func (ld *load) closedLoop(workers int, d time.Duration, send func(k int) (int, time.Duration, string)) phase {
	var (
		p     phase
		mu    sync.Mutex
		wg    sync.WaitGroup
		count atomic.Int64
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			status, sample := map[int]int{}, map[int]string{}
			for d == 0 || time.Now().Before(deadline) {
				st, l, body := send(int(count.Add(1) - 1))
				if st < 0 {
					break
				}
				lat = append(lat, l)
				status[st]++
				if body != "" && sample[st] == "" {
					sample[st] = body
				}
			}
			p.record(&mu, lat, status, sample)
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.finish()
	return p
}

// openLoop sends total heartbeats at the rate, learner after
// learner, each learner every HeartbeatInterval, whether or not earlier
// ones have been answered. Latency runs from the scheduled time, so a
// server (or generator) falling behind shows.
func (ld *load) openLoop(total int) phase {
	n := len(ld.learners)
	every := course.HeartbeatInterval / time.Duration(n)
	p := phase{wanted: float64(n) / course.HeartbeatInterval.Seconds(), status: map[int]int{}, sample: map[int]string{}}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := time.Now().Add(50 * time.Millisecond)
	stopProbe := ld.probe(start, &p)
	defer stopProbe()
	for k := 0; k < total; k++ {
		at := start.Add(time.Duration(k) * every)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		win := int(at.Sub(start) / (5 * time.Second))
		go func(l *benchLearner) {
			defer wg.Done()
			st, sendLat, body := ld.heartbeat(l)
			lat := time.Since(at)
			mu.Lock()
			for len(p.windows) <= win {
				p.windows = append(p.windows, nil)
			}
			p.windows[win] = append(p.windows[win], lat)
			p.lat = append(p.lat, lat)
			p.sendLat = append(p.sendLat, sendLat)
			p.status[st]++
			if body != "" && p.sample[st] == "" {
				p.sample[st] = body
			}
			mu.Unlock()
		}(ld.learners[k%n])
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	stopProbe()
	p.finish()
	return p
}

// probeWindow is what the probe saw in a 5-second window of the open loop.
type probeWindow struct {
	commits               []time.Duration // of the probe's one-row transactions, sorted
	self, db, other, busy time.Duration   // CPU time
}

// probe watches the open loop from start, in 5-second windows, until the
// returned stop is called (stop may be called more than once): every
// 100 ms it commits a one-row UPDATE on a connection of its own (how long
// a commit, fsync included, takes at that moment), and at each window's
// end it reads the CPU time of this process, of mariadbd and of the
// machine. The windows end up in p.probes.
func (ld *load) probe(start time.Time, p *phase) (stop func()) {
	sqlDB, err := sql.Open("mysql", ld.probeDSN)
	if err != nil {
		ld.b.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	ctx := context.Background()
	for _, q := range []string{"CREATE TABLE IF NOT EXISTS bench_probe (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB", "INSERT IGNORE INTO bench_probe VALUES (1, 0)"} {
		if _, err := sqlDB.ExecContext(ctx, q); err != nil {
			ld.b.Fatal(err)
		}
	}
	done := make(chan struct{})
	finished := make(chan []probeWindow)
	go func() {
		var windows []probeWindow
		cpu := func() (self, db, busy time.Duration) {
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), mariadbCPU(), machineBusy()
		}
		self0, db0, busy0 := cpu()
		closeWindow := func() {
			self1, db1, busy1 := cpu()
			w := &windows[len(windows)-1]
			w.self, w.db, w.busy = self1-self0, db1-db0, busy1-busy0
			w.other = max(w.busy-w.self-w.db, 0)
			slices.Sort(w.commits)
			self0, db0, busy0 = self1, db1, busy1
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if len(windows) > 0 {
					closeWindow()
				}
				finished <- windows
				return
			case now := <-tick.C:
				if now.Before(start) {
					continue
				}
				win := int(now.Sub(start) / (5 * time.Second))
				for len(windows) <= win {
					if len(windows) > 0 {
						closeWindow()
					}
					windows = append(windows, probeWindow{})
				}
				t0 := time.Now()
				tx, err := sqlDB.BeginTx(ctx, nil)
				if err == nil {
					if _, err = tx.ExecContext(ctx, "UPDATE bench_probe SET n = n + 1 WHERE id = 1"); err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
				}
				if err == nil {
					windows[win].commits = append(windows[win].commits, time.Since(t0))
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			p.probes = <-finished
			sqlDB.Close()
		})
	}
}

// measure runs a phase between two snapshots of the diagnostics and
// attaches their difference per request.
// With ANPEI_BENCH_CPUPROFILE=prefix it writes the phase's CPU profile
// (this process: client and server) to prefix.<phase>.
func (ld *load) measure(name string, run func() phase) phase {
	if prefix := os.Getenv("ANPEI_BENCH_CPUPROFILE"); prefix != "" {
		ld.profiles[name]++
		f, err := os.Create(fmt.Sprintf("%s.%s.%d", prefix, strings.ReplaceAll(name, " ", "-"), ld.profiles[name]))
		if err != nil {
			ld.b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			ld.b.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	before := ld.snapshot()
	p := run()
	after := ld.snapshot()
	p.name = name
	p.d = after.minus(before)
	return p
}

// snap is a reading of the diagnostics: MariaDB's counters, the pool,
// CPU time of this process and of mariadbd, the GORM statements.
type snap struct {
	status     map[string]int64
	waitCount  int64
	waitTime   time.Duration
	selfCPU    time.Duration
	dbCPU      time.Duration
	busyCPU    time.Duration // of the whole machine
	gcs        uint32        // garbage collections of this process
	gcPause    time.Duration // and their stop-the-world pauses
	load       string        // load average; of a difference: "from → to"
	statements map[string]sqlStat
}

// minus returns the difference a - b of two readings, b the earlier.
func (a snap) minus(b snap) snap {
	d := snap{status: map[string]int64{}, statements: map[string]sqlStat{},
		waitCount: a.waitCount - b.waitCount, waitTime: a.waitTime - b.waitTime,
		selfCPU: a.selfCPU - b.selfCPU, dbCPU: a.dbCPU - b.dbCPU, busyCPU: a.busyCPU - b.busyCPU, load: b.load + " → " + a.load,
		gcs: a.gcs - b.gcs, gcPause: a.gcPause - b.gcPause}
	for k, v := range a.status {
		d.status[k] = v - b.status[k]
	}
	for k, st := range a.statements {
		if n := st.n - b.statements[k].n; n > 0 {
			d.statements[k] = sqlStat{n: n, t: st.t - b.statements[k].t}
		}
	}
	return d
}

// plus returns the sum of two differences.
func (a snap) plus(b snap) snap {
	if a.status == nil {
		return b
	}
	d := snap{status: map[string]int64{}, statements: map[string]sqlStat{},
		waitCount: a.waitCount + b.waitCount, waitTime: a.waitTime + b.waitTime,
		selfCPU: a.selfCPU + b.selfCPU, dbCPU: a.dbCPU + b.dbCPU, busyCPU: a.busyCPU + b.busyCPU,
		gcs: a.gcs + b.gcs, gcPause: a.gcPause + b.gcPause}
	from, _, _ := strings.Cut(a.load, " → ")
	_, to, _ := strings.Cut(b.load, " → ")
	d.load = from + " → " + to
	for _, m := range []map[string]int64{a.status, b.status} {
		for k, v := range m {
			d.status[k] += v
		}
	}
	for _, m := range []map[string]sqlStat{a.statements, b.statements} {
		for k, v := range m {
			st := d.statements[k]
			d.statements[k] = sqlStat{n: st.n + v.n, t: st.t + v.t}
		}
	}
	return d
}

var watchedStatus = []string{"Questions", "Com_begin", "Com_commit", "Com_rollback", "Com_select", "Com_insert", "Com_update",
	"Com_stmt_prepare", "Com_stmt_execute", "Com_stmt_close", "Innodb_log_writes", "Innodb_data_fsyncs",
	"Innodb_row_lock_waits", "Innodb_row_lock_time"}

func (ld *load) snapshot() snap {
	s := snap{status: map[string]int64{}, statements: ld.srv.stats.copy()}
	rows, err := ld.srv.gdb.Raw("SHOW GLOBAL STATUS").Rows()
	if err == nil {
		for rows.Next() {
			var k, v string
			if rows.Scan(&k, &v) == nil && slices.Contains(watchedStatus, k) {
				s.status[k], _ = strconv.ParseInt(v, 10, 64)
			}
		}
		rows.Close()
	}
	if sqlDB, err := ld.srv.gdb.DB(); err == nil {
		st := sqlDB.Stats()
		s.waitCount, s.waitTime = st.WaitCount, st.WaitDuration
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.selfCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	s.dbCPU = mariadbCPU()
	s.busyCPU = machineBusy()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.gcs, s.gcPause = ms.NumGC, time.Duration(ms.PauseTotalNs)
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		s.load = strings.Join(strings.Fields(string(l))[:3], " ")
	}
	return s
}

// machineBusy returns the CPU time all processes have used (/proc/stat:
// user, nice, system, irq, softirq, steal), 0 if it cannot be read.
func machineBusy() time.Duration {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// report says what the difference d means per request.
func (d snap) report(requests int, elapsed time.Duration) string {
	if requests == 0 || d.status == nil {
		return ""
	}
	per := func(k string) float64 { return float64(d.status[k]) / float64(requests) }
	var s strings.Builder
	fmt.Fprintf(&s, "\n    per request (MariaDB's global counters: other clients of the server count too): %.1f Questions; %.1f prepares + %.1f executes + %.1f closes of server-side prepared statements; %.2f BEGIN, %.2f COMMIT, %.2f ROLLBACK, %.1f SELECT, %.2f INSERT, %.2f UPDATE; %.2f redo-log writes, %.2f fsyncs",
		per("Questions"), per("Com_stmt_prepare"), per("Com_stmt_execute"), per("Com_stmt_close"), per("Com_begin"), per("Com_commit"), per("Com_rollback"),
		per("Com_select"), per("Com_insert"), per("Com_update"), per("Innodb_log_writes"), per("Innodb_data_fsyncs"))
	fmt.Fprintf(&s, "\n    row-lock waits %d (%d ms in all); connection-pool waits %d (%.1f ms each on average); %d GCs of this process, %.1f ms of pauses in all",
		d.status["Innodb_row_lock_waits"], d.status["Innodb_row_lock_time"], d.waitCount, msPer(d.waitTime, d.waitCount), d.gcs, msPer(d.gcPause, 1))
	other := d.busyCPU - d.selfCPU - d.dbCPU
	fmt.Fprintf(&s, "\n    CPU: this process (client and server) %.2f ms/request = %.0f%% of a core; mariadbd %.2f ms/request = %.0f%% of a core; other processes %.0f%% of a core (load average %s)",
		msPer(d.selfCPU, int64(requests)), 100*d.selfCPU.Seconds()/elapsed.Seconds(),
		msPer(d.dbCPU, int64(requests)), 100*d.dbCPU.Seconds()/elapsed.Seconds(),
		100*max(other, 0).Seconds()/elapsed.Seconds(), d.load)
	type row struct {
		key string
		st  sqlStat
	}
	var rows []row
	var total time.Duration
	var count int64
	for k, st := range d.statements {
		rows = append(rows, row{k, st})
		total += st.t
		count += st.n
	}
	slices.SortFunc(rows, func(x, y row) int { return int(y.st.t - x.st.t) })
	fmt.Fprintf(&s, "\n    GORM statements: %.2f per request, %.2f ms per request in all (from GORM's call to its return, connection-pool wait included):", float64(count)/float64(requests), msPer(total, int64(requests)))
	for _, r := range rows {
		fmt.Fprintf(&s, "\n      %-44s %5.2f/request  mean %6.2f ms", r.key, float64(r.st.n)/float64(requests), msPer(r.st.t, r.st.n))
	}
	return s.String()
}

func msPer(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond) / float64(n)
}

// mariadbCPU returns the CPU time mariadbd (or mysqld) on this machine has
// used, 0 if it cannot be read (a server elsewhere).
func mariadbCPU() time.Duration {
	dirs, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, f := range dirs {
		comm, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if c := strings.TrimSpace(string(comm)); c != "mariadbd" && c != "mysqld" {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(filepath.Dir(f), "stat"))
		if err != nil {
			return 0
		}
		// Fields after the ")" closing the command: state is field 3,
		// utime and stime are fields 14 and 15, in clock ticks (100 Hz).
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 13 {
			return 0
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		s, _ := strconv.ParseInt(fields[12], 10, 64)
		return time.Duration(u+s) * 10 * time.Millisecond
	}
	return 0
}

// sqlStats counts and times the statements GORM runs, by kind and table
// ("query watch_states FOR UPDATE", "create lesson_progress ON CONFLICT").
type sqlStats struct {
	mu sync.Mutex
	m  map[string]sqlStat
}

type sqlStat struct {
	n int64
	t time.Duration
}

func (s *sqlStats) copy() map[string]sqlStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]sqlStat, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

func installSQLStats(gdb *gorm.DB) *sqlStats {
	s := &sqlStats{m: map[string]sqlStat{}}
	const key = "anpei:bench_start"
	before := func(db *gorm.DB) { db.InstanceSet(key, time.Now()) }
	after := func(kind string) func(db *gorm.DB) {
		return func(db *gorm.DB) {
			v, ok := db.InstanceGet(key)
			if !ok {
				return
			}
			name := kind + " " + db.Statement.Table
			if _, ok := db.Statement.Clauses[clause.Locking{}.Name()]; ok {
				name += " FOR UPDATE"
			}
			if _, ok := db.Statement.Clauses[clause.OnConflict{}.Name()]; ok {
				name += " ON CONFLICT"
			}
			if db.Statement.Table == "" {
				name = kind + " " + rawStatementName(db.Statement.SQL.String())
			}
			d := time.Since(v.(time.Time))
			s.mu.Lock()
			st := s.m[name]
			st.n++
			st.t += d
			s.m[name] = st
			s.mu.Unlock()
		}
	}
	cb := gdb.Callback()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(cb.Create().Before("gorm:create").Register("anpei:bench_before_create", before))
	must(cb.Create().After("gorm:create").Register("anpei:bench_after_create", after("create")))
	must(cb.Query().Before("gorm:query").Register("anpei:bench_before_query", before))
	must(cb.Query().After("gorm:query").Register("anpei:bench_after_query", after("query")))
	must(cb.Update().Before("gorm:update").Register("anpei:bench_before_update", before))
	must(cb.Update().After("gorm:update").Register("anpei:bench_after_update", after("update")))
	must(cb.Delete().Before("gorm:delete").Register("anpei:bench_before_delete", before))
	must(cb.Delete().After("gorm:delete").Register("anpei:bench_after_delete", after("delete")))
	must(cb.Row().Before("gorm:row").Register("anpei:bench_before_row", before))
	must(cb.Row().After("gorm:row").Register("anpei:bench_after_row", after("row")))
	must(cb.Raw().Before("gorm:raw").Register("anpei:bench_before_raw", before))
	must(cb.Raw().After("gorm:raw").Register("anpei:bench_after_raw", after("raw")))
	return s
}

// rawStatementName names a raw statement by its verb and table:
// "INSERT INTO training_credits", "UPDATE playback_sessions",
// "SELECT FROM playback_sessions FOR UPDATE", "SHOW".
func rawStatementName(sql string) string {
	words := strings.Fields(strings.ReplaceAll(sql, "`", "") + " ?")
	verb := strings.ToUpper(words[0])
	after := func(w string) string {
		for i := 0; i+1 < len(words); i++ {
			if strings.EqualFold(words[i], w) {
				return " " + strings.TrimSuffix(words[i+1], ",")
			}
		}
		return ""
	}
	switch verb {
	case "SELECT":
		name := "SELECT FROM" + after("FROM")
		if strings.Contains(strings.ToUpper(sql), " FOR UPDATE") {
			name += " FOR UPDATE"
		}
		return name
	case "INSERT":
		return "INSERT INTO" + after("INTO")
	case "UPDATE":
		return "UPDATE" + after("UPDATE")
	}
	return verb
}

// commitCost times, on the benchmark's database, 200 sequential
// transactions of one single-row UPDATE each (what a commit with its redo
// fsync costs here) and 200 SELECT 1 (a bare round trip), in ms.
func commitCost(b *testing.B, gdb *gorm.DB) (commitMS, rttMS float64) {
	sqlDB, err := gdb.DB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := sqlDB.ExecContext(ctx, "CREATE TABLE bench_commit (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB"); err != nil {
		b.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "INSERT INTO bench_commit VALUES (1, 0)"); err != nil {
		b.Fatal(err)
	}
	const rounds = 200
	start := time.Now()
	for i := 0; i < rounds; i++ {
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE bench_commit SET n = n + 1 WHERE id = 1"); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	commitMS = float64(time.Since(start)) / float64(time.Millisecond) / rounds
	start = time.Now()
	for i := 0; i < rounds; i++ {
		var one int
		if err := sqlDB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
	}
	rttMS = float64(time.Since(start)) / float64(time.Millisecond) / rounds
	return commitMS, rttMS
}
