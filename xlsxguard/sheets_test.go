package xlsxguard

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestDataSheet(t *testing.T) {
	book := func(names []string, hidden ...string) *excelize.File {
		f := excelize.NewFile()
		for _, n := range names {
			f.NewSheet(n)
		}
		f.DeleteSheet("Sheet1")
		for _, h := range hidden {
			f.SetSheetVisible(h, false)
		}
		return f
	}
	cases := []struct {
		name   string
		sheets []string
		hidden []string
		want   string
	}{
		{"the template's sheet", []string{"说明", "人员名单"}, nil, "人员名单"},
		{"renamed: first visible non-help", []string{"说明", "Sheet2", "Sheet3"}, nil, "Sheet2"},
		{"hidden sheets skipped", []string{"说明", "隐藏", "数据"}, []string{"隐藏"}, "数据"},
		{"only help", []string{"说明"}, nil, ""},
	}
	for _, c := range cases {
		if got := DataSheet(book(c.sheets, c.hidden...), "人员名单", "说明"); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
