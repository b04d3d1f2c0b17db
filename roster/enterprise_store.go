package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/sqltext"
)

// EnterpriseFilter selects enterprises for ListEnterprises. Zero fields do
// not filter. Text matches part of the name or of the credit code. Limit
// defaults to DefaultLimit and is capped at MaxLimit.
type EnterpriseFilter struct {
	Text         string
	TownCode     string
	IndustryCode string
	Status       EnterpriseStatus
	Limit        int
	Offset       int
}

// CategoryCounts counts the people on duty in an enterprise by category; a
// person in several categories counts once in each, and once in Total.
type CategoryCounts struct {
	Principal       int64 `json:"principal"`
	SafetyManager   int64 `json:"safety_manager"`
	SpecialOperator int64 `json:"special_operator"`
	Other           int64 `json:"other"`
	Total           int64 `json:"total"`
}

// EnterpriseRow is an enterprise with the counts of its people on duty.
type EnterpriseRow struct {
	Enterprise
	OnDuty CategoryCounts `json:"on_duty"`
}

// ListEnterprises returns one page of the enterprises p may see that match
// f, ordered by name, each with its on-duty counts, and how many match in
// all. It returns ErrForbidden for a principal who sees no part of the
// roster (a trainer) and an internal *fault.Error when the database fails.
func (s *Store) ListEnterprises(ctx context.Context, p account.Principal, f EnterpriseFilter) ([]EnterpriseRow, int64, error) {
	sc, err := enterpriseScope(p)
	if err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Model(&Enterprise{}).Scopes(sc)
	if t := strings.TrimSpace(f.Text); t != "" {
		q = q.Where("(enterprises.name LIKE ? ESCAPE '!' OR enterprises.credit_code LIKE ? ESCAPE '!')",
			sqltext.Contains(t), sqltext.Contains(strings.ToUpper(t)))
	}
	if f.TownCode != "" {
		q = q.Where("enterprises.town_code = ?", f.TownCode)
	}
	if f.IndustryCode != "" {
		q = q.Where("enterprises.industry_code = ?", f.IndustryCode)
	}
	if f.Status != "" {
		q = q.Where("enterprises.status = ?", f.Status)
	}
	q = q.Session(&gorm.Session{}) // Count and Find each start from the filters

	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fault.Wrap(err, "roster: count enterprises")
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	var list []Enterprise
	if err := q.Order("enterprises.name, enterprises.id").Limit(limit).Offset(offset).Find(&list).Error; err != nil {
		return nil, 0, fault.Wrap(err, "roster: list enterprises")
	}
	rows, err := s.withCounts(s.db.WithContext(ctx), list)
	if err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// Enterprise returns enterprise id with its on-duty counts. It returns
// ErrEnterpriseNotFound when there is no such enterprise or p may not see
// it, ErrForbidden for a principal who sees no part of the roster, and an
// internal *fault.Error when the database fails.
func (s *Store) Enterprise(ctx context.Context, p account.Principal, id uint) (EnterpriseRow, error) {
	tx := s.db.WithContext(ctx)
	e, err := visibleEnterprise(tx, p, id)
	if err != nil {
		return EnterpriseRow{}, err
	}
	rows, err := s.withCounts(tx, []Enterprise{e})
	if err != nil {
		return EnterpriseRow{}, err
	}
	return rows[0], nil
}

// CreateEnterprise adds an enterprise. Admins may add any; a regulator only
// one inside their jurisdiction.
//
// It returns ErrForbidden for other roles or a regulator's enterprise
// outside their jurisdiction; ErrInvalidEnterprise with Details per field;
// ErrCreditCodeChecksum when the credit code fails its check character and
// in.ChecksumOverrideReason is shorter than 4 characters;
// ErrDuplicateCreditCode; and an internal *fault.Error when the database
// fails.
func (s *Store) CreateEnterprise(ctx context.Context, p account.Principal, in EnterpriseInput) (Enterprise, error) {
	if !mayCreateEnterprise(p) {
		return Enterprise{}, ErrForbidden
	}
	e := Enterprise{
		Name: in.Name, CreditCode: in.CreditCode, ChecksumOverrideReason: in.ChecksumOverrideReason,
		TownCode: in.TownCode, IndustryCode: in.IndustryCode, AboveScale: in.AboveScale, Grade: in.Grade,
		ContactName: in.ContactName, ContactPhone: in.ContactPhone, Address: in.Address, Status: in.Status,
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := validateEnterprise(tx, &e); err != nil {
			return err
		}
		if err := tx.Create(&e).Error; err != nil {
			return enterpriseWriteError(err, "create")
		}
		if ok, err := enterpriseInScope(tx, p, e.ID); err != nil || !ok {
			return cmpErr(err, ErrForbidden)
		}
		return record(tx, p, "create", "enterprise", e.ID, nil, e)
	})
	if err != nil {
		return Enterprise{}, err
	}
	return e, nil
}

