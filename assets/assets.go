// Package assets holds anpei's web UI: html/template pages and static
// files (CSS, JS, icons), embedded in the binary so nothing is fetched from
// elsewhere at run time.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static returns the files served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return sub
}

// beijing is China Standard Time: people read times in it.
var beijing = time.FixedZone("CST", 8*3600)

// Funcs are the helpers every template may call.
var Funcs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(beijing).Format("2006-01-02 15:04")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(beijing).Format("2006-01-02")
	},
	"add": func(a, b int) int { return a + b },
	// div divides whole numbers (milliseconds into minutes).
	"div": func(a, b int64) int64 {
		if b == 0 {
			return 0
		}
		return a / b
	},
	// json writes v as JSON, e.g. into a data- attribute for a script.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	// auditLabel names an audit action or entity in Chinese; unknown codes
	// show as they are.
	"auditLabel": func(code string) string {
		if l, ok := auditLabels[code]; ok {
			return l
		}
		return code
	},
	"pct": func(n, d int64) string {
		if d == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", float64(n)*100/float64(d))
	},
	"durationText": durationText,
	// percentOf is n of d in whole percent, 0 to 100.
	"percentOf": func(n, d int64) int {
		if d <= 0 {
			return 0
		}
		return int(min(100, max(0, n*100/d)))
	},
}

// durationText says a length of time given in milliseconds in Chinese:
// "1 小时 5 分", "12 分钟", "3 分 20 秒", "45 秒".
func durationText(ms int64) string {
	sec := max(ms, 0) / 1000
	h, m, s := sec/3600, sec%3600/60, sec%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d 小时 %d 分", h, m)
	case h > 0:
		return fmt.Sprintf("%d 小时", h)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d 分 %d 秒", m, s)
	case m > 0:
		return fmt.Sprintf("%d 分钟", m)
	}
	return fmt.Sprintf("%d 秒", s)
}

var auditLabels = map[string]string{
	"create": "新增", "update": "修改", "delete": "删除", "login": "登录", "login_failed": "登录失败",
	"logout": "退出", "password_change": "修改密码", "password_reset": "重置密码", "reveal_id": "查看完整证件号码",
	"import": "导入", "import_people": "导入名单", "join": "加入本单位", "export": "导出名单", "change_duty": "在岗变动", "duty_change": "在岗变动",
	"user": "用户", "person": "从业人员", "enterprise": "企业",
}

// Pages parses every page template together with the shared layout and
// partials, keyed by page name (the file name without .html). It returns
// an error when a template does not parse.
func Pages() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(Funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("assets: parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		file := strings.TrimPrefix(n, "templates/")
		if strings.HasPrefix(file, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("assets: parse %s: %w", file, err)
		}
		pages[strings.TrimSuffix(file, ".html")] = t
	}
	return pages, nil
}
