package exam

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"

	"anpei/fault"
)

// MasteryStreak is how many correct practice answers in a row take a
// question out of a person's wrong-question book (错题本); DefaultRetrySize
// is how many questions 再练一遍 draws when not told.
const (
	MasteryStreak    = 2
	DefaultRetrySize = 20
)

// ErrWrongBookEmpty: 再练一遍 found no question of the book still in the
// bank.
var ErrWrongBookEmpty = fault.New(fault.Unprocessable, "exam_wrongbook_empty", "错题本中没有可练习的题目")

// WrongEntry is one question in a person's wrong-question book.
type WrongEntry struct {
	QuestionID uint `json:"question_id"`
	// Misses counts the times the person got it wrong (exams and practice).
	Misses int `json:"misses"`
	// Streak counts the correct practice answers since the last miss.
	Streak     int       `json:"streak"`
	LastMissed time.Time `json:"last_missed"`
}

// WrongBook is a person's wrong-question book, one entry per question, in
// question-ID order.
type WrongBook []WrongEntry

// Outcome is whether a person answered a bank question correctly.
type Outcome struct {
	QuestionID uint
	Correct    bool
}

// Outcomes lists a graded paper's outcomes. A partly correct or unanswered
// item is a miss. For practice, pass only the items the person answered.
func Outcomes(r Result) []Outcome {
	out := make([]Outcome, len(r.Items))
	for i, ir := range r.Items {
		out[i] = Outcome{QuestionID: ir.QuestionID, Correct: ir.Correct}
	}
	return out
}

// Record applies outcomes, in order, from an exam attempt (practice false)
// or practice (true) at time at, and returns the new book and the
// questions mastered (removed). w is not changed.
//
//   - A miss adds the question (or counts another miss) and resets its
//     streak.
//   - A correct practice answer to a question in the book extends its
//     streak; at MasteryStreak the question is mastered and leaves the book.
//   - A correct exam answer changes nothing: mastery is shown in practice.
//
// Recording outcomes together or one call at a time gives the same book: a
// question mastered and then missed again comes back counted afresh.
func (w WrongBook) Record(outcomes []Outcome, practice bool, at time.Time) (WrongBook, []uint) {
	byID := make(map[uint]WrongEntry, len(w))
	for _, e := range w {
		byID[e.QuestionID] = e
	}
	var mastered []uint
	for _, o := range outcomes {
		e, in := byID[o.QuestionID]
		switch {
		case !o.Correct:
			e.QuestionID = o.QuestionID
			e.Misses++
			e.Streak = 0
			e.LastMissed = at
			byID[o.QuestionID] = e
			mastered = slices.DeleteFunc(mastered, func(id uint) bool { return id == o.QuestionID })
		case in && practice:
			e.Streak++
			if e.Streak >= MasteryStreak {
				delete(byID, o.QuestionID)
				mastered = append(mastered, o.QuestionID)
			} else {
				byID[o.QuestionID] = e
			}
		}
	}
	out := make(WrongBook, 0, len(byID))
	for _, e := range byID {
		out = append(out, e)
	}
	slices.SortFunc(out, func(x, y WrongEntry) int { return cmp.Compare(x.QuestionID, y.QuestionID) })
	slices.Sort(mastered)
	return out, mastered
}

// BuildRetry builds a 再练一遍 practice paper of up to n questions (≤ 0:
// DefaultRetrySize) from the book: those still usable in pool, the most
// missed first, then the longest unpractised (oldest last miss), then by
// ID; shown in random order with shuffled options. Practice items carry no
// points: feedback is per item (GradeItem). It returns ErrWrongBookEmpty if
// no question of the book is in pool.
func BuildRetry(w WrongBook, pool []BankItem, n int, rnd *rand.Rand) (Paper, error) {
	if n <= 0 {
		n = DefaultRetrySize
	}
	bank := map[uint]BankItem{}
	for _, l := range usableByType(pool) {
		for _, it := range l {
			bank[it.ID] = it
		}
	}
	entries := slices.Clone(w)
	slices.SortFunc(entries, func(x, y WrongEntry) int {
		return cmp.Or(cmp.Compare(y.Misses, x.Misses), x.LastMissed.Compare(y.LastMissed), cmp.Compare(x.QuestionID, y.QuestionID))
	})
	var picked []BankItem
	for _, e := range entries {
		it, ok := bank[e.QuestionID]
		if !ok || len(picked) == n || slices.ContainsFunc(picked, func(p BankItem) bool { return p.ID == it.ID }) {
			continue
		}
		picked = append(picked, it)
	}
	if len(picked) == 0 {
		return Paper{}, ErrWrongBookEmpty
	}
	rnd.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
	p := Paper{Items: make([]PaperItem, len(picked))}
	for i, it := range picked {
		p.Items[i] = paperItem(it, -1, 0, true, rnd)
		p.Items[i].No = i + 1
	}
	return p, nil
}
