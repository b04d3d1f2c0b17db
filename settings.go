package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"anpei/certs"
	"anpei/course"
)

// settings are the contract's flags, each also an environment variable and
// a key of the optional TOML file (--config): flag > environment > file >
// default. The resolution is in config_file.go.
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
	// SecureCookies marks the session cookie Secure and sends HSTS: set it
	// when a TLS reverse proxy serves anpei (serving TLS itself implies it).
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

	// TLSCert and TLSKey (PEM files) make serve speak HTTPS itself
	// (TLS 1.2+, HTTP/2); SIGHUP reloads them.
	TLSCert string
	TLSKey  string

	// Timeouts against slow clients (config_server.go): the request line
	// and headers must arrive within ReadHeaderTimeout; a body within
	// ReadTimeout plus one second per UploadMinRateKB KiB received, and at
	// most UploadTimeout; each piece of a response must be taken by the
	// client within WriteTimeout; an idle keep-alive connection is closed
	// after IdleTimeout; headers are at most MaxHeaderKB.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	UploadTimeout     time.Duration
	UploadMinRateKB   int64
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderKB       int64

	// Live is the live lectures' media node (live_wiring.go).
	Live liveSettings

	// Several app servers on one database (jobs_wiring.go): NodeName names
	// this process in the job tables (empty = host name and process ID);
	// UploadsDir is where uploads are kept (empty = --data/uploads), a
	// directory the servers share; KeysDir holds pii-keys.json and
	// cert-keys/ (empty = --data), the same on every server.
	NodeName   string
	UploadsDir string
	KeysDir    string

	// res records where each value came from and any error in the
	// environment or the config file (nil for settings built in code).
	res *resolver
}

