package scaleseed

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"anpei/certs"
	"anpei/certs/signing"
	"anpei/hours"
	"anpei/roster"
)

// The certificate kinds of certs/data/kinds.json the district holds.
const (
	kindTraining       = "training_pass"
	kindHours          = "hours_record"
	kindAssessment     = "manager_assessment"
	kindOpTraining     = "special_op_training"
	kindSpecial        = "special_operation"
	kindQualification  = "safety_qualification"
	issuedReason       = "规模测试数据：培训考核合格"
	registeredDetail   = "登记主管部门颁发的证书，待核验"
	verifiedDetail     = "已与全国安全生产考试信息查询平台核对"
	verifiedNote       = "已在全国安全生产考试信息查询平台核对（规模测试数据）"
	extendedReason     = "连续从事本工种满10年，无违章记录"
	suspendedReason    = "违章作业被查处，暂停使用待处理"
	cancelledReason    = "本人申请注销"
	revokedGroundLabel = "对生产安全事故负有责任"
)

// plannedCert is one certificate as planned: compact, since a province
// holds hundreds of thousands; write turns it into its row and events.
type plannedCert struct {
	person   int32 // index into district.people
	kind     string
	item     string
	number   string
	issued   time.Time
	dates    certs.Dates
	last     time.Time // the last review passed, zero for none
	extended bool
	external bool
	state    certs.State
	reason   string
	// When things happened: registration or issue (at), the review, the
	// extension, the verification and the state change (zero: never).
	at, reviewAt, extendedAt, verifiedAt, stateAt time.Time
	// The minutes a 学时证明 attests, counted from the ledger up to its day.
	onlineMin, offlineMin int
}

// hoursCut asks the ledger for a person's hours up to a day, for the
// 学时证明 cert issued that day.
type hoursCut struct {
	day  string
	cert int
}

// certPlan is the district's certificates.
type certPlan struct {
	list []plannedCert
	cuts map[int][]hoursCut // by person index
	seqs map[seqKey]int64   // the last sequence number used per kind and year
}

type seqKey struct {
	kind string
	year int
}

// certPlanner draws the certificates.
type certPlanner struct {
	seed      uint64
	today     time.Time
	now       time.Time
	kinds     *certs.Kinds
	pattern   certs.NumberPattern
	authority string
	d         *district
	plan      *certPlan
	numbers   map[string]bool
	legacy    int
}

// planCertificates draws n certificates: first what people's posts call
// for (special operators' state certificates, one per item where they have
// one; principals' and safety managers' assessment), then the district's
// own annual training and hours certificates, round after round (this
// year's, last year's, …) over the people in a shuffled order until n are
// drawn.
func planCertificates(n int, seed uint64, now time.Time, d *district, kinds *certs.Kinds, pattern certs.NumberPattern, authority string) (*certPlan, error) {
	for _, code := range []string{kindTraining, kindHours, kindAssessment, kindOpTraining, kindSpecial, kindQualification} {
		if _, ok := kinds.Get(code); !ok {
			return nil, fmt.Errorf("scaleseed: certificate kind %q is not in the kind table", code)
		}
	}
	cp := &certPlanner{seed: seed, today: d.today, now: now, kinds: kinds, pattern: pattern, authority: authority, d: d,
		plan: &certPlan{cuts: map[int][]hoursCut{}, seqs: map[seqKey]int64{}}, numbers: make(map[string]bool, n)}
	for i := range d.people {
		if len(cp.plan.list) >= n {
			break
		}
		cp.essential(stream(seed, "certs", i+1), i)
	}
	if len(cp.plan.list) > n {
		cp.plan.list = cp.plan.list[:n]
	}
	order := stream(seed, "filler", 0).Perm(len(d.people))
	for round := 0; len(cp.plan.list) < n && round < 12; round++ {
		for _, i := range order {
			if len(cp.plan.list) >= n {
				break
			}
			cp.filler(stream(seed, fmt.Sprintf("filler%d", round), i), i, round)
		}
	}
	// Number the district's own certificates now that the list is final,
	// per kind and year in list order, as issuance would have.
	for i := range cp.plan.list {
		c := &cp.plan.list[i]
		if c.external {
			continue
		}
		k, _ := kinds.Get(c.kind)
		key := seqKey{c.kind, c.issued.Year()}
		cp.plan.seqs[key]++
		r := stream(seed, "number", i)
		for {
			num := pattern.Format(k.Prefix, key.year, cp.plan.seqs[key], checkChars(r))
			if !cp.numbers[num] {
				cp.numbers[num] = true
				c.number = num
				break
			}
		}
		if c.kind == kindHours {
			cp.plan.cuts[int(c.person)] = append(cp.plan.cuts[int(c.person)], hoursCut{day: c.issued.Format(time.DateOnly), cert: i})
		}
	}
	return cp.plan, nil
}

