package roster

import (
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/fault"
)

// This file is the one place that says who sees and changes which part of
// the roster. Reads are filtered in SQL by enterpriseScope and personScope;
// a row outside them is "not found". Writes additionally need the role
// checks below.
//
//	role                     sees enterprises            sees people
//	admin, district reg.     all                         all
//	town regulator           town_code = theirs          of those enterprises
//	department regulator     industries they regulate    of those enterprises
//	enterprise admin         their own                   their enterprise's
//	learner                  their own                   themself
//	trainer                  nothing (ErrForbidden)      nothing (ErrForbidden)
//
// Writes: admin anything; a regulator creates and edits enterprises that
// are, and stay, in scope, but not people; an enterprise admin edits their
// enterprise's people and its contact fields; learners and trainers nothing.

type scope func(*gorm.DB) *gorm.DB

func noRows(db *gorm.DB) *gorm.DB  { return db.Where("1 = 0") }
func allRows(db *gorm.DB) *gorm.DB { return db }

// enterpriseScope restricts a query on enterprises to what p may see. It
// returns ErrForbidden for a principal who sees no part of the roster.
func enterpriseScope(p account.Principal) (scope, error) {
	switch {
	case p.SeesWholeDistrict():
		return allRows, nil
	case p.Role == account.RoleRegulator && p.JurisdictionCode != "":
		switch p.JurisdictionKind {
		case account.JurisdictionTown:
			return func(db *gorm.DB) *gorm.DB {
				return db.Where("enterprises.town_code = ?", p.JurisdictionCode)
			}, nil
		case account.JurisdictionDepartment:
			return func(db *gorm.DB) *gorm.DB {
				return db.Where("enterprises.industry_code IN (SELECT code FROM industries WHERE department_code = ?)", p.JurisdictionCode)
			}, nil
		}
	case p.Role == account.RoleEnterpriseAdmin || p.Role == account.RoleLearner:
		if p.EnterpriseID == 0 {
			return noRows, nil
		}
		return func(db *gorm.DB) *gorm.DB { return db.Where("enterprises.id = ?", p.EnterpriseID) }, nil
	}
	return nil, ErrForbidden
}

// personScope restricts a query on people to what p may see. It returns
// ErrForbidden for a principal who sees no part of the roster.
func personScope(p account.Principal) (scope, error) {
	switch {
	case p.SeesWholeDistrict():
		return allRows, nil
	case p.Role == account.RoleRegulator && p.JurisdictionCode != "":
		switch p.JurisdictionKind {
		case account.JurisdictionTown:
			return func(db *gorm.DB) *gorm.DB {
				return db.Where("people.enterprise_id IN (SELECT id FROM enterprises WHERE town_code = ?)", p.JurisdictionCode)
			}, nil
		case account.JurisdictionDepartment:
			return func(db *gorm.DB) *gorm.DB {
				return db.Where("people.enterprise_id IN (SELECT id FROM enterprises WHERE industry_code IN "+
					"(SELECT code FROM industries WHERE department_code = ?))", p.JurisdictionCode)
			}, nil
		}
	case p.Role == account.RoleEnterpriseAdmin:
		if p.EnterpriseID == 0 {
			return noRows, nil
		}
		return func(db *gorm.DB) *gorm.DB { return db.Where("people.enterprise_id = ?", p.EnterpriseID) }, nil
	case p.Role == account.RoleLearner:
		if p.PersonID == 0 {
			return noRows, nil
		}
		return func(db *gorm.DB) *gorm.DB { return db.Where("people.id = ?", p.PersonID) }, nil
	}
	return nil, ErrForbidden
}

// visibleEnterprise loads enterprise id if p may see it, else
// ErrEnterpriseNotFound (or ErrForbidden for a principal who sees nothing).
func visibleEnterprise(tx *gorm.DB, p account.Principal, id uint) (Enterprise, error) {
	sc, err := enterpriseScope(p)
	if err != nil {
		return Enterprise{}, err
	}
	var e Enterprise
	err = tx.Model(&Enterprise{}).Scopes(sc).Where("enterprises.id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Enterprise{}, ErrEnterpriseNotFound
	}
	if err != nil {
		return Enterprise{}, fault.Wrap(err, "roster: load enterprise")
	}
	return e, nil
}

