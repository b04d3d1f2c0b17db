package exam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/sqltext"
)

// stemKey identifies a question by its type and its stem with blanks
// collapsed, so the same question imported twice is found again.
func stemKey(t Type, stem string) string {
	sum := sha256.Sum256([]byte(string(t) + "\n" + strings.Join(strings.Fields(stem), " ")))
	return hex.EncodeToString(sum[:])
}

func toRow(q Question) (BankQuestion, error) {
	opts, err := json.Marshal(q.Options)
	if err != nil {
		return BankQuestion{}, err
	}
	return BankQuestion{Type: q.Type, Stem: q.Stem, StemKey: stemKey(q.Type, q.Stem), Options: string(opts),
		Answer: strings.Join(q.Answer, ","), Explanation: q.Explanation, Difficulty: q.Difficulty, Category: q.Category,
		AudienceCategories: sqltext.CodeList(q.Categories), AudienceIndustries: sqltext.CodeList(q.Industries), AudienceItems: sqltext.CodeList(q.Items),
		Status: q.Status}, nil
}

// Question returns the row as a Question.
func (b BankQuestion) Question() Question {
	var opts []string
	_ = json.Unmarshal([]byte(b.Options), &opts)
	var answer []string
	if b.Answer != "" {
		answer = strings.Split(b.Answer, ",")
	}
	return Question{Type: b.Type, Stem: b.Stem, Options: opts, Answer: answer, Explanation: b.Explanation,
		Difficulty: b.Difficulty, Category: b.Category, Categories: sqltext.SplitCodes(b.AudienceCategories),
		Industries: sqltext.SplitCodes(b.AudienceIndustries), Items: sqltext.SplitCodes(b.AudienceItems), Status: b.Status}
}

