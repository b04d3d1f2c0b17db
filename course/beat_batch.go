package course

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/db"
)

// Heartbeats are the hot path of the course store: every learner playing
// a lesson sends one every 15 s. An accepted heartbeat is answered only
// once what it did is committed, as before, but it need not take the
// locks of its own transaction: each server keeps the sessions its
// heartbeats read (beatCache) together with the version of the row they
// came from, and writes the heartbeats that arrive together in one
// transaction (beatBatch) that replaces each session's row only where it
// still has the version read. Any other write of a session row (a
// challenge answer, a new session superseding it, a heartbeat through
// another server) adds one to the version, so a heartbeat computed from
// an older state never lands: it is done again the long way (lockedBeat),
// from the database, under the person's lock, as every heartbeat that is
// refused, fails or errs is.

// maxBeatBatch is the most heartbeats one transaction writes.
const maxBeatBatch = 128

// beatFlights is how many batches may be committing at once: while one
// waits for its commit to reach the disk, the next is sent. Their rows
// never overlap (a session's heartbeats on a server wait for each other,
// see beatEntry, and a row another server holds is locked by its batch).
const beatFlights = 2

// beatIdle is how long a session's state stays in the cache without a
// heartbeat (four missed heartbeats).
const beatIdle = time.Minute

// beatEntry is a session's state as this server last read or wrote it.
// mu serializes the heartbeats of the session on this server.
type beatEntry struct {
	mu   sync.Mutex
	row  Playback // Version is the version sess belongs to; State is unused
	sess *Session // nil: not loaded, or spent by a heartbeat that did not land
	used time.Time
}

// beatCache holds the entries of the sessions heartbeating on this server.
type beatCache struct {
	mu    sync.Mutex
	m     map[string]*beatEntry
	swept time.Time
}

// entry returns session id's entry, creating an empty one. Now and then it
// drops the entries idle for longer than beatIdle.
func (c *beatCache) entry(id string, now time.Time) *beatEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*beatEntry{}
	}
	if now.Sub(c.swept) > beatIdle {
		for k, e := range c.m {
			if now.Sub(e.used) > beatIdle {
				delete(c.m, k)
			}
		}
		c.swept = now
	}
	e := c.m[id]
	if e == nil {
		e = &beatEntry{}
		c.m[id] = e
	}
	e.used = now
	return e
}

// forget drops session id's entry: this server wrote the row another way.
func (c *beatCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// errBeatFallback tells a heartbeat to take the long way: its write did
// not land (the row has another version, or the batch failed).
var errBeatFallback = errors.New("course: heartbeat not written in a batch")

// beatJob is one heartbeat waiting for its batch.
type beatJob struct {
	w    *beatWrite
	done chan error
}

// beatBatch writes the heartbeats queued while the previous batches were
// committing, in up to beatFlights transactions at a time.
type beatBatch struct {
	db    *gorm.DB
	queue *db.Batcher[*beatJob]
	// What it did, for tests: transactions committed, heartbeats they
	// wrote, heartbeats sent the long way.
	commits, written, fellBack atomic.Int64
}

func newBeatBatch(gdb *gorm.DB) *beatBatch {
	b := &beatBatch{db: gdb}
	b.queue = db.NewBatcher(maxBeatBatch, beatFlights, b.commit)
	return b
}

// write queues w and returns once its batch is committed (nil) or did not
// write it (errBeatFallback).
func (b *beatBatch) write(w *beatWrite) error {
	j := &beatJob{w: w, done: make(chan error, 1)}
	b.queue.Add(j)
	return <-j.done
}

// commit writes jobs in one transaction. Usually every job's row still
// has the version it read, and one UPDATE that requires it of each row
// replaces them all; otherwise that transaction is rolled back and another
// locks the rows first and leaves out (and tells to fall back) each job
// whose row has another version. If that fails too, every job falls back.
// On MySQL the first transaction goes in one round trip, its commit
// included (see db.Together).
func (b *beatBatch) commit(jobs []*beatJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	written := jobs
	err := db.ErrNotTogether
	if db.CanSendTogether(b.db) {
		err = db.RetryDeadlock(3, func() error { return db.Together(ctx, b.db, beatStatements(jobs)) })
		if errors.Is(err, db.ErrRowsDiffer) {
			err = errBeatFallback
		}
	}
	if errors.Is(err, db.ErrNotTogether) {
		err = db.Transaction(ctx, b.db, func(tx *gorm.DB) error { return writeBatch(tx, jobs, true) })
	}
	if errors.Is(err, errBeatFallback) {
		err = db.Transaction(ctx, b.db, func(tx *gorm.DB) error {
			fresh, err := lockVersions(tx, jobs)
			if err != nil {
				return err
			}
			written = fresh
			if len(fresh) == 0 {
				return nil
			}
			return writeBatch(tx, fresh, false)
		})
	}
	if err != nil {
		written = nil
	} else {
		b.commits.Add(1)
	}
	b.written.Add(int64(len(written)))
	b.fellBack.Add(int64(len(jobs) - len(written)))
	done := make(map[*beatJob]bool, len(written))
	for _, j := range written {
		done[j] = true
	}
	for _, j := range jobs {
		if done[j] {
			j.done <- nil
		} else {
			j.done <- errBeatFallback
		}
	}
}

// beatStatements is the first transaction of commit on MySQL: the
// checked UPDATE of the session rows first, then the ledger rows and the
// coverage, the order in which the other path (and carryOver) take locks.
func beatStatements(jobs []*beatJob) []db.Stmt {
	states := statesStmt(jobs, true)
	states.Rows = int64(len(jobs)) // or the whole transaction is rolled back
	out := []db.Stmt{states}
	credits, exRows, exs, progress := ledgerRows(jobs)
	if len(credits) > 0 {
		out = append(out, creditsStmt(credits))
	}
	if st, ok := exclusionsStmt(exRows, exs); ok {
		out = append(out, st)
	}
	if len(progress) > 0 {
		out = append(out, progressUpsertMySQL(progress))
	}
	return out
}

// lockVersions locks the jobs' session rows (MySQL; SQLite's immediate
// transaction already excludes other writers) and returns the jobs whose
// row still has the version they read, one per session.
func lockVersions(tx *gorm.DB, jobs []*beatJob) ([]*beatJob, error) {
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.w.row.ID)
	}
	q := "SELECT id, version FROM playback_sessions WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	if tx.Dialector.Name() == "mysql" {
		q += " FOR UPDATE"
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := make(map[string]int64, len(ids))
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		have[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fresh := make([]*beatJob, 0, len(jobs))
	for _, j := range jobs {
		if v, ok := have[j.w.row.ID]; ok && v == j.w.version {
			fresh = append(fresh, j)
			delete(have, j.w.row.ID) // a second job of the same session falls back
		}
	}
	return fresh, nil
}

