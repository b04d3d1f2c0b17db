package course

import (
	"context"
	"slices"
	"time"

	"anpei/hours"
)

// CreditsOf returns the ledgers of many people at once, as credits does
// for one: whole minutes per person, day, course category and kind, one
// query per thousand people (the compliance sweep reads the whole roster).
func (s *Store) CreditsOf(ctx context.Context, personIDs []uint) (map[uint][]hours.Credit, error) {
	type row struct {
		PersonID uint
		Day      string
		Category string
		Online   bool
		MS       int64
	}
	out := make(map[uint][]hours.Credit, len(personIDs))
	for chunk := range slices.Chunk(personIDs, 1000) {
		var rows []row
		err := s.db.WithContext(ctx).Model(&CreditEntry{}).
			Select("person_id, day, category, online, SUM(ms) AS ms").
			Where("person_id IN ?", chunk).Group("person_id, day, category, online").Order("person_id, day").Scan(&rows).Error
		if err != nil {
			return nil, asFault(err)
		}
		for _, r := range rows {
			at, err := time.ParseInLocation(time.DateOnly, r.Day, hours.ChinaTime())
			if err != nil {
				continue
			}
			if m := int(r.MS / time.Minute.Milliseconds()); m > 0 {
				out[r.PersonID] = append(out[r.PersonID], hours.Credit{Minutes: m, Online: r.Online, CourseCategory: r.Category, At: at})
			}
		}
	}
	return out, nil
}
