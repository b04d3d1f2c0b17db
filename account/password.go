package account

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"anpei/fault"
)

// CheckPassword enforces the password policy: 8 to 72 bytes (bcrypt's
// limit) and at least two of letters, digits and symbols. It returns an
// Invalid *fault.Error naming the field.
func CheckPassword(field, pw string) error {
	if utf8.RuneCountInString(pw) < 8 {
		return fault.Field("password_too_short", field, "密码至少需要 8 个字符")
	}
	if len(pw) > 72 {
		return fault.Field("password_too_long", field, "密码不能超过 72 个字节")
	}
	var letter, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return fault.Field("password_whitespace", field, "密码不能包含空格或控制字符")
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{letter, digit, other} {
		if b {
			n++
		}
	}
	if n < 2 {
		return fault.Field("password_too_simple", field, "密码需包含字母、数字、符号中的至少两类")
	}
	return nil
}

func hashPassword(pw string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fault.Wrap(err, "account: hash password")
	}
	return string(h), nil
}

func passwordMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}
