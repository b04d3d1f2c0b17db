package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clearSettingsEnv unsets every ANPEI_* setting for the test (empty counts
// as unset).
func cfgClearEnv(t *testing.T) {
	t.Helper()
	var s settings
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	s.flags(fs)
	for _, n := range s.res.names {
		t.Setenv(settingEnv(n), "")
	}
	t.Setenv("ANPEI_CONFIG", "")
}

func cfgFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseSettings parses args as serve does.
func cfgParse(t *testing.T, args ...string) (*settings, *flag.FlagSet) {
	t.Helper()
	s := &settings{}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	s.flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return s, fs
}

func TestConfigPrecedence(t *testing.T) {
	cfgClearEnv(t)
	file := cfgFile(t, "anpei.toml", `
addr = ":9000"
data = "/from/file"
log_level = "warn"
read_timeout = "45s"
max_upload_mb = 800
daily_cap_hours = 6
secure_cookies = true
demo = false
trusted_proxies = ["10.0.0.1", "10.1.0.0/16"]
`)
	t.Setenv("ANPEI_DATA", "/from/env")
	t.Setenv("ANPEI_LOG_LEVEL", "error")

	// flag > env > file > default, whichever side of --config the flag is on.
	for _, args := range [][]string{
		{"--config", file, "--log-level", "debug"},
		{"--log-level", "debug", "--config", file},
	} {
		s, _ := cfgParse(t, args...)
		if err := s.loadErr(); err != nil {
			t.Fatal(err)
		}
		want := map[string][2]string{ // name: value, source
			"addr":            {":9000", fromFile},
			"data":            {"/from/env", fromEnv},
			"log-level":       {"debug", fromFlag},
			"read-timeout":    {"45s", fromFile},
			"max-upload-mb":   {"800", fromFile},
			"secure-cookies":  {"true", fromFile},
			"demo":            {"false", fromFile},
			"trusted-proxies": {"10.0.0.1,10.1.0.0/16", fromFile},
			"write-timeout":   {"2m0s", fromDefault},
			"db":              {"", fromDefault},
		}
		got := map[string]string{"addr": s.Addr, "data": s.Data, "log-level": s.LogLevel, "read-timeout": s.ReadTimeout.String(),
			"max-upload-mb": "800", "secure-cookies": "false", "demo": s.Demo, "trusted-proxies": s.TrustedProxies,
			"write-timeout": s.WriteTimeout.String(), "db": s.DB}
		if s.MaxUploadMB != 800 {
			got["max-upload-mb"] = "wrong"
		}
		if s.SecureCookies {
			got["secure-cookies"] = "true"
		}
		for name, w := range want {
			if got[name] != w[0] || s.source(name) != w[1] {
				t.Errorf("%v: %s = %q from %s, want %q from %s", args, name, got[name], s.source(name), w[0], w[1])
			}
		}
		if s.DailyCapHours != 6 || s.ReadTimeout != 45*time.Second {
			t.Errorf("%v: daily cap %v, read timeout %v", args, s.DailyCapHours, s.ReadTimeout)
		}
	}

	// ANPEI_CONFIG names the file; --config replaces it entirely: what
	// only the first file set falls back to the default.
	t.Setenv("ANPEI_CONFIG", file)
	s, _ := cfgParse(t)
	if s.Addr != ":9000" || s.configFile() != file || !s.res.fromEnvConfig {
		t.Fatalf("ANPEI_CONFIG not applied: addr %q file %q", s.Addr, s.configFile())
	}
	other := cfgFile(t, "other.toml", `log_format = "text"`+"\n")
	s, _ = cfgParse(t, "--config", other)
	if s.Addr != ":8080" || s.source("addr") != fromDefault || s.LogFormat != "text" || s.source("log-format") != fromFile || s.MaxUploadMB != 500 {
		t.Errorf("--config over ANPEI_CONFIG: addr %q (%s), log format %q, max upload %d", s.Addr, s.source("addr"), s.LogFormat, s.MaxUploadMB)
	}

	// An empty variable is unset: the file's value stays.
	t.Setenv("ANPEI_CONFIG", "")
	t.Setenv("ANPEI_ADDR", "")
	s, _ = cfgParse(t, "--config", file)
	if s.Addr != ":9000" {
		t.Errorf("empty ANPEI_ADDR overrode the file: %q", s.Addr)
	}
}

func TestConfigFileErrors(t *testing.T) {
	cfgClearEnv(t)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"unknown key", "addr = \":1\"\n\n# comment\nadr = \":2\"\n", []string{"第 4 行", "adr", "addr"}},
		{"unknown table", "addr = \":1\"\n[tls]\ncert = \"x\"\n", []string{"第 2 行", "tls"}},
		{"hyphenated key", "max-upload-mb = 3\n", []string{"第 1 行", "max-upload-mb", "max_upload_mb"}},
		{"string for a number", "data = \"x\"\nmax_upload_mb = \"500\"\n", []string{"第 2 行", "max_upload_mb", "整数"}},
		{"number for a string", "addr = 8080\n", []string{"第 1 行", "addr", "字符串", "an integer"}},
		{"bad duration", "\nread_timeout = \"30\"\n", []string{"第 2 行", "read_timeout", "时长"}},
		{"number for a duration", "write_timeout = 30\n", []string{"第 1 行", "write_timeout", "时长"}},
		{"proxies of numbers", "trusted_proxies = [1, 2]\n", []string{"第 1 行", "trusted_proxies"}},
		{"table for a setting", "addr = { host = \"x\" }\n", []string{"第 1 行", "addr"}},
		{"not TOML", "addr = \":1\"\ndata = \"x\n", []string{"第 2 行", "TOML"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := cfgFile(t, "bad.toml", tc.text)
			s, _ := cfgParse(t, "--config", file)
			err := s.loadErr()
			if err == nil {
				t.Fatalf("no error for %q", tc.text)
			}
			for _, w := range append(tc.want, file) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			// Every command reports it before doing anything.
			if _, err := s.logger(&bytes.Buffer{}); err == nil {
				t.Error("logger did not report the bad file")
			}
		})
	}
	s, _ := cfgParse(t, "--config", filepath.Join(t.TempDir(), "missing.toml"))
	if err := s.loadErr(); err == nil || !strings.Contains(err.Error(), "无法读取") {
		t.Errorf("missing file: %v", err)
	}
	t.Setenv("ANPEI_MAX_UPLOAD_MB", "lots")
	s, _ = cfgParse(t)
	if err := s.loadErr(); err == nil || !strings.Contains(err.Error(), "ANPEI_MAX_UPLOAD_MB") {
		t.Errorf("bad variable: %v", err)
	}
}

