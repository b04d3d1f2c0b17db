package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cfgWriteCert writes a self-signed certificate for 127.0.0.1 and
// localhost with the common name cn to dir/cert.pem and dir/key.pem.
func cfgWriteCert(t *testing.T, dir, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func cfgCert(t *testing.T, cn string) (string, string) { return cfgWriteCert(t, t.TempDir(), cn) }

// cfgServe runs serve in this process on a free loopback port with a
// fresh SQLite data directory and no demo; it returns the base URL, the
// banner output and the logs. The server stops at the end of the test.
func cfgServe(t *testing.T, args ...string) (base string, out, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs = &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	all := append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo=false", "--log-format", "json"}, args...)
	go func() { done <- serve(ctx, all, out, logs) }()
	re := regexp.MustCompile(`serving on (\S+)`)
	deadline := time.Now().Add(90 * time.Second)
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start\n%s", logs.String())
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return base, out, logs
}

// firstAdminPassword is the password serve prints once for a new
// production database.
func firstAdminPassword(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`its password, shown once: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no admin password in %q", out)
	}
	return m[1]
}

func loginCookie(t *testing.T, c *http.Client, base, pw string) *http.Cookie {
	t.Helper()
	res, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("login: %d %s", res.StatusCode, b)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "anpei_session" {
			return ck
		}
	}
	t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
	return nil
}

func peerName(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// TestServeTLS: serve with --tls-cert/--tls-key speaks HTTPS (TLS 1.2+,
// HTTP/2), sends HSTS, marks the session cookie Secure, and reloads the
// certificate on SIGHUP (keeping the old one when the new files are bad).
func TestServeTLS(t *testing.T) {
	cfgClearEnv(t)
	dir := t.TempDir()
	certFile, keyFile := cfgWriteCert(t, dir, "first.anpei.test")
	base, out, logs := cfgServe(t, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("banner URL %q", base)
	}
	addr := strings.TrimPrefix(base, "https://")
	pem1, _ := os.ReadFile(certFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem1)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}

	res, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "max-age=31536000" || res.ProtoMajor != 2 {
		t.Errorf("/healthz over TLS: %d %s, HSTS %q", res.StatusCode, res.Proto, res.Header.Get("Strict-Transport-Security"))
	}
	if ck := loginCookie(t, c, base, firstAdminPassword(t, out.String())); !ck.Secure || !ck.HttpOnly {
		t.Errorf("session cookie over TLS: Secure=%v HttpOnly=%v", ck.Secure, ck.HttpOnly)
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}

	// A broken key file: SIGHUP logs it and the old certificate stays.
	os.WriteFile(keyFile, []byte("not a key"), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	for i := 0; i < 100 && !strings.Contains(logs.String(), "not reloaded"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "not reloaded") || peerName(t, addr) != "first.anpei.test" {
		t.Fatalf("after a bad reload: serving %q; logs:\n%s", peerName(t, addr), logs.String())
	}
	cfgWriteCert(t, dir, "second.anpei.test")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	got := ""
	for i := 0; i < 100 && got != "second.anpei.test"; i++ {
		time.Sleep(50 * time.Millisecond)
		got = peerName(t, addr)
	}
	if got != "second.anpei.test" {
		t.Errorf("after SIGHUP the server presents %q", got)
	}
}

// TestHSTSBehindTLSProxy: --secure-cookies (a TLS proxy in front) gives
// HSTS and a Secure cookie on plain HTTP from the proxy; without it,
// neither (TestSlowClients checks the absence).
func TestHSTSBehindTLSProxy(t *testing.T) {
	cfgClearEnv(t)
	base, out, _ := cfgServe(t, "--secure-cookies", "--trusted-proxies", "127.0.0.1")
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("HSTS behind a declared TLS proxy: %q", res.Header.Get("Strict-Transport-Security"))
	}
	if ck := loginCookie(t, &http.Client{Timeout: 20 * time.Second}, base, firstAdminPassword(t, out.String())); !ck.Secure {
		t.Error("session cookie not Secure with --secure-cookies")
	}
}

// slowConn dribbles prefix then body one byte per interval on a raw
// connection and reports when the server cut it and how much was sent.
type slowResult struct {
	cutAfter time.Duration
	sent     int
	total    int
	err      error
}

func dribble(addr, prefix, body string, every time.Duration, res chan<- slowResult) {
	start := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		res <- slowResult{err: err}
		return
	}
	defer conn.Close()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn) // until the server closes
		closed <- time.Since(start)
	}()
	all := prefix + body
	sent := 0
	// A header dribbler sends most of its headers at once, a body
	// dribbler all of them.
	first := len(prefix)
	if body == "" {
		first -= len(prefix) / 4
	}
	if _, err := conn.Write([]byte(prefix[:first])); err == nil {
		sent = first
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for sent < len(all) {
		select {
		case d := <-closed:
			res <- slowResult{cutAfter: d, sent: sent, total: len(all)}
			return
		case <-t.C:
			if _, err := conn.Write([]byte{all[sent]}); err != nil {
				res <- slowResult{cutAfter: time.Since(start), sent: sent, total: len(all)}
				return
			}
			sent++
		}
	}
	res <- slowResult{cutAfter: -1, sent: sent, total: len(all)}
}

// TestSlowClients: slowloris connections, headers or bodies dribbled a
// byte a second, are cut by the header and read timeouts while a normal
// client's requests keep being answered fast; an oversized header is
// refused and an idle keep-alive connection closed.
func TestSlowClients(t *testing.T) {
	cfgClearEnv(t)
	base, _, _ := cfgServe(t, "--read-header-timeout", "2s", "--read-timeout", "3s", "--upload-min-rate", "1",
		"--write-timeout", "5s", "--idle-timeout", "2s", "--max-header-kb", "8")
	addr := strings.TrimPrefix(base, "http://")

	const headerConns, bodyConns = 100, 30
	results := make(chan slowResult, headerConns+bodyConns)
	for i := 0; i < headerConns; i++ {
		go dribble(addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "+strings.Repeat("a", 40)+"\r\n\r\n", "", time.Second, results)
	}
	body := `{"username":"nobody","password":"` + strings.Repeat("x", 40) + `"}`
	for i := 0; i < bodyConns; i++ {
		go dribble(addr, fmt.Sprintf("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)), body, time.Second, results)
	}

	// Meanwhile a normal client.
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{Timeout: 10 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			path := []string{"/healthz", "/login", "/readyz"}[i%3]
			start := time.Now()
			res, err := c.Get(base + path)
			d := time.Since(start)
			mu.Lock()
			if err != nil {
				failures = append(failures, err.Error())
			} else {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failures = append(failures, fmt.Sprintf("%s: %d", path, res.StatusCode))
				}
				if res.Header.Get("Strict-Transport-Security") != "" {
					failures = append(failures, "HSTS on plain HTTP without --secure-cookies")
				}
			}
			latencies = append(latencies, d)
			mu.Unlock()
		}
	}()

	var headerCuts, bodyCuts []time.Duration
	for i := 0; i < headerConns+bodyConns; i++ {
		r := <-results
		switch {
		case r.err != nil:
			t.Fatal(r.err)
		case r.cutAfter < 0:
			t.Fatalf("a slow connection sent all %d bytes without being cut", r.total)
		case r.sent >= r.total:
			t.Fatalf("a slow connection was cut only after sending everything")
		}
		if r.total > 120 {
			bodyCuts = append(bodyCuts, r.cutAfter)
		} else {
			headerCuts = append(headerCuts, r.cutAfter)
		}
	}
	close(stop)
	wg.Wait()
	sort.Slice(headerCuts, func(i, j int) bool { return headerCuts[i] < headerCuts[j] })
	sort.Slice(bodyCuts, func(i, j int) bool { return bodyCuts[i] < bodyCuts[j] })
	t.Logf("headers cut after %v…%v, bodies after %v…%v", headerCuts[0], headerCuts[len(headerCuts)-1], bodyCuts[0], bodyCuts[len(bodyCuts)-1])
	if len(headerCuts) != headerConns || headerCuts[0] < 1500*time.Millisecond || headerCuts[len(headerCuts)-1] > 5*time.Second {
		t.Errorf("header dribblers (read-header-timeout 2s) cut after %v…%v", headerCuts[0], headerCuts[len(headerCuts)-1])
	}
	if len(bodyCuts) != bodyConns || bodyCuts[0] < 2500*time.Millisecond || bodyCuts[len(bodyCuts)-1] > 7*time.Second {
		t.Errorf("body dribblers (read-timeout 3s) cut after %v…%v", bodyCuts[0], bodyCuts[len(bodyCuts)-1])
	}
	mu.Lock()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	if len(failures) > 0 || len(latencies) < 20 {
		t.Errorf("normal client: %d requests, failures %v", len(latencies), failures)
	} else {
		t.Logf("normal client: %d requests, median %v, max %v", len(latencies), latencies[len(latencies)/2], latencies[len(latencies)-1])
		if max := latencies[len(latencies)-1]; max > 1500*time.Millisecond {
			t.Errorf("a normal request took %v while slow clients were connected", max)
		}
	}
	mu.Unlock()

	// Headers beyond --max-header-kb: 431.
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 16<<10))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header with max-header-kb 8: %v %v", err, res)
	}

	// An idle keep-alive connection is closed after --idle-timeout.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF || time.Since(start) > 4*time.Second {
		t.Errorf("idle connection: %v after %v, want EOF after about 2s", err, time.Since(start))
	}
}

// pacedServer serves h with the slow-client limits of s.
func pacedServer(t *testing.T, s settings, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.httpServer(h, slog.New(slog.DiscardHandler))
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

func pacedSettings() settings {
	return settings{ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, UploadMinRateKB: 16, UploadTimeout: 2500 * time.Millisecond,
		WriteTimeout: time.Second, IdleTimeout: 5 * time.Second, MaxHeaderKB: 8}
}

// upload sends size bytes in chunks every interval and returns the
// server's answer or the error.
func upload(addr string, size, chunk int, every time.Duration) (string, time.Duration, error) {
	start := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	go func() {
		buf := bytes.Repeat([]byte("u"), chunk)
		for sent := 0; sent < size; sent += chunk {
			if _, err := conn.Write(buf[:min(chunk, size-sent)]); err != nil {
				return
			}
			time.Sleep(every)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", time.Since(start), err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return strconv.Itoa(res.StatusCode) + " " + string(b), time.Since(start), nil
}

// TestPacedDeadlines checks the deadlines of config_server.go one by one
// with read, write and upload timeouts of a second or two.
func TestPacedDeadlines(t *testing.T) {
	readAll := func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			w.WriteHeader(http.StatusRequestTimeout)
			fmt.Fprintf(w, "cut after %d bytes: deadline=%v", n, errors.Is(err, os.ErrDeadlineExceeded))
			return
		}
		fmt.Fprintf(w, "got %d", n)
	}
	t.Run("steady upload outlasts the read timeout", func(t *testing.T) {
		addr := pacedServer(t, pacedSettings(), readAll)
		// 80 KiB at 32 KiB/s: 2.5 s, well past the 1 s read timeout.
		got, d, err := upload(addr, 80<<10, 8<<10, 250*time.Millisecond)
		if err != nil || got != fmt.Sprintf("200 got %d", 80<<10) || d < 2*time.Second {
			t.Errorf("steady upload: %q after %v, %v", got, d, err)
		}
	})
	t.Run("dribbled body is cut", func(t *testing.T) {
		addr := pacedServer(t, pacedSettings(), readAll)
		got, d, err := upload(addr, 100, 1, 200*time.Millisecond)
		if err != nil || !strings.HasPrefix(got, "408 cut after") || !strings.HasSuffix(got, "deadline=true") || d > 2500*time.Millisecond {
			t.Errorf("dribbled body: %q after %v, %v", got, d, err)
		}
	})
	t.Run("no body may take longer than the upload timeout", func(t *testing.T) {
		addr := pacedServer(t, pacedSettings(), readAll)
		// 160 KiB at 64 KiB/s takes 2.5 s; the cap is 2.5 s after the
		// headers, so the tail is refused.
		got, d, err := upload(addr, 200<<10, 16<<10, 250*time.Millisecond)
		if err != nil || !strings.HasPrefix(got, "408 cut after") || d > 4*time.Second {
			t.Errorf("upload past the cap: %q after %v, %v", got, d, err)
		}
	})
	t.Run("a long handler is not cancelled by the read timeout", func(t *testing.T) {
		addr := pacedServer(t, pacedSettings(), func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2500 * time.Millisecond)
			if err := r.Context().Err(); err != nil {
				http.Error(w, "cancelled: "+err.Error(), 500)
				return
			}
			fmt.Fprint(w, "alive")
		})
		res, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/slow")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "alive" {
			t.Errorf("long handler: %d %s", res.StatusCode, b)
		}
	})
	stream := func(total int, result chan<- error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("v"), 32<<10)
			for sent := 0; sent < total; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					result <- err
					return
				}
			}
			result <- nil
		}
	}
	t.Run("a client that stops reading is cut", func(t *testing.T) {
		result := make(chan error, 1)
		addr := pacedServer(t, pacedSettings(), stream(1<<30, result))
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET /video HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case err := <-result:
			if err == nil {
				t.Error("the handler wrote 1 GiB to a client that reads nothing")
			}
		case <-time.After(8 * time.Second):
			t.Error("a write to a client that reads nothing was not cut within 8 s")
		}
	})
	t.Run("a stream goes on while the client reads", func(t *testing.T) {
		result := make(chan error, 1)
		const total = 48 << 20
		addr := pacedServer(t, pacedSettings(), stream(total, result))
		res, err := (&http.Client{Timeout: 20 * time.Second}).Get("http://" + addr + "/video")
		if err != nil {
			t.Fatal(err)
		}
		start, n := time.Now(), 0
		buf := make([]byte, 1<<20)
		for {
			m, err := io.ReadFull(res.Body, buf)
			n += m
			if err != nil {
				break
			}
			time.Sleep(60 * time.Millisecond) // ~16 MiB/s: 3 s in all, past the 1 s write timeout
		}
		res.Body.Close()
		if err := <-result; err != nil || n != total || time.Since(start) < 2*time.Second {
			t.Errorf("stream read slowly: %d of %d bytes in %v, handler: %v", n, total, time.Since(start), err)
		}
	})
	t.Run("a hijacked connection keeps no deadline", func(t *testing.T) {
		addr := pacedServer(t, pacedSettings(), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Upgrade", "echo")
			w.Header().Set("Connection", "Upgrade")
			w.WriteHeader(http.StatusSwitchingProtocols)
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			time.Sleep(1500 * time.Millisecond)
			line, err := rw.ReadString('\n')
			if err == nil {
				_, err = conn.Write([]byte("echo " + line))
			}
			if err != nil {
				t.Errorf("hijacked connection after 1.5 s: %v", err)
			}
		})
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 101 {
			t.Fatalf("upgrade: %v %v", res, err)
		}
		time.Sleep(1200 * time.Millisecond)
		fmt.Fprint(conn, "hello\n")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if line, err := br.ReadString('\n'); line != "echo hello\n" {
			t.Errorf("after the timeouts: %q %v", line, err)
		}
	})
}
