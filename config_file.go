package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Where a setting's value came from, as `anpei config check` prints it.
const (
	fromDefault = "default"
	fromFile    = "file"
	fromEnv     = "env"
	fromFlag    = "flag"
)

// resolver applies the environment and the config file to the settings
// registered on one FlagSet. Values from the environment and the file are
// set through each flag's own Value (so they are parsed and checked like a
// flag) but not through fs.Set, so fs.Visit still lists exactly the flags
// given on the command line: those win over everything.
type resolver struct {
	fs    *flag.FlagSet
	names []string          // the settings' flag names, in registration order
	kinds map[string]string // settingKind of each
	src   map[string]string // fromDefault, fromFile or fromEnv (fromFlag is asked of fs)
	file  string            // the config file in use, "" = none
	// fromEnvConfig: the file was named by ANPEI_CONFIG, not --config.
	fromEnvConfig bool
	envErrs       []error
	fileErr       error
}

// settingEnv is the environment variable of a flag: ANPEI_ and its name in
// capitals with underscores.
func settingEnv(name string) string {
	return "ANPEI_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// settingKey is the config file's key of a flag: its name with underscores.
func settingKey(name string) string { return strings.ReplaceAll(name, "-", "_") }

// newResolver takes every flag registered on fs so far but others as a
// setting, registers --config, and applies the environment and
// ANPEI_CONFIG.
func newResolver(fs *flag.FlagSet, others map[string]bool) *resolver {
	r := &resolver{fs: fs, src: map[string]string{}, kinds: map[string]string{}}
	fs.VisitAll(func(f *flag.Flag) {
		if others[f.Name] {
			return
		}
		r.names = append(r.names, f.Name)
		r.kinds[f.Name] = settingKind(f)
		r.src[f.Name] = fromDefault
	})
	fs.Func("config", "TOML file with settings named like the flags (addr = \":8080\"); flag > environment > file > default (ANPEI_CONFIG)", func(path string) error {
		r.fileErr = r.load(path)
		r.fromEnvConfig = false
		return nil // reported by loadErr: a file's problem needs no usage text
	})
	for _, name := range r.names {
		v := os.Getenv(settingEnv(name))
		if v == "" { // unset and empty are alike: "ANPEI_DB=" keeps the file's db
			continue
		}
		if err := fs.Lookup(name).Value.Set(v); err != nil {
			r.envErrs = append(r.envErrs, fmt.Errorf("环境变量 %s 的值 %q 无效 / invalid %s: %v", settingEnv(name), v, settingEnv(name), err))
			continue
		}
		r.src[name] = fromEnv
	}
	if path := os.Getenv("ANPEI_CONFIG"); path != "" {
		r.fileErr = r.load(path)
		r.fromEnvConfig = true
	}
	return r
}

// loadErr reports a bad environment variable or config file.
func (s *settings) loadErr() error {
	if s.res == nil {
		return nil
	}
	errs := s.res.envErrs
	if s.res.fileErr != nil {
		errs = append(errs[:len(errs):len(errs)], s.res.fileErr)
	}
	return errors.Join(errs...)
}

// source reports where the setting of flag name came from.
func (s *settings) source(name string) string {
	if s.res == nil {
		return fromDefault
	}
	set := false
	s.res.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	if set {
		return fromFlag
	}
	return s.res.src[name]
}

// configFile is the config file in use, if any.
func (s *settings) configFile() string {
	if s.res == nil {
		return ""
	}
	return s.res.file
}

// load reads the TOML file at path and sets, for every setting neither on
// the command line so far nor in the environment, the file's value or else
// the default (a second --config replaces the first file entirely).
func (r *resolver) load(path string) error {
	r.file = path
	vals, err := readConfig(path, r.kinds)
	onCommandLine := map[string]bool{}
	r.fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	for _, name := range r.names {
		if onCommandLine[name] || r.src[name] == fromEnv {
			continue
		}
		f := r.fs.Lookup(name)
		if v, ok := vals[name]; ok && err == nil {
			if serr := f.Value.Set(v.text); serr != nil {
				f.Value.Set(f.DefValue)
				r.src[name] = fromDefault
				return configErr(path, v.line, "%s 的值 %q 无效：%v / invalid %s", settingKey(name), v.text, serr, settingKey(name))
			}
			r.src[name] = fromFile
			continue
		}
		f.Value.Set(f.DefValue)
		r.src[name] = fromDefault
	}
	return err
}

// configValue is one setting from the file, as flag text, with its line.
type configValue struct {
	text string
	line int
}

// configErr is an error about the config file, in Chinese and English,
// naming the line when known.
func configErr(path string, line int, format string, args ...any) error {
	where := "配置文件 " + path
	if line > 0 {
		where += fmt.Sprintf(" 第 %d 行 (line %d)", line, line)
	}
	return fmt.Errorf("%s：%s", where, fmt.Sprintf(format, args...))
}

// readConfig parses a TOML config file whose keys are the flag names with
// underscores. Unknown keys and values of the wrong type are errors naming
// the key and its line; every value is returned as the text the flag
// parses (a list of proxies joined with commas).
func readConfig(path string, kinds map[string]string) (map[string]configValue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("配置文件无法读取 / cannot read the config file: %w", err)
	}
	text := string(b)
	var raw map[string]any
	md, err := toml.Decode(text, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, configErr(path, pe.Position.Line, "不是有效的 TOML / not valid TOML: %s", pe.Message)
		}
		return nil, configErr(path, 0, "不是有效的 TOML / not valid TOML: %v", err)
	}
	byKey := map[string]string{}
	for n := range kinds {
		byKey[settingKey(n)] = n
	}
	// Every key the file defines, nested ones included, must be a setting.
	var unknown []string
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		top := k[0]
		if _, known := byKey[top]; known || seen[top] {
			continue // a known key holding a table has the wrong type, said below
		}
		seen[top] = true
		hint := ""
		if k := nearestKey(top, byKey); k != "" {
			hint = fmt.Sprintf("（是否应为 %s？/ did you mean %s?）", k, k)
		}
		unknown = append(unknown, configErr(path, keyLine(text, top), "未知的设置 %s%s / unknown setting %q", top, hint, top).Error())
	}
	if len(unknown) > 0 {
		return nil, errors.New(strings.Join(unknown, "\n"))
	}
	out := map[string]configValue{}
	for key, v := range raw {
		name := byKey[key]
		line := keyLine(text, key)
		t, err := flagText(kinds[name], v)
		if err != nil {
			return nil, configErr(path, line, "%s %v", key, err)
		}
		out[name] = configValue{text: t, line: line}
	}
	return out, nil
}

