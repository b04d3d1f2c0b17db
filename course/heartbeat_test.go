package course

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"anpei/fault"
)

func TestAccounting(t *testing.T) {
	// challenge asks at the shortest wait: ChallengeEvery.Min, both for a
	// session's first challenge (drawn from [0, Max]) and later ones.
	challenge := func(s *Session, now time.Time) error {
		r := s.Policy.ChallengeEvery
		s.Challenge(now, func() float64 {
			if s.Challenges == 0 {
				return float64(r.Min) / float64(r.Max)
			}
			return 0
		})
		return nil
	}
	answer := func(s *Session, now time.Time) error { return s.Answer(s.Pending.ID, now) }
	supersede := func(s *Session, _ time.Time) error { Supersede(s); return nil }
	quickChallenges := func(p *Policy) {
		p.ChallengeEvery = Range{Min: 60 * sec, Max: 120 * sec}
		p.ChallengeTimeout = 30 * sec
	}

	tests := []struct {
		name     string
		policy   func(*Policy)
		in       SessionInput
		steps    []step
		credited Intervals
		excluded map[Reason]time.Duration
		segs     map[Reason]Intervals // checked only for the reasons listed
	}{
		{
			name:     "normal viewing credits wall-clock time",
			steps:    []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 30*sec), play(45*sec, 45*sec)},
			credited: Intervals{iv(0, 45)},
		},
		{
			name:     "the first heartbeat only anchors",
			steps:    []step{play(0, 100*sec), play(15*sec, 115*sec)},
			credited: Intervals{iv(100, 115)},
		},
		{
			name: "pause",
			steps: []step{play(0, 0), play(15*sec, 15*sec), pause(20*sec, 20*sec), pause(35*sec, 20*sec),
				pause(50*sec, 20*sec), play(60*sec, 20*sec), play(75*sec, 35*sec)},
			credited: Intervals{iv(0, 35)},
			excluded: map[Reason]time.Duration{ReasonPaused: 40 * sec},
		},
		{
			name: "seek ahead with heartbeats around the seek",
			steps: []step{play(0, 0), play(15*sec, 15*sec), play(20*sec, 20*sec), play(21*sec, 300*sec),
				play(36*sec, 315*sec), play(51*sec, 330*sec)},
			credited: Intervals{iv(0, 20), iv(300, 330)},
			excluded: map[Reason]time.Duration{ReasonSeek: sec},
			segs:     map[Reason]Intervals{ReasonSeek: {iv(20, 300)}},
		},
		{
			name:     "seek ahead inside one heartbeat interval credits none of it",
			steps:    []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 200*sec), play(45*sec, 215*sec)},
			credited: Intervals{iv(0, 15), iv(200, 215)},
			excluded: map[Reason]time.Duration{ReasonSeek: 15 * sec},
			segs:     map[Reason]Intervals{ReasonSeek: {iv(15, 200)}},
		},
		{
			name: "seek back and re-watch credits nothing twice",
			steps: []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 30*sec), play(31*sec, 0),
				play(46*sec, 15*sec), play(61*sec, 30*sec), play(76*sec, 45*sec)},
			credited: Intervals{iv(0, 45)},
			excluded: map[Reason]time.Duration{ReasonSeek: sec, ReasonRewatch: 30 * sec},
			segs:     map[Reason]Intervals{ReasonRewatch: {iv(0, 30)}, ReasonSeek: nil},
		},
		{
			name:     "content credited in an earlier session is not credited again",
			in:       SessionInput{Covered: Intervals{iv(0, 20)}},
			steps:    []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 30*sec)},
			credited: Intervals{iv(20, 30)},
			excluded: map[Reason]time.Duration{ReasonRewatch: 20 * sec},
			segs:     map[Reason]Intervals{ReasonRewatch: {iv(0, 20)}},
		},
		{
			name:     "2x playback credits wall time, half the content is speed",
			steps:    []step{play(0, 0), play(15*sec, 30*sec), play(30*sec, 60*sec)},
			credited: Intervals{iv(0, 15), iv(30, 45)},
			excluded: map[Reason]time.Duration{ReasonSpeed: 0},
			segs:     map[Reason]Intervals{ReasonSpeed: {iv(15, 30), iv(45, 60)}},
		},
		{
			name:     "re-watching at 2x is all rewatch",
			in:       SessionInput{Covered: Intervals{iv(0, 60)}},
			steps:    []step{play(0, 0), play(15*sec, 30*sec)},
			excluded: map[Reason]time.Duration{ReasonRewatch: 15 * sec},
			segs:     map[Reason]Intervals{ReasonRewatch: {iv(0, 30)}},
		},
		{
			name:     "10x playback is a seek and credits nothing",
			steps:    []step{play(0, 0), play(15*sec, 150*sec), play(30*sec, 300*sec)},
			excluded: map[Reason]time.Duration{ReasonSeek: 30 * sec},
			segs:     map[Reason]Intervals{ReasonSeek: {iv(0, 300)}},
		},
		{
			name:     "an early heartbeat's jitter is credited by the next",
			steps:    []step{play(0, 0), play(ms(14500), 15*sec), play(30*sec, 30*sec), play(45*sec, 45*sec)},
			credited: Intervals{iv(0, 45)},
		},
		{
			// The last 0.5 s stays as lag for a heartbeat that never comes.
			name:     "a late heartbeat's jitter is a stall",
			steps:    []step{play(0, 0), play(ms(15500), 15*sec), play(30*sec, 30*sec)},
			credited: Intervals{{0, ms(29500)}},
			excluded: map[Reason]time.Duration{ReasonStall: ms(500)},
		},
		{
			name:     "jitter the next interval cannot pay for is speed",
			policy:   func(p *Policy) { p.Tolerance = 5 * sec },
			steps:    []step{play(0, 0), play(10*sec, 14*sec), play(12*sec, 14*sec)},
			credited: Intervals{iv(0, 12)},
			excluded: map[Reason]time.Duration{ReasonSpeed: 0},
			segs:     map[Reason]Intervals{ReasonSpeed: {iv(12, 14)}},
		},
		{
			name: "jitter is carried over an idle interval",
			policy: func(p *Policy) {
				quickChallenges(p)
				p.Tolerance = 5 * sec
			},
			steps: []step{play(0, 0), do(0, challenge), play(15*sec, 15*sec), play(30*sec, 30*sec),
				play(45*sec, 45*sec), play(60*sec, 60*sec), do(60*sec, challenge), // expires at 90 s
				play(75*sec, 75*sec), play(90*sec, 93*sec), play(105*sec, 108*sec), do(110*sec, answer),
				play(120*sec, 123*sec)},
			credited: Intervals{iv(0, 93), iv(108, 115)},
			excluded: map[Reason]time.Duration{ReasonIdle: 20 * sec},
			segs:     map[Reason]Intervals{ReasonIdle: {iv(93, 108), iv(115, 123)}},
		},
		{
			name: "jitter of a zero-length interval joins the carried lag",
			policy: func(p *Policy) {
				p.MinHeartbeat = 0
				p.Tolerance = 5 * sec
			},
			steps:    []step{play(0, 0), play(10*sec, 14*sec), play(10*sec, 15*sec), play(20*sec, 20*sec)},
			credited: Intervals{iv(0, 20)},
		},
		{
			name: "carried lag that would grow past the tolerance is speed",
			policy: func(p *Policy) {
				p.MinHeartbeat = 0
				p.Tolerance = 5 * sec
			},
			steps:    []step{play(0, 0), play(10*sec, 14*sec), play(10*sec, 16*sec), play(20*sec, 20*sec)},
			credited: Intervals{iv(0, 10), iv(14, 20)},
			excluded: map[Reason]time.Duration{ReasonSpeed: 0, ReasonStall: 4 * sec},
			segs:     map[Reason]Intervals{ReasonSpeed: {iv(10, 14)}},
		},
		{
			name:     "moving while paused is a seek",
			steps:    []step{pause(0, 0), pause(15*sec, 100*sec), play(30*sec, 115*sec)},
			credited: Intervals{iv(100, 115)},
			excluded: map[Reason]time.Duration{ReasonSeek: 0, ReasonPaused: 15 * sec},
			segs:     map[Reason]Intervals{ReasonSeek: {iv(0, 100)}},
		},
		{
			name:   "idle: a missed challenge excludes time until answered",
			policy: quickChallenges,
			steps: []step{play(0, 0), do(0, challenge), play(15*sec, 15*sec), play(30*sec, 30*sec),
				play(45*sec, 45*sec), play(60*sec, 60*sec), do(60*sec, challenge), // due at 60 s, expires at 90 s
				play(75*sec, 75*sec), play(90*sec, 90*sec), play(105*sec, 105*sec), play(120*sec, 120*sec),
				do(130*sec, answer), play(135*sec, 135*sec), play(150*sec, 150*sec)},
			credited: Intervals{iv(0, 90), iv(120, 125), iv(135, 150)},
			excluded: map[Reason]time.Duration{ReasonIdle: 40 * sec},
			segs:     map[Reason]Intervals{ReasonIdle: {iv(90, 120), iv(125, 135)}},
		},
		{
			name:   "a challenge answered in time costs nothing",
			policy: quickChallenges,
			steps: []step{play(0, 0), do(0, challenge), play(15*sec, 15*sec), play(30*sec, 30*sec),
				play(45*sec, 45*sec), play(60*sec, 60*sec), do(60*sec, challenge),
				play(75*sec, 75*sec), do(80*sec, answer), play(90*sec, 90*sec), play(105*sec, 105*sec)},
			credited: Intervals{iv(0, 105)},
		},
		{
			name:   "idle starting and ending between heartbeats",
			policy: quickChallenges,
			steps: []step{play(0, 0), do(0, challenge), play(15*sec, 15*sec), play(30*sec, 30*sec),
				play(45*sec, 45*sec), play(60*sec, 60*sec), do(60*sec, challenge), // expires at 90 s
				play(80*sec, 80*sec), play(95*sec, 95*sec), do(100*sec, answer), play(110*sec, 110*sec),
				play(125*sec, 125*sec)},
			credited: Intervals{iv(0, 90), iv(95, 105), iv(110, 125)},
			excluded: map[Reason]time.Duration{ReasonIdle: 10 * sec},
			segs:     map[Reason]Intervals{ReasonIdle: {iv(90, 95), iv(105, 110)}},
		},
		{
			name:     "a superseded session credits nothing",
			steps:    []step{play(0, 0), play(15*sec, 15*sec), do(20*sec, supersede), play(30*sec, 30*sec), play(45*sec, 45*sec)},
			credited: Intervals{iv(0, 15)},
			excluded: map[Reason]time.Duration{ReasonParallel: 30 * sec},
		},
		{
			name:     "heartbeat gap longer than MaxHeartbeatGap",
			steps:    []step{play(0, 0), play(15*sec, 15*sec), play(90*sec, 90*sec), play(105*sec, 105*sec)},
			credited: Intervals{iv(0, 15), iv(90, 105)},
			excluded: map[Reason]time.Duration{ReasonGap: 75 * sec},
			segs:     map[Reason]Intervals{ReasonGap: {iv(15, 90)}},
		},
		{
			name:     "a long pause is a pause, not a gap",
			steps:    []step{play(0, 0), play(15*sec, 15*sec), pause(16*sec, 16*sec), play(316*sec, 16*sec), play(331*sec, 31*sec)},
			credited: Intervals{iv(0, 31)},
			excluded: map[Reason]time.Duration{ReasonPaused: 300 * sec},
		},
		{
			name:     "a gap of exactly MaxHeartbeatGap still counts",
			steps:    []step{play(0, 0), play(60*sec, 60*sec)},
			credited: Intervals{iv(0, 60)},
		},
		{
			name:     "daily cap",
			in:       SessionInput{CreditedToday: 4*time.Hour - 20*sec},
			steps:    []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 30*sec)},
			credited: Intervals{iv(0, 20)},
			excluded: map[Reason]time.Duration{ReasonCap: 10 * sec},
			segs:     map[Reason]Intervals{ReasonCap: {iv(20, 30)}},
		},
		{
			name:     "cap already reached leaves the content uncredited",
			in:       SessionInput{CreditedToday: 4 * time.Hour},
			steps:    []step{play(0, 0), play(15*sec, 15*sec)},
			excluded: map[Reason]time.Duration{ReasonCap: 15 * sec},
			segs:     map[Reason]Intervals{ReasonCap: {iv(0, 15)}},
		},
		{
			name: "lesson end clipping",
			in:   SessionInput{Duration: 40 * sec},
			steps: []step{play(0, 0), play(15*sec, 15*sec), play(30*sec, 30*sec), play(45*sec, 50*sec),
				pause(60*sec, 40*sec)},
			credited: Intervals{iv(0, 40)},
			excluded: map[Reason]time.Duration{ReasonStall: 5 * sec, ReasonPaused: 15 * sec},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			if tt.policy != nil {
				tt.policy(&p)
			}
			s := open(t, p, tt.in, opened)
			r := drive(t, s, opened, tt.steps)
			if !equalIntervals(r.credited, tt.credited) {
				t.Errorf("credited %v, want %v", r.credited, tt.credited)
			}
			if r.wall != tt.credited.Total() {
				t.Errorf("credited wall time %v, want %v", r.wall, tt.credited.Total())
			}
			if !equalWalls(r.excluded, tt.excluded) {
				t.Errorf("excluded %v, want %v", r.excluded, tt.excluded)
			}
			for reason, want := range tt.segs {
				if got := r.segs[reason]; !equalIntervals(got, want) {
					t.Errorf("%s segments %v, want %v", reason, got, want)
				}
			}
			if got, want := s.Covered, NewIntervals(append(tt.in.Covered, tt.credited...)...); !equalIntervals(got, want) {
				t.Errorf("session covers %v, want %v", got, want)
			}
		})
	}
}

