package exam

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/sqltext"
)

// Audience says who may sit an exam; empty lists admit everyone.
type Audience struct {
	Categories []string `json:"categories"`
	Industries []string `json:"industries"`
	Items      []string `json:"items"`
}

// ExamInput is a new exam session or practice paper.
type ExamInput struct {
	Title           string       `json:"title"`
	Description     string       `json:"description"`
	Practice        bool         `json:"practice"`
	OpenAt          *time.Time   `json:"open_at"`
	CloseAt         *time.Time   `json:"close_at"`
	AttemptsAllowed int          `json:"attempts_allowed"`
	ReviewPolicy    ReviewPolicy `json:"review_policy"`
	RequiredRules   []string     `json:"required_rules"`
	AwardsKind      string       `json:"awards_kind"`
	Audience        Audience     `json:"audience"`
	Blueprint       Blueprint    `json:"blueprint"`
}

// SectionView is a blueprint section as pages show it.
type SectionView struct {
	Section
	Label string `json:"label"`
}

// ExamView is an exam as a candidate or an author sees it.
type ExamView struct {
	ID              uint          `json:"id"`
	Title           string        `json:"title"`
	Description     string        `json:"description"`
	Practice        bool          `json:"practice"`
	OpenAt          *time.Time    `json:"open_at"`
	CloseAt         *time.Time    `json:"close_at"`
	AttemptsAllowed int           `json:"attempts_allowed"`
	ReviewPolicy    ReviewPolicy  `json:"review_policy"`
	RequiredRules   []string      `json:"required_rules"`
	AwardsKind      string        `json:"awards_kind,omitempty"`
	Audience        Audience      `json:"audience"`
	Sections        []SectionView `json:"sections"`
	Questions       int           `json:"questions"`
	PassMark        Points        `json:"pass_mark"`
	Minutes         int           `json:"minutes"`
	// For a candidate: where they stand.
	Me *CandidateStatus `json:"me,omitempty"`
}

// CandidateStatus is a candidate's standing in an exam.
type CandidateStatus struct {
	CanStart    bool       `json:"can_start"`
	Reason      string     `json:"reason,omitempty"`
	Unmet       []string   `json:"unmet,omitempty"`
	OpenAttempt uint       `json:"open_attempt,omitempty"`
	Used        int        `json:"attempts_used"`
	BestScore   *Points    `json:"best_score,omitempty"`
	Passed      bool       `json:"passed"`
	ValidUntil  *time.Time `json:"valid_until,omitempty"`
}

// CreateExam validates and stores an exam. The blueprint must be drawable
// from the active bank now.
func (s *Store) CreateExam(ctx context.Context, p account.Principal, in ExamInput) (ExamView, error) {
	if !canAuthor(p) {
		return ExamView{}, ErrForbidden
	}
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	e := Exam{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description), Practice: in.Practice,
		OpenAt: utcPtr(in.OpenAt), CloseAt: utcPtr(in.CloseAt), AttemptsAllowed: in.AttemptsAllowed, ReviewPolicy: in.ReviewPolicy,
		RequiredRules: sqltext.CodeList(in.RequiredRules), AudienceCategories: sqltext.CodeList(in.Audience.Categories),
		AudienceIndustries: sqltext.CodeList(in.Audience.Industries), AudienceItems: sqltext.CodeList(in.Audience.Items), CreatedBy: p.UserID,
		AwardsKind: strings.TrimSpace(in.AwardsKind)}
	if n := utf8.RuneCountInString(e.Title); n == 0 || n > 100 {
		bad("title", "请填写考试名称（不超过100字）")
	}
	if utf8.RuneCountInString(e.Description) > 2000 {
		bad("description", "考试说明不能超过2000字")
	}
	if e.OpenAt != nil && e.CloseAt != nil && !e.CloseAt.After(*e.OpenAt) {
		bad("close_at", "结束时间须晚于开始时间")
	}
	if e.AwardsKind != "" && (e.Practice || s.opt.Awardable == nil || !s.opt.Awardable(e.AwardsKind)) {
		bad("awards_kind", "该证书种类不能由考试取得（练习卷不颁发证书）")
	}
	if e.AttemptsAllowed == 0 {
		e.AttemptsAllowed = DefaultAttempts
	}
	if e.AttemptsAllowed < 1 || e.AttemptsAllowed > 10 {
		bad("attempts_allowed", "考试次数须为1至10次（含补考）")
	}
	if e.ReviewPolicy == "" {
		e.ReviewPolicy = ReviewAfterClose
	}
	if !e.ReviewPolicy.Valid() {
		bad("review_policy", "查看答案的时机须为交卷后、考试结束后或不允许查看")
	}
	b := in.Blueprint.WithDefaults()
	if err := b.Validate(); err != nil {
		for _, x := range fault.As(err).Details {
			x.Field = "blueprint." + strings.TrimPrefix(x.Field, "blueprint.")
			d = append(d, x)
		}
	} else {
		pool, err := s.pool(ctx, Candidate{})
		if err != nil {
			return ExamView{}, err
		}
		if err := b.Feasible(pool); err != nil {
			fe := fault.As(err)
			if len(fe.Details) == 0 {
				bad("blueprint", fe.Message)
			}
			for _, x := range fe.Details {
				x.Field = "blueprint"
				d = append(d, x)
			}
		}
	}
	if len(d) > 0 {
		return ExamView{}, ErrInvalidExam.WithDetails(d...)
	}
	bp, err := json.Marshal(b)
	if err != nil {
		return ExamView{}, fault.Wrap(err, "exam: blueprint")
	}
	e.Blueprint = string(bp)
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		return record(tx, p, "exam.create", "exam", e.ID, nil, map[string]any{"title": e.Title, "practice": e.Practice, "blueprint": b})
	})
	if err != nil {
		return ExamView{}, err
	}
	return s.view(e)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

