package course

import "time"

// account credits and excludes the wall-clock time [LastAt, t1), during
// which the position went from LastPosition to p1.
//
// The rules, in order: a superseded session credits nothing (parallel); an
// interval longer than MaxHeartbeatGap credits nothing (gap, or paused when
// the last heartbeat said the player paused); time after an
// unanswered challenge expired is idle. The remaining, usable, wall time
// pays for the lesson content in order — first the lag carried from the
// last heartbeat, then the newly played part — one second of wall time per
// second of content: content already covered is rewatch, new content is
// credited until the day's cap (then cap). Content left when the usable
// time runs out was played too fast (speed), or while absent (idle), or is
// jitter carried as lag; usable time left when the content runs out was
// paused or stalled. A seek credits no content; its time is excluded as seek.
//
// Mapping content onto wall time in order is an approximation of which
// seconds were watched when; the amounts are exact.
func (s *Session) account(t1 time.Time, p1 time.Duration, playing bool) Result {
	t0, p0 := s.LastAt, s.LastPosition
	wall := t1.Sub(t0)
	a := &pass{s: s, res: Result{Accepted: true}}
	forward := Interval{p0, p1} // empty unless the position moved ahead

	if s.Superseded {
		a.exclude(ReasonParallel, Interval{}, wall)
		return a.res
	}
	if wall > s.Policy.MaxHeartbeatGap {
		if !s.LastPlaying {
			// A long pause: the player said it paused and sends nothing
			// until it plays again. Any move of the position meanwhile
			// is a seek.
			a.exclude(ReasonSeek, forward, 0)
			a.exclude(ReasonPaused, Interval{}, wall)
		} else {
			a.exclude(ReasonGap, forward, wall)
		}
		s.pruneIdle(t1)
		return a.res
	}
	idle, idleWall := s.idleWithin(t0, t1)
	s.pruneIdle(t1)
	a.wall = usable(t0, t1, idle)

	advance := p1 - p0
	var seek, play bool
	switch {
	case advance == 0:
	case !s.LastPlaying && !playing, advance < 0,
		float64(advance) > s.Policy.MaxRate*float64(wall)+float64(s.Policy.Tolerance):
		seek = true
	default:
		play = true
	}

	// The lag is content watched during the previous interval; pay for it
	// first, or carry it on if this interval has no usable time.
	lag, carry, lagNext := s.Lag, Interval{}, Interval{}
	if !lag.Empty() {
		if a.left() > 0 {
			if rest := a.consume(lag); !rest.Empty() {
				a.exclude(ReasonSpeed, rest, 0)
			}
		} else {
			carry = lag
		}
	}
	if play {
		if tail := a.consume(forward); !tail.Empty() {
			switch {
			case s.Covered.Contains(tail): // fast re-watching loses nothing
				a.exclude(ReasonRewatch, tail, 0)
			case idleWall > 0:
				a.exclude(ReasonIdle, tail, 0)
			case tail.Len() <= s.Policy.Tolerance:
				lagNext = tail
			default:
				a.exclude(ReasonSpeed, tail, 0)
			}
		}
	}
	if !carry.Empty() {
		switch {
		case lagNext.Empty():
			lagNext = carry
		case carry.End == lagNext.Start && lagNext.End-carry.Start <= s.Policy.Tolerance:
			lagNext.Start = carry.Start
		default:
			a.exclude(ReasonSpeed, carry, 0)
		}
	}
	s.Lag = lagNext

	left := a.left()
	paused := !s.LastPlaying || !playing
	switch {
	case seek && !s.LastPlaying && !playing: // moved while paused
		a.exclude(ReasonSeek, forward, 0)
		a.exclude(ReasonPaused, Interval{}, left)
	case seek:
		a.exclude(ReasonSeek, forward, left)
	case left == 0:
	case paused:
		a.exclude(ReasonPaused, Interval{}, left)
	default:
		a.exclude(ReasonStall, Interval{}, left)
	}
	if idleWall > 0 {
		a.exclude(ReasonIdle, Interval{}, idleWall)
	}
	return a.res
}

// pass is the state of one account call: the usable wall-clock windows not
// yet spent, and the result being built.
type pass struct {
	s    *Session
	wall []Window
	res  Result
}

// usable returns [t0,t1) without the sorted, merged idle windows.
func usable(t0, t1 time.Time, idle []Window) []Window {
	var out []Window
	at := t0
	for _, w := range idle {
		if at.Before(w.From) {
			out = append(out, Window{at, w.From})
		}
		at = w.To
	}
	if at.Before(t1) {
		out = append(out, Window{at, t1})
	}
	return out
}

