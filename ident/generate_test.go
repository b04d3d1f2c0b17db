package ident

import (
	"fmt"
	"testing"
	"time"
)

// TestMakeResidentIDRoundTrip checks that generated numbers parse back to
// their inputs for every document type that uses the GB 11643 layout.
func TestMakeResidentIDRoundTrip(t *testing.T) {
	cases := []struct {
		typ  DocType
		area string
	}{
		{DocResidentID, "530302"},
		{DocResidentID, "110105"},
		{DocHKMacaoTaiwanPermit, "810000"},
		{DocHKMacaoTaiwanPermit, "820000"},
		{DocHKMacaoTaiwanPermit, "830000"},
		{DocForeignPermanent, "911840"},
	}
	births := []time.Time{
		date(1960, 1, 1), date(1988, 2, 29), date(1999, 12, 31), date(2007, 6, 15),
		time.Date(1995, 5, 20, 23, 30, 0, 0, time.FixedZone("CST", 8*3600)), // date read in its own zone
	}
	for _, c := range cases {
		for _, birth := range births {
			seen := map[string]bool{}
			for _, male := range []bool{true, false} {
				for seq := 0; seq < seqCodes; seq++ {
					n := MakeResidentID(c.area, birth, seq, male)
					if seen[n] {
						t.Fatalf("MakeResidentID(%s, %s, %d, %v) = %s, already generated", c.area, birth, seq, male, n)
					}
					seen[n] = true
					id, err := ParseID(c.typ, n, today)
					if err != nil {
						t.Fatalf("MakeResidentID(%s, %s, %d, %v) = %s; ParseID(%s) error: %v", c.area, birth, seq, male, n, c.typ, err)
					}
					y, m, d := birth.Date()
					wantSex := SexFemale
					if male {
						wantSex = SexMale
					}
					if id.Number != n || id.Birth != date(y, m, d) || id.Sex != wantSex {
						t.Fatalf("ParseID(%s, %s) = %+v, want birth %d-%02d-%02d sex %s", c.typ, n, id, y, m, d, wantSex)
					}
				}
			}
		}
	}
}

func TestMakeResidentIDSeq(t *testing.T) {
	b := date(1990, 1, 1)
	tests := []struct {
		seq  int
		male bool
		want string // sequence code, positions 15–17
	}{
		{0, true, "001"},
		{0, false, "002"},
		{498, true, "997"},
		{498, false, "998"},
		{499, true, "001"},
		{-1, false, "998"},
	}
	for _, tt := range tests {
		if got := MakeResidentID("530302", b, tt.seq, tt.male)[14:17]; got != tt.want {
			t.Errorf("MakeResidentID(seq %d, male %v) sequence code = %s, want %s", tt.seq, tt.male, got, tt.want)
		}
	}
}

func TestMakeCreditCode(t *testing.T) {
	if got := MakeCreditCode('9', '1', "350100", "M000100Y4"); got != "91350100M000100Y43" {
		t.Errorf("MakeCreditCode(9, 1, 350100, M000100Y4) = %s, want 91350100M000100Y43", got)
	}
	for i, a := range []byte("159Y") {
		body := MakeOrgCode(fmt.Sprintf("MA%06d", 7*i+1))
		code := MakeCreditCode(a, '1', "530302", body)
		got, err := ParseCreditCode(code)
		if err != nil || string(got) != code {
			t.Errorf("ParseCreditCode(MakeCreditCode(%c, 1, 530302, %s) = %s) = %q, %v; want it back, nil", a, body, code, got, err)
		}
		if !ValidOrgCode(got.OrgCode()) {
			t.Errorf("ValidOrgCode(%s) = false for MakeOrgCode output", got.OrgCode())
		}
	}
}

func TestMakePanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"area short", func() { MakeResidentID("53030", date(1990, 1, 1), 0, true) }},
		{"area letters", func() { MakeResidentID("53030A", date(1990, 1, 1), 0, true) }},
		{"zero birth", func() { MakeResidentID("530302", time.Time{}, 0, true) }},
		{"credit authority I", func() { MakeCreditCode('I', '1', "530302", "MA0000001") }},
		{"credit area letters", func() { MakeCreditCode('9', '1', "5303A2", "MA0000001") }},
		{"credit body short", func() { MakeCreditCode('9', '1', "530302", "MA000000") }},
		{"credit body O", func() { MakeCreditCode('9', '1', "530302", "MO0000001") }},
		{"org code short", func() { MakeOrgCode("MA00000") }},
		{"org code S", func() { MakeOrgCode("MS000000") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}
