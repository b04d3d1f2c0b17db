package lecture

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/ident"
)

// Presence checks (签到) and the room's chat, questions and moderation.
// Everything a room shows is read from and written to the database, so
// that any media node serving the room sees the same state.

// TriggerCheck issues a presence check in live session id now, for its
// trainer (or the admin): every viewer connected must answer within
// CheckTimeout. It returns ErrCheckOpen while another check is waiting,
// ErrWrongStatus for a session that is not live, ErrForbidden for anyone
// else and the errors of Get.
func (s *Store) TriggerCheck(ctx context.Context, p account.Principal, id uint) (Check, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return Check{}, err
	}
	if !canManage(p, v.Session) {
		return Check{}, ErrForbidden
	}
	var c presenceCheck
	err = s.write(ctx, func(tx *gorm.DB) error {
		var ses Session
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		if ses.Status != StatusLive {
			return ErrWrongStatus
		}
		now := s.now()
		var open int64
		if err := tx.Model(&presenceCheck{}).Where("session_id = ? AND deadline > ?", id, now).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return ErrCheckOpen
		}
		c = presenceCheck{SessionID: id, IssuedAt: now, Deadline: now.Add(CheckTimeout), IssuedBy: p.UserID}
		return tx.Create(&c).Error
	})
	if err != nil {
		return Check{}, err
	}
	return Check{ID: c.ID, Issued: c.IssuedAt, Deadline: c.Deadline}, nil
}

// DueChecks issues the system's scheduled presence checks of live session
// id that are due now (ScheduleChecks over the session's seed, start and
// planned length) and returns those this call issued, for the server to
// send. A slot is issued once however many servers call at once (a unique
// key), and skipped while a trainer's check is waiting or once its minute
// has passed. The room calls it every few seconds.
func (s *Store) DueChecks(ctx context.Context, id uint) ([]Check, error) {
	var ses Session
	if err := s.db.WithContext(ctx).First(&ses, id).Error; err != nil {
		return nil, asFault(notFound(err, ErrNotFound))
	}
	if ses.Status != StatusLive || ses.StartedAt == nil {
		return nil, nil
	}
	now := s.now()
	var out []Check
	for i, at := range ScheduleChecks(ses.CheckSeed, *ses.StartedAt, time.Duration(ses.Minutes)*time.Minute, CheckEvery.Min, CheckEvery.Max) {
		if at.After(now) {
			break
		}
		if now.Sub(at) >= CheckTimeout {
			continue
		}
		slot := i + 1
		c := presenceCheck{SessionID: id, Slot: &slot, IssuedAt: now, Deadline: now.Add(CheckTimeout)}
		err := s.write(ctx, func(tx *gorm.DB) error {
			var open int64
			if err := tx.Model(&presenceCheck{}).Where("session_id = ? AND deadline > ?", id, now).Count(&open).Error; err != nil || open > 0 {
				if err == nil {
					err = errSkip
				}
				return err
			}
			return tx.Create(&c).Error
		})
		switch {
		case errors.Is(err, errSkip) || errors.Is(err, gorm.ErrDuplicatedKey) || isDuplicate(err):
			continue
		case err != nil:
			return out, err
		}
		out = append(out, Check{ID: c.ID, Issued: c.IssuedAt, Deadline: c.Deadline})
	}
	return out, nil
}

var errSkip = errors.New("skip")

func isDuplicate(err error) bool {
	var fe *fault.Error
	return errors.As(err, &fe) && errors.Is(fe.Err, gorm.ErrDuplicatedKey)
}

// OpenCheck returns the presence check of session id still waiting for
// answers, if any (for a viewer who reconnects during it).
func (s *Store) OpenCheck(ctx context.Context, id uint) (Check, bool, error) {
	var c presenceCheck
	err := s.db.WithContext(ctx).Where("session_id = ? AND deadline > ?", id, s.now()).Order("id DESC").First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Check{}, false, nil
	}
	if err != nil {
		return Check{}, false, asFault(err)
	}
	return Check{ID: c.ID, Issued: c.IssuedAt, Deadline: c.Deadline}, true, nil
}