// UpdateEnterprise changes the non-nil fields of patch. Admins may change
// anything; a regulator anything of an enterprise in their jurisdiction as
// long as it stays there; an enterprise admin only the contact fields
// (contact name, contact phone, address) of their own enterprise.
//
// It returns ErrEnterpriseNotFound when p may not see the enterprise;
// ErrForbidden when p may see but not change it (or those fields, or would
// move it out of their jurisdiction); ErrInvalidEnterprise,
// ErrCreditCodeChecksum and ErrDuplicateCreditCode as CreateEnterprise
// does; and an internal *fault.Error when the database fails.
func (s *Store) UpdateEnterprise(ctx context.Context, p account.Principal, id uint, patch EnterprisePatch) (Enterprise, error) {
	var after Enterprise
	err := s.write(ctx, func(tx *gorm.DB) error {
		before, err := visibleEnterprise(tx, p, id)
		if err != nil {
			return err
		}
		all, contact := enterpriseEditFields(p, before)
		if !contact {
			return ErrForbidden
		}
		if field, ok := patch.onlyContact(); !all && !ok {
			return ErrForbidden.WithDetails(fault.Detail{Field: field, Message: "企业管理员只能修改联系人、联系电话和地址，其他信息请联系主管部门修改"})
		}
		after = patch.apply(before)
		if patch.CreditCode == nil && patch.ChecksumOverrideReason == nil {
			// The stored code was accepted already; keep its reason.
			after.ChecksumOverrideReason = before.ChecksumOverrideReason
		}
		if err := validateEnterprise(tx, &after); err != nil {
			return err
		}
		if after == before {
			return nil
		}
		err = tx.Model(&Enterprise{ID: id}).Select("*").Omit("id", "created_at").Updates(&after).Error
		if err != nil {
			return enterpriseWriteError(err, "update")
		}
		if err := tx.Take(&after, id).Error; err != nil {
			return fault.Wrap(err, "roster: reload enterprise")
		}
		if ok, err := enterpriseInScope(tx, p, id); err != nil || !ok {
			return cmpErr(err, ErrForbidden)
		}
		return record(tx, p, "update", "enterprise", id, before, after)
	})
	if err != nil {
		return Enterprise{}, err
	}
	return after, nil
}