// flagText turns a TOML value into the text the flag parses, refusing a
// value of the wrong type. The kind of flag comes from its default.
func flagText(kind string, v any) (string, error) {
	switch kind {
	case "demo":
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case string:
			return x, nil
		}
		return "", typeErr("true 或 false", "true or false", v)
	case "list":
		switch x := v.(type) {
		case string:
			return x, nil
		case []any:
			parts := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return "", typeErr("字符串数组，如 [\"10.0.0.1\", \"10.1.0.0/16\"]", "an array of strings", v)
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, ","), nil
		}
		return "", typeErr("字符串或字符串数组", "a string or an array of strings", v)
	case "bool":
		if x, ok := v.(bool); ok {
			return strconv.FormatBool(x), nil
		}
		return "", typeErr("true 或 false", "true or false", v)
	case "int":
		if x, ok := v.(int64); ok {
			return strconv.FormatInt(x, 10), nil
		}
		return "", typeErr("整数", "an integer", v)
	case "float":
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
		return "", typeErr("数字", "a number", v)
	case "duration":
		if x, ok := v.(string); ok {
			if _, err := time.ParseDuration(x); err != nil {
				return "", fmt.Errorf("应为时长，如 \"30s\"、\"2m\"、\"3h\"，不是 %q / must be a duration such as \"30s\"", x)
			}
			return x, nil
		}
		return "", typeErr("带引号的时长，如 \"30s\"", "a quoted duration such as \"30s\"", v)
	}
	if x, ok := v.(string); ok {
		return x, nil
	}
	return "", typeErr("字符串（加引号）", "a quoted string", v)
}

// settingKind names what a flag holds, for the file's type check: demo
// (true, false or empty), list (the proxies), bool, int, float, duration
// or string.
func settingKind(f *flag.Flag) string {
	switch f.Name {
	case "demo":
		return "demo"
	case "trusted-proxies":
		return "list"
	}
	switch f.Value.(flag.Getter).Get().(type) {
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case time.Duration:
		return "duration"
	}
	return "string"
}

func typeErr(zh, en string, v any) error {
	return fmt.Errorf("应为%s，不是%s / must be %s, not %s", zh, tomlTypeZh(v), en, tomlTypeEn(v))
}

func tomlTypeZh(v any) string {
	switch v.(type) {
	case string:
		return "字符串"
	case int64:
		return "整数"
	case float64:
		return "小数"
	case bool:
		return "布尔值"
	case []any, []map[string]any:
		return "数组"
	case map[string]any:
		return "表"
	case time.Time:
		return "日期时间"
	}
	return fmt.Sprintf("%T", v)
}

func tomlTypeEn(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("%T", v)
}

// keyLine finds the line (from 1) where the top-level key is defined: as
// `key =`, a dotted `key.x =`, or a table header `[key]`/`[key.x]`; 0 if
// not found.
func keyLine(text, key string) int {
	forms := []string{key, `"` + key + `"`, "'" + key + "'"}
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "[") {
			l = strings.TrimSpace(strings.TrimLeft(l, "["))
		}
		for _, f := range forms {
			if rest, ok := strings.CutPrefix(l, f); ok {
				rest = strings.TrimSpace(rest)
				if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "]") {
					return i + 1
				}
			}
		}
	}
	return 0
}

// nearestKey is the setting a mistyped key most likely meant: the same
// with underscores, or at most two edits away; "" if none.
func nearestKey(key string, byKey map[string]string) string {
	if _, ok := byKey[strings.ReplaceAll(key, "-", "_")]; ok {
		return strings.ReplaceAll(key, "-", "_")
	}
	best, bestD := "", 3
	for k := range byKey {
		if d := editDistance(key, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
