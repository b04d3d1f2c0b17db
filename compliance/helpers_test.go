package compliance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

const (
	principal = roster.CategoryPrincipal
	manager   = roster.CategorySafetyManager
	operator  = roster.CategorySpecialOperator
	other     = roster.CategoryOther
)

var (
	kinds     = certs.MustKinds()
	soKind, _ = kinds.Get("special_operation")
	sqKind, _ = kinds.Get("safety_qualification")
	itemNames = map[string]string{"1.1": "高压电工作业", "1.2": "低压电工作业", "2.1": "熔化焊接与热切割作业"}
)

// day parses a calendar date as package roster stores it: midnight UTC.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// at is an instant on the China-time day s: 09:00 in Qujing.
func at(s string) time.Time { return day(s).Add(time.Hour) }

func newEngine(t testing.TB, requireVerified bool) *Engine {
	t.Helper()
	e, err := New(Options{Kinds: kinds, RequireVerified: requireVerified, ItemNames: itemNames})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// opCert is an active special-operation certificate for item issued on
// issued, with the kind's schedule; reviewed moves past the first review.
func opCert(id uint, item, issued string, reviewed bool) Cert {
	d := soKind.Schedule(day(issued), false)
	if reviewed {
		d = soKind.AfterReview(d, false)
	}
	return Cert{ID: id, Kind: soKind.Code, Number: fmt.Sprintf("T53030219900101%04d", id), Item: item,
		State: certs.StateActive, Dates: d}
}

// sqCert is an active 安全合格证 issued on issued.
func sqCert(id uint, issued string) Cert {
	return Cert{ID: id, Kind: sqKind.Code, Number: fmt.Sprintf("AQ%06d", id), State: certs.StateActive,
		Dates: sqKind.Schedule(day(issued), false)}
}

func withState(c Cert, st certs.State) Cert { c.State = st; return c }

// train is a requirement as hours.Evaluate would report it, in whole 学时.
func train(trigger hours.Trigger, from, due string, required, done, alert int) Training {
	t := Training{Rule: "rule_" + string(trigger), Label: trigger.Label() + "安全培训", Trigger: trigger,
		Required: hours.Whole(required), Done: hours.Whole(done), AlertDays: alert}
	if from != "" {
		t.From = hours.Date(day(from).Date())
	}
	if due != "" {
		t.Due = hours.Date(day(due).Date())
	}
	return t
}

// annual is the annual requirement of year.
func annual(year, required, done int) Training {
	t := train(hours.TriggerAnnual, fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year), required, done, 30)
	t.Label = "从业人员年度再培训"
	return t
}

// describe writes a result's reasons compactly: code/severity, then
// "!" for a 重大事故隐患, "#item" and "@due".
func describe(r Result) string {
	var parts []string
	for _, rs := range r.Reasons {
		s := rs.Code.String() + "/" + rs.Severity.Label()
		if rs.Major {
			s += "!"
		}
		if rs.Item != "" {
			s += "#" + rs.Item
		}
		if !rs.Due.IsZero() {
			s += "@" + rs.Due.Format(time.DateOnly)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// flags writes the rate flags compactly: "cert P,S/P pre 1/0 ann 1/1".
func flags(r Result) string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	cats := func(c roster.Category) string {
		var s []string
		for _, x := range []struct {
			c roster.Category
			n string
		}{{principal, "P"}, {manager, "S"}, {operator, "O"}} {
			if c.Has(x.c) {
				s = append(s, x.n)
			}
		}
		if len(s) == 0 {
			return "-"
		}
		return strings.Join(s, ",")
	}
	return "cert " + cats(r.CertDue) + "/" + cats(r.CertHeld) + " pre " + b(r.PreJobDue) + "/" + b(r.PreJobDone) +
		" ann " + b(r.AnnualDue) + "/" + b(r.AnnualDone)
}

// checkInvariants checks what must hold of every Result (see the package
// doc).
func checkInvariants(t *testing.T, name string, r Result) {
	t.Helper()
	if !r.Evaluated {
		if r.Status != StatusNone || len(r.Reasons) != 0 || r.CertDue != 0 || r.PreJobDue || r.AnnualDue || r.Major {
			t.Errorf("%s: not evaluated but %s %s %s", name, r.Status.Label(), describe(r), flags(r))
		}
		return
	}
	worst, major := StatusCompliant, false
	against := map[Measure]bool{}
	for _, rs := range r.Reasons {
		worst = max(worst, rs.Severity)
		major = major || rs.Major
		if rs.Major && rs.Severity != StatusNonCompliant {
			t.Errorf("%s: %s is major but %s", name, rs.Code, rs.Severity.Label())
		}
		if rs.Severity == StatusNonCompliant {
			against[rs.Measure] = true
		}
		if rs.Measure != rs.Info().Measure || rs.Measure == 0 {
			t.Errorf("%s: %s measure %d", name, rs.Code, rs.Measure)
		}
		msg := rs.Message()
		if msg == "" || strings.ContainsAny(msg, "{}") || rs.Basis() == "" {
			t.Errorf("%s: %s message %q basis %q", name, rs.Code, msg, rs.Basis())
		}
		if rs.Major && rs.HazardBasis() == "" {
			t.Errorf("%s: %s major without hazard basis", name, rs.Code)
		}
	}
	if r.Status != worst || r.Major != major {
		t.Errorf("%s: status %s major %v, reasons say %s %v", name, r.Status.Label(), r.Major, worst.Label(), major)
	}
	if r.CertHeld&^r.CertDue != 0 || r.CertDue&^certRoles != 0 {
		t.Errorf("%s: cert flags %s", name, flags(r))
	}
	for _, m := range []Measure{MeasureCertified, MeasurePreJob} {
		den, num := r.Counts(m)
		if (den && !num) != against[m] {
			t.Errorf("%s: %s den %v num %v but non-compliant reasons against it: %v (%s)", name, m.Label(), den, num, against[m], describe(r))
		}
	}
	if den, num := r.Counts(MeasureAnnual); against[MeasureAnnual] && (!den || num) {
		t.Errorf("%s: annual shortfall but den %v num %v", name, den, num)
	}
}
