package ident

import (
	"time"
	"unicode/utf8"
)

// Sex is the sex encoded in a document number.
type Sex string

// The sexes a number can encode. SexUnknown is for documents without one
// (passports, pre-2023 foreign permanent-residence IDs).
const (
	SexUnknown Sex = ""
	SexMale    Sex = "male"
	SexFemale  Sex = "female"
)

// Label returns 男, 女 or 未知.
func (s Sex) Label() string {
	switch s {
	case SexMale:
		return "男"
	case SexFemale:
		return "女"
	}
	return "未知"
}

// ID is a parsed, normalized personal document number.
type ID struct {
	Type DocType
	// Number is the normalized number: 18 characters with an upper-case X
	// for GB 11643 style numbers (a 15-digit legacy number is converted),
	// upper-case letters and digits for the others.
	Number string
	// Birth is the birth date at midnight UTC, or zero when the number does
	// not encode one.
	Birth time.Time
	Sex   Sex
}

// hmtArea reports whether area is one of the address codes of Hong Kong, Macau and Taiwan residence
// permits (RULES §5.1).
func hmtArea(area string) bool {
	return area == "810000" || area == "820000" || area == "830000"
}

// ParseID checks raw as a number of document type t and returns it
// normalized. today is the caller's current date; a birth date after it is
// rejected. Input is forgiving: spaces are removed, full-width characters and
// a lower-case x are accepted, and a 15-digit resident ID is converted to 18
// digits.
//
// Every error is an *Error with Field FieldDocType (CodeDocType for an
// unknown t, CodeTypeMismatch when the number is clearly of another type) or
// FieldNumber and one of CodeEmpty, CodeLength, CodeFormat, CodeArea,
// CodeChecksum, CodeBirthInvalid (no such date, or before 1800) or
// CodeBirthFuture. On error the returned ID is zero.
func ParseID(t DocType, raw string, today time.Time) (ID, error) {
	if !t.Valid() {
		return ID{}, &Error{Field: FieldDocType, Code: CodeDocType, Message: "请选择正确的证件类型"}
	}
	s := normalize(raw)
	if s == "" {
		return ID{}, numberError(CodeEmpty, "证件号码不能为空")
	}
	n := utf8.RuneCountInString(s)
	switch t {
	case DocResidentID:
		return parseResident(s, n, today)
	case DocHKMacaoTaiwanPermit:
		if n != 18 {
			return ID{}, numberError(CodeLength, "居住证号码长度应为18位")
		}
		if err := check18Format(t, s); err != nil {
			return ID{}, err
		}
		if !hmtArea(s[:6]) {
			return ID{}, numberError(CodeArea, "港澳台居民居住证号码应以810000（香港）、820000（澳门）或830000（台湾）开头")
		}
		return parse18(t, s, today)
	case DocForeignPermanent:
		return parseForeign(s, n, today)
	default: // DocPassport
		if n < 5 || n > 20 {
			return ID{}, numberError(CodeLength, "护照号码长度应为5至20位")
		}
		if !isUpperAlnum(s) {
			return ID{}, numberError(CodeFormat, "护照号码只能包含字母和数字")
		}
		return ID{Type: t, Number: s}, nil
	}
}

func parseResident(s string, n int, today time.Time) (ID, error) {
	t := DocResidentID
	switch n {
	case 15:
		if !isDigits(s) {
			return ID{}, numberError(CodeFormat, "15位旧身份证号只能由数字组成")
		}
		s = s[:6] + "19" + s[6:]
		c, _ := CheckDigit(s) // 17 digits: cannot fail
		s += string(c)
	case 18:
		if err := check18Format(t, s); err != nil {
			return ID{}, err
		}
	default:
		return ID{}, numberError(CodeLength, "身份证号长度应为18位（或15位旧号码）")
	}
	// Resident address codes start with 1–8 by province; a leading 9 marks a
	// foreigner's number (RULES §5.1).
	switch {
	case n == 18 && s[0] == '9':
		return ID{}, &Error{Field: FieldDocType, Code: CodeTypeMismatch,
			Message: "这是外国人永久居留身份证号码，请将证件类型改为“外国人永久居留身份证”"}
	case n == 18 && hmtArea(s[:6]):
		return ID{}, &Error{Field: FieldDocType, Code: CodeTypeMismatch,
			Message: "这是港澳台居民居住证号码，请将证件类型改为“港澳台居民居住证”"}
	case s[0] == '0' || s[0] == '9':
		return ID{}, numberError(CodeArea, "身份证号前6位地址码不正确，请核对后重新填写")
	}
	return parse18(t, s, today)
}

