package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
)

// clock is a settable test clock shared by the nodes of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func nodes(t *testing.T, gdb *gorm.DB, n int, now func() time.Time) []*Store {
	t.Helper()
	out := make([]*Store, n)
	for i := range out {
		s, err := New(gdb, fmt.Sprintf("node-%02d", i), now)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// TestOnceAcrossNodes: 16 nodes (each its own Store, on one database pool)
// ask for the same period at the same moment; exactly one runs it, and
// nobody runs it again once it is done. A new period runs once more.
func TestOnceAcrossNodes(t *testing.T) {
	dbtest.Each(t, AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		ns := nodes(t, gdb, 16, nil)
		var ran atomic.Int32
		var who sync.Map
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, s := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := s.Once(ctx, "compliance-refresh", "2025-06-01", time.Minute, func(context.Context) error {
					ran.Add(1)
					time.Sleep(50 * time.Millisecond) // the others ask while it runs
					return nil
				})
				if err != nil {
					t.Errorf("%s: %v", s.Node(), err)
				}
				if ok {
					who.Store(s.Node(), true)
				}
			}()
		}
		close(start)
		wg.Wait()
		if n := ran.Load(); n != 1 {
			t.Fatalf("the period ran %d times across 16 nodes, want 1", n)
		}
		for _, s := range ns { // done: nobody runs it again
			if ok, err := s.Once(ctx, "compliance-refresh", "2025-06-01", time.Minute, func(context.Context) error { ran.Add(1); return nil }); ok || err != nil {
				t.Fatalf("%s ran a finished period again (%v, %v)", s.Node(), ok, err)
			}
		}
		runs, err := ns[0].Runs(ctx, "compliance-refresh", 10)
		if err != nil || len(runs) != 1 || runs[0].FinishedAt == nil || runs[0].Attempts != 1 {
			t.Fatalf("runs = %+v, %v; want one finished run with one attempt", runs, err)
		}
		if _, ok := who.Load(runs[0].Node); !ok {
			t.Fatalf("the row names %s, which did not run it", runs[0].Node)
		}
		if ok, err := ns[5].Once(ctx, "compliance-refresh", "2025-06-02", time.Minute, func(context.Context) error { ran.Add(1); return nil }); !ok || err != nil || ran.Load() != 2 {
			t.Fatalf("the next day did not run: %v, %v, ran %d", ok, err, ran.Load())
		}
	})
}

// TestOnceTakeover: a node that died mid-run leaves an unfinished period
// nobody else runs while its lease lasts, and which one node takes over
// after; a failed run is retried at once; a run that loses its lease is
// cancelled.
func TestOnceTakeover(t *testing.T) {
	dbtest.Each(t, AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2025, 6, 1, 16, 5, 0, 0, time.UTC)}
		ns := nodes(t, gdb, 3, clk.now)
		a, b, c := ns[0], ns[1], ns[2]
		// a "dies" mid-run: its row stays unfinished, lease 10 min.
		if ok, err := a.claim(ctx, "remind", "2025-06-02T00", 10*time.Minute); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, err := b.Once(ctx, "remind", "2025-06-02T00", 10*time.Minute, func(context.Context) error { return nil }); ok || err != nil {
			t.Fatalf("b ran a period under a live lease: %v %v", ok, err)
		}
		clk.add(11 * time.Minute)
		var ran atomic.Int32
		var wg sync.WaitGroup
		for _, s := range []*Store{b, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Once(ctx, "remind", "2025-06-02T00", 10*time.Minute, func(context.Context) error { ran.Add(1); return nil }); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ran.Load() != 1 {
			t.Fatalf("after the lease ran out the period ran %d times, want 1", ran.Load())
		}
		runs, _ := a.Runs(ctx, "remind", 1)
		if len(runs) != 1 || runs[0].Attempts != 2 || runs[0].Node == a.Node() || runs[0].FinishedAt == nil {
			t.Fatalf("after takeover: %+v", runs)
		}

		// A failure keeps the period open and releases it: the next
		// call (another node) runs it, and the error is recorded.
		boom := errors.New("database away")
		if ok, err := a.Once(ctx, "snapshot", "2025-06", time.Hour, func(context.Context) error { return boom }); !ok || !errors.Is(err, boom) {
			t.Fatalf("failing run: %v %v", ok, err)
		}
		runs, _ = a.Runs(ctx, "snapshot", 1)
		if len(runs) != 1 || runs[0].FinishedAt != nil || runs[0].LastError != "database away" {
			t.Fatalf("failed run recorded as %+v", runs)
		}
		clk.add(time.Millisecond)
		if ok, err := b.Once(ctx, "snapshot", "2025-06", time.Hour, func(context.Context) error { return nil }); !ok || err != nil {
			t.Fatalf("retry after a failure: %v %v", ok, err)
		}
		runs, _ = a.Runs(ctx, "snapshot", 1)
		if runs[0].FinishedAt == nil || runs[0].Attempts != 2 || runs[0].LastError != "" || runs[0].Node != b.Node() {
			t.Fatalf("retried run recorded as %+v", runs[0])
		}
	})
}

