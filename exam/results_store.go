package exam

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// AttemptRowView is one attempt as the proctor and the results list show
// it.
type AttemptRowView struct {
	ID          uint       `json:"id"`
	PersonID    uint       `json:"person_id"`
	Name        string     `json:"name"`
	Number      int        `json:"number"`
	StartedAt   time.Time  `json:"started_at"`
	Deadline    time.Time  `json:"deadline"`
	RemainingMS int64      `json:"remaining_ms"`
	Answered    int        `json:"answered"`
	Items       int        `json:"items"`
	FinishedAt  *time.Time `json:"finished_at"`
	Auto        bool       `json:"auto"`
	Score       *Points    `json:"score,omitempty"`
	Passed      bool       `json:"passed"`
	Blurs       int        `json:"blurs"`
	IP          string     `json:"ip"`
	Device      string     `json:"device"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
}

// ExamAttempts lists an exam's attempts (not practice) for the proctor and
// the results: who started, progress, time left, tab switches, scores.
func (s *Store) ExamAttempts(ctx context.Context, p account.Principal, examID uint) ([]AttemptRowView, error) {
	if !seesResults(p) {
		return nil, ErrForbidden
	}
	var e Exam
	if err := s.db.WithContext(ctx).First(&e, examID).Error; err != nil {
		return nil, asFault(notFound(err, ErrExamNotFound))
	}
	var rows []AttemptRow
	if err := s.db.WithContext(ctx).Omit("state").Where("exam_id = ? AND practice = ?", examID, e.Practice).
		Order("id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	type count struct {
		AttemptID uint
		N         int
	}
	var counts []count
	if err := s.db.WithContext(ctx).Model(&AnswerRow{}).Select("attempt_id, COUNT(*) AS n").
		Where("attempt_id IN (SELECT id FROM exam_attempts WHERE exam_id = ?) AND choice <> ''", examID).
		Group("attempt_id").Scan(&counts).Error; err != nil {
		return nil, asFault(err)
	}
	answered := map[uint]int{}
	for _, c := range counts {
		answered[c.AttemptID] = c.N
	}
	now := s.now()
	names := map[uint]string{}
	visible := map[uint]bool{}
	out := make([]AttemptRowView, 0, len(rows))
	for _, r := range rows {
		if !s.visible(ctx, p, r.PersonID, visible) {
			continue
		}
		name, ok := names[r.PersonID]
		if !ok && s.opt.Candidate != nil {
			if c, err := s.opt.Candidate(ctx, r.PersonID); err == nil {
				name = c.Name
			}
			names[r.PersonID] = name
		}
		v := AttemptRowView{ID: r.ID, PersonID: r.PersonID, Name: name, Number: r.Number, StartedAt: r.StartedAt, Deadline: r.Deadline,
			Answered: answered[r.ID], Items: r.Items, FinishedAt: r.FinishedAt, Auto: r.Auto, Passed: r.Passed, Blurs: r.Blurs,
			IP: r.IP, Device: r.Device, LastSeenAt: r.LastSeenAt}
		if r.FinishedAt == nil {
			v.RemainingMS = max(0, r.Deadline.Sub(now).Milliseconds())
		} else {
			score := r.Score
			v.Score = &score
		}
		out = append(out, v)
	}
	return out, nil
}

// visible reports whether p may see person id's results, memoized in seen:
// authors see every candidate; a regulator those of their jurisdiction.
func (s *Store) visible(ctx context.Context, p account.Principal, id uint, seen map[uint]bool) bool {
	if canAuthor(p) || p.SeesWholeDistrict() || s.opt.CanSee == nil {
		return true
	}
	ok, known := seen[id]
	if !known {
		ok = s.opt.CanSee(ctx, p, id) == nil
		seen[id] = ok
	}
	return ok
}

// ExportResults writes an exam's attempts as xlsx and audits the export.
func (s *Store) ExportResults(ctx context.Context, p account.Principal, examID uint, w io.Writer) error {
	rows, err := s.ExamAttempts(ctx, p, examID)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "考试成绩"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fault.Wrap(err, "exam: export")
	}
	header := []any{"答卷编号", "人员编号", "姓名", "第几次", "开始时间", "交卷时间", "到时自动交卷", "得分", "是否合格", "离开页面次数", "IP"}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return fault.Wrap(err, "exam: export")
	}
	cst := time.FixedZone("CST", 8*3600)
	for i, r := range rows {
		finished, score, passed, auto := "未交卷", "", "", ""
		if r.FinishedAt != nil {
			finished = r.FinishedAt.In(cst).Format("2006-01-02 15:04:05")
			score, passed = r.Score.String(), "不合格"
			if r.Passed {
				passed = "合格"
			}
			if r.Auto {
				auto = "是"
			}
		}
		line := []any{r.ID, r.PersonID, r.Name, r.Number, r.StartedAt.In(cst).Format("2006-01-02 15:04:05"), finished, auto, score, passed, r.Blurs, r.IP}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &line); err != nil {
			return fault.Wrap(err, "exam: export")
		}
	}
	if err := s.write(ctx, func(tx *gorm.DB) error {
		return record(tx, p, "exam.results_export", "exam", examID, nil, map[string]any{"rows": len(rows)})
	}); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fault.Wrap(err, "exam: export")
	}
	return nil
}

// QuestionStat is an item statistic with the question's stem.
type QuestionStat struct {
	ItemStat
	Stem        string `json:"stem"`
	NeedsReview bool   `json:"needs_review"`
}

// Stats computes the item statistics of an exam's graded attempts, so
// trainers can fix bad questions.
func (s *Store) Stats(ctx context.Context, p account.Principal, examID uint) ([]QuestionStat, error) {
	if !seesResults(p) {
		return nil, ErrForbidden
	}
	var rows []AttemptRow
	if err := s.db.WithContext(ctx).Where("exam_id = ? AND practice = ? AND finished_at IS NOT NULL", examID, false).
		Order("id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	results := make([]Result, 0, len(rows))
	visible := map[uint]bool{}
	for _, r := range rows {
		if !s.visible(ctx, p, r.PersonID, visible) {
			continue
		}
		var a Attempt
		if err := json.Unmarshal([]byte(r.State), &a); err != nil {
			return nil, fault.Wrap(err, "exam: decode attempt")
		}
		if a.Result != nil {
			results = append(results, *a.Result)
		}
	}
	stats := ItemStats(results)
	ids := make([]uint, 0, len(stats))
	for _, st := range stats {
		ids = append(ids, st.QuestionID)
	}
	stems := map[uint]string{}
	if len(ids) > 0 {
		var qs []BankQuestion
		if err := s.db.WithContext(ctx).Select("id", "stem").Where("id IN ?", ids).Find(&qs).Error; err != nil {
			return nil, asFault(err)
		}
		for _, q := range qs {
			stems[q.ID] = q.Stem
		}
	}
	out := make([]QuestionStat, 0, len(stats))
	for _, st := range stats {
		out = append(out, QuestionStat{ItemStat: st, Stem: stems[st.QuestionID], NeedsReview: st.NeedsReview()})
	}
	return out, nil
}
