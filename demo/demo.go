// Package demo seeds the demo district: about twenty enterprises of 麒麟区
// across its towns, streets and industries, a few hundred synthetic people
// of every category, and the five demo accounts of CONTRACT.md. The
// district is data (data/*.json); this package only turns it into calls of
// the roster and account use cases, so the same validation and the same
// audit ledger apply as to anything a person enters.
//
// People are generated, not real: names from character lists, ID numbers
// and credit codes built by package ident with correct check characters,
// drawn from a fixed seed so every demo database holds the same people.
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/roster"
)

// Password is the password of every demo account (CONTRACT.md).
const Password = "anpei-demo"

// ErrNotEmpty is returned by Seed for a database that already has users
// and no interrupted demo seed: the demo district goes only into an empty
// database.
var ErrNotEmpty = errors.New("demo: the database already has users; the demo district is seeded only into an empty database")

// mark records that a database holds the demo district. A row with
// CompletedAt nil is a seed that started and did not finish.
type mark struct {
	ID          uint      `gorm:"primaryKey"`
	StartedAt   time.Time `gorm:"not null"`
	CompletedAt *time.Time
	Enterprises int `gorm:"not null;default:0"`
	People      int `gorm:"not null;default:0"`
}

func (mark) TableName() string { return "demo_marks" }

// Seed writes the demo district through the roster and account stores,
// acting as account.System(): the enterprises, their people (one bulk
// import per enterprise), the duty returns of the people back from a long
// absence, then the demo accounts, and last a completed row in demo_marks.
//
// The stores run each use case in its own transaction, so Seed cannot be
// one transaction. Instead it is resumable: a row in demo_marks is written
// first, Empty stays true while that row is incomplete, and a second Seed
// finds the enterprises, people and accounts already written and adds only
// what is missing. It returns ErrNotEmpty when Empty is false, or an error
// naming the step and the enterprise or account that failed, wrapping the
// store's *fault.Error.
func Seed(ctx context.Context, db *gorm.DB, accounts *account.Store, rs *roster.Store) error {
	empty, err := Empty(ctx, db)
	if err != nil {
		return err
	}
	if !empty {
		return ErrNotEmpty
	}
	d, err := loadDistrict()
	if err != nil {
		return err
	}
	if err := db.WithContext(ctx).AutoMigrate(&mark{}); err != nil {
		return fmt.Errorf("demo: create demo_marks: %w", err)
	}
	resume, err := begin(ctx, db)
	if err != nil {
		return err
	}
	highRisk, err := checkReference(ctx, d, rs)
	if err != nil {
		return err
	}
	pl, err := generate(d, rs.Today(), highRisk)
	if err != nil {
		return err
	}

	sys := account.System()
	ids := make(map[string]uint, len(pl.Enterprises))
	people := 0
	for _, pe := range pl.Enterprises {
		id, err := ensureEnterprise(ctx, rs, sys, pe, resume)
		if err != nil {
			return err
		}
		ids[pe.Data.Key] = id
		if err := writePeople(ctx, rs, sys, id, pe); err != nil {
			return err
		}
		people += len(pe.People)
	}
	if err := createAccounts(ctx, accounts, rs, d.Accounts, pl, ids); err != nil {
		return err
	}
	now := time.Now().UTC()
	err = db.WithContext(ctx).Model(&mark{}).Where("completed_at IS NULL").
		Updates(map[string]any{"completed_at": now, "enterprises": len(pl.Enterprises), "people": people}).Error
	if err != nil {
		return fmt.Errorf("demo: mark the seed complete: %w", err)
	}
	return nil
}

