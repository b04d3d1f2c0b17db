package roster

import "anpei/fault"

// The errors of package roster. Validation errors carry Details naming the
// field (or, for UpsertPeople, the row) at fault with a Chinese message.
var (
	// ErrEnterpriseNotFound: no such enterprise, or not in the principal's scope.
	ErrEnterpriseNotFound = fault.New(fault.NotFound, "enterprise_not_found", "单位不存在或不在您的管辖范围内")
	// ErrPersonNotFound: no such person, or not in the principal's scope.
	ErrPersonNotFound = fault.New(fault.NotFound, "person_not_found", "人员不存在或不在您的管辖范围内")
	// ErrForbidden: the principal may see the row but not do this to it.
	ErrForbidden = fault.New(fault.Forbidden, "roster_forbidden", "您没有权限进行此操作")

	// ErrInvalidEnterprise: an enterprise input fails validation (Details per field).
	ErrInvalidEnterprise = fault.New(fault.Invalid, "enterprise_invalid", "单位信息填写有误，请按提示修改")
	// ErrCreditCodeChecksum: the credit code's check character is wrong and no
	// override reason (at least 4 characters) was given.
	ErrCreditCodeChecksum = fault.New(fault.Unprocessable, "credit_code_checksum",
		"统一社会信用代码校验位不符，请对照营业执照核对；如确认无误，请填写确认原因（至少4个字）后提交")
	// ErrDuplicateCreditCode: another enterprise already has this credit code.
	ErrDuplicateCreditCode = fault.New(fault.Conflict, "duplicate_credit_code", "该统一社会信用代码已登记，请勿重复添加")

	// ErrInvalidPerson: a person input fails validation (Details per field).
	ErrInvalidPerson = fault.New(fault.Invalid, "person_invalid", "人员信息填写有误，请按提示修改")
	// ErrDuplicateID: a person with this document type and number is already
	// on the enterprise's roster, or another person already holds the number.
	ErrDuplicateID = fault.New(fault.Conflict, "duplicate_id", "该证件号码的人员已在本单位名册中，请勿重复添加")
	// ErrPersonInOtherEnterprise: the person is on duty (or awaiting duty) in
	// another enterprise, which must record their leaving (离岗) first.
	ErrPersonInOtherEnterprise = fault.New(fault.Conflict, "person_in_other_enterprise",
		"该人员目前在其他单位在岗，须由原单位办理离岗后才能登记到本单位")
	// ErrInvalidDutyChange: a duty change is not possible from the person's
	// current state or has a bad date (Details say which).
	ErrInvalidDutyChange = fault.New(fault.Unprocessable, "duty_change_invalid", "在岗状态变更不符合规则，请按提示修改")
	// ErrImportRejected: UpsertPeople found rows it cannot write; Details name
	// the rows (1-based positions in the slice) and nothing was written.
	ErrImportRejected = fault.New(fault.Unprocessable, "import_rejected", "名册中有不符合要求的行，未写入任何数据，请修改后重新导入")
)
