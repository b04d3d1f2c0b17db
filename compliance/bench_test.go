package compliance

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// district builds n synthetic people on duty with 3 certificates and 2
// requirements each: most certified, some lapsed, some falling due.
func district(n int) ([]Person, [][]Cert, [][]Training) {
	rng := rand.New(rand.NewPCG(1, 100000))
	on := day("2026-06-30")
	people := make([]Person, n)
	cs := make([][]Cert, n)
	tr := make([][]Training, n)
	items := []string{"1.1", "1.2", "2.1", "3.1"}
	for i := range people {
		ind := sampleIndustries[rng.IntN(len(sampleIndustries))]
		cats := []roster.Category{other, other, operator, operator, principal, manager, principal | operator}[rng.IntN(7)]
		p := Person{ID: uint(i + 1), EnterpriseID: uint(i/100 + 1), Categories: cats, Duty: roster.DutyOn,
			StartedOn: on.AddDate(0, 0, -rng.IntN(3000)), HighRisk: ind.highRisk, MustAssess: ind.mustAssess}
		if cats.Has(operator) {
			p.Items = []string{items[rng.IntN(4)], items[rng.IntN(4)]}
		}
		if rng.IntN(20) == 0 && p.StartedOn.Before(on.AddDate(-1, 0, 0)) {
			p.LeftOn, p.ReturnedOn = p.StartedOn.AddDate(0, 1, 0), p.StartedOn.AddDate(0, 9, 0)
		}
		people[i] = p
		for k := range 3 {
			issued := on.AddDate(0, 0, -rng.IntN(6*365))
			c := Cert{ID: uint(3*i + k + 1), Kind: soKind.Code, Number: fmt.Sprintf("T%017d", 3*i+k), Item: items[rng.IntN(4)],
				State: certs.StateActive, Dates: soKind.AfterReview(soKind.Schedule(issued, false), false), External: true, Verified: rng.IntN(10) != 0}
			if k == 0 && cats.Has(principal|manager) {
				c.Kind, c.Item, c.Dates = sqKind.Code, "", sqKind.Schedule(on.AddDate(0, 0, -rng.IntN(4*365)), false)
			}
			if rng.IntN(30) == 0 {
				c.State = certs.StateSuspended
			}
			cs[i] = append(cs[i], c)
		}
		tr[i] = []Training{
			{Rule: "worker_annual_general", Label: "从业人员年度再培训", Trigger: hours.TriggerAnnual, From: hours.Date(2026, time.January, 1),
				Due: hours.Date(2026, time.December, 31), Required: hours.Whole(8), Done: hours.Whole(rng.IntN(12)), AlertDays: 30},
			{Rule: "worker_transfer", Label: "调岗人员车间级、班组级安全培训", Trigger: hours.TriggerTransfer, From: hours.Date(2026, time.January, 1),
				Due: hours.Date(2026, time.April, 1), Required: hours.Whole(8), Done: hours.Whole(rng.IntN(9)), AlertDays: 30},
		}
	}
	return people, cs, tr
}

// BenchmarkEvaluate100k evaluates and tallies a district of 100,000 people
// with 3 certificates each; one op is the whole district.
func BenchmarkEvaluate100k(b *testing.B) {
	const n = 100_000
	people, cs, tr := district(n)
	e := newEngine(b, true)
	when := at("2026-06-30")
	var (
		r      Result
		tl     Tally
		before runtime.MemStats
		after  runtime.MemStats
	)
	b.ReportAllocs()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		tl = Tally{}
		for i := range people {
			e.EvaluateInto(&r, &people[i], cs[i], tr[i], when)
			tl.Add(&r)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/person")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*n), "allocs/person")
	if tl.People != n {
		b.Fatalf("tallied %d people", tl.People)
	}
}
