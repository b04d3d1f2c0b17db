package roster

import (
	"context"
	"database/sql"
	"errors"

	"gorm.io/gorm"

	"anpei/fault"
)

// PersonEnterprise returns the enterprise whose roster person id is on, 0
// for none. account uses it to scope a learner's session; it is not a use
// case of its own and applies no principal. An unknown person is on no
// roster (0). It returns an internal *fault.Error when the database fails.
func (s *Store) PersonEnterprise(ctx context.Context, id uint) (uint, error) {
	// A plain statement: every request of a learner whose session is not
	// in the account store's cache asks this.
	var eid uint
	err := s.db.WithContext(ctx).Raw("SELECT enterprise_id FROM people WHERE id = ? LIMIT 1", id).Row().Scan(&eid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fault.Wrap(err, "roster: person enterprise")
	}
	return eid, nil
}

// EnterpriseIndustry returns the industry code of enterprise id, "" when
// there is no such enterprise: one indexed read, for the stores that only
// need to know which industry a person works in (course and exam
// audiences).
func (s *Store) EnterpriseIndustry(ctx context.Context, id uint) (string, error) {
	var codes []string
	if err := s.db.WithContext(ctx).Model(&Enterprise{}).Where("id = ?", id).Limit(1).Pluck("industry_code", &codes).Error; err != nil {
		return "", fault.Wrap(err, "roster: enterprise industry")
	}
	if len(codes) == 0 {
		return "", nil
	}
	return codes[0], nil
}

// Reseal re-encrypts, with the keyring's current key, every ID number
// sealed with an older one, in batches, and returns how many it changed.
// The lookup hash does not change. It is the second half of `anpei pii
// rotate`; running it again after an interruption finishes the job. It
// returns an internal *fault.Error when a number does not open or the
// database fails.
func (s *Store) Reseal(ctx context.Context) (int, error) {
	const batch = 500
	changed := 0
	var lastID uint
	for {
		var people []Person
		err := s.db.WithContext(ctx).Select("id", "id_cipher").Where("id > ?", lastID).
			Order("id").Limit(batch).Find(&people).Error
		if err != nil {
			return changed, fault.Wrap(err, "roster: reseal read")
		}
		if len(people) == 0 {
			return changed, nil
		}
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, p := range people {
				if !s.keys.NeedsReseal(p.IDCipher) {
					continue
				}
				plain, err := s.keys.Open(p.IDCipher)
				if err != nil {
					return err
				}
				sealed, err := s.keys.Seal(plain)
				if err != nil {
					return err
				}
				// Only if the number was not changed meanwhile by a running
				// server: never write an old number back.
				res := tx.Model(&Person{}).Where("id = ? AND id_cipher = ?", p.ID, p.IDCipher).UpdateColumn("id_cipher", sealed)
				if res.Error != nil {
					return res.Error
				}
				changed += int(res.RowsAffected)
			}
			return nil
		})
		if err != nil {
			return changed, fault.Wrap(err, "roster: reseal")
		}
		lastID = people[len(people)-1].ID
	}
}
