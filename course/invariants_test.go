package course

import (
	"errors"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// checker wraps a session and checks, after every call, the invariants of
// watch-time accounting.
type checker struct {
	t          testing.TB
	s          *Session
	initial    Intervals
	startDay   string
	startToday time.Duration
	perDay     map[string]time.Duration
	credited   time.Duration
	first      time.Time      // the first accepted heartbeat
	seen       map[Reason]int // exclusions per reason, to show what a run reached

	// What the heartbeats excluded, and what SettleStall and TakeStall
	// gave the ledger, per reason and day (stall) or reason (others).
	excludedStall, ledgerStall map[string]time.Duration // by China-time day
	excludedOther, ledgerOther map[Reason]Exclusion     // wall and segment lengths summed
	buffered                   int                      // heartbeats that left stall time in the buffer
	latest                     time.Time                // the latest clock reading a heartbeat had
}

func newChecker(t testing.TB, s *Session) *checker {
	return &checker{t: t, s: s, initial: s.Covered, startDay: s.CapDay, startToday: s.CreditedToday,
		perDay: map[string]time.Duration{}, seen: map[Reason]int{},
		excludedStall: map[string]time.Duration{}, ledgerStall: map[string]time.Duration{},
		excludedOther: map[Reason]Exclusion{}, ledgerOther: map[Reason]Exclusion{}}
}

// settle gives an accepted heartbeat's exclusions to SettleStall, as the
// store does, and checks that the ledger gets every excluded second
// exactly once, with its reason and its day: other reasons at once and
// unchanged, stall time at once or from the buffer, which stays short,
// holds one day and is empty whenever anything but a short stall happened.
func (c *checker) settle(res Result, now time.Time, playing bool) {
	t, s := c.t, c.s
	t.Helper()
	day := ChinaDay(now)
	if now.After(c.latest) {
		c.latest = now.Round(0)
	}
	flush := !playing || s.Superseded
	var others []Exclusion
	for _, e := range res.Excluded {
		if e.Reason == ReasonStall {
			c.excludedStall[day] += e.Wall
			flush = flush || e.Wall >= ShortStall
			continue
		}
		others = append(others, e)
		flush = true
		o := c.excludedOther[e.Reason]
		o.Wall += e.Wall
		o.Segment.End += e.Segment.Len()
		c.excludedOther[e.Reason] = o
	}
	rows := s.SettleStall(res.Excluded, now, playing)
	var written []Exclusion
	for _, r := range rows {
		if !r.Reason.Valid() || r.Day == "" || r.Day != ChinaDay(r.At) || r.Wall < 0 || (r.Wall == 0 && r.Segment.Empty()) {
			t.Fatalf("SettleStall wrote a bad row %+v", r)
		}
		if r.Reason == ReasonStall {
			c.ledgerStall[r.Day] += r.Wall
			continue
		}
		if r.Day != day || !r.At.Equal(now.Round(0)) {
			t.Fatalf("SettleStall wrote %+v under another day or time than the heartbeat's %v", r, now)
		}
		written = append(written, r.Exclusion)
		o := c.ledgerOther[r.Reason]
		o.Wall += r.Wall
		o.Segment.End += r.Segment.Len()
		c.ledgerOther[r.Reason] = o
	}
	if !reflect.DeepEqual(written, others) && len(written)+len(others) > 0 {
		t.Fatalf("SettleStall wrote %+v of the heartbeat's other exclusions %+v", written, others)
	}
	buf := s.Stall
	switch {
	case buf.Wall < 0 || buf.Wall >= StallFlush:
		t.Fatalf("stall buffer %+v out of [0, %v)", buf, StallFlush)
	case buf.Wall > 0 && (buf.Day != ChinaDay(buf.At) || buf.At.After(c.latest)):
		t.Fatalf("stall buffer %+v: wrong day or time (latest heartbeat %v)", buf, c.latest)
	case flush && buf != StallBuffer{}:
		t.Fatalf("stall buffer %+v kept after %+v (playing %v, superseded %v)", buf, res.Excluded, playing, s.Superseded)
	}
	if buf.Wall > 0 {
		c.buffered++
	}
	c.checkLedger()
}

// handOver empties the buffer as the store does when another session
// takes over.
func (c *checker) handOver() {
	if e, ok := c.s.TakeStall(); ok {
		if e.Reason != ReasonStall || e.Day != ChinaDay(e.At) {
			c.t.Fatalf("TakeStall returned %+v", e)
		}
		c.ledgerStall[e.Day] += e.Wall
	}
	c.checkLedger()
}

// checkLedger: what the ledger got plus the buffer is what was excluded.
func (c *checker) checkLedger() {
	c.t.Helper()
	got := maps.Clone(c.ledgerStall)
	if buf := c.s.Stall; buf.Wall > 0 {
		got[buf.Day] += buf.Wall
	}
	for day, n := range got {
		if n == 0 {
			delete(got, day)
		}
	}
	want := maps.Clone(c.excludedStall)
	for day, n := range want {
		if n == 0 {
			delete(want, day)
		}
	}
	if !maps.Equal(got, want) {
		c.t.Fatalf("stall time by day: ledger and buffer hold %v, heartbeats excluded %v", got, want)
	}
	if !maps.Equal(c.ledgerOther, c.excludedOther) {
		c.t.Fatalf("other exclusions: ledger holds %v, heartbeats excluded %v", c.ledgerOther, c.excludedOther)
	}
}

func cloneSession(s *Session) *Session {
	c := *s
	c.Nonce = slices.Clone(s.Nonce)
	c.Covered = slices.Clone(s.Covered)
	c.Idle = slices.Clone(s.Idle)
	return &c
}

func (c *checker) heartbeat(hb Heartbeat, now time.Time) (Result, error) {
	t, s := c.t, c.s
	t.Helper()
	before := cloneSession(s)
	res, err := s.Heartbeat(hb, now)
	if err != nil {
		if !errors.Is(err, ErrInvalidHeartbeat) && !errors.Is(err, ErrTooFrequent) {
			t.Fatalf("Heartbeat(%+v) = unexpected error %v", hb, err)
		}
		if res.Accepted || len(res.Credited)+len(res.Excluded) > 0 || !reflect.DeepEqual(s, before) {
			t.Fatalf("Heartbeat(%+v) failed with %v but returned %+v or changed the session", hb, err, res)
		}
		return res, err
	}
	for _, e := range res.Excluded {
		c.seen[e.Reason]++
	}
	if !res.Accepted {
		if !reflect.DeepEqual(res, Result{Excluded: []Exclusion{{Reason: ReasonReplay}}}) || !reflect.DeepEqual(s, before) {
			t.Fatalf("refused Heartbeat(%+v) returned %+v or changed the session", hb, res)
		}
		return res, nil
	}
	defer c.settle(res, now, hb.Playing)
	if before.LastSeq == 0 {
		if len(res.Credited)+len(res.Excluded) > 0 {
			t.Fatalf("the anchoring heartbeat accounted for time: %+v", res)
		}
		c.first = s.LastAt
		return res, nil
	}
	elapsed := s.LastAt.Sub(before.LastAt)
	credited := res.CreditedTime()
	if credited > elapsed {
		t.Fatalf("credited %v in %v of wall time: %+v", credited, elapsed, res)
	}
	if got := credited + res.ExcludedTime(); got != elapsed {
		t.Fatalf("credited %v + excluded %v = %v, want the %v since the last heartbeat: %+v",
			credited, res.ExcludedTime(), got, elapsed, res)
	}
	if before.Superseded && credited > 0 {
		t.Fatalf("a superseded session credited %v", credited)
	}
	lesson := Interval{0, s.Duration}
	covered := before.Covered
	for _, cr := range res.Credited {
		n := cr.To.Sub(cr.From)
		switch {
		case n <= 0 || cr.Segment.Len() != n:
			t.Fatalf("credit %+v: segment length %v, wall %v", cr, cr.Segment.Len(), n)
		case cr.From.Before(before.LastAt) || cr.To.After(s.LastAt):
			t.Fatalf("credit %+v outside the interval [%v,%v)", cr, before.LastAt, s.LastAt)
		case ChinaDay(cr.From) != cr.Day || cr.To.After(nextChinaMidnight(cr.From)):
			t.Fatalf("credit %+v crosses midnight or has the wrong day", cr)
		case !(Intervals{lesson}).Contains(cr.Segment):
			t.Fatalf("credit %+v outside the lesson %v", cr, lesson)
		case len(covered.Intersect(cr.Segment)) > 0:
			t.Fatalf("credit %+v was already covered by %v", cr, covered)
		}
		covered = covered.Add(cr.Segment)
		c.perDay[cr.Day] += n
	}
	for _, e := range res.Excluded {
		if !e.Reason.Valid() || e.Reason == ReasonReplay || e.Wall < 0 || (e.Wall == 0 && e.Segment.Empty()) ||
			!(e.Segment.Empty() || (Intervals{lesson}).Contains(e.Segment)) {
			t.Fatalf("bad exclusion %+v", e)
		}
	}
	if !equalIntervals(s.Covered, covered) {
		t.Fatalf("session covers %v, want %v", s.Covered, covered)
	}
	for day, n := range c.perDay {
		if day == c.startDay {
			n += c.startToday
		}
		if n > s.Policy.DailyCap && c.perDay[day] > 0 {
			t.Fatalf("credited %v on %s, over the cap %v", n, day, s.Policy.DailyCap)
		}
	}
	c.credited += credited
	if c.credited > s.LastAt.Sub(c.first) {
		t.Fatalf("credited %v in all, more than the %v since the first heartbeat", c.credited, s.LastAt.Sub(c.first))
	}
	if s.Covered.Total() > s.Duration || c.credited != s.Covered.Total()-c.initial.Total() {
		t.Fatalf("covered %v (lesson %v), credited %v on top of %v", s.Covered.Total(), s.Duration, c.credited, c.initial.Total())
	}
	return res, nil
}

// play interprets ops, four bytes each, as things a player, a clock, an
// attacker and the server do, and checks the invariants after each.
func (c *checker) play(start time.Time, ops []byte) {
	s := c.s
	now := start
	var seq uint64
	pos := time.Duration(0)
	rnd := rand.New(rand.NewPCG(uint64(len(ops)), 1))
	for len(ops) >= 4 {
		op, b1, b2, b3 := ops[0], ops[1], ops[2], ops[3]
		ops = ops[4:]
		dt := time.Duration(b1) * 250 * time.Millisecond // up to 64 s
		if op&0x80 != 0 {
			dt *= 10
		}
		if op&0x40 != 0 && b3&0x10 != 0 {
			dt = -dt / 4 // the server's clock steps back
		}
		now = now.Add(dt)
		switch op % 8 {
		case 5:
			s.Challenge(now, rnd.Float64)
			continue
		case 6:
			id := s.Pending.ID
			if b3&1 != 0 {
				id += "x"
			}
			if err := s.Answer(id, now); err != nil && !errors.Is(err, ErrUnknownChallenge) {
				c.t.Fatalf("Answer: %v", err)
			}
			continue
		case 7:
			if b1 < 4 { // rarely: a session is superseded for good
				Supersede(s)
				c.handOver() // as the store does when the new session starts
			}
			continue
		}
		if b3&8 != 0 {
			pos = time.Duration(b2) * 3 * time.Second // jump anywhere, even past the end
		} else {
			pos += time.Duration(int8(b2)) * 500 * time.Millisecond
		}
		switch {
		case b3&6 == 2 && seq > 0: // replay the last seq
		case b3&6 == 4 && seq > 1:
			seq -= 1 + uint64(b2%uint8(min(seq-1, 200)+1))%seq
		default:
			seq++
		}
		hb := signed(s, seq, pos, b3&1 == 0)
		if b3&0x20 != 0 {
			hb.Token = Sign([]byte("attacker-nonce-!"), s.ID, seq, pos)
		}
		if b3&0x40 != 0 {
			hb.Position += time.Duration(b1) * time.Microsecond // below a millisecond
		}
		c.heartbeat(hb, now)
		if s.LastSeq > seq {
			seq = s.LastSeq
		}
	}
}

// fuzzPolicy is the default with short challenges and a small cap, so that
// short inputs reach every rule; variant 1 also accepts heartbeats at the
// same instant and allows more jitter.
func fuzzPolicy(variant byte) Policy {
	p := DefaultPolicy()
	if variant%2 == 1 {
		p.MinHeartbeat = 0
		p.Tolerance = 5 * time.Second
	}
	p.ChallengeEvery = Range{Min: 20 * time.Second, Max: 90 * time.Second}
	p.ChallengeTimeout = 10 * time.Second
	p.DailyCap = 5 * time.Minute
	return p
}

// TestRandomHeartbeats is the property test: random sequences of heartbeats
// (honest, fast, seeking, paused, replayed, reordered, forged, sub-millisecond),
// clock steps, challenges, answers and supersessions, starting just before
// midnight China time, never credit more than the wall-clock time elapsed
// nor more than the lesson, and account for all wall time; the ledger gets
// every excluded second exactly once, short stalls through the session's
// buffer.
func TestRandomHeartbeats(t *testing.T) {
	start := time.Date(2025, 3, 10, 15, 55, 0, 0, time.UTC) // 23:55 China time
	seen := map[Reason]int{}
	credits, buffered := 0, 0
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 42))
		ops := make([]byte, 4*(20+r.IntN(300)))
		for i := range ops {
			ops[i] = byte(r.UintN(256))
		}
		// Most steps are an honest player: 15 s of wall time, 15 s of video
		// (one in four with a quarter-second stall, the requests' jitter).
		for i := 0; i < len(ops); i += 4 {
			if r.IntN(3) > 0 {
				ops[i], ops[i+1], ops[i+2], ops[i+3] = byte(r.IntN(5)), 60+byte(r.IntN(4)/3), 30, 0
			}
		}
		s := open(t, fuzzPolicy(byte(seed)), SessionInput{Duration: 10 * time.Minute, Covered: Intervals{iv(60, 120)},
			CreditedToday: time.Duration(r.IntN(6)) * time.Minute}, start)
		c := newChecker(t, s)
		c.play(start, ops)
		for r, n := range c.seen {
			seen[r] += n
		}
		buffered += c.buffered
		if c.credited > 0 {
			credits++
		}
	}
	for _, r := range Reasons() {
		if seen[r] == 0 {
			t.Errorf("no random run excluded anything as %s; the generator misses a rule", r)
		}
	}
	if credits < 400 {
		t.Errorf("only %d of 500 random runs credited anything; the generator is too hostile", credits)
	}
	if buffered < 1000 {
		t.Errorf("only %d heartbeats left short stalls in the buffer; the generator misses them", buffered)
	}
	t.Logf("exclusions per reason: %v; %d heartbeats left stall time buffered", seen, buffered)
}

