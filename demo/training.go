package demo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/hours"
	"anpei/roster"
)

// demoTeacher marks the demo's training records.
const demoTeacher = "企业安全管理部（演示）"

// shortTowns are the demo towns where training and certificates lag, so
// the dashboard has something to show: realistic, not perfect.
var shortTowns = map[string]bool{"530302102": true, "530302103": true}

// behind reports whether a demo person is one of those who lag: a quarter
// of the people of the short towns, one in thirty elsewhere (fixed by id,
// so a restart tells the same story).
func behind(s roster.Subject) bool {
	if shortTowns[s.TownCode] {
		return s.ID%4 == 0
	}
	return s.ID%30 == 7
}

// SeedTraining records the demo district's offline training (三级安全教育,
// annual re-training, pre-job training of new hires, retraining after a
// transfer or a return) through the same use case an enterprise admin
// uses, so that most people have done what the hours table asks of them
// this year and last year, and the few who lag have not. Sessions are
// dated inside each requirement's window and never in the future; one
// record per enterprise, day and category lists all its attendees. It
// does nothing when offline training exists.
func SeedTraining(ctx context.Context, db *gorm.DB, rs *roster.Store, cs *course.Store, now time.Time) error {
	sys := account.System()
	var done int64
	if err := db.WithContext(ctx).Model(&course.OfflineRecord{}).Where("teacher = ?", demoTeacher).Count(&done).Error; err != nil || done > 0 {
		return err
	}
	inds, err := rs.Industries(ctx)
	if err != nil {
		return err
	}
	ind := map[string]roster.Industry{}
	for _, i := range inds {
		ind[i.Code] = i
	}
	table := cs.Table()
	today := now.In(hours.ChinaTime())
	earliest := today.AddDate(0, 0, -360)
	type key struct {
		enterprise uint
		category   string
		date       string
		minutes    int
	}
	sessions := map[key][]uint{}
	for after := uint(0); ; {
		page, err := rs.Subjects(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].ID
		for _, subj := range page {
			if subj.DutyStatus != roster.DutyOn || subj.EnterpriseID == 0 || behind(subj) {
				continue
			}
			pf, inf, facts := hours.FactsFromRoster(subj.Person, ind[subj.IndustryCode], subj.Events)
			reqs := hours.Derive(pf, inf, facts, today.Year(), today, table)
			for _, r := range hours.Derive(pf, inf, facts, today.Year()-1, today, table) {
				if r.Trigger == hours.TriggerAnnual {
					reqs = append(reqs, r)
				}
			}
			for _, r := range reqs {
				if r.Due.IsZero() || len(r.CourseCategories) == 0 || r.Trigger == hours.TriggerSpecialReview {
					continue
				}
				// A day inside the window, at least a fortnight before its
				// end, not before the earliest day a record may carry and
				// not after today.
				day := r.Due.AddDate(0, 0, -14)
				if day.Before(r.From) {
					day = r.From
				}
				if day.After(today) {
					day = today.AddDate(0, 0, -20)
				}
				if day.Before(earliest) || day.Before(r.From) {
					continue
				}
				minutes := int(math.Ceil(r.Hours.Float64() * 45))
				for part := 0; minutes > 0; part++ {
					m := min(minutes, 450)
					minutes -= m
					d := day.AddDate(0, 0, -part)
					k := key{subj.EnterpriseID, r.CourseCategories[0], d.Format(time.DateOnly), m}
					sessions[k] = append(sessions[k], subj.ID)
				}
			}
		}
	}
	keys := make([]key, 0, len(sessions))
	for k := range sessions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.date != b.date {
			return a.date < b.date
		}
		if a.enterprise != b.enterprise {
			return a.enterprise < b.enterprise
		}
		return a.category < b.category || a.category == b.category && a.minutes < b.minutes
	})
	for _, k := range keys {
		ids := sessions[k]
		for start := 0; start < len(ids); start += 500 {
			part := ids[start:min(start+500, len(ids))]
			_, err := cs.RecordOffline(ctx, sys, course.OfflineInput{EnterpriseID: k.enterprise, Category: k.category, Date: k.date, Minutes: k.minutes,
				Content: table.CourseCategoryLabel(k.category) + "（演示数据）", Teacher: demoTeacher, Place: "企业培训室", PersonIDs: part})
			if err != nil {
				return fmt.Errorf("demo: training of enterprise %d on %s: %w", k.enterprise, k.date, err)
			}
		}
	}
	return nil
}
