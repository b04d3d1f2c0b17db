// Package jobs makes anpei's background jobs run once across the app
// servers that share one database, with two small tables:
//
//   - job_runs: one row per job and period (the China date of a nightly
//     refresh, the hour of an hourly sweep). The first node to insert the
//     row runs the period; the others see the row and skip it. The runner
//     holds a lease (lease_until) it renews while it works; a node that died
//     mid-run leaves an unfinished row whose lease runs out, and the next
//     node to ask takes the period over with one conditional UPDATE. A run
//     that fails releases its lease at once, so the next tick (on any node)
//     tries again; a finished row is never run again.
//   - job_leases: one row per job that should sweep on one node at a time
//     (grading attempts whose time ran out, every 15 s). The holder renews
//     it on each tick; another node takes it only when it has expired, or
//     at once when the holder released it on shutdown.
//
// Both are plain INSERTs and conditional UPDATEs on primary keys, with no
// locking reads, so they behave alike on SQLite (one node), MySQL/MariaDB
// and TiDB. The times compared are the nodes' clocks: keep them in NTP sync
// (a skew far below the lease, which is minutes).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Column sizes.
const (
	MaxJob    = 64
	MaxPeriod = 32
	MaxNode   = 128
	maxError  = 500
)

// Run is one period of a job (table job_runs).
type Run struct {
	Job    string `gorm:"primaryKey;size:64" json:"job"`
	Period string `gorm:"column:period_key;primaryKey;size:32" json:"period"`
	// Node ran (or is running) the period; Attempts counts the claims,
	// more than one when a node failed or died and another took over.
	Node      string    `gorm:"size:128;not null" json:"node"`
	Attempts  int       `gorm:"not null;default:1" json:"attempts"`
	StartedAt time.Time `gorm:"not null" json:"started_at"`
	// LeaseUntil: the runner renews it while it works; past it, an
	// unfinished period may be taken over.
	LeaseUntil time.Time  `gorm:"not null" json:"lease_until"`
	FinishedAt *time.Time `gorm:"index" json:"finished_at"`
	// LastError is the last failed attempt's error ("" when none failed).
	LastError string `gorm:"size:500;not null;default:''" json:"last_error"`
}

// TableName keeps the table name plain.
func (Run) TableName() string { return "job_runs" }

// Lease is a job that sweeps on one node at a time (table job_leases).
type Lease struct {
	Job        string    `gorm:"primaryKey;size:64" json:"job"`
	Node       string    `gorm:"size:128;not null" json:"node"`
	TakenAt    time.Time `gorm:"not null" json:"taken_at"`
	LeaseUntil time.Time `gorm:"not null" json:"lease_until"`
}

// TableName keeps the table name plain.
func (Lease) TableName() string { return "job_leases" }

// AutoMigrate creates the two tables.
func AutoMigrate(tx *gorm.DB) error { return tx.AutoMigrate(&Run{}, &Lease{}) }

// ErrLeaseLost cancels a run whose lease another node took over (this
// node stalled past it); its work may be half done and is done again by
// the new holder, so a job run through Once must be safe to repeat.
var ErrLeaseLost = errors.New("jobs: lease lost to another node")

// Store claims job periods and leases for one node.
type Store struct {
	db   *gorm.DB
	node string
	now  func() time.Time
}

// New returns the store of node (see DefaultNode); now is the clock (nil =
// time.Now).
func New(gdb *gorm.DB, node string, now func() time.Time) (*Store, error) {
	if err := CheckNode(node); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: gdb, node: node, now: now}, nil
}

// CheckNode accepts a node name of 1 to 128 printable characters.
func CheckNode(node string) error {
	if node == "" || utf8.RuneCountInString(node) > MaxNode || !utf8.ValidString(node) {
		return fmt.Errorf("节点名应为 1 到 %d 个字符 / a node name is 1 to %d characters, not %q", MaxNode, MaxNode, node)
	}
	for _, r := range node {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("节点名含控制字符 / the node name %q holds a control character", node)
		}
	}
	return nil
}

// DefaultNode is the host name and the process ID, e.g. "app1:4711":
// unique among the processes sharing a database as long as host names are.
func DefaultNode() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "anpei"
	}
	n := fmt.Sprintf("%s:%d", h, os.Getpid())
	if len(n) > MaxNode {
		n = n[len(n)-MaxNode:]
	}
	return n
}

// Node is this store's node name.
func (s *Store) Node() string { return s.node }

func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Once runs fn for the period of job unless some node has done it or is
// doing it (its lease not yet run out). It reports whether fn ran here,
// and fn's error. While fn runs its lease is renewed every third of lease;
// if another node takes the period over meanwhile, fn's context is
// cancelled with ErrLeaseLost. When fn fails, the period stays open and
// its lease is released, so the next call on any node tries again.
func (s *Store) Once(ctx context.Context, job, period string, lease time.Duration, fn func(context.Context) error) (bool, error) {
	if err := checkNames(job, period); err != nil {
		return false, err
	}
	if lease <= 0 {
		return false, fmt.Errorf("jobs: lease of %s must be positive", job)
	}
	ok, err := s.claim(ctx, job, period, lease)
	if err != nil || !ok {
		return false, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.keep(runCtx, stop, cancel, job, period, lease)
	}()
	fnErr := fn(runCtx)
	close(stop)
	wg.Wait()
	if fnErr == nil && context.Cause(runCtx) == ErrLeaseLost {
		fnErr = ErrLeaseLost
	}
	// Record the outcome even when ctx ended (a shutdown): a failed or
	// interrupted period is released for another node at once.
	endCtx, endCancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer endCancel()
	now := s.clock()
	mine := s.db.WithContext(endCtx).Model(&Run{}).Where("job = ? AND period_key = ? AND node = ? AND finished_at IS NULL", job, period, s.node)
	var res *gorm.DB
	if fnErr == nil {
		res = mine.Updates(map[string]any{"finished_at": now, "lease_until": now, "last_error": ""})
	} else {
		res = mine.Updates(map[string]any{"lease_until": now, "last_error": clip(fnErr.Error(), maxError)})
	}
	if res.Error != nil {
		return true, errors.Join(fnErr, fmt.Errorf("jobs: record %s %s: %w", job, period, res.Error))
	}
	if res.RowsAffected == 0 && fnErr == nil {
		// Taken over between fn's end and this update: the other node
		// runs the period again.
		return true, ErrLeaseLost
	}
	return true, fnErr
}

