package scaleseed

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"gorm.io/gorm"

	"anpei/db"
)

// Rows are written with multi-row INSERTs, many per transaction. The
// statement size is a budget of placeholders rather than of rows: the
// pure-Go SQLite driver matches each placeholder to its argument by a
// linear scan, so binding costs grow with the square of the placeholders
// per statement and small statements are fastest there (see insertBatch in
// roster/items.go; 500 placeholders, 25–50 rows, measured best); MySQL
// prefers fewer, larger round trips.
const (
	sqlitePlaceholders = 500
	mysqlPlaceholders  = 30000
	maxBatchRows       = 1000
	txRows             = 20000 // rows per transaction
)

// writer runs the transactions in the background, so the district is
// drawn while the database writes what was drawn before: one goroutine on
// SQLite (one writer at a time anyway), two on MySQL. Progress is reported
// from those goroutines, one call at a time.
type writer struct {
	db       *gorm.DB
	ctx      context.Context
	cancel   context.CancelFunc
	jobs     chan job
	wg       sync.WaitGroup
	progress func(Progress)

	mu   sync.Mutex // guards err and done
	err  error
	done map[string]int
}

// job is one transaction: n rows of step (of total, 0 when not known yet).
type job struct {
	step     string
	n, total int
	first    int // 1-based position of its first row in the step
	run      func(tx *gorm.DB) error
}

func newWriter(ctx context.Context, gdb *gorm.DB, progress func(Progress)) *writer {
	ctx, cancel := context.WithCancel(ctx)
	w := &writer{db: gdb, ctx: ctx, cancel: cancel, jobs: make(chan job, 2), progress: progress, done: map[string]int{}}
	workers := 2
	if db.DialectOf(gdb) == db.SQLite {
		workers = 1
	}
	for range workers {
		w.wg.Add(1)
		go w.work(w.jobs)
	}
	return w
}

func (w *writer) work(jobs <-chan job) {
	defer w.wg.Done()
	for j := range jobs {
		if w.failed() != nil {
			continue // drain
		}
		err := w.db.WithContext(w.ctx).Session(&gorm.Session{SkipHooks: true}).Transaction(j.run)
		w.mu.Lock()
		if err != nil {
			if w.err == nil {
				w.err = fmt.Errorf("scaleseed: write %s (rows %d–%d): %w", j.step, j.first, j.first+j.n-1, err)
				w.cancel()
			}
		} else {
			w.done[j.step] += j.n
			if w.progress != nil {
				w.progress(Progress{Step: j.step, Done: w.done[j.step], Total: j.total})
			}
		}
		w.mu.Unlock()
	}
}

// failed returns the first error of a transaction, if one failed.
func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// submit queues a transaction; it returns the first error of an earlier
// one, or ctx's error, instead.
func (w *writer) submit(j job) error {
	if err := w.failed(); err != nil {
		return err
	}
	select {
	case w.jobs <- j:
		return nil
	case <-w.ctx.Done():
		if err := w.failed(); err != nil {
			return err
		}
		return w.ctx.Err()
	}
}

// wait lets the queued transactions finish and returns the first error.
// The writer takes no more work afterwards.
func (w *writer) wait() error {
	if w.jobs != nil {
		close(w.jobs)
		w.jobs = nil
	}
	w.wg.Wait()
	w.cancel()
	return w.failed()
}

// table buffers rows of one model and hands them to the writer a
// transaction at a time.
type table[T any] struct {
	w      *writer
	step   string
	batch  int
	rows   []T
	queued int
	total  int
}

// newTable returns the buffer of step's rows of model T; total is how many
// the step will write (0 if not known), for progress.
func newTable[T any](w *writer, step string, total int) *table[T] {
	budget := mysqlPlaceholders
	if db.DialectOf(w.db) == db.SQLite {
		budget = sqlitePlaceholders
	}
	cols := 20
	stmt := &gorm.Statement{DB: w.db}
	if err := stmt.Parse(new(T)); err == nil && len(stmt.Schema.DBNames) > 0 {
		cols = len(stmt.Schema.DBNames)
	}
	return &table[T]{w: w, step: step, batch: min(max(budget/cols, 1), maxBatchRows), total: total}
}

// add buffers rows, handing a transaction's worth to the writer when
// there are enough.
func (t *table[T]) add(rows ...T) error {
	t.rows = append(t.rows, rows...)
	if len(t.rows) >= txRows {
		return t.flush()
	}
	return nil
}

// flush hands the buffered rows to the writer as one transaction.
func (t *table[T]) flush() error {
	if len(t.rows) == 0 {
		return nil
	}
	rows, batch := t.rows, t.batch
	t.rows = make([]T, 0, txRows)
	j := job{step: t.step, n: len(rows), total: t.total, first: t.queued + 1, run: func(tx *gorm.DB) error {
		for chunk := range slices.Chunk(rows, batch) {
			if err := tx.Create(&chunk).Error; err != nil {
				return err
			}
		}
		return nil
	}}
	t.queued += len(rows)
	return t.w.submit(j)
}

// writeAll hands rows to the writer as step.
func writeAll[T any](w *writer, step string, rows []T) error {
	t := newTable[T](w, step, len(rows))
	for chunk := range slices.Chunk(rows, txRows) {
		if err := t.add(chunk...); err != nil {
			return err
		}
	}
	return t.flush()
}
