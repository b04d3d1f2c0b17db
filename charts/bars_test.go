package charts

import (
	"strings"
	"testing"
)

// rows returns the bar rows of a bar chart with their <a> when linked.
func barGroups(root *node) (rows []*node, links []*node) {
	rows = withClass(root.all("g"), "bar-row")
	links = root.all("a")
	return rows, links
}

func TestBarsTextAndValues(t *testing.T) {
	out := Bars(BarChart{
		Title:  "各街镇持证上岗率",
		Desc:   "2026-06-30 月末",
		Target: 1,
		Bars: []Bar{
			{Label: "城关镇", Num: 39, Den: 40},
			{Label: "南岭镇", Num: 64, Den: 64},
			{Label: "青石镇", Num: 0, Den: 0},
		},
	})
	root := checkSVG(t, out)
	texts := root.texts()
	for _, want := range []string{"城关镇", "97.5%（39/40）", "南岭镇", "100.0%（64/64）", "青石镇", "—（0/0）", "目标 100%", "达到目标", "低于目标", "0%", "50%", "100%"} {
		if !contains(texts, want) {
			t.Errorf("no text %q in %q", want, texts)
		}
	}
	if got := root.children[0].text; got != "各街镇持证上岗率" {
		t.Errorf("title %q", got)
	}
	desc := root.children[1].text
	for _, want := range []string{"2026-06-30 月末", "共 3 项", "低于目标 1 项", "城关镇 97.5%（39/40）（低于目标）", "青石镇 —（0/0）"} {
		if !strings.Contains(desc, want) {
			t.Errorf("desc %q lacks %q", desc, want)
		}
	}
	rows, _ := barGroups(root)
	want := []string{"城关镇：97.5%（39/40），低于目标 100%", "南岭镇：100.0%（64/64）", "青石镇：—（0/0），无数据"}
	if len(rows) != len(want) {
		t.Fatalf("%d bar rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if got := r.titleOf(); got != want[i] {
			t.Errorf("row %d title %q, want %q", i, got, want[i])
		}
	}
}

func TestBarsBelowTarget(t *testing.T) {
	root := checkSVG(t, Bars(BarChart{Target: 0.95, Bars: []Bar{
		{Label: "甲", Num: 19, Den: 20}, // on the target
		{Label: "乙", Num: 18, Den: 20}, // below
		{Label: "丙", Num: 20, Den: 20},
		{Label: "丁", Num: 0, Den: 0},
	}}))
	bars := withClass(root.all("rect"), "bar")
	if len(bars) != 3 {
		t.Fatalf("%d bars, want 3 (none for 0/0)", len(bars))
	}
	belowBars := withClass(bars, "bar-below")
	if len(belowBars) != 1 {
		t.Fatalf("%d bars below the target, want 1", len(belowBars))
	}
	if f := belowBars[0].attr["fill"]; !strings.HasPrefix(f, "url(#") {
		t.Errorf("a bar below the target is filled %q, want the hatch pattern", f)
	}
	if f := bars[0].attr["fill"]; f != colBlue {
		t.Errorf("a bar on the target is filled %q, want %s", f, colBlue)
	}
	if len(withClass(root.all("line"), "target")) != 1 {
		t.Error("no target line")
	}
}

func TestBarsNoTarget(t *testing.T) {
	root := checkSVG(t, Bars(BarChart{Bars: []Bar{{Label: "甲", Num: 1, Den: 20}}}))
	if n := len(withClass(root.all("rect"), "bar-below")); n != 0 {
		t.Errorf("%d bars warned without a target", n)
	}
	if len(withClass(root.all("line"), "target")) != 0 {
		t.Error("a target line without a target")
	}
	if contains(root.texts(), "低于目标") {
		t.Error("a legend without a target")
	}
}

func TestBarsZeroDenominator(t *testing.T) {
	cases := []struct {
		name  string
		bars  []Bar
		want  int    // bars drawn
		value string // the last bar's value
	}{
		{"all empty", []Bar{{Label: "甲"}, {Label: "乙"}}, 0, "—（0/0）"},
		{"one empty", []Bar{{Label: "甲", Num: 3, Den: 4}, {Label: "乙"}}, 1, "—（0/0）"},
		{"negative denominator", []Bar{{Label: "甲", Num: 3, Den: -4}}, 0, "—（3/-4）"}, // shown as it came
		{"zero of some", []Bar{{Label: "甲", Num: 0, Den: 4}}, 1, "0.0%（0/4）"},        // 0% is a value: a stub
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := checkSVG(t, Bars(BarChart{Target: 1, Bars: c.bars}))
			if got := len(withClass(root.all("rect"), "bar")); got != c.want {
				t.Errorf("%d bars, want %d", got, c.want)
			}
			if texts := root.texts(); texts[len(texts)-1] != c.value {
				t.Errorf("last value %q, want %q", texts[len(texts)-1], c.value)
			}
		})
	}
}

