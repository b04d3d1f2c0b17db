package roster

import (
	"context"
	"slices"

	"anpei/fault"
)

// Subject is a person as the compliance evaluation reads them: the roster
// row with its operation items, where their enterprise is, and their duty
// history in date order.
type Subject struct {
	Person
	TownCode     string
	IndustryCode string
	Events       []DutyEvent
}

// Subjects returns, in id order, up to limit people with id greater than
// afterID (every duty status), for a sweep over the whole roster: three
// queries per page, whatever its size.
func (s *Store) Subjects(ctx context.Context, afterID uint, limit int) ([]Subject, error) {
	db := s.db.WithContext(ctx)
	type row struct {
		Person
		TownCode     string
		IndustryCode string
	}
	var rows []row
	err := db.Table("people").Select("people.*, COALESCE(enterprises.town_code, '') AS town_code, COALESCE(enterprises.industry_code, '') AS industry_code").
		Joins("LEFT JOIN enterprises ON enterprises.id = people.enterprise_id").
		Where("people.id > ?", afterID).Order("people.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fault.Wrap(err, "roster: load people for evaluation")
	}
	ids := make([]uint, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	items, err := itemsByPerson(db, ids)
	if err != nil {
		return nil, err
	}
	events := map[uint][]DutyEvent{}
	for chunk := range slices.Chunk(ids, inChunk) {
		var evs []DutyEvent
		if err := db.Where("person_id IN ?", chunk).Order("person_id, date, id").Find(&evs).Error; err != nil {
			return nil, fault.Wrap(err, "roster: load duty events for evaluation")
		}
		for _, e := range evs {
			events[e.PersonID] = append(events[e.PersonID], e)
		}
	}
	out := make([]Subject, len(rows))
	for i, r := range rows {
		p := r.Person
		p.IDCipher, p.IDHash = "", ""
		p.OperationItems = items[p.ID]
		if p.OperationItems == nil {
			p.OperationItems = []string{}
		}
		out[i] = Subject{Person: p, TownCode: r.TownCode, IndustryCode: r.IndustryCode, Events: events[p.ID]}
	}
	return out, nil
}