// ImportReport says what an import did (or, dry, would do).
type ImportReport struct {
	Format    Format `json:"format"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	DryRun    bool   `json:"dry_run"`
}

// ImportQuestions writes a parsed, clean file into the bank in one
// transaction: new questions are created, a question whose type and stem
// are already in the bank is updated (papers already drawn keep their own
// copy). With dryRun it only counts.
func (s *Store) ImportQuestions(ctx context.Context, p account.Principal, parsed Parsed, dryRun bool) (ImportReport, error) {
	if !canAuthor(p) {
		return ImportReport{}, ErrForbidden
	}
	rep := ImportReport{Format: parsed.Format, DryRun: dryRun}
	defer s.active.drop()
	err := s.write(ctx, func(tx *gorm.DB) error {
		for i, q := range parsed.Questions {
			if d := Validate(q); len(d) > 0 {
				for j := range d {
					d[j].Row = parsed.Rows[i]
				}
				return ErrImportInvalid.WithDetails(d...)
			}
			row, err := toRow(q)
			if err != nil {
				return err
			}
			var old BankQuestion
			if err := forUpdate(tx).Where("stem_key = ?", row.StemKey).Limit(1).Find(&old).Error; err != nil {
				return err
			}
			switch {
			case old.ID == 0:
				rep.Created++
				if dryRun {
					continue
				}
				row.CreatedBy = p.UserID
				if err := tx.Create(&row).Error; err != nil {
					return err
				}
			case sameContent(old, row):
				rep.Unchanged++
			default:
				rep.Updated++
				if dryRun {
					continue
				}
				if err := tx.Model(&old).Updates(map[string]any{"options": row.Options, "answer": row.Answer, "explanation": row.Explanation,
					"difficulty": row.Difficulty, "category": row.Category, "audience_categories": row.AudienceCategories,
					"audience_industries": row.AudienceIndustries, "audience_items": row.AudienceItems, "status": row.Status}).Error; err != nil {
					return err
				}
			}
		}
		if dryRun {
			return nil
		}
		return record(tx, p, "exam.questions_import", "question_bank", 0, nil, rep)
	})
	return rep, err
}

func sameContent(a, b BankQuestion) bool {
	return a.Options == b.Options && a.Answer == b.Answer && a.Explanation == b.Explanation && a.Difficulty == b.Difficulty &&
		a.Category == b.Category && a.AudienceCategories == b.AudienceCategories && a.AudienceIndustries == b.AudienceIndustries &&
		a.AudienceItems == b.AudienceItems && a.Status == b.Status
}

// QuestionView is a bank question as authors see it, answer included.
type QuestionView struct {
	ID uint `json:"id"`
	Question
	TypeLabel   string `json:"type_label"`
	StatusLabel string `json:"status_label"`
}

// QuestionFilter selects bank questions.
type QuestionFilter struct {
	Type, Category, Status, Q string
	Limit, Offset             int
}

// Questions lists the bank for authors.
func (s *Store) Questions(ctx context.Context, p account.Principal, f QuestionFilter) ([]QuestionView, int64, error) {
	if !canAuthor(p) {
		return nil, 0, ErrForbidden
	}
	db := s.db.WithContext(ctx).Model(&BankQuestion{})
	if f.Type != "" {
		db = db.Where("type = ?", f.Type)
	}
	if f.Category != "" {
		db = db.Where("category = ?", f.Category)
	}
	if f.Status != "" {
		db = db.Where("status = ?", f.Status)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		db = db.Where("stem LIKE ? ESCAPE '!'", sqltext.Contains(q))
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	var rows []BankQuestion
	if err := db.Order("id").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]QuestionView, 0, len(rows))
	for _, r := range rows {
		out = append(out, QuestionView{ID: r.ID, Question: r.Question(), TypeLabel: r.Type.Label(), StatusLabel: r.Status.Label()})
	}
	return out, total, nil
}

// SetQuestionStatus activates, retires or returns a question to draft.
func (s *Store) SetQuestionStatus(ctx context.Context, p account.Principal, id uint, st Status) error {
	if !canAuthor(p) {
		return ErrForbidden
	}
	if st != StatusDraft && st != StatusActive && st != StatusRetired {
		return fault.Field("question_status_invalid", "status", "状态须为草稿、启用或停用")
	}
	defer s.active.drop()
	return s.write(ctx, func(tx *gorm.DB) error {
		var q BankQuestion
		if err := forUpdate(tx).First(&q, id).Error; err != nil {
			return notFound(err, ErrQuestionNotFound)
		}
		if err := tx.Model(&q).Update("status", st).Error; err != nil {
			return err
		}
		return record(tx, p, "exam.question_status", "question", id, map[string]any{"status": q.Status}, map[string]any{"status": st})
	})
}

// ExportQuestions writes the bank in the import layout.
func (s *Store) ExportQuestions(ctx context.Context, p account.Principal) ([]Question, error) {
	if !canAuthor(p) {
		return nil, ErrForbidden
	}
	var rows []BankQuestion
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	out := make([]Question, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Question())
	}
	return out, nil
}

// poolTTL is how long the active bank is kept in memory for drawing. This
// server drops it at once when it changes the bank; another server behind
// the same database sees a change within poolTTL.
const poolTTL = 10 * time.Second

// activePool caches the active questions, decoded, with their audiences.
type activePool struct {
	mu    sync.Mutex
	at    time.Time // monotonic reading of the load; zero: not loaded
	items []pooled
}

type pooled struct {
	BankItem
	cats, industries, items string
}

func (ap *activePool) drop() {
	ap.mu.Lock()
	ap.at = time.Time{}
	ap.mu.Unlock()
}

// pool returns the active questions whose audience includes c (all of them
// for a zero Candidate), for drawing.
func (s *Store) pool(ctx context.Context, c Candidate) ([]BankItem, error) {
	all, err := s.activeQuestions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BankItem, 0, len(all))
	for _, q := range all {
		if c.PersonID != 0 && !inAudience(c, q.cats, q.industries, q.items) {
			continue
		}
		out = append(out, q.BankItem)
	}
	return out, nil
}

func (s *Store) activeQuestions(ctx context.Context) ([]pooled, error) {
	s.active.mu.Lock()
	defer s.active.mu.Unlock()
	if !s.active.at.IsZero() && time.Since(s.active.at) < poolTTL {
		return s.active.items, nil
	}
	var rows []BankQuestion
	if err := s.db.WithContext(ctx).Where("status = ?", StatusActive).Order("id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	items := make([]pooled, 0, len(rows))
	for _, r := range rows {
		items = append(items, pooled{BankItem: BankItem{ID: r.ID, Question: r.Question()},
			cats: r.AudienceCategories, industries: r.AudienceIndustries, items: r.AudienceItems})
	}
	s.active.items, s.active.at = items, time.Now()
	return items, nil
}
