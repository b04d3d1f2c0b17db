package account

import (
	"time"
)

// User is a login of anpei. A regulator carries a jurisdiction, an
// enterprise admin one enterprise, a learner one person record.
type User struct {
	ID               uint             `gorm:"primaryKey"`
	Username         string           `gorm:"size:64;uniqueIndex;not null"`
	Name             string           `gorm:"size:64;not null"`
	Phone            string           `gorm:"size:32;index"`
	Role             Role             `gorm:"size:32;not null;index"`
	PasswordHash     string           `gorm:"size:100;not null"`
	EnterpriseID     *uint            `gorm:"index"`
	PersonID         *uint            `gorm:"index"`
	JurisdictionKind JurisdictionKind `gorm:"size:16"`
	JurisdictionCode string           `gorm:"size:32"`
	Disabled         bool             `gorm:"not null;default:false"`
	// FailedLogins counts consecutive wrong passwords; LockedUntil is set
	// when they reach the limit. Both live in the database so every app
	// server sees the same lock.
	FailedLogins      int `gorm:"not null;default:0"`
	LockedUntil       *time.Time
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// auditView is what the audit ledger keeps of a user: never the hash.
func (u User) auditView() map[string]any {
	m := map[string]any{
		"username": u.Username, "name": u.Name, "phone": u.Phone, "role": u.Role,
		"disabled": u.Disabled, "jurisdiction_kind": u.JurisdictionKind, "jurisdiction_code": u.JurisdictionCode,
	}
	if u.EnterpriseID != nil {
		m["enterprise_id"] = *u.EnterpriseID
	}
	if u.PersonID != nil {
		m["person_id"] = *u.PersonID
	}
	return m
}

// Principal returns who u is when acting, without the request's IP.
func (u User) Principal() Principal {
	p := Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role,
		JurisdictionKind: u.JurisdictionKind, JurisdictionCode: u.JurisdictionCode}
	if u.EnterpriseID != nil {
		p.EnterpriseID = *u.EnterpriseID
	}
	if u.PersonID != nil {
		p.PersonID = *u.PersonID
	}
	return p
}

// Session is a server-side login session. ID is the SHA-256 of the cookie
// token, so a copy of the table does not let anyone log in.
type Session struct {
	ID         string    `gorm:"primaryKey;size:64"`
	UserID     uint      `gorm:"index;not null"`
	CSRFToken  string    `gorm:"size:64;not null"`
	IP         string    `gorm:"size:64"`
	UserAgent  string    `gorm:"size:255"`
	CreatedAt  time.Time `gorm:"not null"`
	LastSeenAt time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"index;not null"`
}
