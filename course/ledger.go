package course

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"anpei/account"
	"anpei/hours"
)

// Ledger reading: 学时 are always computed here from credited minutes (30
// online or 45 offline to a 学时), never stored.

// credits returns a person's ledger as the hours package counts it: whole
// minutes per day, course category and kind (online or offline).
func (s *Store) credits(ctx context.Context, personID uint) ([]hours.Credit, error) {
	type row struct {
		Day      string
		Category string
		Online   bool
		MS       int64
	}
	var rows []row
	err := s.db.WithContext(ctx).Model(&CreditEntry{}).
		Select("day, category, online, SUM(ms) AS ms").
		Where("person_id = ?", personID).Group("day, category, online").Order("day").Scan(&rows).Error
	if err != nil {
		return nil, asFault(err)
	}
	out := make([]hours.Credit, 0, len(rows))
	for _, r := range rows {
		at, err := time.ParseInLocation(time.DateOnly, r.Day, hours.ChinaTime())
		if err != nil {
			continue
		}
		if m := int(r.MS / time.Minute.Milliseconds()); m > 0 {
			out = append(out, hours.Credit{Minutes: m, Online: r.Online, CourseCategory: r.Category, At: at})
		}
	}
	return out, nil
}

// RequirementView is one requirement of a plan with its progress, for the
// API and the pages.
type RequirementView struct {
	Code          string       `json:"code"`
	Label         string       `json:"label"`
	Trigger       string       `json:"trigger"`
	TriggerLabel  string       `json:"trigger_label"`
	Required      string       `json:"required_hours"`
	Done          string       `json:"done_hours"`
	Remaining     string       `json:"remaining_hours"`
	Percent       int          `json:"percent"`
	DoneOnlineMin int          `json:"done_online_minutes"`
	DoneOffline   int          `json:"done_offline_minutes"`
	From          string       `json:"from"`
	Due           string       `json:"due,omitempty"`
	Status        hours.Status `json:"status"`
	StatusLabel   string       `json:"status_label"`
	Categories    []string     `json:"course_categories"`
	Source        string       `json:"source"`
	Assessment    bool         `json:"assessment"`
}

// Plan is a person's training plan for a year: requirements with required
// and done hours.
type Plan struct {
	PersonID     uint              `json:"person_id"`
	Name         string            `json:"name"`
	Year         int               `json:"year"`
	Requirements []RequirementView `json:"requirements"`
}

// PlanOf returns the plan of the learner p for the current year.
func (s *Store) PlanOf(ctx context.Context, p account.Principal) (Plan, error) {
	l, err := s.learnerOf(ctx, p)
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, l)
}

func (s *Store) plan(ctx context.Context, l Learner) (Plan, error) {
	now := s.opt.Now().In(hours.ChinaTime())
	reqs := hours.Derive(l.Person, l.IndustryInfo, l.Duty, now.Year(), now, s.opt.Table)
	ledger, err := s.credits(ctx, l.PersonID)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{PersonID: l.PersonID, Name: l.Name, Year: now.Year(), Requirements: []RequirementView{}}
	for _, pr := range hours.Evaluate(reqs, ledger, now) {
		plan.Requirements = append(plan.Requirements, requirementView(pr))
	}
	return plan, nil
}

func requirementView(p hours.Progress) RequirementView {
	v := RequirementView{
		Code: p.Code, Label: p.Label, Trigger: string(p.Trigger), TriggerLabel: p.Trigger.Label(),
		Required: p.Hours.String(), Done: p.DoneHours.String(), Remaining: p.Remaining.String(),
		DoneOnlineMin: p.DoneMinutesOnline, DoneOffline: p.DoneMinutesOffline,
		From: p.From.In(hours.ChinaTime()).Format(time.DateOnly), Status: p.Status, StatusLabel: p.Status.Label(),
		Categories: p.CourseCategories, Source: p.Source, Assessment: p.Assessment,
	}
	if !p.Due.IsZero() {
		v.Due = p.Due.In(hours.ChinaTime()).Format(time.DateOnly)
	}
	if p.Hours > 0 {
		v.Percent = int(min(100, p.DoneHours*100/p.Hours))
	} else {
		v.Percent = 100
	}
	return v
}

// HoursSummary is a person's ledger: credited time online and offline, by
// course category, and every reason time was not credited.
type HoursSummary struct {
	PersonID       uint             `json:"person_id"`
	Name           string           `json:"name"`
	OnlineMS       int64            `json:"online_ms"`
	OnlineHours    string           `json:"online_hours"`
	OfflineMinutes int              `json:"offline_minutes"`
	OfflineHours   string           `json:"offline_hours"`
	TotalHours     string           `json:"total_hours"`
	ByCategory     []CategoryHours  `json:"by_category"`
	ExcludedMS     int64            `json:"excluded_ms"`
	Excluded       []ExclusionTotal `json:"excluded"`
	Plan           Plan             `json:"plan"`
}

// CategoryHours is credited time in one course category.
type CategoryHours struct {
	Category       string `json:"category"`
	Label          string `json:"label"`
	OnlineMinutes  int    `json:"online_minutes"`
	OfflineMinutes int    `json:"offline_minutes"`
	Hours          string `json:"hours"`
}

// ExclusionTotal is the time not credited for one reason.
type ExclusionTotal struct {
	Reason  Reason `json:"reason"`
	Label   string `json:"label"`
	WallMS  int64  `json:"wall_ms"`
	SegMS   int64  `json:"segment_ms"`
	Count   int    `json:"count"`
	Message string `json:"message"`
}

