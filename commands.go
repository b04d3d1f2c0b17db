package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"anpei/audit"
	"anpei/schema"
)

// withApp parses a subcommand's flags (the same as serve's, so it works on
// the same database as a running server), opens the app and runs fn.
func withApp(ctx context.Context, name string, args []string, stderr io.Writer, fn func(a *app, s settings) error) error {
	var s settings
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	log, err := s.logger(stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	a, err := openApp(ctx, s, log)
	if err != nil {
		return err
	}
	defer a.close()
	return fn(a, s)
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withApp(ctx, "migrate", args, stderr, func(*app, settings) error {
		fmt.Fprintf(stdout, "数据库结构已是最新版本 %d / schema at version %d\n", schema.Latest(), schema.Latest())
		return nil
	})
}

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"usage: anpei audit verify [--data DIR] [--db DSN]"}
	}
	return withApp(ctx, "audit verify", args[1:], stderr, func(a *app, _ settings) error {
		res, err := audit.Verify(ctx, a.db)
		if err != nil {
			return err
		}
		if !res.OK {
			fmt.Fprintf(stdout, "审计日志校验失败：%s（已检查 %d 条，第一条异常记录序号 %d）\naudit chain BROKEN at seq %d\n", res.Reason, res.Checked, res.BrokenSeq, res.BrokenSeq)
			return fmt.Errorf("audit chain broken at seq %d", res.BrokenSeq)
		}
		fmt.Fprintf(stdout, "审计日志完整：%d 条记录的哈希链全部校验通过\naudit chain OK: %d entries\n", res.Checked, res.Checked)
		return nil
	})
}

func adminCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "set-password" || strings.HasPrefix(args[1], "-") {
		return usageError{"usage: anpei admin set-password USERNAME [--data DIR] [--db DSN]  (new password from ANPEI_NEW_PASSWORD or the first line of stdin)"}
	}
	username := args[1]
	return withApp(ctx, "admin set-password", args[2:], stderr, func(a *app, _ settings) error {
		pw := os.Getenv("ANPEI_NEW_PASSWORD")
		if pw == "" {
			fmt.Fprintln(stderr, "请输入新密码 / new password:")
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read password: %w", err)
			}
			pw = strings.TrimRight(line, "\r\n")
		}
		if err := a.accounts.SetPassword(ctx, username, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已为 %s 设置新密码，其所有登录已退出 / password set for %s\n", username, username)
		return nil
	})
}

func piiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{"usage: anpei pii rotate [--data DIR] [--db DSN]"}
	}
	return withApp(ctx, "pii rotate", args[1:], stderr, func(a *app, s settings) error {
		if s.PIIKey != "" {
			return usageError{"the key comes from --pii-key/ANPEI_PII_KEY and cannot be rotated in place; use the key file in --data"}
		}
		v, err := a.keys.Rotate(s.keysDir())
		if err != nil {
			return err
		}
		n, err := a.roster.Reseal(ctx)
		if err != nil {
			return fmt.Errorf("key version %d added, but re-encryption stopped: %w (run the command again to finish)", v, err)
		}
		fmt.Fprintf(stdout, "已启用第 %d 版密钥，重新加密 %d 条证件号码；正在运行的服务会在 30 秒内加载新密钥\nkey version %d active, %d ID numbers re-encrypted; running servers load the new key within 30 s\n", v, n, v, n)
		return nil
	})
}
