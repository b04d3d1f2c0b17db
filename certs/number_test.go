package certs

import (
	"regexp"
	"strings"
	"testing"
)

func TestNumberPattern(t *testing.T) {
	cases := []struct {
		pattern string
		want    string // with check "7K4Q2345"
		err     string
	}{
		{DefaultNumberPattern, "PX2026-000123-7K4Q", ""},
		{"QL-{prefix}{year}{seq:5}{check:4}", "QL-PX2026001237K4Q", ""},
		{"{year}/{seq:4}/{check:6}", "2026/0123/7K4Q23", ""},
		{"ql{prefix}{seq:6}{check:4}", "QLPX0001237K4Q", ""},
		{"{prefix}{year}{seq:6}", "", "必须含有"},
		{"{prefix}{check:4}", "", "必须含有"},
		{"{seq:3}{check:4}", "", "N 应为"},
		{"{seq:6}{check:9}", "", "N 应为"},
		{"{seq:6}{check:4}{seq:6}", "", "两次"},
		{"{seq:6}{check:4}{name}", "", "未知的占位符"},
		{"{seq:6}{check:4", "", "缺少 }"},
		{"证{seq:6}{check:4}", "", "不可用"},
		{"{seq:6} {check:4}", "", "不可用"},
		{"{prefix}{year}-{seq:9}-{check:8}-" + strings.Repeat("X", 20), "", "超过"},
	}
	for _, c := range cases {
		p, err := ParseNumberPattern(c.pattern)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.pattern, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.pattern, err)
			continue
		}
		if got := p.Format("PX", 2026, 123, "7K4Q2345"); got != c.want {
			t.Errorf("%q: %s, want %s", c.pattern, got, c.want)
		}
	}
}

func TestNewNumbersAreUnguessable(t *testing.T) {
	p := MustNumberPattern(DefaultNumberPattern)
	re := regexp.MustCompile(`^PX2026-000001-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}$`)
	seen := map[string]bool{}
	for range 200 {
		n := p.New("PX", 2026, 1)
		if !re.MatchString(n) {
			t.Fatalf("number %q", n)
		}
		seen[n] = true
	}
	// 200 draws from 32^4 ≈ 1M checks collide rarely; most must differ.
	if len(seen) < 190 {
		t.Errorf("only %d distinct check parts in 200", len(seen))
	}
}

func TestNormalizeNumber(t *testing.T) {
	cases := map[string]string{
		" px2026-000123-7k4q ":  "PX2026-000123-7K4Q",
		"ＰＸ２０２６－０００１":           "PX2026-0001",
		"T530302199001011234":   "T530302199001011234",
		"":                      "",
		"PX 2026":               "",
		"<script>":              "",
		"张三":                    "",
		strings.Repeat("A", 41): "",
	}
	for in, want := range cases {
		if got := NormalizeNumber(in); got != want {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
