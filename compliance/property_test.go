package compliance

import (
	"math/rand/v2"
	"testing"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// A synthetic population: random people, certificates and requirements on
// random dates, evaluated by the engine and counted by brute force.
type sample struct {
	p     Person
	certs []Cert
	tr    []Training
	at    time.Time
}

var (
	sampleItems = []string{"1.1", "1.2", "2.1", "3.1"}
	sampleKinds = []string{"special_operation", "special_operation", "special_operation", "safety_qualification",
		"safety_qualification", "special_op_training", "manager_assessment", "forklift"}
	sampleTriggers = []hours.Trigger{hours.TriggerNewHire, hours.TriggerAnnual, hours.TriggerAnnual, hours.TriggerAppointment,
		hours.TriggerTransfer, hours.TriggerReturn, hours.TriggerSpecialReview}
	sampleIndustries = []industry{hazchem, transport, trade, {true, false}}
)

// randDay is a calendar date between from and from+days, midnight UTC.
func randDay(rng *rand.Rand, from string, days int) time.Time {
	return day(from).AddDate(0, 0, rng.IntN(days))
}

func newSample(rng *rand.Rand) sample {
	var s sample
	s.at = randDay(rng, "2023-01-01", 5*365).Add(time.Duration(rng.IntN(24)) * time.Hour)
	p := &s.p
	p.ID = uint(rng.Uint32())
	for p.Categories == 0 {
		p.Categories = roster.Category(rng.IntN(16))
	}
	if p.Categories.Has(operator) {
		for _, it := range sampleItems {
			if rng.IntN(3) == 0 {
				p.Items = append(p.Items, it)
			}
		}
	}
	ind := sampleIndustries[rng.IntN(len(sampleIndustries))]
	p.HighRisk, p.MustAssess = ind.highRisk, ind.mustAssess
	switch n := rng.IntN(10); {
	case n < 8:
		p.Duty = roster.DutyOn
	case n < 9:
		p.Duty = roster.DutyOff
	default:
		p.Duty = roster.DutyPending
	}
	// Near the date, so that the 6 months and deadlines fall either side.
	p.StartedOn = s.at.AddDate(0, 0, -rng.IntN(900)+30)
	p.StartedOn = civil(p.StartedOn)
	if rng.IntN(4) == 0 {
		p.AppointedOn = civil(s.at.AddDate(0, 0, -rng.IntN(400)))
	}
	if rng.IntN(3) == 0 {
		p.LeftOn = civil(s.at.AddDate(0, 0, -rng.IntN(700)))
		p.ReturnedOn = p.LeftOn.AddDate(0, 0, 150+rng.IntN(100))
		if rng.IntN(2) == 0 {
			p.RetestOn = p.LeftOn.AddDate(0, 0, rng.IntN(300)-60)
		}
	}
	// Most holders have their licences, many of them near a review or an
	// expiry, where the windows and deadlines fall.
	near := func(months int) time.Time {
		return s.at.AddDate(0, -months, rng.IntN(141)-70)
	}
	for _, it := range p.Items {
		if rng.IntN(5) != 0 {
			c := Cert{ID: uint(rng.Uint32()), Kind: soKind.Code, Item: it, State: certs.StateActive, External: rng.IntN(4) == 0, Verified: rng.IntN(4) != 0}
			c.Dates = soKind.Schedule(near([]int{36, 72, 12}[rng.IntN(3)]), false)
			if rng.IntN(2) == 0 {
				c.Dates = soKind.AfterReview(c.Dates, false)
			}
			s.certs = append(s.certs, c)
		}
	}
	if p.Categories.Has(principal|manager) && rng.IntN(3) != 0 {
		c := Cert{ID: uint(rng.Uint32()), Kind: sqKind.Code, State: certs.StateActive, External: rng.IntN(4) == 0, Verified: rng.IntN(4) != 0}
		c.Dates = sqKind.Schedule(near([]int{36, 12}[rng.IntN(2)]), false)
		s.certs = append(s.certs, c)
	}
	for range rng.IntN(4) {
		kind := sampleKinds[rng.IntN(len(sampleKinds))]
		c := Cert{ID: uint(rng.Uint32()), Kind: kind, State: certs.StateActive, External: rng.IntN(2) == 0, Verified: rng.IntN(2) == 0}
		issued := s.at.AddDate(0, 0, -rng.IntN(8*365)+60)
		switch kind {
		case "special_operation":
			c.Dates = soKind.Schedule(issued, false)
			if rng.IntN(2) == 0 {
				c.Dates = soKind.AfterReview(c.Dates, false)
			}
			if len(p.Items) > 0 && rng.IntN(4) != 0 {
				c.Item = p.Items[rng.IntN(len(p.Items))]
			} else {
				c.Item = sampleItems[rng.IntN(len(sampleItems))]
			}
		case "safety_qualification":
			c.Dates = sqKind.Schedule(issued, false)
		default:
			c.Dates = certs.Dates{IssuedOn: civil(issued), ValidUntil: civil(issued.AddDate(1, 0, 0))}
			c.Item = sampleItems[rng.IntN(len(sampleItems))]
		}
		switch rng.IntN(10) {
		case 0:
			c.State = certs.StateSuspended
		case 1:
			c.State = certs.StateRevoked
		case 2:
			c.State = certs.StateCancelled
		}
		s.certs = append(s.certs, c)
	}
	for range rng.IntN(4) {
		tg := sampleTriggers[rng.IntN(len(sampleTriggers))]
		t := Training{Rule: "r", Label: "培训", Trigger: tg, Required: hours.Whole(rng.IntN(73)), AlertDays: []int{0, 30, 60}[rng.IntN(3)]}
		if tg == hours.TriggerAnnual {
			y := s.at.Year() - 1 + rng.IntN(3)
			t.From, t.Due = hours.Date(y, time.January, 1), hours.Date(y, time.December, 31)
		} else {
			due := s.at.AddDate(0, 0, rng.IntN(240)-160)
			t.Due = hours.Date(due.Date())
			t.From = hours.Date(due.AddDate(0, -6, 0).Date())
			if rng.IntN(10) == 0 {
				t.Due = time.Time{}
			}
		}
		if rng.IntN(2) == 0 {
			t.Done = t.Required + hours.Hours(rng.IntN(90))
		} else {
			t.Done = hours.Hours(rng.Int64N(int64(t.Required) + 1))
		}
		s.tr = append(s.tr, t)
	}
	return s
}

// The brute force below restates the rules directly from the package doc
// with dates as yyyymmdd numbers and its own month arithmetic; only the
// status of a certificate on a day is taken from package certs.

func ymd(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// plusMonths adds n months to a date, the last day of a shorter month
// standing in for a day it lacks.
func plusMonths(t time.Time, n int) int {
	y, m, d := t.Date()
	months := y*12 + int(m) - 1 + n
	y, mm := months/12, months%12+1
	last := time.Date(y, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return y*10000 + mm*100 + min(d, last)
}

type brute struct {
	tally   Tally
	byCode  map[Code]int
	results int
}

func bruteForce(samples []sample, requireVerified bool) brute {
	out := brute{byCode: map[Code]int{}}
	t := &out.tally
	for _, s := range samples {
		p, on := s.p, ymd(certs.Day(s.at))
		if p.Duty != roster.DutyOn || ymd(p.StartedOn) > on || ymd(p.ReturnedOn) > on {
			continue
		}
		t.People++
		type certOn struct {
			c                    Cert
			holds, verified, due bool
		}
		var have []certOn
		for _, c := range s.certs {
			if (c.Kind != "special_operation" && c.Kind != "safety_qualification") || ymd(c.Dates.IssuedOn) > on {
				continue
			}
			k, _ := kinds.Get(c.Kind)
			st, _ := k.Evaluate(c.State, c.Dates, s.at)
			holds := st == certs.StatusValid || st == certs.StatusExpiring || st == certs.StatusReviewDue
			have = append(have, certOn{c, holds, !requireVerified || !c.External || c.Verified, st != certs.StatusValid})
		}
		// find reports, over the certificates of kind and item: any at all,
		// any that holds, any that holds and is verified, and any that
		// holds, is verified and is not falling due.
		find := func(kind, item string) (any, holds, heldV, calm bool) {
			for _, h := range have {
				if h.c.Kind != kind || (item != "" && h.c.Item != item) {
					continue
				}
				any = true
				holds = holds || h.holds
				heldV = heldV || (h.holds && h.verified)
				calm = calm || (h.holds && h.verified && !h.due)
			}
			return
		}
		var bad, soon, major bool
		codes := map[Code]bool{}

		// 安全合格证
		mgrRole := p.Categories & (principal | manager)
		mgrDen, mgrHeld := false, false
		if mgrRole != 0 && (p.MustAssess || p.HighRisk) {
			anyC, holds, heldV, calm := find("safety_qualification", "")
			appt := p.AppointedOn
			if appt.IsZero() {
				appt = p.StartedOn
			}
			grace := !appt.IsZero() && on <= plusMonths(appt, 6)
			mgrHeld, mgrDen = heldV, heldV || !grace
			switch {
			case heldV && !calm:
				soon = true
				codes[CodeCertDueSoon] = true
			case heldV:
			case grace:
				soon = true
				codes[CodeManagerUnassessed] = true
			default:
				bad = true
				major = major || (p.HighRisk && !holds)
				switch {
				case holds:
					codes[CodeCertUnverified] = true
				case !anyC && p.HighRisk:
					codes[CodeManagerUnassessed] = true
				case !anyC:
					codes[CodeNoCertificate] = true
				}
			}
		}
		// 特种作业操作证, per item
		opDen, opAll := p.Categories.Has(operator), true
		if opDen {
			items := p.Items
			if len(items) == 0 {
				items = []string{""}
			}
			for _, it := range items {
				anyC, holds, heldV, calm := find("special_operation", it)
				switch {
				case heldV && !calm:
					soon = true
					codes[CodeCertDueSoon] = true
				case heldV:
				default:
					opAll, bad = false, true
					major = major || !holds
					if holds {
						codes[CodeCertUnverified] = true
					}
					if !anyC {
						codes[CodeNoCertificate] = true
					}
				}
			}
		}
		if mgrDen || opDen {
			t.Certified.Overall.Den++
			if (!mgrDen || mgrHeld) && (!opDen || opAll) {
				t.Certified.Overall.Num++
			}
		}
		count := func(r *Rate, den, num bool) {
			if den {
				r.Den++
				if num {
					r.Num++
				}
			}
		}
		count(&t.Certified.Principal, mgrDen && p.Categories.Has(principal), mgrHeld)
		count(&t.Certified.SafetyManager, mgrDen && p.Categories.Has(manager), mgrHeld)
		count(&t.Certified.SpecialOperator, opDen, opAll)

		// Pre-post obligations and annual hours.
		preDen, preOK, annDen, annOK := false, true, false, true
		if p.Categories.Has(operator) && !p.LeftOn.IsZero() && !p.ReturnedOn.IsZero() && ymd(p.ReturnedOn) >= plusMonths(p.LeftOn, 6) {
			preDen = true
			if p.RetestOn.IsZero() || ymd(p.RetestOn) <= ymd(p.LeftOn) || ymd(p.RetestOn) > on {
				preOK, bad = false, true
				codes[CodeSpecialRetestMissing] = true
			}
		}
		for _, tr := range s.tr {
			pre := tr.Trigger == hours.TriggerNewHire || tr.Trigger == hours.TriggerAppointment ||
				tr.Trigger == hours.TriggerTransfer || tr.Trigger == hours.TriggerReturn
			if (!pre && tr.Trigger != hours.TriggerAnnual) || ymd(tr.From) > on {
				continue
			}
			done := tr.Done >= tr.Required
			past := !tr.Due.IsZero() && on > ymd(tr.Due)
			alert := !tr.Due.IsZero() && !past && on >= ymd(tr.Due.AddDate(0, 0, -tr.AlertDays))
			if pre {
				if done || past {
					preDen = true
					preOK = preOK && done
				}
			} else {
				annDen = true
				annOK = annOK && done
			}
			switch {
			case done:
			case past:
				bad = true
			case alert:
				soon = true
			}
			if !pre && !done && (past || alert) {
				codes[CodeAnnualHoursShort] = true
			}
		}
		for _, c := range p.Categories.Split() {
			count(&t.PreJob.Overall, preDen && c == p.Categories.Split()[0], preOK)
			count(t.PreJob.ptr(c), preDen, preOK)
			count(&t.Annual.Overall, annDen && c == p.Categories.Split()[0], annOK)
			count(t.Annual.ptr(c), annDen, annOK)
		}
		switch {
		case bad:
			t.NonCompliant++
		case soon:
			t.DueSoon++
		default:
			t.Compliant++
		}
		if major {
			t.Major++
		}
		for c := range codes {
			out.byCode[c]++
		}
	}
	return out
}

func (s *RateSet) ptr(c roster.Category) *Rate {
	switch c {
	case principal:
		return &s.Principal
	case manager:
		return &s.SafetyManager
	case operator:
		return &s.SpecialOperator
	}
	return &s.Other
}

func TestTallyEqualsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	samples := make([]sample, 5000)
	for i := range samples {
		samples[i] = newSample(rng)
	}
	for _, verified := range []bool{false, true} {
		e := newEngine(t, verified)
		var got Tally
		var r Result
		for i := range samples {
			s := &samples[i]
			e.EvaluateInto(&r, &s.p, s.certs, s.tr, s.at)
			checkInvariants(t, "sample", r)
			got.Add(&r)
		}
		want := bruteForce(samples, verified)
		wantTally := want.tally
		wantTally.byCode = got.byCode // compared below, for the codes the brute force restates
		if got != wantTally {
			t.Errorf("RequireVerified=%v:\n got %+v\nwant %+v", verified, got, wantTally)
		}
		for _, c := range []Code{CodeNoCertificate, CodeManagerUnassessed, CodeCertUnverified, CodeCertDueSoon, CodeSpecialRetestMissing, CodeAnnualHoursShort} {
			if got.WithReason(c) != want.byCode[c] {
				t.Errorf("RequireVerified=%v: %s: %d people, brute force %d", verified, c, got.WithReason(c), want.byCode[c])
			}
		}
		// The population is varied enough to mean something.
		if got.People < 3000 || got.Major == 0 || got.DueSoon == 0 || got.Compliant == 0 || got.PreJob.Overall.Den == 0 ||
			got.Annual.Overall.Num == 0 || got.Certified.SpecialOperator.Num == 0 || got.Certified.Principal.Num == 0 {
			t.Errorf("thin sample: %+v", got)
		}
		for _, c := range Codes() {
			if got.WithReason(c) == 0 && (verified || c != CodeCertUnverified) {
				t.Errorf("RequireVerified=%v: no sample has %s", verified, c)
			}
		}
	}
}

// One Engine serves many goroutines, each with its own Result; the
// per-enterprise tallies merge into the same district total.
func TestConcurrentUse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	samples := make([]sample, 2000)
	for i := range samples {
		samples[i] = newSample(rng)
	}
	e := newEngine(t, true)
	var serial Tally
	var r Result
	for i := range samples {
		e.EvaluateInto(&r, &samples[i].p, samples[i].certs, samples[i].tr, samples[i].at)
		serial.Add(&r)
	}
	parts := make([]Tally, 4)
	done := make(chan struct{})
	for w := range parts {
		go func() {
			defer func() { done <- struct{}{} }()
			var r Result
			for i := w; i < len(samples); i += len(parts) {
				e.EvaluateInto(&r, &samples[i].p, samples[i].certs, samples[i].tr, samples[i].at)
				parts[w].Add(&r)
			}
		}()
	}
	for range parts {
		<-done
	}
	var total Tally
	for i := range parts {
		total.Merge(&parts[i])
	}
	if total != serial {
		t.Errorf("parallel %+v\nserial %+v", total, serial)
	}
}
