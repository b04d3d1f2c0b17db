package backup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"anpei/db"
)

// kind is how a column's values are written in a row file and coerced for
// the target: the same in both dialects.
type kind string

const (
	kInt     kind = "int"
	kUint    kind = "uint"
	kFloat   kind = "float"
	kDecimal kind = "decimal"
	kText    kind = "text"
	kBlob    kind = "blob"
	kTime    kind = "time"
	kDate    kind = "date"
)

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Kind kind   `json:"kind"`
}

// kindOf maps a declared type (MySQL's COLUMN_TYPE or SQLite's declared
// type) to a kind.
func kindOf(declared string) kind {
	t := strings.ToLower(strings.TrimSpace(declared))
	base := t
	if i := strings.IndexAny(base, "( "); i >= 0 {
		base = base[:i]
	}
	switch {
	case base == "date":
		return kDate
	case base == "datetime" || base == "timestamp":
		return kTime
	case strings.Contains(base, "int") || base == "year" || base == "bool" || base == "boolean":
		if strings.Contains(t, "unsigned") {
			return kUint
		}
		return kInt
	case base == "decimal" || base == "numeric":
		return kDecimal
	case strings.Contains(base, "real") || strings.Contains(base, "floa") || strings.Contains(base, "doub"):
		return kFloat
	case strings.Contains(base, "blob") || strings.Contains(base, "binary") || base == "bit":
		return kBlob
	}
	return kText // char, varchar, text kinds, json, enum, set, time, and SQLite's untyped
}

// quote quotes an identifier; both dialects accept backquotes.
func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// tables lists the base tables of the database q is connected to.
func tables(ctx context.Context, q queryer, dialect db.Dialect) ([]string, error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
	if dialect == db.MySQL {
		query = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// columns lists a table's columns in their order.
func columns(ctx context.Context, q queryer, dialect db.Dialect, table string) ([]Column, error) {
	var out []Column
	if dialect == db.MySQL {
		rows, err := q.QueryContext(ctx, "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", table)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var c Column
			if err := rows.Scan(&c.Name, &c.Type); err != nil {
				return nil, err
			}
			c.Kind = kindOf(c.Type)
			out = append(out, c)
		}
		return out, rows.Err()
	}
	rows, err := q.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		c.Kind = kindOf(c.Type)
		out = append(out, c)
	}
	return out, rows.Err()
}

// queryer is what both *sql.DB, *sql.Conn and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// schemaVersion reads MAX(version) of schema_migrations, 0 without it.
func schemaVersion(ctx context.Context, q queryer, names []string) (int, error) {
	found := false
	for _, n := range names {
		if n == "schema_migrations" {
			found = true
		}
	}
	if !found {
		return 0, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT MAX(version) FROM schema_migrations")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var v sql.NullInt64
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return 0, err
		}
	}
	return int(v.Int64), rows.Err()
}

// countRows counts a table's rows.
func countRows(ctx context.Context, q queryer, table string) (int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT COUNT(*) FROM "+quote(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

const timeLayout = "2006-01-02 15:04:05.999999"

// encodeValue writes v (as scanned from the database) as the JSON of kind k.
func encodeValue(buf *bytes.Buffer, v any, k kind) error {
	if v == nil {
		buf.WriteString("null")
		return nil
	}
	switch k {
	case kInt, kUint:
		switch x := v.(type) {
		case int64:
			buf.WriteString(strconv.FormatInt(x, 10))
		case uint64:
			buf.WriteString(strconv.FormatUint(x, 10))
		case []byte, string:
			s := asString(x)
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				if _, err := strconv.ParseUint(s, 10, 64); err != nil {
					return fmt.Errorf("integer column holds %q", s)
				}
			}
			buf.WriteString(s)
		case bool:
			if x {
				buf.WriteString("1")
			} else {
				buf.WriteString("0")
			}
		default:
			return fmt.Errorf("integer column holds a %T", v)
		}
	case kFloat:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			f = float64(x)
		case []byte, string:
			var err error
			if f, err = strconv.ParseFloat(asString(x), 64); err != nil {
				return fmt.Errorf("float column holds %q", asString(x))
			}
		default:
			return fmt.Errorf("float column holds a %T", v)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("float column holds %v", f)
		}
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case kTime, kDate:
		t, err := toTime(v)
		if err != nil {
			return err
		}
		layout := timeLayout
		if k == kDate {
			layout = "2006-01-02"
		}
		writeJSONString(buf, t.UTC().Format(layout))
	case kBlob:
		var b []byte
		switch x := v.(type) {
		case []byte:
			b = x
		case string:
			b = []byte(x)
		default:
			return fmt.Errorf("blob column holds a %T", v)
		}
		writeJSONString(buf, base64.StdEncoding.EncodeToString(b))
	default: // text, decimal
		switch x := v.(type) {
		case []byte, string:
			writeJSONString(buf, asString(x))
		case int64:
			writeJSONString(buf, strconv.FormatInt(x, 10))
		case float64:
			writeJSONString(buf, strconv.FormatFloat(x, 'g', -1, 64))
		case time.Time:
			writeJSONString(buf, x.UTC().Format(time.RFC3339Nano))
		default:
			return fmt.Errorf("text column holds a %T", v)
		}
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

func asString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v.(string)
}