// validateEnterprise normalizes e and checks it, including that its town
// and industry exist and its credit code is not taken by another row.
func validateEnterprise(tx *gorm.DB, e *Enterprise) error {
	details, checksum := checkEnterprise(e)
	// Store the code as the reference table spells it: MySQL compares
	// case-insensitively, SQLite does not, and scope filters compare codes.
	if e.TownCode != "" {
		if code, err := canonicalCode(tx, &Town{}, e.TownCode); err != nil {
			return err
		} else if code == "" {
			details = append(details, fault.Detail{Field: "town_code", Message: "所选镇（街道）不存在"})
		} else {
			e.TownCode = code
		}
	}
	if e.IndustryCode != "" {
		if code, err := canonicalCode(tx, &Industry{}, e.IndustryCode); err != nil {
			return err
		} else if code == "" {
			details = append(details, fault.Detail{Field: "industry_code", Message: "所选行业不存在"})
		} else {
			e.IndustryCode = code
		}
	}
	if len(details) > 0 {
		if checksum != nil {
			details = append(details, *checksum)
		}
		return ErrInvalidEnterprise.WithDetails(details...)
	}
	if checksum != nil {
		return ErrCreditCodeChecksum.WithDetails(*checksum)
	}
	taken, err := exists(tx, &Enterprise{}, "credit_code = ? AND id <> ?", e.CreditCode, e.ID)
	if err != nil {
		return err
	}
	if taken {
		return ErrDuplicateCreditCode.WithDetails(fault.Detail{Field: "credit_code", Message: ErrDuplicateCreditCode.Message})
	}
	return nil
}

// enterpriseWriteError maps a racing duplicate credit code to
// ErrDuplicateCreditCode and anything else to an internal error.
func enterpriseWriteError(err error, what string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrDuplicateCreditCode
	}
	return fault.Wrap(err, "roster: "+what+" enterprise")
}

// withCounts attaches on-duty counts to list with one grouped query.
func (s *Store) withCounts(tx *gorm.DB, list []Enterprise) ([]EnterpriseRow, error) {
	rows := make([]EnterpriseRow, len(list))
	if len(list) == 0 {
		return rows, nil
	}
	ids := make([]uint, len(list))
	for i, e := range list {
		rows[i].Enterprise = e
		ids[i] = e.ID
	}
	var counts []struct {
		EnterpriseID uint
		CategoryCounts
	}
	err := tx.Model(&Person{}).
		Select("enterprise_id, "+
			sumCategory(CategoryPrincipal, "principal")+", "+
			sumCategory(CategorySafetyManager, "safety_manager")+", "+
			sumCategory(CategorySpecialOperator, "special_operator")+", "+
			sumCategory(CategoryOther, "other")+", COUNT(*) AS total").
		Where("duty_status = ? AND enterprise_id IN ?", DutyOn, ids).
		Group("enterprise_id").
		Scan(&counts).Error
	if err != nil {
		return nil, fault.Wrap(err, "roster: count people by category")
	}
	byID := make(map[uint]CategoryCounts, len(counts))
	for _, c := range counts {
		byID[c.EnterpriseID] = c.CategoryCounts
	}
	for i := range rows {
		rows[i].OnDuty = byID[rows[i].ID]
	}
	return rows, nil
}

// sumCategory is the SQL counting rows in category c. c is a constant of
// this package, never user input.
func sumCategory(c Category, as string) string {
	return fmt.Sprintf("SUM(CASE WHEN categories & %d <> 0 THEN 1 ELSE 0 END) AS %s", c, as)
}

// exists reports whether a row of model matches the condition.
func exists(tx *gorm.DB, model any, query string, args ...any) (bool, error) {
	var n int64
	if err := tx.Model(model).Where(query, args...).Limit(1).Count(&n).Error; err != nil {
		return false, fault.Wrap(err, "roster: check existence")
	}
	return n > 0, nil
}

// cmpErr returns err if it is set, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// canonicalCode returns the code of the reference row (town, industry,
// department…) matching code exactly as stored, or "" when none matches.
// Only an exact, case-sensitive match counts, on both dialects.
func canonicalCode(tx *gorm.DB, model any, code string) (string, error) {
	var codes []string
	if err := tx.Model(model).Where("code = ?", code).Pluck("code", &codes).Error; err != nil {
		return "", fault.Wrap(err, "roster: look up code")
	}
	for _, c := range codes {
		if c == code {
			return c, nil
		}
	}
	return "", nil
}
