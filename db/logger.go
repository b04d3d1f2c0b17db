package db

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger sends GORM's slow-query and error reports to slog. It never logs
// bound values: the SQL is logged with placeholders only, so a person's ID
// number or a password hash cannot reach a log line.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newLogger(log *slog.Logger) logger.Interface {
	if log == nil {
		log = slog.Default()
	}
	return &gormLogger{log: log.With("component", "db"), slow: 500 * time.Millisecond}
}

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm", "msg", msg)
}
func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm", "msg", msg)
}
func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm", "msg", msg)
}

// ParamsFilter keeps bound values out of the SQL GORM hands to Trace.
func (l *gormLogger) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return sql, nil
}

func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled) && !errors.Is(err, gorm.ErrDuplicatedKey):
		sql, rows := fc()
		l.log.WarnContext(ctx, "query failed", "sql", sql, "rows", rows, "ms", elapsed.Milliseconds(), "err", err)
	case elapsed > l.slow:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow query", "sql", sql, "rows", rows, "ms", elapsed.Milliseconds())
	}
}
