package scaleseed

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"anpei/ident"
	"anpei/roster"
)

// reference is the roster's reference data the district is spread over.
type reference struct {
	towns      []roster.Town
	industries []roster.Industry
	items      map[string]bool // operation item code → active
}

// plannedEnterprise is one enterprise with the range of people on its
// roster: people[first : first+staff].
type plannedEnterprise struct {
	roster.Enterprise
	profile  industryProfile
	items    []string // the profile's operation items that are active
	highRisk bool
	assess   bool // principals and managers need the state assessment
	founded  time.Time
	first    int
	staff    int
}

// plannedPerson is one person with the dates of their history the
// certificates and the ledger follow.
type plannedPerson struct {
	roster.Person
	number string // the full ID number: sealed in Person, kept here for certificates
	ent    int    // index of the current enterprise
	// firstOn is their first 上岗 anywhere, startOn the first in the
	// current enterprise, returnOn the 返岗 after an absence (zero if
	// none). Person.LeftOn is the latest 离岗.
	firstOn, startOn, returnOn time.Time
	diligence                  float64 // how much they learn, 0.1–2
}

// onDuty reports whether the person works in their enterprise now.
func (p *plannedPerson) onDuty() bool { return p.DutyStatus == roster.DutyOn }

// district is the planned roster.
type district struct {
	today       time.Time
	enterprises []plannedEnterprise
	people      []plannedPerson // people[i].ID == i+1
	items       []roster.PersonOperationItem
	events      []roster.DutyEvent
}

// planner draws the district; it keeps what must be unique across it.
type planner struct {
	seed     uint64
	today    time.Time
	now      time.Time
	ref      reference
	seal     func(number string) (hash, cipher string, err error)
	numbers  map[string]bool
	phones   map[string]bool
	names    map[string]bool
	codes    map[string]bool
	district *district
}

