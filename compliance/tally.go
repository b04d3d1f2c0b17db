package compliance

import (
	"strconv"

	"anpei/roster"
)

// Rate is a numerator over a denominator. It is never shown without its
// counts.
type Rate struct {
	Num, Den int
}

// Add returns the sum of two rates' counts.
func (r Rate) Add(o Rate) Rate { return Rate{Num: r.Num + o.Num, Den: r.Den + o.Den} }

// Value returns Num/Den, and false when Den is 0.
func (r Rate) Value() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// Percent is the rate in percent with one decimal, "—" when Den is 0.
// It rounds half up but never to 100.0% short of the whole, nor to 0.0%
// above nothing, so a rounded figure never claims the target is met.
func (r Rate) Percent() string {
	if r.Den <= 0 {
		return "—"
	}
	tenths := (int64(r.Num)*2000 + int64(r.Den)) / (2 * int64(r.Den))
	switch {
	case r.Num < r.Den && tenths >= 1000:
		tenths = 999
	case r.Num > 0 && tenths == 0:
		tenths = 1
	}
	return strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10) + "%"
}

// String is the percentage with its counts: "97.5%（39/40）", "—（0/0）".
func (r Rate) String() string {
	return r.Percent() + "（" + strconv.Itoa(r.Num) + "/" + strconv.Itoa(r.Den) + "）"
}

// RateSet is one measure overall and per person category. A person of
// several categories counts in each of them and once overall.
type RateSet struct {
	Overall                                          Rate
	Principal, SafetyManager, SpecialOperator, Other Rate
}

// Of returns the rate of one category, or Overall for 0.
func (s RateSet) Of(c roster.Category) Rate {
	switch c {
	case 0:
		return s.Overall
	case roster.CategoryPrincipal:
		return s.Principal
	case roster.CategorySafetyManager:
		return s.SafetyManager
	case roster.CategorySpecialOperator:
		return s.SpecialOperator
	case roster.CategoryOther:
		return s.Other
	}
	return Rate{}
}

// Add returns the sum of two sets.
func (s RateSet) Add(o RateSet) RateSet {
	return RateSet{Overall: s.Overall.Add(o.Overall), Principal: s.Principal.Add(o.Principal),
		SafetyManager: s.SafetyManager.Add(o.SafetyManager), SpecialOperator: s.SpecialOperator.Add(o.SpecialOperator),
		Other: s.Other.Add(o.Other)}
}

// count adds one person to the categories in cats (and overall when any).
func (s *RateSet) count(cats roster.Category, num bool) {
	if cats == 0 {
		return
	}
	n := 0
	if num {
		n = 1
	}
	s.Overall.Den++
	s.Overall.Num += n
	for _, pair := range [...]struct {
		c roster.Category
		r *Rate
	}{{roster.CategoryPrincipal, &s.Principal}, {roster.CategorySafetyManager, &s.SafetyManager},
		{roster.CategorySpecialOperator, &s.SpecialOperator}, {roster.CategoryOther, &s.Other}} {
		if cats.Has(pair.c) {
			pair.r.Den++
			pair.r.Num += n
		}
	}
}

// Tally sums Results: the people evaluated by status, the 重大事故隐患,
// the people per reason code and the three rates. The zero Tally is
// empty; tallies of towns, industries, departments or enterprises merge
// into their parent's with Merge.
type Tally struct {
	// People is the number evaluated (on duty); the three statuses add up
	// to it.
	People                           int
	Compliant, DueSoon, NonCompliant int
	// Major is the people with at least one 重大事故隐患.
	Major int
	// Certified: certified on duty. A category's denominator is the
	// people who must hold a licence in it now (Result.CertDue), its
	// numerator those who do; Overall counts a person once, certified
	// when certified in every category due. Other is always 0/0.
	Certified RateSet
	// PreJob: pre-post training and re-tests done (Result.PreJobDue,
	// PreJobDone); Annual: annual hours done (AnnualDue, AnnualDone).
	PreJob, Annual RateSet

	byCode [codeEnd]int
}

// Add counts one Result; one not evaluated changes nothing.
func (t *Tally) Add(r *Result) {
	if !r.Evaluated {
		return
	}
	t.People++
	switch r.Status {
	case StatusNonCompliant:
		t.NonCompliant++
	case StatusDueSoon:
		t.DueSoon++
	default:
		t.Compliant++
	}
	if r.Major {
		t.Major++
	}
	var seen uint32
	for i := range r.Reasons {
		c := r.Reasons[i].Code
		if c < codeEnd && seen&(1<<c) == 0 {
			seen |= 1 << c
			t.byCode[c]++
		}
	}
	if r.CertDue != 0 {
		held := r.CertHeld == r.CertDue
		t.Certified.Overall.Den++
		if held {
			t.Certified.Overall.Num++
		}
		for _, pair := range [...]struct {
			c roster.Category
			r *Rate
		}{{roster.CategoryPrincipal, &t.Certified.Principal}, {roster.CategorySafetyManager, &t.Certified.SafetyManager},
			{roster.CategorySpecialOperator, &t.Certified.SpecialOperator}} {
			if r.CertDue.Has(pair.c) {
				pair.r.Den++
				if r.CertHeld.Has(pair.c) {
					pair.r.Num++
				}
			}
		}
	}
	if r.PreJobDue {
		t.PreJob.count(r.Categories, r.PreJobDone)
	}
	if r.AnnualDue {
		t.Annual.count(r.Categories, r.AnnualDone)
	}
}

// Merge adds the counts of o.
func (t *Tally) Merge(o *Tally) {
	t.People += o.People
	t.Compliant += o.Compliant
	t.DueSoon += o.DueSoon
	t.NonCompliant += o.NonCompliant
	t.Major += o.Major
	t.Certified = t.Certified.Add(o.Certified)
	t.PreJob = t.PreJob.Add(o.PreJob)
	t.Annual = t.Annual.Add(o.Annual)
	for i := range t.byCode {
		t.byCode[i] += o.byCode[i]
	}
}

// WithReason is the number of people with at least one reason of code c.
func (t *Tally) WithReason(c Code) int {
	if c >= codeEnd {
		return 0
	}
	return t.byCode[c]
}

// Rate returns the rates of measure m.
func (t *Tally) Rate(m Measure) RateSet {
	switch m {
	case MeasureCertified:
		return t.Certified
	case MeasurePreJob:
		return t.PreJob
	case MeasureAnnual:
		return t.Annual
	}
	return RateSet{}
}
