package audit

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// maxField is the size of the ledger's short text columns, in characters.
const maxField = 64

// Record appends one entry to the ledger: actor a did action to entity
// entityID, which looked like before and now looks like after (either may be
// nil). before and after are stored as JSON with secret keys (passwords,
// password hashes, ID numbers and their cipher and hash, tokens, secrets)
// replaced by Redacted at any depth.
//
// Call it with the transaction that makes the change, so both commit or
// neither does. Record's first statement locks the chain head; concurrent
// writers queue on that lock until this transaction ends, so keep the
// transaction short and call Record late in it. Called on a *gorm.DB that
// is not in a transaction, Record opens one of its own.
//
// Short text fields longer than 64 characters are cut to 64. Record returns
// an "audit: ..." error when action is empty, when before or after cannot be
// marshalled to JSON, when the chain head is missing (AutoMigrate has not
// run) or when the database fails; the caller should then roll back.
func Record(tx *gorm.DB, a Actor, action, entity, entityID string, before, after any) error {
	if action == "" {
		return errors.New("audit: record: action is empty")
	}
	beforeJSON, err := encodeState(before)
	if err != nil {
		return fmt.Errorf("audit: record %s %s: encode before: %w", action, entity, err)
	}
	afterJSON, err := encodeState(after)
	if err != nil {
		return fmt.Errorf("audit: record %s %s: encode after: %w", action, entity, err)
	}
	e := Entry{
		At:        tx.NowFunc().UTC().Truncate(time.Microsecond),
		ActorID:   a.UserID,
		ActorName: clip(a.Username),
		IP:        clip(a.IP),
		Action:    clip(action),
		Entity:    clip(entity),
		EntityID:  clip(entityID),
		Before:    beforeJSON,
		After:     afterJSON,
	}
	if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); !inTx {
		return tx.Transaction(func(tx *gorm.DB) error { return appendEntry(tx, &e) })
	}
	return appendEntry(tx, &e)
}

// appendEntry links e to the chain head and inserts it, inside tx.
func appendEntry(tx *gorm.DB, e *Entry) error {
	// Drop any conditions the caller chained onto tx; keep its connection
	// and context.
	tx = tx.Session(&gorm.Session{NewDB: true})

	// Take the head's write lock before reading it. On InnoDB this is a row
	// lock, on SQLite the database write lock (held from BEGIN when the
	// transaction begins IMMEDIATE); either way the next writer waits here,
	// and since it is the first lock Record takes it cannot deadlock against
	// another Record.
	res := tx.Model(&head{}).Where("id = ?", headID).Update("seq", gorm.Expr("seq + 1"))
	if res.Error != nil {
		return fmt.Errorf("audit: advance chain head: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return errors.New("audit: chain head is missing (run audit.AutoMigrate)")
	}
	var h head
	// FOR UPDATE makes InnoDB read the current row rather than the caller's
	// snapshot; SQLite ignores it.
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("id = ?", headID).Take(&h).Error
	if err != nil {
		return fmt.Errorf("audit: read chain head: %w", err)
	}
	e.Seq = h.Seq
	e.PrevHash = h.Hash
	e.Hash = chainHash(e)
	if err := tx.Create(e).Error; err != nil {
		return fmt.Errorf("audit: insert entry %d: %w", e.Seq, err)
	}
	if err := tx.Model(&head{}).Where("id = ?", headID).Update("hash", e.Hash).Error; err != nil {
		return fmt.Errorf("audit: move chain head: %w", err)
	}
	return nil
}

// clip makes s valid UTF-8 of at most maxField characters, what both
// dialects store unchanged, so the stored entry hashes as it was hashed.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= maxField {
		return s
	}
	n := 0
	for i := range s {
		if n == maxField {
			return s[:i]
		}
		n++
	}
	return s
}
