package compliance

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// managerRoles are the categories that must hold the 安全合格证 in the
// industries of Safety Law Art.27 ¶2.
const managerRoles = roster.CategoryPrincipal | roster.CategorySafetyManager

// certRoles are the categories of the certified-on-duty rate.
const certRoles = managerRoles | roster.CategorySpecialOperator

// Assessment and re-test periods (RULES §1.1, §2.5, §3).
const (
	// AssessMonths: principals and safety managers are assessed within 6
	// months of taking office (3号令第24条; for the other Art.27 ¶2
	// industries the hours table uses the same period, [C]).
	AssessMonths = 6
	// RetestMonths: a special operator off the post this long or longer
	// re-takes the practical exam before returning (30号令第32条).
	RetestMonths = 6
)

// Options configure an Engine.
type Options struct {
	// Kinds is the certificate kind table; nil loads the built-in one.
	// The licences the rules ask for are its state-issued kinds: those
	// that name an operation item and qualify special operators (特种作业
	// 操作证), and those without an item that qualify principals or safety
	// managers (安全合格证). anpei's own kinds are training records and
	// satisfy no licence obligation.
	Kinds *certs.Kinds
	// Reasons is the reason table; nil parses data/reasons.tsv.
	Reasons *ReasonTable
	// RequireVerified: a registered state certificate counts as held only
	// once verified (cert_unverified otherwise).
	RequireVerified bool
	// ItemNames maps operation item codes to their names, for messages
	// (roster.Store.OperationItems); optional.
	ItemNames map[string]string
}

// kindClass is what obligation a certificate kind satisfies.
type kindClass uint8

const (
	classNone     kindClass = iota
	classOperator           // 特种作业操作证, per item
	classManager            // 安全合格证
)

type kindRef struct {
	kind  certs.Kind
	class kindClass
}

// Engine evaluates people against the rules. It is built once (the tables
// parsed, the kinds resolved) and is safe for concurrent use.
type Engine struct {
	reasons         *ReasonTable
	kinds           map[string]*kindRef
	operatorKind    string // the kind named when an operator has none
	managerKind     string
	requireVerified bool
	itemNames       map[string]string
}

// New builds an Engine. It returns an error when the built-in tables are
// malformed or the kind table has no operator or no manager licence.
func New(opt Options) (*Engine, error) {
	e := &Engine{reasons: opt.Reasons, requireVerified: opt.RequireVerified, itemNames: maps.Clone(opt.ItemNames),
		kinds: map[string]*kindRef{}}
	if e.reasons == nil {
		t, err := DefaultReasons()
		if err != nil {
			return nil, err
		}
		e.reasons = t
	}
	ks := opt.Kinds
	if ks == nil {
		var err error
		if ks, err = certs.LoadKinds(); err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
	}
	for _, k := range ks.All() {
		ref := &kindRef{kind: k}
		if k.Issuer == certs.IssuerState {
			switch {
			case k.NeedsItem && k.Qualifies(roster.CategorySpecialOperator):
				ref.class = classOperator
				if e.operatorKind == "" {
					e.operatorKind = k.Code
				}
			case !k.NeedsItem && k.Qualifies(managerRoles):
				ref.class = classManager
				if e.managerKind == "" {
					e.managerKind = k.Code
				}
			}
		}
		e.kinds[k.Code] = ref
	}
	if e.operatorKind == "" || e.managerKind == "" {
		return nil, errors.New("compliance: the kind table needs a state special-operation kind and a state kind for principals and safety managers")
	}
	return e, nil
}

// Reasons returns the engine's reason table.
func (e *Engine) Reasons() *ReasonTable { return e.reasons }

func (e *Engine) kindName(code string) string {
	if e == nil {
		return code
	}
	if ref, ok := e.kinds[code]; ok {
		return ref.kind.Name
	}
	return code
}

func (e *Engine) itemName(code string) string {
	if e == nil {
		return ""
	}
	return e.itemNames[code]
}

// Result is a person's evaluation on one date.
type Result struct {
	PersonID, EnterpriseID uint
	Categories             roster.Category
	// Evaluated: on duty on the date. Everything below is zero otherwise.
	Evaluated bool
	Status    Status
	// Major: at least one reason is a 重大事故隐患.
	Major   bool
	Reasons []Reason

	// CertDue is the categories in which the person must hold a licence
	// now (the certified-on-duty denominators); CertHeld those in which
	// they do. Overall, the person counts when CertDue is not 0 and is
	// certified when CertHeld == CertDue.
	CertDue, CertHeld roster.Category
	// PreJobDue: the person has a pre-post obligation that is done or past
	// its deadline; PreJobDone: all of those are done.
	PreJobDue, PreJobDone bool
	// AnnualDue: an annual requirement has begun; AnnualDone: all done.
	AnnualDue, AnnualDone bool

	scratch []certEval
}

