package roster

import (
	"time"

	"anpei/ident"
)

// personView is what the audit ledger keeps of a person: everything but
// the full number, its seal and its hash.
type personView struct {
	ID             uint           `json:"id"`
	DocType        ident.DocType  `json:"doc_type"`
	IDMasked       string         `json:"id_masked"`
	Name           string         `json:"name"`
	Sex            ident.Sex      `json:"sex"`
	BirthDate      *time.Time     `json:"birth_date"`
	Phone          string         `json:"phone"`
	Education      Education      `json:"education"`
	EnterpriseID   uint           `json:"enterprise_id"`
	Categories     Category       `json:"categories"`
	OperationItems []string       `json:"operation_items"`
	Position       string         `json:"position"`
	DutyStatus     DutyStatus     `json:"duty_status"`
	AppointedOn    *time.Time     `json:"appointed_on"`
	LeftOn         *time.Time     `json:"left_on"`
	PostChangedOn  *time.Time     `json:"post_changed_on"`
	EmploymentKind EmploymentKind `json:"employment_kind"`
}

func viewOf(p Person) personView {
	return personView{
		ID: p.ID, DocType: p.DocType, IDMasked: p.IDMasked, Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate,
		Phone: p.Phone, Education: p.Education, EnterpriseID: p.EnterpriseID, Categories: p.Categories,
		OperationItems: p.OperationItems, Position: p.Position, DutyStatus: p.DutyStatus,
		AppointedOn: p.AppointedOn, LeftOn: p.LeftOn, PostChangedOn: p.PostChangedOn, EmploymentKind: p.EmploymentKind,
	}
}
