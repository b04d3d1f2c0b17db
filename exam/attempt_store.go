package exam

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// practiceTime is how long a practice paper stays open: the longest
// duration a blueprint may have.
const practiceTime = MaxMinutes * time.Minute

// AttemptOut is an attempt as its candidate sees it: before grading only
// the public paper, the saved answers and the server's deadline; after,
// the score and, when the review policy allows, the review.
type AttemptOut struct {
	ID          uint             `json:"id"`
	ExamID      uint             `json:"exam_id"`
	Title       string           `json:"title"`
	Practice    bool             `json:"practice"`
	Number      int              `json:"number"`
	Deadline    time.Time        `json:"deadline"`
	RemainingMS int64            `json:"remaining_ms"`
	Items       []PublicItem     `json:"items"`
	Answers     map[int][]string `json:"answers"`
	Finished    bool             `json:"finished"`
	Auto        bool             `json:"auto,omitempty"`
	Score       *Points          `json:"score,omitempty"`
	PassMark    Points           `json:"pass_mark"`
	Passed      *bool            `json:"passed,omitempty"`
	ValidUntil  *time.Time       `json:"valid_until,omitempty"`
	Review      []ReviewItem     `json:"review,omitempty"`
	ReviewNote  string           `json:"review_note,omitempty"`
}

// liveKey is the unique key of a candidate's unfinished attempt.
func liveKey(kind string, examID, personID uint) *string {
	k := fmt.Sprintf("%s:%d:%d", kind, examID, personID)
	return &k
}

// Start starts an attempt of exam id for the learner p, or returns their
// unfinished one (a reload, another device: same paper, same deadline).
// The candidate must be in the exam's audience, within its window and
// attempts, and have done the required training hours (ErrNotEligible,
// with each unmet requirement as a detail).
func (s *Store) Start(ctx context.Context, p account.Principal, id uint, ip, device string) (AttemptOut, error) {
	cand, err := s.candidateOf(ctx, p)
	if err != nil {
		return AttemptOut{}, err
	}
	var e Exam
	if err := s.db.WithContext(ctx).First(&e, id).Error; err != nil {
		return AttemptOut{}, asFault(notFound(err, ErrExamNotFound))
	}
	if !inAudience(cand, e.AudienceCategories, e.AudienceIndustries, e.AudienceItems) {
		return AttemptOut{}, ErrExamNotFound
	}
	if _, err := s.ExpireDue(ctx); err != nil {
		return AttemptOut{}, err
	}
	kind := "exam"
	if e.Practice {
		kind = "practice"
		if err := s.examRunning(ctx, cand.PersonID); err != nil {
			return AttemptOut{}, err
		}
	}
	if live, err := s.liveAttempt(ctx, liveKey(kind, e.ID, cand.PersonID)); err != nil || live != nil {
		if err != nil {
			return AttemptOut{}, err
		}
		return s.resume(ctx, *live, e, ip, device)
	}
	if !e.Practice {
		st, err := s.standing(ctx, e, cand)
		if err != nil {
			return AttemptOut{}, err
		}
		if !st.CanStart {
			if len(st.Unmet) > 0 {
				d := make([]fault.Detail, 0, len(st.Unmet))
				for _, u := range st.Unmet {
					d = append(d, fault.Detail{Field: "required_rules", Message: u})
				}
				return AttemptOut{}, ErrNotEligible.WithDetails(d...)
			}
			open, closeAt := e.window()
			var history []AttemptSummary
			if st.Passed {
				history = append(history, AttemptSummary{Finished: true, Passed: true})
			}
			for i := 0; i < st.Used && !st.Passed; i++ {
				history = append(history, AttemptSummary{Finished: true})
			}
			if err := CanStart(history, e.AttemptsAllowed, open, closeAt, s.now()); err != nil {
				return AttemptOut{}, err
			}
			return AttemptOut{}, ErrNotEligible.WithMessage("%s", st.Reason)
		}
	}
	b, err := e.blueprint()
	if err != nil {
		return AttemptOut{}, fault.Wrap(err, "exam: blueprint")
	}
	pool, err := s.pool(ctx, cand)
	if err != nil {
		return AttemptOut{}, err
	}
	now := s.now()
	_, closeAt := e.window()
	if e.Practice {
		closeAt = now.Add(practiceTime)
		b.Minutes = int(practiceTime / time.Minute)
	}
	a, err := StartAttempt(b, pool, NewRand(), now, closeAt)
	if err != nil {
		return AttemptOut{}, err
	}
	row, err := s.insertAttempt(ctx, e.ID, cand.PersonID, e.Practice, liveKey(kind, e.ID, cand.PersonID), a, ip, device)
	if err != nil {
		if live, lerr := s.liveAttempt(ctx, liveKey(kind, e.ID, cand.PersonID)); lerr == nil && live != nil {
			return s.resume(ctx, *live, e, ip, device) // a concurrent start won
		}
		return AttemptOut{}, err
	}
	return s.out(row, e, a), nil
}