// Counts reports whether the person is in the denominator of measure m
// (for certified-on-duty: overall) and in its numerator.
func (r *Result) Counts(m Measure) (den, num bool) {
	switch m {
	case MeasureCertified:
		return r.CertDue != 0, r.CertDue != 0 && r.CertHeld == r.CertDue
	case MeasurePreJob:
		return r.PreJobDue, r.PreJobDue && r.PreJobDone
	case MeasureAnnual:
		return r.AnnualDue, r.AnnualDue && r.AnnualDone
	}
	return false, false
}

// certEval is one certificate as of the date; status, missed and due are
// set once known is.
type certEval struct {
	c      *Cert
	ref    *kindRef
	issued time.Time
	known  bool
	status certs.Status
	missed bool // lapsed for a missed review
	due    time.Time
}

// eval works out the certificate's status on the date, once.
func (ce *certEval) eval(at time.Time) {
	if ce.known {
		return
	}
	st, why := ce.ref.kind.Evaluate(ce.c.State, ce.c.Dates, at)
	ce.known, ce.status, ce.missed, ce.due = true, st, why.Code == "review_missed", civil(why.Due)
}

// Evaluate evaluates person p with certificates cs and training progress
// tr on the China-time day of at. It reads no clock.
func (e *Engine) Evaluate(p Person, cs []Cert, tr []Training, at time.Time) Result {
	var r Result
	e.EvaluateInto(&r, &p, cs, tr, at)
	return r
}

// EvaluateInto is Evaluate writing into res, reusing its Reasons slice and
// scratch space: evaluating many people into one Result (copying out what
// is kept) allocates nothing per person.
func (e *Engine) EvaluateInto(res *Result, p *Person, cs []Cert, tr []Training, at time.Time) {
	reasons, scratch := res.Reasons[:0], res.scratch[:0]
	*res = Result{PersonID: p.ID, EnterpriseID: p.EnterpriseID, Categories: p.Categories}
	defer func() {
		clear(scratch) // drop the pointers into cs
		res.scratch = scratch[:0]
	}()
	today := certs.Day(at)
	if p.Duty != roster.DutyOn || civil(p.StartedOn).After(today) || civil(p.ReturnedOn).After(today) {
		res.Reasons = reasons
		return
	}
	res.Evaluated = true
	ev := evaluation{e: e, p: p, at: at, today: today, res: res, reasons: reasons}

	for i := range cs {
		c := &cs[i]
		ref := e.kinds[c.Kind]
		if ref == nil || ref.class == classNone {
			continue
		}
		issued := civil(c.Dates.IssuedOn)
		if issued.After(today) {
			continue // not yet issued on the date
		}
		// The status is worked out only if an obligation asks for it.
		scratch = append(scratch, certEval{c: c, ref: ref, issued: issued})
	}
	ev.certs = scratch

	if p.Categories.Has(managerRoles) && (p.MustAssess || p.HighRisk) {
		ev.manager()
	}
	if p.Categories.Has(roster.CategorySpecialOperator) {
		ev.operator()
		ev.retest()
	}
	for i := range tr {
		ev.training(&tr[i])
	}
	res.PreJobDone = res.PreJobDue && ev.preJobOK
	res.AnnualDone = res.AnnualDue && ev.annualOK

	res.Status = StatusCompliant
	for _, rs := range ev.reasons {
		res.Status = max(res.Status, rs.Severity)
		res.Major = res.Major || rs.Major
	}
	res.Reasons = ev.reasons
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	e       *Engine
	p       *Person
	at      time.Time // as given, for certs.Kind.Evaluate
	today   time.Time
	res     *Result
	reasons []Reason
	certs   []certEval
	// preJobOK and annualOK turn false at the first undone obligation.
	preJobOK, annualOK bool
	preJobSeen         bool
}

func (ev *evaluation) add(r Reason) {
	info := &ev.e.reasons.rows[r.Code]
	r.Measure = info.Measure
	r.eng = ev.e
	if r.Severity == 0 {
		r.Severity = info.Severity
	}
	if r.Severity == StatusNonCompliant {
		r.Major = (info.MajorOperator && r.Role.Has(roster.CategorySpecialOperator)) ||
			(info.MajorManager && r.Role.Has(managerRoles) && ev.p.HighRisk)
	}
	ev.reasons = append(ev.reasons, r)
}

