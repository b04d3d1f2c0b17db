package roster

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"anpei/fault"
	"anpei/ident"
)

// Enterprise is a production or business unit (生产经营单位) of the district.
type Enterprise struct {
	ID   uint   `gorm:"primaryKey" json:"id"`
	Name string `gorm:"size:200;not null;index" json:"name"`
	// CreditCode is the normalized unified social credit code, unique.
	CreditCode string `gorm:"size:18;not null;uniqueIndex" json:"credit_code"`
	// ChecksumOverrideReason is why a credit code that fails the GB 32100
	// check was accepted; empty when the code passes.
	ChecksumOverrideReason string           `gorm:"size:500;not null;default:''" json:"checksum_override_reason,omitempty"`
	TownCode               string           `gorm:"size:12;not null;index" json:"town_code"`
	IndustryCode           string           `gorm:"size:30;not null;index" json:"industry_code"`
	AboveScale             bool             `gorm:"not null;default:false" json:"above_scale"` // 规模以上
	Grade                  Grade            `gorm:"size:1;not null;default:''" json:"grade"`
	ContactName            string           `gorm:"size:50;not null;default:''" json:"contact_name"`
	ContactPhone           string           `gorm:"size:30;not null;default:''" json:"contact_phone"`
	Address                string           `gorm:"size:200;not null;default:''" json:"address"`
	Status                 EnterpriseStatus `gorm:"size:20;not null;index" json:"status"`
	CreatedAt              time.Time        `json:"created_at"`
	UpdatedAt              time.Time        `json:"updated_at"`
}

// EnterpriseStatus is whether an enterprise is operating.
type EnterpriseStatus string

// The statuses of an enterprise.
const (
	StatusOperating EnterpriseStatus = "operating" // 在营
	StatusSuspended EnterpriseStatus = "suspended" // 停产
	StatusClosed    EnterpriseStatus = "closed"    // 关闭
)

// EnterpriseStatuses lists the statuses in display order.
func EnterpriseStatuses() []EnterpriseStatus {
	return []EnterpriseStatus{StatusOperating, StatusSuspended, StatusClosed}
}

// Label is the status in Chinese, or "" for an unknown status.
func (s EnterpriseStatus) Label() string {
	switch s {
	case StatusOperating:
		return "在营"
	case StatusSuspended:
		return "停产"
	case StatusClosed:
		return "关闭"
	}
	return ""
}

// Valid reports whether s is one of EnterpriseStatuses.
func (s EnterpriseStatus) Valid() bool { return s.Label() != "" }

// Grade is the enterprise's level in the district's 分级分类 supervision:
// A, B, C or D, or "" when not yet graded.
type Grade string

// Valid reports whether g is "", A, B, C or D.
func (g Grade) Valid() bool {
	switch g {
	case "", "A", "B", "C", "D":
		return true
	}
	return false
}

// EnterpriseInput is a new enterprise. An empty Status means operating.
// ChecksumOverrideReason is needed (at least 4 characters) only when the
// credit code fails its check character and the user confirms it anyway.
type EnterpriseInput struct {
	Name                   string
	CreditCode             string
	ChecksumOverrideReason string
	TownCode               string
	IndustryCode           string
	AboveScale             bool
	Grade                  Grade
	ContactName            string
	ContactPhone           string
	Address                string
	Status                 EnterpriseStatus
}

// EnterprisePatch changes the non-nil fields of an enterprise.
type EnterprisePatch struct {
	Name                   *string
	CreditCode             *string
	ChecksumOverrideReason *string
	TownCode               *string
	IndustryCode           *string
	AboveScale             *bool
	Grade                  *Grade
	ContactName            *string
	ContactPhone           *string
	Address                *string
	Status                 *EnterpriseStatus
}

// onlyContact reports whether the patch touches only the contact fields an
// enterprise admin may change.
func (p EnterprisePatch) onlyContact() (field string, ok bool) {
	switch {
	case p.Name != nil:
		return "name", false
	case p.CreditCode != nil:
		return "credit_code", false
	case p.ChecksumOverrideReason != nil:
		return "checksum_override_reason", false
	case p.TownCode != nil:
		return "town_code", false
	case p.IndustryCode != nil:
		return "industry_code", false
	case p.AboveScale != nil:
		return "above_scale", false
	case p.Grade != nil:
		return "grade", false
	case p.Status != nil:
		return "status", false
	}
	return "", true
}

