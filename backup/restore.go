package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gorm.io/gorm"

	"anpei/db"
)

// RestoreOptions say what to restore and where to.
type RestoreOptions struct {
	Archive string
	DataDir string // must be empty or missing
	DSN     string // "" (SQLite in DataDir), "sqlite:PATH" or "mysql:DSN"; must be empty
	// Migrations is the binary's migration list: the target is brought up
	// to its newest version after the restore.
	Migrations []db.Migration
	Log        *slog.Logger
}

// Result says what a restore did.
type Result struct {
	Manifest *Manifest
	Target   db.Dialect
	// Method is "file" (the SQLite file placed as it was) or "rows" (rows
	// copied into a migrated schema).
	Method string
	// Rows is the number of rows copied (method "rows").
	Rows int64
	// Files is the number of files written to the data directory.
	Files int
	// SchemaVersion is the target's version after the migrations ran.
	SchemaVersion int
	// Created lists the archive's tables outside the migrations (such as
	// demo_marks) that the restore created from the manifest's columns.
	Created []string
	// Skipped lists table.column pairs of the archive that the target's
	// schema does not have (their values were not restored).
	Skipped []string
}

// entry is an archive entry as read by the first pass.
type entry struct {
	size int64
	sum  string
}

var uploadName = regexp.MustCompile(`^uploads/[0-9a-f]{2}/([0-9a-f]{64})$`)

// Verify reads the whole archive without writing anything and returns its
// manifest when the archive is intact and this binary (whose newest schema
// version is known) can restore it.
func Verify(archive string, known int) (*Manifest, error) {
	m, _, err := verify(archive, known)
	return m, err
}

func damaged(cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Msg: "备份文件已损坏或不完整，拒绝恢复：" + msg, Kind: ErrDamaged, Cause: cause}
}