func TestHeartbeatRefused(t *testing.T) {
	other := []byte("fedcba9876543210")
	tests := []struct {
		name string
		hb   func(s *Session) Heartbeat
	}{
		{"duplicate", func(s *Session) Heartbeat { return signed(s, 2, 15*sec, true) }},
		{"replayed with the same seq and a later position", func(s *Session) Heartbeat { return signed(s, 2, 30*sec, true) }},
		{"reordered (lower seq)", func(s *Session) Heartbeat { return signed(s, 1, 30*sec, true) }},
		{"forged with another nonce", func(s *Session) Heartbeat {
			return Heartbeat{Seq: 3, Position: 30 * sec, Playing: true, Token: Sign(other, s.ID, 3, 30*sec)}
		}},
		{"token for another session", func(s *Session) Heartbeat {
			return Heartbeat{Seq: 3, Position: 30 * sec, Playing: true, Token: Sign(s.Nonce, "pb-2", 3, 30*sec)}
		}},
		{"token for another position", func(s *Session) Heartbeat {
			return Heartbeat{Seq: 3, Position: 300 * sec, Playing: true, Token: Sign(s.Nonce, s.ID, 3, 30*sec)}
		}},
		{"token for another seq", func(s *Session) Heartbeat {
			return Heartbeat{Seq: 4, Position: 30 * sec, Playing: true, Token: Sign(s.Nonce, s.ID, 3, 30*sec)}
		}},
		{"no token", func(s *Session) Heartbeat { return Heartbeat{Seq: 3, Position: 30 * sec, Playing: true} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, DefaultPolicy(), SessionInput{}, opened)
			drive(t, s, opened, []step{play(0, 0), play(15*sec, 15*sec)})
			before := cloneSession(s)
			res, err := s.Heartbeat(tt.hb(s), opened.Add(30*sec))
			want := Result{Excluded: []Exclusion{{Reason: ReasonReplay}}}
			if err != nil || !reflect.DeepEqual(res, want) {
				t.Errorf("Heartbeat = %+v, %v; want %+v, nil", res, err, want)
			}
			if !reflect.DeepEqual(s, before) {
				t.Errorf("a refused heartbeat changed the session:\n got %+v\nwant %+v", s, before)
			}
			// The honest player's next heartbeat still credits the whole interval.
			res, err = s.Heartbeat(signed(s, 3, 30*sec, true), opened.Add(30*sec))
			if err != nil || res.CreditedTime() != 15*sec {
				t.Errorf("next honest heartbeat credited %v, %v; want 15s", res.CreditedTime(), err)
			}
		})
	}
}

