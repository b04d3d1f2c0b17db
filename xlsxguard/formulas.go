// Package xlsxguard holds the checks that every spreadsheet import of
// anpei (the roster, the question bank) runs on an untrusted workbook
// before it reads cells: what its zip directory declares (limits, other
// office formats, nested archives) and whether any worksheet may hold a
// formula.
package xlsxguard

import (
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"
)

// MayHaveFormulas reports whether any worksheet of f could hold a formula,
// so the exact, costly check (excelize's GetCellFormula on a fully loaded
// sheet, about twice the time of reading it) runs only when it can find
// something. It scans each worksheet part for an element named f (with or
// without a namespace prefix); a false alarm costs only time. A part it
// cannot see counts as an alarm.
func MayHaveFormulas(f *excelize.File, sheetParts int) bool {
	seen, found := 0, false
	f.Pkg.Range(func(k, v any) bool {
		name, _ := k.(string)
		name = strings.ToLower(name)
		if !strings.HasPrefix(name, "xl/worksheets/") || !strings.HasSuffix(name, ".xml") || strings.Contains(name, "_rels") {
			return true
		}
		seen++
		b, ok := v.([]byte)
		if !ok || hasFormulaElement(b) {
			found = true
			return false
		}
		return true
	})
	return found || seen < sheetParts
}

// hasFormulaElement reports whether b contains a start tag named "f" or
// "prefix:f".
func hasFormulaElement(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return false
		}
		b = b[i+1:]
		end := bytes.IndexAny(b, " \t\r\n/>")
		if end < 0 {
			return false
		}
		name := b[:end]
		if bytes.Equal(name, []byte("f")) || bytes.HasSuffix(name, []byte(":f")) {
			return true
		}
	}
}