func verify(archive string, known int) (*Manifest, map[string]entry, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, nil, fail(err, "无法打开备份文件 %s / cannot open the archive", archive)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, nil, damaged(err, "不是 gzip 压缩的 anpei 备份 / not a gzip anpei archive")
	}
	tr := tar.NewReader(zr)
	entries := map[string]entry{}
	var manifest []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, damaged(err, "读到第 %d 个条目时出错（文件被截断或改动） / the archive is truncated or altered", len(entries)+1)
		}
		if err := checkName(h); err != nil {
			return nil, nil, err
		}
		if _, dup := entries[h.Name]; dup {
			return nil, nil, damaged(nil, "条目 %s 出现了两次 / duplicate entry", h.Name)
		}
		sum := sha256.New()
		var w io.Writer = sum
		var mbuf strings.Builder
		if h.Name == ManifestName {
			w = io.MultiWriter(sum, &mbuf)
		}
		n, err := io.Copy(w, tr)
		if err != nil {
			return nil, nil, damaged(err, "条目 %s 无法完整读出（文件被截断或改动） / entry unreadable", h.Name)
		}
		entries[h.Name] = entry{size: n, sum: hex.EncodeToString(sum.Sum(nil))}
		if h.Name == ManifestName {
			manifest = []byte(mbuf.String())
		}
	}
	// The tar reader stops at the end-of-archive blocks; reading on makes
	// gzip check its CRC-32 and length trailer.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, nil, damaged(err, "压缩数据校验失败（文件被截断或改动） / gzip checksum failed")
	}
	if manifest == nil {
		return nil, nil, damaged(nil, "缺少清单 %s / the manifest is missing", ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, nil, damaged(err, "清单 %s 无法解析 / the manifest does not parse", ManifestName)
	}
	if m.Format != FormatName {
		return nil, nil, damaged(nil, "清单不是 anpei 备份的清单（format %q） / not an anpei manifest", m.Format)
	}
	if m.FormatVersion > FormatVersion {
		return nil, nil, fail(ErrTooNew, "备份格式版本 %d 比本程序支持的 %d 新，请用更新版本的 anpei 恢复 / archive format %d is newer than this binary's %d", m.FormatVersion, FormatVersion, m.FormatVersion, FormatVersion)
	}
	if m.SchemaVersion > known {
		return nil, nil, fail(ErrTooNew, "备份的数据库结构版本为 %d，本程序只认识到版本 %d，请用更新版本的 anpei 恢复 / the archive's schema version %d is newer than this binary's %d", m.SchemaVersion, known, m.SchemaVersion, known)
	}
	if m.SchemaVersion < 1 {
		return nil, nil, damaged(nil, "清单中没有数据库结构版本 / the manifest names no schema version")
	}
	listed := map[string]bool{}
	for _, file := range m.Files {
		e, ok := entries[file.Path]
		switch {
		case !ok:
			return nil, nil, damaged(nil, "清单列出的 %s 不在备份中 / %s is missing", file.Path, file.Path)
		case listed[file.Path]:
			return nil, nil, damaged(nil, "清单两次列出 %s / listed twice", file.Path)
		case e.size != file.Size:
			return nil, nil, damaged(nil, "%s 的大小为 %d 字节，清单记录为 %d 字节 / size mismatch", file.Path, e.size, file.Size)
		case e.sum != file.SHA256:
			return nil, nil, damaged(nil, "%s 的 SHA-256 校验和与清单不符 / checksum mismatch", file.Path)
		}
		if u := uploadName.FindStringSubmatch(file.Path); u != nil && u[1] != file.SHA256 {
			return nil, nil, damaged(nil, "上传文件 %s 的内容与其名称（SHA-256）不符 / upload content does not match its name", file.Path)
		}
		listed[file.Path] = true
	}
	for name := range entries {
		if name != ManifestName && !listed[name] {
			return nil, nil, damaged(nil, "条目 %s 不在清单中 / %s is not in the manifest", name, name)
		}
	}
	switch db.Dialect(m.Dialect) {
	case db.SQLite:
		if !listed[SQLiteEntry] {
			return nil, nil, damaged(nil, "SQLite 备份缺少数据库文件 %s / the database file is missing", SQLiteEntry)
		}
	case db.MySQL:
		for t := range m.Tables {
			if !listed[rowsPrefix+t+rowsSuffix] {
				return nil, nil, damaged(nil, "MySQL 备份缺少表 %s 的数据 / table %s is missing", t, t)
			}
		}
	default:
		return nil, nil, damaged(nil, "未知的数据库类型 %q / unknown dialect", m.Dialect)
	}
	return &m, entries, nil
}

// checkName refuses entries that are not plain files at known places.
func checkName(h *tar.Header) error {
	name := h.Name
	if h.Typeflag != tar.TypeReg || name != path.Clean(name) || path.IsAbs(name) || strings.HasPrefix(name, "../") || name == ".." || strings.Contains(name, "\\") {
		return damaged(nil, "条目 %q 不是允许的文件 / entry not allowed", name)
	}
	switch {
	case name == ManifestName, name == SettingsName, name == keysDir+"/"+PIIKeyFile:
	case strings.HasPrefix(name, rowsPrefix) && !strings.Contains(name[len(rowsPrefix):], "/"):
	case strings.HasPrefix(name, uploadsDir+"/"), strings.HasPrefix(name, keysDir+"/"+CertKeysDir+"/"):
	default:
		return damaged(nil, "条目 %q 不属于 anpei 备份 / unknown entry", name)
	}
	return nil
}

// targetDialect names the dialect of a --db value.
func targetDialect(dsn string) db.Dialect {
	if strings.HasPrefix(dsn, "mysql:") {
		return db.MySQL
	}
	return db.SQLite
}

