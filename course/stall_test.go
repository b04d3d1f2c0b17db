package course

import (
	"reflect"
	"testing"
	"time"
)

func TestSettleStall(t *testing.T) {
	at := opened                         // 09:00 China time
	yesterday := at.Add(-10 * time.Hour) // 23:00 the day before
	stall := func(d time.Duration) Exclusion { return Exclusion{Reason: ReasonStall, Wall: d} }
	row := func(e Exclusion, when time.Time) LedgerExclusion {
		return LedgerExclusion{Exclusion: e, Day: ChinaDay(when), At: when}
	}
	buffer := func(d time.Duration, when time.Time) StallBuffer {
		return StallBuffer{Wall: d, Day: ChinaDay(when), At: when}
	}
	earlier := at.Add(-15 * time.Second)
	tests := []struct {
		name       string
		buf        StallBuffer
		superseded bool
		ex         []Exclusion
		playing    bool
		want       []LedgerExclusion
		wantBuf    StallBuffer
	}{
		{name: "a short stall is buffered", ex: []Exclusion{stall(ms(300))}, playing: true,
			wantBuf: buffer(ms(300), at)},
		{name: "and added to the buffer", buf: buffer(ms(700), earlier), ex: []Exclusion{stall(ms(300))}, playing: true,
			wantBuf: buffer(ms(1000), at)},
		{name: "nothing excluded keeps the buffer", buf: buffer(ms(700), earlier), playing: true,
			wantBuf: buffer(ms(700), earlier)},
		{name: "a full buffer is written with the stall that fills it", buf: buffer(ms(4800), earlier), ex: []Exclusion{stall(ms(200))}, playing: true,
			want: []LedgerExclusion{row(stall(5*time.Second), at)}},
		{name: "a long stall is written, with the buffer", buf: buffer(ms(700), earlier), ex: []Exclusion{stall(ms(1500))}, playing: true,
			want: []LedgerExclusion{row(stall(ms(2200)), at)}},
		{name: "another reason writes the buffer on its own",
			buf: buffer(ms(700), earlier), ex: []Exclusion{{Reason: ReasonSeek, Segment: Interval{time.Minute, 2 * time.Minute}, Wall: ms(400)}}, playing: true,
			want: []LedgerExclusion{row(Exclusion{Reason: ReasonSeek, Segment: Interval{time.Minute, 2 * time.Minute}, Wall: ms(400)}, at), row(stall(ms(700)), earlier)}},
		{name: "a short stall with another reason is written",
			ex: []Exclusion{{Reason: ReasonRewatch, Segment: Interval{0, time.Second}, Wall: time.Second}, stall(ms(100))}, playing: true,
			want: []LedgerExclusion{row(Exclusion{Reason: ReasonRewatch, Segment: Interval{0, time.Second}, Wall: time.Second}, at), row(stall(ms(100)), at)}},
		{name: "a pause writes the buffer", buf: buffer(ms(700), earlier), ex: []Exclusion{stall(ms(100))},
			want: []LedgerExclusion{row(stall(ms(800)), at)}},
		{name: "a pause with nothing excluded writes the buffer", buf: buffer(ms(700), earlier),
			want: []LedgerExclusion{row(stall(ms(700)), earlier)}},
		{name: "a superseded session writes the buffer", buf: buffer(ms(700), earlier), superseded: true,
			ex: []Exclusion{{Reason: ReasonParallel, Wall: 15 * time.Second}}, playing: true,
			want: []LedgerExclusion{row(Exclusion{Reason: ReasonParallel, Wall: 15 * time.Second}, at), row(stall(ms(700)), earlier)}},
		{name: "yesterday's buffer is written under yesterday", buf: buffer(ms(700), yesterday), ex: []Exclusion{stall(ms(300))}, playing: true,
			want: []LedgerExclusion{row(stall(ms(700)), yesterday)}, wantBuf: buffer(ms(300), at)},
		{name: "yesterday's buffer is not merged into today's row", buf: buffer(ms(700), yesterday), ex: []Exclusion{stall(2 * time.Second)}, playing: true,
			want: []LedgerExclusion{row(stall(ms(700)), yesterday), row(stall(2*time.Second), at)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, DefaultPolicy(), SessionInput{}, earlier)
			s.Stall, s.Superseded = tt.buf, tt.superseded
			got := s.SettleStall(tt.ex, at, tt.playing)
			if !reflect.DeepEqual(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("written %+v, want %+v", got, tt.want)
			}
			if s.Stall != tt.wantBuf {
				t.Errorf("buffer %+v, want %+v", s.Stall, tt.wantBuf)
			}
		})
	}

	s := open(t, DefaultPolicy(), SessionInput{}, earlier)
	if _, ok := s.TakeStall(); ok {
		t.Error("TakeStall of an empty buffer returned a row")
	}
	s.Stall = buffer(ms(700), earlier)
	if e, ok := s.TakeStall(); !ok || e != row(stall(ms(700)), earlier) || s.Stall != (StallBuffer{}) {
		t.Errorf("TakeStall = %+v, %v; buffer left %+v", e, ok, s.Stall)
	}
}