// claim takes the period: inserts its row, or takes over an unfinished
// one whose lease ran out.
func (s *Store) claim(ctx context.Context, job, period string, lease time.Duration) (bool, error) {
	gdb := s.db.WithContext(ctx)
	var cur Run
	err := gdb.Where("job = ? AND period_key = ?", job, period).Take(&cur).Error
	now := s.clock()
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		err = gdb.Create(&Run{Job: job, Period: period, Node: s.node, Attempts: 1, StartedAt: now, LeaseUntil: now.Add(lease)}).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return false, nil // another node inserted it first
		}
		return err == nil, err
	case err != nil:
		return false, err
	case cur.FinishedAt != nil || !cur.LeaseUntil.Before(now):
		return false, nil
	}
	// Unfinished and its lease ran out: take it over, unless another node
	// does so first (the UPDATE's condition is checked on the row).
	res := gdb.Model(&Run{}).Where("job = ? AND period_key = ? AND finished_at IS NULL AND lease_until < ?", job, period, now).
		Updates(map[string]any{"node": s.node, "started_at": now, "lease_until": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
	return res.RowsAffected == 1, res.Error
}

// keep renews the period's lease until stop closes; losing it cancels
// the run with ErrLeaseLost.
func (s *Store) keep(ctx context.Context, stop <-chan struct{}, cancel context.CancelCauseFunc, job, period string, lease time.Duration) {
	t := time.NewTicker(max(lease/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res := s.db.WithContext(ctx).Model(&Run{}).Where("job = ? AND period_key = ? AND node = ? AND finished_at IS NULL", job, period, s.node).
			Update("lease_until", s.clock().Add(lease))
		if res.Error == nil && res.RowsAffected == 0 {
			cancel(ErrLeaseLost)
			return
		}
		// A failed renewal (the database away a moment) is tried again
		// at the next tick; the lease is three ticks long.
	}
}

// Hold reports whether this node holds job's lease for ttl from now: it
// renews the lease when it already holds it, and takes it when it is free,
// expired or released. Call it on every tick and sweep only when it says
// so; Release it on shutdown.
func (s *Store) Hold(ctx context.Context, job string, ttl time.Duration) (bool, error) {
	if err := checkNames(job, "-"); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("jobs: lease of %s must be positive", job)
	}
	gdb := s.db.WithContext(ctx)
	now := s.clock()
	until := now.Add(ttl)
	// taken_at is assigned first: MySQL evaluates SET left to right with
	// the new values, SQLite with the old ones; before node changes, both
	// see the old holder.
	res := gdb.Exec("UPDATE job_leases SET taken_at = CASE WHEN node = ? THEN taken_at ELSE ? END, node = ?, lease_until = ? WHERE job = ? AND (node = ? OR lease_until < ?)",
		s.node, now, s.node, until, job, s.node, now)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	err := gdb.Create(&Lease{Job: job, Node: s.node, TakenAt: now, LeaseUntil: until}).Error
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, gorm.ErrDuplicatedKey):
		return false, err
	}
	// The row is there: another node's live lease, or ours renewed with
	// an unchanged value (MySQL counts only changed rows).
	var l Lease
	if err := gdb.Where("job = ?", job).Take(&l).Error; err != nil {
		return false, err
	}
	return l.Node == s.node && !l.LeaseUntil.Before(now), nil
}

// Release gives up job's lease if this node holds it, so another node
// takes it at its next tick instead of after the lease runs out.
func (s *Store) Release(ctx context.Context, job string) error {
	return s.db.WithContext(ctx).Model(&Lease{}).Where("job = ? AND node = ?", job, s.node).
		Update("lease_until", s.clock().Add(-time.Millisecond)).Error
}

// Runs lists job's periods, newest first (at most limit).
func (s *Store) Runs(ctx context.Context, job string, limit int) ([]Run, error) {
	var out []Run
	err := s.db.WithContext(ctx).Where("job = ?", job).Order("period_key DESC").Limit(limit).Find(&out).Error
	return out, err
}

// Leases lists the sweep leases and their holders.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	var out []Lease
	err := s.db.WithContext(ctx).Order("job").Find(&out).Error
	return out, err
}

func checkNames(job, period string) error {
	if job == "" || len(job) > MaxJob || strings.TrimSpace(job) != job {
		return fmt.Errorf("jobs: bad job name %q", job)
	}
	if period == "" || len(period) > MaxPeriod {
		return fmt.Errorf("jobs: bad period %q of %s", period, job)
	}
	return nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// Periods in China time (UTC+8), the district's calendar.
var china = time.FixedZone("CST", 8*3600)

// Day is the period of a daily job: the China date, "2006-01-02".
func Day(t time.Time) string { return t.In(china).Format("2006-01-02") }

// Hour is the period of an hourly job: "2006-01-02T15" in China time.
func Hour(t time.Time) string { return t.In(china).Format("2006-01-02T15") }
