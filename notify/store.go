package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/fault"
)

// Options configure a Store. main fills Due from the certificate store and
// Senders with the outside channels in use.
type Options struct {
	Now func() time.Time
	// Kinds names certificate kinds and their review rules in reminders.
	Kinds *certs.Kinds
	// Due returns, in id order after afterID, up to limit active
	// certificates whose due date (the pending review, or else the expiry)
	// is a day in [from, to].
	Due func(ctx context.Context, from, to time.Time, afterID uint, limit int) ([]certs.Certificate, error)
	// Senders are called, in order, for each new notice after the inbox
	// has it. A failing sender is logged; the inbox notice stays.
	Senders []Sender
	Log     *slog.Logger
}

// Store keeps the inbox and sends notices.
type Store struct {
	db    *gorm.DB
	inbox *InApp
	opt   Options
}

// NewStore returns a Store over db (migrated with AutoMigrate).
func NewStore(db *gorm.DB, opt Options) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Kinds == nil {
		opt.Kinds = certs.MustKinds()
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Store{db: db, inbox: NewInApp(db), opt: opt}
}

// The store's errors.
var (
	ErrNotFound    = fault.New(fault.NotFound, "notice_not_found", "消息不存在")
	ErrInvalid     = fault.New(fault.Invalid, "notice_invalid", "消息须有收件人、类型、标题和去重键")
	ErrNoInbox     = fault.New(fault.Forbidden, "no_inbox", "该账号没有消息箱")
	ErrAlreadySent = fault.New(fault.Conflict, "notice_already_sent", "该消息已发送给此收件人")
)

// MaxLimit bounds inbox pages.
const MaxLimit = 200

func (s *Store) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Deliver writes n to the recipient's inbox and then hands it to each
// extra sender. It reports whether the notice was new: a key the recipient
// already has is not delivered again (false, nil). It returns ErrInvalid
// for an incomplete notice and an internal error when the inbox write
// fails; an extra sender's failure is only logged.
func (s *Store) Deliver(ctx context.Context, n Notice) (bool, error) {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	n, err := s.inbox.write(ctx, n)
	if errors.Is(err, ErrAlreadySent) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, x := range s.opt.Senders {
		if err := x.Send(ctx, n); err != nil {
			s.opt.Log.Warn("notify: extra sender failed; the inbox has the notice", "notice", n.ID, "user_id", n.UserID, "kind", n.Kind, "err", err)
		}
	}
	return true, nil
}

// Inbox returns p's own notices, newest first, with how many there are
// (unread ones only when unreadOnly). It returns ErrNoInbox for a
// principal without an account (anpei itself, anonymous).
func (s *Store) Inbox(ctx context.Context, p account.Principal, unreadOnly bool, limit, offset int) ([]Notice, int64, error) {
	q, err := s.own(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fault.Wrap(err, "notify: count inbox")
	}
	if limit <= 0 {
		limit = 50
	}
	out := []Notice{}
	err = q.Order("id DESC").Limit(min(limit, MaxLimit)).Offset(max(offset, 0)).Find(&out).Error
	if err != nil {
		return nil, 0, fault.Wrap(err, "notify: list inbox")
	}
	return out, total, nil
}

// UnreadCount returns how many of p's notices are unread (ErrNoInbox as
// Inbox).
func (s *Store) UnreadCount(ctx context.Context, p account.Principal) (int64, error) {
	q, err := s.own(ctx, p)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := q.Where("read_at IS NULL").Count(&n).Error; err != nil {
		return 0, fault.Wrap(err, "notify: count unread")
	}
	return n, nil
}

// MarkRead marks p's notice id read; marking it again changes nothing.
// Someone else's notice is ErrNotFound, as is one that does not exist.
func (s *Store) MarkRead(ctx context.Context, p account.Principal, id uint) error {
	q, err := s.own(ctx, p)
	if err != nil {
		return err
	}
	res := q.Where("id = ? AND read_at IS NULL", id).Update("read_at", s.now())
	if res.Error != nil {
		return fault.Wrap(res.Error, "notify: mark read")
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&Notice{}).Where("id = ? AND user_id = ?", id, p.UserID).Count(&n).Error; err != nil {
		return fault.Wrap(err, "notify: find notice")
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// MarkAllRead marks every unread notice of p read and returns how many
// that was (ErrNoInbox as Inbox).
func (s *Store) MarkAllRead(ctx context.Context, p account.Principal) (int64, error) {
	q, err := s.own(ctx, p)
	if err != nil {
		return 0, err
	}
	res := q.Where("read_at IS NULL").Update("read_at", s.now())
	if res.Error != nil {
		return 0, fault.Wrap(res.Error, "notify: mark all read")
	}
	return res.RowsAffected, nil
}

// own is the query on p's notices: the one place the recipient filter is
// applied.
func (s *Store) own(ctx context.Context, p account.Principal) (*gorm.DB, error) {
	if p.UserID == 0 {
		return nil, ErrNoInbox
	}
	return s.db.WithContext(ctx).Model(&Notice{}).Where("user_id = ?", p.UserID), nil
}
