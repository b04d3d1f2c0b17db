package account

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle limits attempts per key (a client IP) with a token bucket per
// key. It forgets idle keys so memory stays bounded. It complements the
// per-account lock, which lives in the database.
type Throttle struct {
	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
	every   time.Duration
	burst   int
	now     func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewThrottle allows burst attempts at once per key, refilled one per every.
func NewThrottle(every time.Duration, burst int, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{buckets: map[string]*bucket{}, every: every, burst: burst, now: now}
}

// Allow reports whether key may try now, and if not, how long to wait.
func (t *Throttle) Allow(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.buckets) > 10000 {
		for k, b := range t.buckets {
			if now.Sub(b.seen) > t.every*time.Duration(t.burst) {
				delete(t.buckets, k)
			}
		}
	}
	b, ok := t.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
