package course

import (
	"time"

	"gorm.io/gorm"
)

// LessonKind is what a lesson is made of.
type LessonKind string

// The lesson kinds.
const (
	KindVideo    LessonKind = "video"    // an mp4 or webm upload, played with Range requests
	KindDocument LessonKind = "document" // a PDF shown in the browser
	KindText     LessonKind = "text"     // rich text, sanitized HTML
)

// Label is the kind in Chinese.
func (k LessonKind) Label() string {
	switch k {
	case KindVideo:
		return "视频"
	case KindDocument:
		return "文档"
	case KindText:
		return "图文"
	}
	return ""
}

// VersionStatus is where a course version stands.
type VersionStatus string

// The version statuses. A course has at most one draft and one published
// version at a time; publishing a draft retires the version before it.
const (
	StatusDraft     VersionStatus = "draft"
	StatusPublished VersionStatus = "published"
	StatusRetired   VersionStatus = "retired"
)

// Label is the status in Chinese.
func (s VersionStatus) Label() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusPublished:
		return "已发布"
	case StatusRetired:
		return "已停用"
	}
	return ""
}

// Course is a course's identity: its versions hold everything learners see.
type Course struct {
	ID        uint      `gorm:"primaryKey" json:"id"`
	CreatedBy uint      `gorm:"not null;index" json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Published is the version number learners get, 0 while never published.
	Published int `gorm:"not null;default:0" json:"published"`
	// Draft is the version number being edited, 0 when there is none.
	Draft int `gorm:"not null;default:0" json:"draft"`
}

// Version is one version of a course: its description, audience and
// lessons. A published version is never changed; editing a published course
// makes a new draft version that copies it.
type Version struct {
	ID          uint          `gorm:"primaryKey" json:"id"`
	CourseID    uint          `gorm:"not null;uniqueIndex:ux_course_versions,priority:1" json:"course_id"`
	Number      int           `gorm:"not null;uniqueIndex:ux_course_versions,priority:2" json:"version"`
	Status      VersionStatus `gorm:"size:16;not null;index" json:"status"`
	Title       string        `gorm:"size:100;not null" json:"title"`
	Description string        `gorm:"type:text;not null" json:"description"`
	// Category is a course category code of the hours table (hours
	// data/course_categories.tsv); requirements count courses by it.
	Category string `gorm:"size:40;not null;index" json:"category"`
	// Audience: person categories (a roster.Category bit mask, 0 = all),
	// industry codes and operation item codes (comma-separated, "" = all).
	AudienceCategories uint8  `gorm:"not null;default:0" json:"audience_categories"`
	AudienceIndustries string `gorm:"size:500;not null;default:''" json:"-"`
	AudienceItems      string `gorm:"size:500;not null;default:''" json:"-"`
	// DurationMS is the sum of the lessons' creditable lengths, from which
	// the course's 学时 follow.
	DurationMS  int64      `gorm:"not null;default:0" json:"duration_ms"`
	PublishedAt *time.Time `json:"published_at"`
	PublishedBy uint       `gorm:"not null;default:0" json:"published_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// TableName keeps the table name plain.
func (Version) TableName() string { return "course_versions" }

// Lesson is one lesson of one course version, in Position order. Lessons of
// a published version never change, so a playback session may point at one.
type Lesson struct {
	ID        uint       `gorm:"primaryKey" json:"id"`
	VersionID uint       `gorm:"not null;index:idx_lessons_version,priority:1" json:"version_id"`
	Position  int        `gorm:"not null;index:idx_lessons_version,priority:2" json:"position"`
	Title     string     `gorm:"size:100;not null" json:"title"`
	Kind      LessonKind `gorm:"size:16;not null" json:"kind"`
	// MediaSHA, MediaMIME and MediaName identify the uploaded file of a
	// video or document lesson in the media store.
	MediaSHA  string `gorm:"size:64;not null;default:''" json:"-"`
	MediaMIME string `gorm:"size:40;not null;default:''" json:"media_mime,omitempty"`
	MediaName string `gorm:"size:200;not null;default:''" json:"media_name,omitempty"`
	MediaSize int64  `gorm:"not null;default:0" json:"media_size,omitempty"`
	Pages     int    `gorm:"not null;default:0" json:"pages,omitempty"`
	// Body is the sanitized HTML of a text lesson.
	Body string `gorm:"type:longtext;not null" json:"body,omitempty"`
	// DurationMS is the creditable length: a video's own duration, or the
	// reading time of a document or text, never more than its content
	// allows (see readingCap).
	DurationMS int64 `gorm:"not null" json:"duration_ms"`
	// ContentKey identifies the content (kind + file or text), so that a
	// lesson copied unchanged into a new version keeps what a learner has
	// already been credited for it.
	ContentKey string    `gorm:"size:64;not null;index" json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// Duration is the lesson's creditable length.
func (l Lesson) Duration() time.Duration { return time.Duration(l.DurationMS) * time.Millisecond }

// Playback is a stored playback session: the engine's Session as JSON plus
// the columns the store looks it up by.
type Playback struct {
	ID         string `gorm:"primaryKey;size:32" json:"id"`
	PersonID   uint   `gorm:"not null;index" json:"person_id"`
	LessonID   uint   `gorm:"not null" json:"lesson_id"`
	ContentKey string `gorm:"size:64;not null" json:"-"`
	CourseID   uint   `gorm:"not null" json:"course_id"`
	VersionID  uint   `gorm:"not null" json:"version_id"`
	Category   string `gorm:"size:40;not null" json:"category"`
	// Setup and State hold the session (see session_codec.go): Setup
	// what it keeps from opening to end, written once (empty in rows
	// written before schema 11, whose State holds it all), State what
	// heartbeats change.
	Setup     string    `gorm:"size:1000;not null;default:''" json:"-"`
	State     string    `gorm:"type:longtext;not null" json:"-"`
	StartedAt time.Time `gorm:"precision:6;not null" json:"started_at"`
	UpdatedAt time.Time `gorm:"precision:6;not null" json:"updated_at"`
	// Version counts the writes of the row: every write adds one, and a
	// heartbeat written in a batch (see beatBatch) replaces only the
	// version it read.
	Version int64 `gorm:"not null;default:0" json:"-"`
}

// TableName keeps the table name plain.
func (Playback) TableName() string { return "playback_sessions" }

// WatchState is what the store keeps per person across sessions: the one
// playback session that may credit them. Its row is locked by every
// playback start, heartbeat and challenge answer of the person, which
// serializes them; the daily count and the challenge schedule are carried
// from session to session by StartPlayback (from the ledger and the
// previous active session).
type WatchState struct {
	PersonID      uint   `gorm:"primaryKey;autoIncrement:false"`
	ActiveSession string `gorm:"size:32;not null;default:''"`
}

// Progress is what a person has been credited for one lesson content.
type Progress struct {
	PersonID   uint      `gorm:"primaryKey;autoIncrement:false"`
	ContentKey string    `gorm:"primaryKey;size:64"`
	Covered    string    `gorm:"type:text;not null"` // JSON Intervals in ms
	CreditedMS int64     `gorm:"not null;default:0"`
	DurationMS int64     `gorm:"not null;default:0"`
	Completed  bool      `gorm:"not null;default:false"`
	UpdatedAt  time.Time `gorm:"precision:6"`
}

// TableName keeps the table name plain.
func (Progress) TableName() string { return "lesson_progress" }

// CreditEntry is one row of the append-only ledger of credited learning:
// online minutes a heartbeat credited, or an offline session's minutes for
// one attendee. 学时 are computed from it, never stored.
type CreditEntry struct {
	ID       uint   `gorm:"primaryKey"`
	PersonID uint   `gorm:"not null;index:idx_credits_person,priority:1"`
	Online   bool   `gorm:"not null"`
	Category string `gorm:"size:40;not null"`
	// Day is the China-time calendar day the learning happened on.
	Day string `gorm:"size:10;not null;index:idx_credits_person,priority:2"`
	// Online credits: the course, lesson, session and lesson segment.
	CourseID  uint   `gorm:"not null;default:0"`
	LessonID  uint   `gorm:"not null;default:0"`
	SessionID string `gorm:"size:32;not null;default:''"`
	SegStart  int64  `gorm:"not null;default:0"`
	SegEnd    int64  `gorm:"not null;default:0"`
	// Offline credits: the record.
	OfflineID uint      `gorm:"not null;default:0;index"`
	FromAt    time.Time `gorm:"precision:6;not null"`
	ToAt      time.Time `gorm:"precision:6;not null"`
	MS        int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"precision:6"`
}

// TableName keeps the table name plain.
func (CreditEntry) TableName() string { return "training_credits" }

// ExclusionEntry is time or content of a session that was not credited,
// with the reason shown to the learner.
type ExclusionEntry struct {
	ID        uint      `gorm:"primaryKey"`
	PersonID  uint      `gorm:"not null;index:idx_exclusions_person,priority:1"`
	Day       string    `gorm:"size:10;not null;index:idx_exclusions_person,priority:2"`
	SessionID string    `gorm:"size:32;not null"`
	LessonID  uint      `gorm:"not null"`
	Reason    Reason    `gorm:"size:16;not null"`
	SegStart  int64     `gorm:"not null;default:0"`
	SegEnd    int64     `gorm:"not null;default:0"`
	WallMS    int64     `gorm:"not null;default:0"`
	At        time.Time `gorm:"precision:6;not null"`
}

// TableName keeps the table name plain.
func (ExclusionEntry) TableName() string { return "watch_exclusions" }

// OfflineRecord is an offline training session an enterprise held, e.g. one
// level of 三级安全教育 (厂/车间/班组). Its attendees' minutes are in the
// ledger (one CreditEntry each, with OfflineID); one offline 学时 is 45
// minutes.
type OfflineRecord struct {
	ID           uint      `gorm:"primaryKey" json:"id"`
	EnterpriseID uint      `gorm:"not null;index" json:"enterprise_id"`
	Category     string    `gorm:"size:40;not null" json:"category"`
	Date         time.Time `gorm:"not null" json:"date"`
	Minutes      int       `gorm:"not null" json:"minutes"`
	Content      string    `gorm:"type:text;not null" json:"content"`
	Teacher      string    `gorm:"size:50;not null" json:"teacher"`
	Place        string    `gorm:"size:100;not null;default:''" json:"place"`
	SheetSHA     string    `gorm:"size:64;not null;default:''" json:"-"`
	SheetMIME    string    `gorm:"size:40;not null;default:''" json:"sheet_mime,omitempty"`
	Attendees    int       `gorm:"not null" json:"attendees"`
	CreatedBy    uint      `gorm:"not null" json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// TableName keeps the table name plain.
func (OfflineRecord) TableName() string { return "offline_trainings" }

// AutoMigrate creates the course tables.
func AutoMigrate(tx *gorm.DB) error {
	return tx.AutoMigrate(&Course{}, &Version{}, &Lesson{}, &Playback{}, &WatchState{},
		&Progress{}, &CreditEntry{}, &ExclusionEntry{}, &OfflineRecord{})
}
