package account

import (
	"sync"
	"time"
)

// sessionCache keeps recently authenticated sessions in memory for up to
// a minute, so that a learner answering an exam or watching a lesson is
// not two queries per request. It is bounded in size and in staleness:
// every change a store makes to users or sessions (logout, disabling, a
// new or reset password, any user update) drops the entries it concerns
// at once on its server and, through the change feed (see Change), within
// about a second on every other; a change the stores cannot see (a person
// moved to another enterprise in the roster) takes effect within the TTL.
// An entry never outlives its session's own deadlines: those are checked
// on every hit.
type sessionCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]cachedSession
	// gen counts forgets: a session read from the database while one
	// happened is not cached, so a request racing a logout cannot put the
	// ended session back.
	gen uint64
}

type cachedSession struct {
	cur Current
	at  time.Time // when it was read from the database
}

func newSessionCache(ttl time.Duration, max int) *sessionCache {
	return &sessionCache{ttl: ttl, max: max, entries: make(map[string]cachedSession)}
}

// get returns the cached session of the token hash id, if it was read
// within the TTL before now and is neither expired nor due for its
// once-a-minute touch; and the generation to hand to put after a miss.
func (c *sessionCache) get(id string, now time.Time) (Current, uint64, bool) {
	if c == nil || c.ttl <= 0 {
		return Current{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if ok && (now.Sub(e.at) >= c.ttl || now.Before(e.at) || !now.Before(e.cur.Session.ExpiresAt) || now.Sub(e.cur.Session.LastSeenAt) > time.Minute) {
		delete(c.entries, id)
		ok = false
	}
	return e.cur, c.gen, ok
}

// put caches a session read from the database since get returned gen.
func (c *sessionCache) put(id string, cur Current, now time.Time, gen uint64) {
	if c == nil || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.entries) >= c.max {
		// Full: start again rather than track recency; the entries are
		// cheap to read back and a full cache is a burst, not a steady state.
		clear(c.entries)
	}
	c.entries[id] = cachedSession{cur: cur, at: now}
}

// forget drops one session.
func (c *sessionCache) forget(id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, id)
	c.gen++
	c.mu.Unlock()
}

// forgetUser drops every session of user id.
func (c *sessionCache) forgetUser(id uint) {
	if c == nil {
		return
	}
	c.mu.Lock()
	for k, e := range c.entries {
		if e.cur.User.ID == id {
			delete(c.entries, k)
		}
	}
	c.gen++
	c.mu.Unlock()
}

// forgetAll drops every session.
func (c *sessionCache) forgetAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	c.gen++
	c.mu.Unlock()
}
