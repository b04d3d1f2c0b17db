package course

import (
	"encoding/json"
	"testing"
	"time"
)

// TestSessionCodec: a session stored as setup and state reads back as the
// same session, whatever it went through; a row of the old format (the
// whole session in state, no setup) reads the same; and what a heartbeat
// writes (state) is at most half of the whole session.
func TestSessionCodec(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	p.ChallengeEvery = Range{Min: time.Minute, Max: time.Minute}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	beat := func(s *Session, seq uint64, d, pos time.Duration) {
		if _, err := s.Heartbeat(signed(s, seq, pos, true), at(d)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		make func() *Session
	}{
		{"new", func() *Session { return open(t, p, SessionInput{}, t0) }},
		{"playing", func() *Session {
			s := open(t, p, SessionInput{Covered: Intervals{{0, 30 * time.Second}}, CreditedToday: time.Hour}, t0)
			beat(s, 1, 0, 30*time.Second)
			beat(s, 2, 15*time.Second, 45*time.Second)
			return s
		}},
		{"challenge pending", func() *Session {
			s := open(t, p, SessionInput{}, t0)
			beat(s, 1, 0, 0)
			beat(s, 2, 61*time.Second, 61*time.Second)
			if _, due := s.Challenge(at(61*time.Second), func() float64 { return 0 }); !due {
				t.Fatal("no challenge")
			}
			return s
		}},
		{"challenge answered late", func() *Session {
			s := open(t, p, SessionInput{}, t0)
			beat(s, 1, 0, 0)
			id, due := s.Challenge(at(61*time.Second), func() float64 { return 0 })
			if !due {
				t.Fatal("no challenge")
			}
			if err := s.Answer(id, at(4*time.Minute)); err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"superseded", func() *Session {
			s := open(t, p, SessionInput{}, t0)
			beat(s, 1, 0, 0)
			Supersede(s)
			return s
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.make()
			whole, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			setup, err := encodeSetup(s)
			if err != nil {
				t.Fatal(err)
			}
			state, err := encodeState(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, stored := range []struct{ format, setup, state string }{{"split", setup, state}, {"old (whole in state)", "", string(whole)}} {
				back, err := decodeSession(s.ID, s.PersonID, s.LessonID, stored.setup, stored.state)
				if err != nil {
					t.Fatalf("%s: %v", stored.format, err)
				}
				again, _ := json.Marshal(back)
				if string(again) != string(whole) {
					t.Fatalf("%s format reads back\n%s\nwant\n%s", stored.format, again, whole)
				}
			}
			if len(state)*2 > len(whole) {
				t.Fatalf("a heartbeat writes %d of the session's %d bytes: %s", len(state), len(whole), state)
			}
			t.Logf("state %d bytes, setup %d, whole session %d", len(state), len(setup), len(whole))
		})
	}
}

// TestSessionCodecOldRow: a state column as rows written before the split
// hold it (every field, zero ones too) reads as the session it was.
func TestSessionCodecOldRow(t *testing.T) {
	const old = `{"ID":"0123456789abcdef0123456789abcdef","PersonID":12345,"LessonID":17,"Duration":600000000000,"Policy":{"MinHeartbeat":200000000,"MaxHeartbeatGap":60000000000,"DailyCap":14400000000000,"ChallengeEvery":{"Min":600000000000,"Max":1200000000000},"ChallengeTimeout":60000000000,"Tolerance":2000000000,"MaxRate":2},"Nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","Covered":[{"Start":0,"End":95000000000}],"LastSeq":7,"LastPosition":95000000000,"LastAt":"2026-11-29T07:26:19.049936084Z","LastPlaying":true,"Lag":{"Start":0,"End":0},"CapDay":"2026-11-29","CreditedToday":95000000000,"Pending":{"ID":"","IssuedAt":"0001-01-01T00:00:00Z","AnsweredAt":"0001-01-01T00:00:00Z"},"Challenges":0,"NextChallengeAt":"2026-11-29T07:36:19.049936084Z","Idle":null,"Superseded":false}`
	s, err := decodeSession("0123456789abcdef0123456789abcdef", 12345, 17, "", old)
	if err != nil {
		t.Fatal(err)
	}
	lastAt := time.Date(2026, 11, 29, 7, 26, 19, 49936084, time.UTC)
	switch {
	case s.Duration != 10*time.Minute || s.Policy != DefaultPolicy() || len(s.Nonce) != 32:
		t.Fatalf("setup read as %v, %+v, %d-byte nonce", s.Duration, s.Policy, len(s.Nonce))
	case len(s.Covered) != 1 || s.Covered[0] != (Interval{0, 95 * time.Second}) || s.LastSeq != 7 || !s.LastAt.Equal(lastAt) || !s.LastPlaying:
		t.Fatalf("playback read as %+v", s)
	case s.CapDay != "2026-11-29" || s.CreditedToday != 95*time.Second || !s.NextChallengeAt.Equal(lastAt.Add(10*time.Minute)) || s.Pending != (PendingChallenge{}):
		t.Fatalf("day and challenges read as %+v", s)
	}
	// Written again, it is split: the setup column holds what state no
	// longer does, and both read back as the same session.
	setup, _ := encodeSetup(s)
	state, _ := encodeState(s)
	back, err := decodeSession(s.ID, s.PersonID, s.LessonID, setup, state)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Fatalf("split again reads\n%s\nwant\n%s", b, a)
	}
}

// TestSessionCodecSetupWins: a state written whole over a split row, as a
// binary from before the split writes it (the setup's fields as zeros,
// since it read none), does not undo the setup: that is read last.
func TestSessionCodecSetupWins(t *testing.T) {
	s := open(t, DefaultPolicy(), SessionInput{}, time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC))
	setup, err := encodeSetup(s)
	if err != nil {
		t.Fatal(err)
	}
	const wholeWithZeros = `{"ID":"","PersonID":0,"LessonID":0,"Duration":0,"Policy":{"MinHeartbeat":0,"MaxHeartbeatGap":0,"DailyCap":0,"ChallengeEvery":{"Min":0,"Max":0},"ChallengeTimeout":0,"Tolerance":0,"MaxRate":0},"Nonce":null,"Covered":[{"Start":0,"End":15000000000}],"LastSeq":2,"LastPosition":15000000000,"LastAt":"2026-05-04T02:00:15Z","LastPlaying":true,"Lag":{"Start":0,"End":0},"CapDay":"2026-05-04","CreditedToday":15000000000,"Pending":{"ID":"","IssuedAt":"0001-01-01T00:00:00Z","AnsweredAt":"0001-01-01T00:00:00Z"},"Challenges":0,"NextChallengeAt":"0001-01-01T00:00:00Z","Idle":null,"Superseded":false}`
	back, err := decodeSession(s.ID, s.PersonID, s.LessonID, setup, wholeWithZeros)
	if err != nil {
		t.Fatal(err)
	}
	if back.Duration != s.Duration || back.Policy != s.Policy || string(back.Nonce) != string(s.Nonce) || back.ID != s.ID || back.LastSeq != 2 {
		t.Fatalf("read %v %+v %q %q seq %d; want the setup %v %+v %q %q and the state's seq 2", back.Duration, back.Policy, back.Nonce, back.ID, back.LastSeq, s.Duration, s.Policy, s.Nonce, s.ID)
	}
}