// essential draws the certificates person i's post calls for.
func (cp *certPlanner) essential(r *rand.Rand, i int) {
	p := &cp.d.people[i]
	e := &cp.d.enterprises[p.ent]
	if p.DutyStatus == roster.DutyPending {
		return
	}
	T := cp.today
	newHire := p.startOn.After(T.AddDate(0, 0, -180))
	switch {
	case p.Categories.Has(roster.CategorySpecialOperator):
		for n, item := range p.OperationItems {
			roll := r.Float64()
			switch {
			case n == 0 && newHire && roll < 0.12:
				cp.anpei(r, i, kindOpTraining, item, between(r, later(p.startOn.AddDate(0, 0, -60), T.AddDate(0, 0, -300)), T.AddDate(0, 0, -5)))
			case n == 0 && (roll < 0.94 && !newHire || roll < 0.80):
				cp.special(r, i, item, "T"+p.number)
			case n == 0:
				// An uncertified special operator: a major hazard the
				// compliance dashboard lists.
			case roll < 0.50:
				cp.anpei(r, i, kindOpTraining, item, between(r, T.AddDate(0, -15, 0), T.AddDate(0, 0, -5)))
			case roll < 0.85:
				cp.legacy++
				cp.special(r, i, item, "") // an older card of the second item, numbered the old way
			}
		}
	case p.Categories.Has(roster.CategoryPrincipal | roster.CategorySafetyManager):
		if newHire && chance(r, 0.5) {
			return // still within the six months to be assessed
		}
		if e.assess {
			if chance(r, 0.9) {
				cp.qualification(r, i)
			}
			return
		}
		if chance(r, 0.8) {
			from := later(T.AddDate(0, -40, 0), p.firstOn.AddDate(0, -3, 0))
			cp.anpei(r, i, kindAssessment, "", between(r, from, T.AddDate(0, 0, -10)))
		}
	}
}

// filler draws the district's annual certificate of round for person i:
// even rounds a 培训合格证明, odd rounds a 学时证明, of the year round/2
// back, issued while the person worked (or before they started, for
// pre-job training).
func (cp *certPlanner) filler(r *rand.Rand, i, round int) {
	p := &cp.d.people[i]
	if p.DutyStatus == roster.DutyPending || (round == 0 && chance(r, 0.08)) {
		return
	}
	T := cp.today
	back := round / 2
	lo := T.AddDate(-back-1, 0, 1)
	hi := T.AddDate(-back, 0, -1)
	lo = later(lo, p.firstOn.AddDate(0, 0, -30))
	if p.DutyStatus == roster.DutyOff {
		hi = earlier(hi, *p.LeftOn)
	}
	if hi.Before(lo) {
		return
	}
	kind := kindTraining
	if round%2 == 1 {
		kind = kindHours
	}
	cp.anpei(r, i, kind, "", between(r, lo, hi))
}

// anpei plans a certificate of one of the district's kinds issued on day.
func (cp *certPlanner) anpei(r *rand.Rand, i int, kind, item string, day time.Time) {
	k, _ := cp.kinds.Get(kind)
	c := plannedCert{person: int32(i), kind: kind, item: item, issued: day, dates: k.Schedule(day, false), state: certs.StateActive,
		at: cp.at(r, day)}
	cp.lifecycle(r, &c, true)
	cp.plan.list = append(cp.plan.list, c)
}

// special plans a state special-operation certificate of item (numbered
// "T" + the ID number, or the old provincial way when number is empty):
// issued in the last six and a half years; reviewed when due (most),
// missed (some); registered in anpei when the platform started or when
// issued since.
func (cp *certPlanner) special(r *rand.Rand, i int, item, number string) {
	p := &cp.d.people[i]
	k, _ := cp.kinds.Get(kindSpecial)
	T := cp.today
	issued := between(r, later(T.AddDate(0, -78, 0), p.BirthDate.AddDate(18, 0, 0)), T.AddDate(0, 0, -20))
	if number == "" {
		number = fmt.Sprintf("5303%04d%06d", issued.Year(), cp.legacy)
	}
	c := plannedCert{person: int32(i), kind: kindSpecial, item: item, number: number, issued: issued, external: true, state: certs.StateActive}
	c.extended = issued.Before(T.AddDate(-3, 0, 0)) && chance(r, 0.08)
	c.dates = k.Schedule(issued, c.extended)
	if due := c.dates.NextReview; !due.IsZero() && !due.After(T) && chance(r, 0.88) {
		c.last = between(r, due.AddDate(0, 0, -k.ReviewWindowDays), due)
		c.dates = k.AfterReview(c.dates, c.extended)
	}
	cp.register(r, &c)
	if !c.last.IsZero() && !c.last.Before(certs.Day(c.at)) {
		c.reviewAt = cp.at(r, c.last)
	}
	if c.extended {
		c.extendedAt = c.at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
	}
	cp.lifecycle(r, &c, false)
	cp.numbers[c.number] = true
	cp.plan.list = append(cp.plan.list, c)
}

