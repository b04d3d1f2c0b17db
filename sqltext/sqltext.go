// Package sqltext encodes text for SQL that both dialects read alike: LIKE
// patterns with an explicit escape, and sets of codes kept in one column.
package sqltext

import (
	"slices"
	"strings"
)

// Contains returns a LIKE pattern matching text anywhere, with the
// wildcards in text escaped by '!' (an escape character both dialects read
// the same way, unlike the backslash). Use it with ESCAPE '!'.
func Contains(text string) string {
	b := make([]rune, 0, len(text)+2)
	b = append(b, '%')
	for _, r := range text {
		if r == '%' || r == '_' || r == '!' {
			b = append(b, '!')
		}
		b = append(b, r)
	}
	return string(append(b, '%'))
}

// CodeList stores a set of codes as ",a,b," (trimmed, without blanks,
// repeats or codes holding a comma, sorted) so that one LIKE '%,code,%'
// finds a member on both dialects; "" for none.
func CodeList(codes []string) string {
	var clean []string
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c != "" && !strings.Contains(c, ",") && !slices.Contains(clean, c) {
			clean = append(clean, c)
		}
	}
	if len(clean) == 0 {
		return ""
	}
	slices.Sort(clean)
	return "," + strings.Join(clean, ",") + ","
}

// SplitCodes reads a CodeList back; never nil.
func SplitCodes(list string) []string {
	list = strings.Trim(list, ",")
	if list == "" {
		return []string{}
	}
	return strings.Split(list, ",")
}