// insertAttempt stores a new attempt and one answer row per item.
func (s *Store) insertAttempt(ctx context.Context, examID, personID uint, practice bool, live *string, a *Attempt, ip, device string) (AttemptRow, error) {
	state, err := json.Marshal(a)
	if err != nil {
		return AttemptRow{}, fault.Wrap(err, "exam: encode attempt")
	}
	row := AttemptRow{ExamID: examID, PersonID: personID, Practice: practice, Live: live, State: string(state),
		StartedAt: a.StartedAt, Deadline: a.Deadline, Items: len(a.Paper.Items), IP: clipBytes(ip, 64), Device: clipBytes(device, 200), LastSeenAt: a.StartedAt}
	err = s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&AttemptRow{}).Where("exam_id = ? AND person_id = ? AND practice = ?", examID, personID, practice).Count(&n).Error; err != nil {
			return err
		}
		row.Number = int(n) + 1
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		answers := make([]AnswerRow, 0, len(a.Paper.Items))
		for _, it := range a.Paper.Items {
			answers = append(answers, AnswerRow{AttemptID: row.ID, No: it.No, Type: it.Type, Options: len(it.Options), SavedAt: a.StartedAt})
		}
		return tx.CreateInBatches(&answers, 200).Error
	})
	return row, err
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8Valid(s) {
		s = s[:len(s)-1]
	}
	return s
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func (s *Store) liveAttempt(ctx context.Context, key *string) (*AttemptRow, error) {
	var row AttemptRow
	if err := s.db.WithContext(ctx).Where("live = ?", *key).Limit(1).Find(&row).Error; err != nil {
		return nil, asFault(err)
	}
	if row.ID == 0 {
		return nil, nil
	}
	return &row, nil
}

// resume returns an unfinished attempt with its saved answers, recording
// where it was resumed from.
func (s *Store) resume(ctx context.Context, row AttemptRow, e Exam, ip, device string) (AttemptOut, error) {
	a, err := s.load(ctx, row)
	if err != nil {
		return AttemptOut{}, err
	}
	if err := s.db.WithContext(ctx).Model(&AttemptRow{}).Where("id = ?", row.ID).
		Updates(map[string]any{"ip": clipBytes(ip, 64), "device": clipBytes(device, 200), "last_seen_at": s.now()}).Error; err != nil {
		return AttemptOut{}, asFault(err)
	}
	return s.out(row, e, a), nil
}

// load rebuilds the engine's Attempt from its row and saved answers.
func (s *Store) load(ctx context.Context, row AttemptRow) (*Attempt, error) {
	return loadTx(s.db.WithContext(ctx), row)
}

func loadTx(tx *gorm.DB, row AttemptRow) (*Attempt, error) {
	var a Attempt
	if err := json.Unmarshal([]byte(row.State), &a); err != nil {
		return nil, fault.Wrap(err, "exam: decode attempt")
	}
	if a.Result != nil {
		return &a, nil
	}
	var answers []AnswerRow
	if err := tx.Where("attempt_id = ? AND choice <> ''", row.ID).Find(&answers).Error; err != nil {
		return nil, asFault(err)
	}
	a.Answers = map[int][]string{}
	for _, x := range answers {
		a.Answers[x.No] = strings.Split(x.Choice, ",")
	}
	return &a, nil
}

// out is what the candidate gets.
func (s *Store) out(row AttemptRow, e Exam, a *Attempt) AttemptOut {
	now := s.now()
	v := a.View(now)
	o := AttemptOut{ID: row.ID, ExamID: row.ExamID, Title: e.Title, Practice: row.Practice, Number: row.Number,
		Deadline: v.Deadline, RemainingMS: v.RemainingMS, Items: v.Items, Answers: v.Answers, Finished: v.Finished,
		PassMark: a.Blueprint.PassMark, Auto: a.Auto}
	if o.Answers == nil {
		o.Answers = map[int][]string{}
	}
	if a.Result == nil {
		return o
	}
	score, passed := a.Result.Score, a.Result.Passed
	o.Score = &score
	if !row.Practice {
		o.Passed = &passed
		if passed {
			until := PassValidUntil(a.FinishedAt)
			o.ValidUntil = &until
		}
	}
	_, closeAt := e.window()
	policy := e.ReviewPolicy
	if row.Practice {
		policy = ReviewAfterSubmit
	}
	if err := policy.Check(true, now, closeAt); err != nil {
		o.ReviewNote = fault.As(err).Message
		return o
	}
	o.Review = Review(a.Paper, *a.Result)
	return o
}