// Restore verifies the archive, checks that the target is empty, and
// restores into it; on failure the target is left empty again.
func Restore(ctx context.Context, o RestoreOptions) (*Result, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	known := 0
	for _, mg := range o.Migrations {
		known = max(known, mg.Version)
	}
	res := &Result{Target: targetDialect(o.DSN)}
	// The data directory must be empty (or missing).
	createdDir := false
	if list, err := os.ReadDir(o.DataDir); err == nil {
		if len(list) > 0 {
			var names []string
			for _, e := range list[:min(len(list), 5)] {
				names = append(names, e.Name())
			}
			return nil, fail(ErrNotEmpty, "数据目录 %s 不是空的（含 %s 等 %d 项），恢复只写入空的数据目录 / the data directory is not empty", o.DataDir, strings.Join(names, "、"), len(list))
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		createdDir = true
	} else {
		return nil, fail(err, "无法读取数据目录 %s / cannot read the data directory", o.DataDir)
	}
	sqlitePath := filepath.Join(o.DataDir, db.SQLiteFile)
	if p, ok := strings.CutPrefix(o.DSN, "sqlite:"); ok && p != "" {
		sqlitePath = p
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return nil, fail(ErrNotEmpty, "数据库文件 %s 已存在，恢复只写入空数据库 / the database file exists", p)
		}
	}
	// An empty MySQL database: no tables at all.
	if res.Target == db.MySQL {
		gdb, _, err := db.Open(ctx, o.DSN, "", o.Log)
		if err != nil {
			return nil, fail(err, "无法连接目标数据库 / cannot open the target database")
		}
		sqlDB, _ := gdb.DB()
		names, err := tables(ctx, sqlDB, db.MySQL)
		db.Close(gdb)
		if err != nil {
			return nil, fail(err, "无法读取目标数据库 / cannot read the target database")
		}
		if len(names) > 0 {
			return nil, fail(ErrNotEmpty, "目标数据库不是空的（已有 %d 张表，如 %s），恢复只写入空数据库 / the target database has %d tables", len(names), strings.Join(names[:min(len(names), 5)], "、"), len(names))
		}
	}
	m, _, err := verify(o.Archive, known)
	if err != nil {
		return nil, err
	}
	res.Manifest = m
	res.Method = "rows"
	if db.Dialect(m.Dialect) == db.SQLite && res.Target == db.SQLite {
		res.Method = "file"
	}

	// From here on the target is written; undo everything on failure.
	r := &restorer{o: o, m: m, res: res, sqlitePath: sqlitePath}
	if err := r.run(ctx); err != nil {
		r.undo(createdDir)
		return nil, err
	}
	return res, nil
}

type restorer struct {
	o          RestoreOptions
	m          *Manifest
	res        *Result
	sqlitePath string
	gdb        *gorm.DB // the target database, once open
	tx         *sql.Tx  // the row copy's transaction
	wrote      []string // files written outside the data directory
	targetCols map[string][]Column
	seen       map[string]bool
	copied     map[string]int64
}

func (r *restorer) run(ctx context.Context) error {
	if err := os.MkdirAll(r.o.DataDir, 0o750); err != nil {
		return fail(err, "无法创建数据目录%s / cannot create the data directory", diskHint(err))
	}
	if r.res.Method == "rows" {
		if err := r.openTarget(ctx); err != nil {
			return err
		}
		upTo := []db.Migration{}
		for _, mg := range r.o.Migrations {
			if mg.Version <= r.m.SchemaVersion {
				upTo = append(upTo, mg)
			}
		}
		if err := db.Migrate(ctx, r.gdb, upTo); err != nil {
			return fail(err, "在目标数据库建立版本 %d 的结构失败 / creating the schema failed", r.m.SchemaVersion)
		}
		if err := r.createMissing(ctx); err != nil {
			return err
		}
		if err := r.begin(ctx); err != nil {
			return err
		}
	}
	if err := r.extract(ctx); err != nil {
		return err
	}
	if r.tx != nil {
		if err := r.checkCounts(ctx, r.tx); err != nil {
			return err
		}
		if err := r.tx.Commit(); err != nil {
			return fail(err, "提交恢复的数据失败 / commit failed")
		}
		r.tx = nil
	}
	if r.res.Method == "file" {
		cp, err := openSQLiteFile(r.sqlitePath)
		if err != nil {
			return fail(err, "无法打开恢复的数据库文件 / cannot open the restored database")
		}
		err = r.checkCounts(ctx, cp)
		cp.Close()
		if err != nil {
			return err
		}
		if err := r.openTarget(ctx); err != nil {
			return err
		}
	}
	if err := db.Migrate(ctx, r.gdb, r.o.Migrations); err != nil {
		return fail(err, "恢复后升级数据库结构失败 / migrating the restored database failed")
	}
	v, err := db.Version(ctx, r.gdb)
	if err != nil {
		return err
	}
	r.res.SchemaVersion = v
	if err := db.Close(r.gdb); err != nil {
		return fail(err, "关闭目标数据库失败 / closing the target failed")
	}
	r.gdb = nil
	return nil
}