func TestHeartbeatErrors(t *testing.T) {
	tests := []struct {
		name string
		hb   func(s *Session) Heartbeat
		at   time.Duration
		want error
	}{
		{"zero seq", func(s *Session) Heartbeat { return signed(s, 0, 30*sec, true) }, 30 * sec, ErrInvalidHeartbeat},
		{"negative position", func(s *Session) Heartbeat { return signed(s, 3, -sec, true) }, 30 * sec, ErrInvalidHeartbeat},
		{"too frequent", func(s *Session) Heartbeat { return signed(s, 3, 15*sec, true) }, 15*sec + 199*time.Millisecond, ErrTooFrequent},
		{"clock went back", func(s *Session) Heartbeat { return signed(s, 3, 15*sec, true) }, 10 * sec, ErrTooFrequent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, DefaultPolicy(), SessionInput{}, opened)
			drive(t, s, opened, []step{play(0, 0), play(15*sec, 15*sec)})
			before := cloneSession(s)
			res, err := s.Heartbeat(tt.hb(s), opened.Add(tt.at))
			if !errors.Is(err, tt.want) || res.Accepted {
				t.Errorf("Heartbeat = %+v, %v; want %v", res, err, tt.want)
			}
			if !reflect.DeepEqual(s, before) {
				t.Errorf("a failed heartbeat changed the session")
			}
		})
	}
}