// own loads attempt id of the learner p (someone else's is not found).
func (s *Store) own(ctx context.Context, p account.Principal, id uint) (AttemptRow, Exam, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return AttemptRow{}, Exam{}, ErrNotCandidate
	}
	var row AttemptRow
	if err := s.db.WithContext(ctx).Where("id = ? AND person_id = ?", id, p.PersonID).First(&row).Error; err != nil {
		return AttemptRow{}, Exam{}, asFault(notFound(err, ErrAttemptNotFound))
	}
	var e Exam
	if row.ExamID != 0 {
		if err := s.db.WithContext(ctx).First(&e, row.ExamID).Error; err != nil {
			return AttemptRow{}, Exam{}, asFault(err)
		}
	} else {
		e = Exam{Title: "错题再练", Practice: true, ReviewPolicy: ReviewAfterSubmit}
	}
	return row, e, nil
}

// Attempt returns the learner's attempt, graded first if its time is up.
func (s *Store) Attempt(ctx context.Context, p account.Principal, id uint) (AttemptOut, error) {
	row, e, err := s.own(ctx, p, id)
	if err != nil {
		return AttemptOut{}, err
	}
	if row.FinishedAt == nil && !AcceptsAnswer(s.now(), row.Deadline, s.opt.Grace) {
		if err := s.finish(ctx, row.ID, false); err != nil {
			return AttemptOut{}, err
		}
		if row, e, err = s.own(ctx, p, id); err != nil {
			return AttemptOut{}, err
		}
	}
	a, err := s.load(ctx, row)
	if err != nil {
		return AttemptOut{}, err
	}
	return s.out(row, e, a), nil
}

// Saved acknowledges a saved answer; in practice it also says whether the
// answer was right, with the explanation.
type Saved struct {
	No       int         `json:"no"`
	Choice   []string    `json:"choice"`
	SavedAt  time.Time   `json:"saved_at"`
	Feedback *ReviewItem `json:"feedback,omitempty"`
}

// SaveAnswer saves the answer to item no of the learner's attempt the
// moment it is chosen: idempotent, the last write wins, refused after the
// deadline and its grace or once graded. The save is one conditional
// UPDATE, so an answer racing the submission is either in the graded paper
// or refused, never acknowledged and lost.
func (s *Store) SaveAnswer(ctx context.Context, p account.Principal, id uint, no int, letters []string) (Saved, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return Saved{}, ErrNotCandidate
	}
	if out, ok, err := s.saveExamAnswer(ctx, p, id, no, letters); ok || err != nil {
		return out, err
	}
	// Not saved by the one statement: a practice paper (which answers with
	// feedback), a refusal to explain, or the same answer saved twice in one
	// microsecond on MySQL. The long way finds out which.
	var row struct {
		PersonID   uint
		Deadline   time.Time
		FinishedAt *time.Time
		Practice   bool
		Type       Type
		Options    int
	}
	err := s.db.WithContext(ctx).Table("exam_attempts").
		Select("exam_attempts.person_id, exam_attempts.deadline, exam_attempts.finished_at, exam_attempts.practice, exam_answers.type, exam_answers.options").
		Joins("JOIN exam_answers ON exam_answers.attempt_id = exam_attempts.id AND exam_answers.no = ?", no).
		Where("exam_attempts.id = ? AND exam_attempts.person_id = ?", id, p.PersonID).Limit(1).Scan(&row).Error
	if err != nil {
		return Saved{}, asFault(err)
	}
	if row.PersonID == 0 {
		var n int64
		if err := s.db.WithContext(ctx).Model(&AttemptRow{}).Where("id = ? AND person_id = ?", id, p.PersonID).Count(&n).Error; err != nil {
			return Saved{}, asFault(err)
		}
		if n == 0 {
			return Saved{}, ErrAttemptNotFound
		}
		return Saved{}, ErrItemNotOnPaper
	}
	now := s.now()
	if row.FinishedAt != nil {
		return Saved{}, ErrAttemptFinished
	}
	if !AcceptsAnswer(now, row.Deadline, s.opt.Grace) {
		return Saved{}, ErrAttemptClosed
	}
	choice, err := CheckAnswer(PaperItem{No: no, Type: row.Type, Options: make([]string, row.Options)}, letters)
	if err != nil {
		return Saved{}, err
	}
	res := s.db.WithContext(ctx).Model(&AnswerRow{}).
		Where("attempt_id = ? AND no = ? AND EXISTS (SELECT 1 FROM exam_attempts WHERE exam_attempts.id = ? AND exam_attempts.finished_at IS NULL)", id, no, id).
		Updates(map[string]any{"choice": strings.Join(choice, ","), "saved_at": now})
	if res.Error != nil {
		return Saved{}, asFault(res.Error)
	}
	if res.RowsAffected == 0 {
		// MySQL counts changed rows only: the same answer saved again in the
		// same microsecond changes nothing. Refuse only if it was graded.
		var open int64
		if err := s.db.WithContext(ctx).Model(&AttemptRow{}).Where("id = ? AND finished_at IS NULL", id).Count(&open).Error; err != nil {
			return Saved{}, asFault(err)
		}
		if open == 0 {
			return Saved{}, ErrAttemptFinished
		}
	}
	out := Saved{No: no, Choice: choice, SavedAt: now}
	if out.Choice == nil {
		out.Choice = []string{}
	}
	if row.Practice {
		if err := s.examRunning(ctx, p.PersonID); err != nil {
			return out, nil // saved; feedback waits until the exam is handed in
		}
		fb, err := s.feedback(ctx, id, no, choice)
		if err != nil {
			return Saved{}, err
		}
		out.Feedback = fb
	}
	return out, nil
}

