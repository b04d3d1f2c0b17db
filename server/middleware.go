package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	ctxLogger    = "anpei.logger"
	ctxRequestID = "anpei.request_id"
	ctxCurrent   = "anpei.current"
	headerReqID  = "X-Request-ID"
)

var reqIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID gives every request an ID (kept from a proxy when it looks
// sane), echoes it in the response and puts it on every log line.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(headerReqID)
	if !reqIDRe.MatchString(id) {
		var b [12]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Set(ctxLogger, s.logger.With("request_id", id))
	c.Header(headerReqID, id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// recover turns a panic into a logged 500 with nothing internal shown.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// observe logs each request (path only: a query may hold a searched ID
// number) and records its metrics by route template.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	s.metrics.observe(c.Request.Method, route, status, elapsed)
	attrs := []any{"method", c.Request.Method, "route", route, "status", status, "ms", elapsed.Milliseconds()}
	if cur, ok := current(c); ok {
		attrs = append(attrs, "user_id", cur.Principal.UserID)
	}
	log := s.log(c)
	switch {
	case status >= 500:
		log.Error("request", attrs...)
	case strings.HasPrefix(route, "/static/") || route == "/healthz" || route == "/readyz" || route == "/metrics":
		log.Debug("request", attrs...)
	default:
		log.Info("request", attrs...)
	}
}

// securityHeaders keeps pages from loading anything from elsewhere.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	// HSTS on HTTPS: served directly, or through a TLS proxy the operator
	// declared with --secure-cookies (browsers ignore it over plain HTTP).
	if c.Request.TLS != nil || s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// limitBody caps request bodies; upload routes raise the cap themselves.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := s.cfg.MaxBody
		if strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/") {
			limit = s.cfg.MaxUpload
			if mediaRoutes[c.FullPath()] {
				limit = s.cfg.MaxMedia
			}
		}
		if c.Request.ContentLength > limit {
			s.fail(c, errTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.fail(c, errRouteNotFound)
		return
	}
	s.renderStatus(c, http.StatusNotFound, "页面不存在", "您访问的页面不存在，可能已被移除或地址有误。")
}
