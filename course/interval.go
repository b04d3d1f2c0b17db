package course

import (
	"fmt"
	"slices"
	"time"
)

// Interval is a half-open stretch [Start, End) of a lesson's timeline,
// measured from the start of the lesson. An Interval with End <= Start is
// empty.
type Interval struct {
	Start, End time.Duration
}

// Len returns the length of iv, 0 if it is empty.
func (iv Interval) Len() time.Duration {
	if iv.End <= iv.Start {
		return 0
	}
	return iv.End - iv.Start
}

// Empty reports whether iv covers nothing.
func (iv Interval) Empty() bool { return iv.End <= iv.Start }

// String returns iv as "[1m0s,2m0s)".
func (iv Interval) String() string { return fmt.Sprintf("[%v,%v)", iv.Start, iv.End) }

// Intervals is a set of lesson positions kept as sorted, non-overlapping,
// non-adjacent, non-empty intervals. Build one from arbitrary intervals with
// NewIntervals; the methods assume that form and never modify their receiver.
type Intervals []Interval

// NewIntervals returns the union of ivs in normal form: sorted, merged, with
// empty intervals dropped.
func NewIntervals(ivs ...Interval) Intervals {
	var s Intervals
	for _, iv := range ivs {
		s = s.Add(iv)
	}
	return s
}

// Add returns the union of s and iv as a new Intervals.
func (s Intervals) Add(iv Interval) Intervals {
	out := make(Intervals, 0, len(s)+1)
	if iv.Empty() {
		return append(out, s...)
	}
	placed := false
	for _, x := range s {
		switch {
		case x.End < iv.Start:
			out = append(out, x)
		case x.Start > iv.End:
			if !placed {
				out = append(out, iv)
				placed = true
			}
			out = append(out, x)
		default: // overlapping or adjacent: absorb x into iv
			iv.Start = min(iv.Start, x.Start)
			iv.End = max(iv.End, x.End)
		}
	}
	if !placed {
		out = append(out, iv)
	}
	return out
}

// Subtract returns s without the positions in iv as a new Intervals.
func (s Intervals) Subtract(iv Interval) Intervals {
	out := make(Intervals, 0, len(s)+1)
	for _, x := range s {
		if iv.Empty() || x.End <= iv.Start || x.Start >= iv.End {
			out = append(out, x)
			continue
		}
		if x.Start < iv.Start {
			out = append(out, Interval{x.Start, iv.Start})
		}
		if iv.End < x.End {
			out = append(out, Interval{iv.End, x.End})
		}
	}
	return out
}

// Intersect returns the parts of s inside iv as a new Intervals.
func (s Intervals) Intersect(iv Interval) Intervals {
	var out Intervals
	for _, x := range s {
		c := Interval{max(x.Start, iv.Start), min(x.End, iv.End)}
		if !c.Empty() {
			out = append(out, c)
		}
	}
	return out
}

// Total returns the summed length of s.
func (s Intervals) Total() time.Duration {
	var t time.Duration
	for _, x := range s {
		t += x.Len()
	}
	return t
}

// Contains reports whether every position of iv is in s; an empty iv is
// always contained.
func (s Intervals) Contains(iv Interval) bool {
	if iv.Empty() {
		return true
	}
	i, _ := slices.BinarySearchFunc(s, iv.Start, func(x Interval, p time.Duration) int {
		switch {
		case x.End <= p:
			return -1
		case x.Start > p:
			return 1
		}
		return 0
	})
	return i < len(s) && s[i].Start <= iv.Start && iv.End <= s[i].End
}

// piece is part of an interval that is either already covered or not.
type piece struct {
	Interval
	covered bool
}

// pieces splits iv, in order, into the parts covered by s and the parts not.
func (s Intervals) pieces(iv Interval) []piece {
	var out []piece
	at := iv.Start
	for _, c := range s.Intersect(iv) {
		if at < c.Start {
			out = append(out, piece{Interval{at, c.Start}, false})
		}
		out = append(out, piece{c, true})
		at = c.End
	}
	if at < iv.End {
		out = append(out, piece{Interval{at, iv.End}, false})
	}
	return out
}