// TestReplayAttack plays an honest run, captures its heartbeats and replays
// them at ten times the speed: into the same session, and into a fresh
// session of the same person and lesson. Neither gains a single minute.
// An attacker who has the nonce and signs a 10x stream gains nothing either.
func TestReplayAttack(t *testing.T) {
	honest := open(t, DefaultPolicy(), SessionInput{}, opened)
	var captured []Heartbeat
	for i := range 41 { // ten minutes at 15 s
		hb := signed(honest, uint64(i+1), time.Duration(i)*15*sec, true)
		captured = append(captured, hb)
		if _, err := honest.Heartbeat(hb, opened.Add(time.Duration(i)*15*sec)); err != nil {
			t.Fatal(err)
		}
	}
	if got := honest.Covered; !equalIntervals(got, Intervals{iv(0, 600)}) {
		t.Fatalf("honest run covers %v, want [0,600)", got)
	}
	replay := func(s *Session, start time.Time) (credited time.Duration, accepted int) {
		for i, hb := range captured {
			res, err := s.Heartbeat(hb, start.Add(time.Duration(i)*1500*time.Millisecond))
			if err != nil {
				t.Fatalf("replay %d: %v", i, err)
			}
			if res.Accepted {
				accepted++
			}
			credited += res.CreditedTime()
		}
		return credited, accepted
	}

	later := opened.Add(11 * time.Minute)
	if credited, accepted := replay(honest, later); credited != 0 || accepted != 0 {
		t.Errorf("replay into the same session: credited %v with %d accepted, want 0 and 0", credited, accepted)
	}
	fresh := open(t, DefaultPolicy(), SessionInput{ID: "pb-2", Nonce: []byte("another-nonce-16")}, later)
	if credited, accepted := replay(fresh, later); credited != 0 || accepted != 0 {
		t.Errorf("replay into a new session: credited %v with %d accepted, want 0 and 0", credited, accepted)
	}

	// An attacker with the nonce, signing a 10x stream.
	forger := open(t, DefaultPolicy(), SessionInput{ID: "pb-3"}, later)
	var credited time.Duration
	for i := range 41 {
		res, err := forger.Heartbeat(signed(forger, uint64(i+1), min(time.Duration(i)*150*sec, 10*time.Minute), true),
			later.Add(time.Duration(i)*15*sec))
		if err != nil {
			t.Fatal(err)
		}
		credited += res.CreditedTime()
	}
	if credited != 0 {
		t.Errorf("self-signed 10x stream credited %v, want 0", credited)
	}
}

