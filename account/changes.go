package account

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Change is a row of the change feed that keeps every server's session
// cache honest: a session that ended (SessionID, the token's hash) or a
// user whose sessions must be read again (UserID: disabled, a new or reset
// password, any update). The server that makes a change forgets it from
// its own cache at once; the others read the feed at most a second apart
// (see syncChanges). Rows are kept for changeKeep. The feed assumes the
// servers' clocks agree to well within changeLag (NTP).
type Change struct {
	ID        uint      `gorm:"primaryKey"`
	SessionID string    `gorm:"size:64;not null;default:''"`
	UserID    uint      `gorm:"not null;default:0"`
	At        time.Time `gorm:"precision:6;not null;index"`
}

// TableName keeps the table name plain.
func (Change) TableName() string { return "account_changes" }

const (
	// changePoll is how often a server reads the change feed (on the first
	// request after the last read).
	changePoll = time.Second
	// changeLag is how long after its time a change may commit and still
	// be seen: each read takes the changes of the last changeLag, and a
	// server applies each once.
	changeLag = 30 * time.Second
	// changeKeep is how long the feed keeps a change. A server that has
	// not read the feed for longer than changeKeep−changeLag may have
	// missed some: it forgets every cached session.
	changeKeep = 10 * time.Minute
)

// changeFeed is a server's position in the change feed.
type changeFeed struct {
	mu       sync.Mutex // held by the one request that reads the feed
	polledAt time.Time
	prunedAt time.Time
	seen     map[uint]time.Time // changes applied, until they leave the window
}

// recordChange adds c to the feed in tx, the transaction that makes the
// change: the other servers see it exactly when the change commits, and a
// change whose record fails does not happen.
func (s *Store) recordChange(tx *gorm.DB, c Change) error {
	c.At = s.now()
	return tx.Create(&c).Error
}

// forgetHere drops from this server's cache what c makes stale; the
// caller defers it, so it runs whether or not the change committed (a
// needless forget costs one read).
func (s *Store) forgetHere(c Change) {
	if c.SessionID != "" {
		s.sessions.forget(c.SessionID)
	} else {
		s.sessions.forgetUser(c.UserID)
	}
}

// syncChanges applies the changes other servers made since the last read,
// if that was over changePoll ago. One request reads; the others go on
// meanwhile. If the feed cannot be read, nothing cached is trusted.
func (s *Store) syncChanges(ctx context.Context, now time.Time) {
	f := &s.feed
	if s.sessions == nil || s.opt.SessionCacheTTL <= 0 || !f.mu.TryLock() {
		return
	}
	defer f.mu.Unlock()
	if !f.polledAt.IsZero() && now.Sub(f.polledAt) < changePoll && !now.Before(f.polledAt) {
		return
	}
	since := f.polledAt.Add(-changeLag)
	if f.polledAt.IsZero() || now.Sub(f.polledAt) > changeKeep-changeLag || now.Before(f.polledAt) {
		// The first read, or the window was missed: start afresh.
		s.sessions.forgetAll()
		since = now.Add(-changeLag)
		f.seen = map[uint]time.Time{}
	}
	var rows []Change
	// Not the request's cancellation: a client gone mid-read would empty the cache.
	if err := s.db.WithContext(context.WithoutCancel(ctx)).Raw("SELECT id, session_id, user_id, at FROM account_changes WHERE at >= ?", since).Scan(&rows).Error; err != nil {
		s.sessions.forgetAll()
		return
	}
	for _, c := range rows {
		if _, ok := f.seen[c.ID]; ok {
			continue
		}
		f.seen[c.ID] = c.At
		if c.SessionID != "" {
			s.sessions.forget(c.SessionID)
		} else {
			s.sessions.forgetUser(c.UserID)
		}
	}
	for id, at := range f.seen {
		if at.Before(since) {
			delete(f.seen, id)
		}
	}
	f.polledAt = now
	if now.Sub(f.prunedAt) > time.Minute {
		f.prunedAt = now
		s.db.WithContext(ctx).Where("at < ?", now.Add(-changeKeep)).Delete(&Change{})
	}
}

// migrateChanges creates the change feed's table.
func migrateChanges(tx *gorm.DB) error { return tx.AutoMigrate(&Change{}) }