// saveSQL saves an answer when every rule holds: the item is on the
// candidate's own open exam paper (not practice), within the deadline and
// its grace, and has the options the answer names; saveMultipleSQL also
// requires a multiple-choice item (for two letters or more).
const (
	saveHead        = "UPDATE exam_answers SET choice = ?, saved_at = ? WHERE attempt_id = ? AND no = ? AND options >= ?"
	saveTail        = " AND EXISTS (SELECT 1 FROM exam_attempts WHERE exam_attempts.id = ? AND exam_attempts.person_id = ? AND exam_attempts.finished_at IS NULL AND exam_attempts.practice = ? AND exam_attempts.deadline >= ?)"
	saveSQL         = saveHead + saveTail
	saveMultipleSQL = saveHead + " AND type = ?" + saveTail
)

// saveExamAnswer is the common case in one statement: an answer to an item
// of the candidate's own open exam paper, within the deadline and its
// grace, fitting the item's type and number of options. ok is false when
// the UPDATE changed nothing, which SaveAnswer then explains.
func (s *Store) saveExamAnswer(ctx context.Context, p account.Principal, id uint, no int, letters []string) (Saved, bool, error) {
	choice := normalLetters(letters)
	need := 0 // options the answer needs the item to have
	for _, l := range choice {
		n := optionNumber(l)
		if n < 0 {
			return Saved{}, false, nil // not a letter: the long way names it
		}
		need = max(need, n+1)
	}
	now := s.now()
	cutoff := now.Add(-max(s.opt.Grace, 0))
	if s.saves.save(&saveJob{choice: strings.Join(choice, ","), at: now, attempt: id, no: no, need: need,
		multiple: len(choice) > 1, person: p.PersonID, cutoff: cutoff}) {
		if choice == nil {
			choice = []string{}
		}
		return Saved{No: no, Choice: choice, SavedAt: now}, true, nil
	}
	// Not saved by its batch: alone. One statement, atomic by itself, sent
	// as it is: the hot path of an exam does without GORM's statement
	// building and its BEGIN/COMMIT.
	q := saveSQL
	args := []any{strings.Join(choice, ","), now, id, no, need}
	if len(choice) > 1 {
		q = saveMultipleSQL
		args = append(args, Multiple)
	}
	args = append(args, id, p.PersonID, false, cutoff)
	sqlDB, err := s.db.DB()
	if err != nil {
		return Saved{}, false, fault.Wrap(err, "exam: database handle")
	}
	r, err := sqlDB.ExecContext(ctx, q, args...)
	if err != nil {
		return Saved{}, false, asFault(err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return Saved{}, false, asFault(err)
	}
	res := struct{ RowsAffected int64 }{n}
	if res.RowsAffected == 0 {
		return Saved{}, false, nil
	}
	if choice == nil {
		choice = []string{}
	}
	return Saved{No: no, Choice: choice, SavedAt: now}, true, nil
}

// feedback grades one practice item for immediate feedback.
func (s *Store) feedback(ctx context.Context, id uint, no int, choice []string) (*ReviewItem, error) {
	var row AttemptRow
	if err := s.db.WithContext(ctx).Select("id", "state").First(&row, id).Error; err != nil {
		return nil, asFault(err)
	}
	var a Attempt
	if err := json.Unmarshal([]byte(row.State), &a); err != nil {
		return nil, fault.Wrap(err, "exam: decode attempt")
	}
	it, ok := a.Paper.Item(no)
	if !ok || len(choice) == 0 {
		return nil, nil
	}
	r := GradeItem(it, choice, a.Blueprint.MultiplePartial)
	review := Review(Paper{Items: []PaperItem{it}}, Result{Items: []ItemResult{r}})
	if len(review) == 0 {
		return nil, nil
	}
	return &review[0], nil
}

// Submit grades the learner's attempt now (a second submission returns the
// same result).
func (s *Store) Submit(ctx context.Context, p account.Principal, id uint) (AttemptOut, error) {
	row, _, err := s.own(ctx, p, id)
	if err != nil {
		return AttemptOut{}, err
	}
	if row.FinishedAt == nil {
		if err := s.finish(ctx, row.ID, true); err != nil {
			return AttemptOut{}, err
		}
	}
	return s.Attempt(ctx, p, id)
}

// finish grades attempt id, at the candidate's request or because its
// time is up, in one transaction holding the attempt's row: the answers
// saved until then, the result, the end of the live key and the 错题本.
func (s *Store) finish(ctx context.Context, id uint, submit bool) error {
	awarded := false
	err := s.write(ctx, func(tx *gorm.DB) error {
		var row AttemptRow
		if err := forUpdate(tx).First(&row, id).Error; err != nil {
			return err
		}
		if row.FinishedAt != nil {
			return nil
		}
		a, err := loadTx(tx, row)
		if err != nil {
			return err
		}
		now := s.now()
		a.Grace = s.opt.Grace
		var res Result
		if submit {
			res = a.Submit(now)
		} else {
			var due bool
			if res, due = a.Expire(now); !due {
				return nil
			}
		}
		state, err := json.Marshal(a)
		if err != nil {
			return err
		}
		finished := a.FinishedAt
		if err := tx.Model(&AttemptRow{}).Where("id = ?", id).Updates(map[string]any{"state": string(state), "finished_at": finished,
			"auto": a.Auto, "score": res.Score, "passed": res.Passed && !row.Practice, "live": nil}).Error; err != nil {
			return err
		}
		if res.Passed && !row.Practice {
			var kinds []string
			if err := tx.Model(&Exam{}).Where("id = ?", row.ExamID).Pluck("awards_kind", &kinds).Error; err != nil {
				return err
			}
			awarded = len(kinds) == 1 && kinds[0] != ""
		}
		outcomes := Outcomes(res)
		if row.Practice {
			answered := outcomes[:0]
			for i, o := range outcomes {
				if len(res.Items[i].Given) > 0 {
					answered = append(answered, o)
				}
			}
			outcomes = answered
		}
		return recordWrong(tx, row.PersonID, outcomes, row.Practice, now)
	})
	if err == nil && awarded && s.opt.OnPassed != nil {
		s.opt.OnPassed(id)
	}
	return err
}

// ExpireDue grades every unsubmitted attempt whose time is up (also after
// a restart: the deadline is in the database) and returns how many.
func (s *Store) ExpireDue(ctx context.Context) (int, error) {
	var ids []uint
	cutoff := s.now().Add(-s.opt.Grace)
	if err := s.db.WithContext(ctx).Model(&AttemptRow{}).Where("finished_at IS NULL AND deadline < ?", cutoff).
		Order("id").Limit(500).Pluck("id", &ids).Error; err != nil {
		return 0, asFault(err)
	}
	for _, id := range ids {
		if err := s.finish(ctx, id, false); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Event records what the page reports during an attempt: the candidate
// left the page (a tab switch or the app in the background).
func (s *Store) Event(ctx context.Context, p account.Principal, id uint, kind string) error {
	if kind != "blur" {
		return fault.Field("event_invalid", "kind", "事件类型只能是 blur（离开考试页面）")
	}
	row, _, err := s.own(ctx, p, id)
	if err != nil {
		return err
	}
	if row.FinishedAt != nil {
		return nil
	}
	return asFault(s.db.WithContext(ctx).Model(&AttemptRow{}).Where("id = ?", id).
		Updates(map[string]any{"blurs": gorm.Expr("blurs + 1"), "last_seen_at": s.now()}).Error)
}
