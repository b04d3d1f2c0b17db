package ident

import (
	"regexp"
	"strings"
)

// creditAlphabet is the GB 32100 character set; a character's value is its
// index. It leaves out I, O, S, V and Z.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditPattern is the format of RULES §7: authority and type, six digits of
// administrative division, organisation code and check character.
var creditPattern = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$`)

// CreditCode is a normalized unified social credit code (统一社会信用代码):
// 18 characters, upper case. The accessors return zero values for a code
// that is not 18 characters long.
type CreditCode string

// ParseCreditCode checks raw as a unified social credit code (GB 32100-2015)
// and returns it normalized: spaces removed, full-width characters made
// half-width, letters upper-cased.
//
// An empty or malformed code is an *Error with Field FieldCreditCode and
// Code CodeCreditEmpty or CodeCreditFormat, and the code returned is "".
// A wrong check character returns the normalized code together with an
// *Error with Code CodeCreditChecksum and Warning set: some codes in real
// use fail the check (RULES §7), so an administrator may accept it with a
// reason. Test for that case with IsWarning.
func ParseCreditCode(raw string) (CreditCode, error) {
	s := normalize(raw)
	if s == "" {
		return "", creditError(CodeCreditEmpty, "统一社会信用代码不能为空")
	}
	if !creditPattern.MatchString(s) {
		return "", creditError(CodeCreditFormat,
			"统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z），其中第3至8位为数字，请核对营业执照")
	}
	if c, _ := CreditCheckChar(s[:17]); c != s[17] {
		e := creditError(CodeCreditChecksum,
			"统一社会信用代码校验位不符，请对照营业执照核对；如确认无误，请注明原因后提交")
		e.Warning = true
		return CreditCode(s), e
	}
	return CreditCode(s), nil
}

// CreditCheckChar returns the GB 32100 check character for the first 17
// characters of a credit code. It returns an *Error with CodeCreditFormat if
// first17 is not 17 characters of the credit-code alphabet.
func CreditCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, creditError(CodeCreditFormat, "统一社会信用代码前17位长度不正确")
	}
	sum, w := 0, 1 // Wᵢ = 3^(i−1) mod 31
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0, creditError(CodeCreditFormat, "统一社会信用代码含有不允许的字符（I、O、S、V、Z或符号）")
		}
		sum += v * w
		w = w * 3 % 31
	}
	return creditAlphabet[(31-sum%31)%31], nil
}

// ValidOrgCode reports whether code9 is a GB 11714 organisation code (upper-
// case letters and digits, the ninth a check character '0'–'9' or 'X'). The
// credit code carries one at positions 9–17, but not every issuer follows it,
// so the check is advisory. It returns no error.
func ValidOrgCode(code9 string) bool {
	if len(code9) != 9 || !isUpperAlnum(code9[:8]) {
		return false
	}
	c, ok := orgCheckChar(code9[:8])
	return ok && c == code9[8]
}

// orgCheckChar computes the GB 11714 check character of eight characters
// whose values are 0–9 for digits and 10–35 for A–Z.
func orgCheckChar(first8 string) (byte, bool) {
	if len(first8) != 8 || !isUpperAlnum(first8) {
		return 0, false
	}
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		v := int(first8[i] - '0')
		if first8[i] >= 'A' {
			v = int(first8[i]-'A') + 10
		}
		sum += v * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + c), true
	}
}

// Authority returns the registration-authority character (position 1), or 0.
func (c CreditCode) Authority() byte { return c.at(0) }

// OrgType returns the organisation-type character (position 2), or 0.
func (c CreditCode) OrgType() byte { return c.at(1) }

// Area returns the administrative-division code (positions 3–8), or "".
func (c CreditCode) Area() string {
	if len(c) != 18 {
		return ""
	}
	return string(c[2:8])
}

// OrgCode returns the organisation code (positions 9–17), or "".
func (c CreditCode) OrgCode() string {
	if len(c) != 18 {
		return ""
	}
	return string(c[8:17])
}

// String returns the code itself.
func (c CreditCode) String() string { return string(c) }

func (c CreditCode) at(i int) byte {
	if len(c) != 18 {
		return 0
	}
	return c[i]
}

func creditError(code, message string) *Error {
	return &Error{Field: FieldCreditCode, Code: code, Message: message}
}
