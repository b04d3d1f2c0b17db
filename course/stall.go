package course

import "time"

// Short stalls. A playing player's position advances a little less than
// the server's clock between most heartbeats (the requests' own jitter), so
// about one accepted heartbeat in three excludes a few hundred milliseconds
// as ReasonStall. Writing each as a ledger row would cost a statement per
// such heartbeat; instead the store keeps them in the session (in the row
// the same transaction writes anyway) and writes them as one exclusion.
// Nothing is lost or hidden: the buffered time is stored with the session
// from the heartbeat that excluded it on, it is in the learner's summary
// (HoursOf adds the buffer of the person's active session), and it reaches
// the ledger, summed, as soon as anything else happens.

// StallBuffer is stall time excluded but not yet written to the ledger.
type StallBuffer struct {
	// Wall is the buffered stall time, less than StallFlush.
	Wall time.Duration
	// Day is the China-time day it was excluded on; a buffer holds one day.
	Day string
	// At is when the last of it was excluded.
	At time.Time
}

const (
	// ShortStall: a stall shorter than this may be buffered; a longer one
	// is written by the heartbeat that excluded it.
	ShortStall = time.Second
	// StallFlush: buffered stall time is written once it would reach this.
	StallFlush = 5 * time.Second
)

// LedgerExclusion is an exclusion as the ledger gets it: what and why,
// and the day and time it is recorded under.
type LedgerExclusion struct {
	Exclusion
	Day string
	At  time.Time
}

// SettleStall returns the exclusions that an accepted heartbeat, which
// returned ex at now with the player playing or not, writes to the
// ledger, and keeps the rest of its stall time in s.Stall.
//
// A stall shorter than ShortStall is buffered when it is all the
// heartbeat excluded, the player still plays, the session is not
// superseded and the buffer stays under StallFlush. Otherwise — any other
// exclusion (the reason changes), a pause or the end, a superseded
// session, a longer stall, a full buffer — the buffer is written with the
// heartbeat's exclusions: added to its stall, or as a stall of its own.
// A buffer of an earlier day is written on its own, under that day.
// Every excluded wall-clock second is thus written exactly once, with its
// reason: the stall time written plus the buffer's growth equals the
// stall time excluded.
func (s *Session) SettleStall(ex []Exclusion, now time.Time, playing bool) []LedgerExclusion {
	now = now.Round(0)
	day := ChinaDay(now)
	var out []LedgerExclusion
	buf := s.Stall
	if buf.Wall > 0 && buf.Day != day {
		out = append(out, LedgerExclusion{Exclusion: Exclusion{Reason: ReasonStall, Wall: buf.Wall}, Day: buf.Day, At: buf.At})
		buf = StallBuffer{}
	}
	var stall time.Duration
	stalled, others := false, false
	for _, e := range ex {
		if e.Reason == ReasonStall && e.Segment.Empty() {
			stall += e.Wall
			stalled = true
		} else {
			others = true
		}
	}
	if !others && playing && !s.Superseded && stall < ShortStall && buf.Wall+stall < StallFlush {
		if stalled && stall > 0 {
			buf = StallBuffer{Wall: buf.Wall + stall, Day: day, At: now}
		}
		s.Stall = buf
		return out
	}
	s.Stall = StallBuffer{}
	for _, e := range ex {
		if buf.Wall > 0 && e.Reason == ReasonStall && e.Segment.Empty() {
			e.Wall += buf.Wall
			buf = StallBuffer{}
		}
		out = append(out, LedgerExclusion{Exclusion: e, Day: day, At: now})
	}
	if buf.Wall > 0 {
		out = append(out, LedgerExclusion{Exclusion: Exclusion{Reason: ReasonStall, Wall: buf.Wall}, Day: buf.Day, At: buf.At})
	}
	return out
}

// TakeStall empties the session's buffer and returns it as the ledger's
// exclusion (ok false when it was empty): for a session that stops being
// the person's active one, whose heartbeats may never come again.
func (s *Session) TakeStall() (e LedgerExclusion, ok bool) {
	buf := s.Stall
	s.Stall = StallBuffer{}
	if buf.Wall <= 0 {
		return LedgerExclusion{}, false
	}
	return LedgerExclusion{Exclusion: Exclusion{Reason: ReasonStall, Wall: buf.Wall}, Day: buf.Day, At: buf.At}, true
}
