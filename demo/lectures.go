package demo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/hours"
	"anpei/lecture"
	lecturewiring "anpei/lecture/fromroster"
	"anpei/roster"
)

// demoLectureTitle names the demo live session; a second seed finds it.
const demoLectureTitle = "直播课：动火与受限空间作业安全要点"

// SeedLectures schedules the demo live session: the demo trainer lectures,
// later today (three hours after now, on the half hour) or, when that is
// after 21:00 China time, at 10:00 tomorrow, for a published demo course
// whose audience includes the demo learner. It runs after SeedCourses and
// skips what is already there.
func SeedLectures(ctx context.Context, db *gorm.DB, accounts *account.Store, rs *roster.Store, cs *course.Store, now time.Time) error {
	ls, err := lecture.NewStore(db, lecturewiring.Options(rs, accounts, cs, nil))
	if err != nil {
		return err
	}
	trainer, err := demoUser(ctx, accounts, "trainer", account.RoleTrainer)
	if err != nil {
		return err
	}
	learner, err := demoUser(ctx, accounts, "learner", account.RoleLearner)
	if err != nil {
		return err
	}
	host := trainer.Principal()
	existing, _, err := ls.List(ctx, host, lecture.Filter{Limit: lecture.MaxLimit})
	if err != nil {
		return fmt.Errorf("demo: live sessions: %w", err)
	}
	for _, s := range existing {
		if s.Title == demoLectureTitle {
			return nil
		}
	}
	// A course the learner sees is one whose audience includes them.
	courses, _, err := cs.Courses(ctx, learner.Principal(), course.CourseFilter{Limit: 100})
	if err != nil {
		return fmt.Errorf("demo: the learner's courses: %w", err)
	}
	if len(courses) == 0 {
		return fmt.Errorf("demo: no published course for the demo learner to attend live")
	}
	linked := courses[len(courses)-1] // the oldest: the first of the catalogue
	for _, c := range courses {
		if c.Category == "hazard_standard" {
			linked = c
		}
	}
	_, err = ls.Create(ctx, host, lecture.Input{
		Title: demoLectureTitle,
		Description: "区安全生产培训中心直播讲解动火作业、受限空间作业的风险辨识、作业审批和监护要求，结合近年事故案例答疑。" +
			"直播中请保持画面播放并按时签到，计入学时；错过直播的学员可在课程中观看回放补学。",
		ScheduledAt: demoLectureStart(now),
		Minutes:     60,
		CourseID:    linked.ID,
		Audience:    lecture.Audience{Categories: []string{"principal", "safety_manager", "special_operator", "other"}},
		Capacity:    300,
	})
	if err != nil {
		return fmt.Errorf("demo: live session: %w", describe(err))
	}
	return nil
}

// demoLectureStart is the next half hour three hours after now, moved to
// 10:00 when that is before 08:00, and to 10:00 the next day when it is
// after 21:00 or tomorrow (China time).
func demoLectureStart(now time.Time) time.Time {
	at := now.In(hours.ChinaTime()).Add(3 * time.Hour).Truncate(30 * time.Minute).Add(30 * time.Minute)
	if at.Hour() < 8 {
		at = time.Date(at.Year(), at.Month(), at.Day(), 10, 0, 0, 0, hours.ChinaTime())
	}
	if at.Hour() >= 21 || at.Day() != now.In(hours.ChinaTime()).Day() {
		d := now.In(hours.ChinaTime()).AddDate(0, 0, 1)
		at = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, hours.ChinaTime())
	}
	return at.UTC()
}

// demoUser finds the demo account username of role.
func demoUser(ctx context.Context, accounts *account.Store, username string, role account.Role) (account.User, error) {
	users, _, err := accounts.ListUsers(ctx, account.System(), account.UserFilter{Text: username, Role: role})
	if err != nil {
		return account.User{}, fmt.Errorf("demo: find %s: %w", username, err)
	}
	for _, u := range users {
		if u.Username == username {
			return u, nil
		}
	}
	return account.User{}, fmt.Errorf("demo: the demo account %s is missing", username)
}
