// Package notify is anpei's messages to people: an in-app inbox every
// notice is written to, extra senders (SMS, WeCom) called after that
// write, and the sweep that reminds holders and their enterprise admins
// before a certificate's review or expiry.
//
// A notice is addressed to one account, chosen when it is sent: the
// recipient's read state is theirs alone, and what an outside sender (an
// SMS gateway) was told matches what the inbox shows. Every notice carries
// a deduplication key; the unique index on (key, recipient) makes a
// reminder happen once whatever retries and concurrent sweeps do.
package notify

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/fault"
)

// Notice is one message to one account.
type Notice struct {
	ID uint `gorm:"primaryKey" json:"id"`
	// UserID is the recipient account.
	UserID uint `gorm:"not null;uniqueIndex:ux_notices_once,priority:2;index:ix_notices_inbox,priority:1" json:"-"`
	// Kind says what the notice is about, e.g. KindCertDue.
	Kind    string `gorm:"size:32;not null" json:"kind"`
	Subject string `gorm:"size:200;not null" json:"subject"`
	Body    string `gorm:"size:1000;not null;default:''" json:"body"`
	// Link is a path on this site (e.g. /certificates/12), or empty.
	Link string `gorm:"size:200;not null;default:''" json:"link"`
	// DedupKey names the event the notice is about (for a certificate
	// reminder: certificate, due date and threshold); a recipient gets
	// one notice per key.
	DedupKey  string     `gorm:"size:120;not null;uniqueIndex:ux_notices_once,priority:1" json:"-"`
	CreatedAt time.Time  `gorm:"not null" json:"created_at"`
	ReadAt    *time.Time `gorm:"index:ix_notices_inbox,priority:2" json:"read_at"`
}

// TableName keeps the table name plain.
func (Notice) TableName() string { return "notices" }

// AutoMigrate creates or updates the notices table.
func AutoMigrate(tx *gorm.DB) error { return tx.AutoMigrate(&Notice{}) }

// Limits of a notice's text, in characters (the column sizes).
const (
	maxSubject = 200
	maxBody    = 1000
	maxLink    = 200
	maxKey     = 120
)

// Sender delivers a notice somewhere. The in-app inbox (InApp) is the one
// every notice goes to; the Store calls further senders (SMS, WeCom) only
// after the inbox row is committed, and only for a notice that is new.
type Sender interface {
	Send(ctx context.Context, n Notice) error
}

// InApp is the in-app inbox as a Sender: it writes the notice row.
type InApp struct{ db *gorm.DB }

// NewInApp returns the inbox over db (migrated with AutoMigrate).
func NewInApp(db *gorm.DB) *InApp { return &InApp{db: db} }

// Send writes n (CreatedAt now when zero). It returns ErrAlreadySent when
// n.UserID already has a notice with n.DedupKey, ErrInvalid for a notice
// without recipient, key or subject, and an internal error otherwise.
func (in *InApp) Send(ctx context.Context, n Notice) error {
	_, err := in.write(ctx, n)
	return err
}

// write inserts n and returns it with its ID.
func (in *InApp) write(ctx context.Context, n Notice) (Notice, error) {
	if n.UserID == 0 || n.Kind == "" || n.Subject == "" || n.DedupKey == "" || utf8.RuneCountInString(n.DedupKey) > maxKey {
		return n, ErrInvalid
	}
	n.ID, n.ReadAt = 0, nil
	n.Subject, n.Body, n.Link = clip(n.Subject, maxSubject), clip(n.Body, maxBody), clip(n.Link, maxLink)
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = n.CreatedAt.UTC().Truncate(time.Microsecond)
	// The unique key decides, not a prior read: of two sweeps inserting
	// the same (key, recipient) at once, one row is written and the other
	// insert fails as a duplicate. (Not ON CONFLICT DO NOTHING: with
	// RETURNING, MariaDB reports the existing row as affected, so a
	// duplicate could not be told from a new row.) A MySQL deadlock victim
	// is rolled back whole and tried again.
	err := db.RetryDeadlock(5, func() error { return in.db.WithContext(ctx).Create(&n).Error })
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return n, ErrAlreadySent
	case err != nil:
		return n, fault.Wrap(err, "notify: write notice")
	}
	return n, nil
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
