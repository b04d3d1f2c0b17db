package main

import (
	"debug/elf"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// cfgEnv is the environment without ANPEI_* settings.
func cfgEnv() []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ANPEI_") || strings.HasPrefix(e, "ANPEI_TEST_") {
			out = append(out, e)
		}
	}
	return out
}

// TestStaticBinary: the module builds with CGO off into a statically
// linked binary that runs (help, and config check of the example file in
// deploy/).
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "anpei")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(cfgEnv(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%v)", p.Type)
		}
	}
	f.Close()

	runBin := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = cfgEnv()
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := runBin("help"); code != 0 || !strings.Contains(out, "config check") || !strings.Contains(out, "--config") {
		t.Errorf("anpei help: exit %d\n%s", code, out)
	}
	if out, code := runBin("config", "check", "--config", "deploy/anpei.toml"); code != 0 || !strings.Contains(out, "settings are valid") {
		t.Errorf("config check of deploy/anpei.toml: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("addr = \":8080\"\nlisten = \":80\"\n"), 0o600)
	if out, code := runBin("config", "check", "--config", bad); code != 1 || !strings.Contains(out, "第 2 行") || !strings.Contains(out, "listen") {
		t.Errorf("config check of a bad file: exit %d\n%s", code, out)
	}
}

func readDeploy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeploySystemdUnit: the unit has its sections and the settings the
// README promises, and systemd-analyze (when installed) finds nothing
// wrong with it.
func TestDeploySystemdUnit(t *testing.T) {
	text := readDeploy(t, "anpei.service")
	sections := map[string]map[string][]string{}
	var cur string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = line[1 : len(line)-1]
			sections[cur] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == "" {
				t.Fatalf("anpei.service line %d: %q is not key=value in a section", i+1, line)
			}
			sections[cur][k] = append(sections[cur][k], v)
		}
	}
	want := map[string]map[string]string{
		"Unit": {"After": "network-online.target"},
		"Service": {"User": "anpei", "ExecStart": "/usr/local/bin/anpei serve --config /etc/anpei/anpei.toml", "ExecReload": "/bin/kill -HUP $MAINPID",
			"EnvironmentFile": "-/etc/anpei/anpei.env", "StateDirectory": "anpei", "ReadWritePaths": "/var/lib/anpei", "NoNewPrivileges": "yes",
			"ProtectSystem": "strict", "Restart": "on-failure", "LimitNOFILE": "65536", "KillSignal": "SIGTERM", "PrivateTmp": "yes"},
		"Install": {"WantedBy": "multi-user.target"},
	}
	for sec, keys := range want {
		for k, v := range keys {
			if got := sections[sec][k]; len(got) == 0 || !strings.Contains(got[0], v) {
				t.Errorf("[%s] %s = %v, want %q", sec, k, got, v)
			}
		}
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: structure checked only")
		return
	}
	// verify wants the executable to exist.
	unit := filepath.Join(t.TempDir(), "anpei.service")
	os.WriteFile(unit, []byte(strings.ReplaceAll(text, "/usr/local/bin/anpei", "/bin/true")), 0o644)
	out, err := exec.Command(sa, "verify", unit).CombinedOutput()
	var complaints []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "anpei.service") {
			complaints = append(complaints, l)
		}
	}
	if err != nil || len(complaints) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(complaints, "\n"))
	}
}

