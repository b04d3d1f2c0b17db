package charts

import (
	"encoding/xml"
	"html/template"
	"io"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed SVG element.
type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     string // this element's own character data
}

// parse reads out as XML, strictly, and returns its one root element.
func parse(t *testing.T, out template.HTML) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(out)))
	d.Strict = true
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(tok)) != "" {
					t.Fatalf("text outside the root: %q", tok)
				}
				continue
			}
			stack[len(stack)-1].text += string(tok)
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// all returns every element named name under n (n included), in document
// order.
func (n *node) all(name string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if m.name == name {
			out = append(out, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// withClass filters nodes whose class attribute holds class.
func withClass(ns []*node, class string) []*node {
	var out []*node
	for _, n := range ns {
		for _, c := range strings.Fields(n.attr["class"]) {
			if c == class {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// texts is the content of every <text> element, in order.
func (n *node) texts() []string {
	var out []string
	for _, t := range n.all("text") {
		out = append(out, t.text)
	}
	return out
}

// titleOf is the text of n's <title> child.
func (n *node) titleOf() string {
	for _, c := range n.children {
		if c.name == "title" {
			return c.text
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkSVG checks what every chart must be: one <svg role="img"> scaling
// with its container, named by its <title> and <desc>, with no script, no
// style, no external reference, unique ids and only same-site links.
func checkSVG(t *testing.T, out template.HTML) *node {
	t.Helper()
	root := parse(t, out)
	if root.name != "svg" {
		t.Fatalf("root is <%s>, want <svg>", root.name)
	}
	if root.attr["role"] != "img" {
		t.Errorf("role = %q, want img", root.attr["role"])
	}
	if root.attr["viewBox"] == "" || root.attr["width"] != "100%" || root.attr["height"] != "" {
		t.Errorf("viewBox %q width %q height %q: want a viewBox, width 100%%, no height", root.attr["viewBox"], root.attr["width"], root.attr["height"])
	}
	if len(root.children) < 2 || root.children[0].name != "title" || root.children[1].name != "desc" {
		t.Fatalf("the first children are not <title> and <desc>")
	}
	title, desc := root.children[0], root.children[1]
	if strings.TrimSpace(title.text) == "" || strings.TrimSpace(desc.text) == "" {
		t.Errorf("empty title %q or desc %q", title.text, desc.text)
	}
	if root.attr["aria-labelledby"] != title.attr["id"] || root.attr["aria-describedby"] != desc.attr["id"] || title.attr["id"] == "" {
		t.Errorf("aria-labelledby %q / aria-describedby %q do not name the title %q and desc %q",
			root.attr["aria-labelledby"], root.attr["aria-describedby"], title.attr["id"], desc.attr["id"])
	}
	ids := map[string]bool{}
	var refs []string
	var walk func(*node)
	walk = func(n *node) {
		switch n.name {
		case "script", "style", "foreignObject", "image", "use", "iframe":
			t.Errorf("forbidden element <%s>", n.name)
		}
		for k, v := range n.attr {
			switch {
			case k == "style" || strings.HasPrefix(k, "on"):
				t.Errorf("forbidden attribute %s=%q on <%s>", k, v, n.name)
			case k == "href":
				if n.name != "a" || !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") {
					t.Errorf("href %q on <%s>", v, n.name)
				}
			case k == "id":
				if ids[v] {
					t.Errorf("id %q twice", v)
				}
				ids[v] = true
			case k == "font-family" && v != "inherit":
				t.Errorf("font-family %q", v)
			}
			if k != "xmlns" && strings.Contains(v, "//") && k != "href" {
				t.Errorf("%s=%q looks like an external reference", k, v)
			}
			if i := strings.Index(v, "url("); i >= 0 {
				ref := strings.TrimSuffix(v[i+len("url("):], ")")
				if !strings.HasPrefix(ref, "#") {
					t.Errorf("%s=%q is not a local reference", k, v)
				}
				refs = append(refs, strings.TrimPrefix(ref, "#"))
			}
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	for _, r := range refs {
		if !ids[r] {
			t.Errorf("url(#%s) names no element", r)
		}
	}
	return root
}

func TestPercent(t *testing.T) {
	// The cases of compliance.TestRateFormat: a chart prints a rate the way
	// every other page does.
	cases := []struct {
		n, d       int
		pct, whole string
	}{
		{0, 0, "—", "—（0/0）"},
		{0, 5, "0.0%", "0.0%（0/5）"},
		{39, 40, "97.5%", "97.5%（39/40）"},
		{1, 3, "33.3%", "33.3%（1/3）"},
		{2, 3, "66.7%", "66.7%（2/3）"},
		{40, 40, "100.0%", "100.0%（40/40）"},
		{9999, 10000, "99.9%", "99.9%（9999/10000）"},
		{99999, 100000, "99.9%", "99.9%（99999/100000）"},
		{1, 100000, "0.1%", "0.1%（1/100000）"},
		{1, 2000, "0.1%", "0.1%（1/2000）"},
	}
	for _, c := range cases {
		if got, whole := percent(c.n, c.d), rateText(c.n, c.d); got != c.pct || whole != c.whole {
			t.Errorf("%d/%d: %s %s, want %s %s", c.n, c.d, got, whole, c.pct, c.whole)
		}
	}
}

func TestTargetText(t *testing.T) {
	for in, want := range map[float64]string{1: "100%", 0.95: "95%", 0.975: "97.5%", 0.9: "90%", 0.333: "33.3%"} {
		if got := targetText(in); got != want {
			t.Errorf("targetText(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestBelow(t *testing.T) {
	cases := []struct {
		n, d int
		t    float64
		want bool
	}{
		{19, 20, 0.95, false}, // exactly on the target meets it
		{18, 20, 0.95, true},
		{39, 40, 1, true},
		{40, 40, 1, false},
		{0, 0, 1, false}, // no data is not below
		{0, 10, 0, false},
		{57, 60, 0.95, false},
		{56, 60, 0.95, true},
	}
	for _, c := range cases {
		if got := below(c.n, c.d, c.t); got != c.want {
			t.Errorf("below(%d, %d, %v) = %v, want %v", c.n, c.d, c.t, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"城关镇", "城关镇"},
		{"一二三四五六七八九十甲乙", "一二三四五六七八九十甲乙"}, // 12: fits
		{"一二三四五六七八九十甲乙丙", "一二三四五六七八九十甲…"},
		{"经济技术开发区管理委员会（化工园区）", "经济技术开发区管理委员…"},
	}
	for _, c := range cases {
		if got := truncate(c.in, 12); got != c.want {
			t.Errorf("truncate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  城关镇 ", "城关镇"},
		{"a\x00b\x01c\x7f", "abc"},
		{"a\tb\nc", "a b c"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, c := range cases {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSafeHref(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/dashboard/towns/3", "/dashboard/towns/3"},
		{"/people?town=3&status=overdue", "/people?town=3&status=overdue"},
		{"/", "/"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"https://evil.example/x", ""},
		{"http://evil.example", ""},
		{"//evil.example/x", ""},
		{"/\\evil.example", ""},
		{"/a\\b", ""},
		{" /x", ""},
		{"/x y", ""},
		{"/x\nhttps://evil", ""},
		{"data:text/html,x", ""},
		{"dashboard/towns/3", ""},
	}
	for _, c := range cases {
		if got := safeHref(c.in); got != c.want {
			t.Errorf("safeHref(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func viewBoxHeight(t *testing.T, root *node) float64 {
	t.Helper()
	f := strings.Fields(root.attr["viewBox"])
	if len(f) != 4 {
		t.Fatalf("viewBox %q", root.attr["viewBox"])
	}
	h, err := strconv.ParseFloat(f[3], 64)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
