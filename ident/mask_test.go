package ident

import "testing"

func TestMaskID(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"53030219900101123X", "530302********123X"},
		{"11010519491231002X", "110105********002X"},
		{" 11010519491231002X ", "110105********002X"},
		{"110105491231002", "11***********02"},
		{"E12345678", "E1*****78"},
		{"USA110079050001", "US***********01"},
		{"ABCDE", "AB*DE"},
		{"ABCD", "****"},
		{"A", "*"},
		{"", ""},
		{"   ", ""},
		{"张三丰李四", "张三*李四"},
		{"\xff\xfe\xfd\xfc\xfb", "\xef\xbf\xbd\xef\xbf\xbd*\xef\xbf\xbd\xef\xbf\xbd"},
	}
	for _, tt := range tests {
		if got := MaskID(tt.in); got != tt.want {
			t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