func FuzzHeartbeats(f *testing.F) {
	f.Add([]byte{0, 60, 30, 0, 0, 60, 30, 0, 0, 60, 30, 0})
	f.Add([]byte{0, 60, 30, 0, 1, 60, 60, 0, 2, 4, 200, 8, 3, 60, 30, 0, 4, 60, 30, 2})
	f.Add([]byte{0, 0, 0, 0, 5, 0, 0, 0, 5, 200, 0, 0, 0, 60, 30, 0, 0, 200, 30, 0, 6, 20, 0, 0, 0, 60, 30, 0})
	f.Add([]byte{0, 60, 30, 0, 7, 0, 0, 0, 0, 60, 30, 0, 0x80, 60, 30, 0, 0x40, 60, 30, 0x10})
	f.Add([]byte{0, 60, 30, 0x20, 0, 60, 30, 0x40, 0, 60, 30, 4, 0, 60, 30, 1, 0, 60, 226, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		// 64 operations reach every rule; longer inputs only make the
		// fuzzer's minimization of interesting inputs quadratically slow.
		if len(ops) > 4*64 {
			t.Skip()
		}
		start := time.Date(2025, 3, 10, 15, 58, 0, 0, time.UTC) // 23:58 China time
		today, variant := time.Duration(0), byte(0)
		if len(ops) > 0 {
			today = time.Duration(ops[0]%7) * time.Minute // may already exceed the cap
			variant = ops[0] >> 3
		}
		s := open(t, fuzzPolicy(variant), SessionInput{Duration: 5 * time.Minute, Covered: Intervals{iv(30, 60), iv(200, 210)},
			CreditedToday: today}, start)
		newChecker(t, s).play(start, ops)
	})
}