// TestDeployCompose: compose.yaml is YAML with MySQL 8 in utf8mb4 and a
// healthcheck, and anpei waiting for it healthy with a mysql: DSN.
func TestDeployCompose(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Build struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(readDeploy(t, "compose.yaml")), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	db, app := c.Services["mysql"], c.Services["anpei"]
	if !strings.HasPrefix(db.Image, "mysql:8") || !strings.Contains(strings.Join(db.Command, " "), "utf8mb4") || len(db.Healthcheck.Test) == 0 {
		t.Errorf("mysql service: image %q command %v healthcheck %v", db.Image, db.Command, db.Healthcheck.Test)
	}
	if app.DependsOn["mysql"].Condition != "service_healthy" || !strings.HasPrefix(app.Environment["ANPEI_DB"], "mysql:") || !strings.Contains(app.Environment["ANPEI_DB"], "@tcp(mysql:3306)/") {
		t.Errorf("anpei service: depends_on %v, ANPEI_DB %q", app.DependsOn, app.Environment["ANPEI_DB"])
	}
	if app.Build.Dockerfile != "deploy/Dockerfile" || app.Build.Context != ".." {
		t.Errorf("anpei build: %+v", app.Build)
	}
	if _, err := os.Stat(filepath.Join("deploy", app.Build.Context, app.Build.Dockerfile)); err != nil {
		t.Errorf("compose builds from a missing Dockerfile: %v", err)
	}
	for _, v := range append(db.Volumes, app.Volumes...) {
		name, _, _ := strings.Cut(v, ":")
		if _, ok := c.Volumes[name]; !ok {
			t.Errorf("volume %q not declared", name)
		}
	}
}

// TestDeployDockerfile: a multi-stage static build with the module's Go
// version, run as a non-root user with the data directory as a volume.
func TestDeployDockerfile(t *testing.T) {
	text := readDeploy(t, "Dockerfile")
	gomod, _ := os.ReadFile("go.mod")
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goVer == nil {
		t.Fatal("no go directive in go.mod")
	}
	for _, w := range []string{"FROM golang:" + string(goVer[1]) + " AS build", "CGO_ENABLED=0 go build", "COPY --from=build", "USER 65532", `VOLUME ["/var/lib/anpei"]`, `ENTRYPOINT ["/usr/local/bin/anpei"]`} {
		if !strings.Contains(text, w) {
			t.Errorf("Dockerfile lacks %q", w)
		}
	}
	if n := strings.Count(text, "\nFROM "); n < 1 {
		t.Error("Dockerfile is not multi-stage")
	}
}

// TestDeployNginx: the example proxies to anpei with the upload limit of
// the default max_upload_mb, X-Forwarded-For, and the WebSocket upgrade
// for live classes; its braces balance.
func TestDeployNginx(t *testing.T) {
	text := readDeploy(t, "nginx.conf")
	var code strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		code.WriteString(l + "\n")
	}
	c := regexp.MustCompile(`[ \t]+`).ReplaceAllString(code.String(), " ")
	if strings.Count(c, "{") != strings.Count(c, "}") {
		t.Error("nginx.conf: braces do not balance")
	}
	maxMB := defaultMaxUploadMB()
	if !strings.Contains(c, "client_max_body_size "+maxMB+"m;") {
		t.Errorf("nginx.conf: client_max_body_size is not the default max_upload_mb (%s MB)", maxMB)
	}
	live := c[strings.Index(c, "location /api/v1/live/"):]
	live = live[:strings.Index(live, "}")]
	for _, w := range []string{"proxy_set_header Upgrade", "$http_upgrade", "proxy_set_header Connection", "X-Forwarded-For", "proxy_read_timeout"} {
		if !strings.Contains(live, w) {
			t.Errorf("nginx.conf: the live location lacks %q", w)
		}
	}
	for _, w := range []string{"ssl_protocols TLSv1.2 TLSv1.3", "http2 on", "X-Forwarded-For $proxy_add_x_forwarded_for", "proxy_pass http://anpei", "server 127.0.0.1:8080"} {
		if !strings.Contains(c, w) {
			t.Errorf("nginx.conf lacks %q", w)
		}
	}
	// The example settings file agrees with the proxy.
	toml := readDeploy(t, "anpei.toml")
	for _, w := range []string{`addr = "127.0.0.1:8080"`, `trusted_proxies = ["127.0.0.1"`, "secure_cookies = true", "max_upload_mb = " + maxMB} {
		if !strings.Contains(toml, w) {
			t.Errorf("anpei.toml lacks %q", w)
		}
	}
}

func defaultMaxUploadMB() string {
	var s settings
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	s.flags(fs)
	return fs.Lookup("max-upload-mb").DefValue
}