func (r *restorer) openTarget(ctx context.Context) error {
	dsn := r.o.DSN
	if r.res.Target == db.SQLite {
		dsn = "sqlite:" + r.sqlitePath
	}
	gdb, _, err := db.Open(ctx, dsn, r.o.DataDir, r.o.Log)
	if err != nil {
		return fail(err, "无法打开目标数据库 / cannot open the target database")
	}
	r.gdb = gdb
	return nil
}

// begin starts the row copy's transaction and clears the rows the
// migrations seeded (reference data, the audit chain's head), which the
// archive holds in their backed-up state.
func (r *restorer) begin(ctx context.Context) error {
	sqlDB, err := r.gdb.DB()
	if err != nil {
		return err
	}
	if r.tx, err = sqlDB.BeginTx(ctx, nil); err != nil {
		return fail(err, "无法开始恢复事务 / cannot begin the transaction")
	}
	if r.res.Target == db.SQLite {
		if _, err := r.tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
	} else if _, err := r.tx.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return err
	}
	names, err := tables(ctx, r.tx, r.res.Target)
	if err != nil {
		return fail(err, "无法读取目标数据库的表 / cannot list the target's tables")
	}
	r.targetCols, r.seen, r.copied = map[string][]Column{}, map[string]bool{}, map[string]int64{}
	for _, t := range names {
		cols, err := columns(ctx, r.tx, r.res.Target, t)
		if err != nil {
			return err
		}
		r.targetCols[t] = cols
	}
	for t := range r.m.Tables {
		if t == "schema_migrations" {
			continue
		}
		if _, ok := r.targetCols[t]; !ok {
			return fail(ErrUnsupported, "备份中的表 %s 不属于本程序版本 %d 的数据库结构，无法恢复 / table %s is unknown at schema version %d", t, r.m.SchemaVersion, t, r.m.SchemaVersion)
		}
		if _, err := r.tx.ExecContext(ctx, "DELETE FROM "+quote(t)); err != nil {
			return fail(err, "清空表 %s 失败 / clearing a table failed", t)
		}
	}
	return nil
}

// createMissing creates the archive's tables that the migrations do not
// (demo_marks, written by the demo seed), from the manifest's columns:
// the same declared types within a dialect, the kind's usual type across.
func (r *restorer) createMissing(ctx context.Context) error {
	sqlDB, err := r.gdb.DB()
	if err != nil {
		return err
	}
	have, err := tables(ctx, sqlDB, r.res.Target)
	if err != nil {
		return fail(err, "无法读取目标数据库的表 / cannot list the target's tables")
	}
	exists := map[string]bool{}
	for _, t := range have {
		exists[t] = true
	}
	for t := range r.m.Tables {
		if exists[t] || t == "schema_migrations" {
			continue
		}
		cols := r.m.Columns[t]
		if len(cols) == 0 {
			return fail(ErrUnsupported, "备份中的表 %s 不属于本程序版本 %d 的数据库结构，且清单未记录其列，无法恢复 / table %s is unknown and its columns are not recorded", t, r.m.SchemaVersion, t)
		}
		ddl := createTableSQL(t, cols, db.Dialect(r.m.Dialect), r.res.Target)
		if _, err := sqlDB.ExecContext(ctx, ddl); err != nil {
			return fail(err, "在目标数据库创建表 %s 失败 / creating table %s failed", t, t)
		}
		r.res.Created = append(r.res.Created, t)
	}
	sort.Strings(r.res.Created)
	return nil
}

