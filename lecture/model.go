package lecture

import (
	"time"

	"gorm.io/gorm"
)

// Status is where a live session stands.
type Status string

// The statuses: scheduled → live → ended, or scheduled → cancelled.
const (
	StatusScheduled Status = "scheduled"
	StatusLive      Status = "live"
	StatusEnded     Status = "ended"
	StatusCancelled Status = "cancelled"
)

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case StatusScheduled:
		return "未开始"
	case StatusLive:
		return "直播中"
	case StatusEnded:
		return "已结束"
	case StatusCancelled:
		return "已取消"
	}
	return ""
}

// Session is a live lecture (直播课) and the room state every media node
// reads: status, chat muted, the pinned message. The per-viewer state
// (connections, bans, answers) is in the tables below, so that no room
// state lives only in one server's memory.
type Session struct {
	ID          uint   `gorm:"primaryKey" json:"id"`
	Title       string `gorm:"size:100;not null" json:"title"`
	Description string `gorm:"type:text;not null" json:"description"`
	// TrainerID is the user who lectures.
	TrainerID   uint      `gorm:"not null;index" json:"trainer_id"`
	TrainerName string    `gorm:"size:50;not null;default:''" json:"trainer_name"`
	ScheduledAt time.Time `gorm:"precision:6;not null;index" json:"scheduled_at"`
	// Minutes is the planned length.
	Minutes int `gorm:"not null" json:"minutes"`
	// CourseID is the published course the lecture counts toward, and
	// Category that course's category when the session was saved: the
	// ledger credits viewers under it.
	CourseID    uint   `gorm:"not null;index" json:"course_id"`
	CourseTitle string `gorm:"size:100;not null;default:''" json:"course_title"`
	Category    string `gorm:"size:40;not null" json:"category"`
	// Rule is the hours-table requirement the lecture is meant for ("" =
	// any requirement counting its category).
	Rule string `gorm:"size:40;not null;default:''" json:"rule"`
	// Audience: enterprises (lecture_audiences rows; AllEnterprises when
	// there are none), person categories (a roster.Category bit mask, 0 =
	// all) and industries (",a,b,", "" = all).
	AllEnterprises     bool   `gorm:"not null" json:"-"`
	AudienceCategories uint8  `gorm:"not null;default:0" json:"-"`
	AudienceIndustries string `gorm:"size:500;not null;default:''" json:"-"`
	Capacity           int    `gorm:"not null" json:"capacity"`
	Status             Status `gorm:"size:16;not null;index" json:"status"`
	// CheckSeed seeds the system's presence-check schedule.
	CheckSeed  uint64     `gorm:"not null;default:0" json:"-"`
	StartedAt  *time.Time `gorm:"precision:6" json:"started_at"`
	EndedAt    *time.Time `gorm:"precision:6" json:"ended_at"`
	CancelNote string     `gorm:"size:200;not null;default:''" json:"cancel_note,omitempty"`
	ChatMuted  bool       `gorm:"not null;default:false" json:"chat_muted"`
	PinnedID   uint       `gorm:"not null;default:0" json:"pinned_id"`
	// Recording is the path of the recording's manifest, set by the
	// server once the recording is written.
	Recording string `gorm:"size:500;not null;default:''" json:"-"`
	// ReplayMedia is the stored media (SHA-256) of the replay lesson made
	// from the recording's camera file, and ReplayScreens its screen
	// shares (JSON []ReplayScreen) with their offsets.
	ReplayMedia   string    `gorm:"size:64;not null;default:'';index" json:"-"`
	ReplayScreens string    `gorm:"type:text" json:"-"`
	CreatedBy     uint      `gorm:"not null" json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName keeps the table name plain.
func (Session) TableName() string { return "lecture_sessions" }

// audienceEnterprise is one enterprise of a session's audience.
type audienceEnterprise struct {
	SessionID    uint `gorm:"primaryKey;autoIncrement:false"`
	EnterpriseID uint `gorm:"primaryKey;autoIncrement:false;index"`
}

func (audienceEnterprise) TableName() string { return "lecture_audiences" }

// Connection is one viewer's WebSocket and peer connection in a session.
type Connection struct {
	ID        uint   `gorm:"primaryKey"`
	SessionID uint   `gorm:"not null;uniqueIndex:ux_lecture_conn,priority:1;index:ix_lecture_conn_person,priority:1"`
	ConnID    string `gorm:"size:32;not null;uniqueIndex:ux_lecture_conn,priority:2"`
	PersonID  uint   `gorm:"not null;index:ix_lecture_conn_person,priority:2"`
	// Device is what the browser says it is (kept per device), for the
	// report; crediting does not trust it.
	Device   string     `gorm:"size:64;not null;default:''"`
	JoinedAt time.Time  `gorm:"precision:6;not null"`
	LeftAt   *time.Time `gorm:"precision:6"`
}

func (Connection) TableName() string { return "lecture_connections" }

// mediaSpan is a stretch of time media reached a connection.
type mediaSpan struct {
	ID           uint       `gorm:"primaryKey"`
	ConnectionID uint       `gorm:"not null;index"`
	SessionID    uint       `gorm:"not null;index"`
	FromAt       time.Time  `gorm:"precision:6;not null"`
	ToAt         *time.Time `gorm:"precision:6"`
}

func (mediaSpan) TableName() string { return "lecture_media" }

// presenceCheck is a presence check (签到) of a session. Slot numbers the
// system's scheduled checks (unique per session, so two servers issue a
// slot once); it is nil for the trainer's own.
type presenceCheck struct {
	ID        uint      `gorm:"primaryKey"`
	SessionID uint      `gorm:"not null;uniqueIndex:ux_lecture_check_slot,priority:1"`
	Slot      *int      `gorm:"uniqueIndex:ux_lecture_check_slot,priority:2"`
	IssuedAt  time.Time `gorm:"precision:6;not null"`
	Deadline  time.Time `gorm:"precision:6;not null"`
	IssuedBy  uint      `gorm:"not null;default:0"`
}

func (presenceCheck) TableName() string { return "lecture_checks" }

// checkAnswer is a viewer's answer to a check: one per viewer and check.
type checkAnswer struct {
	CheckID    uint      `gorm:"primaryKey;autoIncrement:false"`
	PersonID   uint      `gorm:"primaryKey;autoIncrement:false"`
	SessionID  uint      `gorm:"not null;index"`
	AnsweredAt time.Time `gorm:"precision:6;not null"`
}

func (checkAnswer) TableName() string { return "lecture_check_answers" }

// Attendance is one viewer's final record of an ended session, written
// once with their ledger entries: the primary key (session, person) is
// what makes crediting happen once.
type Attendance struct {
	SessionID      uint      `gorm:"primaryKey;autoIncrement:false" json:"session_id"`
	PersonID       uint      `gorm:"primaryKey;autoIncrement:false;index" json:"person_id"`
	Name           string    `gorm:"size:50;not null" json:"name"`
	EnterpriseID   uint      `gorm:"not null;index" json:"enterprise_id"`
	EnterpriseName string    `gorm:"size:200;not null;default:''" json:"enterprise_name"`
	IDMasked       string    `gorm:"size:32;not null;default:''" json:"id_masked"`
	FirstJoin      time.Time `gorm:"precision:6;not null" json:"first_join"`
	LastLeave      time.Time `gorm:"precision:6;not null" json:"last_leave"`
	ConnectedMS    int64     `gorm:"not null" json:"connected_ms"`
	ReceivingMS    int64     `gorm:"not null" json:"receiving_ms"`
	CreditedMS     int64     `gorm:"not null" json:"credited_ms"`
	NoMediaMS      int64     `gorm:"not null;default:0" json:"no_media_ms"`
	MissedCheckMS  int64     `gorm:"not null;default:0" json:"missed_check_ms"`
	SecondDevMS    int64     `gorm:"not null;default:0" json:"second_device_ms"`
	MissedChecks   int       `gorm:"not null;default:0" json:"missed_checks"`
	Checks         int       `gorm:"not null;default:0" json:"checks"`
	CreatedAt      time.Time `gorm:"precision:6" json:"created_at"`
}

func (Attendance) TableName() string { return "lecture_attendance" }

// MessageKind is a chat message or a question to the trainer.
type MessageKind string

// The message kinds.
const (
	KindChat     MessageKind = "chat"
	KindQuestion MessageKind = "question"
)

// Message is a chat message or question of a session.
type Message struct {
	ID        uint        `gorm:"primaryKey"`
	SessionID uint        `gorm:"not null;index:ix_lecture_msg,priority:1"`
	UserID    uint        `gorm:"not null"`
	PersonID  uint        `gorm:"not null;default:0;index:ix_lecture_msg_person,priority:1"`
	Author    string      `gorm:"size:50;not null"`
	Trainer   bool        `gorm:"not null;default:false"`
	Kind      MessageKind `gorm:"size:16;not null"`
	Text      string      `gorm:"type:text;not null"`
	Answer    string      `gorm:"type:text;not null"`
	// AnsweredAt is set when the trainer answered the question.
	AnsweredAt *time.Time `gorm:"precision:6"`
	CreatedAt  time.Time  `gorm:"precision:6;not null;index:ix_lecture_msg_person,priority:2"`
}

func (Message) TableName() string { return "lecture_messages" }

// ban removes a viewer from a session for good.
type ban struct {
	SessionID uint      `gorm:"primaryKey;autoIncrement:false"`
	PersonID  uint      `gorm:"primaryKey;autoIncrement:false"`
	By        uint      `gorm:"not null"`
	Reason    string    `gorm:"size:200;not null;default:''"`
	At        time.Time `gorm:"precision:6;not null"`
}

func (ban) TableName() string { return "lecture_bans" }

// AutoMigrate creates the lecture tables.
func AutoMigrate(tx *gorm.DB) error {
	return tx.AutoMigrate(&Session{}, &audienceEnterprise{}, &Connection{}, &mediaSpan{}, &presenceCheck{},
		&checkAnswer{}, &Attendance{}, &Message{}, &ban{})
}
