package lecture

import (
	"slices"
	"time"

	"anpei/course"
)

// What a live lecture credits, as pure rules over what the server logged:
//
//   - Only time the media reached the viewer counts (the server's RTCP
//     receiver reports say when it starts and stops), within the lecture's
//     own wall clock (from going live to the end) and within a connection.
//     Connected time without media is excluded as course.ReasonNoMedia.
//   - One connection credits at a time: while two or more of a person's
//     connections receive at once, the person is credited once and each
//     extra connection's time is excluded as course.ReasonSecondDevice.
//   - A presence check (签到) must be answered within its deadline by every
//     viewer connected both when it was issued and at its deadline. A
//     missed check excludes, as course.ReasonMissedCheck, the time from
//     the check before it (or the start of the lecture) to the missed
//     check's deadline.
//   - So credited time never exceeds the lecture's wall clock, and never
//     the time media actually reached the person.

// Span is a stretch of time [From, To).
type Span struct {
	From, To time.Time
}

// Len is the span's length, 0 when it is empty or reversed.
func (s Span) Len() time.Duration {
	if !s.To.After(s.From) {
		return 0
	}
	return s.To.Sub(s.From)
}

// Conn is one connection of a viewer as logged: when it joined and left
// (zero while open) and when the media was reaching it (To zero while it
// still is).
type Conn struct {
	ID        string
	Joined    time.Time
	Left      time.Time
	Receiving []Span
}

// Check is a presence check: issued at Issued, to be answered by Deadline.
type Check struct {
	ID       uint      `json:"id"`
	Issued   time.Time `json:"issued_at"`
	Deadline time.Time `json:"deadline"`
}

// Exclusion is time not credited and why. Wall may exceed the span's
// length for ReasonSecondDevice (two extra devices count twice).
type Exclusion struct {
	Reason course.Reason
	Span   Span
	Wall   time.Duration
}

// Outcome is what one viewer is credited for one lecture.
type Outcome struct {
	FirstJoin, LastLeave time.Time
	Connected            time.Duration // time any connection was open
	Receiving            time.Duration // time media reached any connection
	Credited             time.Duration
	CreditedSpans        []Span
	Exclusions           []Exclusion
	MissedChecks         int
}

// Excluded returns the outcome's excluded time by reason.
func (o Outcome) Excluded() map[course.Reason]time.Duration {
	out := map[course.Reason]time.Duration{}
	for _, e := range o.Exclusions {
		out[e.Reason] += e.Wall
	}
	return out
}

// Credit computes one viewer's outcome of a lecture that ran over window
// (going live to the end), from their connections, the lecture's presence
// checks in any order, and when they answered each (by check ID; a check
// they did not answer is absent).
func Credit(window Span, conns []Conn, checks []Check, answered map[uint]time.Time) Outcome {
	var out Outcome
	var connected, receiving []Span
	// every receiving span per connection, for the second-device sweep
	var perConn [][]Span
	for _, c := range conns {
		left := c.Left
		if left.IsZero() || left.After(window.To) {
			left = window.To
		}
		cs := clip(Span{From: c.Joined, To: left}, window)
		if out.FirstJoin.IsZero() || c.Joined.Before(out.FirstJoin) {
			out.FirstJoin = c.Joined
		}
		if end := c.Left; !end.IsZero() && end.After(out.LastLeave) {
			out.LastLeave = end
		}
		if cs.Len() == 0 {
			continue
		}
		connected = append(connected, cs)
		var rs []Span
		for _, r := range c.Receiving {
			if r.To.IsZero() || r.To.After(cs.To) {
				r.To = cs.To
			}
			if r = clip(r, cs); r.Len() > 0 {
				rs = append(rs, r)
			}
		}
		rs = union(rs)
		perConn = append(perConn, rs)
		receiving = append(receiving, rs...)
	}
	connected, receiving = union(connected), union(receiving)
	out.Connected, out.Receiving = total(connected), total(receiving)

	for _, s := range subtract(connected, receiving) {
		out.Exclusions = append(out.Exclusions, Exclusion{Reason: course.ReasonNoMedia, Span: s, Wall: s.Len()})
	}
	out.Exclusions = append(out.Exclusions, secondDevice(perConn)...)

	var missed []Span
	sorted := slices.Clone(checks)
	slices.SortFunc(sorted, func(a, b Check) int { return a.Issued.Compare(b.Issued) })
	prev := window.From
	for _, c := range sorted {
		if at, ok := answered[c.ID]; (!ok || at.After(c.Deadline)) && within(connected, c.Issued) && within(connected, c.Deadline) {
			out.MissedChecks++
			if s := clip(Span{From: prev, To: c.Deadline}, window); s.Len() > 0 {
				missed = append(missed, s)
			}
		}
		prev = c.Issued
	}
	missed = union(missed)
	for _, s := range intersect(receiving, missed) {
		out.Exclusions = append(out.Exclusions, Exclusion{Reason: course.ReasonMissedCheck, Span: s, Wall: s.Len()})
	}
	out.CreditedSpans = subtract(receiving, missed)
	out.Credited = total(out.CreditedSpans)
	slices.SortStableFunc(out.Exclusions, func(a, b Exclusion) int { return a.Span.From.Compare(b.Span.From) })
	return out
}

