package compliance

import (
	"testing"

	"anpei/certs"
	"anpei/roster"
)

func TestRateFormat(t *testing.T) {
	cases := []struct {
		r          Rate
		pct, whole string
	}{
		{Rate{0, 0}, "—", "—（0/0）"},
		{Rate{0, 5}, "0.0%", "0.0%（0/5）"},
		{Rate{39, 40}, "97.5%", "97.5%（39/40）"},
		{Rate{1, 3}, "33.3%", "33.3%（1/3）"},
		{Rate{2, 3}, "66.7%", "66.7%（2/3）"},
		{Rate{40, 40}, "100.0%", "100.0%（40/40）"},
		{Rate{9999, 10000}, "99.9%", "99.9%（9999/10000）"},     // not rounded up to the target
		{Rate{99999, 100000}, "99.9%", "99.9%（99999/100000）"}, // idem
		{Rate{1, 100000}, "0.1%", "0.1%（1/100000）"},           // not rounded down to nothing
		{Rate{1, 2000}, "0.1%", "0.1%（1/2000）"},
	}
	for _, c := range cases {
		if c.r.Percent() != c.pct || c.r.String() != c.whole {
			t.Errorf("%+v: %s %s, want %s %s", c.r, c.r.Percent(), c.r.String(), c.pct, c.whole)
		}
	}
	if v, ok := (Rate{1, 4}).Value(); !ok || v != 0.25 {
		t.Errorf("value %v %v", v, ok)
	}
	if _, ok := (Rate{}).Value(); ok {
		t.Error("0/0 has a value")
	}
	if (Rate{1, 2}).Add(Rate{3, 4}) != (Rate{4, 6}) {
		t.Error("add")
	}
}

func TestTally(t *testing.T) {
	e := newEngine(t, false)
	day := "2026-07-16"
	people := []struct {
		p     Person
		certs []Cert
		tr    []Training
	}{
		// certified principal of a high-risk unit, annual done
		{person(principal, hazchem, "2020-01-01"), certs_(sqCert(1, "2025-01-01")), trains(done(annual(2026, 16, 0)))},
		// unassessed high-risk safety manager: major; annual short in July: in progress
		{person(manager, hazchem, "2026-01-15"), nil, trains(annual(2026, 16, 0))},
		// principal and special operator, two items, one certified: major
		{person(principal|operator, hazchem, "2020-01-01", "1.1", "1.2"), certs_(sqCert(2, "2025-01-01"), opCert(3, "1.2", "2024-03-01", false)), nil},
		// new worker trained late
		{person(other, trade, "2026-03-02"), nil, trains(train("new_hire", "2025-09-02", "2026-03-02", 24, 3, 30))},
		// due soon: principal appointed in May
		{person(principal, transport, "2026-05-01"), nil, nil},
		// off duty
		{duty(person(operator, hazchem, "2020-01-01", "1.2"), roster.DutyOff), nil, nil},
	}
	var all, a, b Tally
	var r Result
	for i, x := range people {
		e.EvaluateInto(&r, &x.p, x.certs, x.tr, at(day))
		all.Add(&r)
		if i%2 == 0 {
			a.Add(&r)
		} else {
			b.Add(&r)
		}
	}
	a.Merge(&b)
	if a != all {
		t.Errorf("merged %+v\nwant %+v", a, all)
	}
	want := Tally{People: 5, Compliant: 1, DueSoon: 1, NonCompliant: 3, Major: 2,
		Certified: RateSet{Overall: Rate{1, 3}, Principal: Rate{2, 2}, SafetyManager: Rate{0, 1}, SpecialOperator: Rate{0, 1}},
		PreJob:    RateSet{Overall: Rate{0, 1}, Other: Rate{0, 1}},
		Annual:    RateSet{Overall: Rate{1, 2}, Principal: Rate{1, 1}, SafetyManager: Rate{0, 1}}}
	want.byCode = all.byCode
	if all != want {
		t.Errorf("tally %+v\nwant %+v", all, want)
	}
	for c, n := range map[Code]int{CodeManagerUnassessed: 2, CodeNoCertificate: 1, CodePrejobTrainingMissing: 1, CodeCertExpired: 0} {
		if all.WithReason(c) != n {
			t.Errorf("%s: %d people, want %d", c, all.WithReason(c), n)
		}
	}
	if all.Rate(MeasureCertified) != all.Certified || all.Rate(MeasurePreJob) != all.PreJob || all.Rate(MeasureAnnual) != all.Annual {
		t.Error("Rate")
	}
	if all.Certified.Of(0) != all.Certified.Overall || all.Certified.Of(principal) != all.Certified.Principal ||
		all.Certified.Of(operator) != all.Certified.SpecialOperator || all.Certified.Of(principal|manager) != (Rate{}) {
		t.Error("Of")
	}
}

func TestTallyCountsPeopleOncePerCode(t *testing.T) {
	e := newEngine(t, false)
	p := person(operator, trade, "2019-01-01", "1.1", "1.2", "2.1")
	r := e.Evaluate(p, certs_(withState(opCert(1, "2.1", "2024-01-01", false), certs.StateSuspended)), nil, at("2026-06-30"))
	var tl Tally
	tl.Add(&r)
	if len(r.Reasons) != 3 || tl.WithReason(CodeNoCertificate) != 1 || tl.WithReason(CodeCertSuspended) != 1 || tl.Major != 1 {
		t.Errorf("%s: %+v", describe(r), tl)
	}
}