// best returns the certificate of class that comes closest to meeting an
// obligation for item ("" for any item), and how it stands: held (counts),
// or not. A held certificate beats one held but unverified, which beats
// one not held; among held ones a valid one beats one falling due, then
// the later due date; among the rest the latest issued.
func (ev *evaluation) best(class kindClass, item string) (c *certEval, held bool) {
	bestRank := -1
	for i := range ev.certs {
		ce := &ev.certs[i]
		if ce.ref.class != class || (item != "" && ce.c.Item != item) {
			continue
		}
		ce.eval(ev.at)
		rank := 0
		if ce.status.Holds() {
			switch {
			case ev.e.requireVerified && ce.c.External && !ce.c.Verified:
				rank = 1
			case ce.status == certs.StatusValid:
				rank = 3
			default:
				rank = 2
			}
		}
		switch {
		case rank > bestRank:
		case rank < bestRank:
			continue
		case rank == 0 && !ce.issued.After(c.issued):
			continue
		case rank > 0 && !laterDue(ce.due, c.due):
			continue
		}
		c, bestRank = ce, rank
	}
	return c, bestRank >= 2
}

// laterDue reports whether due date a is later than b, no date being the
// latest.
func laterDue(a, b time.Time) bool {
	switch {
	case a.IsZero():
		return !b.IsZero()
	case b.IsZero():
		return false
	}
	return a.After(b)
}

// held records the obligation of role as met by c, with a 即将到期 reason
// when c is in its review or renewal window.
func (ev *evaluation) held(role roster.Category, item string, c *certEval) {
	ev.res.CertDue |= role
	if c.status == certs.StatusReviewDue || c.status == certs.StatusExpiring {
		ev.add(Reason{Code: CodeCertDueSoon, Role: role, Item: item, CertID: c.c.ID, CertKind: c.c.Kind,
			CertNumber: c.c.Number, CertStatus: c.status, Due: c.due})
	}
}

// lapse adds the reason c, a certificate that does not count, gives; or
// code when there is no certificate at all.
func (ev *evaluation) lapse(role roster.Category, item string, c *certEval, code Code, kind string, due time.Time) {
	if c == nil {
		ev.add(Reason{Code: code, Role: role, Item: item, CertKind: kind, Due: due})
		return
	}
	r := Reason{Role: role, Item: item, CertID: c.c.ID, CertKind: c.c.Kind, CertNumber: c.c.Number,
		CertStatus: c.status, Due: c.due}
	switch c.status {
	case certs.StatusSuspended:
		r.Code = CodeCertSuspended
	case certs.StatusRevoked, certs.StatusCancelled:
		r.Code = CodeCertRevoked
	case certs.StatusExpired:
		r.Code = CodeCertExpired
		if c.missed {
			r.Code = CodeReviewOverdue
		}
	default: // held but unverified
		r.Code = CodeCertUnverified
	}
	ev.add(r)
}

// manager checks the 安全合格证 of a principal or safety manager of an
// Art.27 ¶2 unit. Within the 6 months after taking office a missing
// licence is 即将到期 and the person is in no denominator yet; after them
// it is manager_unassessed in a high-risk unit (a 重大事故隐患) and
// no_certificate elsewhere, or the reason of the certificate they have.
func (ev *evaluation) manager() {
	p := ev.p
	role := p.Categories & managerRoles
	c, held := ev.best(classManager, "")
	if held {
		ev.res.CertHeld |= role
		ev.held(role, "", c)
		return
	}
	appointed := civil(p.AppointedOn)
	if appointed.IsZero() {
		appointed = civil(p.StartedOn)
	}
	var deadline time.Time
	if !appointed.IsZero() {
		deadline = addMonths(appointed, AssessMonths)
		if !ev.today.After(deadline) {
			ev.add(Reason{Code: CodeManagerUnassessed, Severity: StatusDueSoon, Role: role, CertKind: ev.e.managerKind, Due: deadline})
			return
		}
	}
	ev.res.CertDue |= role
	code := CodeNoCertificate
	if p.HighRisk {
		code = CodeManagerUnassessed
	}
	ev.lapse(role, "", c, code, ev.e.managerKind, deadline)
}