// updateStates replaces the jobs' session rows in one statement, each only
// if it still has the version its job read when checked is true (the rows
// are not locked yet); it returns errBeatFallback if not every row was
// replaced.
func updateStates(tx *gorm.DB, jobs []*beatJob, checked bool) error {
	st := statesStmt(jobs, checked)
	r, err := rawExec(tx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil || n != int64(len(jobs)) {
		return errBeatFallback // unchecked: cannot happen under the locks; never guess
	}
	return nil
}

// statesStmt is the UPDATE of updateStates. Every row it matches changes
// (its version does), so the rows it affects are the rows it matched.
func statesStmt(jobs []*beatJob, checked bool) db.Stmt {
	var q strings.Builder
	args := make([]any, 0, 6*len(jobs))
	q.WriteString("UPDATE playback_sessions SET state = CASE id")
	for _, j := range jobs {
		q.WriteString(" WHEN ? THEN ?")
		args = append(args, j.w.row.ID, j.w.state)
	}
	q.WriteString(" END,")
	if slices.ContainsFunc(jobs, func(j *beatJob) bool { return j.w.setup != "" }) {
		q.WriteString(" setup = CASE id")
		for _, j := range jobs {
			if j.w.setup != "" {
				q.WriteString(" WHEN ? THEN ?")
				args = append(args, j.w.row.ID, j.w.setup)
			}
		}
		q.WriteString(" ELSE setup END,")
	}
	// One time for the batch's rows, its latest heartbeat's: the rows
	// are written together, and a statement a third shorter is parsed
	// faster (the database's parser is a quarter of its work on a batch).
	at := jobs[0].w.at
	for _, j := range jobs[1:] {
		if j.w.at.After(at) {
			at = j.w.at
		}
	}
	q.WriteString(" updated_at = ?, version = version + 1 WHERE ")
	args = append(args, at)
	for i, j := range jobs {
		if i > 0 {
			q.WriteString(" OR ")
		}
		if checked {
			q.WriteString("(id = ? AND version = ?)")
			args = append(args, j.w.row.ID, j.w.version)
		} else {
			q.WriteString("id = ?")
			args = append(args, j.w.row.ID)
		}
	}
	return db.Stmt{SQL: q.String(), Args: args}
}

// writeBatch writes jobs in transaction tx: their session rows (see
// updateStates), then their ledger rows and coverage.
func writeBatch(tx *gorm.DB, jobs []*beatJob, checked bool) error {
	if err := updateStates(tx, jobs, checked); err != nil {
		return err
	}
	return writeLedgers(tx, jobs)
}

// writeLedgers appends the jobs' credits and exclusions and writes their
// coverage, a statement each.
func writeLedgers(tx *gorm.DB, jobs []*beatJob) error {
	credits, exRows, exs, progress := ledgerRows(jobs)
	if err := insertCredits(tx, credits); err != nil {
		return err
	}
	if err := insertExclusionsOf(tx, exRows, exs); err != nil {
		return err
	}
	if len(progress) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&progress).Error
}

