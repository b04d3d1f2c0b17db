package course

import (
	"slices"
	"time"
)

// Challenge decides whether to put a presence challenge to the learner now.
// It returns the challenge to show and due=true while one is waiting for an
// answer; otherwise it schedules the next one at a random wait within
// Policy.ChallengeEvery (rnd returns a number in [0,1); nil means the middle
// of the range) and returns "", false until that time comes. The first wait
// of a session with no schedule carried over (SessionInput.NextChallengeAt)
// is drawn from [0, ChallengeEvery.Max], so a string of short lessons or
// reloads cannot keep pushing the first challenge away. A superseded
// session is never challenged. The server calls it on every heartbeat.
func (s *Session) Challenge(now time.Time, rnd func() float64) (id string, due bool) {
	if s.Superseded {
		return "", false
	}
	now = now.Round(0)
	if s.Pending.ID != "" && s.Pending.AnsweredAt.IsZero() {
		return s.Pending.ID, true
	}
	if s.NextChallengeAt.IsZero() {
		f := 0.5
		if rnd != nil {
			f = rnd()
		}
		if !(f >= 0) { // also NaN
			f = 0
		}
		f = min(f, 1)
		r := s.Policy.ChallengeEvery
		if s.Challenges == 0 {
			s.NextChallengeAt = now.Add(time.Duration(f * float64(r.Max)))
		} else {
			s.NextChallengeAt = now.Add(r.Min + time.Duration(f*float64(r.Max-r.Min)))
		}
		if now.Before(s.NextChallengeAt) {
			return "", false
		}
	}
	if now.Before(s.NextChallengeAt) {
		return "", false
	}
	s.Challenges++
	s.Pending = PendingChallenge{ID: challengeID(s.Nonce, s.ID, s.Challenges), IssuedAt: now}
	s.NextChallengeAt = time.Time{} // scheduled again once this one is answered
	return s.Pending.ID, true
}

// Answer records the learner's answer to the challenge id at now. An answer
// after the challenge's timeout ends the idle time that began at the
// timeout. Answering the same challenge again is a no-op. It returns
// ErrUnknownChallenge if id is not the session's latest challenge.
func (s *Session) Answer(id string, now time.Time) error {
	if id == "" || id != s.Pending.ID {
		return ErrUnknownChallenge
	}
	if !s.Pending.AnsweredAt.IsZero() {
		return nil
	}
	now = now.Round(0)
	s.Pending.AnsweredAt = now
	if expiry := s.Pending.IssuedAt.Add(s.Policy.ChallengeTimeout); now.After(expiry) {
		s.Idle = append(s.Idle, Window{From: expiry, To: now})
	}
	return nil
}

// idleWithin returns the idle windows clipped to [t0,t1), sorted and
// merged, and their total length. It includes the open window of an expired
// unanswered challenge.
func (s *Session) idleWithin(t0, t1 time.Time) ([]Window, time.Duration) {
	ws := append([]Window(nil), s.Idle...)
	if s.Pending.ID != "" && s.Pending.AnsweredAt.IsZero() {
		if expiry := s.Pending.IssuedAt.Add(s.Policy.ChallengeTimeout); expiry.Before(t1) {
			ws = append(ws, Window{From: expiry, To: t1})
		}
	}
	var clipped []Window
	for _, w := range ws {
		if w.From.Before(t0) {
			w.From = t0
		}
		if w.To.After(t1) {
			w.To = t1
		}
		if w.From.Before(w.To) {
			clipped = append(clipped, w)
		}
	}
	slices.SortFunc(clipped, func(a, b Window) int { return a.From.Compare(b.From) })
	var out []Window
	var total time.Duration
	for _, w := range clipped {
		if n := len(out); n > 0 && !w.From.After(out[n-1].To) {
			if w.To.After(out[n-1].To) {
				total += w.To.Sub(out[n-1].To)
				out[n-1].To = w.To
			}
			continue
		}
		out = append(out, w)
		total += w.To.Sub(w.From)
	}
	return out, total
}

// pruneIdle forgets idle windows that end by t: heartbeats have accounted
// for them.
func (s *Session) pruneIdle(t time.Time) {
	var kept []Window
	for _, w := range s.Idle {
		if w.To.After(t) {
			kept = append(kept, w)
		}
	}
	s.Idle = kept
}
