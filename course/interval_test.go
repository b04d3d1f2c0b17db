package course

import (
	"slices"
	"testing"
	"time"
)

const sec = time.Second

func iv(a, b int) Interval { return Interval{time.Duration(a) * sec, time.Duration(b) * sec} }

func TestIntervalsAdd(t *testing.T) {
	tests := []struct {
		name string
		set  Intervals
		add  Interval
		want Intervals
	}{
		{"into empty", nil, iv(1, 2), Intervals{iv(1, 2)}},
		{"empty interval", Intervals{iv(1, 2)}, iv(5, 5), Intervals{iv(1, 2)}},
		{"reversed interval", Intervals{iv(1, 2)}, iv(5, 3), Intervals{iv(1, 2)}},
		{"before", Intervals{iv(5, 6)}, iv(1, 2), Intervals{iv(1, 2), iv(5, 6)}},
		{"after", Intervals{iv(1, 2)}, iv(5, 6), Intervals{iv(1, 2), iv(5, 6)}},
		{"between", Intervals{iv(1, 2), iv(8, 9)}, iv(4, 5), Intervals{iv(1, 2), iv(4, 5), iv(8, 9)}},
		{"adjacent left", Intervals{iv(3, 5)}, iv(1, 3), Intervals{iv(1, 5)}},
		{"adjacent right", Intervals{iv(3, 5)}, iv(5, 7), Intervals{iv(3, 7)}},
		{"bridges two", Intervals{iv(1, 3), iv(5, 7)}, iv(3, 5), Intervals{iv(1, 7)}},
		{"overlaps", Intervals{iv(1, 4)}, iv(2, 6), Intervals{iv(1, 6)}},
		{"inside", Intervals{iv(1, 9)}, iv(2, 3), Intervals{iv(1, 9)}},
		{"swallows several", Intervals{iv(2, 3), iv(4, 5), iv(10, 11)}, iv(1, 6), Intervals{iv(1, 6), iv(10, 11)}},
	}
	for _, tt := range tests {
		before := slices.Clone(tt.set)
		if got := tt.set.Add(tt.add); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v.Add(%v) = %v, want %v", tt.name, tt.set, tt.add, got, tt.want)
		}
		if !slices.Equal(tt.set, before) {
			t.Errorf("%s: Add modified its receiver: %v, was %v", tt.name, tt.set, before)
		}
	}
}

func TestIntervalsSubtract(t *testing.T) {
	tests := []struct {
		name string
		set  Intervals
		sub  Interval
		want Intervals
	}{
		{"from empty", nil, iv(1, 2), Intervals{}},
		{"empty interval", Intervals{iv(1, 2)}, iv(2, 2), Intervals{iv(1, 2)}},
		{"disjoint", Intervals{iv(1, 2)}, iv(2, 3), Intervals{iv(1, 2)}},
		{"whole", Intervals{iv(1, 2)}, iv(0, 3), Intervals{}},
		{"exact", Intervals{iv(1, 2)}, iv(1, 2), Intervals{}},
		{"middle splits", Intervals{iv(1, 9)}, iv(3, 5), Intervals{iv(1, 3), iv(5, 9)}},
		{"left end", Intervals{iv(1, 9)}, iv(0, 3), Intervals{iv(3, 9)}},
		{"right end", Intervals{iv(1, 9)}, iv(7, 12), Intervals{iv(1, 7)}},
		{"across two", Intervals{iv(1, 4), iv(6, 9)}, iv(3, 7), Intervals{iv(1, 3), iv(7, 9)}},
	}
	for _, tt := range tests {
		if got := tt.set.Subtract(tt.sub); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v.Subtract(%v) = %v, want %v", tt.name, tt.set, tt.sub, got, tt.want)
		}
	}
}

func TestIntervalsTotalContains(t *testing.T) {
	set := NewIntervals(iv(8, 9), iv(1, 3), iv(2, 4), iv(6, 6), iv(4, 5))
	if want := (Intervals{iv(1, 5), iv(8, 9)}); !slices.Equal(set, want) {
		t.Fatalf("NewIntervals = %v, want %v", set, want)
	}
	if got, want := set.Total(), 5*sec; got != want {
		t.Errorf("Total = %v, want %v", got, want)
	}
	if got := iv(1, 2).String(); got != "[1s,2s)" {
		t.Errorf("String = %q", got)
	}
	if got := Intervals(nil).Total(); got != 0 {
		t.Errorf("nil Total = %v, want 0", got)
	}
	tests := []struct {
		in   Interval
		want bool
	}{
		{iv(1, 5), true},
		{iv(2, 3), true},
		{iv(8, 9), true},
		{iv(4, 6), false},
		{iv(0, 2), false},
		{iv(3, 9), false}, // spans a hole
		{iv(5, 8), false}, // the hole itself
		{iv(9, 10), false},
		{iv(7, 7), true}, // empty
	}
	for _, tt := range tests {
		if got := set.Contains(tt.in); got != tt.want {
			t.Errorf("%v.Contains(%v) = %v, want %v", set, tt.in, got, tt.want)
		}
	}
}

func TestIntervalsPieces(t *testing.T) {
	set := Intervals{iv(2, 4), iv(6, 7)}
	got := set.pieces(iv(1, 8))
	want := []piece{{iv(1, 2), false}, {iv(2, 4), true}, {iv(4, 6), false}, {iv(6, 7), true}, {iv(7, 8), false}}
	if !slices.Equal(got, want) {
		t.Errorf("pieces = %v, want %v", got, want)
	}
	if got := set.pieces(iv(3, 3)); len(got) != 0 {
		t.Errorf("pieces(empty) = %v, want none", got)
	}
}
