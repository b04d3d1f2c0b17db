package account

import "anpei/audit"

// Principal is who is acting on a request: the logged-in user with the
// scope their role gives them. Stores take a Principal to filter what the
// actor may see and to attribute changes in the audit ledger.
type Principal struct {
	UserID   uint
	Username string
	Name     string
	Role     Role
	// EnterpriseID is set for enterprise admins (their enterprise) and for
	// learners (the enterprise their person record is on duty in).
	EnterpriseID uint
	// PersonID is set for learners.
	PersonID uint
	// Jurisdiction of a regulator: kind and the town or department code.
	JurisdictionKind JurisdictionKind
	JurisdictionCode string
	// IP the request came from, for the audit ledger.
	IP string
}

// System is the principal for changes made by anpei itself (migrations,
// demo seeding, scheduled jobs).
func System() Principal {
	return Principal{Username: "system", Name: "系统", Role: RoleAdmin, JurisdictionKind: JurisdictionDistrict}
}

// Is reports whether p has one of roles.
func (p Principal) Is(roles ...Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// SeesWholeDistrict reports whether p's view is unrestricted: platform
// admins and district-wide regulators.
func (p Principal) SeesWholeDistrict() bool {
	return p.Role == RoleAdmin || (p.Role == RoleRegulator && p.JurisdictionKind == JurisdictionDistrict)
}

// Actor returns who p is for the audit ledger: user ID, username and the
// IP the request came from.
func (p Principal) Actor() audit.Actor {
	return audit.Actor{UserID: p.UserID, Username: p.Username, IP: p.IP}
}
