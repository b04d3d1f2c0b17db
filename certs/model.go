package certs

import (
	"time"

	"gorm.io/gorm"
)

// Certificate is a certificate of a person: issued by anpei, or issued by
// the state and registered here. Holder name and masked ID are kept as
// they were at issue, so the document and the verify page do not change
// when the roster is edited.
type Certificate struct {
	ID     uint   `gorm:"primaryKey" json:"id"`
	Number string `gorm:"size:40;not null;uniqueIndex" json:"number"`
	Kind   string `gorm:"size:40;not null;index" json:"kind"`
	// PersonID is the holder; EnterpriseID the enterprise they were on at
	// issue or registration.
	PersonID     uint   `gorm:"not null;index" json:"person_id"`
	EnterpriseID uint   `gorm:"not null;default:0;index" json:"enterprise_id"`
	HolderName   string `gorm:"size:50;not null" json:"holder_name"`
	IDMasked     string `gorm:"size:30;not null" json:"id_masked"`
	// IDSalt and IDHash let a verifier holding the ID card check it
	// against the signed token; never serialized.
	IDSalt string `gorm:"size:32;not null;default:''" json:"-"`
	IDHash string `gorm:"size:64;not null;default:''" json:"-"`
	// BadgeHash is the Open Badges identity hash of the ID number with the
	// same salt ("sha256$" + hex), for the credential export.
	BadgeHash     string     `gorm:"size:80;not null;default:''" json:"-"`
	OperationItem string     `gorm:"size:20;not null;default:''" json:"operation_item"`
	IssuedOn      time.Time  `gorm:"not null" json:"issued_on"`
	ValidUntil    *time.Time `json:"valid_until"`
	NextReview    *time.Time `gorm:"index" json:"next_review"`
	LastReview    *time.Time `json:"last_review"`
	// LastRetest is the latest passed practical re-test (实际操作考试) of a
	// special operator back after six months or more off the post
	// (30号令第32条).
	LastRetest *time.Time `json:"last_retest"`
	// ReviewExtended: granted the longer review interval (30号令第21条).
	ReviewExtended bool   `gorm:"not null;default:false" json:"review_extended"`
	State          State  `gorm:"size:16;not null;index" json:"state"`
	StateReason    string `gorm:"size:500;not null;default:''" json:"state_reason"`
	Issuer         string `gorm:"size:100;not null" json:"issuer"`
	External       bool   `gorm:"not null;default:false;index" json:"external"`
	// Verified: a regulator or admin checked a registered state
	// certificate against the national query service.
	Verified   bool       `gorm:"not null;default:false" json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	VerifiedBy uint       `gorm:"not null;default:0" json:"verified_by"`
	// ScanKey is the stored photo or scan of a registered certificate.
	ScanKey string `gorm:"size:80;not null;default:''" json:"-"`
	// SourceKey is "attempt:<id>" for a certificate earned by an exam
	// attempt: its unique index makes issuance happen once per attempt
	// whatever retries and concurrent requests do. Nil otherwise.
	SourceKey *string `gorm:"size:60;uniqueIndex" json:"-"`
	AttemptID uint    `gorm:"not null;default:0" json:"attempt_id"`
	ExamTitle string  `gorm:"size:100;not null;default:''" json:"exam_title"`
	Score     string  `gorm:"size:20;not null;default:''" json:"score"`
	// Hours of training the certificate attests (学时证明), as printed
	// ("48 学时"), taken from the ledger at issue.
	Hours string `gorm:"size:40;not null;default:''" json:"hours"`
	// PublicHistory is the history as the public verify page shows it
	// (JSON of []PublicEvent without labels), kept with each event in the
	// same transaction so the public lookup reads one row.
	PublicHistory string    `gorm:"type:text" json:"-"`
	CreatedBy     uint      `gorm:"not null;default:0" json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TableName keeps the table name plain.
func (Certificate) TableName() string { return "certificates" }

// Dates returns the certificate's dates.
func (c Certificate) Dates() Dates {
	d := Dates{IssuedOn: civilDate(c.IssuedOn)}
	if c.ValidUntil != nil {
		d.ValidUntil = civilDate(*c.ValidUntil)
	}
	if c.NextReview != nil {
		d.NextReview = civilDate(*c.NextReview)
	}
	return d
}

func (c *Certificate) setDates(d Dates) {
	c.IssuedOn = d.IssuedOn
	c.ValidUntil = datePtr(d.ValidUntil)
	c.NextReview = datePtr(d.NextReview)
}

func datePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Event is one step of a certificate's history: issued, registered,
// reviewed, extended, verified, suspended, reinstated, revoked, cancelled.
type Event struct {
	ID            uint      `gorm:"primaryKey" json:"id"`
	CertificateID uint      `gorm:"not null;index" json:"certificate_id"`
	Action        string    `gorm:"size:20;not null" json:"action"`
	At            time.Time `gorm:"not null" json:"at"`
	ActorID       uint      `gorm:"not null;default:0" json:"actor_id"`
	Reason        string    `gorm:"size:500;not null;default:''" json:"reason"`
	// Detail says what changed, in Chinese (e.g. 下次复审日期 2029-06-10).
	Detail string `gorm:"size:500;not null;default:''" json:"detail"`
}

// TableName keeps the table name plain.
func (Event) TableName() string { return "certificate_events" }

// Sequence is the next sequence number of a kind's certificates in a year.
type Sequence struct {
	Kind string `gorm:"primaryKey;size:40"`
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Next int64  `gorm:"not null"`
}

// TableName keeps the table name plain.
func (Sequence) TableName() string { return "certificate_sequences" }

// AutoMigrate creates or updates the certificate tables.
func AutoMigrate(tx *gorm.DB) error {
	return tx.AutoMigrate(&Certificate{}, &Event{}, &Sequence{})
}
