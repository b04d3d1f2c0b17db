package hours

import "testing"

func TestAddMonthsCivilCode(t *testing.T) {
	tests := []struct {
		from   string
		months int
		want   string
	}{
		{"2025-03-15", 6, "2025-09-15"},
		{"2025-08-31", 6, "2026-02-28"}, // no 31 February: the month's last day
		{"2023-08-31", 6, "2024-02-29"}, // leap year
		{"2024-02-29", 12, "2025-02-28"},
		{"2025-03-31", -1, "2025-02-28"},
		{"2025-12-15", 1, "2026-01-15"},
		{"2026-01-31", -6, "2025-07-31"},
	}
	for _, tt := range tests {
		if got := fmtDay(addMonths(chinaDay(tt.from), tt.months)); got != tt.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tt.from, tt.months, got, tt.want)
		}
	}
}

func TestParseOffset(t *testing.T) {
	good := map[string]Offset{"-6m": {Months: -6}, "+6m": {Months: 6}, "0d": {}, "-90d": {Days: -90}, "1y": {Months: 12}}
	for s, want := range good {
		if got, err := ParseOffset(s); err != nil || got != want {
			t.Errorf("ParseOffset(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "6", "m", "6w", "--6m", "6 m"} {
		if _, err := ParseOffset(s); err == nil {
			t.Errorf("ParseOffset(%q) succeeded, want an error", s)
		}
	}
}
