package course

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// opened is when test sessions open: 09:00 China time.
var opened = time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC)

var testNonce = []byte("0123456789abcdef")

// open returns a session of person 7 on a 10-minute lesson 3, with in's
// non-zero fields overriding those defaults.
func open(t testing.TB, p Policy, in SessionInput, at time.Time) *Session {
	t.Helper()
	if in.ID == "" {
		in.ID = "pb-1"
	}
	if in.PersonID == 0 {
		in.PersonID = 7
	}
	if in.LessonID == 0 {
		in.LessonID = 3
	}
	if in.Duration == 0 {
		in.Duration = 10 * time.Minute
	}
	if in.Nonce == nil {
		in.Nonce = testNonce
	}
	s, err := NewSession(p, in, at)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	return s
}

// signed returns a correctly signed heartbeat for s.
func signed(s *Session, seq uint64, pos time.Duration, playing bool) Heartbeat {
	return Heartbeat{Seq: seq, Position: pos, Playing: playing, Token: Sign(s.Nonce, s.ID, seq, pos)}
}

// step is one thing that happens at a wall-clock offset from the opening:
// a heartbeat, or do when it is set.
type step struct {
	at   time.Duration
	pos  time.Duration
	play bool
	do   func(s *Session, now time.Time) error
}

func play(at, pos time.Duration) step  { return step{at: at, pos: pos, play: true} }
func pause(at, pos time.Duration) step { return step{at: at, pos: pos} }
func do(at time.Duration, f func(s *Session, now time.Time) error) step {
	return step{at: at, do: f}
}

// run sums up what a sequence of steps did.
type run struct {
	credited Intervals                // every newly credited segment
	wall     time.Duration            // credited wall-clock time
	excluded map[Reason]time.Duration // wall time per reason (present if the reason occurred)
	segs     map[Reason]Intervals     // segments per reason
	results  []Result
}

// drive plays steps against s, numbering and signing heartbeats, and
// checks the per-heartbeat invariants as it goes.
func drive(t *testing.T, s *Session, start time.Time, steps []step) run {
	t.Helper()
	c := newChecker(t, s)
	r := run{excluded: map[Reason]time.Duration{}, segs: map[Reason]Intervals{}}
	seq := s.LastSeq
	for i, st := range steps {
		now := start.Add(st.at)
		if st.do != nil {
			if err := st.do(s, now); err != nil {
				t.Fatalf("step %d at %v: %v", i, st.at, err)
			}
			continue
		}
		seq++
		res, err := c.heartbeat(signed(s, seq, st.pos, st.play), now)
		if err != nil || !res.Accepted {
			t.Fatalf("step %d at %v: heartbeat refused: %+v, %v", i, st.at, res, err)
		}
		r.results = append(r.results, res)
		for _, cr := range res.Credited {
			r.credited = r.credited.Add(cr.Segment)
			r.wall += cr.To.Sub(cr.From)
		}
		for _, e := range res.Excluded {
			r.excluded[e.Reason] += e.Wall
			r.segs[e.Reason] = r.segs[e.Reason].Add(e.Segment)
		}
	}
	return r
}

func equalIntervals(a, b Intervals) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) }

func equalWalls(a, b map[Reason]time.Duration) bool {
	return len(a) == 0 && len(b) == 0 || maps.Equal(a, b)
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