// flags registers the shared settings on fs with their defaults, then
// applies the environment and the config file (ANPEI_CONFIG now, --config
// when the command line names one), so that after fs.Parse each setting
// holds flag > environment > file > default. A bad variable or file is
// reported by s.loadErr (and so by s.logger, which every command calls
// first).
func (s *settings) flags(fs *flag.FlagSet) {
	others := map[string]bool{} // flags of the command itself, registered before
	fs.VisitAll(func(f *flag.Flag) { others[f.Name] = true })
	fs.StringVar(&s.Addr, "addr", ":8080", "listen address (ANPEI_ADDR)")
	fs.StringVar(&s.Data, "data", "./data", "directory for the embedded database, uploads and keys (ANPEI_DATA)")
	fs.StringVar(&s.DB, "db", "", `database: empty = SQLite file in --data, or "mysql:<DSN>" (ANPEI_DB)`)
	fs.StringVar(&s.Demo, "demo", "", "seed the demo district: true, false, or empty = when the database is empty (ANPEI_DEMO)")
	fs.StringVar(&s.LogFormat, "log-format", "auto", "log format: auto (text on a terminal, else JSON), json, text (ANPEI_LOG_FORMAT)")
	fs.StringVar(&s.LogLevel, "log-level", "info", "log level: debug, info, warn, error (ANPEI_LOG_LEVEL)")
	fs.StringVar(&s.TrustedProxies, "trusted-proxies", "", "reverse proxies whose X-Forwarded-For is believed, comma-separated IPs or CIDRs (ANPEI_TRUSTED_PROXIES)")
	fs.BoolVar(&s.SecureCookies, "secure-cookies", false, "behind a TLS reverse proxy: mark the session cookie Secure and send HSTS (ANPEI_SECURE_COOKIES)")
	fs.Float64Var(&s.DailyCapHours, "daily-cap-hours", 8, "most online 学时 credited to a learner per day, China time (ANPEI_DAILY_CAP_HOURS)")
	fs.Int64Var(&s.MaxUploadMB, "max-upload-mb", 500, "largest lesson video, document or sign-in sheet, in MB (ANPEI_MAX_UPLOAD_MB)")
	fs.StringVar(&s.CertAuthority, "cert-authority", "麒麟区应急管理局", "issuer printed on anpei's certificates (ANPEI_CERT_AUTHORITY)")
	fs.StringVar(&s.CertNumberPattern, "cert-number-pattern", certs.DefaultNumberPattern,
		"certificate numbers: text and {prefix} {year} {seq:N} {check:N} (ANPEI_CERT_NUMBER_PATTERN)")
	fs.BoolVar(&s.RequireVerifiedCerts, "require-verified-certs", false,
		"count a registered state certificate for 持证上岗 only once verified against the national query service (ANPEI_REQUIRE_VERIFIED_CERTS)")
	fs.StringVar(&s.PublicURL, "public-url", "", "public address for certificate QR codes, e.g. https://px.qilin.gov.cn; empty = the request's (ANPEI_PUBLIC_URL)")
	fs.StringVar(&s.PIIKey, "pii-key", "", "base64 key for ID-number encryption instead of the key file in --data (ANPEI_PII_KEY)")
	fs.StringVar(&s.TLSCert, "tls-cert", "", "PEM certificate chain: serve HTTPS directly, with --tls-key; SIGHUP reloads both (ANPEI_TLS_CERT)")
	fs.StringVar(&s.TLSKey, "tls-key", "", "PEM private key of --tls-cert (ANPEI_TLS_KEY)")
	fs.DurationVar(&s.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send the request line and headers (ANPEI_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&s.ReadTimeout, "read-timeout", 30*time.Second, "time a client has to send a whole request; a body that keeps --upload-min-rate gets more (ANPEI_READ_TIMEOUT)")
	fs.Int64Var(&s.UploadMinRateKB, "upload-min-rate", 4, "KiB/s: each KiB of a request body received earns one more second beyond --read-timeout; 0 = every body may take --upload-timeout (ANPEI_UPLOAD_MIN_RATE)")
	fs.DurationVar(&s.UploadTimeout, "upload-timeout", 3*time.Hour, "longest time any request body may take, e.g. a 500 MB lesson video on a slow line (ANPEI_UPLOAD_TIMEOUT)")
	fs.DurationVar(&s.WriteTimeout, "write-timeout", 2*time.Minute, "time a client has to take each piece of a response; streams go on while it keeps reading (ANPEI_WRITE_TIMEOUT)")
	fs.DurationVar(&s.IdleTimeout, "idle-timeout", 2*time.Minute, "keep-alive connections idle this long are closed (ANPEI_IDLE_TIMEOUT)")
	fs.Int64Var(&s.MaxHeaderKB, "max-header-kb", 64, "largest request line and headers, in KiB (ANPEI_MAX_HEADER_KB)")
	fs.StringVar(&s.Live.ICEServers, "live-ice-servers", "", "STUN/TURN servers for live lectures, comma-separated stun:/turn:/turns: URLs (ANPEI_LIVE_ICE_SERVERS)")
	fs.StringVar(&s.Live.ICEUser, "live-ice-user", "", "username of the TURN servers in --live-ice-servers (ANPEI_LIVE_ICE_USER)")
	fs.StringVar(&s.Live.ICECredential, "live-ice-credential", "", "password of the TURN servers in --live-ice-servers (ANPEI_LIVE_ICE_CREDENTIAL)")
	fs.IntVar(&s.Live.UDPPort, "live-udp-port", 0, "carry all live media over this one UDP port (ICE UDP mux), for a firewalled server; 0 = a port per connection (ANPEI_LIVE_UDP_PORT)")
	fs.StringVar(&s.Live.PublicIPs, "live-public-ips", "", "public IPs of the server behind a 1:1 NAT, announced to browsers, comma-separated (ANPEI_LIVE_PUBLIC_IPS)")
	fs.StringVar(&s.Live.TURNAddr, "live-turn-addr", "", "run the embedded TURN server on this address over UDP and TCP, e.g. :3478, for viewers behind NAT or firewalls (ANPEI_LIVE_TURN_ADDR)")
	fs.StringVar(&s.Live.TURNSecret, "live-turn-secret", "", "secret signing the embedded TURN server's time-limited credentials (ANPEI_LIVE_TURN_SECRET)")
	fs.BoolVar(&s.Live.Loopback, "live-loopback", false, "keep live media on 127.0.0.1: browsers on this machine only (tests, demos) (ANPEI_LIVE_LOOPBACK)")
	fs.StringVar(&s.NodeName, "node-name", "", "this server's name among several on one database, for the run-once background jobs; empty = host name:process ID (ANPEI_NODE_NAME)")
	fs.StringVar(&s.UploadsDir, "uploads-dir", "", "directory of uploaded lesson files and sign-in sheets, shared by all servers (e.g. NFS); empty = --data/uploads (ANPEI_UPLOADS_DIR)")
	fs.StringVar(&s.KeysDir, "keys-dir", "", "directory of pii-keys.json and cert-keys/, the same for all servers; empty = --data (ANPEI_KEYS_DIR)")
	s.res = newResolver(fs, others)
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
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
// Every command calls it first after parsing its flags, so it also reports
// a bad environment variable or config file (s.loadErr).
func (s *settings) logger(w io.Writer) (*slog.Logger, error) {
	if err := s.loadErr(); err != nil {
		return nil, err
	}
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

// uploadsDir is --uploads-dir, or uploads in --data.
func (s *settings) uploadsDir() string {
	if s.UploadsDir != "" {
		return s.UploadsDir
	}
	return filepath.Join(s.Data, "uploads")
}

// keysDir is --keys-dir, or --data: where pii-keys.json and cert-keys/ are.
func (s *settings) keysDir() string {
	if s.KeysDir != "" {
		return s.KeysDir
	}
	return s.Data
}

// outsideData names the settings that put uploads or keys outside --data,
// where `anpei backup` (which archives --data/uploads and the keys in
// --data) does not look.
func (s *settings) outsideData() []string {
	var out []string
	if s.UploadsDir != "" && filepath.Clean(s.UploadsDir) != filepath.Join(s.Data, "uploads") {
		out = append(out, "uploads_dir "+s.UploadsDir)
	}
	if s.KeysDir != "" && filepath.Clean(s.KeysDir) != filepath.Clean(s.Data) {
		out = append(out, "keys_dir "+s.KeysDir)
	}
	return out
}

// tls reports whether serve speaks HTTPS itself.
func (s *settings) tls() bool { return s.TLSCert != "" || s.TLSKey != "" }
