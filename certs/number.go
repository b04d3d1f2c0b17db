package certs

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// DefaultNumberPattern gives numbers like PX2026-000123-7K4Q: the kind's
// prefix, the year, a sequence per kind and year, and a random check part
// so that numbers cannot be enumerated from one another.
const DefaultNumberPattern = "{prefix}{year}-{seq:6}-{check:4}"

// checkAlphabet is Crockford's base 32: no I, L, O or U, so a number read
// aloud or typed from paper is not misread.
const checkAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// MaxNumberLen bounds certificate numbers, anpei's and registered ones.
const MaxNumberLen = 40

// NumberPattern is a parsed certificate-number pattern.
type NumberPattern struct {
	parts []numberPart
}

type numberPart struct {
	literal string
	token   string // prefix, year, seq, check
	width   int
}

// ParseNumberPattern reads a pattern of literal text (letters, digits, "-"
// and "/") and the tokens {prefix}, {year}, {seq:N} (N digits, 4–9) and
// {check:N} (N random characters, 4–8). {seq} and {check} are required:
// the sequence keeps numbers unique, the check part unguessable.
func ParseNumberPattern(s string) (NumberPattern, error) {
	var p NumberPattern
	seen := map[string]bool{}
	for rest := s; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i != 0 {
			lit := rest
			if i > 0 {
				lit = rest[:i]
			}
			for _, r := range lit {
				if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '/') {
					return NumberPattern{}, fmt.Errorf("证书编号格式 %q：字符 %q 不可用（只可用字母、数字、-、/ 和 {prefix} {year} {seq:N} {check:N}）", s, r)
				}
			}
			p.parts = append(p.parts, numberPart{literal: strings.ToUpper(lit)})
			if i < 0 {
				break
			}
			rest = rest[i:]
			continue
		}
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return NumberPattern{}, fmt.Errorf("证书编号格式 %q：缺少 }", s)
		}
		tok, arg, _ := strings.Cut(rest[1:j], ":")
		part := numberPart{token: tok}
		switch tok {
		case "prefix", "year":
			if arg != "" {
				return NumberPattern{}, fmt.Errorf("证书编号格式 %q：{%s} 不带长度", s, tok)
			}
		case "seq", "check":
			n, err := strconv.Atoi(arg)
			lo, hi := 4, 9
			if tok == "check" {
				hi = 8
			}
			if err != nil || n < lo || n > hi {
				return NumberPattern{}, fmt.Errorf("证书编号格式 %q：{%s:N} 的 N 应为 %d—%d", s, tok, lo, hi)
			}
			part.width = n
		default:
			return NumberPattern{}, fmt.Errorf("证书编号格式 %q：未知的占位符 {%s}", s, tok)
		}
		if seen[tok] {
			return NumberPattern{}, fmt.Errorf("证书编号格式 %q：{%s} 出现了两次", s, tok)
		}
		seen[tok] = true
		p.parts = append(p.parts, part)
		rest = rest[j+1:]
	}
	if !seen["seq"] || !seen["check"] {
		return NumberPattern{}, fmt.Errorf("证书编号格式 %q：必须含有 {seq:N} 和 {check:N}", s)
	}
	if n := len(p.Format("XXXX", 2026, 1, strings.Repeat("0", 8))); n > MaxNumberLen {
		return NumberPattern{}, fmt.Errorf("证书编号格式 %q：编号可能长达 %d 个字符，超过 %d", s, n, MaxNumberLen)
	}
	return p, nil
}

// MustNumberPattern parses a pattern known to be good.
func MustNumberPattern(s string) NumberPattern {
	p, err := ParseNumberPattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Format writes a number; check supplies the random characters (at least
// as many as the pattern's check width).
func (p NumberPattern) Format(prefix string, year int, seq int64, check string) string {
	var b strings.Builder
	for _, part := range p.parts {
		switch part.token {
		case "":
			b.WriteString(part.literal)
		case "prefix":
			b.WriteString(prefix)
		case "year":
			b.WriteString(strconv.Itoa(year))
		case "seq":
			fmt.Fprintf(&b, "%0*d", part.width, seq)
		case "check":
			b.WriteString(check[:part.width])
		}
	}
	return b.String()
}

// New returns a number with a fresh random check part.
func (p NumberPattern) New(prefix string, year int, seq int64) string {
	return p.Format(prefix, year, seq, randomCheck(8))
}

func randomCheck(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	for i, c := range buf {
		buf[i] = checkAlphabet[int(c)%len(checkAlphabet)]
	}
	return string(buf)
}

// NormalizeNumber reads a number as typed or scanned: trimmed, upper case,
// full-width letters and digits folded; it returns "" for anything that
// cannot be a certificate number.
func NormalizeNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		r = unicode.ToUpper(r)
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '/':
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() == 0 || b.Len() > MaxNumberLen {
		return ""
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
