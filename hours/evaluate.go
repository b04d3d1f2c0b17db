package hours

import (
	"slices"
	"time"
)

// Credit is a stretch of learning the ledger has credited: minutes of an
// online course or of a recorded offline session, in one course category,
// at one time.
type Credit struct {
	Minutes        int
	Online         bool
	CourseCategory string
	At             time.Time
}

// Status is how a requirement stands.
type Status string

// The statuses. DueSoon starts AlertDays before the last day.
const (
	StatusDone    Status = "done"
	StatusOnTrack Status = "on_track"
	StatusDueSoon Status = "due_soon"
	StatusOverdue Status = "overdue"
)

// Label is the status in Chinese, or "" for an unknown status.
func (s Status) Label() string {
	switch s {
	case StatusDone:
		return "已完成"
	case StatusOnTrack:
		return "进行中"
	case StatusDueSoon:
		return "即将到期"
	case StatusOverdue:
		return "已逾期"
	}
	return ""
}

// Progress is a requirement with the credited minutes counted toward it.
type Progress struct {
	Requirement
	DoneMinutesOnline  int
	DoneMinutesOffline int
	DoneHours          Hours // from the minutes: 30 online or 45 offline to a 学时
	Remaining          Hours // never negative
	Status             Status
}

// Evaluate counts the ledger's credits toward reqs as of today and returns
// one Progress per requirement, in the order of reqs. A credit counts
// toward a requirement when its category is one the requirement allows,
// it has positive minutes and its time falls in [From, To) and no later
// than the end of today (China time). Requirements take credits in order
// of deadline, oldest credits first, and only the whole minutes they still
// need; a minute taken by one requirement is not available to another
// unless both belong to the same share group. So surplus minutes flow to
// the next requirement, and a requirement's done hours stop at (or within a
// minute above) its hours.
func Evaluate(reqs []Requirement, ledger []Credit, today time.Time) []Progress {
	t := dayOf(today)
	horizon := t.AddDate(0, 0, 1)

	type pool struct {
		Credit
		free   int            // minutes no requirement has taken
		shared map[string]int // minutes taken by a share group, reusable within it
	}
	pools := make([]*pool, 0, len(ledger))
	for _, c := range ledger {
		if c.Minutes > 0 && c.At.Before(horizon) {
			pools = append(pools, &pool{Credit: c, free: c.Minutes, shared: map[string]int{}})
		}
	}
	slices.SortStableFunc(pools, func(a, b *pool) int { return a.At.Compare(b.At) })

	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := reqs[i].To, reqs[j].To
		if a.IsZero() != b.IsZero() {
			if a.IsZero() {
				return 1
			}
			return -1
		}
		return a.Compare(b)
	})

	out := make([]Progress, len(reqs))
	for _, i := range order {
		r := reqs[i]
		p := Progress{Requirement: r}
		need := r.Hours
		for _, c := range pools {
			if need <= 0 {
				break
			}
			if !slices.Contains(r.CourseCategories, c.CourseCategory) || c.At.Before(r.From) ||
				(!r.To.IsZero() && !c.At.Before(r.To)) {
				continue
			}
			per := perMinute(c.Online)
			want := int((need + per - 1) / per)
			took := 0
			if r.Share != "" {
				took = min(c.shared[r.Share], want)
			}
			fresh := min(c.free, want-took)
			c.free -= fresh
			if r.Share != "" {
				c.shared[r.Share] += fresh
			}
			took += fresh
			if c.Online {
				p.DoneMinutesOnline += took
			} else {
				p.DoneMinutesOffline += took
			}
			need -= Hours(took) * per
		}
		p.DoneHours = FromMinutes(p.DoneMinutesOnline, true) + FromMinutes(p.DoneMinutesOffline, false)
		p.Remaining = max(r.Hours-p.DoneHours, 0)
		p.Status = status(r, p.Remaining, t)
		out[i] = p
	}
	return out
}

// status is how requirement r stands on day t with remaining 学时 to go.
func status(r Requirement, remaining Hours, t time.Time) Status {
	switch {
	case remaining == 0:
		return StatusDone
	case r.Due.IsZero():
		return StatusOnTrack
	case t.After(r.Due):
		return StatusOverdue
	case !t.Before(r.Due.AddDate(0, 0, -r.AlertDays)):
		return StatusDueSoon
	}
	return StatusOnTrack
}