// TestOnceLeaseLost: the runner stalls past its lease (its renewals
// cannot land because another node took the period over); its context
// is cancelled with ErrLeaseLost and it does not mark the period done.
func TestOnceLeaseLost(t *testing.T) {
	dbtest.Each(t, AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		ns := nodes(t, gdb, 2, nil)
		a, b := ns[0], ns[1]
		lease := 300 * time.Millisecond
		took := make(chan struct{})
		ok, err := a.Once(ctx, "refresh", "2025-06-01", lease, func(ctx context.Context) error {
			// Simulate b taking over: push a's lease into the past.
			gdb.Model(&Run{}).Where("job = ?", "refresh").Update("lease_until", time.Now().UTC().Add(-time.Hour))
			go func() {
				defer close(took)
				if ok, err := b.Once(context.Background(), "refresh", "2025-06-01", time.Minute, func(context.Context) error { return nil }); !ok || err != nil {
					t.Errorf("b did not take over: %v %v", ok, err)
				}
			}()
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-time.After(5 * time.Second):
				return errors.New("never cancelled")
			}
		})
		<-took
		if !ok || !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("a's run = %v, %v; want cancelled with ErrLeaseLost", ok, err)
		}
		runs, _ := a.Runs(ctx, "refresh", 1)
		if len(runs) != 1 || runs[0].Node != b.Node() || runs[0].FinishedAt == nil || runs[0].Attempts != 2 {
			t.Fatalf("run = %+v; want finished by b after a second attempt", runs)
		}
	})
}

// TestHold: one holder at a time among 8 nodes asking together; the
// holder keeps it by renewing; nobody else gets it until it expires or is
// released.
func TestHold(t *testing.T) {
	dbtest.Each(t, AutoMigrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)}
		ns := nodes(t, gdb, 8, clk.now)
		holders := func() []string {
			var mu sync.Mutex
			var out []string
			var wg sync.WaitGroup
			for _, s := range ns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := s.Hold(ctx, "grade-due", time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						out = append(out, s.Node())
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			return out
		}
		first := holders()
		if len(first) != 1 {
			t.Fatalf("holders = %v, want exactly one", first)
		}
		for range 3 { // renewing: the same node, twice in the same millisecond too
			clk.add(30 * time.Second)
			if h := holders(); len(h) != 1 || h[0] != first[0] {
				t.Fatalf("holders after renewal = %v, want [%s]", h, first[0])
			}
		}
		var holder *Store
		for _, s := range ns {
			if s.Node() == first[0] {
				holder = s
			}
		}
		if ok, err := holder.Hold(ctx, "grade-due", time.Minute); !ok || err != nil {
			t.Fatalf("immediate renewal: %v %v", ok, err)
		}
		// The holder stops renewing: after the minute, one other node.
		var others []*Store
		for _, s := range ns {
			if s != holder {
				others = append(others, s)
			}
		}
		clk.add(59 * time.Second)
		if ok, _ := others[0].Hold(ctx, "grade-due", time.Minute); ok {
			t.Fatal("a live lease was taken")
		}
		clk.add(2 * time.Second)
		saved := ns
		ns = others
		next := holders()
		ns = saved
		if len(next) != 1 || next[0] == holder.Node() {
			t.Fatalf("after expiry holders = %v", next)
		}
		// Release hands it on at once.
		var nextHolder *Store
		for _, s := range others {
			if s.Node() == next[0] {
				nextHolder = s
			}
		}
		if err := nextHolder.Release(ctx, "grade-due"); err != nil {
			t.Fatal(err)
		}
		if ok, err := holder.Hold(ctx, "grade-due", time.Minute); !ok || err != nil {
			t.Fatalf("after release: %v %v", ok, err)
		}
		ls, _ := holder.Leases(ctx)
		if len(ls) != 1 || ls[0].Node != holder.Node() || !ls[0].TakenAt.Equal(clk.now().UTC().Truncate(time.Millisecond)) {
			t.Fatalf("leases = %+v", ls)
		}
	})
}

func TestNames(t *testing.T) {
	for _, bad := range []string{"", "a\nb", string(make([]byte, 200))} {
		if CheckNode(bad) == nil {
			t.Errorf("CheckNode(%q) accepted", bad)
		}
	}
	if err := CheckNode(DefaultNode()); err != nil {
		t.Error(err)
	}
	at := time.Date(2025, 6, 30, 16, 30, 0, 0, time.UTC) // 00:30 on 1 July in China
	if Day(at) != "2025-07-01" || Hour(at) != "2025-07-01T00" {
		t.Errorf("Day, Hour = %s, %s", Day(at), Hour(at))
	}
}
