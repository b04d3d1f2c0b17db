package roster

import (
	"slices"

	"gorm.io/gorm"

	"anpei/db"
	"anpei/fault"
)

// inChunk is how many values one IN list holds, well under the
// placeholder limits of both dialects.
const inChunk = 1000

// insertBatch is how many rows one multi-row INSERT carries. The pure-Go
// SQLite driver matches each placeholder to its argument by a linear scan,
// so binding costs grow with the square of the placeholders per statement
// and small batches are fastest there (20,000 people: 6 s at 500 rows, 2 s
// at 50); MySQL prefers fewer round trips.
func insertBatch(tx *gorm.DB) int {
	if db.DialectOf(tx) == db.SQLite {
		return 50
	}
	return 500
}

// itemsOf returns person id's operation-item codes in catalogue order.
func itemsOf(tx *gorm.DB, id uint) ([]string, error) {
	byPerson, err := itemsByPerson(tx, []uint{id})
	if err != nil {
		return nil, err
	}
	if byPerson[id] == nil {
		return []string{}, nil
	}
	return byPerson[id], nil
}

// itemsByPerson returns the operation-item codes of each of ids, in
// catalogue order, with one query per inChunk people.
func itemsByPerson(tx *gorm.DB, ids []uint) (map[uint][]string, error) {
	out := make(map[uint][]string, len(ids))
	for chunk := range slices.Chunk(ids, inChunk) {
		var rows []PersonOperationItem
		if err := tx.Where("person_id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, fault.Wrap(err, "roster: load operation items of people")
		}
		for _, r := range rows {
			out[r.PersonID] = append(out[r.PersonID], r.ItemCode)
		}
	}
	for id := range out {
		slices.SortFunc(out[id], compareItemCodes)
	}
	return out, nil
}

// attachItems fills in the operation items of a page of rows.
func attachItems(tx *gorm.DB, rows []PersonRow) error {
	ids := make([]uint, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	byPerson, err := itemsByPerson(tx, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].OperationItems = byPerson[rows[i].ID]
		if rows[i].OperationItems == nil {
			rows[i].OperationItems = []string{}
		}
	}
	return nil
}

func itemRows(personID uint, codes []string) []PersonOperationItem {
	rows := make([]PersonOperationItem, len(codes))
	for i, c := range codes {
		rows[i] = PersonOperationItem{PersonID: personID, ItemCode: c}
	}
	return rows
}

func insertItems(tx *gorm.DB, rows []PersonOperationItem) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&rows, insertBatch(tx)).Error; err != nil {
		return fault.Wrap(err, "roster: insert operation items")
	}
	return nil
}

// replaceItems sets person id's items to after when they differ from before.
func replaceItems(tx *gorm.DB, id uint, before, after []string) error {
	if slices.Equal(before, after) {
		return nil
	}
	if err := tx.Where("person_id = ?", id).Delete(&PersonOperationItem{}).Error; err != nil {
		return fault.Wrap(err, "roster: delete operation items")
	}
	return insertItems(tx, itemRows(id, after))
}
