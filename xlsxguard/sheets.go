package xlsxguard

import (
	"slices"

	"github.com/xuri/excelize/v2"
)

// DataSheet returns the sheet an import reads: the one named want (the
// template's data sheet) if the workbook has it, else the first visible
// sheet that is not one of the template's help sheets; "" for none.
func DataSheet(f *excelize.File, want string, help ...string) string {
	list := f.GetSheetList()
	if slices.Contains(list, want) {
		return want
	}
	for _, name := range list {
		if slices.Contains(help, name) {
			continue
		}
		if visible, err := f.GetSheetVisible(name); err == nil && visible {
			return name
		}
	}
	return ""
}