// left returns the usable wall time not yet spent.
func (a *pass) left() time.Duration {
	var t time.Duration
	for _, w := range a.wall {
		t += w.To.Sub(w.From)
	}
	return t
}

// next drops spent windows and returns when the usable time left starts;
// false if none is left.
func (a *pass) next() (time.Time, bool) {
	for len(a.wall) > 0 && !a.wall[0].From.Before(a.wall[0].To) {
		a.wall = a.wall[1:]
	}
	if len(a.wall) == 0 {
		return time.Time{}, false
	}
	return a.wall[0].From, true
}

// take spends up to limit of usable wall time from the earliest window and
// returns what it spent (empty when none is left). It never spans two
// windows, so it may return less than limit while time is left.
func (a *pass) take(limit time.Duration) Window {
	if _, ok := a.next(); !ok || limit <= 0 {
		return Window{}
	}
	w := &a.wall[0]
	end := w.From.Add(limit)
	if end.After(w.To) {
		end = w.To
	}
	got := Window{w.From, end}
	w.From = end
	return got
}

// consume pays for seg's content with usable wall time, in order: covered
// parts as rewatch, new parts as credit or cap. It returns the part of seg
// it could not pay for.
func (a *pass) consume(seg Interval) (rest Interval) {
	for _, pc := range a.s.Covered.pieces(seg) {
		if pc.covered {
			at := pc.Start
			for at < pc.End {
				w := a.take(pc.End - at)
				n := w.To.Sub(w.From)
				if n == 0 {
					break
				}
				a.exclude(ReasonRewatch, Interval{at, at + n}, n)
				at += n
			}
			if at < pc.End {
				return Interval{at, seg.End}
			}
			continue
		}
		if r := a.credit(pc.Interval); !r.Empty() {
			return Interval{r.Start, seg.End}
		}
	}
	return Interval{}
}

// credit pays for seg, which no credit covers yet, splitting at midnight
// China time and at the daily cap. It returns the part it could not pay for.
func (a *pass) credit(seg Interval) (rest Interval) {
	s := a.s
	for !seg.Empty() {
		at, ok := a.next()
		if !ok {
			break
		}
		if day := ChinaDay(at); day > s.CapDay {
			s.CapDay, s.CreditedToday = day, 0
		}
		room := s.Policy.DailyCap - s.CreditedToday
		limit := min(seg.Len(), nextChinaMidnight(at).Sub(at))
		if room > 0 {
			limit = min(limit, room)
		}
		w := a.take(limit)
		n := w.To.Sub(w.From)
		part := Interval{seg.Start, seg.Start + n}
		if room > 0 {
			a.addCredit(part, w)
			s.Covered = s.Covered.Add(part)
			s.CreditedToday += n
		} else {
			a.exclude(ReasonCap, part, n)
		}
		seg.Start += n
	}
	return seg
}

// addCredit appends a credit, extending the previous one when both its
// segment and its wall time continue it on the same day.
func (a *pass) addCredit(seg Interval, w Window) {
	day := ChinaDay(w.From)
	if n := len(a.res.Credited); n > 0 {
		last := &a.res.Credited[n-1]
		if last.Segment.End == seg.Start && last.To.Equal(w.From) && last.Day == day {
			last.Segment.End = seg.End
			last.To = w.To
			return
		}
	}
	a.res.Credited = append(a.res.Credited, Credit{Segment: seg, From: w.From, To: w.To, Day: day})
}

// exclude appends an exclusion, merging it into the previous one of the
// same reason when their segments continue each other (or one has none).
func (a *pass) exclude(r Reason, seg Interval, wall time.Duration) {
	if seg.Empty() {
		seg = Interval{}
	}
	if seg.Empty() && wall == 0 {
		return
	}
	if n := len(a.res.Excluded); n > 0 {
		last := &a.res.Excluded[n-1]
		if last.Reason == r && (last.Segment.Empty() || seg.Empty() || last.Segment.End == seg.Start) {
			switch {
			case last.Segment.Empty():
				last.Segment = seg
			case !seg.Empty():
				last.Segment.End = seg.End
			}
			last.Wall += wall
			return
		}
	}
	a.res.Excluded = append(a.res.Excluded, Exclusion{Reason: r, Segment: seg, Wall: wall})
}
