package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"anpei/ident"
	"anpei/roster"
)

// plan is the demo district ready to be written: every enterprise with its
// people, in the order of enterprises.json.
type plan struct {
	Enterprises []plannedEnterprise
}

// plannedEnterprise is one enterprise and its roster.
type plannedEnterprise struct {
	Data   enterpriseData
	Input  roster.EnterpriseInput
	People []plannedPerson
}

// plannedPerson is one roster row. ReturnOn is set for a special operator
// who was away six months or more and has come back: the row registers the
// absence (离岗 on LeftOn) and Seed then records the 返岗 on ReturnOn, the
// case that calls for a new practical exam (30号令 Art.32).
type plannedPerson struct {
	Input    roster.PersonInput
	ReturnOn *time.Time
}

// Person count targets per enterprise; see plannedCounts.
const (
	specialShare  = 0.3 // of the staff
	minOthers     = 2
	newHirePct    = 8 // % of people (not the principal or the first operators) hired in the last months
	shortLeavePct = 4 // % of "other" staff recently off duty
	pendingPct    = 3 // % of "other" staff registered but not yet started
	secondItemPct = 12
)

// generate turns the district's data into people, deterministically: the
// same data and the same calendar year give the same people (names, ID
// numbers and phones), so a seed interrupted and run again finds the same
// identities. Dates of duty are placed relative to today (the district's
// date, midnight UTC). highRisk says which industry codes are high-risk.
func generate(d district, today time.Time, highRisk map[string]bool) (plan, error) {
	g := &generator{d: d, today: today, highRisk: highRisk, ids: map[string]bool{}, phones: map[string]bool{}}
	var out plan
	for _, e := range d.Enterprises {
		pe, err := g.enterprise(e)
		if err != nil {
			return plan{}, err
		}
		out.Enterprises = append(out.Enterprises, pe)
	}
	return out, nil
}

// generator holds what must stay unique across the whole district.
type generator struct {
	d        district
	today    time.Time
	highRisk map[string]bool
	ids      map[string]bool
	phones   map[string]bool
}

// rng returns the random source of one person of enterprise key: seeded
// from the data's seed, the key and the person's index, so that a change to
// one enterprise or one person leaves the others as they were.
func (g *generator) rng(key string, index int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s#%d", key, index)
	return rand.New(rand.NewPCG(g.d.Population.Seed, h.Sum64()))
}

// plannedCounts splits an enterprise's staff into 1 principal, 1–3 safety
// managers (more in high-risk and larger units, as Safety Law Art.24 asks
// for), special operators (enough to hold each of the industry's operation
// items and the common ones) and the others.
func plannedCounts(e enterpriseData, common int, highRisk bool) (managers, specials, others int) {
	managers = 1
	switch {
	case highRisk && e.Staff >= 25:
		managers = 3
	case highRisk || e.Staff >= 15:
		managers = 2
	}
	specials = max(common+len(e.Operations), int(float64(e.Staff)*specialShare+0.5))
	specials = min(specials, e.Staff-1-managers-minOthers)
	return managers, specials, e.Staff - 1 - managers - specials
}