// within reports whether t falls in one of spans (closed at both ends, so
// a viewer connected until the deadline instant counts as there).
func within(spans []Span, t time.Time) bool {
	for _, s := range spans {
		if !t.Before(s.From) && !t.After(s.To) {
			return true
		}
	}
	return false
}

// secondDevice sweeps the connections' receiving spans and returns, for
// every stretch where k ≥ 2 of them receive, an exclusion of (k-1) times
// its length.
func secondDevice(perConn [][]Span) []Exclusion {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, rs := range perConn {
		for _, r := range rs {
			edges = append(edges, edge{r.From, +1}, edge{r.To, -1})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // ends before starts at the same instant
	})
	var out []Exclusion
	n := 0
	for i, e := range edges {
		if n >= 2 && i > 0 && e.at.After(edges[i-1].at) {
			s := Span{From: edges[i-1].at, To: e.at}
			out = append(out, Exclusion{Reason: course.ReasonSecondDevice, Span: s, Wall: time.Duration(n-1) * s.Len()})
		}
		n += e.delta
	}
	return out
}

// clip returns s cut to w.
func clip(s, w Span) Span {
	if s.From.Before(w.From) {
		s.From = w.From
	}
	if s.To.After(w.To) {
		s.To = w.To
	}
	if !s.To.After(s.From) {
		return Span{}
	}
	return s
}

// union returns spans sorted, with overlapping and touching ones merged and
// empty ones dropped.
func union(spans []Span) []Span {
	var in []Span
	for _, s := range spans {
		if s.Len() > 0 {
			in = append(in, s)
		}
	}
	slices.SortFunc(in, func(a, b Span) int { return a.From.Compare(b.From) })
	var out []Span
	for _, s := range in {
		if k := len(out) - 1; k >= 0 && !s.From.After(out[k].To) {
			if s.To.After(out[k].To) {
				out[k].To = s.To
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// subtract returns a − b for unions a and b.
func subtract(a, b []Span) []Span {
	var out []Span
	for _, s := range a {
		cur := []Span{s}
		for _, x := range b {
			var next []Span
			for _, c := range cur {
				if !x.From.Before(c.To) || !x.To.After(c.From) {
					next = append(next, c)
					continue
				}
				if x.From.After(c.From) {
					next = append(next, Span{From: c.From, To: x.From})
				}
				if x.To.Before(c.To) {
					next = append(next, Span{From: x.To, To: c.To})
				}
			}
			cur = next
		}
		out = append(out, cur...)
	}
	return union(out)
}

// intersect returns a ∩ b for unions a and b.
func intersect(a, b []Span) []Span {
	var out []Span
	for _, x := range a {
		for _, y := range b {
			if s := clip(x, y); s.Len() > 0 {
				out = append(out, s)
			}
		}
	}
	return union(out)
}

func total(spans []Span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.Len()
	}
	return d
}
