// Package fault is anpei's one error type. Domain packages declare their
// errors as *fault.Error values with a kind, a snake_case code and a message
// in Chinese for the person who caused it; package server maps the kind to an
// HTTP status in exactly one table.
package fault

import (
	"errors"
	"fmt"
)

// Kind says what sort of failure an error is; server maps it to a status.
type Kind int

// The kinds of failure. Internal is never shown to the user in detail.
const (
	Internal      Kind = iota // a bug or an outage: 500, message hidden
	Invalid                   // malformed request: 400
	Unauthorized              // not logged in or bad credentials: 401
	Forbidden                 // logged in but not allowed: 403
	NotFound                  // no such thing (or not visible to you): 404
	Conflict                  // duplicate or stale: 409
	TooLarge                  // body or file over the limit: 413
	Unsupported               // wrong media type: 415
	Unprocessable             // well-formed but fails the rules: 422
	TooMany                   // throttled: 429
	NoSpace                   // the server's storage is full: 507, message shown
	Unavailable               // the database is unreachable for now: 503, message shown
)

// Detail points at one field or one row of an input that is at fault.
type Detail struct {
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is a failure with a code for programs and a message for people.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details []Detail
	Err     error // the cause, for logs only
}

// New returns an error of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap returns an Internal error that keeps err as its cause.
func Wrap(err error, what string) *Error {
	return &Error{Kind: Internal, Code: "internal", Message: "服务器内部错误，请稍后重试", Err: fmt.Errorf("%s: %w", what, err)}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is a *Error with the same kind and code, so a
// copy made by WithDetails still matches its sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code
}

// WithDetails returns a copy of e carrying details.
func (e *Error) WithDetails(d ...Detail) *Error {
	c := *e
	c.Details = append(append([]Detail(nil), e.Details...), d...)
	return &c
}

// WithMessage returns a copy of e with another message.
func (e *Error) WithMessage(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// As returns the *Error in err's chain, or an Internal error wrapping err.
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return Wrap(err, "unexpected")
}

// Field returns an Invalid error about one named field.
func Field(code, field, message string) *Error {
	return &Error{Kind: Invalid, Code: code, Message: message, Details: []Detail{{Field: field, Message: message}}}
}
