package course

import (
	"time"

	"anpei/fault"
)

// Session is one playback of one lesson by one person, issued by the server.
// Its fields are exported so a store can persist and reload it; only the
// methods of this package should change them.
type Session struct {
	ID       string `json:",omitzero"`
	PersonID uint   `json:",omitzero"`
	LessonID uint   `json:",omitzero"`
	// Duration is the length of the lesson; positions are clipped to it.
	Duration time.Duration `json:",omitzero"`
	Policy   Policy        `json:",omitzero"`
	// Nonce keys the heartbeat tokens and challenge IDs. It is given to the
	// player and must never be logged or shown elsewhere.
	Nonce []byte `json:",omitzero"`

	// Covered is every part of the lesson credited to this person, in
	// earlier sessions and in this one. Nothing in it is credited again.
	Covered Intervals `json:",omitzero"`

	// The last accepted heartbeat. LastSeq is 0 until the first one, which
	// only anchors the clock and the position.
	LastSeq      uint64        `json:",omitzero"`
	LastPosition time.Duration `json:",omitzero"`
	LastAt       time.Time     `json:",omitzero"`
	LastPlaying  bool          `json:",omitzero"`
	// Lag is a part of the lesson, at most Policy.Tolerance long, that the
	// last heartbeat reported watched but that ran ahead of the wall clock by
	// jitter; the next heartbeat's spare wall-clock time may credit it.
	Lag Interval `json:",omitzero"`

	// CreditedToday is how much this person has been credited on CapDay
	// (China time), in all sessions; it enforces Policy.DailyCap.
	CapDay        string        `json:",omitzero"`
	CreditedToday time.Duration `json:",omitzero"`

	// Pending is the latest presence challenge (zero if none was issued);
	// Challenges counts those issued; NextChallengeAt is when the next one is
	// due (zero: not yet scheduled).
	Pending         PendingChallenge `json:",omitzero"`
	Challenges      int              `json:",omitzero"`
	NextChallengeAt time.Time        `json:",omitzero"`
	// Idle holds the wall-clock windows between a challenge's expiry and its
	// late answer that heartbeats have not yet accounted for.
	Idle []Window `json:",omitzero"`

	// Superseded is set by Supersede: a newer session of the same person
	// exists, and this one credits nothing more.
	Superseded bool `json:",omitzero"`

	// Unsaved counts the heartbeats that credited this session since its
	// Covered was last written to the store's lesson_progress (zero: the
	// stored coverage is Covered). Only the person's active session may
	// have any: the store writes them when another session takes over.
	Unsaved int `json:",omitzero"`

	// Stall is short stall time that accepted heartbeats excluded (and
	// reported to the player) but that the store has not yet written to
	// the ledger as its own exclusion: see SettleStall. It is kept in the
	// stored session, which the same transaction writes.
	Stall StallBuffer `json:",omitzero"`
}

// PendingChallenge is a presence challenge put to the learner.
type PendingChallenge struct {
	ID         string
	IssuedAt   time.Time
	AnsweredAt time.Time `json:",omitzero"` // zero until answered
}

// Window is a half-open stretch [From, To) of wall-clock time.
type Window struct {
	From, To time.Time
}

// SessionInput is what the server knows when it opens a playback session.
type SessionInput struct {
	ID       string
	PersonID uint
	LessonID uint
	// Duration is the lesson's length.
	Duration time.Duration
	// Covered is what earlier sessions credited this person for this lesson.
	Covered Intervals
	// CreditedToday is what the person has been credited today (China time)
	// across all lessons, for the daily cap.
	CreditedToday time.Duration
	// Nonce is at least 16 random bytes chosen by the server.
	Nonce []byte
	// NextChallengeAt carries the person's presence-challenge schedule over
	// from their previous session (the store keeps it per person), so that
	// opening a new session — the next lesson, a reload — never postpones a
	// challenge. Zero for the person's first session.
	NextChallengeAt time.Time
}

// minNonce is the shortest nonce accepted, in bytes.
const minNonce = 16

// NewSession opens a playback session at now. Covered is normalized and
// clipped to the lesson. It returns ErrInvalidPolicy if p is not valid, or
// ErrInvalidSession (with a Detail per field) if the input is incomplete: no
// ID, no person or lesson, a lesson with no duration, a negative
// CreditedToday or a nonce shorter than 16 bytes.
func NewSession(p Policy, in SessionInput, now time.Time) (*Session, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	if in.ID == "" {
		bad("id", "缺少播放会话编号")
	}
	if in.PersonID == 0 {
		bad("person_id", "缺少学员")
	}
	if in.LessonID == 0 {
		bad("lesson_id", "缺少课时")
	}
	if in.Duration <= 0 {
		bad("duration", "课时时长须大于零")
	}
	if in.CreditedToday < 0 {
		bad("credited_today", "当日已计学时不能为负数")
	}
	if len(in.Nonce) < minNonce {
		bad("nonce", "播放会话密钥过短")
	}
	if len(d) > 0 {
		return nil, ErrInvalidSession.WithDetails(d...)
	}
	now = now.Round(0) // wall clock only, as a database would return it
	return &Session{
		ID:              in.ID,
		PersonID:        in.PersonID,
		LessonID:        in.LessonID,
		Duration:        in.Duration,
		Policy:          p,
		Nonce:           append([]byte(nil), in.Nonce...),
		Covered:         NewIntervals(in.Covered...).Intersect(Interval{0, in.Duration}),
		LastAt:          now,
		CapDay:          ChinaDay(now),
		CreditedToday:   in.CreditedToday,
		NextChallengeAt: in.NextChallengeAt.Round(0),
	}, nil
}

// Supersede marks old as replaced by a newer session of the same person (a
// second device). Its later heartbeats are still checked and accepted but
// credit nothing: their time is excluded as ReasonParallel, including the
// time since its last accepted heartbeat. The caller enforces "one credited
// stream per person" by superseding the person's other open sessions when it
// opens a new one.
func Supersede(old *Session) { old.Superseded = true }