func (e Exam) blueprint() (Blueprint, error) {
	var b Blueprint
	err := json.Unmarshal([]byte(e.Blueprint), &b)
	return b.WithDefaults(), err
}

func (e Exam) window() (open, close time.Time) {
	if e.OpenAt != nil {
		open = *e.OpenAt
	}
	if e.CloseAt != nil {
		close = *e.CloseAt
	}
	return open, close
}

func (s *Store) view(e Exam) (ExamView, error) {
	b, err := e.blueprint()
	if err != nil {
		return ExamView{}, fault.Wrap(err, "exam: read blueprint")
	}
	v := ExamView{ID: e.ID, Title: e.Title, Description: e.Description, Practice: e.Practice, OpenAt: e.OpenAt, CloseAt: e.CloseAt,
		AttemptsAllowed: e.AttemptsAllowed, ReviewPolicy: e.ReviewPolicy, RequiredRules: sqltext.SplitCodes(e.RequiredRules),
		AwardsKind: e.AwardsKind, Audience: Audience{Categories: sqltext.SplitCodes(e.AudienceCategories), Industries: sqltext.SplitCodes(e.AudienceIndustries), Items: sqltext.SplitCodes(e.AudienceItems)},
		PassMark: b.PassMark, Minutes: b.Minutes}
	for _, sec := range b.Sections {
		v.Sections = append(v.Sections, SectionView{Section: sec, Label: sec.Label()})
		v.Questions += sec.Count
	}
	return v, nil
}

// candidateOf returns the roster facts of a learner principal.
func (s *Store) candidateOf(ctx context.Context, p account.Principal) (Candidate, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 || s.opt.Candidate == nil {
		return Candidate{}, ErrNotCandidate
	}
	return s.opt.Candidate(ctx, p.PersonID)
}

