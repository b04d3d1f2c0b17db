package compliance

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// Status is how a person stands, or how serious one reason is.
type Status uint8

// The statuses, least serious first, so the worse of two is the larger.
// StatusNone is a person who is not evaluated (not on duty on the date).
const (
	StatusNone         Status = iota // 不参评
	StatusCompliant                  // 合规
	StatusDueSoon                    // 即将到期
	StatusNonCompliant               // 不合规
)

// Statuses lists the statuses of evaluated people in display order.
func Statuses() []Status { return []Status{StatusCompliant, StatusDueSoon, StatusNonCompliant} }

// Code is the status's code: "none", "compliant", "due_soon",
// "non_compliant".
func (s Status) Code() string {
	switch s {
	case StatusCompliant:
		return "compliant"
	case StatusDueSoon:
		return "due_soon"
	case StatusNonCompliant:
		return "non_compliant"
	}
	return "none"
}

// Label is the status in Chinese.
func (s Status) Label() string {
	switch s {
	case StatusCompliant:
		return "合规"
	case StatusDueSoon:
		return "即将到期"
	case StatusNonCompliant:
		return "不合规"
	}
	return "不参评"
}

// Measure is one of the rates a reason counts against.
type Measure uint8

// The measures.
const (
	MeasureCertified Measure = iota + 1 // 持证上岗率
	MeasurePreJob                       // 岗前培训率
	MeasureAnnual                       // 年度学时完成率
)

// Measures lists the measures in display order.
func Measures() []Measure { return []Measure{MeasureCertified, MeasurePreJob, MeasureAnnual} }

// Code is the measure's code as the reason table writes it.
func (m Measure) Code() string {
	switch m {
	case MeasureCertified:
		return "certified"
	case MeasurePreJob:
		return "prejob"
	case MeasureAnnual:
		return "annual"
	}
	return ""
}

// Label is the rate's name in Chinese.
func (m Measure) Label() string {
	switch m {
	case MeasureCertified:
		return "持证上岗率"
	case MeasurePreJob:
		return "岗前培训率"
	case MeasureAnnual:
		return "年度学时完成率"
	}
	return ""
}

// Code identifies a reason. The set is fixed by the engine; its words,
// basis and severity live in data/reasons.tsv.
type Code uint8

// The reason codes.
const (
	CodeNoCertificate           Code = iota + 1 // no_certificate
	CodeCertExpired                             // cert_expired
	CodeCertSuspended                           // cert_suspended
	CodeCertRevoked                             // cert_revoked (revoked or cancelled)
	CodeReviewOverdue                           // review_overdue
	CodeCertDueSoon                             // cert_due_soon
	CodeManagerUnassessed                       // manager_unassessed
	CodePrejobTrainingMissing                   // prejob_training_missing
	CodeInitialTrainingMissing                  // initial_training_missing
	CodeAnnualHoursShort                        // annual_hours_short
	CodeSpecialRetestMissing                    // special_retest_missing
	CodeReturnRetrainingMissing                 // return_retraining_missing
	CodeCertUnverified                          // cert_unverified

	codeEnd // one past the last code
)

var codeNames = [codeEnd]string{"", "no_certificate", "cert_expired", "cert_suspended", "cert_revoked",
	"review_overdue", "cert_due_soon", "manager_unassessed", "prejob_training_missing",
	"initial_training_missing", "annual_hours_short", "special_retest_missing",
	"return_retraining_missing", "cert_unverified"}

// Codes lists every reason code in table order.
func Codes() []Code {
	out := make([]Code, 0, codeEnd-1)
	for c := Code(1); c < codeEnd; c++ {
		out = append(out, c)
	}
	return out
}

// String is the snake_case code, or "" for an unknown one.
func (c Code) String() string {
	if c < codeEnd {
		return codeNames[c]
	}
	return ""
}

// ParseCode reads a snake_case reason code.
func ParseCode(s string) (Code, bool) {
	for c := Code(1); c < codeEnd; c++ {
		if codeNames[c] == s {
			return c, true
		}
	}
	return 0, false
}

// ReasonInfo is one row of the reason table.
type ReasonInfo struct {
	Code  Code
	Label string
	// Severity is what the reason is once its deadline has passed or its
	// situation holds.
	Severity Status
	Measure  Measure
	// MajorOperator and MajorManager say when a non-compliant reason is a
	// 重大事故隐患: when it concerns a special-operation item, or a
	// principal or safety manager of a high-risk unit.
	MajorOperator, MajorManager bool
	// Basis is the rule and article; BasisManager, when not empty, replaces
	// it for principals and safety managers. HazardBasis cites the
	// 重大事故隐患判定标准 items.
	Basis, BasisManager, HazardBasis string
	// Message is the text once the reason holds; MessageBefore, when not
	// empty, is the 即将到期 text before the deadline.
	Message, MessageBefore string
}

