package ident

import "testing"

func TestCreditAuthority(t *testing.T) {
	tests := []struct {
		code   byte
		want   string
		wantOK bool
	}{
		{'1', "机构编制", true},
		{'3', "司法行政", true},
		{'5', "民政", true},
		{'9', "工商/市场监管", true},
		{'N', "农业", true},
		{'Y', "其他", true},
		{'B', "", false},
		{'0', "", false},
		{'n', "", false},
		{0, "", false},
	}
	for _, tt := range tests {
		got, ok := CreditAuthority(tt.code)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("CreditAuthority(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestCreditOrgType(t *testing.T) {
	tests := []struct {
		authority, orgType byte
		want               string
		wantOK             bool
	}{
		{'9', '1', "企业", true},
		{'9', '2', "个体工商户", true},
		{'9', '3', "农民专业合作社", true},
		{'9', '9', "", false},
		{'5', '2', "民办非企业单位", true},
		{'1', '1', "机关", true},
		{'N', '2', "村级集体经济组织", true},
		{'B', '1', "", false},
	}
	for _, tt := range tests {
		got, ok := CreditOrgType(tt.authority, tt.orgType)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("CreditOrgType(%q, %q) = %q, %v; want %q, %v", tt.authority, tt.orgType, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestCreditAuthoritiesTable keeps the table usable: every code is in the
// credit-code alphabet, appears once, and lists at least one type.
func TestCreditAuthoritiesTable(t *testing.T) {
	seen := map[byte]bool{}
	for _, a := range creditAuthorities() {
		if _, err := CreditCheckChar(string(a.code) + "1000000000000000"); err != nil {
			t.Errorf("authority %q is outside the alphabet", a.code)
		}
		if seen[a.code] {
			t.Errorf("authority %q listed twice", a.code)
		}
		seen[a.code] = true
		if a.label == "" || len(a.types) == 0 {
			t.Errorf("authority %q has label %q and %d types", a.code, a.label, len(a.types))
		}
	}
}
