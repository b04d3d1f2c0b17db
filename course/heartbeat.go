package course

import (
	"time"

	"anpei/fault"
)

// Heartbeat is what the player reports about once every 15 seconds and on
// every pause, resume and seek.
type Heartbeat struct {
	// Seq numbers the session's heartbeats from 1; each must be greater
	// than the last accepted one (gaps are allowed: heartbeats get lost).
	Seq uint64
	// Position is the playback position, counted in whole milliseconds.
	Position time.Duration
	// Playing says whether the player is playing (not paused or ended).
	Playing bool
	// Token is Sign(nonce, session ID, Seq, Position).
	Token string
}

// Credit is a part of the lesson newly credited to the learner, with the
// wall-clock time that paid for it: Segment.Len() == To.Sub(From), and
// [From, To) lies within one China-time day, Day.
type Credit struct {
	Segment  Interval
	From, To time.Time
	Day      string
}

// Exclusion is time or content that was not credited, and why. Wall is the
// learner's wall-clock time not credited; Segment, when not empty, is the
// part of the lesson left uncredited. ReasonSpeed has only a Segment (the
// time was credited, just not all the content); ReasonPaused, ReasonStall
// and ReasonParallel have only Wall; the others may have either or both.
type Exclusion struct {
	Reason  Reason
	Segment Interval
	Wall    time.Duration
}

// Result is what one heartbeat did. For an accepted heartbeat after the
// first, the Credits' wall time plus the Exclusions' Wall is exactly the
// wall-clock time since the previous accepted heartbeat. A refused
// heartbeat (Accepted false) changed nothing and carries one ReasonReplay
// exclusion with no time.
type Result struct {
	Accepted bool
	Credited []Credit
	Excluded []Exclusion
}

// CreditedTime returns the wall-clock time r credits.
func (r Result) CreditedTime() time.Duration {
	var t time.Duration
	for _, c := range r.Credited {
		t += c.To.Sub(c.From)
	}
	return t
}

// ExcludedTime returns the wall-clock time r excludes.
func (r Result) ExcludedTime() time.Duration {
	var t time.Duration
	for _, e := range r.Excluded {
		t += e.Wall
	}
	return t
}

// Heartbeat accounts for the time since the last accepted heartbeat, as of
// the server's clock now, and returns what it credited and excluded.
//
// The player sends a heartbeat at a steady interval while playing, on pause
// and play, and twice around a seek: one carrying the position where the
// seek starts (so the watching before it is credited) and one carrying the
// position it lands on (only the moment between the two counts as seek).
//
// A heartbeat whose token is wrong or whose Seq is not greater than the last
// accepted one is refused: the Result has Accepted false and one
// ReasonReplay exclusion, and the session is unchanged. The first accepted
// heartbeat only anchors the clock and position. A now before the last
// accepted heartbeat's time is taken as that time. A position beyond the
// lesson is taken as its end. Only now's wall-clock reading is used (a
// monotonic reading is dropped), so a session behaves the same whether it
// stayed in memory or was reloaded from a database.
//
// It returns ErrInvalidHeartbeat for a zero Seq or a negative Position, and
// ErrTooFrequent for a heartbeat sooner than Policy.MinHeartbeat after the
// last accepted one; in both cases the session is unchanged.
func (s *Session) Heartbeat(hb Heartbeat, now time.Time) (Result, error) {
	if hb.Seq == 0 {
		return Result{}, ErrInvalidHeartbeat.WithDetails(fault.Detail{Field: "seq", Message: "缺少心跳序号"})
	}
	if hb.Position < 0 {
		return Result{}, ErrInvalidHeartbeat.WithDetails(fault.Detail{Field: "position", Message: "播放位置不能为负数"})
	}
	if hb.Seq <= s.LastSeq || !validToken(s.Nonce, s.ID, hb) {
		return Result{Excluded: []Exclusion{{Reason: ReasonReplay}}}, nil
	}
	pos := min(hb.Position.Truncate(time.Millisecond), s.Duration)
	now = now.Round(0)
	if now.Before(s.LastAt) {
		now = s.LastAt
	}
	res := Result{Accepted: true}
	if s.LastSeq != 0 {
		if now.Sub(s.LastAt) < s.Policy.MinHeartbeat {
			return Result{}, ErrTooFrequent
		}
		res = s.account(now, pos, hb.Playing)
	}
	s.LastSeq, s.LastPosition, s.LastAt, s.LastPlaying = hb.Seq, pos, now, hb.Playing
	return res, nil
}
