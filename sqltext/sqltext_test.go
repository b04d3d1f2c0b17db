package sqltext

import (
	"slices"
	"testing"
)

func TestContains(t *testing.T) {
	cases := map[string]string{"": "%%", "张三": "%张三%", "50%_!": "%50!%!_!!%"}
	for in, want := range cases {
		if got := Contains(in); got != want {
			t.Errorf("Contains(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeList(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{" ", ""}, ""},
		{[]string{"b", " a ", "b", "x,y"}, ",a,b,"},
	}
	for _, tc := range cases {
		got := CodeList(tc.in)
		if got != tc.want {
			t.Errorf("CodeList(%q) = %q, want %q", tc.in, got, tc.want)
		}
		back := SplitCodes(got)
		if got == "" && (back == nil || len(back) != 0) || got != "" && !slices.Equal(back, SplitCodes(tc.want)) {
			t.Errorf("SplitCodes(%q) = %q", got, back)
		}
	}
}
