package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"anpei/certs"
	"anpei/db"
	"anpei/jobs"
	"anpei/pii"
)

const configUsage = `usage: anpei config check [--config FILE] [flags]
  validates the settings (flags, ANPEI_* variables, the TOML file named by
  --config or ANPEI_CONFIG, defaults; the first that sets a value wins) and
  prints the effective ones with their source and secrets hidden; exit 1
  when any is wrong`

// configCmd runs `anpei config check`.
func configCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return usageError{configUsage}
	}
	var s settings
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := s.loadErr(); err != nil {
		return err
	}
	s.printEffective(stdout, fs)
	problems, notes := s.check(time.Now())
	for _, n := range notes {
		fmt.Fprintln(stdout, "注意 / note:", n)
	}
	if len(problems) > 0 {
		return fmt.Errorf("设置有 %d 处错误 / %d invalid settings:\n  - %s", len(problems), len(problems), strings.Join(problems, "\n  - "))
	}
	fmt.Fprintln(stdout, "设置有效 / settings are valid")
	return nil
}

// printEffective writes every setting, its source and its value with the
// secrets hidden.
func (s *settings) printEffective(w io.Writer, fs *flag.FlagSet) {
	switch f := s.configFile(); {
	case f == "":
		fmt.Fprintln(w, "配置文件 / config file: 无 / none")
	case s.res.fromEnvConfig:
		fmt.Fprintf(w, "配置文件 / config file: %s (ANPEI_CONFIG)\n", f)
	default:
		fmt.Fprintf(w, "配置文件 / config file: %s (--config)\n", f)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "设置 setting\t来源 source\t值 value")
	names := append([]string(nil), s.res.names...)
	sort.Strings(names)
	for _, name := range names {
		v := fs.Lookup(name).Value.String()
		switch name {
		case "pii-key", "live-ice-credential", "live-turn-secret":
			if v != "" {
				v = "***"
			}
		case "db":
			v = maskDSN(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", settingKey(name), s.source(name), strconv.Quote(v))
	}
	tw.Flush()
}

// maskDSN hides the password of a "mysql:user:password@tcp(…)/db" setting
// the way the driver finds it (the last @ before the last /).
func maskDSN(v string) string {
	rest, ok := strings.CutPrefix(v, "mysql:")
	if !ok {
		return v
	}
	slash := strings.LastIndex(rest, "/")
	if slash < 0 {
		slash = len(rest)
	}
	at := strings.LastIndex(rest[:slash], "@")
	if at < 0 {
		return v
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return v
	}
	return "mysql:" + user + ":***" + rest[at:]
}

// validate is check for serve: all problems as one error.
func (s *settings) validate(now time.Time, log *slog.Logger) error {
	problems, notes := s.check(now)
	for _, n := range notes {
		log.Warn(n)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// check runs every setting's own validation; problems stop the server,
// notes are worth a look.
func (s *settings) check(now time.Time) (problems, notes []string) {
	bad := func(key, format string, args ...any) {
		problems = append(problems, key+": "+fmt.Sprintf(format, args...))
	}
	if err := checkAddr(s.Addr); err != nil {
		bad("addr", "%v", err)
	}
	if strings.TrimSpace(s.Data) == "" {
		bad("data", "数据目录不能为空 / the data directory must be named")
	}
	switch {
	case s.DB == "" || strings.HasPrefix(s.DB, "sqlite:"):
	case strings.HasPrefix(s.DB, "mysql:"):
		if _, err := db.MySQLDSN(strings.TrimPrefix(s.DB, "mysql:")); err != nil {
			bad("db", "MySQL 连接串无效 / %v", err)
		}
	default:
		bad("db", `应为空（SQLite）或以 "mysql:" 开头 / must be empty or start with "mysql:"`)
	}
	if _, _, err := s.demo(); err != nil {
		bad("demo", "应为 true、false 或空 / %v", err)
	}
	switch s.LogFormat {
	case "auto", "json", "text":
	default:
		bad("log_format", "应为 auto、json 或 text / must be auto, json or text, not %q", s.LogFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		bad("log_level", "应为 debug、info、warn 或 error / %v", err)
	}
	if s.PIIKey != "" {
		if _, err := pii.FromSecret(s.PIIKey); err != nil {
			bad("pii_key", "证件号码密钥无效 / %v", err)
		}
	}
	for _, p := range s.proxies() {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("trusted_proxies", "%q 不是 IP 地址或 CIDR 网段 / not an IP address or CIDR", p)
		}
	}
	if _, err := s.watchPolicy(); err != nil {
		bad("daily_cap_hours", "每日学时上限应在 0 到 24 之间 / %v", err)
	}
	if s.MaxUploadMB < 1 || s.MaxUploadMB > 100<<10 {
		bad("max_upload_mb", "应在 1 到 102400 之间 / must be 1 to 102400 MB, not %d", s.MaxUploadMB)
	}
	if strings.TrimSpace(s.CertAuthority) == "" {
		bad("cert_authority", "发证机关不能为空 / the issuer must be named")
	}
	if _, err := certs.ParseNumberPattern(s.CertNumberPattern); err != nil {
		bad("cert_number_pattern", "证书编号格式无效 / %v", err)
	}
	if err := checkPublicURL(s.PublicURL); err != nil {
		bad("public_url", "应为 https://域名[/路径] / %v", err)
	}
	if s.tls() {
		if cert, err := loadCertificate(s.TLSCert, s.TLSKey); err != nil {
			bad("tls_cert", "%v", err)
		} else {
			switch left := cert.Leaf.NotAfter.Sub(now); {
			case left < 0:
				notes = append(notes, fmt.Sprintf("TLS 证书已于 %s 过期 / the TLS certificate expired on %s", cert.Leaf.NotAfter.Format(time.DateOnly), cert.Leaf.NotAfter.Format(time.DateOnly)))
			case left < 30*24*time.Hour:
				notes = append(notes, fmt.Sprintf("TLS 证书将于 %s 过期 / the TLS certificate expires on %s", cert.Leaf.NotAfter.Format(time.DateOnly), cert.Leaf.NotAfter.Format(time.DateOnly)))
			}
		}
		if strings.HasPrefix(s.PublicURL, "http://") {
			notes = append(notes, "已直接提供 HTTPS，但 public_url 是 http:// / serving TLS while public_url says http://")
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"read_header_timeout", s.ReadHeaderTimeout}, {"read_timeout", s.ReadTimeout}, {"upload_timeout", s.UploadTimeout}, {"write_timeout", s.WriteTimeout}, {"idle_timeout", s.IdleTimeout}} {
		if d.v <= 0 {
			bad(d.key, "应为正的时长，如 \"30s\" / must be a positive duration, not %v", d.v)
		}
	}
	if s.ReadHeaderTimeout > s.ReadTimeout && s.ReadTimeout > 0 {
		bad("read_header_timeout", "不能长于 read_timeout（%v）/ must not exceed read_timeout", s.ReadTimeout)
	}
	if s.UploadTimeout < s.ReadTimeout && s.UploadTimeout > 0 {
		bad("upload_timeout", "不能短于 read_timeout（%v）/ must not be shorter than read_timeout", s.ReadTimeout)
	}
	if s.UploadMinRateKB < 0 {
		bad("upload_min_rate", "不能为负 / must not be negative")
	}
	if _, err := s.Live.config(slog.New(slog.DiscardHandler)); err != nil {
		bad("live", "直播设置有误 / %v", err)
	}
	if s.MaxHeaderKB < 1 || s.MaxHeaderKB > 1024 {
		bad("max_header_kb", "应在 1 到 1024 之间 / must be 1 to 1024 KiB, not %d", s.MaxHeaderKB)
	}
	if s.NodeName != "" {
		if err := jobs.CheckNode(s.NodeName); err != nil {
			bad("node_name", "%v", err)
		}
	}
	if out := s.outsideData(); len(out) > 0 {
		notes = append(notes, fmt.Sprintf("%s 不在 data 目录中，anpei backup 不会备份它们，请另行备份（共享存储）/ outside data, not in `anpei backup` archives: back them up with the shared storage",
			strings.Join(out, "、")))
	}
	return problems, notes
}

// checkAddr accepts what net.Listen("tcp", …) does: [host]:port.
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("监听地址应为 [主机]:端口，如 \":8080\" / want [host]:port such as \":8080\": %v", err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("端口 %q 无效 / bad port %q", port, port)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("主机 %q 无效 / bad host %q", host, host)
	}
	return nil
}

// loadCertificate reads a PEM certificate chain and its key and checks
// they are a pair; Leaf is filled.
func loadCertificate(certFile, keyFile string) (*tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("tls_cert 与 tls_key 须同时设置 / tls_cert and tls_key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("无法使用 TLS 证书和私钥（文件不可读、格式不对或不是一对）/ cannot use the TLS certificate and key: %w", err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("TLS 证书无法解析 / bad TLS certificate: %w", err)
		}
	}
	return &cert, nil
}