// qualification plans a state 安全生产知识和管理能力考核合格证 of a
// principal or safety manager.
func (cp *certPlanner) qualification(r *rand.Rand, i int) {
	p := &cp.d.people[i]
	k, _ := cp.kinds.Get(kindQualification)
	T := cp.today
	issued := between(r, later(T.AddDate(0, -40, 0), p.BirthDate.AddDate(22, 0, 0)), T.AddDate(0, 0, -10))
	cp.legacy++
	c := plannedCert{person: int32(i), kind: kindQualification, number: fmt.Sprintf("53%04d%06d", issued.Year(), cp.legacy),
		issued: issued, dates: k.Schedule(issued, false), external: true, state: certs.StateActive}
	cp.register(r, &c)
	cp.lifecycle(r, &c, false)
	cp.numbers[c.number] = true
	cp.plan.list = append(cp.plan.list, c)
}

// register sets when a state certificate was registered in anpei (the
// enterprises entered what their people held when the platform started
// two years ago, and new ones since) and whether and when it was verified.
func (cp *certPlanner) register(r *rand.Rand, c *plannedCert) {
	T := cp.today
	from := later(c.issued, T.AddDate(-2, 0, 0))
	c.at = cp.at(r, between(r, from, earlier(from.AddDate(0, 0, 90), T)))
	if chance(r, 0.8) {
		c.verifiedAt = cp.after(r, c.at, 120)
	}
}

// lifecycle suspends, revokes or (the district's own certificates)
// cancels a few certificates some time after they were issued.
func (cp *certPlanner) lifecycle(r *rand.Rand, c *plannedCert, own bool) {
	roll := r.Float64()
	var st certs.State
	switch {
	case roll < 0.010:
		st, c.reason = certs.StateSuspended, suspendedReason
	case roll < 0.014:
		st, c.reason = certs.StateRevoked, revokedGroundLabel+"：规模测试数据"
	case roll < 0.016 && own:
		st, c.reason = certs.StateCancelled, cancelledReason
	default:
		return
	}
	at := cp.after(r, later(c.at, c.verifiedAt), 365)
	if at.IsZero() {
		c.reason = ""
		return
	}
	c.state, c.stateAt = st, at
}

// at is a moment of office hours on day, but never after now.
func (cp *certPlanner) at(r *rand.Rand, day time.Time) time.Time {
	return earlier(atTime(r, day), cp.now)
}

// after is a moment on one of the days days after t, not after now; zero
// when there is no room before now.
func (cp *certPlanner) after(r *rand.Rand, t time.Time, days int) time.Time {
	day := certs.Day(t)
	at := earlier(atTime(r, between(r, day.AddDate(0, 0, 1), earlier(day.AddDate(0, 0, days), cp.today))), cp.now)
	if !at.After(t) {
		at = t.Add(time.Hour)
	}
	if at.After(cp.now) {
		return time.Time{}
	}
	return at
}

// atTime is a moment of office hours (China time) on day.
func atTime(r *rand.Rand, day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 1+r.IntN(8), r.IntN(60), r.IntN(60), 0, time.UTC) // 09:00–16:59 CST
}

