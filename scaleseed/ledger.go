package scaleseed

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"anpei/course"
	"anpei/roster"
)

// The ledger: each person's credited learning over the last two years, as
// training_credits rows the plans sum per day and course category. Online
// rows are one course category on one day (at most the daily cap of 8
// online 学时); offline rows are the attendance of sessions their
// enterprise held (offline_trainings), 三级安全教育 and topical training.

// ledgerDays is how far back the ledger goes.
const ledgerDays = 730

// offlineMinuteChoices are the lengths of offline sessions (45 minutes
// to an offline 学时) and onlineMinuteChoices those of a day's online
// learning (at most the daily cap of 8 online 学时).
func offlineMinuteChoices() []int { return []int{45, 90, 90, 120, 135, 180, 240} }
func onlineMinuteChoices() []int  { return []int{20, 30, 30, 45, 60, 60, 90, 120, 180, 240} }

// window is the days a person may have learned on: lo to hi, without the
// days strictly between gapLo and gapHi (an absence).
type window struct {
	lo, hi, gapLo, gapHi time.Time
}

// split returns the length of w's part before the absence, the first day
// of the part after it and that part's length.
func (w window) split() (n1 int, second time.Time, n2 int) {
	if w.gapLo.IsZero() {
		return max(0, daysBetween(w.lo, w.hi)+1), time.Time{}, 0
	}
	n1 = max(0, daysBetween(w.lo, earlier(w.hi, w.gapLo))+1)
	second = later(w.lo, w.gapHi)
	return n1, second, max(0, daysBetween(second, w.hi)+1)
}

// days is the number of days in w.
func (w window) days() int {
	n1, _, n2 := w.split()
	return n1 + n2
}

// day returns the i-th day of w (0 ≤ i < days).
func (w window) day(i int) time.Time {
	n1, second, _ := w.split()
	if i < n1 {
		return w.lo.AddDate(0, 0, i)
	}
	return second.AddDate(0, 0, i-n1)
}

// contains reports whether day is in w.
func (w window) contains(day time.Time) bool {
	if day.Before(w.lo) || day.After(w.hi) {
		return false
	}
	return w.gapLo.IsZero() || !day.After(w.gapLo) || !day.Before(w.gapHi)
}

// windows returns when person p may have learned online (from six months
// before they first started anywhere) and offline (in their current
// enterprise, from two months before they started there), both within
// the ledger's two years and up to yesterday.
func (d *district) windows(p *plannedPerson) (online, offline window) {
	start := d.today.AddDate(0, 0, -ledgerDays)
	hi := d.today.AddDate(0, 0, -1)
	switch p.DutyStatus {
	case roster.DutyPending:
		w := window{lo: d.today.AddDate(0, 0, -90), hi: hi}
		return w, w
	case roster.DutyOff:
		hi = earlier(hi, *p.LeftOn)
	}
	online = window{lo: later(start, p.firstOn.AddDate(0, -6, 0)), hi: hi}
	offline = window{lo: later(start, p.startOn.AddDate(0, -2, 0)), hi: hi}
	if !p.returnOn.IsZero() {
		online.gapLo, online.gapHi = *p.LeftOn, p.returnOn
		offline.gapLo, offline.gapHi = *p.LeftOn, p.returnOn
	}
	return online, offline
}

// ledgerQuotas splits n rows over the people in proportion to how long
// they have been learning and how diligent they are, at most one online
// row per day each. It returns the quotas and how many rows found no room.
func (d *district) ledgerQuotas(n int) ([]int, int) {
	weights := make([]float64, len(d.people))
	limits := make([]int, len(d.people))
	for i := range d.people {
		online, _ := d.windows(&d.people[i])
		limits[i] = online.days()
		weights[i] = d.people[i].diligence * float64(limits[i])
	}
	return apportion(n, weights, limits)
}

// ledgerGen writes the ledger enterprise by enterprise.
type ledgerGen struct {
	seed     uint64
	now      time.Time
	d        *district
	quotas   []int
	cuts     map[int][]hoursCut
	certs    []plannedCert
	recordID uint
	creditID uint
}