// planDistrict draws the enterprises and their people.
func planDistrict(c Counts, seed uint64, now time.Time, ref reference, seal func(string) (string, string, error)) (*district, error) {
	pl := &planner{seed: seed, today: todayOf(now), now: now.UTC().Truncate(time.Microsecond), ref: ref, seal: seal,
		numbers: make(map[string]bool, c.People), phones: make(map[string]bool, c.People),
		names: map[string]bool{}, codes: map[string]bool{}}
	d := &district{today: pl.today, people: make([]plannedPerson, 0, c.People)}
	pl.district = d
	if err := pl.enterprises(c); err != nil {
		return nil, err
	}
	for i := range d.enterprises {
		if err := pl.staff(i); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// enterprises draws the enterprises: every industry of the reference data
// at least once (when there are enough), the rest by the profiles'
// weights; sizes from a long-tailed distribution that sums to the people
// count, at least minStaff each.
func (pl *planner) enterprises(c Counts) error {
	r := stream(pl.seed, "enterprises", 0)
	profs := profiles()
	industries := pl.ref.industries
	var weights []weighted
	for _, in := range industries {
		p, ok := profs[in.Code]
		if !ok {
			p = defaultProfile()
		}
		weights = append(weights, weighted{in.Code, p.weight})
	}
	byCode := map[string]roster.Industry{}
	for _, in := range industries {
		byCode[in.Code] = in
	}
	sizeWeights := make([]float64, c.Enterprises)
	d := pl.district
	for i := range c.Enterprises {
		code := pickWeighted(r, weights)
		if i < len(industries) {
			code = industries[i].Code
		}
		in := byCode[code]
		p, ok := profs[code]
		if !ok {
			p = defaultProfile()
		}
		e := plannedEnterprise{profile: p, highRisk: in.HighRisk, assess: in.HighRisk || in.AssessmentRequired}
		for _, it := range p.items {
			if pl.ref.items[it] {
				e.items = append(e.items, it)
			}
		}
		if len(e.items) == 0 {
			for _, it := range []string{"1.2", "2.1"} {
				if pl.ref.items[it] {
					e.items = append(e.items, it)
				}
			}
		}
		town := pl.town(r, e.highRisk)
		e.Enterprise = roster.Enterprise{
			ID: uint(i + 1), IndustryCode: code, TownCode: town.Code, Status: roster.StatusOperating,
			CreatedAt: pl.now, UpdatedAt: pl.now,
		}
		e.Name = pl.enterpriseName(r, p)
		e.CreditCode = pl.creditCode(r)
		e.Address = "曲靖市麒麟区" + town.Name + pick(r, roads()) + strconv.Itoa(1+r.IntN(399)) + "号"
		e.founded = time.Date(1988+r.IntN(36), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
		if chance(r, 0.03) {
			e.Status = roster.StatusSuspended
		}
		grades := []roster.Grade{"", "A", "B", "C", "D"}
		if e.highRisk {
			grades = []roster.Grade{"A", "B", "B", "C"}
		}
		e.Grade = pick(r, grades)
		sizeWeights[i] = math.Exp(1.1*r.NormFloat64()) * p.sizeFactor
		d.enterprises = append(d.enterprises, e)
	}
	sizes, _ := apportion(c.People-minStaff*c.Enterprises, sizeWeights, nil)
	first := 0
	for i := range d.enterprises {
		e := &d.enterprises[i]
		e.staff = minStaff + sizes[i]
		e.first = first
		first += e.staff
		e.AboveScale = (e.staff >= 80 && !chance(r, 0.15)) || (e.staff < 80 && chance(r, 0.08))
	}
	return nil
}

// minStaff is the smallest roster: a principal, a safety manager and one
// other worker.
const minStaff = 3

// town picks a town or street; mines and other high-risk works lie mostly
// in the towns (镇), outside the urban streets.
func (pl *planner) town(r *rand.Rand, highRisk bool) roster.Town {
	var ws []weighted
	for i, t := range pl.ref.towns {
		w := 10
		if t.Kind == "town" {
			w = 13
			if highRisk {
				w = 40
			}
		}
		ws = append(ws, weighted{strconv.Itoa(i), w})
	}
	i, _ := strconv.Atoi(pickWeighted(r, ws))
	return pl.ref.towns[i]
}

// enterpriseName draws a unique name such as 曲靖鑫达化工有限公司.
func (pl *planner) enterpriseName(r *rand.Rand, p industryProfile) string {
	for try := 0; ; try++ {
		place := pick(r, []string{"曲靖", "曲靖市", "曲靖市麒麟区", "云南", "麒麟区"})
		name := place + pickRune(r, tradeChars) + pickRune(r, tradeChars) + pick(r, p.words) + pick(r, p.suffixes)
		if try > 20 {
			name = place + pickRune(r, tradeChars) + pickRune(r, tradeChars) + pick(r, p.words) + "第" + strconv.Itoa(try) + "分公司"
		}
		if !pl.names[name] {
			pl.names[name] = true
			return name
		}
	}
}

// creditCode draws a unique GB 32100 code of an enterprise registered in
// 麒麟区, with a valid organisation code and check character.
func (pl *planner) creditCode(r *rand.Rand) string {
	for {
		body := fmt.Sprintf("%08d", r.IntN(100_000_000))
		code := ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode(body))
		if !pl.codes[code] {
			pl.codes[code] = true
			return code
		}
	}
}

// staff draws the people of enterprise i: one principal, safety managers
// (more in larger and high-risk units, as Safety Law Art.24 asks), special
// operators in the share the industry has, and the other workers.
func (pl *planner) staff(i int) error {
	d := pl.district
	e := &d.enterprises[i]
	r := stream(pl.seed, "staff", i)
	n := e.staff
	managers := 1 + n/80
	if e.assess {
		managers++
	}
	managers = min(managers, 12, n-2)
	specials := int(math.Round(float64(n) * e.profile.specialShare * (0.6 + 0.5*r.Float64())))
	specials = max(0, min(specials, n-1-managers-1))
	cats := make([]roster.Category, 0, n)
	cats = append(cats, roster.CategoryPrincipal)
	for range managers {
		cats = append(cats, roster.CategorySafetyManager)
	}
	for range specials {
		cats = append(cats, roster.CategorySpecialOperator)
	}
	for len(cats) < n {
		cats = append(cats, roster.CategoryOther)
	}
	for k, cat := range cats {
		id := e.first + k + 1
		p, err := pl.person(stream(pl.seed, "person", id), i, cat, k)
		if err != nil {
			return err
		}
		p.ID = uint(id)
		d.people = append(d.people, p)
		if k == 1 { // the first safety manager is the contact person
			e.ContactName, e.ContactPhone = p.Name, p.Phone
		}
	}
	return nil
}

// person draws one person of enterprise ent in category cat (k-th on its
// roster), checks them against the roster's rules and seals their number.
func (pl *planner) person(r *rand.Rand, ent int, cat roster.Category, k int) (plannedPerson, error) {
	e := &pl.district.enterprises[ent]
	mix := mixOf(cat)
	in := roster.PersonInput{
		DocType:        ident.DocResidentID,
		Categories:     cat,
		Education:      roster.Education(pickWeighted(r, mix.education)),
		EmploymentKind: roster.EmploymentKind(pickWeighted(r, mix.employment)),
	}
	lo, hi := mix.minAge, mix.maxAge
	if in.EmploymentKind == roster.EmployIntern {
		lo, hi = 19, 22
	}
	male := r.IntN(100) < mix.malePercent
	in.Name = personName(r, male)
	birth := time.Date(pl.today.Year()-lo-r.IntN(hi-lo+1), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	in.DocNumber, birth = pl.residentID(r, birth, male)
	in.Phone = pl.mobile(r)
	switch cat {
	case roster.CategoryPrincipal:
		in.Position = pick(r, principalPosts())
	case roster.CategorySafetyManager:
		in.Position = pick(r, managerPosts())
	case roster.CategorySpecialOperator:
		in.OperationItems = pl.operatorItems(r, e)
		in.Position = operatorPost(in.OperationItems[0])
		if e.IndustryCode == "hazchem" && (in.Education == roster.EduPrimary || in.Education == roster.EduJunior) {
			in.Education = roster.EduSenior // 30号令第四条: senior high for hazardous chemicals
		}
	default:
		in.Position = pick(r, otherPosts())
	}

	p := plannedPerson{number: in.DocNumber, ent: ent, diligence: diligence(r)}
	pl.duty(r, &p, &in, e, birth.AddDate(mix.startAge, 0, 0), cat, k)
	check := in
	if check.DutyStatus == roster.DutyOn {
		check.LeftOn = nil // a returned or moved person keeps their last 离岗, which a form would not carry
	}
	if ds := roster.ValidatePersonInput(check, pl.today, pl.ref.items); len(ds) > 0 {
		return plannedPerson{}, fmt.Errorf("scaleseed: generated person %s of enterprise %d is invalid: %s: %s (a bug)", in.Name, e.ID, ds[0].Field, ds[0].Message)
	}
	hash, cipher, err := pl.seal(in.DocNumber)
	if err != nil {
		return plannedPerson{}, err
	}
	sex := ident.SexFemale
	if male {
		sex = ident.SexMale
	}
	p.Person = roster.Person{
		DocType: ident.DocResidentID, IDHash: hash, IDCipher: cipher, IDMasked: ident.MaskID(in.DocNumber),
		Name: in.Name, Sex: sex, BirthDate: &birth, Phone: in.Phone, Education: in.Education, EnterpriseID: e.ID,
		Categories: cat, OperationItems: in.OperationItems, Position: in.Position, DutyStatus: in.DutyStatus,
		AppointedOn: in.AppointedOn, LeftOn: in.LeftOn, PostChangedOn: p.PostChangedOn, EmploymentKind: in.EmploymentKind,
		CreatedAt: pl.now, UpdatedAt: pl.now,
	}
	return p, nil
}

// diligence is how much of the training a person does: a few do little,
// most do what is asked, some more.
func diligence(r *rand.Rand) float64 {
	switch x := r.Float64(); {
	case x < 0.15:
		return 0.1 + 0.3*r.Float64()
	case x < 0.75:
		return 0.7 + 0.6*r.Float64()
	}
	return 1.3 + 0.7*r.Float64()
}

// personName draws a Chinese name: a surname (six in ten from the common
// ones) and one or (four in five) two given-name characters.
func personName(r *rand.Rand, male bool) string {
	family := surnames
	if r.IntN(10) < 6 {
		family = commonSurnames
	}
	given := femaleGiven
	if male {
		given = maleGiven
	}
	name := pickRune(r, family) + pickRune(r, given)
	if r.IntN(5) > 0 {
		name += pickRune(r, given)
	}
	return name
}

// residentID returns a valid ID number born on birth (or, should every
// sequence code of that day be taken, a later day, also returned) no one
// else in the district has.
func (pl *planner) residentID(r *rand.Rand, birth time.Time, male bool) (string, time.Time) {
	area := pickWeighted(r, areas())
	for try := 1; ; try++ {
		id := ident.MakeResidentID(area, birth, r.IntN(499), male)
		if !pl.numbers[id] {
			pl.numbers[id] = true
			return id, birth
		}
		if try%50 == 0 {
			birth = birth.AddDate(0, 0, 1)
		}
	}
}

// mobile returns an 11-digit mobile number no one else has.
func (pl *planner) mobile(r *rand.Rand) string {
	prefixes := mobilePrefixes()
	for {
		p := fmt.Sprintf("%s%08d", pick(r, prefixes), r.IntN(100_000_000))
		if !pl.phones[p] {
			pl.phones[p] = true
			return p
		}
	}
}

// operatorItems are one or (one in four) two items of the enterprise's
// industry, in catalogue order.
func (pl *planner) operatorItems(r *rand.Rand, e *plannedEnterprise) []string {
	list := []string{pick(r, e.items)}
	if chance(r, 0.25) {
		pool := slices.Concat(e.items, []string{"1.2", "2.1"})
		if second := pick(r, pool); second != list[0] && pl.ref.items[second] {
			list = append(list, second)
		}
	}
	slices.SortFunc(list, compareItems)
	return list
}

// compareItems orders item codes as the catalogue does: "5.9" before
// "5.10".
func compareItems(a, b string) int {
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		x, _ := strconv.Atoi(ap[i])
		y, _ := strconv.Atoi(bp[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ap), len(bp))
}

// The shares of duty histories, per thousand people.
const (
	pendingPerMille  = 15 // registered, not yet started (other workers only)
	offPerMille      = 50 // off duty
	returnedPerMille = 25 // back after an absence (twice as many special operators)
	transferPerMille = 30 // changed post in the enterprise (调岗)
	movedPerMille    = 30 // came from another enterprise of the district
	newHirePerMille  = 70 // started in the last six months
)

// duty draws the person's duty status, dates and events. earliest is the
// first day they can have started (the role's start age).
func (pl *planner) duty(r *rand.Rand, p *plannedPerson, in *roster.PersonInput, e *plannedEnterprise, earliest time.Time, cat roster.Category, k int) {
	d := pl.district
	T := pl.today
	earliest = later(earliest, e.founded)
	if limit := T.AddDate(0, 0, -200); earliest.After(limit) {
		earliest = limit
	}
	day := func(n int) time.Time { return T.AddDate(0, 0, n) }
	event := func(ent uint, kind roster.DutyKind, date time.Time, position, note string) {
		d.events = append(d.events, roster.DutyEvent{ID: uint(len(d.events) + 1), PersonID: uint(e.first + k + 1), EnterpriseID: ent,
			Kind: kind, Date: date, Position: position, Note: note, ActorName: "system", CreatedAt: pl.now})
	}
	appoint := func(date time.Time) {
		in.DutyStatus, in.AppointedOn = roster.DutyOn, &date
		p.startOn, p.firstOn = date, date
	}
	for _, it := range in.OperationItems {
		d.items = append(d.items, roster.PersonOperationItem{PersonID: uint(e.first + k + 1), ItemCode: it})
	}

	returned := returnedPerMille
	if cat == roster.CategorySpecialOperator {
		returned *= 2
	}
	roll := r.IntN(1000)
	if cat == roster.CategoryPrincipal || (cat == roster.CategorySafetyManager && k == 1) {
		// The principal and the contact person are in post, a few newly.
		roll = 500
		if chance(r, 0.05) {
			roll = 999
		}
	}
	switch {
	case cat == roster.CategoryOther && roll < pendingPerMille:
		in.DutyStatus = roster.DutyPending
		return

	case roll < pendingPerMille+offPerMille && earliest.Before(day(-120)):
		start := between(r, earliest, day(-120))
		appoint(start)
		left := between(r, start.AddDate(0, 0, 30), day(-3))
		in.DutyStatus, in.LeftOn = roster.DutyOff, &left
		event(e.ID, roster.DutyAppoint, start, in.Position, "")
		event(e.ID, roster.DutyLeave, left, in.Position, "")

	case roll < pendingPerMille+offPerMille+returned && earliest.Before(day(-500)):
		start := between(r, earliest, day(-500))
		left := between(r, start.AddDate(0, 0, 60), day(-230))
		if left.Before(start) {
			left = start
		}
		back := between(r, left.AddDate(0, 0, 20), left.AddDate(0, 0, 150)) // a short absence
		if chance(r, 0.5) {
			back = between(r, left.AddDate(0, 0, 190), day(-3)) // six months or more away
		}
		back = earlier(back, day(-3))
		appoint(start)
		in.AppointedOn, in.LeftOn = &back, &left
		p.returnOn = back
		event(e.ID, roster.DutyAppoint, start, in.Position, "")
		event(e.ID, roster.DutyLeave, left, in.Position, "")
		event(e.ID, roster.DutyReturn, back, in.Position, "离岗后返岗")

	case roll < pendingPerMille+offPerMille+returned+transferPerMille && earliest.Before(day(-400)):
		start := between(r, earliest, day(-400))
		on := between(r, start.AddDate(0, 0, 90), day(-7))
		appoint(start)
		old := in.Position
		switch cat {
		case roster.CategoryOther:
			for in.Position == old {
				in.Position = pick(r, otherPosts())
			}
		case roster.CategorySafetyManager:
			for in.Position == old {
				in.Position = pick(r, managerPosts())
			}
		default:
			in.Position = old + "班长"
		}
		p.PostChangedOn = &on
		event(e.ID, roster.DutyAppoint, start, old, "")
		event(e.ID, roster.DutyTransfer, on, in.Position, "岗位调整")

	case roll < pendingPerMille+offPerMille+returned+transferPerMille+movedPerMille && earliest.Before(day(-1200)) && len(d.enterprises) > 1:
		prev := d.enterprises[r.IntN(len(d.enterprises))].ID
		if prev == e.ID {
			prev = d.enterprises[(int(prev))%len(d.enterprises)].ID
		}
		prevStart := between(r, earliest, day(-1200))
		prevLeft := between(r, prevStart.AddDate(0, 0, 90), day(-400))
		start := between(r, prevLeft.AddDate(0, 0, 7), day(-30))
		appoint(start)
		p.firstOn = prevStart
		in.LeftOn = &prevLeft
		event(prev, roster.DutyAppoint, prevStart, in.Position, "")
		event(prev, roster.DutyLeave, prevLeft, in.Position, "")
		event(e.ID, roster.DutyAppoint, start, in.Position, "")

	case roll >= 1000-newHirePerMille || !earliest.Before(day(-181)):
		start := between(r, later(day(-180), earliest), day(-5))
		appoint(start)
		event(e.ID, roster.DutyAppoint, start, in.Position, "")

	default:
		start := between(r, earliest, day(-181))
		appoint(start)
		event(e.ID, roster.DutyAppoint, start, in.Position, "")
	}
}

// todayOf is the district's date (China time) at now, as midnight UTC.
func todayOf(now time.Time) time.Time {
	y, m, d := now.In(time.FixedZone("CST", 8*3600)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