// checkChars are the random part of a number, from the seeded source
// (certs.NumberPattern.New draws them from crypto/rand).
func checkChars(r *rand.Rand) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 8)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// row is the certificate as stored, with its history (IDs from firstEvent
// on) and the history as the public verify page shows it.
func (c *plannedCert) row(id uint, firstEvent uint, p *plannedPerson, k certs.Kind, authority string, seed uint64) (certs.Certificate, []certs.Event, error) {
	issuer := authority
	if c.external {
		issuer = k.Authority
	}
	out := certs.Certificate{
		ID: id, Number: c.number, Kind: c.kind, PersonID: p.ID, EnterpriseID: p.EnterpriseID, HolderName: p.Name, IDMasked: p.IDMasked,
		OperationItem: c.item, IssuedOn: c.issued, ReviewExtended: c.extended, State: c.state, StateReason: c.reason,
		Issuer: issuer, External: c.external,
	}
	if c.kind == kindHours {
		on, off := hours.FromMinutes(c.onlineMin, true), hours.FromMinutes(c.offlineMin, false)
		out.Hours = "线上 " + on.String() + " 学时，线下 " + off.String() + " 学时，共 " + (on + off).String() + " 学时"
	}
	out.ValidUntil = datePtr(c.dates.ValidUntil)
	out.NextReview = datePtr(c.dates.NextReview)
	out.LastReview = datePtr(c.last)
	// The salted ID hashes of the QR token and the Open Badges export, as
	// signing.SaltedHashes makes them, with the salt from the seeded source.
	salt := make([]byte, 9)
	r := stream(seed, "salt", int(id))
	for i := range salt {
		salt[i] = byte(r.UintN(256))
	}
	out.IDSalt = base64.RawURLEncoding.EncodeToString(salt)
	out.IDHash = signing.HashID(out.IDSalt, p.number)
	out.BadgeHash = signing.OBIdentityHash(p.number, out.IDSalt)

	var events []certs.Event
	add := func(action string, at time.Time, reason, detail string) {
		events = append(events, certs.Event{ID: firstEvent + uint(len(events)), CertificateID: id, Action: action, At: at, Reason: reason, Detail: detail})
	}
	if c.external {
		add("registered", c.at, "", registeredDetail)
	} else {
		add("issued", c.at, issuedReason, "证书编号 "+c.number)
	}
	if !c.extendedAt.IsZero() {
		add("extended", c.extendedAt, extendedReason, fmt.Sprintf("复审间隔延长至每%d年", k.ExtendedReviewMonths/12)+nextReviewSuffix(c.dates))
	}
	if !c.reviewAt.IsZero() {
		detail := "复审合格（" + c.last.Format(time.DateOnly) + "）；"
		if c.dates.NextReview.IsZero() {
			detail += "有效期至 " + c.dates.ValidUntil.Format(time.DateOnly) + "，届时办理延期复审换证"
		} else {
			detail += "下次复审 " + c.dates.NextReview.Format(time.DateOnly)
		}
		add("reviewed", c.reviewAt, "", detail)
	}
	if !c.verifiedAt.IsZero() {
		add("verified", c.verifiedAt, verifiedNote, verifiedDetail)
		at := c.verifiedAt
		out.Verified, out.VerifiedAt = true, &at
	}
	switch c.state {
	case certs.StateSuspended:
		add("suspend", c.stateAt, c.reason, "")
	case certs.StateRevoked:
		add("revoke", c.stateAt, c.reason, "")
	case certs.StateCancelled:
		add("cancel", c.stateAt, c.reason, "")
	}
	slices.SortStableFunc(events, func(a, b certs.Event) int { return a.At.Compare(b.At) })
	for i := range events {
		events[i].ID = firstEvent + uint(i)
	}
	history, err := publicHistory(events)
	if err != nil {
		return certs.Certificate{}, nil, err
	}
	out.PublicHistory = history
	out.CreatedAt, out.UpdatedAt = events[0].At, events[len(events)-1].At
	return out, events, nil
}

// eventCount is how many history events row makes.
func (c *plannedCert) eventCount() int {
	n := 1
	for _, t := range []time.Time{c.extendedAt, c.reviewAt, c.verifiedAt, c.stateAt} {
		if !t.IsZero() {
			n++
		}
	}
	return n
}

func nextReviewSuffix(d certs.Dates) string {
	if d.NextReview.IsZero() {
		return ""
	}
	return "，下次复审 " + d.NextReview.Format(time.DateOnly)
}

// publicHistory is the history as the verify page reads it, built the way
// the certificate store appends each event: the date in China time, the
// action, and the detail of the steps whose detail is public.
func publicHistory(events []certs.Event) (string, error) {
	list := make([]certs.PublicEvent, len(events))
	for i, e := range events {
		list[i] = certs.PublicEvent{Date: e.At.In(china()).Format(time.DateOnly), Action: e.Action}
		switch e.Action {
		case "reviewed", "extended", "issued", "registered", "verified":
			list[i].Detail = e.Detail
		}
	}
	b, err := json.Marshal(list)
	return string(b), err
}

func china() *time.Location { return time.FixedZone("CST", 8*3600) }

func datePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
