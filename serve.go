package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/demo"
	"anpei/exam"
	"anpei/live"
	"anpei/server"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var s settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := s.logger(stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := s.validate(time.Now(), log); err != nil {
		return usageError{"设置有误 / invalid settings: " + err.Error()}
	}
	wantDemo, demoSet, err := s.demo()
	if err != nil {
		return usageError{err.Error()}
	}
	var tlsCerts *certHolder
	if s.tls() {
		if tlsCerts, err = newCertHolder(s.TLSCert, s.TLSKey); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, s, log)
	if err != nil {
		return err
	}
	defer a.close()

	empty, err := demo.Empty(ctx, a.db)
	if err != nil {
		return err
	}
	seeded := false
	switch {
	case empty && (wantDemo || !demoSet):
		if err := demo.Seed(ctx, a.db, a.accounts, a.roster); err != nil {
			return fmt.Errorf("seed demo district: %w", err)
		}
		seeded = true
	case empty:
		pw, err := demo.FirstAdmin(ctx, a.accounts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已创建管理员账号 admin，初始密码（仅显示这一次）：%s\nCreated the admin account; its password, shown once: %s\n", pw, pw)
	case wantDemo && demoSet:
		log.Info("database not empty: demo data not seeded again")
	}
	isDemo, err := demo.IsDemo(ctx, a.db)
	if err != nil {
		return err
	}
	if isDemo {
		// The catalogue goes in after the district; SeedCourses skips the
		// courses already there, so an interrupted first start completes.
		if err := demo.SeedCourses(ctx, a.courses, a.media); err != nil {
			return fmt.Errorf("seed demo courses: %w", err)
		}
		if err := demo.SeedExams(ctx, a.accounts, a.roster, a.courses, a.exams, time.Now()); err != nil {
			return fmt.Errorf("seed demo exams: %w", err)
		}
		if err := demo.SeedCerts(ctx, a.accounts, a.roster, a.certs, time.Now()); err != nil {
			return fmt.Errorf("seed demo certificates: %w", err)
		}
		if err := demo.SeedTraining(ctx, a.db, a.roster, a.courses, time.Now()); err != nil {
			return fmt.Errorf("seed demo training: %w", err)
		}
		if err := demo.SeedLectures(ctx, a.db, a.accounts, a.roster, a.courses, time.Now()); err != nil {
			return fmt.Errorf("seed demo live session: %w", err)
		}
		if err := demo.SeedComplianceHistory(ctx, a.compliance, time.Now()); err != nil {
			return fmt.Errorf("seed demo compliance history: %w", err)
		}
	}

	liveCfg, err := s.Live.config(log)
	if err != nil {
		return usageError{err.Error()}
	}
	node, err := live.NewNode(liveCfg)
	if err != nil {
		return fmt.Errorf("live media node: %w", err)
	}
	defer node.Close()
	srv, err := server.New(server.Config{Demo: isDemo, TrustedProxies: s.proxies(), SecureCookies: s.SecureCookies || s.tls(), MaxMedia: s.MaxUploadMB << 20, PublicURL: s.PublicURL,
		Recordings: filepath.Join(s.Data, "recordings")},
		server.Deps{DB: a.db, Accounts: a.accounts, Roster: a.roster, Courses: a.courses, Exams: a.exams, Certs: a.certs, Signer: a.signer, Media: a.media,
			Keys: a.keys, Notices: a.notices, Compliance: a.compliance, Lectures: a.lectures, Live: node, Logger: log})
	if err != nil {
		return err
	}
	defer srv.CloseLive()
	// SIGHUP (systemctl reload) reloads the TLS certificate; caught also
	// without TLS so that a reload never stops the server.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	hs := s.httpServer(srv.Handler(), log)
	scheme := "http://"
	if tlsCerts != nil {
		hs.TLSConfig = tlsCerts.tlsConfig()
		scheme = "https://"
	}
	url := scheme + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "安培 anpei 已启动 / serving on %s  (数据库 %s，数据目录 %s)\n", url, a.dialect, s.Data)
	if isDemo {
		fmt.Fprintln(stdout, "演示账号 / demo accounts (password anpei-demo):")
		for _, d := range demo.Accounts() {
			fmt.Fprintf(stdout, "  %-11s %s\n", d.Username, d.Label)
		}
		if seeded {
			fmt.Fprintln(stdout, "已生成演示数据 / demo district seeded")
		}
	}
	log.Info("serving", "addr", ln.Addr().String(), "dialect", a.dialect)

	// The background jobs, each done once across the servers sharing the
	// database (jobs_wiring.go); the key file is reloaded on every node.
	stopJobs, err := startJobs(ctx, a, s.NodeName, log)
	if err != nil {
		return err
	}
	defer stopJobs() // before the database closes: sweeps hand their leases on
	if s.PIIKey == "" {
		go reloadKeys(ctx, a, s.keysDir(), log)
	}
	go reloadOnHangup(ctx, hup, tlsCerts, log)
	errc := make(chan error, 1)
	go func() {
		if tlsCerts != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// reloadOnHangup reloads the TLS certificate on each SIGHUP until ctx ends;
// a certificate that does not load is logged and the old one kept.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, certs *certHolder, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if certs == nil {
			log.Info("SIGHUP: nothing to reload (no --tls-cert)")
			continue
		}
		if err := certs.reload(); err != nil {
			log.Error("SIGHUP: TLS certificate not reloaded, the old one stays", "err", err)
			continue
		}
		log.Info("SIGHUP: TLS certificate reloaded", "subject", certs.current().Leaf.Subject.String(), "not_after", certs.current().Leaf.NotAfter)
	}
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// purgeSessions deletes expired sessions (hourly, on one node: see
// startJobs).
func purgeSessions(ctx context.Context, accounts *account.Store, log *slog.Logger) error {
	n, err := accounts.PurgeExpired(ctx)
	if err == nil && n > 0 {
		log.Info("purged expired sessions", "sessions", n)
	}
	return err
}

// gradeDueAttempts grades the exam attempts whose time ran out
// unsubmitted, also those of before a restart (the deadlines are in the
// database); startJobs runs it every 15 s on one node at a time.
func gradeDueAttempts(ctx context.Context, exams *exam.Store, log *slog.Logger) error {
	n, err := exams.ExpireDue(ctx)
	if err == nil && n > 0 {
		log.Info("graded exam attempts whose time ran out", "attempts", n)
	}
	return err
}

// issueDueCertificates issues what passed exam attempts earned and did not
// get at grading time (a crash between grading and issuance, or hours done
// only later); startJobs runs it every 5 minutes on one node at a time.
func issueDueCertificates(ctx context.Context, cs *certs.Store, log *slog.Logger) error {
	n, err := cs.IssueDue(ctx)
	if err == nil && n > 0 {
		log.Info("issued certificates earned earlier", "certificates", n)
	}
	return err
}

// reloadKeys picks up, every 30 s, an ID-number key added by `anpei pii
// rotate` run beside this server.
func reloadKeys(ctx context.Context, a *app, dir string, log *slog.Logger) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := a.keys.Reload(dir)
			switch {
			case err != nil:
				log.Warn("reload ID-number keys", "err", err)
			case changed:
				log.Info("ID-number keys reloaded", "current_version", a.keys.Current())
			}
		}
	}
}