func (g *generator) enterprise(e enterpriseData) (plannedEnterprise, error) {
	high := g.highRisk[e.Industry]
	common := g.d.CommonOperations
	managers, specials, others := plannedCounts(e, len(common), high)
	if specials < len(common)+e.LongAbsent+e.Returned {
		return plannedEnterprise{}, fmt.Errorf("demo: enterprises.json: %s: staff %d leaves too few special operators", e.Key, e.Staff)
	}
	founded := time.Date(e.Founded, 1, 1, 0, 0, 0, 0, time.UTC)
	pe := plannedEnterprise{Data: e}
	idx := 0
	next := func() *rand.Rand { idx++; return g.rng(e.Key, idx) }

	// The principal has led the unit for years.
	r := next()
	pr := g.person(r, e, mixPrincipal, roster.CategoryPrincipal)
	pr.Position = pick(r, of(g.d.Positions.Principal, e.Industry))
	g.longServing(r, &pr, g.start(pr, e, mixPrincipal, founded))
	pe.People = append(pe.People, plannedPerson{Input: pr})

	for i := range managers {
		r := next()
		m := g.person(r, e, mixManager, roster.CategorySafetyManager)
		list := of(g.d.Positions.SafetyManager, e.Industry)
		m.Position = list[0]
		if i > 0 && len(list) > 1 {
			m.Position = pick(r, list[1:])
		}
		from := g.start(m, e, mixManager, founded)
		switch {
		case i == 0: // the contact person, in post for a while
			g.longServing(r, &m, from)
		case high && i == managers-1: // newly appointed: 6 months to pass the assessment
			g.newHire(r, &m, 20, 150)
		default:
			g.appoint(r, &m, from)
		}
		pe.People = append(pe.People, plannedPerson{Input: m})
	}

	for i := range specials {
		r := next()
		s := g.person(r, e, mixSpecial, roster.CategorySpecialOperator)
		s.OperationItems = operatorItems(r, i, e.Operations, common)
		s.Position = pick(r, g.d.Positions.OperationItems[s.OperationItems[0]])
		if s.Position == "" {
			s.Position = "特种作业人员"
		}
		var back *time.Time
		from := g.start(s, e, mixSpecial, founded)
		switch {
		case i < len(common): // the welder and the electrician the demo accounts rely on
			s.EmploymentKind = roster.EmployFormal
			g.longServing(r, &s, from)
		case specials-1-i < e.LongAbsent: // away for six months or more
			g.appoint(r, &s, from)
			g.leave(r, &s, 190, 420)
		case specials-1-i < e.LongAbsent+e.Returned: // back after six months or more away
			g.appoint(r, &s, from)
			g.leave(r, &s, 220, 520)
			d := g.today.AddDate(0, 0, -(3 + r.IntN(40)))
			back = &d
		default:
			g.appoint(r, &s, from)
		}
		pe.People = append(pe.People, plannedPerson{Input: s, ReturnOn: back})
	}

	for range others {
		r := next()
		o := g.person(r, e, mixOther, roster.CategoryOther)
		o.Position = pick(r, of(g.d.Positions.Other, e.Industry))
		from := g.start(o, e, mixOther, founded)
		switch roll := r.IntN(100); {
		case o.EmploymentKind == roster.EmployIntern:
			g.newHire(r, &o, 10, 240)
		case roll < pendingPct:
			o.DutyStatus = roster.DutyPending
		case roll < pendingPct+shortLeavePct:
			g.appoint(r, &o, from)
			g.leave(r, &o, 5, 150)
		default:
			g.appoint(r, &o, from)
		}
		pe.People = append(pe.People, plannedPerson{Input: o})
	}

	contact := pe.People[1].Input // the first safety manager
	pe.Input = roster.EnterpriseInput{
		Name:         e.Name,
		CreditCode:   ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode(e.OrgCode)),
		TownCode:     e.Town,
		IndustryCode: e.Industry,
		AboveScale:   e.AboveScale,
		Grade:        roster.Grade(e.Grade),
		ContactName:  contact.Name,
		ContactPhone: contact.Phone,
		Address:      e.Address,
		Status:       roster.EnterpriseStatus(e.Status),
	}
	return pe, nil
}

// operatorItems returns the operation items of the i-th special operator of
// an enterprise whose industry brings items ops: the first ones hold each
// common item (a welder, an electrician), the next ones each of ops in
// turn, and the rest are drawn, now and then with a second item.
func operatorItems(r *rand.Rand, i int, ops, common []string) []string {
	var first string
	switch {
	case i < len(common):
		return []string{common[i]}
	case i < len(common)+len(ops):
		return []string{ops[i-len(common)]}
	case len(ops) > 0 && r.IntN(10) < 7:
		first = pick(r, ops)
	default:
		first = pick(r, common)
	}
	items := []string{first}
	if r.IntN(100) < secondItemPct {
		pool := slices.Concat(ops, common)
		if second := pick(r, pool); second != first {
			items = append(items, second)
		}
	}
	return items
}

// person draws a person's identity and profile; duty dates are set by the
// caller. The draws do not depend on today, only on the current year.
func (g *generator) person(r *rand.Rand, e enterpriseData, role string, cat roster.Category) roster.PersonInput {
	mix := g.d.Population.mix(role, e.Industry)
	in := roster.PersonInput{
		Categories:     cat,
		Education:      roster.Education(pickWeighted(r, mix.Education)),
		EmploymentKind: roster.EmploymentKind(pickWeighted(r, mix.Employment)),
		DutyStatus:     roster.DutyOn,
	}
	lo, hi := mix.MinAge, mix.MaxAge
	if in.EmploymentKind == roster.EmployIntern {
		lo, hi = g.d.Population.InternAge.Min, g.d.Population.InternAge.Max
	}
	male := r.IntN(100) < mix.MalePercent
	in.Name = g.name(r, male)
	in.DocType = ident.DocResidentID
	in.DocNumber = g.residentID(r, lo, hi, male)
	in.Phone = g.mobile(r)
	return in
}

// name draws a Chinese name: a surname (six in ten from the common ones)
// and a given name of one or (four in five) two characters.
func (g *generator) name(r *rand.Rand, male bool) string {
	n := g.d.Names
	surnames := n.Surnames
	if r.IntN(10) < 6 {
		surnames = n.CommonSurnames
	}
	given := n.FemaleGiven
	if male {
		given = n.MaleGiven
	}
	name := pickRune(r, surnames) + pickRune(r, given)
	if r.IntN(5) > 0 {
		name += pickRune(r, given)
	}
	return name
}

