package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"anpei/audit"
	"anpei/backup"
	"anpei/db"
	"anpei/schema"
)

// backupCmd: anpei backup --out FILE [--data DIR] [--db DSN]. It opens the
// database without migrating it or creating keys, so it can run beside a
// serving anpei of the same version.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var s settings
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	out := fs.String("out", "", "archive to write (a .tar.gz; must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" {
		return usageError{"usage: anpei backup --out FILE [--data DIR] [--db DSN]"}
	}
	log, err := s.logger(stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	began := time.Now()
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	gdb, dialect, err := db.Open(openCtx, s.DB, s.Data, log)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	m, err := backup.Create(ctx, backup.Options{DB: gdb, DataDir: s.Data, Out: *out, Settings: backupSettings(fs), PIIKeyIsSetting: s.PIIKey != ""})
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	size := int64(0)
	if st, err := os.Stat(*out); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(stdout, "已写入备份 %s：%s 数据库（结构版本 %d，%d 张表，%d 行）及 %d 个文件，共 %s，用时 %v\nbackup written: %s (%s, schema %d, %d tables, %d rows, %d entries, %d bytes, %v)\n",
		*out, dialect, m.SchemaVersion, len(m.Tables), rows, len(m.Files), humanBytes(size), time.Since(began).Round(time.Millisecond),
		*out, dialect, m.SchemaVersion, len(m.Tables), rows, len(m.Files), size, time.Since(began).Round(time.Millisecond))
	if out := s.outsideData(); len(out) > 0 {
		fmt.Fprintf(stdout, "注意：%s 不在 --data 中，未写入备份；请另行备份这些共享目录。\nnote: %s outside --data, not in the archive; back them up separately.\n", strings.Join(out, "、"), strings.Join(out, ", "))
	}
	if m.PIIKey == "setting" {
		fmt.Fprintln(stdout, "注意：证件号码密钥来自 --pii-key/ANPEI_PII_KEY，未写入备份；请另行妥善保管该密钥，恢复时需要它。\nnote: the ID-number key is a setting and is not in the archive; keep it safe, restoring needs it.")
	}
	return nil
}

// restoreCmd: anpei restore FILE [--data DIR] [--db DSN], into an empty
// data directory and an empty database.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: anpei restore FILE [--data DIR] [--db DSN]  (into an empty data directory and database)"
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	var s settings
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q; %s", fs.Arg(0), use)}
	}
	if file == "" {
		return usageError{use}
	}
	log, err := s.logger(stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	began := time.Now()
	m, err := backup.Verify(file, schema.Latest())
	if err != nil {
		return err
	}
	if m.PIIKey == "setting" && s.PIIKey == "" {
		return errors.New("备份时证件号码密钥来自 --pii-key/ANPEI_PII_KEY，未包含在备份中；请用同一密钥（--pii-key 或 ANPEI_PII_KEY）运行恢复 / the archive was made with --pii-key: restore with the same key")
	}
	res, err := backup.Restore(ctx, backup.RestoreOptions{Archive: file, DataDir: s.Data, DSN: s.DB, Migrations: schema.Migrations(), Log: log})
	if err != nil {
		return err
	}
	// The restored data opens as the app (keys, uploads, schema) and its
	// audit chain holds.
	a, err := openApp(ctx, s, log)
	if err != nil {
		return fmt.Errorf("数据已恢复，但程序无法打开它 / restored, but the app cannot open it: %w", err)
	}
	defer a.close()
	v, err := audit.Verify(ctx, a.db)
	if err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("数据已恢复，但审计日志校验失败：%s（第 %d 条） / restored, but the audit chain is broken at seq %d", v.Reason, v.BrokenSeq, v.BrokenSeq)
	}
	how := "按原文件放回 / file placed"
	if res.Method == "rows" {
		how = fmt.Sprintf("逐行复制 %d 行 / %d rows copied", res.Rows, res.Rows)
	}
	fmt.Fprintf(stdout, "已从 %s 恢复（%s 备份，创建于 %s）到 %s 数据库：%s，%d 个文件，结构版本 %d → %d，审计日志 %d 条校验通过，用时 %v\nrestored %s (%s archive of %s) into %s: schema %d → %d, audit chain OK (%d entries), %v\n",
		file, m.Dialect, m.CreatedAt.Format(time.RFC3339), res.Target, how, res.Files, m.SchemaVersion, res.SchemaVersion, v.Checked, time.Since(began).Round(time.Millisecond),
		file, m.Dialect, m.CreatedAt.Format(time.RFC3339), res.Target, m.SchemaVersion, res.SchemaVersion, v.Checked, time.Since(began).Round(time.Millisecond))
	if len(res.Skipped) > 0 {
		fmt.Fprintf(stdout, "注意：本程序的数据库结构没有这些列，其值未恢复 / columns not restored: %s\n", strings.Join(res.Skipped, ", "))
	}
	fmt.Fprintf(stdout, "备份时的设置已写入 %s，供核对 / the archive's settings are in that file for reference\n", backup.RestoredSettingsFile)
	return nil
}

// backupSettings are the effective settings of fs for the archive:
// secrets (the ID-number key, a database password) left out.
func backupSettings(fs *flag.FlagSet) map[string]string {
	out := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		name, v := f.Name, f.Value.String()
		switch {
		case name == "out":
			return
		case name == "db":
			v = hideDSNPassword(v)
		case strings.Contains(name, "pii-key") || strings.Contains(name, "secret") || strings.Contains(name, "password") || strings.Contains(name, "token"):
			if v != "" {
				v = "(已设置，未备份 / set, not archived)"
			}
		}
		out[name] = v
	})
	return out
}

// hideDSNPassword replaces the password of a mysql: DSN.
func hideDSNPassword(dsn string) string {
	raw, ok := strings.CutPrefix(dsn, "mysql:")
	if !ok {
		return dsn
	}
	c, err := gomysql.ParseDSN(raw)
	if err != nil {
		return "mysql:(无法解析，已隐藏 / unparsable, hidden)"
	}
	if c.Passwd != "" {
		c.Passwd = "xxxxx"
	}
	return "mysql:" + c.FormatDSN()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
