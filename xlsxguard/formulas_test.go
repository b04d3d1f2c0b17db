package xlsxguard

import "testing"

func TestHasFormulaElement(t *testing.T) {
	cases := []struct {
		xml  string
		want bool
	}{
		{`<c r="A1"><f>SUM(B1:B2)</f><v>3</v></c>`, true},
		{`<c r="A1"><x:f t="shared"/></c>`, true},
		{`<c r="A1" t="s"><v>0</v></c>`, false},
		{`<c><foo>f</foo><fx/></c>`, false},
		{`<c r="A1"><f`, false},
		{``, false},
	}
	for _, tc := range cases {
		if got := hasFormulaElement([]byte(tc.xml)); got != tc.want {
			t.Errorf("hasFormulaElement(%q) = %v, want %v", tc.xml, got, tc.want)
		}
	}
}