// ledgerRows gathers the jobs' credits, exclusions (per session row) and
// coverage rows, these in key order so that two servers' batches lock
// them alike.
func ledgerRows(jobs []*beatJob) (credits []CreditEntry, exRows []Playback, exs [][]LedgerExclusion, progress []Progress) {
	for _, j := range jobs {
		credits = append(credits, j.w.credits...)
		if len(j.w.excluded) > 0 {
			exRows, exs = append(exRows, j.w.row), append(exs, j.w.excluded)
		}
		if j.w.coverage != nil {
			progress = append(progress, *j.w.coverage)
		}
	}
	slices.SortFunc(progress, func(a, b Progress) int {
		return cmp.Or(cmp.Compare(a.PersonID, b.PersonID), strings.Compare(a.ContentKey, b.ContentKey))
	})
	return credits, exRows, exs, progress
}

// progressUpsertMySQL writes coverage rows, inserting or replacing each,
// as GORM's upsert of them does on MySQL.
func progressUpsertMySQL(rows []Progress) db.Stmt {
	args := make([]any, 0, 7*len(rows))
	for _, p := range rows {
		args = append(args, p.PersonID, p.ContentKey, p.Covered, p.CreditedMS, p.DurationMS, p.Completed, p.UpdatedAt)
	}
	return db.Stmt{SQL: "INSERT INTO lesson_progress (`person_id`, `content_key`, `covered`, `credited_ms`, `duration_ms`, `completed`, `updated_at`) VALUES " +
		placeholders(len(rows), 7) + " ON DUPLICATE KEY UPDATE `covered` = VALUES(`covered`), `credited_ms` = VALUES(`credited_ms`), " +
		"`duration_ms` = VALUES(`duration_ms`), `completed` = VALUES(`completed`), `updated_at` = VALUES(`updated_at`)", Args: args}
}

// fastBeat accounts for an accepted heartbeat from the session's cached
// state, written in a batch. ok is false when the heartbeat must take the
// long way: the session is not in the cache and cannot be read, it is not
// the person's, the heartbeat is refused or in error, or its write did not
// land; nothing of it was written then.
func (s *Store) fastBeat(ctx context.Context, p account.Principal, id string, hb Heartbeat) (out BeatResult, ok bool) {
	e := s.beats.entry(id, s.now())
	e.mu.Lock()
	defer e.mu.Unlock()
	now := s.now() // after the session's previous heartbeat here, never before
	if e.sess == nil {
		row, sess, err := s.readPlayback(ctx, id)
		if err != nil {
			return BeatResult{}, false
		}
		e.row, e.sess = row, sess
	}
	if e.row.PersonID != p.PersonID {
		return BeatResult{}, false
	}
	sess := e.sess
	e.sess = nil // spent unless its write lands
	res, err := sess.Heartbeat(hb, now)
	if err != nil || !res.Accepted {
		return BeatResult{}, false
	}
	var challenge *ChallengeView
	if cid, due := sess.Challenge(now, s.opt.Rand); due {
		challenge = challengeView(sess, cid)
	}
	w, credited, err := planBeat(now, e.row, sess, res, hb.Playing)
	if err != nil || s.batch.write(&w) != nil {
		return BeatResult{}, false
	}
	e.row.Version++
	if w.setup != "" {
		e.row.Setup = w.setup
	}
	e.sess = sess
	return BeatResult{Accepted: true, CreditedMS: credited, LessonCredited: sess.Covered.Total().Milliseconds(),
		DurationMS: sess.Duration.Milliseconds(), Completed: complete(sess),
		CreditedTodayMS: sess.CreditedToday.Milliseconds(), DailyCapMS: s.opt.Policy.DailyCap.Milliseconds(),
		Superseded: sess.Superseded, Challenge: challenge, Excluded: excludedViews(res.Excluded)}, true
}

// readPlayback reads session id with its version, without locks, marked
// superseded when it is no longer its person's active session.
func (s *Store) readPlayback(ctx context.Context, id string) (Playback, *Session, error) {
	var row Playback
	var active sql.NullString
	err := s.db.WithContext(ctx).Raw("SELECT p.id, p.person_id, p.lesson_id, p.content_key, p.course_id, p.version_id, p.category, p.setup, p.state, p.version, w.active_session "+
		"FROM playback_sessions p LEFT JOIN watch_states w ON w.person_id = p.person_id WHERE p.id = ? LIMIT 1", id).Row().
		Scan(&row.ID, &row.PersonID, &row.LessonID, &row.ContentKey, &row.CourseID, &row.VersionID, &row.Category, &row.Setup, &row.State, &row.Version, &active)
	if err != nil {
		return Playback{}, nil, err
	}
	sess, err := decodeSession(row.ID, row.PersonID, row.LessonID, row.Setup, row.State)
	if err != nil {
		return Playback{}, nil, err
	}
	row.State = ""
	if active.String != sess.ID && !sess.Superseded {
		Supersede(sess)
	}
	return row, sess, nil
}

// rawExec runs a statement in tx's transaction as it is: the batch's
// statements carry hundreds of arguments, which GORM would scan and copy
// once more before the driver does.
func rawExec(tx *gorm.DB, q string, args ...any) (sql.Result, error) {
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	return tx.Statement.ConnPool.ExecContext(ctx, q, args...)
}
