package exam

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
)

// recordWrong applies a graded paper's outcomes to the person's 错题本
// inside the grading transaction.
func recordWrong(tx *gorm.DB, personID uint, outcomes []Outcome, practice bool, at time.Time) error {
	if len(outcomes) == 0 {
		return nil
	}
	ids := make([]uint, 0, len(outcomes))
	for _, o := range outcomes {
		ids = append(ids, o.QuestionID)
	}
	var rows []WrongRow
	if err := tx.Where("person_id = ? AND question_id IN ?", personID, ids).Find(&rows).Error; err != nil {
		return err
	}
	book := make(WrongBook, 0, len(rows))
	for _, r := range rows {
		book = append(book, WrongEntry{QuestionID: r.QuestionID, Misses: r.Misses, Streak: r.Streak, LastMissed: r.LastMissed})
	}
	next, mastered := book.Record(outcomes, practice, at)
	if len(mastered) > 0 {
		if err := tx.Where("person_id = ? AND question_id IN ?", personID, mastered).Delete(&WrongRow{}).Error; err != nil {
			return err
		}
	}
	if len(next) == 0 {
		return nil
	}
	out := make([]WrongRow, 0, len(next))
	for _, e := range next {
		out = append(out, WrongRow{PersonID: personID, QuestionID: e.QuestionID, Misses: e.Misses, Streak: e.Streak, LastMissed: e.LastMissed.UTC()})
	}
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&out).Error
}

// WrongItem is a question of the learner's 错题本, with its answer and
// explanation (the book is for learning).
type WrongItem struct {
	WrongEntry
	Type        Type     `json:"type"`
	TypeLabel   string   `json:"type_label"`
	Stem        string   `json:"stem"`
	Options     []string `json:"options"`
	Answer      []string `json:"answer"`
	Explanation string   `json:"explanation"`
	Category    string   `json:"category"`
}

// WrongBookOf lists the learner's 错题本, most missed first.
func (s *Store) WrongBookOf(ctx context.Context, p account.Principal) ([]WrongItem, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return nil, ErrNotCandidate
	}
	if err := s.examRunning(ctx, p.PersonID); err != nil {
		return nil, err
	}
	var rows []WrongRow
	if err := s.db.WithContext(ctx).Where("person_id = ?", p.PersonID).Order("misses DESC, last_missed DESC").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	ids := make([]uint, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.QuestionID)
	}
	qs := map[uint]BankQuestion{}
	if len(ids) > 0 {
		var list []BankQuestion
		if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
			return nil, asFault(err)
		}
		for _, q := range list {
			qs[q.ID] = q
		}
	}
	out := make([]WrongItem, 0, len(rows))
	for _, r := range rows {
		q, ok := qs[r.QuestionID]
		if !ok {
			continue
		}
		qq := q.Question()
		out = append(out, WrongItem{WrongEntry: WrongEntry{QuestionID: r.QuestionID, Misses: r.Misses, Streak: r.Streak, LastMissed: r.LastMissed},
			Type: q.Type, TypeLabel: q.Type.Label(), Stem: q.Stem, Options: qq.Options, Answer: qq.Answer, Explanation: q.Explanation, Category: q.Category})
	}
	return out, nil
}

// Retry starts a 再练一遍 practice paper built from the learner's 错题本
// (or returns the one still open).
func (s *Store) Retry(ctx context.Context, p account.Principal, ip, device string) (AttemptOut, error) {
	cand, err := s.candidateOf(ctx, p)
	if err != nil {
		return AttemptOut{}, err
	}
	if err := s.examRunning(ctx, cand.PersonID); err != nil {
		return AttemptOut{}, err
	}
	key := liveKey("retry", 0, cand.PersonID)
	e := Exam{Title: "错题再练", Practice: true, ReviewPolicy: ReviewAfterSubmit}
	if live, err := s.liveAttempt(ctx, key); err != nil || live != nil {
		if err != nil {
			return AttemptOut{}, err
		}
		return s.resume(ctx, *live, e, ip, device)
	}
	var rows []WrongRow
	if err := s.db.WithContext(ctx).Where("person_id = ?", cand.PersonID).Find(&rows).Error; err != nil {
		return AttemptOut{}, asFault(err)
	}
	book := make(WrongBook, 0, len(rows))
	for _, r := range rows {
		book = append(book, WrongEntry{QuestionID: r.QuestionID, Misses: r.Misses, Streak: r.Streak, LastMissed: r.LastMissed})
	}
	pool, err := s.pool(ctx, Candidate{})
	if err != nil {
		return AttemptOut{}, err
	}
	paper, err := BuildRetry(book, pool, DefaultRetrySize, NewRand())
	if err != nil {
		return AttemptOut{}, err
	}
	now := s.now()
	a := &Attempt{Paper: paper, Blueprint: Blueprint{}.WithDefaults(), StartedAt: now, Deadline: now.Add(practiceTime), Grace: s.opt.Grace}
	row, err := s.insertAttempt(ctx, 0, cand.PersonID, true, key, a, ip, device)
	if err != nil {
		return AttemptOut{}, err
	}
	return s.out(row, e, a), nil
}