// createTableSQL is a CREATE TABLE for cols; a column named id is the
// primary key (auto-incremented when it is an integer).
func createTableSQL(table string, cols []Column, from, to db.Dialect) string {
	var defs []string
	for _, c := range cols {
		typ := c.Type
		if from != to || typ == "" {
			typ = portableType(c.Kind, to)
		}
		def := quote(c.Name) + " " + typ
		if strings.EqualFold(c.Name, "id") && (c.Kind == kInt || c.Kind == kUint) {
			if to == db.SQLite {
				def = quote(c.Name) + " integer PRIMARY KEY AUTOINCREMENT"
			} else {
				def += " NOT NULL AUTO_INCREMENT PRIMARY KEY"
			}
		}
		defs = append(defs, def)
	}
	return "CREATE TABLE " + quote(table) + " (" + strings.Join(defs, ", ") + ")"
}

func portableType(k kind, to db.Dialect) string {
	if to == db.SQLite {
		switch k {
		case kInt, kUint:
			return "integer"
		case kFloat:
			return "real"
		case kDecimal:
			return "numeric"
		case kBlob:
			return "blob"
		case kTime:
			return "datetime"
		case kDate:
			return "date"
		}
		return "text"
	}
	switch k {
	case kInt:
		return "bigint"
	case kUint:
		return "bigint unsigned"
	case kFloat:
		return "double"
	case kDecimal:
		return "decimal(65,10)"
	case kBlob:
		return "longblob"
	case kTime:
		return "datetime(6)"
	case kDate:
		return "date"
	}
	return "longtext"
}

// extract is the second pass: it writes every entry, checking its size and
// checksum again as it goes.
func (r *restorer) extract(ctx context.Context) error {
	want := map[string]File{}
	for _, f := range r.m.Files {
		want[f.Path] = f
	}
	f, err := os.Open(r.o.Archive)
	if err != nil {
		return fail(err, "无法打开备份文件 / cannot open the archive")
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return damaged(err, "第二遍读取时出错 / second read failed")
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return damaged(err, "第二遍读取时出错 / second read failed")
		}
		if err := ctx.Err(); err != nil {
			return fail(err, "恢复被中断 / restore interrupted")
		}
		if h.Name == ManifestName {
			continue
		}
		fw, ok := want[h.Name]
		if !ok {
			return damaged(nil, "条目 %s 不在清单中 / not in the manifest", h.Name)
		}
		delete(want, h.Name)
		sum := sha256.New()
		src := &countingReader{r: io.TeeReader(tr, sum)}
		switch {
		case h.Name == SQLiteEntry:
			dst := r.sqlitePath
			if r.res.Method == "rows" {
				dst = filepath.Join(r.o.DataDir, ".restore-source-anpei.db")
				r.wrote = append(r.wrote, dst)
				defer os.Remove(dst)
			}
			err = writeFile(dst, src, 0o640)
		case strings.HasPrefix(h.Name, rowsPrefix):
			err = r.loadRows(ctx, strings.TrimSuffix(strings.TrimPrefix(h.Name, rowsPrefix), rowsSuffix), src)
			io.Copy(io.Discard, src) // the rest, for the checksum
		default:
			err = writeFile(r.dest(h.Name), src, fileMode(h.Name))
			r.res.Files++
		}
		if err != nil {
			return err
		}
		if src.n != fw.Size || hex.EncodeToString(sum.Sum(nil)) != fw.SHA256 {
			return damaged(nil, "第二遍读取时 %s 与清单不符（备份文件在恢复期间被改动？） / %s changed during the restore", h.Name, h.Name)
		}
		if h.Name == SQLiteEntry && r.res.Method == "rows" {
			if err := r.copyFromSQLite(ctx, filepath.Join(r.o.DataDir, ".restore-source-anpei.db")); err != nil {
				return err
			}
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return damaged(err, "第二遍读取时压缩数据校验失败 / gzip checksum failed")
	}
	for name := range want {
		return damaged(nil, "第二遍读取时缺少 %s / %s missing", name, name)
	}
	return nil
}

// dest maps an archive entry to its place in the data directory.
func (r *restorer) dest(name string) string {
	switch {
	case name == SettingsName:
		return filepath.Join(r.o.DataDir, RestoredSettingsFile)
	case strings.HasPrefix(name, keysDir+"/"):
		return filepath.Join(r.o.DataDir, filepath.FromSlash(strings.TrimPrefix(name, keysDir+"/")))
	}
	return filepath.Join(r.o.DataDir, filepath.FromSlash(name))
}

