package compliance

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// Scope is the part of the district a view covers: the district, a town
// or street, an industry, a regulating department, or one enterprise.
type Scope struct {
	Kind string `json:"kind"` // district, town, industry, department, enterprise
	Code string `json:"code,omitempty"`
	ID   uint   `json:"id,omitempty"`
}

// String writes the scope as the API takes it: district, town:530302001,
// industry:hazchem, department:yjj, enterprise:12.
func (s Scope) String() string {
	switch s.Kind {
	case "district", "":
		return "district"
	case "enterprise":
		return "enterprise:" + strconv.FormatUint(uint64(s.ID), 10)
	}
	return s.Kind + ":" + s.Code
}

// The scope errors.
var (
	ErrBadScope  = fault.New(fault.Invalid, "scope_invalid", "范围参数有误：应为 district、town:代码、industry:代码、department:代码 或 enterprise:编号")
	ErrForbidden = fault.New(fault.Forbidden, "forbidden", "您没有权限查看该范围的持证上岗情况")
	ErrNotFound  = fault.New(fault.NotFound, "scope_not_found", "该范围不存在或不在您的管辖范围内")
)

// ParseScope reads a scope parameter; empty is "".
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Scope{}, nil
	}
	if s == "district" {
		return Scope{Kind: "district"}, nil
	}
	kind, code, ok := strings.Cut(s, ":")
	if !ok || code == "" || len(code) > 40 {
		return Scope{}, ErrBadScope
	}
	switch kind {
	case "town", "industry", "department":
		return Scope{Kind: kind, Code: code}, nil
	case "enterprise":
		id, err := strconv.ParseUint(code, 10, 32)
		if err != nil || id == 0 {
			return Scope{}, ErrBadScope
		}
		return Scope{Kind: kind, ID: uint(id)}, nil
	}
	return Scope{}, ErrBadScope
}

// home is the scope a principal sees by default: their jurisdiction.
func home(p account.Principal) (Scope, error) {
	switch {
	case p.SeesWholeDistrict():
		return Scope{Kind: "district"}, nil
	case p.Role == account.RoleRegulator && p.JurisdictionKind == account.JurisdictionTown:
		return Scope{Kind: "town", Code: p.JurisdictionCode}, nil
	case p.Role == account.RoleRegulator && p.JurisdictionKind == account.JurisdictionDepartment:
		return Scope{Kind: "department", Code: p.JurisdictionCode}, nil
	case p.Role == account.RoleEnterpriseAdmin && p.EnterpriseID != 0:
		return Scope{Kind: "enterprise", ID: p.EnterpriseID}, nil
	}
	return Scope{}, ErrForbidden
}

// Resolve checks that p may see scope s (empty: p's own jurisdiction) and
// returns it. A town regulator sees their town and its enterprises; a
// department regulator their department, its industries and their
// enterprises; an enterprise admin their enterprise.
func (s *Store) Resolve(ctx context.Context, p account.Principal, raw string) (Scope, error) {
	sc, err := ParseScope(raw)
	if err != nil {
		return Scope{}, err
	}
	own, err := home(p)
	if err != nil {
		return Scope{}, err
	}
	if sc.Kind == "" {
		return own, nil
	}
	if own.Kind == "district" {
		return sc, s.exists(ctx, sc)
	}
	db := s.db.WithContext(ctx)
	var n int64
	switch {
	case sc == own:
		return sc, nil
	case own.Kind == "town" && sc.Kind == "enterprise":
		err = db.Table("enterprises").Where("id = ? AND town_code = ?", sc.ID, own.Code).Count(&n).Error
	case own.Kind == "department" && sc.Kind == "industry":
		err = db.Table("industries").Where("code = ? AND department_code = ?", sc.Code, own.Code).Count(&n).Error
	case own.Kind == "department" && sc.Kind == "enterprise":
		err = db.Table("enterprises").Joins("JOIN industries ON industries.code = enterprises.industry_code").
			Where("enterprises.id = ? AND industries.department_code = ?", sc.ID, own.Code).Count(&n).Error
	default:
		return Scope{}, ErrForbidden
	}
	if err != nil {
		return Scope{}, asFault(err)
	}
	if n == 0 {
		return Scope{}, ErrNotFound
	}
	return sc, nil
}

// exists checks that a scope names something in the reference data.
func (s *Store) exists(ctx context.Context, sc Scope) error {
	db := s.db.WithContext(ctx)
	var n int64
	var err error
	switch sc.Kind {
	case "district":
		return nil
	case "town":
		err = db.Table("towns").Where("code = ?", sc.Code).Count(&n).Error
	case "industry":
		err = db.Table("industries").Where("code = ?", sc.Code).Count(&n).Error
	case "department":
		err = db.Table("departments").Where("code = ?", sc.Code).Count(&n).Error
	case "enterprise":
		err = db.Table("enterprises").Where("id = ?", sc.ID).Count(&n).Error
	}
	if err != nil {
		return asFault(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// where limits a query on a table with town_code, industry_code,
// department_code and enterprise_id columns to the scope.
func (sc Scope) where(q *gorm.DB, table string) *gorm.DB {
	switch sc.Kind {
	case "town":
		return q.Where(table+".town_code = ?", sc.Code)
	case "industry":
		return q.Where(table+".industry_code = ?", sc.Code)
	case "department":
		return q.Where(table+".department_code = ?", sc.Code)
	case "enterprise":
		return q.Where(table+".enterprise_id = ?", sc.ID)
	}
	return q
}