// enterprise returns the offline sessions and ledger rows of enterprise
// ei's people, and fills in the hours of their 学时证明.
func (g *ledgerGen) enterprise(ei int) ([]course.OfflineRecord, []course.CreditEntry) {
	d := g.d
	e := &d.enterprises[ei]
	r := stream(g.seed, "ledger", ei)
	type member struct {
		i               int
		online, offline window
		nOn, nOff       int
	}
	members := make([]member, 0, e.staff)
	totalOff, maxOff := 0, 0
	for i := e.first; i < e.first+e.staff; i++ {
		p := &d.people[i]
		m := member{i: i}
		m.online, m.offline = d.windows(p)
		q := g.quotas[i]
		share := 0.25
		if p.Categories.Has(roster.CategoryPrincipal | roster.CategorySafetyManager) {
			share = 0.15
		}
		m.nOff = int(math.Floor(float64(q)*share + r.Float64()))
		m.nOff = min(m.nOff, q, m.offline.days())
		m.nOn = q - m.nOff
		totalOff += m.nOff
		maxOff = max(maxOff, m.nOff)
		members = append(members, m)
	}

	// The enterprise's sessions, by date; each person attends nOff of
	// those held while they worked there (fewer if there were not so
	// many: the rest of their quota is learned online).
	type session struct {
		day       time.Time
		topic     offlineTopic
		minutes   int
		teacher   string
		place     string
		attendees []int
		id        uint
	}
	var sessions []session
	if totalOff > 0 {
		per := min(max(e.staff/4, 2), 40)
		n := (totalOff+per-1)/per + maxOff
		for range n {
			sessions = append(sessions, session{
				day:     d.today.AddDate(0, 0, -1-r.IntN(ledgerDays)),
				topic:   pick(r, offlineTopics()),
				minutes: pick(r, offlineMinuteChoices()),
				teacher: personName(r, chance(r, 0.6)),
				place:   pick(r, offlinePlaces()),
			})
		}
		sort.SliceStable(sessions, func(a, b int) bool { return sessions[a].day.Before(sessions[b].day) })
	}
	for k := range members {
		m := &members[k]
		if m.nOff == 0 {
			continue
		}
		lo := sort.Search(len(sessions), func(j int) bool { return !sessions[j].day.Before(m.offline.lo) })
		var open []int
		for j := lo; j < len(sessions) && !sessions[j].day.After(m.offline.hi); j++ {
			if m.offline.contains(sessions[j].day) {
				open = append(open, j)
			}
		}
		take := min(m.nOff, len(open))
		for t := 0; t < take; t++ { // a partial shuffle picks take of them
			u := t + r.IntN(len(open)-t)
			open[t], open[u] = open[u], open[t]
			sessions[open[t]].attendees = append(sessions[open[t]].attendees, m.i)
		}
		m.nOn += m.nOff - take
		m.nOff = take
	}

	var (
		records []course.OfflineRecord
		rows    []course.CreditEntry
	)
	for j := range sessions {
		s := &sessions[j]
		if len(s.attendees) == 0 {
			continue
		}
		g.recordID++
		s.id = g.recordID
		from := time.Date(s.day.Year(), s.day.Month(), s.day.Day(), 0, 0, 0, 0, china()).UTC()
		to := from.Add(time.Duration(s.minutes) * time.Minute)
		created := earlier(to.Add(time.Duration(18+r.IntN(48))*time.Hour), g.now)
		records = append(records, course.OfflineRecord{ID: s.id, EnterpriseID: e.ID, Category: s.topic.category, Date: from,
			Minutes: s.minutes, Content: s.topic.content, Teacher: s.teacher, Place: s.place, Attendees: len(s.attendees),
			CreatedAt: created})
		for _, i := range s.attendees {
			g.creditID++
			rows = append(rows, course.CreditEntry{ID: g.creditID, PersonID: uint(i + 1), Online: false, Category: s.topic.category,
				Day: s.day.Format(time.DateOnly), OfflineID: s.id, FromAt: from, ToAt: to,
				MS: int64(s.minutes) * time.Minute.Milliseconds(), CreatedAt: created})
			g.count(i, s.day.Format(time.DateOnly), s.minutes, false)
		}
	}
	for _, m := range members {
		if m.nOn == 0 {
			continue
		}
		p := &d.people[m.i]
		topics := workerTopics()
		switch {
		case p.Categories.Has(roster.CategoryPrincipal | roster.CategorySafetyManager):
			topics = managerTopics()
		case p.Categories.Has(roster.CategorySpecialOperator):
			topics = operatorTopics()
		}
		pr := stream(g.seed, "online", m.i)
		for _, idx := range sample(pr, m.online.days(), m.nOn) {
			day := m.online.day(idx)
			minutes := pick(pr, onlineMinuteChoices())
			from := time.Date(day.Year(), day.Month(), day.Day(), 8+pr.IntN(12), pr.IntN(60), pr.IntN(60), 0, china()).UTC()
			to := from.Add(time.Duration(minutes) * time.Minute)
			g.creditID++
			ms := int64(minutes) * time.Minute.Milliseconds()
			rows = append(rows, course.CreditEntry{ID: g.creditID, PersonID: p.ID, Online: true, Category: pick(pr, topics),
				Day: day.Format(time.DateOnly), SegEnd: ms, FromAt: from, ToAt: to, MS: ms, CreatedAt: to})
			g.count(m.i, day.Format(time.DateOnly), minutes, true)
		}
	}
	return records, rows
}

// count adds a row's minutes to the 学时证明 of person i issued on or
// after its day.
func (g *ledgerGen) count(i int, day string, minutes int, online bool) {
	for _, c := range g.cuts[i] {
		if day > c.day {
			continue
		}
		pc := &g.certs[c.cert]
		if online {
			pc.onlineMin += minutes
		} else {
			pc.offlineMin += minutes
		}
	}
}

// sample returns k distinct numbers of [0, n) (all of them when k ≥ n),
// by Floyd's algorithm when k is small against n.
func sample(r *rand.Rand, n, k int) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	if k > n/4 {
		perm := r.Perm(n)
		return perm[:k]
	}
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for j := n - k; j < n; j++ {
		t := r.IntN(j + 1)
		if seen[t] {
			t = j
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