// operator checks a certificate for each registered operation item (for a
// special operator with none registered, any item). There is no period of
// grace: the licence comes before the post (Safety Law Art.30).
func (ev *evaluation) operator() {
	const role = roster.CategorySpecialOperator
	items := ev.p.Items
	all := true
	check := func(item string) {
		c, held := ev.best(classOperator, item)
		if held {
			ev.held(role, item, c)
			return
		}
		all = false
		ev.res.CertDue |= role
		ev.lapse(role, item, c, CodeNoCertificate, ev.e.operatorKind, time.Time{})
	}
	if len(items) == 0 {
		check("")
	}
	for _, item := range items {
		check(item)
	}
	if all {
		ev.res.CertHeld |= role
	}
}

// retest checks the practical re-test of a special operator whose
// current spell followed an absence of RetestMonths or more: it must be
// passed after the 离岗 and before working again, so it is owed from the
// 返岗 day itself until passed.
func (ev *evaluation) retest() {
	left, back := civil(ev.p.LeftOn), civil(ev.p.ReturnedOn)
	if left.IsZero() || back.IsZero() || back.Before(addMonths(left, RetestMonths)) {
		return
	}
	ev.preJob(true)
	test := civil(ev.p.RetestOn)
	if !test.IsZero() && test.After(left) && !test.After(ev.today) {
		return
	}
	ev.preJob(false)
	ev.add(Reason{Code: CodeSpecialRetestMissing, Role: roster.CategorySpecialOperator, Due: back, Since: left})
}

// preJob records a pre-post obligation in the denominator, met or not.
func (ev *evaluation) preJob(ok bool) {
	if !ev.preJobSeen {
		ev.preJobSeen, ev.preJobOK = true, true
	}
	ev.res.PreJobDue = true
	ev.preJobOK = ev.preJobOK && ok
}

// training judges one requirement. Pre-post requirements (上岗, 调岗,
// 返岗, and the initial training of principals and safety managers)
// count once done or once their last day has passed: undone after it,
// they are 不合规; undone within AlertDays before it, 即将到期. Annual
// requirements count from the first day of their year: undone after 31
// December they are 不合规, undone in the last AlertDays of the year 即将
// 到期, and before that merely in progress (3号令 sets hours per year, not
// a pace within it). Requirements of other triggers (the review training
// of a certificate, which the certificate's own review covers) and
// requirements whose window has not begun are ignored.
func (ev *evaluation) training(t *Training) {
	var code Code
	switch t.Trigger {
	case hours.TriggerNewHire:
		code = CodePrejobTrainingMissing
	case hours.TriggerAppointment:
		code = CodeInitialTrainingMissing
	case hours.TriggerTransfer, hours.TriggerReturn:
		code = CodeReturnRetrainingMissing
	case hours.TriggerAnnual:
		code = CodeAnnualHoursShort
	default:
		return
	}
	if from := civil(t.From); !from.IsZero() && from.After(ev.today) {
		return
	}
	due := civil(t.Due)
	done := t.Done >= t.Required
	over := !due.IsZero() && ev.today.After(due)
	soon := !due.IsZero() && !over && !ev.today.Before(daysBefore(due, t.AlertDays))
	r := Reason{Code: code, Rule: t.Rule, Training: t.Label, Due: due, Done: t.Done, Required: t.Required}
	if code == CodeAnnualHoursShort {
		if !ev.res.AnnualDue {
			ev.res.AnnualDue, ev.annualOK = true, true
		}
		ev.annualOK = ev.annualOK && done
		r.Year = due.Year()
		if due.IsZero() {
			r.Year = civil(t.From).Year()
		}
	} else if done || over {
		ev.preJob(done)
	}
	switch {
	case done:
	case over:
		ev.add(r)
	case soon:
		r.Severity = StatusDueSoon
		ev.add(r)
	}
}

// civil returns the calendar date of t read in t's own location, as
// midnight UTC (as packages roster and certs keep dates); zero stays zero.
// It counts whole days from the Unix epoch rather than going through
// Date, which is most of the cost of an evaluation otherwise.
func civil(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	_, off := t.Zone()
	s := t.Unix() + int64(off)
	s -= ((s % secondsPerDay) + secondsPerDay) % secondsPerDay
	return time.Unix(s, 0).UTC()
}

const secondsPerDay = 24 * 60 * 60

// daysBefore returns the civil date n days before d (UTC has no daylight
// saving, so a day is always 24 hours).
func daysBefore(d time.Time, n int) time.Time { return d.Add(-time.Duration(n) * 24 * time.Hour) }

// addMonths counts months the Civil Code's way, as packages hours and
// certs do: 08-31 + 6 months is 02-28.
func addMonths(d time.Time, n int) time.Time { return hours.Offset{Months: n}.From(d) }