// TestTwoDevices: the person opens the lesson on a second device; the first
// session is superseded and credits nothing more while both keep sending.
func TestTwoDevices(t *testing.T) {
	p := DefaultPolicy()
	phone := open(t, p, SessionInput{ID: "phone"}, opened)
	cp := newChecker(t, phone)
	for i := range 3 { // 0, 15, 30 s
		if _, err := cp.heartbeat(signed(phone, uint64(i+1), time.Duration(i)*15*sec, true), opened.Add(time.Duration(i)*15*sec)); err != nil {
			t.Fatal(err)
		}
	}
	// At 31 s the desktop opens a session; the store passes what is covered
	// and credited so far, and supersedes the phone.
	pc := open(t, p, SessionInput{ID: "pc", Nonce: []byte("desktop-nonce-16"), Covered: phone.Covered,
		CreditedToday: phone.CreditedToday}, opened.Add(31*sec))
	Supersede(phone)
	cd := newChecker(t, pc)
	var phoneCredit, phoneParallel, pcCredit time.Duration
	for i := range 5 { // both devices play from 30 s to 90 s, the desktop from 0 again
		at := opened.Add(time.Duration(30+i*15) * sec)
		r1, err := cp.heartbeat(signed(phone, uint64(4+i), time.Duration(30+i*15)*sec, true), at.Add(sec))
		if err != nil {
			t.Fatal(err)
		}
		phoneCredit += r1.CreditedTime()
		for _, e := range r1.Excluded {
			if e.Reason == ReasonParallel {
				phoneParallel += e.Wall
			}
		}
		r2, err := cd.heartbeat(signed(pc, uint64(1+i), time.Duration(30+i*15)*sec, true), at.Add(2*sec))
		if err != nil {
			t.Fatal(err)
		}
		pcCredit += r2.CreditedTime()
	}
	if phoneCredit != 0 || phoneParallel != 61*sec {
		t.Errorf("superseded phone credited %v with %v parallel, want 0 and 61s", phoneCredit, phoneParallel)
	}
	if pcCredit != 60*sec || !equalIntervals(pc.Covered, Intervals{iv(0, 90)}) {
		t.Errorf("desktop credited %v covering %v, want 60s covering [0,90)", pcCredit, pc.Covered)
	}
	if id, due := phone.Challenge(opened.Add(time.Hour), nil); due || id != "" {
		t.Errorf("a superseded session was challenged")
	}
}