// ReasonTable is the validated reason table: one row per code.
type ReasonTable struct {
	rows [codeEnd]ReasonInfo
}

//go:embed data/reasons.tsv
var reasonsTSV []byte

// DefaultReasons parses the embedded data/reasons.tsv. It returns an error
// only when that file is malformed, which the tests catch.
func DefaultReasons() (*ReasonTable, error) { return ParseReasons(bytes.NewReader(reasonsTSV)) }

// ParseReasons reads a reason table in the format of data/reasons.tsv, e.g.
// a deployment's copy with its wording changed. It returns an error naming
// the line of the first problem: a wrong field count, an unknown or
// repeated code, an unknown severity, measure or hazard condition, a
// hazard condition without the standard it comes from, an unknown
// placeholder in a message, or a code with no row.
func ParseReasons(r io.Reader) (*ReasonTable, error) {
	t := &ReasonTable{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		info, err := parseReason(strings.Split(line, "\t"))
		if err != nil {
			return nil, fmt.Errorf("compliance: reasons.tsv line %d: %w", n, err)
		}
		if t.rows[info.Code].Code != 0 {
			return nil, fmt.Errorf("compliance: reasons.tsv line %d: code %s repeated", n, info.Code)
		}
		t.rows[info.Code] = info
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("compliance: read reasons.tsv: %w", err)
	}
	for c := Code(1); c < codeEnd; c++ {
		if t.rows[c].Code == 0 {
			return nil, fmt.Errorf("compliance: reasons.tsv has no row for %s", c)
		}
	}
	return t, nil
}

func parseReason(f []string) (ReasonInfo, error) {
	if len(f) != 10 {
		return ReasonInfo{}, fmt.Errorf("%d fields, want 10", len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
		if f[i] == "" {
			return ReasonInfo{}, fmt.Errorf("field %d is empty (write - for none)", i+1)
		}
	}
	opt := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	code, ok := ParseCode(f[0])
	if !ok {
		return ReasonInfo{}, fmt.Errorf("unknown code %q", f[0])
	}
	info := ReasonInfo{Code: code, Label: f[1], Basis: opt(f[5]), BasisManager: opt(f[6]), HazardBasis: opt(f[7]),
		Message: f[8], MessageBefore: opt(f[9])}
	switch f[2] {
	case StatusNonCompliant.Label():
		info.Severity = StatusNonCompliant
	case StatusDueSoon.Label():
		info.Severity = StatusDueSoon
	default:
		return ReasonInfo{}, fmt.Errorf("severity %q: want 不合规 or 即将到期", f[2])
	}
	for _, m := range Measures() {
		if f[3] == m.Code() {
			info.Measure = m
		}
	}
	if info.Measure == 0 {
		return ReasonInfo{}, fmt.Errorf("measure %q: want certified, prejob or annual", f[3])
	}
	if f[4] != "-" {
		for part := range strings.SplitSeq(f[4], ",") {
			switch strings.TrimSpace(part) {
			case "operator":
				info.MajorOperator = true
			case "high_risk_manager":
				info.MajorManager = true
			default:
				return ReasonInfo{}, fmt.Errorf("major %q: want operator, high_risk_manager or -", part)
			}
		}
		if info.Severity != StatusNonCompliant {
			return ReasonInfo{}, fmt.Errorf("only a 不合规 reason can be a 重大事故隐患")
		}
		if info.HazardBasis == "" {
			return ReasonInfo{}, fmt.Errorf("a 重大事故隐患 needs the standard it comes from (hazard_basis)")
		}
	}
	if info.Basis == "" {
		return ReasonInfo{}, fmt.Errorf("basis is required")
	}
	if info.MessageBefore != "" && info.Severity != StatusNonCompliant {
		return ReasonInfo{}, fmt.Errorf("message_before is for reasons that become 不合规 at a deadline")
	}
	for _, msg := range []string{info.Message, info.MessageBefore} {
		if err := checkTemplate(msg); err != nil {
			return ReasonInfo{}, err
		}
	}
	return info, nil
}

// placeholders are the names a message may use.
var placeholders = []string{"subject", "kind", "cert", "due", "action", "training", "done", "required", "year", "left", "returned"}

func checkTemplate(s string) error {
	for rest := s; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return fmt.Errorf("message %q: unbalanced }", s)
			}
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("message %q: unbalanced {", s)
		}
		name := rest[i+1 : i+j]
		known := false
		for _, p := range placeholders {
			known = known || p == name
		}
		if !known {
			return fmt.Errorf("message %q: unknown placeholder {%s}", s, name)
		}
		rest = rest[i+j+1:]
	}
}

