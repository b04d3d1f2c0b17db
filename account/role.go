// Package account owns users, passwords, server-side sessions, login
// throttling and the Principal every other package receives as "who is
// acting". It does not know HTTP.
package account

// Role is what a user is allowed to do in anpei.
type Role string

// The five roles of the contract.
const (
	RoleAdmin           Role = "admin"            // 区安委办 platform administrator
	RoleRegulator       Role = "regulator"        // 应急管理局, industry department or 镇街道
	RoleEnterpriseAdmin Role = "enterprise_admin" // keeps one enterprise's roster
	RoleTrainer         Role = "trainer"          // authors courses, hosts live lectures
	RoleLearner         Role = "learner"          // one person of the roster
)

// Roles lists every role in display order.
func Roles() []Role {
	return []Role{RoleAdmin, RoleRegulator, RoleEnterpriseAdmin, RoleTrainer, RoleLearner}
}

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool {
	for _, v := range Roles() {
		if v == r {
			return true
		}
	}
	return false
}

// Label is the role's name in Chinese.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "平台管理员"
	case RoleRegulator:
		return "监管人员"
	case RoleEnterpriseAdmin:
		return "企业管理员"
	case RoleTrainer:
		return "培训讲师"
	case RoleLearner:
		return "学员"
	}
	return string(r)
}

// JurisdictionKind says how far a regulator's view reaches.
type JurisdictionKind string

// A regulator sees the whole district, one town/street, or the industries
// one department regulates.
const (
	JurisdictionDistrict   JurisdictionKind = "district"
	JurisdictionTown       JurisdictionKind = "town"
	JurisdictionDepartment JurisdictionKind = "department"
)

// Label is the kind's name in Chinese.
func (k JurisdictionKind) Label() string {
	switch k {
	case JurisdictionDistrict:
		return "全区"
	case JurisdictionTown:
		return "镇（街道）"
	case JurisdictionDepartment:
		return "行业主管部门"
	}
	return string(k)
}