// residentID draws a birth date making the person lo–hi years old this
// year and returns a valid ID number no one else in the district has.
// Birth years count from today's year only, so the number stays the same
// all year (ages come out between lo and hi whatever the day).
func (g *generator) residentID(r *rand.Rand, lo, hi int, male bool) string {
	area := g.area(r)
	age := lo + 1 + r.IntN(max(hi-lo, 1))
	month := time.Month(1 + r.IntN(12))
	days := time.Date(2001, month+1, 0, 0, 0, 0, 0, time.UTC).Day() // a common year: no 29 February
	birth := time.Date(g.today.Year()-age, month, 1+r.IntN(days), 0, 0, 0, 0, time.UTC)
	for {
		id := ident.MakeResidentID(area, birth, r.IntN(499), male)
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *generator) area(r *rand.Rand) string {
	total := 0
	for _, a := range g.d.Population.Areas {
		total += a.Weight
	}
	n := r.IntN(total)
	for _, a := range g.d.Population.Areas {
		if n < a.Weight {
			return a.Code
		}
		n -= a.Weight
	}
	return g.d.Population.Areas[0].Code
}

// mobile returns an 11-digit mobile number no one else has.
func (g *generator) mobile(r *rand.Rand) string {
	for {
		p := fmt.Sprintf("%s%08d", pick(r, g.d.Population.MobilePrefixes), r.IntN(100_000_000))
		if !g.phones[p] {
			g.phones[p] = true
			return p
		}
	}
}

// birth returns the birth date in a generated ID number.
func birth(in roster.PersonInput) time.Time {
	id, err := ident.ParseID(ident.DocResidentID, in.DocNumber, time.Now())
	if err != nil {
		panic(fmt.Sprintf("demo: generated an invalid ID number: %v", err)) // a bug in residentID
	}
	return id.Birth
}

// start is the first day in can have taken up their post: the
// enterprise's founding or the birthday of the role's start age, whichever
// is later.
func (g *generator) start(in roster.PersonInput, e enterpriseData, role string, founded time.Time) time.Time {
	grown := birth(in).AddDate(g.d.Population.mix(role, e.Industry).StartAge, 0, 0)
	if grown.After(founded) {
		return grown
	}
	return founded
}

// between returns a day from lo to hi, both included (lo when hi < lo).
func between(r *rand.Rand, lo, hi time.Time) time.Time {
	days := int(hi.Sub(lo).Hours() / 24)
	if days <= 0 {
		return lo
	}
	return lo.AddDate(0, 0, r.IntN(days+1))
}

// appoint puts in on duty since a day between from and five months ago,
// or, for a few, as a new hire.
func (g *generator) appoint(r *rand.Rand, in *roster.PersonInput, from time.Time) {
	if r.IntN(100) < newHirePct {
		g.newHire(r, in, 7, 120)
		return
	}
	g.longServing(r, in, from)
}

// longServing puts in on duty since a day between from and five months ago
// (or as a new hire when that leaves no room).
func (g *generator) longServing(r *rand.Rand, in *roster.PersonInput, from time.Time) {
	lo, hi := from, g.today.AddDate(0, -5, 0)
	if hi.Before(lo) {
		g.newHire(r, in, 7, 120)
		return
	}
	d := between(r, lo, hi)
	in.DutyStatus, in.AppointedOn = roster.DutyOn, &d
}

// newHire puts in on duty since minDays to maxDays ago.
func (g *generator) newHire(r *rand.Rand, in *roster.PersonInput, minDays, maxDays int) {
	d := g.today.AddDate(0, 0, -(minDays + r.IntN(maxDays-minDays+1)))
	in.DutyStatus, in.AppointedOn = roster.DutyOn, &d
}

// leave takes in, already appointed, off duty minDays to maxDays ago,
// moving the appointment earlier if it was not before that.
func (g *generator) leave(r *rand.Rand, in *roster.PersonInput, minDays, maxDays int) {
	left := g.today.AddDate(0, 0, -(minDays + r.IntN(maxDays-minDays+1)))
	if in.AppointedOn == nil || !in.AppointedOn.Before(left) {
		a := left.AddDate(-1, 0, -r.IntN(365))
		if adult := birth(*in).AddDate(18, 0, 0); a.Before(adult) {
			a = adult
		}
		in.AppointedOn = &a
	}
	in.DutyStatus, in.LeftOn = roster.DutyOff, &left
}

func pick(r *rand.Rand, list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[r.IntN(len(list))]
}

func pickRune(r *rand.Rand, s string) string {
	rs := []rune(s)
	return string(rs[r.IntN(len(rs))])
}

func pickWeighted(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.W
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.W {
			return w.V
		}
		n -= w.W
	}
	return ws[0].V
}
