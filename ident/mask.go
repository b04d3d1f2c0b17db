package ident

import "strings"

// MaskID hides most of a document number for lists, exports and printouts
// (RULES §5.2). An 18-character number keeps its first 6 and last 4
// characters, hiding the birth date: 530302********123X. Any other number
// keeps its first 2 and last 2; one of 4 characters or fewer is hidden
// entirely. Surrounding spaces are dropped. It works on characters, not
// bytes, and never panics; it returns no error.
func MaskID(number string) string {
	r := []rune(strings.TrimSpace(number))
	head, tail := 2, 2
	switch n := len(r); {
	case n == 18:
		head, tail = 6, 4
	case n <= 4:
		head, tail = 0, 0
	}
	for i := head; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// MaskName hides a name for public pages (RULES §5.2): 张晓明 → 张*明,
// 李四 → 李*, 欧阳娜娜 → 欧**娜; a one-character name is hidden whole.
// A middle dot (·) of a minority or foreign name stays visible.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch n := len(r); {
	case n == 0:
		return ""
	case n == 1:
		return "*"
	case n == 2:
		return string(r[0]) + "*"
	}
	for i := 1; i < len(r)-1; i++ {
		if r[i] != ' ' && r[i] != '·' {
			r[i] = '*'
		}
	}
	return string(r)
}
