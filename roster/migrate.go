package roster

import (
	"fmt"

	"gorm.io/gorm"
)

// AutoMigrate creates or updates the roster's tables (towns, departments,
// industries, operation_categories, operation_items, enterprises, people,
// person_operation_items, duty_events) and loads the reference data with
// SeedReference. It is idempotent and never overwrites edited reference
// rows. It returns the database's error, wrapped, when a statement fails.
func AutoMigrate(tx *gorm.DB) error {
	err := tx.AutoMigrate(
		&Town{}, &Department{}, &Industry{}, &OperationCategory{}, &OperationItem{},
		&Enterprise{}, &Person{}, &PersonOperationItem{}, &DutyEvent{},
	)
	if err != nil {
		return fmt.Errorf("roster: migrate: %w", err)
	}
	return SeedReference(tx)
}
