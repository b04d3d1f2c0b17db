package audit

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Page sizes for List.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Filter selects entries for List. Zero fields do not filter. From is
// inclusive and To exclusive. Limit defaults to DefaultLimit and is capped
// at MaxLimit; a negative Offset counts as 0.
type Filter struct {
	Entity   string
	EntityID string
	Action   string
	ActorID  uint
	From, To time.Time
	Limit    int
	Offset   int
}

// List returns one page of the entries that match f, newest first, and how
// many match in all. It returns an "audit: ..." error when the database
// fails or ctx ends.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Entry, int64, error) {
	q := db.WithContext(ctx).Model(&Entry{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	q = q.Session(&gorm.Session{}) // let Count and Find each start from the filters

	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("audit: count entries: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)
	entries := []Entry{}
	if err := q.Order("seq DESC").Limit(limit).Offset(offset).Find(&entries).Error; err != nil {
		return nil, 0, fmt.Errorf("audit: list entries: %w", err)
	}
	return entries, total, nil
}
