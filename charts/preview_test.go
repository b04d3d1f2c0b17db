package charts

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPreview writes preview.html with every chart for a person to look at
// in a browser, at phone width and at desk width. It runs only when
// ANPEI_CHART_PREVIEW names a directory.
func TestPreview(t *testing.T) {
	dir := os.Getenv("ANPEI_CHART_PREVIEW")
	if dir == "" {
		t.Skip("set ANPEI_CHART_PREVIEW to a directory to write preview.html")
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>图表预览</title>
<style>
body { margin: 0; padding: 16px; font: 16px/1.6 system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1f2733; background: #f4f6f9; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.card { background: #fff; border: 1px solid #d9dee5; border-radius: 8px; padding: 12px; flex: 1 1 480px; max-width: 40rem; }
.card h2 { font-size: 1.1rem; margin: 0 0 8px; }
.chart { display: block; width: 100%; height: auto; }
</style></head><body><h1>合规看板图表预览</h1><div class="grid">`)
	for _, s := range previewCharts() {
		fmt.Fprintf(&page, "<section class=\"card\"><h2>%s</h2>%s</section>\n", template.HTMLEscapeString(s.name), s.svg)
	}
	page.WriteString(`</div></body></html>`)
	out := filepath.Join(dir, "preview.html")
	if err := os.WriteFile(out, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", out)
}

type previewChart struct {
	name string
	svg  template.HTML
}

// previewCharts are realistic inputs: the district's towns, two years of
// month ends with a missing month, and a year of due dates.
func previewCharts() []previewChart {
	towns := []Bar{
		{"城关镇", 39, 40, "/dashboard/towns/1"},
		{"东湖街道", 118, 120, "/dashboard/towns/2"},
		{"西山乡", 27, 31, "/dashboard/towns/3"},
		{"经济技术开发区管理委员会（化工园区）", 205, 230, "/dashboard/towns/4"},
		{"南岭镇", 64, 64, "/dashboard/towns/5"},
		{"北港街道", 9999, 10000, "/dashboard/towns/6"},
		{"青石镇", 0, 0, "/dashboard/towns/7"},
		{"桃源乡 <新>", 12, 20, "javascript:alert(1)"},
	}
	trend := TrendChart{
		Title:  "持证上岗率（月末）",
		Desc:   "全区近 24 个月月末持证上岗率",
		Target: 0.95,
	}
	for i := 0; i < 24; i++ {
		m := time.Date(2024, time.July+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		den := 400 + i*5
		num := den - 40 + i*2
		if num > den {
			num = den
		}
		if i == 9 {
			den = 0 // the month the snapshot failed
		}
		trend.Points = append(trend.Points, TrendPoint{Month: m, Num: num, Den: den})
	}
	low := trend
	low.Title = "三级安全教育完成率"
	low.Desc = ""
	low.Target = 0.9
	low.Points = nil
	for i := 0; i < 12; i++ {
		m := time.Date(2025, time.July+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		low.Points = append(low.Points, TrendPoint{Month: m, Num: 20 + i*6, Den: 100})
	}
	counts := map[string]int{}
	from := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 365; i++ {
		d := from.AddDate(0, 0, i)
		n := (i*7919 + 13) % 17
		switch {
		case d.Weekday() == time.Sunday || d.Weekday() == time.Saturday:
			n = 0
		case n > 10:
			n = 0
		case d.Month() == time.March:
			n *= 2
		}
		counts[d.Format("2006-01-02")] = n
	}
	return []previewChart{
		{"按街镇：持证上岗率（由低到高）", Bars(BarChart{Title: "各街镇持证上岗率", Desc: "2026-06-30 月末", Bars: towns, Target: 1, SortAscending: true})},
		{"按街镇：原顺序，目标 95%", Bars(BarChart{Title: "各街镇持证上岗率", Bars: towns[:5], Target: 0.95})},
		{"月度趋势：纵轴从高位开始", Trend(trend)},
		{"月度趋势：0–100%", Trend(low)},
		{"未来 12 个月证书到期", Calendar(CalendarChart{Title: "未来 12 个月证书到期分布", From: from, Days: 365, Counts: counts, Unit: "张证书到期"})},
		{"空图", Bars(BarChart{Title: "暂无"})},
	}
}
