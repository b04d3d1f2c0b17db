package audit

import (
	"testing"
)

type person struct {
	ID       uint   `json:"id"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	IDCipher []byte
	Note     string `json:"note"`
}

func TestEncodeState(t *testing.T) {
	var nilPerson *person
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"typed nil pointer", nilPerson, ""},
		{"string", "a<b", `"a<b"`},
		{"number", 12, `12`},
		{"plain object keeps field order", struct {
			Z string `json:"z"`
			A int    `json:"a"`
		}{"甲&<", 1}, `{"z":"甲&<","a":1}`},
		{"secret key redacted even when empty", person{ID: 1, Name: "甲", Note: "n"},
			`{"IDCipher":"[redacted]","id":1,"id_number":"[redacted]","name":"甲","note":"n"}`},
		{"struct secrets", person{ID: 1, Name: "甲", IDNumber: "110101199003077777", IDCipher: []byte{1, 2}},
			`{"IDCipher":"[redacted]","id":1,"id_number":"[redacted]","name":"甲","note":""}`},
		{"nested and case-insensitive", map[string]any{
			"user":  map[string]any{"Password": "p", "PASSWORD_HASH": "h", "name": "x"},
			"list":  []any{map[string]any{"csrf_token": "c", "idHash": "i", "keep": 1}},
			"Token": "t", "secret": map[string]any{"deep": "d"}, "tokens": "kept",
		}, `{"Token":"[redacted]","list":[{"csrf_token":"[redacted]","idHash":"[redacted]","keep":1}],"secret":"[redacted]","tokens":"kept","user":{"PASSWORD_HASH":"[redacted]","Password":"[redacted]","name":"x"}}`},
		{"numbers survive redaction exactly", map[string]any{"token": "t", "n": 12345678901234567890.0, "big": uint64(18446744073709551615)},
			`{"big":18446744073709551615,"n":12345678901234567000,"token":"[redacted]"}`},
		{"array of objects", []map[string]string{{"secret": "s"}, {"a": "b"}},
			`[{"secret":"[redacted]"},{"a":"b"}]`},
	}
	for _, tt := range tests {
		got, err := encodeState(tt.in)
		if err != nil {
			t.Errorf("%s: encodeState: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: encodeState =\n %s\nwant\n %s", tt.name, got, tt.want)
		}
	}
	if _, err := encodeState(map[string]any{"f": func() {}}); err == nil {
		t.Error("encodeState accepted a func")
	}
}
