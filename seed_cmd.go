package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"anpei/certs"
	"anpei/scaleseed"
)

// seedCmd fills an empty database with a synthetic province (package
// scaleseed) for load tests: anpei seed --people 100000 [--enterprises N]
// [--certificates N] [--ledger N] [--seed N] [--data DIR] [--db DSN].
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var s settings
	def := scaleseed.DefaultCounts()
	opt := scaleseed.Options{}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	fs.IntVar(&opt.Enterprises, "enterprises", def.Enterprises, "enterprises to generate")
	fs.IntVar(&opt.People, "people", def.People, "people to generate (at least 3 per enterprise)")
	fs.IntVar(&opt.Certificates, "certificates", def.Certificates, "certificates to generate")
	fs.IntVar(&opt.Ledger, "ledger", def.Ledger, "training ledger rows to generate (two years of online and offline learning)")
	fs.Uint64Var(&opt.Seed, "seed", 1, "random seed: the same seed gives the same district")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := opt.Check(); err != nil {
		return usageError{err.Error()}
	}
	// Batches of a thousand rows are slow queries by the server's measure;
	// unless asked for, the seed logs errors only.
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "log-level" })
	if _, env := os.LookupEnv("ANPEI_LOG_LEVEL"); !explicit && !env {
		s.LogLevel = "error"
	}
	log, err := s.logger(stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	start := time.Now()
	a, err := openApp(ctx, s, log)
	if err != nil {
		return err
	}
	defer a.close()
	if opt.Pattern, err = certs.ParseNumberPattern(s.CertNumberPattern); err != nil {
		return usageError{err.Error()}
	}
	opt.Kinds, opt.Authority = a.certs.Kinds(), s.CertAuthority
	opt.Progress = progressPrinter(stdout, start)
	if err := scaleseed.CheckEmpty(ctx, a.db); err != nil {
		if errors.Is(err, scaleseed.ErrNotEmpty) {
			fmt.Fprintln(stdout, "数据库不是空的，未写入任何数据：规模测试数据只能生成到空数据库中，请换一个新的 --data 目录或空的 --db")
		}
		return err
	}

	fmt.Fprintf(stdout, "正在生成规模测试数据 / generating a synthetic district into %s (seed %d): %d enterprises, %d people, %d certificates, %d ledger rows\n",
		a.dialect, opt.Seed, opt.Enterprises, opt.People, opt.Certificates, opt.Ledger)
	res, err := scaleseed.Seed(ctx, a.db, scaleseed.Stores{Roster: a.roster, Keys: a.keys, Accounts: a.accounts}, opt)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "完成 / done in %s:\n", elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(stdout, "  enterprises         %9d\n  people              %9d\n  operation items     %9d\n  duty events         %9d\n",
		res.Enterprises, res.People, res.OperationItems, res.DutyEvents)
	fmt.Fprintf(stdout, "  certificates        %9d\n  certificate events  %9d\n  offline trainings   %9d\n  ledger rows         %9d\n",
		res.Certificates, res.CertificateEvents, res.OfflineRecords, res.Ledger)
	fmt.Fprint(stdout, "  certificate statuses today:")
	for _, st := range certs.Statuses() {
		if n := res.Statuses[st]; n > 0 {
			fmt.Fprintf(stdout, " %s %d", st.Label(), n)
		}
	}
	fmt.Fprintf(stdout, "; 未核验 unverified %d\n", res.Unverified)
	fmt.Fprintln(stdout, "账号（密码只显示这一次）/ accounts (passwords are shown only now):")
	for _, acc := range res.Accounts {
		fmt.Fprintf(stdout, "  %-15s %-22s %s\n", acc.Username, acc.Password, acc.Label)
	}
	return nil
}

// progressPrinter prints a step's progress at most every two seconds, and
// when it completes.
func progressPrinter(w io.Writer, start time.Time) func(scaleseed.Progress) {
	last := map[string]time.Time{}
	return func(p scaleseed.Progress) {
		now := time.Now()
		if (p.Total == 0 || p.Done < p.Total) && now.Sub(last[p.Step]) < 2*time.Second {
			return
		}
		last[p.Step] = now
		total := "?"
		if p.Total > 0 {
			total = fmt.Sprint(p.Total)
		}
		fmt.Fprintf(w, "  %-20s %9d / %-9s %7.1f s\n", p.Step, p.Done, total, now.Sub(start).Seconds())
	}
}
