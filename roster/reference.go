package roster

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/fault"
)

// Town is a town (镇) or street (街道) of 麒麟区, by its 9-digit
// administrative code.
type Town struct {
	Code string `gorm:"primaryKey;size:12" json:"code"`
	Name string `gorm:"size:50;not null" json:"name"`
	Kind string `gorm:"size:10;not null" json:"kind"` // "street" (街道) or "town" (镇)
	Sort int    `gorm:"not null;default:0" json:"sort"`
}

// Department is a district department with work-safety duties for some
// industries (负有安全生产监督管理职责的部门).
type Department struct {
	Code string `gorm:"primaryKey;size:30" json:"code"`
	Name string `gorm:"size:50;not null" json:"name"`
	Sort int    `gorm:"not null;default:0" json:"sort"`
}

// Industry is a sector an enterprise belongs to.
//
// HighRisk marks the five sectors of 3号令 (coal, non-coal mines, hazardous
// chemicals, fireworks, metal smelting) whose training hours are higher.
// AssessmentRequired marks the sectors whose principals and safety managers
// must pass the authorities' assessment (Safety Law Art.27 ¶2), which also
// covers construction, transport and other hazardous-goods units.
type Industry struct {
	Code               string `gorm:"primaryKey;size:30" json:"code"`
	Name               string `gorm:"size:50;not null" json:"name"`
	HighRisk           bool   `gorm:"not null;default:false" json:"high_risk"`
	AssessmentRequired bool   `gorm:"not null;default:false" json:"assessment_required"`
	DepartmentCode     string `gorm:"size:30;not null;index" json:"department_code"`
	Sort               int    `gorm:"not null;default:0" json:"sort"`
}

// OperationCategory is a category of the special-operation catalogue
// (作业类别), e.g. "1" 电工作业.
type OperationCategory struct {
	Code   string `gorm:"primaryKey;size:10" json:"code"`
	Name   string `gorm:"size:100;not null" json:"name"`
	Active bool   `gorm:"not null;default:true" json:"active"`
	Sort   int    `gorm:"not null;default:0" json:"sort"`
}

// OperationItem is an operation item (准操项目) of the catalogue, e.g. "1.1"
// 高压电工作业. Inactive items stay for existing records but may not be
// given to anyone new.
type OperationItem struct {
	Code         string `gorm:"primaryKey;size:10" json:"code"`
	CategoryCode string `gorm:"size:10;not null;index" json:"category_code"`
	Name         string `gorm:"size:100;not null" json:"name"`
	Active       bool   `gorm:"not null;default:true" json:"active"`
	Sort         int    `gorm:"not null;default:0" json:"sort"`
}

// Towns returns every town and street in display order. It returns an
// internal *fault.Error when the database fails.
func (s *Store) Towns(ctx context.Context) ([]Town, error) {
	return listReference[Town](ctx, s.db, "towns")
}

// Departments returns every regulating department in display order. It
// returns an internal *fault.Error when the database fails.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	return listReference[Department](ctx, s.db, "departments")
}

// Industries returns every industry in display order. It returns an
// internal *fault.Error when the database fails.
func (s *Store) Industries(ctx context.Context) ([]Industry, error) {
	return listReference[Industry](ctx, s.db, "industries")
}

// OperationCategories returns the catalogue's categories in display order.
// It returns an internal *fault.Error when the database fails.
func (s *Store) OperationCategories(ctx context.Context) ([]OperationCategory, error) {
	return listReference[OperationCategory](ctx, s.db, "operation categories")
}

// OperationItems returns every operation item, active or not, in display
// order. It returns an internal *fault.Error when the database fails.
func (s *Store) OperationItems(ctx context.Context) ([]OperationItem, error) {
	return listReference[OperationItem](ctx, s.db, "operation items")
}

// OperationItemSet returns the catalogue as the map ValidatePersonInput
// takes: item code → whether it is active. It returns an internal
// *fault.Error when the database fails.
func (s *Store) OperationItemSet(ctx context.Context) (map[string]bool, error) {
	return operationItemSet(s.db.WithContext(ctx))
}

func operationItemSet(tx *gorm.DB) (map[string]bool, error) {
	var items []OperationItem
	if err := tx.Select("code", "active").Find(&items).Error; err != nil {
		return nil, fault.Wrap(err, "roster: load operation items")
	}
	set := make(map[string]bool, len(items))
	for _, it := range items {
		set[it.Code] = it.Active
	}
	return set, nil
}

