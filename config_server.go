package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// httpServer is the http.Server for h with the settings' limits against
// slow clients:
//
//   - the request line and headers within --read-header-timeout, at most
//     --max-header-kb;
//   - a request body within --read-timeout plus one second for every
//     --upload-min-rate KiB received so far, never more than
//     --upload-timeout: a 500 MB lesson on a slow but steady line gets in,
//     a body dribbled a byte a second is cut after --read-timeout;
//   - once the body is read (or when there is none) no read deadline, so a
//     long export is not cancelled by it;
//   - every write must be taken by the client within --write-timeout, the
//     deadline moving on with each write: a video streams as long as it is
//     watched, a client that stops reading is cut;
//   - a hijacked connection (WebSocket) has its deadlines cleared and
//     manages its own;
//   - keep-alive connections idle for --idle-timeout are closed.
func (s *settings) httpServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           &paced{next: h, read: s.ReadTimeout, upload: s.UploadTimeout, rate: s.UploadMinRateKB << 10, write: s.WriteTimeout},
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		ReadTimeout:       s.ReadTimeout,
		WriteTimeout:      s.WriteTimeout,
		IdleTimeout:       s.IdleTimeout,
		MaxHeaderBytes:    int(s.MaxHeaderKB << 10),
		ErrorLog:          log.New(serverLog{logger}, "", 0),
	}
}

// paced moves a request's read and write deadlines as data flows.
type paced struct {
	next         http.Handler
	read, upload time.Duration
	rate         int64 // bytes per second earning more time; 0 = the whole upload timeout
	write        time.Duration
}

func (p *paced) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The write deadline runs from each write, not from the request: a
	// report that takes minutes to compute is not cut before its first
	// byte (on HTTP/2 the deadline is a timer that would reset the stream).
	rc.SetWriteDeadline(time.Time{})
	if r.Body == nil || r.Body == http.NoBody {
		rc.SetReadDeadline(time.Time{})
	} else {
		r.Body = &pacedBody{ReadCloser: r.Body, rc: rc, p: p, start: time.Now()}
	}
	p.next.ServeHTTP(&pacedWriter{ResponseWriter: w, rc: rc, d: p.write}, r)
}

// pacedBody extends the read deadline as the body arrives.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	p     *paced
	start time.Time
	n     int64
	set   time.Time // the deadline last set
	done  bool
}

func (b *pacedBody) Read(buf []byte) (int, error) {
	if !b.done {
		max := b.start.Add(b.p.upload)
		dl := max
		if b.p.rate > 0 {
			dl = b.start.Add(b.p.read + time.Duration(float64(b.n)/float64(b.p.rate)*float64(time.Second)))
			if dl.After(max) {
				dl = max
			}
		}
		if b.set.IsZero() || dl.Sub(b.set) >= 100*time.Millisecond {
			if err := b.rc.SetReadDeadline(dl); err == nil {
				b.set = dl
			}
		}
	}
	n, err := b.ReadCloser.Read(buf)
	b.n += int64(n)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// pacedWriter gives each write --write-timeout to reach the client.
type pacedWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	d    time.Duration
	last time.Time
}

func (w *pacedWriter) extend() {
	if w.d <= 0 {
		return
	}
	if now := time.Now(); now.Sub(w.last) >= w.d/16 {
		if err := w.rc.SetWriteDeadline(now.Add(w.d)); err == nil {
			w.last = now
		}
	}
}

func (w *pacedWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

func (w *pacedWriter) Write(b []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(b)
}

func (w *pacedWriter) Flush() {
	w.extend()
	w.rc.Flush()
}

// Hijack hands the connection over without deadlines: a WebSocket keeps
// its own (pings), not the request's.
func (w *pacedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := w.rc.Hijack()
	if err == nil {
		c.SetDeadline(time.Time{})
	}
	return c, rw, err
}

// CloseNotify is asked for by gin's writer; it passes through.
func (w *pacedWriter) CloseNotify() <-chan bool {
	if cn, ok := w.ResponseWriter.(http.CloseNotifier); ok { //nolint:staticcheck // gin asks for it
		return cn.CloseNotify()
	}
	return make(chan bool)
}

func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// serverLog puts net/http's own complaints in the structured log: TLS
// handshake failures (scanners, old clients) at debug, the rest as warnings.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Write(p []byte) (int, error) {
	msg := string(bytes.TrimSpace(p))
	level := slog.LevelWarn
	if bytes.Contains(p, []byte("TLS handshake error")) {
		level = slog.LevelDebug
	}
	l.log.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}

// certHolder serves the TLS certificate and reloads it from its files.
type certHolder struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

func newCertHolder(certFile, keyFile string) (*certHolder, error) {
	h := &certHolder{certFile: certFile, keyFile: keyFile}
	return h, h.reload()
}

// reload reads the files again; on an error the certificate in use stays.
func (h *certHolder) reload() error {
	c, err := loadCertificate(h.certFile, h.keyFile)
	if err != nil {
		return err
	}
	h.cur.Store(c)
	return nil
}

func (h *certHolder) current() *tls.Certificate { return h.cur.Load() }

// tlsConfig is TLS 1.2 and newer with the holder's certificate (HTTP/2 is
// offered by http.Server.ServeTLS).
func (h *certHolder) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return h.cur.Load(), nil
		},
	}
}