// apply returns e with the patch's fields set.
func (p EnterprisePatch) apply(e Enterprise) Enterprise {
	set(&e.Name, p.Name)
	set(&e.CreditCode, p.CreditCode)
	set(&e.ChecksumOverrideReason, p.ChecksumOverrideReason)
	set(&e.TownCode, p.TownCode)
	set(&e.IndustryCode, p.IndustryCode)
	set(&e.AboveScale, p.AboveScale)
	set(&e.Grade, p.Grade)
	set(&e.ContactName, p.ContactName)
	set(&e.ContactPhone, p.ContactPhone)
	set(&e.Address, p.Address)
	set(&e.Status, p.Status)
	return e
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// minOverrideReason is the shortest accepted reason for a failing checksum.
const minOverrideReason = 4

// checkEnterprise normalizes e in place and returns the problems with its
// fields, except whether the town and industry exist (which needs the
// database). checksumFail is set when the only problem with the credit code
// is its check character and no valid reason was given.
func checkEnterprise(e *Enterprise) (details []fault.Detail, checksumFail *fault.Detail) {
	bad := func(field, msg string) { details = append(details, fault.Detail{Field: field, Message: msg}) }

	e.Name = strings.TrimSpace(e.Name)
	switch n := utf8.RuneCountInString(e.Name); {
	case n == 0:
		bad("name", "请填写单位名称")
	case n > 200:
		bad("name", "单位名称不能超过200个字")
	default:
		if msg := textProblem("单位名称", e.Name); msg != "" {
			bad("name", msg)
		}
	}

	e.ChecksumOverrideReason = strings.TrimSpace(e.ChecksumOverrideReason)
	code, err := ident.ParseCreditCode(e.CreditCode)
	switch {
	case err == nil:
		e.CreditCode = code.String()
		e.ChecksumOverrideReason = "" // a correct code needs no excuse
	case ident.IsWarning(err):
		e.CreditCode = code.String()
		switch n := utf8.RuneCountInString(e.ChecksumOverrideReason); {
		case n < minOverrideReason:
			checksumFail = &fault.Detail{Field: "credit_code", Message: identMessage(err)}
		case n > 500:
			bad("checksum_override_reason", "确认原因不能超过500个字")
		}
	default:
		bad("credit_code", identMessage(err))
	}

	e.TownCode = strings.TrimSpace(e.TownCode)
	if e.TownCode == "" {
		bad("town_code", "请选择所在镇（街道）")
	}
	e.IndustryCode = strings.TrimSpace(e.IndustryCode)
	if e.IndustryCode == "" {
		bad("industry_code", "请选择所属行业")
	}
	e.Grade = Grade(strings.ToUpper(strings.TrimSpace(string(e.Grade))))
	if !e.Grade.Valid() {
		bad("grade", "分级分类等级只能是A、B、C、D或不填")
	}
	if e.Status == "" {
		e.Status = StatusOperating
	}
	if !e.Status.Valid() {
		bad("status", "经营状态只能是在营、停产或关闭")
	}
	e.ContactName = strings.TrimSpace(e.ContactName)
	if utf8.RuneCountInString(e.ContactName) > 50 {
		bad("contact_name", "联系人姓名不能超过50个字")
	} else if msg := textProblem("联系人姓名", e.ContactName); msg != "" {
		bad("contact_name", msg)
	}
	var msg string
	e.ContactPhone, msg = checkPhone(e.ContactPhone)
	if msg != "" {
		bad("contact_phone", msg)
	}
	e.Address = strings.TrimSpace(e.Address)
	if utf8.RuneCountInString(e.Address) > 200 {
		bad("address", "地址不能超过200个字")
	} else if msg := textProblem("地址", e.Address); msg != "" {
		bad("address", msg)
	}
	return details, checksumFail
}

// identMessage returns the Chinese message of an *ident.Error.
func identMessage(err error) string {
	var ie *ident.Error
	if errors.As(err, &ie) {
		return ie.Message
	}
	return "号码格式不正确"
}
