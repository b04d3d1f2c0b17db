package ident

import "errors"

// Field names an *Error can point at, for the form field to highlight.
const (
	FieldDocType    = "doc_type"
	FieldNumber     = "doc_number"
	FieldCreditCode = "credit_code"
)

// Error codes. They are stable: the server and the web UI key on them.
const (
	CodeDocType        = "doc_type_unknown"
	CodeEmpty          = "id_empty"
	CodeLength         = "id_length"
	CodeFormat         = "id_format"
	CodeChecksum       = "id_checksum"
	CodeBirthInvalid   = "id_birth_invalid"
	CodeBirthFuture    = "id_birth_future"
	CodeArea           = "id_area"
	CodeTypeMismatch   = "id_type_mismatch"
	CodeCreditEmpty    = "uscc_empty"
	CodeCreditFormat   = "uscc_format"
	CodeCreditChecksum = "uscc_checksum"
)

// Error is a validation failure of a document number or credit code.
//
// Message is a Chinese sentence to show the person who typed the number.
// Warning marks a failure the product lets an administrator override with a
// confirmation and a reason (a credit-code checksum mismatch); every other
// Error is a hard rejection.
type Error struct {
	Field   string
	Code    string
	Message string
	Warning bool
}

// Error returns an English, lowercase description for logs.
func (e *Error) Error() string {
	s := "ident: " + e.Field + ": " + describe(e.Code)
	if e.Warning {
		s += " (warning)"
	}
	return s
}

// IsWarning reports whether err is an *Error that only warns, so the caller
// may accept the value once a person confirms it. It is false for nil.
func IsWarning(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Warning
}

func describe(code string) string {
	switch code {
	case CodeDocType:
		return "unknown document type"
	case CodeEmpty:
		return "document number is empty"
	case CodeLength:
		return "document number has the wrong length"
	case CodeFormat:
		return "document number has invalid characters"
	case CodeChecksum:
		return "check digit mismatch"
	case CodeBirthInvalid:
		return "birth date does not exist"
	case CodeBirthFuture:
		return "birth date is after today"
	case CodeArea:
		return "address code not allowed for this document type"
	case CodeTypeMismatch:
		return "number belongs to another document type"
	case CodeCreditEmpty:
		return "credit code is empty"
	case CodeCreditFormat:
		return "credit code has an invalid format"
	case CodeCreditChecksum:
		return "credit code check character mismatch"
	}
	return "invalid value (" + code + ")"
}
