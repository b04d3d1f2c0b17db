package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"anpei/certs"
	"anpei/course"
)

// settings are the contract's flags, each also an environment variable
// (the flag wins).
type settings struct {
	Addr      string
	Data      string
	DB        string
	Demo      string // "", "true" or "false"; empty = demo when the database is empty
	LogFormat string // auto, json or text
	LogLevel  string
	PIIKey    string // base64 secret instead of the key file in --data
	// TrustedProxies may set X-Forwarded-For (comma-separated IPs/CIDRs);
	// empty trusts none, so the client IP is the connection's.
	TrustedProxies string
	// SecureCookies marks the session cookie Secure: set it when a TLS
	// reverse proxy serves anpei.
	SecureCookies bool
	// DailyCapHours is the most online 学时 a learner is credited per day
	// (China time); MaxUploadMB caps lesson files and sign-in sheets.
	DailyCapHours float64
	MaxUploadMB   int64
	// CertAuthority is the issuer printed on anpei's certificates;
	// CertNumberPattern how their numbers look (certs.ParseNumberPattern).
	CertAuthority     string
	CertNumberPattern string
	// RequireVerifiedCerts: compliance counts a registered state
	// certificate only once a regulator has verified it.
	RequireVerifiedCerts bool
	// PublicURL is the address people reach anpei at (https://…), put in
	// the QR code of every certificate; empty = the address of the request.
	PublicURL string
}

// flags registers the shared settings on fs with env defaults.
func (s *settings) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.Addr, "addr", env("ANPEI_ADDR", ":8080"), "listen address (ANPEI_ADDR)")
	fs.StringVar(&s.Data, "data", env("ANPEI_DATA", "./data"), "directory for the embedded database, uploads and keys (ANPEI_DATA)")
	fs.StringVar(&s.DB, "db", env("ANPEI_DB", ""), `database: empty = SQLite file in --data, or "mysql:<DSN>" (ANPEI_DB)`)
	fs.StringVar(&s.Demo, "demo", env("ANPEI_DEMO", ""), "seed the demo district: true, false, or empty = when the database is empty (ANPEI_DEMO)")
	fs.StringVar(&s.LogFormat, "log-format", env("ANPEI_LOG_FORMAT", "auto"), "log format: auto (text on a terminal, else JSON), json, text (ANPEI_LOG_FORMAT)")
	fs.StringVar(&s.LogLevel, "log-level", env("ANPEI_LOG_LEVEL", "info"), "log level: debug, info, warn, error (ANPEI_LOG_LEVEL)")
	fs.StringVar(&s.TrustedProxies, "trusted-proxies", env("ANPEI_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, comma-separated IPs or CIDRs (ANPEI_TRUSTED_PROXIES)")
	fs.BoolVar(&s.SecureCookies, "secure-cookies", env("ANPEI_SECURE_COOKIES", "") == "true", "mark the session cookie Secure, for a TLS reverse proxy (ANPEI_SECURE_COOKIES)")
	fs.Float64Var(&s.DailyCapHours, "daily-cap-hours", envFloat("ANPEI_DAILY_CAP_HOURS", 8), "most online 学时 credited to a learner per day, China time (ANPEI_DAILY_CAP_HOURS)")
	fs.Int64Var(&s.MaxUploadMB, "max-upload-mb", int64(envFloat("ANPEI_MAX_UPLOAD_MB", 500)), "largest lesson video, document or sign-in sheet, in MB (ANPEI_MAX_UPLOAD_MB)")
	fs.StringVar(&s.CertAuthority, "cert-authority", env("ANPEI_CERT_AUTHORITY", "麒麟区应急管理局"), "issuer printed on anpei's certificates (ANPEI_CERT_AUTHORITY)")
	fs.StringVar(&s.CertNumberPattern, "cert-number-pattern", env("ANPEI_CERT_NUMBER_PATTERN", certs.DefaultNumberPattern),
		"certificate numbers: text and {prefix} {year} {seq:N} {check:N} (ANPEI_CERT_NUMBER_PATTERN)")
	fs.BoolVar(&s.RequireVerifiedCerts, "require-verified-certs", env("ANPEI_REQUIRE_VERIFIED_CERTS", "") == "true",
		"count a registered state certificate for 持证上岗 only once verified against the national query service (ANPEI_REQUIRE_VERIFIED_CERTS)")
	fs.StringVar(&s.PublicURL, "public-url", env("ANPEI_PUBLIC_URL", ""), "public address for certificate QR codes, e.g. https://px.qilin.gov.cn; empty = the request's (ANPEI_PUBLIC_URL)")
	fs.StringVar(&s.PIIKey, "pii-key", env("ANPEI_PII_KEY", ""), "base64 key for ID-number encryption instead of the key file in --data (ANPEI_PII_KEY)")
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envFloat reads a number from the environment; a value that is not a
// number is left to the flag's own check by returning NaN.
func envFloat(name string, def float64) float64 {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// watchPolicy is the default watch-time policy with the daily cap setting
// (0 keeps the default of 8 学时).
func (s *settings) watchPolicy() (course.Policy, error) {
	p := course.DefaultPolicy()
	if s.DailyCapHours == 0 { // unset: the default
		return p, nil
	}
	if !(s.DailyCapHours > 0 && s.DailyCapHours <= 24) {
		return p, fmt.Errorf("--daily-cap-hours must be a number of 学时 between 0 and 24, not %v", s.DailyCapHours)
	}
	p.DailyCap = time.Duration(s.DailyCapHours * float64(course.OnlineHour))
	return p, nil
}

// demo reports whether to seed: explicit true/false, or empty when unset.
func (s *settings) demo() (value, set bool, err error) {
	if strings.TrimSpace(s.Demo) == "" {
		return false, false, nil
	}
	v, err := strconv.ParseBool(s.Demo)
	if err != nil {
		return false, false, fmt.Errorf("--demo must be true or false, not %q", s.Demo)
	}
	return v, true, nil
}

// logger builds the slog logger: JSON in production, text on a terminal.
func (s *settings) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := s.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be auto, json or text, not %q", s.LogFormat)
}

// proxies splits --trusted-proxies.
func (s *settings) proxies() []string {
	var out []string
	for _, p := range strings.Split(s.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