func TestDayBoundary(t *testing.T) {
	beforeMidnight := time.Date(2025, 3, 10, 15, 59, 50, 0, time.UTC) // 23:59:50 China time
	midnight := beforeMidnight.Add(10 * sec)
	tests := []struct {
		name     string
		today    time.Duration
		credits  []Credit
		excluded []Exclusion
		capDay   string
		capUsed  time.Duration
	}{
		{
			name: "a credit across midnight is split",
			credits: []Credit{
				{Segment: iv(0, 10), From: beforeMidnight, To: midnight, Day: "2025-03-10"},
				{Segment: iv(10, 15), From: midnight, To: midnight.Add(5 * sec), Day: "2025-03-11"},
			},
			capDay: "2025-03-11", capUsed: 5 * sec,
		},
		{
			name:  "the cap starts afresh at midnight",
			today: 4 * time.Hour,
			credits: []Credit{
				{Segment: iv(10, 15), From: midnight, To: midnight.Add(5 * sec), Day: "2025-03-11"},
			},
			excluded: []Exclusion{{Reason: ReasonCap, Segment: iv(0, 10), Wall: 10 * sec}},
			capDay:   "2025-03-11", capUsed: 5 * sec,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, DefaultPolicy(), SessionInput{CreditedToday: tt.today}, beforeMidnight)
			r := drive(t, s, beforeMidnight, []step{play(0, 0), play(15*sec, 15*sec)})
			got := r.results[1]
			if !reflect.DeepEqual(got.Credited, tt.credits) || !reflect.DeepEqual(got.Excluded, tt.excluded) {
				t.Errorf("got credits %+v excluded %+v\nwant credits %+v excluded %+v", got.Credited, got.Excluded, tt.credits, tt.excluded)
			}
			if s.CapDay != tt.capDay || s.CreditedToday != tt.capUsed {
				t.Errorf("cap day %s used %v, want %s used %v", s.CapDay, s.CreditedToday, tt.capDay, tt.capUsed)
			}
		})
	}
}