func parseForeign(s string, n int, today time.Time) (ID, error) {
	t := DocForeignPermanent
	switch n {
	case 18: // 2023 style: GB 11643 layout with a leading 9.
		if err := check18Format(t, s); err != nil {
			return ID{}, err
		}
		if s[0] != '9' {
			return ID{}, numberError(CodeFormat, "新版永久居留身份证号码应以9开头")
		}
		return parse18(t, s, today)
	case 15: // pre-2023: three-letter nationality code and 12 digits, no check.
		if !isUpperLetters(s[:3]) || !isDigits(s[3:]) {
			return ID{}, numberError(CodeFormat, "旧版永久居留身份证号码应为3位字母加12位数字")
		}
		return ID{Type: t, Number: s}, nil
	}
	return ID{}, numberError(CodeLength, "永久居留身份证号码长度应为18位（或15位旧证号码）")
}

// check18Format reports whether s is 17 digits and a digit or X.
func check18Format(t DocType, s string) error {
	if len(s) != 18 || !isDigits(s[:17]) || !(isDigits(s[17:]) || s[17] == 'X') {
		return numberError(CodeFormat, t.noun()+"只能由数字组成，最后一位可以是X")
	}
	return nil
}

// parse18 checks the check digit and birth date of a well-formed 18-character
// number and decodes it.
func parse18(t DocType, s string, today time.Time) (ID, error) {
	if c, _ := CheckDigit(s[:17]); c != s[17] {
		return ID{}, numberError(CodeChecksum, t.noun()+"校验位错误，请核对后重新填写")
	}
	y := atoi(s[6:10])
	m := time.Month(atoi(s[10:12]))
	d := atoi(s[12:14])
	birth := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if y < 1800 || birth.Month() != m || birth.Day() != d {
		return ID{}, numberError(CodeBirthInvalid, t.noun()+"中的出生日期不存在，请核对后重新填写")
	}
	ty, tm, td := today.Date()
	if birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return ID{}, numberError(CodeBirthFuture, t.noun()+"中的出生日期晚于今天，请核对后重新填写")
	}
	sex := SexFemale
	if (s[16]-'0')%2 == 1 {
		sex = SexMale
	}
	return ID{Type: t, Number: s, Birth: birth, Sex: sex}, nil
}

// CheckDigit returns the GB 11643 MOD 11-2 check character ('0'–'9' or 'X')
// for the first 17 digits of a number. It returns an *Error with CodeFormat
// if first17 is not exactly 17 ASCII digits.
func CheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 || !isDigits(first17) {
		return 0, numberError(CodeFormat, "身份证号前17位应为数字")
	}
	// Wᵢ = 2^(18−i) mod 11 for i = 1…17.
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return "10X98765432"[sum%11], nil
}

// Age returns the age in whole years (周岁) on the date on: the difference
// in years, less one if the birthday has not yet come that year. Someone born
// on 29 February turns a year older on 1 March in common years. Dates are
// read in each value's own location. It returns 0 when on is before birth;
// callers must not pass a zero birth (see ID.Birth).
func Age(birth, on time.Time) int {
	by, bm, bd := birth.Date()
	oy, om, od := on.Date()
	age := oy - by
	if om < bm || (om == bm && od < bd) {
		age--
	}
	return max(age, 0)
}

func numberError(code, message string) *Error {
	return &Error{Field: FieldNumber, Code: code, Message: message}
}

// atoi converts a string of ASCII digits already checked by isDigits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