// AnswerCheck records learner p's answer to presence check checkID of
// session id. Answering twice changes nothing. It returns ErrCheckClosed
// after the deadline or for another session's check, ErrNotLearner for
// anyone but a learner.
func (s *Store) AnswerCheck(ctx context.Context, p account.Principal, id, checkID uint) error {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return ErrNotLearner
	}
	now := s.now()
	return s.write(ctx, func(tx *gorm.DB) error {
		var c presenceCheck
		if err := tx.Where("id = ? AND session_id = ?", checkID, id).First(&c).Error; err != nil {
			return notFound(err, ErrCheckClosed)
		}
		if now.After(c.Deadline) {
			return ErrCheckClosed
		}
		var n int64
		if err := tx.Model(&checkAnswer{}).Where("check_id = ? AND person_id = ?", checkID, p.PersonID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		err := tx.Create(&checkAnswer{CheckID: checkID, PersonID: p.PersonID, SessionID: id, AnsweredAt: now}).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) { // a concurrent answer from another device
			return nil
		}
		return err
	})
}

// MaxText is the longest chat message, question or answer, in characters.
const MaxText = 500

// MessageView is a message as the room shows it to one principal: other
// learners' names masked (张*), the trainer's and one's own in full.
type MessageView struct {
	ID       uint        `json:"id"`
	Kind     MessageKind `json:"kind"`
	Author   string      `json:"author"`
	Trainer  bool        `json:"trainer"`
	Mine     bool        `json:"mine"`
	Text     string      `json:"text"`
	Answer   string      `json:"answer,omitempty"`
	Answered bool        `json:"answered"`
	Pinned   bool        `json:"pinned"`
	At       time.Time   `json:"at"`
}

func (s *Store) messageView(p account.Principal, ses Session, m Message) MessageView {
	v := MessageView{ID: m.ID, Kind: m.Kind, Author: m.Author, Trainer: m.Trainer, Text: m.Text, Answer: m.Answer,
		Answered: m.AnsweredAt != nil, Pinned: ses.PinnedID == m.ID, At: m.CreatedAt,
		Mine: m.UserID == p.UserID && p.UserID != 0}
	if !m.Trainer && !v.Mine && !canManage(p, ses) {
		v.Author = ident.MaskName(m.Author)
	}
	return v
}

// Post adds a chat message or question by p to session id (scheduled or
// live): a viewer who may join, or the session's trainer. Text is made
// plain (CleanText). It returns ErrInvalidMessage for an empty or overlong
// text or an unknown kind, ErrChatMuted for a learner's chat message while
// the trainer muted the chat (questions still go), ErrTooMany beyond
// ChatRates, ErrWrongStatus once the session ended, and CanJoin's refusals.
func (s *Store) Post(ctx context.Context, p account.Principal, id uint, kind MessageKind, text string) (MessageView, error) {
	text = CleanText(text)
	switch n := utf8.RuneCountInString(text); {
	case kind != KindChat && kind != KindQuestion:
		return MessageView{}, ErrInvalidMessage.WithDetails(fault.Detail{Field: "kind", Message: "消息种类应为 chat 或 question"})
	case n == 0:
		return MessageView{}, ErrInvalidMessage.WithDetails(fault.Detail{Field: "text", Message: "请输入内容"})
	case n > MaxText:
		return MessageView{}, ErrInvalidMessage.WithDetails(fault.Detail{Field: "text", Message: "内容不能超过500个字"})
	}
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return MessageView{}, err
	}
	seat, err := s.admit(s.db.WithContext(ctx), ctx, p, v.Session)
	if err != nil && !errors.Is(err, ErrFull) {
		return MessageView{}, err
	}
	if err == nil && seat.Role == "" {
		return MessageView{}, ErrForbidden
	}
	trainer := canManage(p, v.Session)
	m := Message{SessionID: id, UserID: p.UserID, PersonID: p.PersonID, Author: clipText(p.Name, 50), Trainer: trainer, Kind: kind, Text: text}
	if !trainer {
		person, err := s.learner(ctx, p)
		if err != nil {
			return MessageView{}, err
		}
		m.Author = clipText(person.Name, 50)
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		var ses Session
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		if ses.Status != StatusScheduled && ses.Status != StatusLive {
			return ErrWrongStatus
		}
		now := s.now()
		if !trainer {
			if ses.ChatMuted && kind == KindChat {
				return ErrChatMuted
			}
			var recent []time.Time
			if err := tx.Model(&Message{}).Where("session_id = ? AND person_id = ? AND created_at > ?", id, p.PersonID, now.Add(-time.Minute)).
				Pluck("created_at", &recent).Error; err != nil {
				return err
			}
			if ok, wait := Allowed(recent, now, ChatRates); !ok {
				return ErrTooMany.WithMessage("发言过于频繁，请%d秒后再发", int(wait.Seconds())+1)
			}
		}
		m.CreatedAt = now
		return tx.Create(&m).Error
	})
	if err != nil {
		return MessageView{}, err
	}
	return s.messageView(p, v.Session, m), nil
}

