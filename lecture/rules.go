package lecture

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CheckTimeout is how long a viewer has to answer a presence check.
const CheckTimeout = 60 * time.Second

// CheckEvery bounds the random wait between the presence checks the
// system schedules (as course.DefaultPolicy's challenges).
var CheckEvery = struct{ Min, Max time.Duration }{10 * time.Minute, 20 * time.Minute}

// ScheduleChecks returns when the system checks presence in a lecture that
// went live at start and is planned to last length: random waits in
// [min, max] drawn from seed, so every server computes the same schedule
// from the session's stored seed; a check whose deadline would fall after
// the planned end is left out.
func ScheduleChecks(seed uint64, start time.Time, length, min, max time.Duration) []time.Time {
	if min <= 0 || max < min || length <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []time.Time
	at := start
	for {
		wait := min
		if max > min {
			wait += time.Duration(rng.Int64N(int64(max-min) + 1))
		}
		at = at.Add(wait).Truncate(time.Second)
		if at.Add(CheckTimeout).After(start.Add(length)) {
			return out
		}
		out = append(out, at)
	}
}

// Rate is a limit of Max messages per Per.
type Rate struct {
	Max int
	Per time.Duration
}

// ChatRates are the limits on one viewer's chat messages and questions
// together in one lecture: 3 in 5 seconds and 12 in a minute.
var ChatRates = []Rate{{Max: 3, Per: 5 * time.Second}, {Max: 12, Per: time.Minute}}

// Allowed reports whether one more message at now keeps within rates,
// given the times of the sender's earlier messages (any order); when not,
// it says how long until it would.
func Allowed(earlier []time.Time, now time.Time, rates []Rate) (bool, time.Duration) {
	var wait time.Duration
	for _, r := range rates {
		if r.Max <= 0 {
			return false, r.Per
		}
		var in []time.Time
		for _, t := range earlier {
			if now.Sub(t) < r.Per && !t.After(now) {
				in = append(in, t)
			}
		}
		if len(in) < r.Max {
			continue
		}
		// the oldest message that must leave the window first
		slices.SortFunc(in, time.Time.Compare)
		oldest := in[len(in)-r.Max]
		if w := oldest.Add(r.Per).Sub(now); w > wait {
			wait = w
		}
	}
	return wait == 0, wait
}

// CleanText makes s plain text for the room: invalid UTF-8, control,
// format (zero-width, bidirectional override) and private-use characters
// removed, every run of white space one space, trimmed. Pages show it as
// text, never as HTML.
func CleanText(s string) string {
	var b strings.Builder
	space := false
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case r == utf8.RuneError && n <= 1:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