// decodeValue reads one JSON value of kind k from a row file.
func decodeValue(raw json.RawMessage, k kind) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	switch k {
	case kInt:
		return strconv.ParseInt(string(raw), 10, 64)
	case kUint:
		return strconv.ParseUint(string(raw), 10, 64)
	case kFloat:
		return strconv.ParseFloat(string(raw), 64)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	switch k {
	case kBlob:
		return base64.StdEncoding.DecodeString(s)
	case kTime:
		return time.ParseInLocation(timeLayout, s, time.UTC)
	case kDate:
		return time.ParseInLocation("2006-01-02", s, time.UTC)
	}
	return s, nil
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case []byte, string:
		s := strings.TrimSpace(asString(x))
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("not a time: %q", s)
	}
	return time.Time{}, fmt.Errorf("a %T is not a time", v)
}

// coerce turns a value read from any source into what the target column
// of kind k takes, the same on both dialects.
func coerce(v any, k kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kInt, kUint, kDecimal:
		switch x := v.(type) {
		case int64, uint64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if k != kDecimal && x == math.Trunc(x) {
				return int64(x), nil
			}
			return x, nil
		case []byte, string:
			s := asString(x)
			if k == kDecimal {
				return s, nil
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
			if n, err := strconv.ParseUint(s, 10, 64); err == nil {
				return n, nil
			}
			return nil, fmt.Errorf("%q is not an integer", s)
		}
	case kFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		case []byte, string:
			return strconv.ParseFloat(asString(x), 64)
		}
	case kTime:
		return toTime(v)
	case kDate:
		t, err := toTime(v)
		if err != nil {
			return nil, err
		}
		return t.Format("2006-01-02"), nil
	case kBlob:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	default:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case uint64:
			return strconv.FormatUint(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return nil, fmt.Errorf("cannot store a %T in a %s column", v, k)
}

// inserter writes rows into one table in batches.
type inserter struct {
	ctx     context.Context
	q       queryer
	table   string
	cols    []string
	args    []any
	rows    int
	bytes   int
	written int64
}

func newInserter(ctx context.Context, q queryer, table string, cols []string) *inserter {
	return &inserter{ctx: ctx, q: q, table: table, cols: cols}
}

// add queues one row (already coerced) and flushes a full batch.
func (in *inserter) add(vals []any) error {
	in.args = append(in.args, vals...)
	in.rows++
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			in.bytes += len(x)
		case []byte:
			in.bytes += 2 * len(x)
		default:
			in.bytes += 8
		}
	}
	if len(in.args) >= 4000 || in.bytes >= 1<<20 {
		return in.flush()
	}
	return nil
}

func (in *inserter) flush() error {
	if in.rows == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(quote(in.table))
	b.WriteString(" (")
	for i, c := range in.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(c))
	}
	b.WriteString(") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(in.cols)), ", ") + ")"
	for i := 0; i < in.rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if _, err := in.q.ExecContext(in.ctx, b.String(), in.args...); err != nil {
		return err
	}
	in.written += int64(in.rows)
	in.args, in.rows, in.bytes = in.args[:0], 0, 0
	return nil
}