// AnswerQuestion records the trainer's answer to question msgID of
// session id (answering again replaces it). It returns ErrMessageNotFound
// for anything but a question of the session, ErrInvalidMessage for an
// empty or overlong answer, ErrForbidden for anyone but its trainer or the
// admin.
func (s *Store) AnswerQuestion(ctx context.Context, p account.Principal, id, msgID uint, text string) (MessageView, error) {
	text = CleanText(text)
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxText {
		return MessageView{}, ErrInvalidMessage.WithDetails(fault.Detail{Field: "text", Message: "请输入回答（不超过500个字）"})
	}
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return MessageView{}, err
	}
	if !canManage(p, v.Session) {
		return MessageView{}, ErrForbidden
	}
	var m Message
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := forUpdate(tx).Where("id = ? AND session_id = ? AND kind = ?", msgID, id, KindQuestion).First(&m).Error; err != nil {
			return notFound(err, ErrMessageNotFound)
		}
		now := s.now()
		m.Answer, m.AnsweredAt = text, &now
		return tx.Model(&m).Updates(map[string]any{"answer": text, "answered_at": now}).Error
	})
	if err != nil {
		return MessageView{}, err
	}
	return s.messageView(p, v.Session, m), nil
}

// Pin pins message msgID of session id for everyone, or unpins it (pinned
// false; unpinning a message that is not pinned changes nothing). It
// returns the pinned message (nil when none), ErrMessageNotFound, and
// ErrForbidden for anyone but the trainer or the admin.
func (s *Store) Pin(ctx context.Context, p account.Principal, id, msgID uint, pinned bool) (*MessageView, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !canManage(p, v.Session) {
		return nil, ErrForbidden
	}
	var m Message
	var ses Session
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		if err := tx.Where("id = ? AND session_id = ?", msgID, id).First(&m).Error; err != nil {
			return notFound(err, ErrMessageNotFound)
		}
		before := ses.PinnedID
		switch {
		case pinned:
			ses.PinnedID = msgID
		case ses.PinnedID == msgID:
			ses.PinnedID = 0
		default:
			return nil
		}
		if err := tx.Model(&ses).Update("pinned_id", ses.PinnedID).Error; err != nil {
			return err
		}
		return record(tx, p, "live.pin", id, map[string]any{"pinned_id": before}, map[string]any{"pinned_id": ses.PinnedID})
	})
	if err != nil || ses.PinnedID == 0 {
		return nil, err
	}
	mv := s.messageView(p, ses, m)
	return &mv, nil
}

// MuteChat mutes (or opens) the chat of session id for learners;
// questions still go to the trainer. Errors as Pin.
func (s *Store) MuteChat(ctx context.Context, p account.Principal, id uint, muted bool) error {
	_, err := s.transition(ctx, p, id, "live.mute_chat", func(ses *Session, _ time.Time) error {
		if ses.Status == StatusEnded || ses.Status == StatusCancelled {
			return ErrWrongStatus
		}
		if ses.ChatMuted == muted {
			return errUnchanged
		}
		ses.ChatMuted = muted
		return nil
	})
	return err
}

