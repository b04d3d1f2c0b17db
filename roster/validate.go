package roster

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"anpei/fault"
	"anpei/ident"
)

// PersonInput is a person as a form or one row of a roster file gives them.
//
// Defaults: an empty DocType means a resident ID card, an empty DutyStatus
// on duty, an empty EmploymentKind formal. Sex and BirthDate are needed
// only for documents that do not encode them (passports, old foreign
// permanent-residence cards); for the others they are derived from the
// number and, if given, must agree with it.
type PersonInput struct {
	// EnterpriseID is the enterprise for CreatePerson (0 means the enterprise
	// admin's own); UpsertPeople ignores it.
	EnterpriseID   uint
	DocType        ident.DocType
	DocNumber      string
	Name           string
	Sex            ident.Sex
	BirthDate      *time.Time
	Phone          string
	Education      Education
	Categories     Category
	OperationItems []string
	Position       string
	DutyStatus     DutyStatus
	AppointedOn    *time.Time
	LeftOn         *time.Time
	EmploymentKind EmploymentKind
}

// Field names used in fault.Detail.Field for a person.
const (
	FieldDocType        = ident.FieldDocType // "doc_type"
	FieldDocNumber      = ident.FieldNumber  // "doc_number"
	FieldName           = "name"
	FieldSex            = "sex"
	FieldBirthDate      = "birth_date"
	FieldPhone          = "phone"
	FieldEducation      = "education"
	FieldCategories     = "categories"
	FieldOperationItems = "operation_items"
	FieldPosition       = "position"
	FieldDutyStatus     = "duty_status"
	FieldAppointedOn    = "appointed_on"
	FieldLeftOn         = "left_on"
	FieldEmploymentKind = "employment_kind"
	FieldEnterprise     = "enterprise_id"
	FieldDate           = "date" // of a DutyChange
	FieldKind           = "kind" // of a DutyChange
)

// minWorkingAge is the youngest a person may be employed (劳动法 Art.15).
const minWorkingAge = 16

// ValidatePersonInput checks one person against the roster's rules and
// returns every problem found, each with the Field at fault and a Chinese
// Message (Row is left 0 for the caller to set). today is the district's
// current date (Store.Today); items maps each operation-item code of the
// catalogue to whether it is active (Store.OperationItemSet). It does not
// check the database: duplicates and people on duty elsewhere are found by
// the use cases. A nil or empty result means the input is valid.
func ValidatePersonInput(in PersonInput, today time.Time, items map[string]bool) []fault.Detail {
	_, details := checkPerson(in, today, items, checkOpts{})
	return details
}

// checkedPerson is a valid input, normalized, with its parsed document.
type checkedPerson struct {
	in PersonInput
	id ident.ID
}

// checkOpts adjusts checkPerson for a change to a person already stored.
type checkOpts struct {
	keep     []string // operation items accepted even when inactive: a person keeps what they had
	skipDuty bool     // the duty status and dates are not being changed
}

// checkPerson normalizes and validates in.
func checkPerson(in PersonInput, today time.Time, items map[string]bool, opts checkOpts) (checkedPerson, []fault.Detail) {
	var details []fault.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, fault.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	today = civilDate(today)

	if in.DocType == "" {
		in.DocType = ident.DocResidentID
	}
	id, err := ident.ParseID(in.DocType, in.DocNumber, today)
	if err != nil {
		field := FieldDocNumber
		var ie *ident.Error
		if errors.As(err, &ie) && ie.Field != "" {
			field = ie.Field
		}
		bad(field, "%s", identMessage(err))
	} else {
		in.DocNumber = id.Number
	}

	in.Name = strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		bad(FieldName, "请填写姓名")
	case n > 50:
		bad(FieldName, "姓名不能超过50个字")
	default:
		if msg := textProblem("姓名", in.Name); msg != "" {
			bad(FieldName, "%s", msg)
		}
	}

	in.BirthDate = civilDatePtr(in.BirthDate)
	switch {
	case in.Sex != "" && in.Sex != ident.SexMale && in.Sex != ident.SexFemale:
		bad(FieldSex, "性别只能填写男或女")
	case id.Sex != ident.SexUnknown && in.Sex != "" && in.Sex != id.Sex:
		bad(FieldSex, "性别与证件号码不符（证件号码显示为%s）", id.Sex.Label())
	case id.Sex != ident.SexUnknown:
		in.Sex = id.Sex
	}
	switch {
	case !id.Birth.IsZero() && in.BirthDate != nil && !in.BirthDate.Equal(id.Birth):
		bad(FieldBirthDate, "出生日期与证件号码不符（证件号码显示为%s）", id.Birth.Format(time.DateOnly))
	case !id.Birth.IsZero():
		b := id.Birth
		in.BirthDate = &b
	case in.BirthDate != nil && in.BirthDate.After(today):
		bad(FieldBirthDate, "出生日期不能晚于今天")
	}

	var msg string
	if in.Phone, msg = checkPhone(in.Phone); msg != "" {
		bad(FieldPhone, "%s", msg)
	}
	if in.Education != "" && !in.Education.Valid() {
		bad(FieldEducation, "学历填写不正确")
	}

	if !in.Categories.Valid() {
		bad(FieldCategories, "请至少选择一个人员类别（主要负责人、安全生产管理人员、特种作业人员、其他从业人员）")
	}
	in.OperationItems = normalizeItems(in.OperationItems)
	switch {
	case in.Categories.Has(CategorySpecialOperator) && len(in.OperationItems) == 0:
		bad(FieldOperationItems, "特种作业人员须至少填写一个准操项目")
	case !in.Categories.Has(CategorySpecialOperator) && len(in.OperationItems) > 0:
		bad(FieldOperationItems, "只有特种作业人员才能填写准操项目，请先勾选“特种作业人员”类别")
	}
	for _, code := range in.OperationItems {
		active, known := items[code]
		switch {
		case !known:
			bad(FieldOperationItems, "准操项目代码“%s”不在特种作业目录中", code)
		case !active && !slices.Contains(opts.keep, code):
			bad(FieldOperationItems, "准操项目“%s”已停用，不能再登记", code)
		}
	}

	in.Position = strings.TrimSpace(in.Position)
	if utf8.RuneCountInString(in.Position) > 100 {
		bad(FieldPosition, "岗位不能超过100个字")
	} else if msg := textProblem("岗位", in.Position); msg != "" {
		bad(FieldPosition, "%s", msg)
	}
	if in.EmploymentKind == "" {
		in.EmploymentKind = EmployFormal
	}
	if !in.EmploymentKind.Valid() {
		bad(FieldEmploymentKind, "用工形式只能是正式、劳务派遣、实习或外包")
	}

	if in.DutyStatus == "" {
		in.DutyStatus = DutyOn
	}
	in.AppointedOn = civilDatePtr(in.AppointedOn)
	in.LeftOn = civilDatePtr(in.LeftOn)
	if !opts.skipDuty {
		details = append(details, checkDutyDates(in, today)...)
	}

	return checkedPerson{in: in, id: id}, details
}

