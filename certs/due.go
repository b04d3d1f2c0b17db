package certs

import (
	"context"
	"time"
)

// DueBetween returns, in id order after afterID, up to limit active
// certificates whose due date (Dates.DueDate: the pending review, or else
// the expiry) is a day in [from, to]: what reminders are about. It
// returns an internal error when the database fails.
func (s *Store) DueBetween(ctx context.Context, from, to time.Time, afterID uint, limit int) ([]Certificate, error) {
	from, to = civilDate(from), civilDate(to)
	var rows []Certificate
	err := s.db.WithContext(ctx).Model(&Certificate{}).
		Where("certificates.state = ? AND certificates.id > ?", StateActive, afterID).
		Where("((certificates.next_review IS NOT NULL AND certificates.next_review >= ? AND certificates.next_review <= ?) OR "+
			"(certificates.next_review IS NULL AND certificates.valid_until IS NOT NULL AND certificates.valid_until >= ? AND certificates.valid_until <= ?))",
			from, to, from, to).
		Order("certificates.id").Limit(max(limit, 1)).Find(&rows).Error
	return rows, asFault(err)
}
