package exam

import (
	"context"
	"time"

	"anpei/sqltext"
)

// Pass is a passed attempt of an exam that awards a certificate kind:
// what certificate issuance needs to know of it.
type Pass struct {
	AttemptID     uint
	ExamID        uint
	ExamTitle     string
	PersonID      uint
	Kind          string
	Score         Points
	FinishedAt    time.Time
	RequiredRules []string
}

type passRow struct {
	AttemptID     uint
	ExamID        uint
	Title         string
	PersonID      uint
	AwardsKind    string
	Score         Points
	FinishedAt    time.Time
	RequiredRules string
}

func (r passRow) pass() Pass {
	return Pass{AttemptID: r.AttemptID, ExamID: r.ExamID, ExamTitle: r.Title, PersonID: r.PersonID, Kind: r.AwardsKind,
		Score: r.Score, FinishedAt: r.FinishedAt.UTC(), RequiredRules: sqltext.SplitCodes(r.RequiredRules)}
}

const passColumns = "exam_attempts.id AS attempt_id, exams.id AS exam_id, exams.title, exam_attempts.person_id, exams.awards_kind, " +
	"exam_attempts.score, exam_attempts.finished_at, exams.required_rules"

// PassOf returns attempt id if it is a passed attempt of an awarding exam,
// else ErrAttemptNotFound.
func (s *Store) PassOf(ctx context.Context, id uint) (Pass, error) {
	var rows []passRow
	err := s.db.WithContext(ctx).Table("exam_attempts").Joins("JOIN exams ON exams.id = exam_attempts.exam_id").
		Select(passColumns).Where("exam_attempts.id = ? AND exam_attempts.passed = ? AND exams.awards_kind <> ''", id, true).
		Scan(&rows).Error
	if err != nil {
		return Pass{}, asFault(err)
	}
	if len(rows) == 0 {
		return Pass{}, ErrAttemptNotFound
	}
	return rows[0].pass(), nil
}

// PassesSince returns, in attempt order after afterID, up to limit passed
// attempts of awarding exams finished at or after since (a sweeper pages
// through them to issue what a crash or unmet hours held back). With
// examID non-zero only that exam's.
func (s *Store) PassesSince(ctx context.Context, since time.Time, examID, afterID uint, limit int) ([]Pass, error) {
	q := s.db.WithContext(ctx).Table("exam_attempts").Joins("JOIN exams ON exams.id = exam_attempts.exam_id").
		Select(passColumns).Where("exam_attempts.passed = ? AND exams.awards_kind <> '' AND exam_attempts.finished_at >= ? AND exam_attempts.id > ?",
		true, since.UTC(), afterID)
	if examID != 0 {
		q = q.Where("exams.id = ?", examID)
	}
	var rows []passRow
	if err := q.Order("exam_attempts.id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	out := make([]Pass, len(rows))
	for i, r := range rows {
		out[i] = r.pass()
	}
	return out, nil
}
