package course

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// A session is stored in two parts: what it keeps from opening to end
// (the lesson's length, the policy, the nonce; its ID, person and lesson
// are columns of the row) in playback_sessions.setup, written once, and
// what heartbeats change in playback_sessions.state, written by each of
// them. A heartbeat thus writes about a third of what the whole session
// takes (see BenchmarkHeartbeat5000). Rows written before the split have
// an empty setup and the whole session in state; they read the same.
// Setup is read last, over whatever state holds: it is written once, and
// a state written whole (by a binary from before the split) may carry the
// setup's fields as zeros. Binaries from before the split cannot read
// rows written after it (their state lacks the setup): upgrades stop the
// old servers before the new one starts (see README).

// sessionSetup is the part of a session that never changes.
type sessionSetup struct {
	Duration time.Duration
	Policy   Policy
	Nonce    []byte
}

// encodeSetup returns the setup column of s.
func encodeSetup(s *Session) (string, error) {
	b, err := json.Marshal(sessionSetup{Duration: s.Duration, Policy: s.Policy, Nonce: s.Nonce})
	return string(b), err
}

// encodeState returns the state column of s: the session without its
// setup and identity, zero values left out.
func encodeState(s *Session) (string, error) {
	moving := *s
	moving.ID, moving.PersonID, moving.LessonID = "", 0, 0
	moving.Duration, moving.Policy, moving.Nonce = 0, Policy{}, nil
	b, err := json.Marshal(&moving)
	return string(b), err
}

// encodeFor returns the state column of s and, when row (as it was
// read) has no setup, a row of the old format, its setup column too: such
// a row gets its setup with its next write, since the state no longer
// carries it. Otherwise setup is "".
func encodeFor(row Playback, s *Session) (setup, state string, err error) {
	if row.Setup == "" {
		if setup, err = encodeSetup(s); err != nil {
			return "", "", err
		}
	}
	state, err = encodeState(s)
	return setup, state, err
}

// sessionColumns is what a write of a session row sets besides its time:
// the state, the setup when encodeFor gave one, and one more version.
func sessionColumns(setup, state string) map[string]any {
	cols := map[string]any{"state": state, "version": gorm.Expr("version + 1")}
	if setup != "" {
		cols["setup"] = setup
	}
	return cols
}

// decodeSession reads a stored session back from its row's identity and
// its setup and state columns (setup empty: state holds it all).
func decodeSession(id string, personID, lessonID uint, setup, state string) (*Session, error) {
	var s Session
	if err := json.Unmarshal([]byte(state), &s); err != nil {
		return nil, err
	}
	if setup != "" {
		var su sessionSetup
		if err := json.Unmarshal([]byte(setup), &su); err != nil {
			return nil, err
		}
		s.Duration, s.Policy, s.Nonce = su.Duration, su.Policy, su.Nonce
	}
	s.ID, s.PersonID, s.LessonID = id, personID, lessonID
	return &s, nil
}
