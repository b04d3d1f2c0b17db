// Package audit is anpei's tamper-evident, append-only ledger of changes.
//
// Every store writes its audit entry with Record in the same transaction as
// the change it describes, so a change and its entry commit or roll back
// together. Entries form a hash chain: each one's Hash covers its content
// and the Hash of the entry before it, and the one-row table audit_heads
// holds the latest sequence number and hash. Verify walks the chain and
// names the first entry that was edited, removed or forged.
//
// The chain shows tampering by anyone who edits rows without recomputing
// every later hash; an operator who wants to catch a full rewrite keeps a
// copy of the head hash outside the database.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Actor is who made a change and from where. UserID is 0 for anpei itself
// and for someone not yet logged in (a failed login).
type Actor struct {
	UserID   uint
	Username string
	IP       string
}

// Entry is one line of the ledger. Entries are never updated or deleted.
//
// At is UTC with microsecond precision so that it reads back identically
// from SQLite and from MySQL's datetime(6), and the hash recomputes.
// Before and After are JSON documents (empty when there is no such state)
// with secret fields already redacted.
type Entry struct {
	ID        uint      `gorm:"primaryKey" json:"id"`
	Seq       uint64    `gorm:"not null;uniqueIndex" json:"seq"`
	At        time.Time `gorm:"not null;precision:6;index" json:"at"`
	ActorID   uint      `gorm:"not null;index" json:"actor_id"`
	ActorName string    `gorm:"size:64;not null" json:"actor_name"`
	IP        string    `gorm:"size:64;not null" json:"ip"`
	Action    string    `gorm:"size:64;not null;index" json:"action"`
	Entity    string    `gorm:"size:64;not null;index:idx_audit_entries_entity,priority:1" json:"entity"`
	EntityID  string    `gorm:"size:64;not null;index:idx_audit_entries_entity,priority:2" json:"entity_id"`
	Before    string    `gorm:"type:longtext;not null" json:"before"`
	After     string    `gorm:"type:longtext;not null" json:"after"`
	PrevHash  string    `gorm:"size:64;not null" json:"prev_hash"`
	Hash      string    `gorm:"size:64;not null" json:"hash"`
}

// TableName keeps the ledger's tables together under the audit_ prefix.
func (Entry) TableName() string { return "audit_entries" }

// head is the chain's single head row: the last Seq and its Hash. Record
// locks it first, which is what makes concurrent appends queue up instead
// of forking the chain.
type head struct {
	ID   uint   `gorm:"primaryKey;autoIncrement:false"`
	Seq  uint64 `gorm:"not null"`
	Hash string `gorm:"size:64;not null"`
}

func (head) TableName() string { return "audit_heads" }

const headID = 1

// AutoMigrate creates audit_entries and audit_heads and the head row of an
// empty chain when they are missing; it is safe to run on every start. It
// returns the database's error, wrapped, when a statement fails.
func AutoMigrate(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&Entry{}, &head{}); err != nil {
		return fmt.Errorf("audit: migrate: %w", err)
	}
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&head{ID: headID}).Error
	if err != nil {
		return fmt.Errorf("audit: create chain head: %w", err)
	}
	return nil
}

// hashVersion names the encoding below. Changing the encoding would make
// every existing entry fail Verify, so a new encoding needs a new version.
const hashVersion = "anpei-audit-v1"

// chainHash returns the hex SHA-256 of e's content and PrevHash. Each field
// is written as its byte length, a colon and its bytes, so no choice of
// values can shift text from one field into the next.
func chainHash(e *Entry) string {
	h := sha256.New()
	for _, f := range []string{
		hashVersion,
		e.PrevHash,
		strconv.FormatUint(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatUint(uint64(e.ActorID), 10),
		e.ActorName,
		e.IP,
		e.Action,
		e.Entity,
		e.EntityID,
		e.Before,
		e.After,
	} {
		h.Write([]byte(strconv.Itoa(len(f)) + ":"))
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}
