package roster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/fault"
	"anpei/ident"
)

// ImportResult counts what UpsertPeople did with the rows it was given.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// UpsertPeople writes a whole roster for enterprise enterpriseID in one
// transaction: rows whose identity (document type + number) is new are
// inserted in batches; rows matching a person already on this roster, or
// off duty elsewhere, update that person; rows equal to what is stored are
// left alone. A change of duty status between the stored person and the row
// appends the matching duty events (上岗, 离岗, 返岗). People missing from
// rows are not touched; see MissingFrom.
//
// Either every row is written or none is. It returns ErrEnterpriseNotFound
// when p may not see the enterprise; ErrForbidden when p may not change its
// people; ErrPersonInOtherEnterprise, with a Detail per row, when the only
// problems are people on duty in another enterprise; ErrImportRejected with
// a Detail per problem (Row is the 1-based position in rows, Field the
// field) for invalid rows, numbers repeated within rows and impossible
// duty changes; and an internal *fault.Error when the database fails.
func (s *Store) UpsertPeople(ctx context.Context, p account.Principal, enterpriseID uint, rows []PersonInput) (ImportResult, error) {
	var res ImportResult
	today := s.Today()
	err := s.write(ctx, func(tx *gorm.DB) error {
		if _, err := visibleEnterprise(tx, p, enterpriseID); err != nil {
			return err
		}
		if !mayEditPeopleOf(p, enterpriseID) {
			return ErrForbidden
		}
		items, err := operationItemSet(tx)
		if err != nil {
			return err
		}
		plans, err := s.planImport(tx, enterpriseID, rows, today, items)
		if err != nil {
			return err
		}
		res, err = s.applyImport(tx, p, enterpriseID, plans)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importPlan is one valid row and what it does.
type importPlan struct {
	row      int // 1-based
	c        checkedPerson
	hash     string
	existing *Person // nil for a new identity
}

// identityKey identifies a person: document type and number hash.
func identityKey(t ident.DocType, hash string) string { return string(t) + "|" + hash }

// planImport validates rows against the rules and the stored people and
// returns a plan per row, or the rejection listing every problem.
func (s *Store) planImport(tx *gorm.DB, enterpriseID uint, rows []PersonInput, today time.Time, items map[string]bool) ([]importPlan, error) {
	keys := make([]string, len(rows))
	hashes := make([]string, len(rows))
	eachIndex(len(rows), func(i int) {
		t := rows[i].DocType
		if t == "" {
			t = ident.DocResidentID
		}
		if id, err := ident.ParseID(t, rows[i].DocNumber, today); err == nil {
			hashes[i] = s.keys.Hash(id.Number)
			keys[i] = identityKey(t, hashes[i])
		}
	})
	existing, err := peopleByHash(tx, hashes)
	if err != nil {
		return nil, err
	}

	var (
		details   []fault.Detail
		elsewhere int
		plans     = make([]importPlan, 0, len(rows))
		firstRow  = make(map[string]int, len(rows))
	)
	// The per-row rules are pure: check every row on every core first.
	checked := make([]checkedPerson, len(rows))
	problems := make([][]fault.Detail, len(rows))
	eachIndex(len(rows), func(i int) {
		var keep []string
		if ex := existing[keys[i]]; ex != nil {
			keep = ex.OperationItems
		}
		checked[i], problems[i] = checkPerson(rows[i], today, items, checkOpts{keep: keep})
	})
	for i := range rows {
		row := i + 1
		ex := existing[keys[i]]
		c, ds := checked[i], problems[i]
		for _, d := range ds {
			d.Row = row
			details = append(details, d)
		}
		if keys[i] == "" {
			continue
		}
		if first, dup := firstRow[keys[i]]; dup {
			details = append(details, fault.Detail{Row: row, Field: FieldDocNumber, Message: fmt.Sprintf("证件号码与第%d行重复", first)})
			continue
		}
		firstRow[keys[i]] = row
		if ex != nil && onRosterElsewhere(*ex, enterpriseID) {
			elsewhere++
			details = append(details, fault.Detail{Row: row, Field: FieldDocNumber, Message: "该人员目前在其他单位在岗或待上岗，须由原单位办理离岗后才能导入"})
			continue
		}
		if len(ds) == 0 {
			plans = append(plans, importPlan{row: row, c: c, hash: hashes[i], existing: ex})
		}
	}
	if len(details) == 0 {
		// Duty changes are checked only for rows that are otherwise valid.
		for _, pl := range plans {
			if pl.existing == nil {
				continue
			}
			_, _, ds := mergeImported(*pl.existing, pl.c.in, enterpriseID)
			for _, d := range ds {
				d.Row = pl.row
				details = append(details, d)
			}
		}
	}
	switch {
	case len(details) == 0:
		return plans, nil
	case elsewhere == len(details):
		return nil, ErrPersonInOtherEnterprise.WithDetails(details...)
	}
	return nil, ErrImportRejected.WithDetails(details...)
}

// applyImport writes the plans and the audit entry.
func (s *Store) applyImport(tx *gorm.DB, p account.Principal, enterpriseID uint, plans []importPlan) (ImportResult, error) {
	var (
		res        ImportResult
		created    []Person
		updated    []Person
		updatedIDs []uint
		events     []DutyEvent
		itemsGone  []uint // people whose stored items are replaced
		newItems   []PersonOperationItem
	)
	for _, pl := range plans {
		if pl.existing == nil {
			person, err := s.newPerson(pl.c, pl.hash, enterpriseID)
			if err != nil {
				return res, err
			}
			created = append(created, person)
			continue
		}
		ex := *pl.existing
		after, evs, _ := mergeImported(ex, pl.c.in, enterpriseID)
		if samePerson(ex, after) {
			res.Unchanged++
			continue
		}
		updated = append(updated, after)
		updatedIDs = append(updatedIDs, ex.ID)
		events = append(events, evs...)
		if !slices.Equal(ex.OperationItems, after.OperationItems) {
			itemsGone = append(itemsGone, ex.ID)
			newItems = append(newItems, itemRows(ex.ID, after.OperationItems)...)
		}
	}

	createdIDs, err := insertPeople(tx, created)
	if err != nil {
		return res, err
	}
	for i := range created {
		created[i].ID = createdIDs[i]
		newItems = append(newItems, itemRows(created[i].ID, created[i].OperationItems)...)
		events = append(events, spellEvents(created[i], p)...)
	}
	if err := updatePeople(tx, updated); err != nil {
		return res, err
	}
	for chunk := range slices.Chunk(itemsGone, inChunk) {
		if err := tx.Where("person_id IN ?", chunk).Delete(&PersonOperationItem{}).Error; err != nil {
			return res, fault.Wrap(err, "roster: delete replaced operation items")
		}
	}
	if err := insertItems(tx, newItems); err != nil {
		return res, err
	}
	for i := range events {
		events[i].ActorID, events[i].ActorName = p.UserID, p.Username
	}
	if err := insertEvents(tx, events); err != nil {
		return res, err
	}

	res.Created, res.Updated = len(created), len(updated)
	if res.Created+res.Updated == 0 {
		return res, nil
	}
	err = record(tx, p, "import_people", "enterprise", enterpriseID, nil, map[string]any{
		"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged,
		"created_ids": createdIDs, "updated_ids": updatedIDs,
	})
	return res, err
}

// mergeImported returns ex as the checked row in says it now is, the duty
// events that take it there (without actor) and what makes that change
// impossible.
func mergeImported(ex Person, in PersonInput, enterpriseID uint) (Person, []DutyEvent, []fault.Detail) {
	after := ex
	setProfile(&after, in)
	after.DutyStatus, after.AppointedOn = in.DutyStatus, in.AppointedOn
	if in.LeftOn != nil {
		after.LeftOn = in.LeftOn
	}
	var details []fault.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, fault.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	event := func(kind DutyKind, date *time.Time) DutyEvent {
		return DutyEvent{PersonID: ex.ID, EnterpriseID: enterpriseID, Kind: kind, Date: *date, Position: after.Position}
	}
	var events []DutyEvent

	if ex.EnterpriseID != enterpriseID { // joining this enterprise
		after.EnterpriseID, after.PostChangedOn = enterpriseID, nil
		if ex.LeftOn != nil && in.AppointedOn != nil && in.AppointedOn.Before(*ex.LeftOn) {
			bad(FieldAppointedOn, "上岗日期早于该人员在原单位的离岗日期（%s）", ex.LeftOn.Format(time.DateOnly))
		}
		for _, e := range spellEvents(after, account.Principal{}) {
			e.PersonID = ex.ID
			events = append(events, e)
		}
		return after, events, details
	}

	switch from, to := ex.DutyStatus, in.DutyStatus; {
	case from == to:
		// Same status: the row may correct the dates, which adds no event.
	case to == DutyPending:
		bad(FieldDutyStatus, "该人员已登记为%s，不能改为待上岗", from.Label())
	case from == DutyPending:
		events = append(events, event(DutyAppoint, in.AppointedOn))
		if to == DutyOff {
			events = append(events, event(DutyLeave, in.LeftOn))
		}
	case from == DutyOn && to == DutyOff:
		if since := latest(ex.AppointedOn, ex.PostChangedOn); since != nil && in.LeftOn.Before(*since) {
			bad(FieldLeftOn, "离岗日期早于该人员已登记的上岗或调岗日期（%s）", since.Format(time.DateOnly))
		}
		events = append(events, event(DutyLeave, in.LeftOn))
	case from == DutyOff && to == DutyOn:
		if ex.LeftOn != nil && in.AppointedOn.Before(*ex.LeftOn) {
			bad(FieldAppointedOn, "返岗日期早于该人员已登记的离岗日期（%s）", ex.LeftOn.Format(time.DateOnly))
		}
		events = append(events, event(DutyReturn, in.AppointedOn))
	}
	return after, events, details
}

func latest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

// peopleByHash loads the people whose hash is among hashes (empty ones
// skipped), with their operation items, keyed by identityKey, reading
// inChunk hashes per query.
func peopleByHash(tx *gorm.DB, hashes []string) (map[string]*Person, error) {
	want := make([]string, 0, len(hashes))
	for _, h := range hashes {
		if h != "" {
			want = append(want, h)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[string]*Person, len(want))
	var ids []uint
	for chunk := range slices.Chunk(want, inChunk) {
		var found []Person
		if err := forUpdate(tx).Where("id_hash IN ?", chunk).Find(&found).Error; err != nil {
			return nil, fault.Wrap(err, "roster: load people by ID hash")
		}
		for i := range found {
			out[identityKey(found[i].DocType, found[i].IDHash)] = &found[i]
			ids = append(ids, found[i].ID)
		}
	}
	items, err := itemsByPerson(tx, ids)
	if err != nil {
		return nil, err
	}
	for _, person := range out {
		person.OperationItems = items[person.ID]
	}
	return out, nil
}

// insertPeople inserts people in batches and returns their IDs in order.
// The IDs are read back rather than trusted from the driver, since MySQL's
// interleaved auto-increment need not number a batch consecutively; one
// primary-key range scan above the highest ID before the insert finds them
// (rows inserted meanwhile by others are told apart by their identity).
func insertPeople(tx *gorm.DB, people []Person) ([]uint, error) {
	if len(people) == 0 {
		return nil, nil
	}
	var before uint
	if err := tx.Model(&Person{}).Select("COALESCE(MAX(id), 0)").Scan(&before).Error; err != nil {
		return nil, fault.Wrap(err, "roster: highest person id")
	}
	if err := tx.Omit("id").CreateInBatches(&people, insertBatch(tx)).Error; err != nil {
		return nil, fault.Wrap(err, "roster: insert people")
	}
	idOf := make(map[string]uint, len(people))
	rows, err := tx.Model(&Person{}).Select("id", "doc_type", "id_hash").Where("id > ?", before).Rows()
	if err != nil {
		return nil, fault.Wrap(err, "roster: read back new people")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   uint
			t    string
			hash string
		)
		if err := rows.Scan(&id, &t, &hash); err != nil {
			return nil, fault.Wrap(err, "roster: read back new people")
		}
		idOf[identityKey(ident.DocType(t), hash)] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fault.Wrap(err, "roster: read back new people")
	}
	ids := make([]uint, len(people))
	for i := range people {
		ids[i] = idOf[identityKey(people[i].DocType, people[i].IDHash)]
		if ids[i] == 0 {
			return nil, fault.Wrap(errors.New("inserted person not found"), "roster: read back new people")
		}
	}
	return ids, nil
}

// upsertColumns are the columns an import may change on a stored person;
// the identity (type, hash, seal, mask) never changes by import.
func upsertColumns() []string {
	return []string{
		"name", "sex", "birth_date", "phone", "education", "enterprise_id", "categories", "position",
		"duty_status", "appointed_on", "left_on", "post_changed_on", "employment_kind", "updated_at",
	}
}

// updatePeople writes changed stored people in batches: a multi-row insert
// that always conflicts on the identity key and so updates instead, which
// both dialects run as one statement per batch.
func updatePeople(tx *gorm.DB, people []Person) error {
	if len(people) == 0 {
		return nil
	}
	rows := slices.Clone(people)
	for i := range rows {
		rows[i].ID = 0 // let the identity key, not the primary key, find the row
		rows[i].UpdatedAt = time.Time{}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id_hash"}, {Name: "doc_type"}},
		DoUpdates: clause.AssignmentColumns(upsertColumns()),
	}).Omit("id").CreateInBatches(&rows, insertBatch(tx)).Error
	if err != nil {
		return fault.Wrap(err, "roster: update people")
	}
	return nil
}

// MissingFrom returns the people on duty in enterprise enterpriseID whose
// ID hash is not in hashes (see HashID): those a complete roster file left
// out, for the admin to mark 离岗. It returns ErrEnterpriseNotFound when p
// may not see the enterprise, ErrForbidden for a principal who sees no part
// of the roster, and an internal *fault.Error when the database fails.
func (s *Store) MissingFrom(ctx context.Context, p account.Principal, enterpriseID uint, hashes []string) ([]PersonRow, error) {
	db := s.db.WithContext(ctx)
	if _, err := visibleEnterprise(db, p, enterpriseID); err != nil {
		return nil, err
	}
	sc, err := personScope(p)
	if err != nil {
		return nil, err
	}
	var onDuty []Person
	err = db.Model(&Person{}).Scopes(sc).Select("people.id", "people.id_hash").
		Where("people.enterprise_id = ? AND people.duty_status = ?", enterpriseID, DutyOn).Find(&onDuty).Error
	if err != nil {
		return nil, fault.Wrap(err, "roster: list people on duty")
	}
	inFile := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		inFile[h] = true
	}
	var missing []uint
	for _, person := range onDuty {
		if !inFile[person.IDHash] {
			missing = append(missing, person.ID)
		}
	}
	rows := []PersonRow{}
	for chunk := range slices.Chunk(missing, inChunk) {
		var page []PersonRow
		err := db.Model(&Person{}).Select(rowColumns).
			Joins("LEFT JOIN enterprises ON enterprises.id = people.enterprise_id").
			Where("people.id IN ?", chunk).Scan(&page).Error
		if err != nil {
			return nil, fault.Wrap(err, "roster: load missing people")
		}
		rows = append(rows, page...)
	}
	if err := attachItems(db, rows); err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b PersonRow) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		return int(a.ID) - int(b.ID)
	})
	return rows, nil
}
