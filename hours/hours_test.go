package hours

import "testing"

func TestFromMinutes(t *testing.T) {
	tests := []struct {
		minutes int
		online  bool
		want    string
	}{
		{30, true, "1"},
		{45, true, "1.5"},
		{45, false, "1"},
		{90, false, "2"},
		{30, false, "0.66"}, // 2/3 学时, rounded down, never up
		{1, true, "0.03"},
		{1, false, "0.02"},
		{44, false, "0.97"},
		{0, true, "0"},
		{72 * 45, false, "72"},
	}
	for _, tt := range tests {
		if got := FromMinutes(tt.minutes, tt.online).String(); got != tt.want {
			t.Errorf("FromMinutes(%d, online=%v) = %s, want %s", tt.minutes, tt.online, got, tt.want)
		}
	}
	if got := FromMinutes(30, true) + FromMinutes(45, false); got != Whole(2) {
		t.Errorf("30 online + 45 offline minutes = %s 学时, want 2", got)
	}
}

func TestParseHours(t *testing.T) {
	good := map[string]Hours{"48": Whole(48), "0.5": Hour / 2, "16.5": Whole(16) + Hour/2, "0": 0}
	for s, want := range good {
		if got, err := ParseHours(s); err != nil || got != want {
			t.Errorf("ParseHours(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "x", "-1", "1/2", "1e2", "0.001"} {
		if _, err := ParseHours(s); err == nil {
			t.Errorf("ParseHours(%q) succeeded, want an error", s)
		}
	}
}
