package exam

import (
	"time"

	"gorm.io/gorm"
)

// BankQuestion is a stored question of the bank. Options and Answer are
// kept as JSON text; StemKey (type + normalized stem) keeps the bank free
// of duplicates.
type BankQuestion struct {
	ID                 uint       `gorm:"primaryKey" json:"id"`
	Type               Type       `gorm:"size:16;not null;index" json:"type"`
	Stem               string     `gorm:"type:text;not null" json:"stem"`
	StemKey            string     `gorm:"size:64;not null;uniqueIndex" json:"-"`
	Options            string     `gorm:"type:text;not null" json:"-"`
	Answer             string     `gorm:"size:20;not null" json:"-"`
	Explanation        string     `gorm:"type:text;not null" json:"-"`
	Difficulty         Difficulty `gorm:"not null;default:0" json:"difficulty"`
	Category           string     `gorm:"size:50;not null;index" json:"category"`
	AudienceCategories string     `gorm:"size:200;not null;default:''" json:"-"`
	AudienceIndustries string     `gorm:"size:500;not null;default:''" json:"-"`
	AudienceItems      string     `gorm:"size:500;not null;default:''" json:"-"`
	Status             Status     `gorm:"size:16;not null;index" json:"status"`
	CreatedBy          uint       `gorm:"not null" json:"created_by"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// TableName keeps the table name plain.
func (BankQuestion) TableName() string { return "exam_questions" }

// Exam is an exam session (考试场次) or, with Practice, a practice paper
// anyone in its audience may take at any time.
type Exam struct {
	ID          uint   `gorm:"primaryKey" json:"id"`
	Title       string `gorm:"size:100;not null" json:"title"`
	Description string `gorm:"type:text;not null" json:"description"`
	// Blueprint is the JSON of a Blueprint.
	Blueprint string `gorm:"type:text;not null" json:"-"`
	Practice  bool   `gorm:"not null;default:false" json:"practice"`
	// OpenAt and CloseAt bound the window; nil is open-ended.
	OpenAt          *time.Time   `json:"open_at"`
	CloseAt         *time.Time   `json:"close_at"`
	AttemptsAllowed int          `gorm:"not null;default:2" json:"attempts_allowed"`
	ReviewPolicy    ReviewPolicy `gorm:"size:20;not null" json:"review_policy"`
	// RequiredRules are hours-table rule IDs whose requirement a candidate
	// must have done; empty: no hours prerequisite.
	RequiredRules string `gorm:"size:500;not null;default:''" json:"-"`
	// AwardsKind is the certificate kind a pass earns ("" = none).
	AwardsKind string `gorm:"size:40;not null;default:''" json:"awards_kind"`
	// Audience: person category codes, industry codes, operation item
	// codes (",a,b," lists, "" = all).
	AudienceCategories string    `gorm:"size:200;not null;default:''" json:"-"`
	AudienceIndustries string    `gorm:"size:500;not null;default:''" json:"-"`
	AudienceItems      string    `gorm:"size:500;not null;default:''" json:"-"`
	CreatedBy          uint      `gorm:"not null" json:"created_by"`
	CreatedAt          time.Time `json:"created_at"`
}

// TableName keeps the table name plain.
func (Exam) TableName() string { return "exams" }

// AttemptRow is a stored attempt: the engine's Attempt (paper with
// answers, deadline, result) as JSON plus the columns the store queries.
// Live is set to the person and exam while a non-practice attempt is
// unfinished; its unique index allows one live attempt per candidate and
// exam, even under concurrent starts.
type AttemptRow struct {
	ID         uint       `gorm:"primaryKey" json:"id"`
	ExamID     uint       `gorm:"not null;index:idx_attempts_exam_person,priority:1" json:"exam_id"`
	PersonID   uint       `gorm:"not null;index:idx_attempts_exam_person,priority:2" json:"person_id"`
	Number     int        `gorm:"not null" json:"number"`
	Practice   bool       `gorm:"not null;default:false" json:"practice"`
	Live       *string    `gorm:"size:40;uniqueIndex" json:"-"`
	State      string     `gorm:"type:longtext;not null" json:"-"`
	StartedAt  time.Time  `gorm:"precision:6;not null" json:"started_at"`
	Deadline   time.Time  `gorm:"precision:6;not null;index" json:"deadline"`
	FinishedAt *time.Time `gorm:"precision:6" json:"finished_at"`
	Auto       bool       `gorm:"not null;default:false" json:"auto"`
	Score      Points     `gorm:"not null;default:0" json:"score"`
	Passed     bool       `gorm:"not null;default:false" json:"passed"`
	Items      int        `gorm:"not null" json:"items"`
	IP         string     `gorm:"size:64;not null;default:''" json:"ip"`
	Device     string     `gorm:"size:200;not null;default:''" json:"device"`
	Blurs      int        `gorm:"not null;default:0" json:"blurs"`
	LastSeenAt time.Time  `gorm:"precision:6" json:"last_seen_at"`
}

// TableName keeps the table name plain.
func (AttemptRow) TableName() string { return "exam_attempts" }

// AnswerRow is one saved answer of an attempt: the last write wins. Type
// and Options (the number of options) let a save be checked without
// loading the paper.
type AnswerRow struct {
	AttemptID uint      `gorm:"primaryKey;autoIncrement:false"`
	No        int       `gorm:"primaryKey;autoIncrement:false"`
	Type      Type      `gorm:"size:16;not null"`
	Options   int       `gorm:"not null"`
	Choice    string    `gorm:"size:20;not null;default:''"`
	SavedAt   time.Time `gorm:"precision:6"`
}

// TableName keeps the table name plain.
func (AnswerRow) TableName() string { return "exam_answers" }

// WrongRow is one question in a person's 错题本.
type WrongRow struct {
	PersonID   uint      `gorm:"primaryKey;autoIncrement:false"`
	QuestionID uint      `gorm:"primaryKey;autoIncrement:false"`
	Misses     int       `gorm:"not null"`
	Streak     int       `gorm:"not null"`
	LastMissed time.Time `gorm:"precision:6;not null"`
}

// TableName keeps the table name plain.
func (WrongRow) TableName() string { return "exam_wrong_book" }

// AutoMigrate creates the exam tables.
func AutoMigrate(tx *gorm.DB) error {
	return tx.AutoMigrate(&BankQuestion{}, &Exam{}, &AttemptRow{}, &AnswerRow{}, &WrongRow{})
}