// Info returns the row of code c; the zero ReasonInfo for an unknown code.
func (t *ReasonTable) Info(c Code) ReasonInfo {
	if c == 0 || c >= codeEnd {
		return ReasonInfo{}
	}
	return t.rows[c]
}

// All returns the rows in code order.
func (t *ReasonTable) All() []ReasonInfo {
	out := make([]ReasonInfo, 0, codeEnd-1)
	for c := Code(1); c < codeEnd; c++ {
		out = append(out, t.rows[c])
	}
	return out
}

// Reason is one gap of one person, with the specifics its message needs.
// Evaluating builds no strings: Message and Basis are written on demand,
// so a district of compliant people costs no allocations.
type Reason struct {
	Code     Code
	Severity Status // StatusDueSoon or StatusNonCompliant
	Measure  Measure
	// Major: a 重大事故隐患 (an uncertified special operator, an
	// unassessed principal or safety manager of a high-risk unit).
	Major bool
	// Role is the categories whose obligation this is: principal and/or
	// safety manager for the 安全合格证, special operator for an
	// operation item and the practical re-test; 0 for training reasons.
	Role roster.Category
	// Item is the operation item code (准操项目) concerned, if any.
	Item string
	// The certificate concerned, if any: its ID, kind code, number and
	// status on the date. CertKind is the kind the person must hold when
	// there is no certificate.
	CertID     uint
	CertKind   string
	CertNumber string
	CertStatus certs.Status
	// Rule and Training are the hours rule ID and the requirement's name
	// of a training reason; Year is the year of an annual requirement.
	Rule     string
	Training string
	Year     int
	// Due is the deadline or the date the reason is about (expiry, review
	// date, end of the 6 months, the 上岗 or 返岗 date), a civil date as
	// midnight UTC; zero when there is none.
	Due time.Time
	// Since is the 离岗 date of a re-test reason.
	Since          time.Time
	Done, Required hours.Hours

	eng *Engine
}

// Info returns the reason's row of the table.
func (r Reason) Info() ReasonInfo {
	if r.eng == nil {
		return ReasonInfo{Code: r.Code}
	}
	return r.eng.reasons.Info(r.Code)
}

// Label is the reason's short name.
func (r Reason) Label() string { return r.Info().Label }

// Basis is the rule and article the reason rests on, for the person's
// role.
func (r Reason) Basis() string {
	info := r.Info()
	if r.Role.Has(managerRoles) && !r.Role.Has(roster.CategorySpecialOperator) && info.BasisManager != "" {
		return info.BasisManager
	}
	return info.Basis
}

// HazardBasis is the hazard standard's item when the reason is a 重大事故
// 隐患, else "".
func (r Reason) HazardBasis() string {
	if !r.Major {
		return ""
	}
	return r.Info().HazardBasis
}

// Message is the reason in Chinese with its specifics filled in.
func (r Reason) Message() string {
	info := r.Info()
	tmpl := info.Message
	if r.Severity == StatusDueSoon && info.MessageBefore != "" {
		tmpl = info.MessageBefore
	}
	if tmpl == "" {
		return r.Code.String()
	}
	var b strings.Builder
	for rest := tmpl; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		b.WriteString(r.fill(rest[i+1 : i+j]))
		rest = rest[i+j+1:]
	}
	return b.String()
}

// fill returns the text of one placeholder.
func (r Reason) fill(name string) string {
	switch name {
	case "subject":
		if r.Role.Has(roster.CategorySpecialOperator) {
			if r.Item == "" {
				return "特种作业"
			}
			if n := r.eng.itemName(r.Item); n != "" {
				return "准操项目“" + n + "”（" + r.Item + "）"
			}
			return "准操项目" + r.Item
		}
		return (r.Role & managerRoles).Label()
	case "kind":
		return r.eng.kindName(r.CertKind)
	case "cert":
		if r.CertNumber == "" {
			return r.eng.kindName(r.CertKind)
		}
		return r.eng.kindName(r.CertKind) + "（" + r.CertNumber + "）"
	case "due":
		return dateText(r.Due)
	case "left":
		return dateText(r.Since)
	case "returned":
		return dateText(r.Due)
	case "action":
		switch r.CertStatus {
		case certs.StatusCancelled:
			return "注销"
		case certs.StatusRevoked:
			return "撤销"
		case certs.StatusReviewDue:
			return "复审"
		case certs.StatusExpiring:
			return "办理延期"
		}
		return ""
	case "training":
		return r.Training
	case "done":
		return r.Done.String()
	case "required":
		return r.Required.String()
	case "year":
		return fmt.Sprint(r.Year)
	}
	return "{" + name + "}"
}

func dateText(d time.Time) string {
	if d.IsZero() {
		return "日期不详"
	}
	return d.Format(time.DateOnly)
}