// Exams lists exams: everything for authors and regulators, and for a
// learner the exams and practice papers whose audience includes them,
// each with where they stand.
func (s *Store) Exams(ctx context.Context, p account.Principal, practice *bool, limit, offset int) ([]ExamView, int64, error) {
	db := s.db.WithContext(ctx).Model(&Exam{})
	if practice != nil {
		db = db.Where("practice = ?", *practice)
	}
	var rows []Exam
	if err := db.Order("id DESC").Find(&rows).Error; err != nil {
		return nil, 0, asFault(err)
	}
	var cand Candidate
	if p.Role == account.RoleLearner {
		var err error
		if cand, err = s.candidateOf(ctx, p); err != nil {
			return nil, 0, err
		}
		kept := rows[:0]
		for _, e := range rows {
			if inAudience(cand, e.AudienceCategories, e.AudienceIndustries, e.AudienceItems) {
				kept = append(kept, e)
			}
		}
		rows = kept
	} else if !seesResults(p) && p.Role != account.RoleEnterpriseAdmin {
		return nil, 0, ErrForbidden
	}
	total := int64(len(rows))
	limit, offset = pageBounds(limit, offset)
	rows = rows[min(offset, len(rows)):min(offset+limit, len(rows))]
	out := make([]ExamView, 0, len(rows))
	for _, e := range rows {
		v, err := s.view(e)
		if err != nil {
			return nil, 0, err
		}
		if p.Role == account.RoleLearner {
			st, err := s.standing(ctx, e, cand)
			if err != nil {
				return nil, 0, err
			}
			v.Me = &st
		}
		out = append(out, v)
	}
	return out, total, nil
}

// ExamFor returns one exam as p may see it.
func (s *Store) ExamFor(ctx context.Context, p account.Principal, id uint) (ExamView, error) {
	var e Exam
	if err := s.db.WithContext(ctx).First(&e, id).Error; err != nil {
		return ExamView{}, asFault(notFound(err, ErrExamNotFound))
	}
	v, err := s.view(e)
	if err != nil {
		return ExamView{}, err
	}
	if p.Role == account.RoleLearner {
		cand, err := s.candidateOf(ctx, p)
		if err != nil {
			return ExamView{}, err
		}
		if !inAudience(cand, e.AudienceCategories, e.AudienceIndustries, e.AudienceItems) {
			return ExamView{}, ErrExamNotFound
		}
		st, err := s.standing(ctx, e, cand)
		if err != nil {
			return ExamView{}, err
		}
		v.Me = &st
		return v, nil
	}
	if !seesResults(p) && p.Role != account.RoleEnterpriseAdmin {
		return ExamView{}, ErrForbidden
	}
	return v, nil
}

// standing works out whether a candidate may start, and why not.
func (s *Store) standing(ctx context.Context, e Exam, c Candidate) (CandidateStatus, error) {
	var rows []AttemptRow
	if err := s.db.WithContext(ctx).Where("exam_id = ? AND person_id = ? AND practice = ?", e.ID, c.PersonID, false).
		Order("number").Find(&rows).Error; err != nil {
		return CandidateStatus{}, asFault(err)
	}
	st := CandidateStatus{Used: len(rows)}
	var history []AttemptSummary
	for _, r := range rows {
		history = append(history, AttemptSummary{Finished: r.FinishedAt != nil, Passed: r.Passed})
		if r.FinishedAt == nil {
			st.OpenAttempt = r.ID
			continue
		}
		if st.BestScore == nil || r.Score > *st.BestScore {
			score := r.Score
			st.BestScore = &score
		}
		if r.Passed {
			st.Passed = true
			until := PassValidUntil(*r.FinishedAt)
			st.ValidUntil = &until
		}
	}
	if e.Practice {
		st.CanStart, st.OpenAttempt = true, 0
		return st, nil
	}
	open, closeAt := e.window()
	if err := CanStart(history, e.AttemptsAllowed, open, closeAt, s.now()); err != nil {
		if fault.As(err).Code == ErrAttemptOpen.Code {
			st.CanStart = true // resume
			return st, nil
		}
		st.Reason = fault.As(err).Message
		return st, nil
	}
	unmet, err := s.unmet(ctx, e, c.PersonID)
	if err != nil {
		return CandidateStatus{}, err
	}
	if len(unmet) > 0 {
		st.Reason, st.Unmet = ErrNotEligible.Message, unmet
		return st, nil
	}
	st.CanStart = true
	return st, nil
}

// unmet lists why the person's required hours are not done.
func (s *Store) unmet(ctx context.Context, e Exam, personID uint) ([]string, error) {
	rules := sqltext.SplitCodes(e.RequiredRules)
	if len(rules) == 0 || s.opt.Unmet == nil {
		return nil, nil
	}
	reasons, err := s.opt.Unmet(ctx, personID, rules)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range reasons {
		if r != "" {
			out = append(out, r)
		}
	}
	return out, nil
}
