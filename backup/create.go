package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"anpei/db"
)

// Options say what to back up and where to.
type Options struct {
	DB      *gorm.DB // the live database
	DataDir string   // --data: uploads and keys
	Out     string   // the archive to write; must not exist
	// Settings are the effective settings with secrets already left out.
	Settings map[string]string
	// PIIKeyIsSetting: the ID-number key is --pii-key, not a file.
	PIIKeyIsSetting bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// wrap, in tests, wraps the archive file's writer (to make the disk
	// "fill up").
	wrap func(io.Writer) io.Writer
}

// Create writes a consistent archive of the database, uploads, keys and
// settings to o.Out and returns its manifest. On any error no file named
// o.Out exists afterwards (unless it existed before, which is refused).
func Create(ctx context.Context, o Options) (*Manifest, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, fail(err, "备份文件路径无效 / bad output path")
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, fail(ErrOutExists, "备份文件 %s 已存在，不会覆盖；请换一个文件名 / %s exists, not overwritten", out, out)
	}
	dir := filepath.Dir(out)
	stage, err := os.MkdirTemp(dir, ".anpei-backup-stage-*")
	if err != nil {
		return nil, fail(err, "无法在 %s 创建临时目录%s / cannot create a temporary directory", dir, diskHint(err))
	}
	defer os.RemoveAll(stage)

	m := &Manifest{Format: FormatName, FormatVersion: FormatVersion, Dialect: string(db.DialectOf(o.DB)), Tables: map[string]int64{}, PIIKey: "file"}
	if o.PIIKeyIsSetting {
		m.PIIKey = "setting"
	}
	// The database first: every upload a copied row refers to was stored
	// before its row committed, so it is on disk when the uploads are read.
	var dbFiles []string // paths in stage, archive name = "db/" + base
	m.CreatedAt = o.Now().UTC().Truncate(time.Microsecond)
	if db.DialectOf(o.DB) == db.MySQL {
		dbFiles, err = dumpMySQL(ctx, o.DB, stage, m)
	} else {
		dbFiles, err = copySQLite(ctx, o.DB, stage, m)
	}
	if err != nil {
		return nil, err
	}

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, fail(err, "无法创建备份文件%s / cannot create the archive", diskHint(err))
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	if o.wrap != nil {
		w = o.wrap(tmp)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	aw := &archiveWriter{tw: tw, m: m, now: m.CreatedAt}

	for _, p := range dbFiles {
		if err := aw.addFile(ctx, rowsPrefix+filepath.Base(p), p, 0o600); err != nil {
			return nil, err
		}
	}
	if err := aw.addTree(ctx, filepath.Join(o.DataDir, "uploads"), uploadsDir, 0o640); err != nil {
		return nil, err
	}
	if !o.PIIKeyIsSetting {
		p := filepath.Join(o.DataDir, PIIKeyFile)
		if _, err := os.Stat(p); err != nil {
			return nil, fail(err, "找不到证件号码密钥文件 %s / the ID-number key file is missing", p)
		}
		if err := aw.addFile(ctx, keysDir+"/"+PIIKeyFile, p, 0o600); err != nil {
			return nil, err
		}
	}
	if err := aw.addTree(ctx, filepath.Join(o.DataDir, CertKeysDir), keysDir+"/"+CertKeysDir, 0o600); err != nil {
		return nil, err
	}
	settings, _ := json.MarshalIndent(o.Settings, "", "  ")
	if err := aw.addBytes(SettingsName, settings, 0o640); err != nil {
		return nil, err
	}
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := aw.addBytes(ManifestName, manifest, 0o640); err != nil {
		return nil, err
	}
	for _, step := range []func() error{tw.Close, zw.Close, bw.Flush, tmp.Sync, tmp.Close} {
		if err := step(); err != nil {
			return nil, fail(err, "写备份文件失败%s，未留下不完整的文件 / writing the archive failed, no partial file left", diskHint(err))
		}
	}
	if err := os.Link(tmp.Name(), out); err != nil { // fails rather than replace a file created meanwhile
		if errors.Is(err, fs.ErrExist) {
			return nil, fail(ErrOutExists, "备份文件 %s 在备份期间被创建，不会覆盖 / %s appeared meanwhile, not overwritten", out, out)
		}
		if err := os.Rename(tmp.Name(), out); err != nil { // file systems without hard links
			return nil, fail(err, "无法把备份文件改名为 %s / cannot rename the archive", out)
		}
	}
	os.Remove(tmp.Name())
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return m, nil
}

// archiveWriter adds entries and records them in the manifest.
type archiveWriter struct {
	tw  *tar.Writer
	m   *Manifest
	now time.Time
}

func (a *archiveWriter) header(name string, size int64, mode int64) error {
	err := a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: mode, ModTime: a.now, Format: tar.FormatPAX})
	if err != nil {
		return fail(err, "写备份文件失败%s / writing the archive failed", diskHint(err))
	}
	return nil
}