// HoursOf returns person id's ledger summary if p may see the person (the
// person themself, their enterprise's admin, a regulator over it, the
// admin).
func (s *Store) HoursOf(ctx context.Context, p account.Principal, id uint) (HoursSummary, error) {
	if s.opt.CanSee != nil {
		if err := s.opt.CanSee(ctx, p, id); err != nil {
			return HoursSummary{}, err
		}
	} else if p.PersonID != id {
		return HoursSummary{}, ErrPersonNotFound
	}
	l, err := s.opt.Learner(ctx, id)
	if err != nil {
		return HoursSummary{}, err
	}
	out := HoursSummary{PersonID: id, Name: l.Name, ByCategory: []CategoryHours{}, Excluded: []ExclusionTotal{}}
	ledger, err := s.credits(ctx, id)
	if err != nil {
		return HoursSummary{}, err
	}
	var total hours.Hours
	byCat := map[string]*CategoryHours{}
	for _, c := range ledger {
		ch := byCat[c.CourseCategory]
		if ch == nil {
			ch = &CategoryHours{Category: c.CourseCategory, Label: s.opt.Table.CourseCategoryLabel(c.CourseCategory)}
			byCat[c.CourseCategory] = ch
		}
		if c.Online {
			ch.OnlineMinutes += c.Minutes
		} else {
			ch.OfflineMinutes += c.Minutes
			out.OfflineMinutes += c.Minutes
		}
		total += hours.FromMinutes(c.Minutes, c.Online)
	}
	type sum struct{ MS int64 }
	var online sum
	if err := s.db.WithContext(ctx).Model(&CreditEntry{}).Select("COALESCE(SUM(ms), 0) AS ms").
		Where("person_id = ? AND online = ?", id, true).Scan(&online).Error; err != nil {
		return HoursSummary{}, asFault(err)
	}
	out.OnlineMS = online.MS
	var onlineMin int
	for _, ch := range byCat {
		ch.Hours = (hours.FromMinutes(ch.OnlineMinutes, true) + hours.FromMinutes(ch.OfflineMinutes, false)).String()
		onlineMin += ch.OnlineMinutes
		out.ByCategory = append(out.ByCategory, *ch)
	}
	sort.Slice(out.ByCategory, func(i, j int) bool { return out.ByCategory[i].Category < out.ByCategory[j].Category })
	out.OnlineHours = hours.FromMinutes(onlineMin, true).String()
	out.OfflineHours = hours.FromMinutes(out.OfflineMinutes, false).String()
	out.TotalHours = total.String()
	if out.Excluded, out.ExcludedMS, err = s.exclusions(ctx, id, ""); err != nil {
		return HoursSummary{}, err
	}
	if out.Plan, err = s.plan(ctx, l); err != nil {
		return HoursSummary{}, err
	}
	return out, nil
}

// exclusions totals a person's excluded time by reason, optionally for one
// playback session.
func (s *Store) exclusions(ctx context.Context, personID uint, session string) ([]ExclusionTotal, int64, error) {
	var rows []ExclusionTotal
	q := s.db.WithContext(ctx).Model(&ExclusionEntry{}).
		Select("reason, SUM(wall_ms) AS wall_ms, SUM(seg_end - seg_start) AS seg_ms, COUNT(*) AS count").
		Where("person_id = ?", personID)
	if session != "" {
		q = q.Where("session_id = ?", session)
	}
	if err := q.Group("reason").Order("reason").Scan(&rows).Error; err != nil {
		return nil, 0, asFault(err)
	}
	// Short stalls the active session holds back count as one more stall
	// (see SettleStall).
	buf, err := bufferedStall(s.db.WithContext(ctx), personID, session)
	if err != nil {
		return nil, 0, asFault(err)
	}
	if buf.Wall > 0 {
		i := sort.Search(len(rows), func(i int) bool { return rows[i].Reason >= ReasonStall })
		if i == len(rows) || rows[i].Reason != ReasonStall {
			rows = slices.Insert(rows, i, ExclusionTotal{Reason: ReasonStall})
		}
		rows[i].WallMS += buf.Wall.Milliseconds()
		rows[i].Count++
	}
	var total int64
	out := []ExclusionTotal{}
	for _, r := range rows {
		r.Label = r.Reason.Label()
		r.Message = exclusionMessage(r)
		total += r.WallMS
		out = append(out, r)
	}
	return out, total, nil
}

// exclusionMessage says in a sentence what was not credited and why, e.g.
// "有 3 分钟未计入：未通过在线确认".
func exclusionMessage(e ExclusionTotal) string {
	switch {
	case e.WallMS >= time.Minute.Milliseconds():
		return "有 " + itoa(int(e.WallMS/time.Minute.Milliseconds())) + " 分钟未计入：" + e.Label
	case e.WallMS > 0:
		return "有 " + itoa(int(e.WallMS/1000)) + " 秒未计入：" + e.Label
	case e.SegMS > 0:
		return "有 " + itoa(int(e.SegMS/1000)) + " 秒课程内容未计入：" + e.Label
	}
	return itoa(e.Count) + " 次学习进度未计入：" + e.Label
}

// Unmet says, for each hours-table rule, why the person has not yet done
// its requirement this year ("" when it is done, or when the rule does not
// apply to them): the training an exam may require before a candidate
// sits it.
func (s *Store) Unmet(ctx context.Context, personID uint, rules []string) ([]string, error) {
	l, err := s.opt.Learner(ctx, personID)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan(ctx, l)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rules))
	for i, rule := range rules {
		for _, r := range plan.Requirements {
			if !strings.HasPrefix(r.Code, rule+":") || r.Status == hours.StatusDone {
				continue
			}
			out[i] = "「" + r.Label + "」已完成 " + r.Done + " 学时，还需 " + r.Remaining + " 学时"
			if r.Due != "" {
				out[i] += "（截止 " + r.Due + "）"
			}
			break
		}
	}
	return out, nil
}
