package lecture

import (
	"maps"
	"strings"
	"testing"
	"time"

	"anpei/course"
)

var t0 = time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC) // 14:00 China time

func at(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }
func sp(a, b float64) Span     { return Span{From: at(a), To: at(b)} }
func mins(m float64) time.Duration {
	return time.Duration(m * float64(time.Minute))
}

func TestCredit(t *testing.T) {
	window := sp(0, 60)
	tests := []struct {
		name     string
		window   Span
		conns    []Conn
		checks   []Check
		answered map[uint]time.Time
		credited time.Duration
		excluded map[course.Reason]time.Duration
		missed   int
	}{
		{
			name:     "whole lecture received",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}}},
			credited: mins(60), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "connected before the start and after the end: only the lecture's wall clock",
			conns:    []Conn{{Joined: at(-10), Left: at(75), Receiving: []Span{sp(-9, 75)}}},
			credited: mins(60), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "receiving gaps are not credited",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(1, 20), sp(25, 50)}}},
			credited: mins(44), excluded: map[course.Reason]time.Duration{course.ReasonNoMedia: mins(16)},
		},
		{
			name:     "open receiving span ends with the connection",
			conns:    []Conn{{Joined: at(10), Left: at(40), Receiving: []Span{{From: at(10)}}}},
			credited: mins(30), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "open connection and span end with the lecture",
			conns:    []Conn{{Joined: at(30), Receiving: []Span{{From: at(31)}}}},
			credited: mins(29), excluded: map[course.Reason]time.Duration{course.ReasonNoMedia: mins(1)},
		},
		{
			name: "reconnect after a network change: both stretches count",
			conns: []Conn{
				{Joined: at(0), Left: at(20), Receiving: []Span{sp(0, 20)}},
				{Joined: at(21), Left: at(60), Receiving: []Span{sp(22, 60)}},
			},
			credited: mins(58), excluded: map[course.Reason]time.Duration{course.ReasonNoMedia: mins(1)},
		},
		{
			name: "second device: counted once, the overlap excluded",
			conns: []Conn{
				{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}},
				{Joined: at(10), Left: at(30), Receiving: []Span{sp(10, 30)}},
			},
			credited: mins(60), excluded: map[course.Reason]time.Duration{course.ReasonSecondDevice: mins(20)},
		},
		{
			name: "three devices at once: two extra",
			conns: []Conn{
				{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}},
				{Joined: at(0), Left: at(60), Receiving: []Span{sp(10, 20)}},
				{Joined: at(0), Left: at(60), Receiving: []Span{sp(15, 20)}},
			},
			credited: mins(60), excluded: map[course.Reason]time.Duration{course.ReasonSecondDevice: mins(15)},
		},
		{
			name: "second device fills the first one's gap: credited, nothing doubled",
			conns: []Conn{
				{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 30)}},
				{Joined: at(30), Left: at(60), Receiving: []Span{sp(30, 60)}},
			},
			// the person had media all along: no time without it
			credited: mins(60), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "answered checks change nothing",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}, {ID: 2, Issued: at(40), Deadline: at(41)}},
			answered: map[uint]time.Time{1: at(15.5), 2: at(41)},
			credited: mins(60), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "missed check excludes the time since the check before it",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}, {ID: 2, Issued: at(40), Deadline: at(41)}},
			answered: map[uint]time.Time{1: at(15.5)},
			credited: mins(34), excluded: map[course.Reason]time.Duration{course.ReasonMissedCheck: mins(26)}, missed: 1,
		},
		{
			name:     "first check missed: since the start",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}},
			credited: mins(44), excluded: map[course.Reason]time.Duration{course.ReasonMissedCheck: mins(16)}, missed: 1,
		},
		{
			name:     "a late answer is a miss",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(0, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}},
			answered: map[uint]time.Time{1: at(16.5)},
			credited: mins(44), excluded: map[course.Reason]time.Duration{course.ReasonMissedCheck: mins(16)}, missed: 1,
		},
		{
			name:     "a missed check does not exclude time already excluded for no media",
			conns:    []Conn{{Joined: at(0), Left: at(60), Receiving: []Span{sp(10, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}},
			credited: mins(44), excluded: map[course.Reason]time.Duration{course.ReasonNoMedia: mins(10), course.ReasonMissedCheck: mins(6)}, missed: 1,
		},
		{
			name:     "not connected at the check: not missed",
			conns:    []Conn{{Joined: at(20), Left: at(60), Receiving: []Span{sp(20, 60)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}},
			credited: mins(40), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "left during the check's minute: not missed",
			conns:    []Conn{{Joined: at(0), Left: at(15.5), Receiving: []Span{sp(0, 15.5)}}},
			checks:   []Check{{ID: 1, Issued: at(15), Deadline: at(16)}},
			credited: mins(15.5), excluded: map[course.Reason]time.Duration{},
		},
		{
			name:     "nothing received",
			conns:    []Conn{{Joined: at(0), Left: at(60)}},
			credited: 0, excluded: map[course.Reason]time.Duration{course.ReasonNoMedia: mins(60)},
		},
		{
			name:     "joined after the end",
			conns:    []Conn{{Joined: at(61), Left: at(62), Receiving: []Span{sp(61, 62)}}},
			credited: 0, excluded: map[course.Reason]time.Duration{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window
			if tt.window != (Span{}) {
				w = tt.window
			}
			o := Credit(w, tt.conns, tt.checks, tt.answered)
			if o.Credited != tt.credited {
				t.Errorf("credited %v, want %v", o.Credited, tt.credited)
			}
			if got := o.Excluded(); !maps.Equal(got, tt.excluded) {
				t.Errorf("excluded %v, want %v", got, tt.excluded)
			}
			if o.MissedChecks != tt.missed {
				t.Errorf("missed checks %d, want %d", o.MissedChecks, tt.missed)
			}
			// Invariants: never more than the wall clock or the time
			// received; the credited spans are disjoint and inside the
			// window and sum to Credited.
			if o.Credited > w.Len() || o.Credited > o.Receiving || o.Receiving > o.Connected {
				t.Errorf("credited %v, receiving %v, connected %v over window %v", o.Credited, o.Receiving, o.Connected, w.Len())
			}
			var sum time.Duration
			for i, s := range o.CreditedSpans {
				sum += s.Len()
				if s.From.Before(w.From) || s.To.After(w.To) || i > 0 && s.From.Before(o.CreditedSpans[i-1].To) {
					t.Errorf("credited span %d %v outside the window or overlapping", i, s)
				}
			}
			if sum != o.Credited {
				t.Errorf("spans sum to %v, Credited %v", sum, o.Credited)
			}
			ex := o.Excluded()
			if o.Receiving+ex[course.ReasonNoMedia] != o.Connected {
				t.Errorf("receiving %v + no media %v != connected %v", o.Receiving, ex[course.ReasonNoMedia], o.Connected)
			}
			if o.Credited+ex[course.ReasonMissedCheck] != o.Receiving {
				t.Errorf("credited %v + missed %v != receiving %v", o.Credited, ex[course.ReasonMissedCheck], o.Receiving)
			}
		})
	}
}

func TestScheduleChecks(t *testing.T) {
	a := ScheduleChecks(42, t0, 2*time.Hour, 10*time.Minute, 20*time.Minute)
	b := ScheduleChecks(42, t0, 2*time.Hour, 10*time.Minute, 20*time.Minute)
	c := ScheduleChecks(43, t0, 2*time.Hour, 10*time.Minute, 20*time.Minute)
	if len(a) < 5 || len(a) > 12 {
		t.Fatalf("%d checks in two hours at 10–20 min: %v", len(a), a)
	}
	if !slicesEqual(a, b) {
		t.Errorf("same seed, different schedules: %v and %v", a, b)
	}
	if slicesEqual(a, c) {
		t.Errorf("different seeds, same schedule: %v", a)
	}
	prev := t0
	for _, x := range a {
		gap := x.Sub(prev)
		if gap < 10*time.Minute-time.Second || gap > 20*time.Minute {
			t.Errorf("gap %v outside 10–20 min", gap)
		}
		if x.Add(CheckTimeout).After(t0.Add(2 * time.Hour)) {
			t.Errorf("check at %v has its deadline after the planned end", x)
		}
		prev = x
	}
	if got := ScheduleChecks(1, t0, 9*time.Minute, 10*time.Minute, 20*time.Minute); len(got) != 0 {
		t.Errorf("a 9-minute lecture gets checks %v", got)
	}
	if got := ScheduleChecks(1, t0, time.Hour, 0, time.Minute); got != nil {
		t.Errorf("zero minimum gives %v", got)
	}
	fixed := ScheduleChecks(7, t0, time.Hour, 15*time.Minute, 15*time.Minute)
	if len(fixed) != 3 || !fixed[0].Equal(at(15)) || !fixed[2].Equal(at(45)) {
		t.Errorf("fixed 15-minute schedule = %v", fixed)
	}
}

func slicesEqual(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func TestAllowed(t *testing.T) {
	s := func(secs ...float64) []time.Time {
		var out []time.Time
		for _, x := range secs {
			out = append(out, t0.Add(time.Duration(x*float64(time.Second))))
		}
		return out
	}
	now := t0.Add(60 * time.Second)
	tests := []struct {
		name    string
		earlier []time.Time
		ok      bool
		wait    time.Duration
	}{
		{"first message", nil, true, 0},
		{"two in five seconds", s(57, 58), true, 0},
		{"three in five seconds", s(56, 57, 58), false, time.Second},
		{"three, the oldest just out", s(55, 57, 58), true, 0},
		{"twelve in a minute", s(1, 2, 3, 10, 11, 12, 20, 21, 22, 30, 31, 32), false, time.Second},
		{"eleven in a minute", s(2, 3, 10, 11, 12, 20, 21, 22, 30, 31, 32), true, 0},
		{"future times ignored", s(61, 62, 63), true, 0},
	}
	for _, tt := range tests {
		ok, wait := Allowed(tt.earlier, now, ChatRates)
		if ok != tt.ok || wait != tt.wait {
			t.Errorf("%s: Allowed = %v, %v; want %v, %v", tt.name, ok, wait, tt.ok, tt.wait)
		}
	}
	if ok, _ := Allowed(nil, now, []Rate{{Max: 0, Per: time.Second}}); ok {
		t.Error("a zero rate allows")
	}
}

func TestCleanText(t *testing.T) {
	tests := map[string]string{
		"  老师好  ":                    "老师好",
		"第一行\r\n第二行\t\t第三":           "第一行 第二行 第三",
		"<b>粗体</b>":                  "<b>粗体</b>", // kept as text; pages escape it
		"a\u202eb\u200bc\u0000d\x07": "abcd",
		"bad\xffutf8":                "badutf8",
		"\u3000全角空格\u3000":           "全角空格",
		"":                           "",
	}
	for in, want := range tests {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanText(strings.Repeat(" ", 1000)); got != "" {
		t.Errorf("spaces give %q", got)
	}
}

func TestLedgerID(t *testing.T) {
	if got := LedgerID(4294967295, 4294967295); got != "live-4294967295-4294967295" || len(got) > 32 {
		t.Errorf("LedgerID = %q", got)
	}
}

func TestIncludes(t *testing.T) {
	ses := Session{AllEnterprises: false, AudienceCategories: 4, AudienceIndustries: ",hazchem,mining,"}
	p := Person{EnterpriseID: 3, Categories: 4, Industry: "hazchem"}
	if !ses.Includes(p, []uint{3, 9}) {
		t.Error("a special operator of enterprise 3 in hazchem is not included")
	}
	for name, q := range map[string]Person{
		"other enterprise": {EnterpriseID: 4, Categories: 4, Industry: "hazchem"},
		"other category":   {EnterpriseID: 3, Categories: 1, Industry: "hazchem"},
		"other industry":   {EnterpriseID: 3, Categories: 4, Industry: "hazchem2"},
	} {
		if ses.Includes(q, []uint{3, 9}) {
			t.Errorf("%s: included", name)
		}
	}
	if !(Session{AllEnterprises: true}).Includes(Person{EnterpriseID: 77}, nil) {
		t.Error("an audience of everyone leaves someone out")
	}
}