func TestNewSessionInvalid(t *testing.T) {
	good := SessionInput{ID: "pb", PersonID: 1, LessonID: 1, Duration: time.Minute, Nonce: testNonce}
	tests := []struct {
		name  string
		edit  func(*SessionInput)
		field string
	}{
		{"no id", func(in *SessionInput) { in.ID = "" }, "id"},
		{"no person", func(in *SessionInput) { in.PersonID = 0 }, "person_id"},
		{"no lesson", func(in *SessionInput) { in.LessonID = 0 }, "lesson_id"},
		{"no duration", func(in *SessionInput) { in.Duration = 0 }, "duration"},
		{"negative credited today", func(in *SessionInput) { in.CreditedToday = -1 }, "credited_today"},
		{"short nonce", func(in *SessionInput) { in.Nonce = testNonce[:15] }, "nonce"},
	}
	for _, tt := range tests {
		in := good
		tt.edit(&in)
		_, err := NewSession(DefaultPolicy(), in, opened)
		var fe *fault.Error
		if !errors.Is(err, ErrInvalidSession) || !errors.As(err, &fe) {
			t.Errorf("%s: NewSession = %v, want ErrInvalidSession", tt.name, err)
			continue
		}
		if len(fe.Details) != 1 || fe.Details[0].Field != tt.field {
			t.Errorf("%s: details %+v, want one naming %s", tt.name, fe.Details, tt.field)
		}
	}
	if _, err := NewSession(Policy{}, good, opened); !errors.Is(err, ErrInvalidPolicy) {
		t.Errorf("NewSession with the zero Policy = %v, want ErrInvalidPolicy", err)
	}
	s, err := NewSession(DefaultPolicy(), SessionInput{ID: "pb", PersonID: 1, LessonID: 1, Duration: 30 * sec, Nonce: testNonce,
		Covered: Intervals{iv(20, 40), iv(-5, 3), iv(1, 2)}}, opened)
	if err != nil || !equalIntervals(s.Covered, Intervals{iv(0, 3), iv(20, 30)}) {
		t.Errorf("NewSession covered = %v, %v; want [0,3) [20,30) clipped to the lesson", s.Covered, err)
	}
}

// TestSeekPairKeepsTheWatchingBeforeIt: a player that reports the position
// where a seek starts and, a moment later, where it lands is credited for
// everything watched before the seek; only the moment between counts as a
// seek.
func TestSeekPairKeepsTheWatchingBeforeIt(t *testing.T) {
	s := open(t, DefaultPolicy(), SessionInput{}, opened)
	ms := time.Millisecond
	res := drive(t, s, opened, []step{
		play(0, 0), play(15*sec, 15*sec),
		play(29*sec, 29*sec),               // the seek starts at 29 s
		play(29*sec+300*ms, 5*time.Minute), // and lands at 5:00
		play(44*sec+300*ms, 5*time.Minute+15*sec),
	})
	if got, want := s.Covered, (Intervals{iv(0, 29), iv(300, 315)}); !equalIntervals(got, want) {
		t.Fatalf("covered %v, want %v (excluded %v)", got, want, res)
	}
}