func TestMaskDSN(t *testing.T) {
	for in, want := range map[string]string{
		"":                                       "",
		"sqlite:/x/y.db":                         "sqlite:/x/y.db",
		"mysql:root@tcp(127.0.0.1:3306)/anpei":   "mysql:root@tcp(127.0.0.1:3306)/anpei",
		"mysql:anpei:s3cret@tcp(db:3306)/anpei":  "mysql:anpei:***@tcp(db:3306)/anpei",
		"mysql:u:p@ss:w/rd@tcp(db)/anpei?x=1":    "mysql:u:***@tcp(db)/anpei?x=1",
		"mysql:u:pw@unix(/run/mysqld.sock)/a":    "mysql:u:***@unix(/run/mysqld.sock)/a",
		"mysql:u:a@b@tcp(h:3306)/anpei?tls=true": "mysql:u:***@tcp(h:3306)/anpei?tls=true",
	} {
		if got := maskDSN(in); got != want {
			t.Errorf("maskDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	cfgClearEnv(t)
	const key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
	good := cfgFile(t, "anpei.toml", `
addr = "127.0.0.1:8443"
db = "mysql:anpei:Topsecret9@tcp(127.0.0.1:3306)/anpei?parseTime=true"
pii_key = "`+key+`"
trusted_proxies = "10.0.0.0/8, 192.168.1.1"
public_url = "https://px.qilin.gov.cn"
`)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"config", "check", "--config", good, "--log-level", "warn"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("config check of a good file: exit %d\n%s%s", code, out.String(), errb.String())
	}
	text := out.String()
	for _, w := range []string{good, "valid", "mysql:anpei:***@tcp(127.0.0.1:3306)/anpei", `"***"`} {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q:\n%s", w, text)
		}
	}
	for _, secret := range []string{"Topsecret9", key[:20]} {
		if strings.Contains(text+errb.String(), secret) {
			t.Errorf("output shows the secret %q", secret)
		}
	}
	for _, line := range []string{"addr +file", "log_level +flag", "write_timeout +default", "trusted_proxies +file"} {
		if !cfgHasRow(text, line) {
			t.Errorf("no line like %q:\n%s", line, text)
		}
	}

	// Each setting's own check, all reported at once; exit 1.
	certFile, _ := cfgCert(t, "a.example")
	_, otherKey := cfgCert(t, "b.example")
	bad := cfgFile(t, "bad.toml", `
addr = "localhost"
db = "postgres://x"
log_level = "loud"
log_format = "xml"
trusted_proxies = ["10.0.0.0/33", "proxy.local"]
cert_number_pattern = "{nope}"
public_url = "px.qilin.gov.cn"
daily_cap_hours = 30
max_upload_mb = 0
tls_cert = "`+certFile+`"
tls_key = "`+otherKey+`"
read_timeout = "5s"
upload_timeout = "1s"
pii_key = "Pii-Short-Secret"
max_header_kb = 0
`)
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"config", "check", "--config", bad}, nil, &out, &errb)
	if code != 1 {
		t.Fatalf("config check of a bad file: exit %d\n%s", code, errb.String())
	}
	for _, w := range []string{"addr:", "db:", "log_level:", "log_format:", "10.0.0.0/33", "proxy.local", "cert_number_pattern:", "public_url:",
		"daily_cap_hours:", "max_upload_mb:", "tls_cert:", "upload_timeout:", "pii_key:", "max_header_kb:", "invalid settings"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("errors lack %q:\n%s", w, errb.String())
		}
	}
	if strings.Contains(errb.String()+out.String(), "Pii-Short-Secret") {
		t.Error("the bad PII key was printed")
	}

	// A file that does not parse: a clear error and no table.
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"config", "check", "--config", cfgFile(t, "x.toml", "colour = \"blue\"\n")}, nil, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "未知的设置 colour") || !strings.Contains(errb.String(), "unknown setting") || strings.Contains(out.String(), "addr") {
		t.Errorf("unknown key: exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
}

func cfgHasRow(text, pattern string) bool {
	parts := strings.Fields(strings.ReplaceAll(pattern, "+", ""))
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(parts) && f[0] == parts[0] && f[1] == parts[1] {
			return true
		}
	}
	return false
}

// TestEveryCommandTakesConfig: a command other than serve works on the
// data directory the file names.
func TestEveryCommandTakesConfig(t *testing.T) {
	cfgClearEnv(t)
	dir := filepath.Join(t.TempDir(), "from-file")
	file := cfgFile(t, "anpei.toml", "data = \""+dir+"\"\nlog_format = \"json\"\n")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "--config", file}, nil, &out, &errb); code != 0 {
		t.Fatalf("migrate --config: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "anpei.db")); err != nil {
		t.Fatalf("migrate did not use the file's data directory: %v", err)
	}
	// A bad file stops the command before it touches anything.
	if code := run(context.Background(), []string{"migrate", "--config", cfgFile(t, "bad.toml", "dat = \"/x\"\n")}, nil, &out, &errb); code == 0 {
		t.Error("migrate ran with a bad config file")
	}
}
