package xlsxguard

import "testing"

func TestLooksLikeText(t *testing.T) {
	cases := map[string]bool{"": false, "身份证号,姓名\r\n530302": true, "a\tb\n": true, "PK\x03\x04": false, "\x00\x01binary": false}
	for in, want := range cases {
		if got := LooksLikeText([]byte(in)); got != want {
			t.Errorf("LooksLikeText(%q) = %v, want %v", in, got, want)
		}
	}
}
