package ident

import (
	"strings"
	"unicode"
)

// normalize prepares typed input for checking: full-width ASCII (what a
// Chinese input method produces, e.g. "１１０１…Ｘ") becomes half-width, all
// white space is removed, and ASCII letters are upper-cased, so "x" → "X".
// Other characters are kept, to be rejected by the format checks.
func normalize(raw string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case unicode.IsSpace(r):
			return -1
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, raw)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
