// Package server is anpei's HTTP layer: the only package that imports Gin.
// Handlers decode, check, call one store use case, and respond; the JSON
// API and the server-rendered pages share those handlers' logic.
package server

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/assets"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/compliance"
	"anpei/course"
	"anpei/exam"
	"anpei/lecture"
	"anpei/live"
	"anpei/media"
	"anpei/notify"
	"anpei/pii"
	"anpei/roster"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	// SecureCookies marks the session cookie Secure (set when serving TLS).
	SecureCookies bool
	// TrustedProxies may set X-Forwarded-For; empty trusts none.
	TrustedProxies []string
	// MaxBody caps JSON request bodies (default 1 MiB).
	MaxBody int64
	// MaxUpload caps file uploads (default 20 MiB).
	MaxUpload int64
	// MaxMedia caps lesson videos and documents and sign-in sheets
	// (default 500 MiB).
	MaxMedia int64
	// LoginEvery and LoginBurst throttle login attempts per client IP.
	LoginEvery time.Duration
	LoginBurst int
	Now        func() time.Time
	// Demo shows the demo accounts on the login page.
	Demo bool
	// PublicURL is where people reach anpei (for certificate QR codes);
	// empty = the scheme and host of each request.
	PublicURL string
	// Recordings is the directory live lectures are recorded into (one
	// directory per session start); empty = not recorded.
	Recordings string
	// VerifyEvery and VerifyBurst throttle the public certificate lookup
	// per client IP (default one every 2 s, bursts of 30).
	VerifyEvery time.Duration
	VerifyBurst int
}

// Deps are the stores and services the handlers call; main.go wires them.
type Deps struct {
	DB       *gorm.DB
	Accounts *account.Store
	Roster   *roster.Store
	Courses  *course.Store
	Exams    *exam.Store
	Certs    *certs.Store
	// Compliance is the certified-on-duty evaluation and its roll-ups.
	Compliance *compliance.Store
	Signer     *signing.Keyring
	Media      *media.Store
	Keys       *pii.Keyring
	Notices    *notify.Store
	// Lectures are the live sessions (直播课) and Live the media node that
	// carries them; without Live the rooms work without audio and video.
	Lectures *lecture.Store
	Live     *live.Node
	Logger   *slog.Logger
}

// Server holds the Gin engine and everything handlers need.
type Server struct {
	cfg      Config
	deps     Deps
	logger   *slog.Logger
	engine   *gin.Engine
	pages    map[string]*template.Template
	registry *prometheus.Registry
	metrics  *httpMetrics
	throttle *account.Throttle
	// verifyThrottle limits the public certificate lookup per client IP.
	verifyThrottle *account.Throttle
	routes         []route
	liveRooms      *liveRooms
}

// New builds the server and registers every route. It returns an error
// when the embedded templates do not parse.
func New(cfg Config, deps Deps) (*Server, error) {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 20 << 20
	}
	if cfg.MaxMedia == 0 {
		cfg.MaxMedia = 500 << 20
	}
	if cfg.LoginEvery == 0 {
		cfg.LoginEvery = 6 * time.Second
	}
	if cfg.LoginBurst == 0 {
		cfg.LoginBurst = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.VerifyEvery == 0 {
		cfg.VerifyEvery = 2 * time.Second
	}
	if cfg.VerifyBurst == 0 {
		cfg.VerifyBurst = 30
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	pages, err := assets.Pages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, logger: deps.Logger, pages: pages,
		throttle:       account.NewThrottle(cfg.LoginEvery, cfg.LoginBurst, cfg.Now),
		verifyThrottle: account.NewThrottle(cfg.VerifyEvery, cfg.VerifyBurst, cfg.Now)}
	s.liveRooms = newLiveRooms(s)
	s.registry, s.metrics = newMetrics(deps.DB)
	registerLiveMetrics(s.registry, deps.Live)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	e.Use(s.requestID, s.recover, s.observe, s.securityHeaders, s.limitBody, s.loadSession)
	e.NoRoute(s.notFound)
	e.NoMethod(func(c *gin.Context) { s.fail(c, errMethod) })
	s.engine = e
	s.register()
	return s, nil
}

// Handler returns the HTTP handler serving everything.
func (s *Server) Handler() http.Handler { return s.engine }

// Ready reports whether the database answers within ctx.
func (s *Server) Ready(ctx context.Context) error {
	sqlDB, err := s.deps.DB.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return sqlDB.PingContext(ctx)
}
