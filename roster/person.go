package roster

import (
	"time"

	"anpei/ident"
)

// Person is one identity on the roster (从业人员), whichever enterprise they
// work in now. The full document number exists only sealed in IDCipher; it
// is looked up by IDHash and shown as IDMasked.
type Person struct {
	ID      uint          `gorm:"primaryKey" json:"id"`
	DocType ident.DocType `gorm:"size:20;not null;uniqueIndex:ux_people_identity,priority:2" json:"doc_type"`
	// IDHash is pii.Hash of the normalized number; with DocType it is the
	// identity's unique key. Never serialized.
	IDHash string `gorm:"size:64;not null;uniqueIndex:ux_people_identity,priority:1" json:"-"`
	// IDCipher is pii.Seal of the normalized number. Never serialized.
	IDCipher  string     `gorm:"size:255;not null" json:"-"`
	IDMasked  string     `gorm:"size:30;not null" json:"id_masked"`
	Name      string     `gorm:"size:50;not null;index" json:"name"`
	Sex       ident.Sex  `gorm:"size:10;not null;default:''" json:"sex"`
	BirthDate *time.Time `json:"birth_date"`
	Phone     string     `gorm:"size:30;not null;default:'';index" json:"phone"`
	// Education is the highest schooling (学历); special operators need
	// junior high, hazardous-chemical ones senior high (RULES §2.1).
	Education Education `gorm:"size:20;not null;default:''" json:"education"`
	// EnterpriseID is the enterprise whose roster the person is on now, 0
	// for none. An off-duty person stays on it until another enterprise
	// appoints them.
	EnterpriseID uint     `gorm:"not null;default:0;index:idx_people_roster,priority:1" json:"enterprise_id"`
	Categories   Category `gorm:"not null;default:0" json:"categories"`
	// OperationItems are the special-operation item codes (准操项目) of a
	// special operator, kept in person_operation_items.
	OperationItems []string   `gorm:"-" json:"operation_items"`
	Position       string     `gorm:"size:100;not null;default:''" json:"position"`
	DutyStatus     DutyStatus `gorm:"size:20;not null;index:idx_people_roster,priority:2" json:"duty_status"`
	// AppointedOn is the start of the current spell on duty: the 上岗 date,
	// or the 返岗 date after a return.
	AppointedOn *time.Time `json:"appointed_on"`
	// LeftOn is the date of the latest 离岗; it is kept after a return so
	// the length of the absence can be told.
	LeftOn *time.Time `json:"left_on"`
	// PostChangedOn is the date of the latest 调岗 (job change) in the
	// current enterprise, which calls for workshop- and team-level
	// retraining (3号令 Art.17).
	PostChangedOn  *time.Time     `json:"post_changed_on"`
	EmploymentKind EmploymentKind `gorm:"size:20;not null" json:"employment_kind"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// PersonOperationItem is one special-operation item of a person.
type PersonOperationItem struct {
	PersonID uint   `gorm:"primaryKey;autoIncrement:false" json:"person_id"`
	ItemCode string `gorm:"primaryKey;size:10;index" json:"item_code"`
}

// DutyStatus is whether a person is working in their enterprise.
type DutyStatus string

// The duty statuses. Pending is registered but not yet started (and so
// still to be trained: 先培训后上岗).
const (
	DutyPending DutyStatus = "pending"  // 待上岗
	DutyOn      DutyStatus = "on_duty"  // 在岗
	DutyOff     DutyStatus = "off_duty" // 离岗
)

// DutyStatuses lists the duty statuses in display order.
func DutyStatuses() []DutyStatus { return []DutyStatus{DutyOn, DutyOff, DutyPending} }

// Label is the status in Chinese, or "" for an unknown status.
func (d DutyStatus) Label() string {
	switch d {
	case DutyPending:
		return "待上岗"
	case DutyOn:
		return "在岗"
	case DutyOff:
		return "离岗"
	}
	return ""
}

// Valid reports whether d is one of DutyStatuses.
func (d DutyStatus) Valid() bool { return d.Label() != "" }

// ParseDutyStatus accepts a code or a Chinese label.
func ParseDutyStatus(s string) (DutyStatus, bool) {
	return parseEnum(s, DutyStatuses(), DutyStatus.Label)
}

// EmploymentKind is how a person is employed (用工形式). Dispatched
// workers and interns must be trained like everyone else (3号令 Art.4).
type EmploymentKind string

// The employment kinds.
const (
	EmployFormal     EmploymentKind = "formal"     // 正式
	EmployDispatched EmploymentKind = "dispatched" // 劳务派遣
	EmployIntern     EmploymentKind = "intern"     // 实习
	EmployOutsourced EmploymentKind = "outsourced" // 外包
)

// EmploymentKinds lists the employment kinds in display order.
func EmploymentKinds() []EmploymentKind {
	return []EmploymentKind{EmployFormal, EmployDispatched, EmployIntern, EmployOutsourced}
}

// Label is the kind in Chinese, or "" for an unknown kind.
func (k EmploymentKind) Label() string {
	switch k {
	case EmployFormal:
		return "正式"
	case EmployDispatched:
		return "劳务派遣"
	case EmployIntern:
		return "实习"
	case EmployOutsourced:
		return "外包"
	}
	return ""
}

// Valid reports whether k is one of EmploymentKinds.
func (k EmploymentKind) Valid() bool { return k.Label() != "" }

// ParseEmploymentKind accepts a code or a Chinese label.
func ParseEmploymentKind(s string) (EmploymentKind, bool) {
	return parseEnum(s, EmploymentKinds(), EmploymentKind.Label)
}

// Education is a level of schooling.
type Education string

// The education levels, lowest first.
const (
	EduPrimary      Education = "primary"      // 小学及以下
	EduJunior       Education = "junior"       // 初中
	EduSenior       Education = "senior"       // 高中、中专、技校
	EduCollege      Education = "college"      // 大专
	EduBachelor     Education = "bachelor"     // 本科
	EduPostgraduate Education = "postgraduate" // 研究生及以上
)

// Educations lists the levels, lowest first.
func Educations() []Education {
	return []Education{EduPrimary, EduJunior, EduSenior, EduCollege, EduBachelor, EduPostgraduate}
}

// Label is the level in Chinese, or "" for an unknown level.
func (e Education) Label() string {
	switch e {
	case EduPrimary:
		return "小学及以下"
	case EduJunior:
		return "初中"
	case EduSenior:
		return "高中/中专/技校"
	case EduCollege:
		return "大专"
	case EduBachelor:
		return "本科"
	case EduPostgraduate:
		return "研究生及以上"
	}
	return ""
}

// Valid reports whether e is one of Educations.
func (e Education) Valid() bool { return e.Label() != "" }

// ParseEducation accepts a code or a Chinese label.
func ParseEducation(s string) (Education, bool) {
	return parseEnum(s, Educations(), Education.Label)
}

func parseEnum[T ~string](s string, all []T, label func(T) string) (T, bool) {
	for _, v := range all {
		if s == string(v) || s == label(v) {
			return v, true
		}
	}
	var zero T
	return zero, false
}
