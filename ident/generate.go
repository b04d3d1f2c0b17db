package ident

import (
	"fmt"
	"strings"
	"time"
)

// seqCodes is how many sequence codes (顺序码) of one sex exist for an area
// and birth date: 001–997 odd for men, 002–998 even for women.
const seqCodes = 499

// MakeResidentID returns a valid synthetic 18-digit GB 11643 number for demo
// data. area is the 6-digit address code (use 810000/820000/830000 for a
// residence permit, or 9 and five digits for a 2023 foreign permanent-residence
// ID); birth is read in its own location. seq picks one of 499 sequence codes
// of the given sex: seq values 0–498 give distinct numbers, others wrap.
//
// It returns no error; it panics if area is not six digits or the birth year
// is outside 1800–9999, since those are mistakes in the calling seed code.
func MakeResidentID(area string, birth time.Time, seq int, male bool) string {
	if len(area) != 6 || !isDigits(area) {
		panic(fmt.Sprintf("ident: MakeResidentID: area %q is not six digits", area))
	}
	y, m, d := birth.Date()
	if y < 1800 || y > 9999 {
		panic(fmt.Sprintf("ident: MakeResidentID: birth year %d out of range", y))
	}
	n := seq % seqCodes
	if n < 0 {
		n += seqCodes
	}
	code := 2*n + 2
	if male {
		code = 2*n + 1
	}
	body := fmt.Sprintf("%s%04d%02d%02d%03d", area, y, int(m), d, code)
	c, _ := CheckDigit(body) // 17 digits: cannot fail
	return body + string(c)
}

// MakeCreditCode returns a credit code with a correct check character for
// demo data: authority and orgType are positions 1 and 2, area the 6-digit
// division code and body9 the 9-character organisation code (see
// MakeOrgCode for one that also passes ValidOrgCode).
//
// It returns no error; it panics if any part is outside the credit-code
// alphabet or of the wrong length, since that is a mistake in the seed code.
func MakeCreditCode(authority, orgType byte, area string, body9 string) string {
	first17 := string([]byte{authority, orgType}) + area + body9
	if len(area) != 6 || !isDigits(area) || len(body9) != 9 {
		panic(fmt.Sprintf("ident: MakeCreditCode: bad area %q or body %q", area, body9))
	}
	c, err := CreditCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("ident: MakeCreditCode: %q: %v", first17, err))
	}
	return first17 + string(c)
}

// MakeOrgCode appends the GB 11714 check character to eight characters of
// the credit-code alphabet, giving a body9 for MakeCreditCode that also
// passes ValidOrgCode. It returns no error; it panics if body8 is not eight
// characters of that alphabet.
func MakeOrgCode(body8 string) string {
	for i := 0; i < len(body8); i++ {
		if strings.IndexByte(creditAlphabet, body8[i]) < 0 {
			panic(fmt.Sprintf("ident: MakeOrgCode: %q has a character outside the alphabet", body8))
		}
	}
	c, ok := orgCheckChar(body8)
	if !ok {
		panic(fmt.Sprintf("ident: MakeOrgCode: %q is not eight characters", body8))
	}
	return body8 + string(c)
}