func fileMode(name string) os.FileMode {
	if strings.HasPrefix(name, keysDir+"/") {
		return 0o600
	}
	return 0o640
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// writeFile creates path (which must not exist) with src's content, synced.
func writeFile(p string, src io.Reader, mode os.FileMode) (err error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fail(err, "无法创建目录%s / cannot create a directory", diskHint(err))
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return fail(err, "无法创建文件 %s%s / cannot create a file", p, diskHint(err))
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fail(cerr, "写文件 %s 失败%s / writing failed", p, diskHint(cerr))
		}
	}()
	if _, err := io.Copy(f, src); err != nil {
		return fail(err, "写文件 %s 失败%s / writing failed", p, diskHint(err))
	}
	if err := f.Sync(); err != nil {
		return fail(err, "写文件 %s 失败%s / writing failed", p, diskHint(err))
	}
	return nil
}

// targetColumns matches a table's source columns with the target's: the
// index in the source of every target column copied, and their kinds.
func (r *restorer) targetColumns(table string, src []string) (names []string, idx []int, kinds []kind, err error) {
	if r.seen[table] {
		return nil, nil, nil, damaged(nil, "表 %s 出现了两次 / table twice", table)
	}
	r.seen[table] = true
	tcols, ok := r.targetCols[table]
	if !ok {
		return nil, nil, nil, fail(ErrUnsupported, "备份中的表 %s 不属于本程序的数据库结构 / table %s is unknown", table, table)
	}
	byName := map[string]Column{}
	for _, c := range tcols {
		byName[strings.ToLower(c.Name)] = c
	}
	for i, s := range src {
		c, ok := byName[strings.ToLower(s)]
		if !ok {
			r.res.Skipped = append(r.res.Skipped, table+"."+s)
			continue
		}
		names, idx, kinds = append(names, c.Name), append(idx, i), append(kinds, c.Kind)
	}
	return names, idx, kinds, nil
}

// loadRows inserts one row file.
func (r *restorer) loadRows(ctx context.Context, table string, src io.Reader) error {
	if table == "schema_migrations" {
		return nil // the target's own record of the same versions stands
	}
	br := bufio.NewReaderSize(src, 1<<20)
	line, err := readLine(br)
	if err != nil {
		return damaged(err, "表 %s 的数据缺少表头 / no header", table)
	}
	var head struct {
		Table   string   `json:"table"`
		Columns []Column `json:"columns"`
	}
	if err := json.Unmarshal(line, &head); err != nil || head.Table != table || len(head.Columns) == 0 {
		return damaged(err, "表 %s 的表头无法解析 / bad header", table)
	}
	srcNames := make([]string, len(head.Columns))
	for i, c := range head.Columns {
		srcNames[i] = c.Name
	}
	names, idx, kinds, err := r.targetColumns(table, srcNames)
	if err != nil {
		return err
	}
	ins := newInserter(ctx, r.tx, table, names)
	vals := make([]any, len(names))
	for lineNo := 2; ; lineNo++ {
		line, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return damaged(err, "表 %s 第 %d 行无法读出 / unreadable line", table, lineNo)
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(line, &raw); err != nil || len(raw) != len(head.Columns) {
			return damaged(err, "表 %s 第 %d 行格式错误 / bad row", table, lineNo)
		}
		for j, i := range idx {
			v, err := decodeValue(raw[i], head.Columns[i].Kind)
			if err != nil {
				return damaged(err, "表 %s 第 %d 行的 %s 列无法解析 / bad value", table, lineNo, head.Columns[i].Name)
			}
			if vals[j], err = coerce(v, kinds[j]); err != nil {
				return fail(err, "表 %s 第 %d 行的 %s 列无法写入目标数据库 / value does not fit", table, lineNo, names[j])
			}
		}
		if err := ins.add(vals); err != nil {
			return fail(err, "写入表 %s 失败%s / insert failed", table, diskHint(err))
		}
	}
	if err := ins.flush(); err != nil {
		return fail(err, "写入表 %s 失败%s / insert failed", table, diskHint(err))
	}
	r.copied[table] = ins.written
	r.res.Rows += ins.written
	return nil
}

