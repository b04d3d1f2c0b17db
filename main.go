// Command anpei serves the 安培 work-safety training and certification
// platform and runs its maintenance commands. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `anpei — 麒麟区安全生产培训与考核平台

用法 / usage:
  anpei [serve] [flags]            serve the web UI and API (default)
  anpei migrate [flags]            apply database migrations and exit
  anpei audit verify [flags]       check the audit ledger's hash chain
  anpei admin set-password USER    set a user's password (read from stdin or ANPEI_NEW_PASSWORD)
  anpei pii rotate [flags]         add a new ID-number encryption key and re-encrypt every row
  anpei certs verify TOKEN|URL|QR-IMAGE [--keys FILE]
                                   check a certificate's QR code offline against the published keys
  anpei certs rotate-key           make a new certificate signing key current (old keys still verify)
  anpei seed [--people N] [--enterprises N] [--certificates N] [--ledger N] [--seed N]
                                   fill an EMPTY database with a synthetic province for load tests
  anpei backup --out FILE          write a consistent archive (database, uploads, keys, settings,
                                   manifest with checksums) while the server runs
  anpei restore FILE               restore an archive into an EMPTY data directory and database
                                   (either dialect), then migrate it to this version
  anpei config check [--config FILE] [flags]
                                   validate the settings and print the effective ones (secrets hidden)
  anpei help                       show this text

Every command takes --data and --db (and ANPEI_DATA, ANPEI_DB), so it works
on the same database as a running server. Run "anpei serve -h" for all flags.
Settings can also come from a TOML file: --config FILE (ANPEI_CONFIG), keys
named like the flags (addr = ":8080"); flag > environment > file > default.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr)
	case "migrate":
		err = migrateCmd(ctx, args, stdout, stderr)
	case "audit":
		err = auditCmd(ctx, args, stdout, stderr)
	case "admin":
		err = adminCmd(ctx, args, stdin, stdout, stderr)
	case "pii":
		err = piiCmd(ctx, args, stdout, stderr)
	case "certs":
		err = certsCmd(ctx, args, stdout, stderr)
	case "seed":
		err = seedCmd(ctx, args, stdout, stderr)
	case "config":
		err = configCmd(ctx, args, stdout, stderr)
	case "backup":
		err = backupCmd(ctx, args, stdout, stderr)
	case "restore":
		err = restoreCmd(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "anpei: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "anpei %s: %v\n", cmd, err)
			return 2
		}
		fmt.Fprintf(stderr, "anpei %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