// begin records the start of a seed, or reports that an earlier one is
// being resumed: one interrupted, or a finished one whose users were all
// deleted since.
func begin(ctx context.Context, db *gorm.DB) (resume bool, err error) {
	var n int64
	if err := db.WithContext(ctx).Model(&mark{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("demo: read demo_marks: %w", err)
	}
	if n > 0 {
		return true, nil
	}
	if err := db.WithContext(ctx).Create(&mark{StartedAt: time.Now().UTC()}).Error; err != nil {
		return false, fmt.Errorf("demo: write demo_marks: %w", err)
	}
	return false, nil
}

// checkReference checks the data's town, industry and operation-item codes
// against the roster's reference tables, so a stale data file fails with a
// clear message, and returns which industries are high-risk.
func checkReference(ctx context.Context, d district, rs *roster.Store) (map[string]bool, error) {
	towns, err := rs.Towns(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	industries, err := rs.Industries(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	items, err := rs.OperationItemSet(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	town := map[string]bool{}
	for _, t := range towns {
		town[t.Code] = true
	}
	highRisk := map[string]bool{}
	for _, in := range industries {
		highRisk[in.Code] = in.HighRisk
	}
	for _, e := range d.Enterprises {
		if !town[e.Town] {
			return nil, fmt.Errorf("demo: enterprises.json: %s: town %q is not in the roster's towns", e.Key, e.Town)
		}
		if _, ok := highRisk[e.Industry]; !ok {
			return nil, fmt.Errorf("demo: enterprises.json: %s: industry %q is not in the roster's industries", e.Key, e.Industry)
		}
		for _, code := range slices.Concat(d.CommonOperations, e.Operations) {
			if !items[code] {
				return nil, fmt.Errorf("demo: enterprises.json: %s: operation item %q is not an active item of the catalogue", e.Key, code)
			}
		}
	}
	return highRisk, nil
}

// ensureEnterprise creates the enterprise, or when resuming finds the one an
// earlier run created, by its credit code.
func ensureEnterprise(ctx context.Context, rs *roster.Store, p account.Principal, pe plannedEnterprise, resume bool) (uint, error) {
	if resume {
		rows, _, err := rs.ListEnterprises(ctx, p, roster.EnterpriseFilter{Text: pe.Input.CreditCode, Limit: 10})
		if err != nil {
			return 0, fmt.Errorf("demo: find enterprise %s: %w", pe.Data.Key, err)
		}
		for _, r := range rows {
			if r.CreditCode == pe.Input.CreditCode {
				return r.ID, nil
			}
		}
	}
	e, err := rs.CreateEnterprise(ctx, p, pe.Input)
	if err != nil {
		return 0, fmt.Errorf("demo: create enterprise %s: %w", pe.Data.Key, describe(err))
	}
	return e.ID, nil
}

// writePeople imports an enterprise's roster in one UpsertPeople call and
// then records the returns (返岗) of those back from a long absence. On a
// resumed seed, a person whose return is already recorded is left out of
// the import, which would otherwise try to take them off duty again.
func writePeople(ctx context.Context, rs *roster.Store, p account.Principal, enterpriseID uint, pe plannedEnterprise) error {
	rows := make([]roster.PersonInput, 0, len(pe.People))
	var returns []plannedPerson
	for _, pp := range pe.People {
		if pp.ReturnOn != nil {
			row, err := findPerson(ctx, rs, p, enterpriseID, pp.Input.DocNumber)
			switch {
			case errors.Is(err, roster.ErrPersonNotFound):
			case err != nil:
				return fmt.Errorf("demo: %s: %w", pe.Data.Key, err)
			case row.DutyStatus == roster.DutyOn:
				continue // returned by an earlier run
			}
			returns = append(returns, pp)
		}
		rows = append(rows, pp.Input)
	}
	if _, err := rs.UpsertPeople(ctx, p, enterpriseID, rows); err != nil {
		return fmt.Errorf("demo: import the people of %s: %w", pe.Data.Key, describe(err))
	}
	for _, pp := range returns {
		row, err := findPerson(ctx, rs, p, enterpriseID, pp.Input.DocNumber)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", pe.Data.Key, err)
		}
		_, err = rs.ChangeDuty(ctx, p, row.ID, roster.DutyChange{Kind: roster.DutyReturn, Date: *pp.ReturnOn, Note: "离岗半年以上后返岗（演示数据）"})
		if err != nil {
			return fmt.Errorf("demo: record the return of a person of %s: %w", pe.Data.Key, describe(err))
		}
	}
	return nil
}

// findPerson looks a person of enterprise enterpriseID up by their full ID
// number. It returns roster.ErrPersonNotFound when there is none.
func findPerson(ctx context.Context, rs *roster.Store, p account.Principal, enterpriseID uint, number string) (roster.PersonRow, error) {
	rows, _, err := rs.ListPeople(ctx, p, roster.PersonFilter{EnterpriseID: enterpriseID, Text: number, Limit: 2})
	if err != nil {
		return roster.PersonRow{}, fmt.Errorf("find person: %w", err)
	}
	if len(rows) != 1 {
		return roster.PersonRow{}, roster.ErrPersonNotFound
	}
	return rows[0], nil
}

// describe adds a validation error's first details to its message: a data
// mistake then says which row and field the roster rejected.
func describe(err error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(fe.Details) == 0 {
		return err
	}
	ds := fe.Details[:min(len(fe.Details), 3)]
	return fmt.Errorf("%w: %+v", err, ds)
}

// Empty reports whether the database has no users yet, or holds a demo
// seed that was interrupted (which Seed then resumes). It returns the
// database's error.
func Empty(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&account.User{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("demo: count users: %w", err)
	}
	if n == 0 {
		return true, nil
	}
	return marked(ctx, db, "completed_at IS NULL")
}

// IsDemo reports whether the database was seeded with the demo district
// (and the seed finished), so the login page may show the demo accounts.
// It returns the database's error.
func IsDemo(ctx context.Context, db *gorm.DB) (bool, error) {
	return marked(ctx, db, "completed_at IS NOT NULL")
}

// marked reports whether demo_marks exists and has a row matching cond.
func marked(ctx context.Context, db *gorm.DB, cond string) (bool, error) {
	db = db.WithContext(ctx)
	if !db.Migrator().HasTable(&mark{}) {
		return false, nil
	}
	var n int64
	if err := db.Model(&mark{}).Where(cond).Count(&n).Error; err != nil {
		return false, fmt.Errorf("demo: read demo_marks: %w", err)
	}
	return n > 0, nil
}