func listReference[T any](ctx context.Context, db *gorm.DB, what string) ([]T, error) {
	rows := []T{}
	if err := db.WithContext(ctx).Order("sort, code").Find(&rows).Error; err != nil {
		return nil, fault.Wrap(err, "roster: list "+what)
	}
	return rows, nil
}

// referenceData holds the reference tables as first shipped. They are data,
// not code: a migration copies them into the database once, and the rows
// are edited there afterwards.
//
//go:embed data/*.tsv
var referenceData embed.FS

// SeedReference inserts the embedded reference rows that are missing from
// the database and leaves existing rows alone, so edits made since survive
// and running it again changes nothing. It returns an error when a data file
// is malformed (a bug caught by the tests) or the database fails.
func SeedReference(tx *gorm.DB) error {
	towns, err := parseTowns()
	if err != nil {
		return err
	}
	depts, err := parseDepartments()
	if err != nil {
		return err
	}
	inds, err := parseIndustries()
	if err != nil {
		return err
	}
	cats, items, err := parseOperations()
	if err != nil {
		return err
	}
	for _, rows := range []any{&towns, &depts, &inds, &cats, &items} {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("roster: seed reference data: %w", err)
		}
	}
	return nil
}

// readTSV returns the tab-separated fields of each non-comment line of
// data/name, checking the field count.
func readTSV(name string, fields int) ([][]string, error) {
	f, err := referenceData.Open("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("roster: open %s: %w", name, err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != fields {
			return nil, fmt.Errorf("roster: %s line %d: %d fields, want %d", name, n, len(cols), fields)
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
			if cols[i] == "" {
				return nil, fmt.Errorf("roster: %s line %d: field %d is empty", name, n, i+1)
			}
		}
		rows = append(rows, cols)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("roster: read %s: %w", name, err)
	}
	return rows, nil
}

func parseFlag(name string, s string) (bool, error) {
	switch s {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("roster: %s: flag %q is not 0 or 1", name, s)
}

func parseTowns() ([]Town, error) {
	rows, err := readTSV("towns.tsv", 3)
	if err != nil {
		return nil, err
	}
	towns := make([]Town, 0, len(rows))
	for i, r := range rows {
		if len(r[0]) != 9 || !strings.HasPrefix(r[0], "530302") {
			return nil, fmt.Errorf("roster: towns.tsv: code %q is not a 9-digit code of 530302", r[0])
		}
		if r[2] != "street" && r[2] != "town" {
			return nil, fmt.Errorf("roster: towns.tsv: kind %q of %s", r[2], r[0])
		}
		towns = append(towns, Town{Code: r[0], Name: r[1], Kind: r[2], Sort: i + 1})
	}
	return towns, nil
}

func parseDepartments() ([]Department, error) {
	rows, err := readTSV("departments.tsv", 2)
	if err != nil {
		return nil, err
	}
	depts := make([]Department, 0, len(rows))
	for i, r := range rows {
		depts = append(depts, Department{Code: r[0], Name: r[1], Sort: i + 1})
	}
	return depts, nil
}

func parseIndustries() ([]Industry, error) {
	rows, err := readTSV("industries.tsv", 5)
	if err != nil {
		return nil, err
	}
	inds := make([]Industry, 0, len(rows))
	for i, r := range rows {
		high, err := parseFlag("industries.tsv", r[2])
		if err != nil {
			return nil, err
		}
		assess, err := parseFlag("industries.tsv", r[3])
		if err != nil {
			return nil, err
		}
		inds = append(inds, Industry{Code: r[0], Name: r[1], HighRisk: high, AssessmentRequired: assess, DepartmentCode: r[4], Sort: i + 1})
	}
	return inds, nil
}

// parseOperations splits operations.tsv into categories (codes without a
// dot) and items ("category.n").
func parseOperations() ([]OperationCategory, []OperationItem, error) {
	rows, err := readTSV("operations.tsv", 3)
	if err != nil {
		return nil, nil, err
	}
	var (
		cats  []OperationCategory
		items []OperationItem
	)
	for i, r := range rows {
		active, err := parseFlag("operations.tsv", r[2])
		if err != nil {
			return nil, nil, err
		}
		cat, _, isItem := strings.Cut(r[0], ".")
		if !isItem {
			cats = append(cats, OperationCategory{Code: r[0], Name: r[1], Active: active, Sort: i + 1})
			continue
		}
		items = append(items, OperationItem{Code: r[0], CategoryCode: cat, Name: r[1], Active: active, Sort: i + 1})
	}
	return cats, items, nil
}