// checkDutyDates checks a person's duty status against their dates.
func checkDutyDates(in PersonInput, today time.Time) []fault.Detail {
	var details []fault.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, fault.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch in.DutyStatus {
	case DutyPending:
		if in.AppointedOn != nil {
			bad(FieldAppointedOn, "待上岗人员不应填写上岗日期；上岗后请登记上岗")
		}
		if in.LeftOn != nil {
			bad(FieldLeftOn, "待上岗人员不应填写离岗日期")
		}
		return details
	case DutyOn:
		if in.LeftOn != nil {
			bad(FieldLeftOn, "在岗人员不应填写离岗日期")
		}
	case DutyOff:
		if in.LeftOn == nil {
			bad(FieldLeftOn, "离岗人员须填写离岗日期")
		}
	default:
		bad(FieldDutyStatus, "在岗状态只能是在岗、离岗或待上岗")
		return details
	}
	if in.AppointedOn == nil {
		bad(FieldAppointedOn, "请填写上岗日期（安全培训和考核期限从该日起算）")
	}
	if in.AppointedOn != nil {
		switch {
		case in.AppointedOn.After(today):
			bad(FieldAppointedOn, "上岗日期不能晚于今天")
		case in.BirthDate != nil && !in.BirthDate.After(today) && ageOn(*in.BirthDate, *in.AppointedOn) < minWorkingAge:
			bad(FieldAppointedOn, "上岗日期时未满%d周岁，请核对上岗日期或证件号码", minWorkingAge)
		}
	}
	if in.LeftOn != nil {
		switch {
		case in.LeftOn.After(today):
			bad(FieldLeftOn, "离岗日期不能晚于今天")
		case in.AppointedOn != nil && in.LeftOn.Before(*in.AppointedOn):
			bad(FieldLeftOn, "离岗日期不能早于上岗日期")
		}
	}
	return details
}

func ageOn(birth, on time.Time) int { return ident.Age(birth, on) }

// normalizeItems trims, drops empties and duplicates, and sorts the codes in
// catalogue order ("5.9" before "5.10").
func normalizeItems(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, compareItemCodes)
	return out
}

// compareItemCodes orders "category.n" codes numerically part by part.
func compareItemCodes(a, b string) int {
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		if len(ap[i]) != len(bp[i]) {
			return len(ap[i]) - len(bp[i])
		}
		if c := strings.Compare(ap[i], bp[i]); c != 0 {
			return c
		}
	}
	return len(ap) - len(bp)
}

var (
	mobilePattern   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlinePattern = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
)

// checkPhone normalizes an optional phone number (spaces and a +86 prefix
// removed, full-width digits made half-width) and returns a Chinese message
// when it is neither a mainland mobile nor a landline number.
func checkPhone(raw string) (string, string) {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '－':
			return '-'
		case r == ' ' || r == '\u3000' || r == '\t':
			return -1
		}
		return r
	}, raw)
	if s == "" {
		return "", ""
	}
	if rest, ok := strings.CutPrefix(s, "+86"); ok {
		s = strings.TrimPrefix(rest, "-")
	}
	if mobilePattern.MatchString(s) || landlinePattern.MatchString(s) {
		return s, ""
	}
	return s, "电话号码格式不正确：请填写11位手机号或带区号的固定电话（如0874-3123456）"
}
