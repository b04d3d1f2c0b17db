package document

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
)

// TestRenderReport: a report longer than a page breaks into pages, numbers
// them, and its Chinese text extracts; an unprintable character is
// refused, not dropped.
func TestRenderReport(t *testing.T) {
	var rows [][]string
	for i := range 80 {
		rows = append(rows, []string{"员工" + strconv.Itoa(i), "曲靖市麒麟区宏源化工有限公司", "未持有特种作业操作证（低压电工作业）", "重大事故隐患"})
	}
	r := Report{Title: "麒麟区安全生产持证上岗情况月报（2026年10月）", Subtitle: "区安委办", Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Sections: []ReportSection{
			{Heading: "一、总体情况", Paragraphs: []string{"持证上岗率 90.6%（145/160），较上月下降 0.3 个百分点。"},
				Header: []string{"比率", "本月", "上月"}, Rows: [][]string{{"持证上岗率", "90.6%（145/160）", "90.9%（140/154）"}}},
			{Heading: "二、重大事故隐患", Header: []string{"姓名", "企业", "原因", "类别"}, Rows: rows, Widths: []float64{1, 2, 3, 1}},
		}}
	var b bytes.Buffer
	if err := RenderReport(&b, r); err != nil {
		t.Fatal(err)
	}
	rd, err := pdf.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if rd.NumPage() < 2 {
		t.Fatalf("%d pages for 80 rows", rd.NumPage())
	}
	var text strings.Builder
	for i := 1; i <= rd.NumPage(); i++ {
		for _, tx := range rd.Page(i).Content().Text {
			text.WriteString(tx.S)
		}
	}
	got := strings.ReplaceAll(text.String(), " ", "")
	for _, want := range []string{"麒麟区安全生产持证上岗情况月报", "持证上岗率90.6%（145/160）", "员工79", "第1页共" + strconv.Itoa(rd.NumPage()) + "页"} {
		if !strings.Contains(got, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
	r.Sections[0].Paragraphs = []string{"生僻字 𬌗"}
	if err := RenderReport(&bytes.Buffer{}, r); err == nil {
		t.Error("a character outside the font was accepted")
	}
}