func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadBytes('\n')
	if err == io.EOF && len(line) > 0 {
		return nil, io.ErrUnexpectedEOF // every line ends with a newline
	}
	if err != nil {
		return nil, err
	}
	return line[:len(line)-1], nil
}

// copyFromSQLite copies every table of a SQLite archive's database file.
func (r *restorer) copyFromSQLite(ctx context.Context, p string) error {
	src, err := openSQLiteFile(p)
	if err != nil {
		return fail(err, "无法打开备份中的数据库文件 / cannot open the archived database")
	}
	defer src.Close()
	names := make([]string, 0, len(r.m.Tables))
	for t := range r.m.Tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		if t == "schema_migrations" {
			continue
		}
		scols, err := columns(ctx, src, db.SQLite, t)
		if err != nil {
			return fail(err, "读取备份中表 %s 的列失败 / reading columns failed", t)
		}
		srcNames := make([]string, len(scols))
		for i, c := range scols {
			srcNames[i] = c.Name
		}
		tnames, idx, kinds, err := r.targetColumns(t, srcNames)
		if err != nil {
			return err
		}
		quoted := make([]string, len(idx))
		for j, i := range idx {
			quoted[j] = quote(srcNames[i])
		}
		rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+quote(t))
		if err != nil {
			return fail(err, "读取备份中的表 %s 失败 / reading a table failed", t)
		}
		ins := newInserter(ctx, r.tx, t, tnames)
		raw := make([]any, len(idx))
		ptrs := make([]any, len(idx))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		vals := make([]any, len(idx))
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return fail(err, "读取备份中的表 %s 失败 / reading a table failed", t)
			}
			for j := range raw {
				if vals[j], err = coerce(raw[j], kinds[j]); err != nil {
					rows.Close()
					return fail(err, "表 %s 的 %s 列无法写入目标数据库 / value does not fit", t, tnames[j])
				}
			}
			if err := ins.add(vals); err != nil {
				rows.Close()
				return fail(err, "写入表 %s 失败%s / insert failed", t, diskHint(err))
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fail(err, "读取备份中的表 %s 失败 / reading a table failed", t)
		}
		if err := ins.flush(); err != nil {
			return fail(err, "写入表 %s 失败%s / insert failed", t, diskHint(err))
		}
		r.copied[t] = ins.written
		r.res.Rows += ins.written
	}
	return nil
}

// checkCounts compares every table's rows with the manifest.
func (r *restorer) checkCounts(ctx context.Context, q queryer) error {
	for t, want := range r.m.Tables {
		if t == "schema_migrations" {
			continue
		}
		got, err := countRows(ctx, q, t)
		if err != nil {
			return fail(err, "清点表 %s 失败 / counting failed", t)
		}
		if got != want {
			return fail(nil, "恢复后表 %s 有 %d 行，备份清单记录为 %d 行 / table %s: %d rows, manifest says %d", t, got, want, t, got, want)
		}
	}
	return nil
}

// undo leaves the target as empty as it was: the copy rolled back, the
// tables created dropped, the files written removed.
func (r *restorer) undo(createdDir bool) {
	if r.tx != nil {
		r.tx.Rollback()
	}
	if r.gdb != nil {
		if r.res.Target == db.MySQL {
			if sqlDB, err := r.gdb.DB(); err == nil {
				ctx := context.Background()
				if names, err := tables(ctx, sqlDB, db.MySQL); err == nil {
					for _, t := range names {
						sqlDB.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(t))
					}
				}
			}
		}
		db.Close(r.gdb)
	}
	for _, p := range r.wrote {
		os.Remove(p)
	}
	if r.res.Target == db.SQLite {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(r.sqlitePath + suffix)
		}
	}
	if list, err := os.ReadDir(r.o.DataDir); err == nil {
		for _, e := range list {
			os.RemoveAll(filepath.Join(r.o.DataDir, e.Name()))
		}
	}
	if createdDir {
		os.Remove(r.o.DataDir)
	}
}
