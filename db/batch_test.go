package db

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatcher: every item added is written once, in batches of at most
// max, by at most flights writers at a time; held items are gathered
// into one batch on release.
func TestBatcher(t *testing.T) {
	for _, tc := range []struct{ max, flights, items int }{{1, 1, 50}, {8, 1, 500}, {64, 2, 2000}, {16, 3, 1000}} {
		var (
			mu          sync.Mutex
			seen        = map[int]int{}
			inFlight    atomic.Int32
			maxInFlight atomic.Int32
			biggest     int
		)
		b := NewBatcher(tc.max, tc.flights, func(items []int) {
			n := inFlight.Add(1)
			for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
			}
			time.Sleep(100 * time.Microsecond) // a commit
			mu.Lock()
			for _, it := range items {
				seen[it]++
			}
			biggest = max(biggest, len(items))
			mu.Unlock()
			inFlight.Add(-1)
		})
		var wg sync.WaitGroup
		for i := range tc.items {
			wg.Add(1)
			go func() { defer wg.Done(); b.Add(i) }()
		}
		wg.Wait()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			if n == tc.items || time.Now().After(deadline) {
				break
			}
		}
		mu.Lock()
		for i := range tc.items {
			if seen[i] != 1 {
				t.Errorf("%+v: item %d written %d times", tc, i, seen[i])
			}
		}
		if biggest > tc.max || int(maxInFlight.Load()) > tc.flights {
			t.Errorf("%+v: biggest batch %d, %d writers at once", tc, biggest, maxInFlight.Load())
		}
		mu.Unlock()
	}

	// Held items wait, then go in one batch.
	var got [][]int
	var mu sync.Mutex
	done := make(chan struct{}, 10)
	b := NewBatcher(100, 2, func(items []int) {
		mu.Lock()
		got = append(got, items)
		mu.Unlock()
		done <- struct{}{}
	})
	b.Hold()
	for i := range 10 {
		b.Add(i)
	}
	time.Sleep(20 * time.Millisecond)
	if n := b.Queued(); n != 10 || len(got) != 0 {
		t.Fatalf("held: %d queued, %d batches written; want 10 and 0", n, len(got))
	}
	b.Release()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || len(got[0]) != 10 {
		t.Fatalf("released: batches %v, want one of 10", got)
	}
}
