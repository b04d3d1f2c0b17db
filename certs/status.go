package certs

import (
	"time"
)

// State is the lifecycle state an authorized person sets; Status is what a
// certificate is on a given date, its state and dates taken together.
type State string

// The states.
const (
	StateActive    State = "active"
	StateSuspended State = "suspended"
	StateRevoked   State = "revoked"
	StateCancelled State = "cancelled"
)

// Status is what the verify page and compliance read.
type Status string

// The statuses, in the order of the list.
const (
	StatusValid     Status = "valid"
	StatusExpiring  Status = "expiring"
	StatusReviewDue Status = "review_due"
	StatusExpired   Status = "expired"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status, for filters.
func Statuses() []Status {
	return []Status{StatusValid, StatusExpiring, StatusReviewDue, StatusExpired, StatusSuspended, StatusRevoked, StatusCancelled}
}

var statusLabels = map[Status]string{
	StatusValid:     "有效",
	StatusExpiring:  "即将到期",
	StatusReviewDue: "待复审",
	StatusExpired:   "已过期",
	StatusSuspended: "已暂停",
	StatusRevoked:   "已撤销",
	StatusCancelled: "已注销",
}

// Label is the status in Chinese.
func (s Status) Label() string { return statusLabels[s] }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := statusLabels[s]; return ok }

// Holds reports whether a certificate with status s still entitles its
// holder to work (it counts for the certified-on-duty rate).
func (s Status) Holds() bool {
	return s == StatusValid || s == StatusExpiring || s == StatusReviewDue
}

// Why says, in Chinese, what makes a status what it is: the due date, or
// the reason a lapse happened.
type Why struct {
	Code    string
	Message string
	// Due is the date the message is about (expiry or review), if any.
	Due time.Time
}

// Evaluate returns the status of a certificate of kind k in state st with
// dates d on the China-time day of at. A review not passed by its due
// date makes the certificate lapse (30号令第26条), as does the expiry.
func (k Kind) Evaluate(st State, d Dates, at time.Time) (Status, Why) {
	switch st {
	case StateRevoked:
		return StatusRevoked, Why{Code: "revoked", Message: "证书已被撤销"}
	case StateCancelled:
		return StatusCancelled, Why{Code: "cancelled", Message: "证书已注销"}
	case StateSuspended:
		return StatusSuspended, Why{Code: "suspended", Message: "证书已暂停使用"}
	}
	day := Day(at)
	if !d.ValidUntil.IsZero() && day.After(d.ValidUntil) {
		return StatusExpired, Why{Code: "expired", Message: "证书已过有效期", Due: d.ValidUntil}
	}
	if !d.NextReview.IsZero() && day.After(d.NextReview) {
		return StatusExpired, Why{Code: "review_missed", Message: "未按期复审，证书失效", Due: d.NextReview}
	}
	if !d.NextReview.IsZero() && !day.Before(d.NextReview.AddDate(0, 0, -k.ReviewWindowDays)) {
		return StatusReviewDue, Why{Code: "review_due", Message: "已进入复审期，请按期复审", Due: d.NextReview}
	}
	if !d.ValidUntil.IsZero() && !day.Before(d.ValidUntil.AddDate(0, 0, -k.RenewWindowDays)) {
		return StatusExpiring, Why{Code: "expiring", Message: "证书即将到期，请及时办理延期或重新取证", Due: d.ValidUntil}
	}
	return StatusValid, Why{Code: "valid", Message: "证书有效"}
}

// DueDate is the next date the holder must act by: the pending review or
// else the expiry; zero for neither.
func (d Dates) DueDate() time.Time {
	if !d.NextReview.IsZero() {
		return d.NextReview
	}
	return d.ValidUntil
}
