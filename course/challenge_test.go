package course

import (
	"errors"
	"testing"
	"time"
)

func TestChallengeSchedule(t *testing.T) {
	p := DefaultPolicy() // every 10 to 20 minutes, 60 s to answer; the first within 20
	tests := []struct {
		name string
		rnd  func() float64
		due  time.Duration // wait before the first challenge
	}{
		{"early", func() float64 { return 0.05 }, time.Minute},
		{"longest", func() float64 { return 0.999999999 }, 20*time.Minute - 1200*time.Nanosecond},
		{"middle when rnd is nil", nil, 10 * time.Minute},
		{"out of range is clamped", func() float64 { return 7 }, 20 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, p, SessionInput{}, opened)
			if id, due := s.Challenge(opened, tt.rnd); due || id != "" {
				t.Fatalf("challenged at once: %q", id)
			}
			if id, due := s.Challenge(opened.Add(tt.due-1), tt.rnd); due || id != "" {
				t.Fatalf("challenged before %v", tt.due)
			}
			id, due := s.Challenge(opened.Add(tt.due), tt.rnd)
			if !due || id == "" {
				t.Fatalf("not challenged at %v", tt.due)
			}
			if again, due := s.Challenge(opened.Add(tt.due+time.Hour), tt.rnd); !due || again != id {
				t.Fatalf("pending challenge %q not repeated, got %q %v", id, again, due)
			}
		})
	}
}

// TestFirstChallengeCannotBeOutrun: a session's first challenge may come
// at once (rnd near 0), and a schedule carried over from the person's
// previous session is kept, so a chain of short lessons or reloads cannot
// keep pushing the challenge away.
func TestFirstChallengeCannotBeOutrun(t *testing.T) {
	p := DefaultPolicy()
	s := open(t, p, SessionInput{}, opened)
	if id, due := s.Challenge(opened, func() float64 { return -1 }); !due || id == "" {
		t.Fatalf("rnd 0: first challenge not put at once")
	}
	carried := opened.Add(-time.Minute) // the previous session's challenge was already due
	s = open(t, p, SessionInput{NextChallengeAt: carried}, opened)
	if id, due := s.Challenge(opened, nil); !due || id == "" {
		t.Fatalf("carried-over schedule ignored: not challenged at once")
	}
	later := opened.Add(5 * time.Minute)
	s = open(t, p, SessionInput{NextChallengeAt: later}, opened)
	if _, due := s.Challenge(opened.Add(4*time.Minute), nil); due {
		t.Fatal("challenged before the carried-over time")
	}
	if _, due := s.Challenge(later, nil); !due {
		t.Fatal("not challenged at the carried-over time")
	}
}

func TestAnswer(t *testing.T) {
	p := DefaultPolicy()
	zero := func() float64 { return 0 }
	s := open(t, p, SessionInput{}, opened)
	if err := s.Answer("x", opened); !errors.Is(err, ErrUnknownChallenge) {
		t.Errorf("Answer with no challenge = %v, want ErrUnknownChallenge", err)
	}
	s.Challenge(opened, func() float64 { return 0.5 }) // first challenge after 10 minutes
	first, _ := s.Challenge(opened.Add(10*time.Minute), zero)
	if err := s.Answer("", opened); !errors.Is(err, ErrUnknownChallenge) {
		t.Errorf("Answer(\"\") = %v, want ErrUnknownChallenge", err)
	}
	if err := s.Answer(first+"x", opened); !errors.Is(err, ErrUnknownChallenge) {
		t.Errorf("Answer(wrong) = %v, want ErrUnknownChallenge", err)
	}
	late := opened.Add(10*time.Minute + 90*time.Second)
	if err := s.Answer(first, late); err != nil {
		t.Fatalf("Answer = %v", err)
	}
	want := []Window{{From: opened.Add(11 * time.Minute), To: late}}
	if len(s.Idle) != 1 || s.Idle[0] != want[0] {
		t.Errorf("idle windows %v, want %v", s.Idle, want)
	}
	if err := s.Answer(first, late.Add(time.Minute)); err != nil || len(s.Idle) != 1 {
		t.Errorf("answering twice = %v with idle %v, want a no-op", err, s.Idle)
	}
	// The next challenge is scheduled afresh and has another ID.
	if id, due := s.Challenge(late, zero); due || id != "" {
		t.Errorf("challenged again at once")
	}
	second, due := s.Challenge(late.Add(10*time.Minute), zero)
	if !due || second == first || second == "" {
		t.Errorf("second challenge %q (due %v), want a new one", second, due)
	}
	if err := s.Answer(first, late.Add(10*time.Minute)); !errors.Is(err, ErrUnknownChallenge) {
		t.Errorf("answering an old challenge = %v, want ErrUnknownChallenge", err)
	}
	if err := s.Answer(second, late.Add(10*time.Minute+30*time.Second)); err != nil || len(s.Idle) != 1 {
		t.Errorf("answering in time = %v with idle %v, want no new idle window", err, s.Idle)
	}
}

func TestSign(t *testing.T) {
	// A fixed vector for the player's implementation (Web Crypto).
	const want = "e55f2891d618b38055eacb7825215b164d8e1120ae9e0aa58d90244a2b1dddfb"
	if got := Sign([]byte("0123456789abcdef"), "pb-1", 3, 30500*time.Millisecond); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	a := Sign(testNonce, "pb-1", 3, 30500*time.Millisecond+999*time.Microsecond)
	if a != Sign(testNonce, "pb-1", 3, 30500*time.Millisecond) {
		t.Errorf("positions are signed in whole milliseconds")
	}
	for _, other := range []string{
		Sign(testNonce, "pb-1", 4, 30500*time.Millisecond),
		Sign(testNonce, "pb-2", 3, 30500*time.Millisecond),
		Sign(testNonce, "pb-1", 3, 30501*time.Millisecond),
		Sign([]byte("0123456789abcdeF"), "pb-1", 3, 30500*time.Millisecond),
	} {
		if other == a {
			t.Errorf("different heartbeats share the token %s", a)
		}
	}
}