func (a *archiveWriter) addBytes(name string, data []byte, mode int64) error {
	if err := a.header(name, int64(len(data)), mode); err != nil {
		return err
	}
	if _, err := a.tw.Write(data); err != nil {
		return fail(err, "写备份文件失败%s / writing the archive failed", diskHint(err))
	}
	if name != ManifestName {
		sum := sha256.Sum256(data)
		a.m.Files = append(a.m.Files, File{Path: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	return nil
}

// addFile copies one file, checking it did not change size meanwhile.
func (a *archiveWriter) addFile(ctx context.Context, name, path string, mode int64) error {
	if err := ctx.Err(); err != nil {
		return fail(err, "备份被中断 / backup interrupted")
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err, "无法读取 %s / cannot read a file", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail(err, "无法读取 %s / cannot read a file", path)
	}
	if err := a.header(name, st.Size(), mode); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(a.tw, h), io.LimitReader(f, st.Size()))
	if err != nil {
		var werr *Error
		if errors.As(err, &werr) {
			return err
		}
		return fail(err, "写备份文件失败%s / writing the archive failed", diskHint(err))
	}
	if n != st.Size() {
		return fail(nil, "文件 %s 在备份期间变短了（%d → %d 字节），请重试 / a file shrank during the backup", path, st.Size(), n)
	}
	a.m.Files = append(a.m.Files, File{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// addTree copies every regular file under root (missing root: nothing),
// skipping temporary files (names starting with a dot), in name order.
func (a *archiveWriter) addTree(ctx context.Context, root, prefix string, mode int64) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fail(err, "无法读取目录 %s / cannot list a directory", root)
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		if err := a.addFile(ctx, prefix+"/"+filepath.ToSlash(rel), p, mode); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile (a superseded upload): nothing refers to it
			}
			return err
		}
	}
	return nil
}

// copySQLite makes a consistent copy of the live SQLite database with
// VACUUM INTO (a read transaction: writers go on under WAL) and reads the
// copy's schema version and row counts.
func copySQLite(ctx context.Context, gdb *gorm.DB, stage string, m *Manifest) ([]string, error) {
	path := filepath.Join(stage, "anpei.db")
	if err := gdb.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return nil, fail(err, "复制 SQLite 数据库失败%s / SQLite copy failed", diskHint(err))
	}
	cp, err := openSQLiteFile(path)
	if err != nil {
		return nil, fail(err, "无法打开数据库副本 / cannot open the copy")
	}
	defer cp.Close()
	if err := describe(ctx, cp, db.SQLite, m); err != nil {
		return nil, fail(err, "读取数据库副本失败 / reading the copy failed")
	}
	return []string{path}, nil
}

// openSQLiteFile opens a SQLite file read-only, without anpei's pragmas
// (which would turn it into a WAL database).
func openSQLiteFile(path string) (*sql.DB, error) {
	gdb, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro&_pragma=busy_timeout(5000)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if err := sqlDB.Ping(); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return sqlDB, nil
}

// describe fills the manifest's schema version and row counts.
func describe(ctx context.Context, q queryer, dialect db.Dialect, m *Manifest) error {
	names, err := tables(ctx, q, dialect)
	if err != nil {
		return err
	}
	if m.SchemaVersion, err = schemaVersion(ctx, q, names); err != nil {
		return err
	}
	m.Columns = map[string][]Column{}
	for _, t := range names {
		if m.Tables[t], err = countRows(ctx, q, t); err != nil {
			return err
		}
		if m.Columns[t], err = columns(ctx, q, dialect, t); err != nil {
			return err
		}
	}
	return nil
}

// dumpMySQL exports every table as a row file, all inside one
// REPEATABLE READ transaction started WITH CONSISTENT SNAPSHOT on one
// connection, so the files show the database at one instant while the
// server keeps writing.
func dumpMySQL(ctx context.Context, gdb *gorm.DB, stage string, m *Manifest) (files []string, err error) {
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fail(err, "无法连接数据库 / cannot connect to the database")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return nil, fail(err, "无法开始导出事务 / cannot start the export transaction")
	}
	if _, err := conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return nil, fail(err, "无法开始导出事务 / cannot start the export transaction")
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	if err := describe(ctx, conn, db.MySQL, m); err != nil {
		return nil, fail(err, "读取数据库结构失败 / reading the schema failed")
	}
	names := make([]string, 0, len(m.Tables))
	for t := range m.Tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		p := filepath.Join(stage, t+rowsSuffix)
		n, err := dumpTable(ctx, conn, t, p, m.Columns[t])
		if err != nil {
			return nil, err
		}
		if n != m.Tables[t] {
			return nil, fail(nil, "导出表 %s 得到 %d 行，快照中计数为 %d 行：导出不一致，请重试 / table %s: %d rows exported, %d counted", t, n, m.Tables[t], t, n, m.Tables[t])
		}
		files = append(files, p)
	}
	return files, nil
}

func dumpTable(ctx context.Context, conn *sql.Conn, table, path string, cols []Column) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fail(err, "无法创建临时文件%s / cannot create a temporary file", diskHint(err))
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	head, _ := json.Marshal(struct {
		Table   string   `json:"table"`
		Columns []Column `json:"columns"`
	}{table, cols})
	w.Write(head)
	w.WriteByte('\n')
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.Name)
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+quote(table))
	if err != nil {
		return 0, fail(err, "导出表 %s 失败 / exporting a table failed", table)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var line bytes.Buffer
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, fail(err, "导出表 %s 失败 / exporting a table failed", table)
		}
		line.Reset()
		line.WriteByte('[')
		for i, v := range vals {
			if i > 0 {
				line.WriteByte(',')
			}
			if err := encodeValue(&line, v, cols[i].Kind); err != nil {
				return 0, fail(err, "导出表 %s 的列 %s 失败 / exporting a value failed", table, cols[i].Name)
			}
		}
		line.WriteString("]\n")
		if _, err := w.Write(line.Bytes()); err != nil {
			return 0, fail(err, "写临时文件失败%s / writing a temporary file failed", diskHint(err))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fail(err, "导出表 %s 失败 / exporting a table failed", table)
	}
	for _, step := range []func() error{w.Flush, f.Sync} {
		if err := step(); err != nil {
			return 0, fail(err, "写临时文件失败%s / writing a temporary file failed", diskHint(err))
		}
	}
	return n, nil
}
