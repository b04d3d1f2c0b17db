package ident

import (
	"errors"
	"testing"
)

func TestParseCreditCode(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		want        CreditCode
		wantCode    string // "" for no error
		wantWarning bool
	}{
		{"standard example", "91350100M000100Y43", "91350100M000100Y43", "", false},
		{"lowercase and spaces", " 91350100m000100y43 ", "91350100M000100Y43", "", false},
		{"full-width", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", "", false},
		{"generated", MakeCreditCode('5', '2', "530302", "MJY123456"), CreditCode(MakeCreditCode('5', '2', "530302", "MJY123456")), "", false},
		{"checksum warning", "91350211M0000XUF46", "91350211M0000XUF46", CodeCreditChecksum, true},
		{"checksum warning lowercase", "91350211m0000xuf46", "91350211M0000XUF46", CodeCreditChecksum, true},
		{"wrong check", "91350100M000100Y44", "91350100M000100Y44", CodeCreditChecksum, true},
		{"empty", "", "", CodeCreditEmpty, false},
		{"spaces only", " \t", "", CodeCreditEmpty, false},
		{"contains I", "91350100I000100Y43", "", CodeCreditFormat, false},
		{"contains O", "91350100M0O0100Y43", "", CodeCreditFormat, false},
		{"contains S", "91350100M000100S43", "", CodeCreditFormat, false},
		{"contains V", "9V350100M000100Y43", "", CodeCreditFormat, false},
		{"contains Z", "91350100M000100Y4Z", "", CodeCreditFormat, false},
		{"17 characters", "91350100M000100Y4", "", CodeCreditFormat, false},
		{"19 characters", "91350100M000100Y433", "", CodeCreditFormat, false},
		{"15-digit registration number", "350100400012345", "", CodeCreditFormat, false},
		{"letter in area", "913501A0M000100Y43", "", CodeCreditFormat, false},
		{"hyphen", "91350100-M000100Y4", "", CodeCreditFormat, false},
		{"chinese", "统一社会信用代码", "", CodeCreditFormat, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreditCode(tt.raw)
			if got != tt.want {
				t.Errorf("ParseCreditCode(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if tt.wantCode == "" {
				if err != nil {
					t.Errorf("ParseCreditCode(%q) error = %v, want nil", tt.raw, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseCreditCode(%q) error = %v (%T), want *Error", tt.raw, err, err)
			}
			if e.Field != FieldCreditCode || e.Code != tt.wantCode || e.Warning != tt.wantWarning {
				t.Errorf("ParseCreditCode(%q) error = {Field %q Code %q Warning %v}, want {Field %q Code %q Warning %v}",
					tt.raw, e.Field, e.Code, e.Warning, FieldCreditCode, tt.wantCode, tt.wantWarning)
			}
			if IsWarning(err) != tt.wantWarning {
				t.Errorf("IsWarning(ParseCreditCode(%q)) = %v, want %v", tt.raw, !tt.wantWarning, tt.wantWarning)
			}
			checkMessages(t, e)
		})
	}
}

func TestCreditCheckChar(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
	}{
		{"91350100M000100Y4", '3'}, // RULES §7: sum 1640, 1640 mod 31 = 28
		{"00000000000000000", '0'}, // 31 − 0 = 31 → 0
		{"10000000000000000", 'Y'}, // 31 − 1 = 30 → Y
		{"91350211M0000XUF4", 'R'}, // the code RULES §7 reports ends in 6

	}
	for _, tt := range tests {
		got, err := CreditCheckChar(tt.first17)
		if err != nil || got != tt.want {
			t.Errorf("CreditCheckChar(%q) = %q, %v; want %q, nil", tt.first17, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "91350100M000100Y", "91350100M000100Y43", "91350100I000100Y4", "91350100m000100Y4"} {
		_, err := CreditCheckChar(bad)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeCreditFormat {
			t.Errorf("CreditCheckChar(%q) error = %v, want *Error with code %s", bad, err, CodeCreditFormat)
		}
	}
}

// TestCreditWeights recomputes the check character from RULES §7
// (Wᵢ = 3^(i−1) mod 31) one position at a time.
func TestCreditWeights(t *testing.T) {
	want := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	for pos, w := range want {
		b := []byte("00000000000000000")
		b[pos] = '1'
		if got, _ := CreditCheckChar(string(b)); got != creditAlphabet[(31-w)%31] {
			t.Errorf("CreditCheckChar(%s) = %q, want weight %d → %q", b, got, w, creditAlphabet[(31-w)%31])
		}
	}
}

func TestValidOrgCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"M000100Y4", true},
		{"M000100Y5", false},
		{MakeOrgCode("MA6K0P2B"), true},
		{"12345678X", false},
		{"00000000X", false},
		{"000000000", true}, // sum 0 → 11 → '0'
		{"000000019", true}, // 1·2 = 2 → 11 − 2 = 9
		{"000000010", false},
		{"000000051", true}, // 5·2 = 10 → 11 − 10 = 1
		{"00000030X", true}, // 3·4 = 12 → 11 − 1 = 10 → X
		{"000000300", false},
		{"m000100Y4", false},
		{"M000100Y", false},
		{"M000100Y43", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidOrgCode(tt.code); got != tt.want {
			t.Errorf("ValidOrgCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestCreditCodeParts(t *testing.T) {
	c := CreditCode("91350100M000100Y43")
	if c.Authority() != '9' || c.OrgType() != '1' || c.Area() != "350100" || c.OrgCode() != "M000100Y4" || c.String() != "91350100M000100Y43" {
		t.Errorf("parts of %s = %q %q %q %q", c, c.Authority(), c.OrgType(), c.Area(), c.OrgCode())
	}
	for _, bad := range []CreditCode{"", "913501", "91350100M000100Y433"} {
		if bad.Authority() != 0 || bad.OrgType() != 0 || bad.Area() != "" || bad.OrgCode() != "" {
			t.Errorf("parts of %q = %q %q %q %q, want zero values", bad, bad.Authority(), bad.OrgType(), bad.Area(), bad.OrgCode())
		}
	}
}

func FuzzParseCreditCode(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", "91350211M0000XUF46", "91350100m000100y43", "91350100I000100Y43",
		"", " ", "91350100M000100Y4", "９１３５０１００Ｍ０００１００Ｙ４３", "统一社会信用代码",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		code, err := ParseCreditCode(raw)
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Code == "" || e.Message == "") {
			t.Fatalf("ParseCreditCode(%q) error = %#v, want *Error with code and message", raw, err)
		}
		if err != nil && !e.Warning {
			if code != "" {
				t.Fatalf("ParseCreditCode(%q) = %q with hard error %v, want \"\"", raw, code, err)
			}
			return
		}
		// Valid, or a checksum warning: the code is well formed and stable.
		if len(code) != 18 || code.Area() == "" {
			t.Fatalf("ParseCreditCode(%q) = %q, %v: not an 18-character code", raw, code, err)
		}
		again, err2 := ParseCreditCode(string(code))
		if again != code || IsWarning(err2) != IsWarning(err) || (err2 == nil) != (err == nil) {
			t.Fatalf("ParseCreditCode(%q) = %q, %v, but re-parsing gives %q, %v", raw, code, err, again, err2)
		}
	})
}