// enterpriseInScope reports whether p may see enterprise id as the rows in
// tx now stand; the write use cases call it after a change to check that a
// regulator did not move an enterprise out of their own jurisdiction.
func enterpriseInScope(tx *gorm.DB, p account.Principal, id uint) (bool, error) {
	_, err := visibleEnterprise(tx, p, id)
	if errors.Is(err, ErrEnterpriseNotFound) {
		return false, nil
	}
	return err == nil, err
}

// visiblePerson loads person id if p may see them, else ErrPersonNotFound
// (or ErrForbidden for a principal who sees nothing).
func visiblePerson(tx *gorm.DB, p account.Principal, id uint) (Person, error) {
	sc, err := personScope(p)
	if err != nil {
		return Person{}, err
	}
	var person Person
	err = tx.Model(&Person{}).Scopes(sc).Where("people.id = ?", id).Take(&person).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Person{}, ErrPersonNotFound
	}
	if err != nil {
		return Person{}, fault.Wrap(err, "roster: load person")
	}
	return person, nil
}

// mayCreateEnterprise reports whether p's role may add enterprises at all;
// a regulator's new enterprise must also fall in their scope.
func mayCreateEnterprise(p account.Principal) bool {
	return p.Is(account.RoleAdmin, account.RoleRegulator)
}

// enterpriseEditFields says which fields of an enterprise p may change:
// all of them, only the contact fields, or none.
func enterpriseEditFields(p account.Principal, e Enterprise) (all, contact bool) {
	switch p.Role {
	case account.RoleAdmin, account.RoleRegulator:
		return true, true
	case account.RoleEnterpriseAdmin:
		return false, p.EnterpriseID != 0 && p.EnterpriseID == e.ID
	}
	return false, false
}

// mayEditPeopleOf reports whether p may create and change people on the
// roster of enterprise enterpriseID.
func mayEditPeopleOf(p account.Principal, enterpriseID uint) bool {
	switch p.Role {
	case account.RoleAdmin:
		return true
	case account.RoleEnterpriseAdmin:
		return enterpriseID != 0 && p.EnterpriseID == enterpriseID
	}
	return false
}

// mayRevealID reports whether p, who can see person, may also see the
// full ID number: admins, regulators in scope, the person's enterprise
// admin and the person themself.
func mayRevealID(p account.Principal, person Person) bool {
	switch p.Role {
	case account.RoleAdmin, account.RoleRegulator:
		return true
	case account.RoleEnterpriseAdmin:
		return p.EnterpriseID != 0 && p.EnterpriseID == person.EnterpriseID
	case account.RoleLearner:
		return p.PersonID != 0 && p.PersonID == person.ID
	}
	return false
}

// forUpdate makes a read inside a write transaction lock the rows it finds
// (SELECT … FOR UPDATE on MySQL), so two transactions cannot both decide
// from the same old state — two enterprises claiming one person at once.
// SQLite ignores the clause: its immediate transactions already run one
// writer at a time.
func forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(clause.Locking{Strength: "UPDATE"})
}

// PersonIDIn returns a filter that restricts column, a person-id column of
// another package's table (e.g. "certificates.person_id"), to the people p
// may see in the roster. It returns ErrForbidden for a principal who sees
// no part of the roster.
func PersonIDIn(p account.Principal, column string) (func(*gorm.DB) *gorm.DB, error) {
	sc, err := personScope(p)
	if err != nil {
		return nil, err
	}
	if p.SeesWholeDistrict() {
		return allRows, nil
	}
	return func(db *gorm.DB) *gorm.DB {
		sub := db.Session(&gorm.Session{NewDB: true}).Table("people").Select("people.id").Scopes(sc)
		return db.Where(column+" IN (?)", sub)
	}, nil
}
