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

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张晓明", "张*明"},
		{"李四", "李*"},
		{"欧阳娜娜", "欧**娜"},
		{"王", "*"},
		{" 赵钱孙 ", "赵*孙"},
		{"阿依古丽·买买提", "阿***·**提"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