func TestBarsOrder(t *testing.T) {
	in := []Bar{
		{Label: "甲", Num: 9, Den: 10},  // 90%
		{Label: "乙", Num: 0, Den: 0},   // no data: last
		{Label: "丙", Num: 1, Den: 2},   // 50%
		{Label: "丁", Num: 10, Den: 10}, // 100%
		{Label: "戊", Num: 18, Den: 20}, // 90%, after 甲 (stable)
	}
	cases := []struct {
		asc  bool
		want string
	}{
		{false, "甲乙丙丁戊"},
		{true, "丙甲戊丁乙"},
	}
	for _, c := range cases {
		root := checkSVG(t, Bars(BarChart{Target: 1, Bars: in, SortAscending: c.asc}))
		rows, _ := barGroups(root)
		var got strings.Builder
		for _, r := range rows {
			got.WriteString(strings.SplitN(r.titleOf(), "：", 2)[0])
		}
		if got.String() != c.want {
			t.Errorf("ascending %v: order %s, want %s", c.asc, got.String(), c.want)
		}
	}
}

func TestBarsEscaping(t *testing.T) {
	labels := []string{
		`<script>alert("x")</script>`,
		`A&B 安全<公司>`,
		`"引号" 'single'`,
		"控制\x00字符\x1b",
	}
	for _, label := range labels {
		t.Run(label, func(t *testing.T) {
			out := Bars(BarChart{Title: label, Desc: label, Bars: []Bar{{Label: label, Num: 1, Den: 2}}})
			if strings.Contains(string(out), "<script") || strings.Contains(string(out), "<公司>") {
				t.Fatalf("label not escaped:\n%s", out)
			}
			root := checkSVG(t, out)
			want := clean(label)
			rows, _ := barGroups(root)
			if len(rows) != 1 || !strings.HasPrefix(rows[0].titleOf(), want+"：") {
				t.Errorf("bar title %q does not hold the whole label %q", rows[0].titleOf(), want)
			}
			if root.children[0].text != want {
				t.Errorf("chart title %q, want %q", root.children[0].text, want)
			}
			shown := truncate(want, 12)
			if !contains(root.texts(), shown) {
				t.Errorf("label %q not shown in %q", shown, root.texts())
			}
		})
	}
}

func TestBarsLongLabel(t *testing.T) {
	long := "经济技术开发区管理委员会（化工园区）"
	root := checkSVG(t, Bars(BarChart{Bars: []Bar{{Label: long, Num: 205, Den: 230}}}))
	if !contains(root.texts(), "经济技术开发区管理委员…") {
		t.Errorf("label not cut: %q", root.texts())
	}
	rows, _ := barGroups(root)
	if got := rows[0].titleOf(); got != long+"：89.1%（205/230）" {
		t.Errorf("title %q does not keep the whole label", got)
	}
}

func TestBarsHref(t *testing.T) {
	cases := []struct {
		href string
		want string // the <a href>, "" for no link
	}{
		{"/dashboard/towns/3", "/dashboard/towns/3"},
		{"/people?town=3&status=overdue", "/people?town=3&status=overdue"},
		{"javascript:alert(1)", ""},
		{"javascript:alert('x')//", ""},
		{"https://evil.example/x", ""},
		{"//evil.example", ""},
		{"/\\evil.example", ""},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.href, func(t *testing.T) {
			out := Bars(BarChart{Bars: []Bar{{Label: "城关镇", Num: 1, Den: 2, Href: c.href}}})
			root := checkSVG(t, out)
			_, links := barGroups(root)
			switch {
			case c.want == "" && len(links) != 0:
				t.Errorf("link %q kept", links[0].attr["href"])
			case c.want != "" && (len(links) != 1 || links[0].attr["href"] != c.want):
				t.Errorf("links %v, want one to %q", links, c.want)
			}
			if c.want == "" && c.href != "" && strings.Contains(string(out), c.href) {
				t.Errorf("dropped href %q still in the output", c.href)
			}
			if strings.Contains(c.want, "&") && !strings.Contains(string(out), "&amp;status") {
				t.Errorf("& in href not escaped:\n%s", out)
			}
			// The row is still drawn, link or not.
			if rows, _ := barGroups(root); len(rows) != 1 {
				t.Errorf("%d rows, want 1", len(rows))
			}
		})
	}
}

func TestBarsHeightGrows(t *testing.T) {
	var bars []Bar
	prev := 0.0
	for n := 1; n <= 40; n++ {
		bars = append(bars, Bar{Label: "镇", Num: n, Den: 40})
		root := checkSVG(t, Bars(BarChart{Target: 1, Bars: bars}))
		h := viewBoxHeight(t, root)
		if n > 1 && (h-prev < 24 || h-prev > 40) {
			t.Fatalf("%d bars: height %v after %v; want about 30 more per bar", n, h, prev)
		}
		prev = h
	}
}

func TestBarsEmpty(t *testing.T) {
	root := checkSVG(t, Bars(BarChart{}))
	if !contains(root.texts(), "暂无数据") {
		t.Errorf("texts %q", root.texts())
	}
}
