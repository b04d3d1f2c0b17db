package ident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// today is the fixed "current date" for these tests, in China Standard Time
// so that the date is read in the caller's location.
var today = time.Date(2025, 6, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// withCheck appends the correct check digit, so a case can fail on
// something other than the checksum.
func withCheck(t *testing.T, first17 string) string {
	t.Helper()
	c, err := CheckDigit(first17)
	if err != nil {
		t.Fatalf("CheckDigit(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func TestParseIDValid(t *testing.T) {
	hk := MakeResidentID("810000", date(1990, 3, 4), 7, true)
	mo := MakeResidentID("820000", date(1985, 12, 1), 0, false)
	tw := MakeResidentID("830000", date(2000, 2, 29), 12, true)
	foreign := MakeResidentID("911840", date(1978, 7, 9), 3, false)
	tests := []struct {
		name string
		typ  DocType
		raw  string
		want ID
	}{
		{"standard example", DocResidentID, "11010519491231002X",
			ID{DocResidentID, "11010519491231002X", date(1949, 12, 31), SexFemale}},
		{"born 1880", DocResidentID, "440524188001010014",
			ID{DocResidentID, "440524188001010014", date(1880, 1, 1), SexMale}},
		{"15-digit legacy", DocResidentID, "110105491231002",
			ID{DocResidentID, "11010519491231002X", date(1949, 12, 31), SexFemale}},
		{"lowercase x", DocResidentID, "11010519491231002x",
			ID{DocResidentID, "11010519491231002X", date(1949, 12, 31), SexFemale}},
		{"spaces", DocResidentID, "  110105 19491231 002X\t",
			ID{DocResidentID, "11010519491231002X", date(1949, 12, 31), SexFemale}},
		{"full-width", DocResidentID, "１１０１０５１９４９１２３１００２ｘ",
			ID{DocResidentID, "11010519491231002X", date(1949, 12, 31), SexFemale}},
		{"born today", DocResidentID, withCheck(t, "11010520250615001"),
			ID{DocResidentID, withCheck(t, "11010520250615001"), date(2025, 6, 15), SexMale}},
		{"leap day", DocResidentID, withCheck(t, "11010520000229002"),
			ID{DocResidentID, withCheck(t, "11010520000229002"), date(2000, 2, 29), SexFemale}},
		{"hong kong permit", DocHKMacaoTaiwanPermit, hk, ID{DocHKMacaoTaiwanPermit, hk, date(1990, 3, 4), SexMale}},
		{"macau permit", DocHKMacaoTaiwanPermit, mo, ID{DocHKMacaoTaiwanPermit, mo, date(1985, 12, 1), SexFemale}},
		{"taiwan permit", DocHKMacaoTaiwanPermit, tw, ID{DocHKMacaoTaiwanPermit, tw, date(2000, 2, 29), SexMale}},
		{"foreign 2023", DocForeignPermanent, foreign, ID{DocForeignPermanent, foreign, date(1978, 7, 9), SexFemale}},
		{"foreign 2023 lowercase x", DocForeignPermanent, "91184019780709002x",
			ID{DocForeignPermanent, "91184019780709002X", date(1978, 7, 9), SexFemale}},
		{"foreign legacy", DocForeignPermanent, "USA110079050001", ID{Type: DocForeignPermanent, Number: "USA110079050001"}},
		{"foreign legacy lowercase", DocForeignPermanent, "can 310081120001", ID{Type: DocForeignPermanent, Number: "CAN310081120001"}},
		{"passport", DocPassport, "E12345678", ID{Type: DocPassport, Number: "E12345678"}},
		{"passport lowercase", DocPassport, " ej1234567 ", ID{Type: DocPassport, Number: "EJ1234567"}},
		{"passport 5", DocPassport, "AB123", ID{Type: DocPassport, Number: "AB123"}},
		{"passport 20", DocPassport, "ABCDEFGHIJ0123456789", ID{Type: DocPassport, Number: "ABCDEFGHIJ0123456789"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseID(tt.typ, tt.raw, today)
			if err != nil {
				t.Fatalf("ParseID(%s, %q) error: %v", tt.typ, tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseID(%s, %q)\n got %+v\nwant %+v", tt.typ, tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseIDInvalid(t *testing.T) {
	tests := []struct {
		name      string
		typ       DocType
		raw       string
		wantField string
		wantCode  string
		wantMsg   string // exact message, when the case pins one
	}{
		{"empty", DocResidentID, "", FieldNumber, CodeEmpty, "证件号码不能为空"},
		{"only spaces", DocPassport, "  \u3000 ", FieldNumber, CodeEmpty, "证件号码不能为空"},
		{"unknown type", DocType("driving_licence"), "11010519491231002X", FieldDocType, CodeDocType, ""},
		{"empty type", "", "11010519491231002X", FieldDocType, CodeDocType, ""},
		{"wrong check digit", DocResidentID, "110105194912310021", FieldNumber, CodeChecksum, "身份证号校验位错误，请核对后重新填写"},
		{"check digit X wrong", DocResidentID, "44052418800101001X", FieldNumber, CodeChecksum, ""},
		{"swapped digits", DocResidentID, "11010519491321002X", FieldNumber, CodeChecksum, ""},
		{"30 February", DocResidentID, withCheck(t, "11010519990230001"), FieldNumber, CodeBirthInvalid, "身份证号中的出生日期不存在，请核对后重新填写"},
		{"29 February common year", DocResidentID, withCheck(t, "11010520010229001"), FieldNumber, CodeBirthInvalid, ""},
		{"month 13", DocResidentID, withCheck(t, "11010519991301001"), FieldNumber, CodeBirthInvalid, ""},
		{"day 00", DocResidentID, withCheck(t, "11010519990100001"), FieldNumber, CodeBirthInvalid, ""},
		{"year before 1800", DocResidentID, withCheck(t, "11010517991231001"), FieldNumber, CodeBirthInvalid, ""},
		{"legacy impossible date", DocResidentID, "110105990230001", FieldNumber, CodeBirthInvalid, ""},
		{"tomorrow", DocResidentID, withCheck(t, "11010520250616001"), FieldNumber, CodeBirthFuture, "身份证号中的出生日期晚于今天，请核对后重新填写"},
		{"future year", DocResidentID, withCheck(t, "11010520991231001"), FieldNumber, CodeBirthFuture, ""},
		{"17 digits", DocResidentID, "11010519491231002", FieldNumber, CodeLength, "身份证号长度应为18位（或15位旧号码）"},
		{"19 digits", DocResidentID, "11010519491231002X1", FieldNumber, CodeLength, ""},
		{"16 digits", DocResidentID, "1101051949123100", FieldNumber, CodeLength, ""},
		{"chinese name", DocResidentID, "张三", FieldNumber, CodeLength, ""},
		{"letter inside", DocResidentID, "1101051949123100A2", FieldNumber, CodeFormat, "身份证号只能由数字组成，最后一位可以是X"},
		{"letter last", DocResidentID, "11010519491231002A", FieldNumber, CodeFormat, ""},
		{"X not last", DocResidentID, "1101051949123100X2", FieldNumber, CodeFormat, ""},
		{"hyphen", DocResidentID, "110105-19491231-02", FieldNumber, CodeFormat, ""},
		{"18 chinese characters", DocResidentID, strings.Repeat("号", 18), FieldNumber, CodeFormat, ""},
		{"legacy with X", DocResidentID, "11010549123100X", FieldNumber, CodeFormat, ""},
		{"area starts with 0", DocResidentID, withCheck(t, "01010519491231002"), FieldNumber, CodeArea, ""},
		{"legacy area starts with 9", DocResidentID, "910105491231002", FieldNumber, CodeArea, ""},
		{"foreign number as resident", DocResidentID, MakeResidentID("911840", date(1978, 7, 9), 3, false), FieldDocType, CodeTypeMismatch, ""},
		{"permit as resident", DocResidentID, MakeResidentID("810000", date(1990, 3, 4), 7, true), FieldDocType, CodeTypeMismatch, ""},
		{"permit mainland area", DocHKMacaoTaiwanPermit, "11010519491231002X", FieldNumber, CodeArea, ""},
		{"permit taiwan gb2260 code", DocHKMacaoTaiwanPermit, withCheck(t, "71000019900304001"), FieldNumber, CodeArea, ""},
		{"permit 15 digits", DocHKMacaoTaiwanPermit, "810000900304001", FieldNumber, CodeLength, ""},
		{"permit wrong check", DocHKMacaoTaiwanPermit, "810000199003040011", FieldNumber, CodeChecksum, "居住证号码校验位错误，请核对后重新填写"},
		{"permit future", DocHKMacaoTaiwanPermit, withCheck(t, "81000020300101001"), FieldNumber, CodeBirthFuture, ""},
		{"foreign starts with 1", DocForeignPermanent, "11010519491231002X", FieldNumber, CodeFormat, "新版永久居留身份证号码应以9开头"},
		{"foreign wrong check", DocForeignPermanent, "911840197807090021", FieldNumber, CodeChecksum, ""},
		{"foreign impossible date", DocForeignPermanent, withCheck(t, "91184019780231004"), FieldNumber, CodeBirthInvalid, ""},
		{"foreign legacy two letters", DocForeignPermanent, "US1110079050001", FieldNumber, CodeFormat, ""},
		{"foreign legacy letter in digits", DocForeignPermanent, "USA11007905000A", FieldNumber, CodeFormat, ""},
		{"foreign 16", DocForeignPermanent, "USA1100790500012", FieldNumber, CodeLength, ""},
		{"passport 4", DocPassport, "E123", FieldNumber, CodeLength, "护照号码长度应为5至20位"},
		{"passport 21", DocPassport, "ABCDEFGHIJ01234567890", FieldNumber, CodeLength, ""},
		{"passport hyphen", DocPassport, "E1234-5678", FieldNumber, CodeFormat, "护照号码只能包含字母和数字"},
		{"passport chinese", DocPassport, "护照E1234567", FieldNumber, CodeFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseID(tt.typ, tt.raw, today)
			if got != (ID{}) {
				t.Errorf("ParseID(%s, %q) = %+v with an error, want zero ID", tt.typ, tt.raw, got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseID(%s, %q) error = %v (%T), want *Error", tt.typ, tt.raw, err, err)
			}
			if e.Field != tt.wantField || e.Code != tt.wantCode {
				t.Errorf("ParseID(%s, %q) error = {Field %q Code %q}, want {Field %q Code %q}",
					tt.typ, tt.raw, e.Field, e.Code, tt.wantField, tt.wantCode)
			}
			if e.Warning {
				t.Errorf("ParseID(%s, %q) error is a warning, want a hard error", tt.typ, tt.raw)
			}
			if tt.wantMsg != "" && e.Message != tt.wantMsg {
				t.Errorf("ParseID(%s, %q) message = %q, want %q", tt.typ, tt.raw, e.Message, tt.wantMsg)
			}
			checkMessages(t, e)
		})
	}
}

// checkMessages holds every error to the style: a Chinese message for the
// person, an English lowercase "ident: " string for logs.
func checkMessages(t *testing.T, e *Error) {
	t.Helper()
	if !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }) {
		t.Errorf("Message %q has no Chinese text", e.Message)
	}
	s := e.Error()
	if !strings.HasPrefix(s, "ident: ") || s != strings.ToLower(s) || strings.Contains(s, "invalid value (") {
		t.Errorf("Error() = %q, want a lowercase \"ident: \" description of code %q", s, e.Code)
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"00000000000000000", '1'},
		{"11010519491231001", '1'},
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.first17)
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q, nil", tt.first17, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１"} {
		_, err := CheckDigit(bad)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeFormat {
			t.Errorf("CheckDigit(%q) error = %v, want *Error with code %s", bad, err, CodeFormat)
		}
	}
}

// TestCheckDigitWeights recomputes every check digit from the definition in
// RULES §5.1 (Wᵢ = 2^(18−i) mod 11, r → "10X98765432"), digit by digit.
func TestCheckDigitWeights(t *testing.T) {
	for pos := 0; pos < 17; pos++ {
		for d := byte('0'); d <= '9'; d++ {
			b := []byte("00000000000000000")
			b[pos] = d
			w := 1
			for k := 0; k < 17-pos; k++ {
				w = w * 2 % 11
			}
			want := "10X98765432"[int(d-'0')*w%11]
			if got, _ := CheckDigit(string(b)); got != want {
				t.Fatalf("CheckDigit(%s) = %q, want %q", b, got, want)
			}
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		birth, on time.Time
		want      int
	}{
		{date(2007, 6, 15), date(2025, 6, 15), 18},
		{date(2007, 6, 16), date(2025, 6, 15), 17},
		{date(2007, 7, 1), date(2025, 6, 30), 17},
		{date(2007, 5, 31), date(2025, 6, 1), 18},
		{date(2000, 2, 29), date(2025, 2, 28), 24},
		{date(2000, 2, 29), date(2025, 3, 1), 25},
		{date(2000, 2, 29), date(2024, 2, 29), 24},
		{date(1949, 12, 31), date(2025, 1, 1), 75},
		{date(2025, 6, 15), date(2025, 6, 15), 0},
		{date(2025, 6, 16), date(2025, 6, 15), 0},
		{date(2030, 1, 1), date(2025, 6, 15), 0},
		// on is read in its own zone: 2025-06-15 01:00 CST is still 06-14 in UTC.
		{date(2007, 6, 15), time.Date(2025, 6, 15, 1, 0, 0, 0, time.FixedZone("CST", 8*3600)), 18},
	}
	for _, tt := range tests {
		if got := Age(tt.birth, tt.on); got != tt.want {
			t.Errorf("Age(%s, %s) = %d, want %d", tt.birth.Format(time.DateOnly), tt.on.Format(time.DateTime+" MST"), got, tt.want)
		}
	}
}

func TestDocTypes(t *testing.T) {
	want := []struct {
		t     DocType
		label string
	}{
		{DocResidentID, "居民身份证"},
		{DocHKMacaoTaiwanPermit, "港澳台居民居住证"},
		{DocForeignPermanent, "外国人永久居留身份证"},
		{DocPassport, "护照"},
	}
	got := DocTypes()
	if len(got) != len(want) {
		t.Fatalf("DocTypes() = %v, want %d types", got, len(want))
	}
	for i, w := range want {
		if got[i] != w.t || got[i].Label() != w.label || !got[i].Valid() {
			t.Errorf("DocTypes()[%d] = %q %q valid=%v, want %q %q valid", i, got[i], got[i].Label(), got[i].Valid(), w.t, w.label)
		}
	}
	if l := DocType("x").Label(); l != "" || DocType("x").Valid() {
		t.Errorf("DocType(\"x\").Label() = %q, Valid() = true; want \"\", false", l)
	}
}

func TestSexLabel(t *testing.T) {
	for s, want := range map[Sex]string{SexMale: "男", SexFemale: "女", SexUnknown: "未知", Sex("x"): "未知"} {
		if got := s.Label(); got != want {
			t.Errorf("Sex(%q).Label() = %q, want %q", s, got, want)
		}
	}
}

func TestIsWarning(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("other"), false},
		{&Error{Code: CodeChecksum}, false},
		{&Error{Code: CodeCreditChecksum, Warning: true}, true},
	}
	for _, tt := range tests {
		if got := IsWarning(tt.err); got != tt.want {
			t.Errorf("IsWarning(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func FuzzParseID(f *testing.F) {
	seeds := []string{
		"11010519491231002X", "440524188001010014", "110105491231002", "11010519491231002x",
		"110105194912310021", "110105199902300011", "810000199003040011", "91184019780709002X",
		"USA110079050001", "E12345678", "", " ", "１１０１０５", "张三", "X", "000000000000000000",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, kind uint8, raw string) {
		typ := DocType("unknown")
		if types := DocTypes(); int(kind)%5 < len(types) {
			typ = types[int(kind)%5]
		}
		MaskID(raw)
		id, err := ParseID(typ, raw, today)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.Warning {
				t.Fatalf("ParseID(%s, %q) error = %#v, want a hard *Error with code and message", typ, raw, err)
			}
			if id != (ID{}) {
				t.Fatalf("ParseID(%s, %q) = %+v with error %v, want zero ID", typ, raw, id, err)
			}
			return
		}
		if id.Type != typ {
			t.Fatalf("ParseID(%s, %q).Type = %s", typ, raw, id.Type)
		}
		again, err := ParseID(typ, id.Number, today)
		if err != nil || again != id {
			t.Fatalf("ParseID(%s, %q) = %+v, but re-parsing its Number gives %+v, %v", typ, raw, id, again, err)
		}
		if m := MaskID(id.Number); len(m) != len(id.Number) || m == id.Number {
			t.Fatalf("MaskID(%q) = %q, want same length, masked", id.Number, m)
		}
	})
}