// RemoveViewer removes person personID from session id for its rest: they
// cannot join again, and their open connections are closed now. It
// returns the closed connections' IDs for the server to drop (none when
// the person was removed before), ErrInvalid for a reason over 200
// characters, and ErrForbidden for anyone but the trainer or the admin.
func (s *Store) RemoveViewer(ctx context.Context, p account.Principal, id, personID uint, reason string) ([]string, error) {
	reason = CleanText(reason)
	if utf8.RuneCountInString(reason) > 200 {
		return nil, ErrInvalid.WithDetails(fault.Detail{Field: "reason", Message: "移出原因不能超过200个字"})
	}
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !canManage(p, v.Session) {
		return nil, ErrForbidden
	}
	var closed []string
	err = s.write(ctx, func(tx *gorm.DB) error {
		closed = nil
		var n int64
		if err := tx.Model(&ban{}).Where("session_id = ? AND person_id = ?", id, personID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		now := s.now()
		if err := tx.Create(&ban{SessionID: id, PersonID: personID, By: p.UserID, Reason: reason, At: now}).Error; err != nil {
			return err
		}
		var open []Connection
		if err := tx.Where("session_id = ? AND person_id = ? AND left_at IS NULL", id, personID).Find(&open).Error; err != nil {
			return err
		}
		for _, c := range open {
			closed = append(closed, c.ConnID)
		}
		if err := closeConns(tx, open, now); err != nil {
			return err
		}
		return record(tx, p, "live.remove_viewer", id, nil, map[string]any{"person_id": personID, "reason": reason, "connections": len(open)})
	})
	return closed, err
}

// Messages returns session id's messages after afterID, oldest first, as
// p sees them (ErrNotFound for a session p does not see).
func (s *Store) Messages(ctx context.Context, p account.Principal, id, afterID uint, limit int) ([]MessageView, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	limit, _ = pageBounds(limit, 0)
	var list []Message
	if err := s.db.WithContext(ctx).Where("session_id = ? AND id > ?", id, afterID).Order("id").Limit(limit).Find(&list).Error; err != nil {
		return nil, asFault(err)
	}
	out := make([]MessageView, len(list))
	for i, m := range list {
		out[i] = s.messageView(p, v.Session, m)
	}
	return out, nil
}

// Recent returns the newest limit messages of session id as p may see
// them, oldest first (what a browser shows on entering the room): a
// viewer does not get other viewers' unanswered questions.
func (s *Store) Recent(ctx context.Context, p account.Principal, id uint, limit int) ([]MessageView, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	limit, _ = pageBounds(limit, 0)
	q := s.db.WithContext(ctx).Where("session_id = ?", id)
	if !canManage(p, v.Session) {
		q = q.Where("kind <> ? OR answered_at IS NOT NULL OR user_id = ?", KindQuestion, p.UserID)
	}
	var list []Message
	if err := q.Order("id DESC").Limit(limit).Find(&list).Error; err != nil {
		return nil, asFault(err)
	}
	out := make([]MessageView, len(list))
	for i, m := range list {
		out[len(list)-1-i] = s.messageView(p, v.Session, m)
	}
	return out, nil
}

// Room is the state of a session's room every server reads.
type Room struct {
	Status    Status       `json:"status"`
	ChatMuted bool         `json:"chat_muted"`
	Pinned    *MessageView `json:"pinned"`
	Viewers   int          `json:"viewers"`
}

// Room returns session id's room state as p sees it.
func (s *Store) Room(ctx context.Context, p account.Principal, id uint) (Room, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return Room{}, err
	}
	r := Room{Status: v.Status, ChatMuted: v.ChatMuted}
	if v.PinnedID != 0 {
		var m Message
		if err := s.db.WithContext(ctx).Where("id = ? AND session_id = ?", v.PinnedID, id).First(&m).Error; err == nil {
			mv := s.messageView(p, v.Session, m)
			r.Pinned = &mv
		}
	}
	r.Viewers, err = s.ViewerCount(ctx, id)
	return r, err
}
