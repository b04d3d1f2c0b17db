package exam

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"anpei/db"
)

// Answers saved during an exam are the hot path of the exam store: 2,000
// candidates answering 100 questions each. Each save is one conditional
// UPDATE (see saveSQL); the saves that arrive while earlier ones are being
// written are sent together as one UPDATE whose WHERE is the OR of their
// conditions, committed once. Each is answered only after that commit. If
// the statement changes fewer rows than it carries saves (one of them is
// refused), none is reported saved by it and each is sent again alone, as
// before, where the refusals are explained; the others are written again
// with the same values. Two saves of one question in flight at once (the
// page sent the second before the first was answered) have no order, as
// without batches: whichever reaches the database last stays.

// maxSaveBatch is the most saves one statement carries.
const maxSaveBatch = 64

// saveFlights is how many batches may be in flight at once.
const saveFlights = 2

// saveJob is one save waiting for its batch: the arguments of saveSQL.
type saveJob struct {
	choice   string
	at       time.Time
	attempt  uint
	no       int
	need     int
	multiple bool // the answer has two letters or more: the item must be multiple choice
	person   uint
	cutoff   time.Time // the attempt's deadline must be at or after it
	done     chan bool // true: saved by its batch
}

// saveBatch writes the queued saves.
type saveBatch struct {
	db    *gorm.DB
	queue *db.Batcher[*saveJob]
	// What it did, for tests: statements sent with more than one save,
	// saves they wrote, saves sent again alone.
	batches, written, alone atomic.Int64
}

func newSaveBatch(gdb *gorm.DB) *saveBatch {
	b := &saveBatch{db: gdb}
	b.queue = db.NewBatcher(maxSaveBatch, saveFlights, b.writeAll)
	return b
}

// save queues j and reports whether its batch saved it.
func (b *saveBatch) save(j *saveJob) bool {
	j.done = make(chan bool, 1)
	b.queue.Add(j)
	return <-j.done
}

// writeAll writes a batch and tells each save whether it was written. A
// batch holding two saves of one question is not sent: the statement picks
// each row's new value by attempt and question alone, so the value of one
// save (perhaps refused: another candidate's, an option the item lacks)
// could be written under the condition of the other. Its saves go alone.
func (b *saveBatch) writeAll(jobs []*saveJob) {
	ok := distinctItems(jobs) && b.write(jobs)
	if ok && len(jobs) > 1 {
		b.batches.Add(1)
		b.written.Add(int64(len(jobs)))
	} else if !ok {
		b.alone.Add(int64(len(jobs)))
	}
	for _, j := range jobs {
		j.done <- ok
	}
}

// distinctItems reports whether no two jobs save the same question of the
// same attempt.
func distinctItems(jobs []*saveJob) bool {
	seen := make(map[[2]uint]bool, len(jobs))
	for _, j := range jobs {
		k := [2]uint{j.attempt, uint(j.no)}
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// write sends jobs as one statement and reports whether it saved all.
func (b *saveBatch) write(jobs []*saveJob) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sqlDB, err := b.db.DB()
	if err != nil {
		return false
	}
	q, args := batchSQL(jobs)
	r, err := sqlDB.ExecContext(ctx, q, args...)
	if err != nil {
		return false
	}
	n, err := r.RowsAffected()
	return err == nil && n == int64(len(jobs))
}

// batchSQL is saveSQL for several saves: the new choice and time of each
// item picked by CASE, and the OR of the saves' conditions.
func batchSQL(jobs []*saveJob) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 16*len(jobs))
	q.WriteString("UPDATE exam_answers SET choice = CASE")
	for _, j := range jobs {
		q.WriteString(" WHEN attempt_id = ? AND no = ? THEN ?")
		args = append(args, j.attempt, j.no, j.choice)
	}
	q.WriteString(" END, saved_at = CASE")
	for _, j := range jobs {
		q.WriteString(" WHEN attempt_id = ? AND no = ? THEN ?")
		args = append(args, j.attempt, j.no, j.at)
	}
	q.WriteString(" END WHERE ")
	for i, j := range jobs {
		if i > 0 {
			q.WriteString(" OR ")
		}
		q.WriteString("(attempt_id = ? AND no = ? AND options >= ?")
		args = append(args, j.attempt, j.no, j.need)
		if j.multiple {
			q.WriteString(" AND type = ?")
			args = append(args, Multiple)
		}
		q.WriteString(saveTail + ")")
		args = append(args, j.attempt, j.person, false, j.cutoff)
	}
	return q.String(), args
}
