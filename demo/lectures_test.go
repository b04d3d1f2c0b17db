package demo

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db/dbtest"
	"anpei/hours"
	"anpei/lecture"
	lecturewiring "anpei/lecture/fromroster"
	"anpei/media"
)

// TestSeedLectures: after the demo seed the demo trainer has one scheduled
// live session later today or tomorrow, for a published course, which the
// demo learner sees and may enter from 15 minutes before it; a second seed
// adds nothing.
func TestSeedLectures(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		accounts, rs := stores(t, gdb, false)
		seed(t, gdb, accounts, rs)
		cs, err := course.NewStore(gdb, fromroster.Options(rs))
		if err != nil {
			t.Fatal(err)
		}
		ms, err := media.NewStore(filepath.Join(t.TempDir(), "uploads"))
		if err != nil {
			t.Fatal(err)
		}
		if err := SeedCourses(ctx, cs, ms); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for range 2 {
			if err := SeedLectures(ctx, gdb, accounts, rs, cs, now); err != nil {
				t.Fatal(err)
			}
		}
		trainer, err := demoUser(ctx, accounts, "trainer", account.RoleTrainer)
		if err != nil {
			t.Fatal(err)
		}
		learner, err := demoUser(ctx, accounts, "learner", account.RoleLearner)
		if err != nil {
			t.Fatal(err)
		}
		clock := now
		ls, err := lecture.NewStore(gdb, withClock(lecturewiring.Options(rs, accounts, cs, nil), func() time.Time { return clock }))
		if err != nil {
			t.Fatal(err)
		}
		own, total, err := ls.List(ctx, trainer.Principal(), lecture.Filter{})
		if err != nil || total != 1 {
			t.Fatalf("the trainer has %d sessions: %v", total, err)
		}
		s := own[0]
		start := s.ScheduledAt.In(hours.ChinaTime())
		today := now.In(hours.ChinaTime())
		if !s.ScheduledAt.After(now) || start.Sub(today) > 36*time.Hour || s.Status != lecture.StatusScheduled || s.TrainerID != trainer.ID {
			t.Errorf("demo session at %v (now %v), status %s, trainer %d", start, today, s.Status, s.TrainerID)
		}
		c, err := cs.Course(ctx, learner.Principal(), s.CourseID, false)
		if err != nil || c.Category != s.Category {
			t.Errorf("the linked course %d is not the learner's: %+v, %v", s.CourseID, c, err)
		}
		mine, _, err := ls.List(ctx, learner.Principal(), lecture.Filter{})
		if err != nil || len(mine) != 1 || mine[0].ID != s.ID {
			t.Fatalf("the learner sees %+v, %v", mine, err)
		}
		if _, err := ls.CanJoin(ctx, learner.Principal(), s.ID); !errors.Is(err, lecture.ErrNotStarted) {
			t.Errorf("CanJoin hours early: %v", err)
		}
		clock = s.ScheduledAt.Add(-10 * time.Minute)
		if seat, err := ls.CanJoin(ctx, learner.Principal(), s.ID); err != nil || seat.Role != lecture.RoleViewer {
			t.Errorf("CanJoin 10 minutes early: %+v, %v", seat, err)
		}
	})
}

func withClock(o lecture.Options, now func() time.Time) lecture.Options {
	o.Now = now
	return o
}

func TestDemoLectureStart(t *testing.T) {
	china := hours.ChinaTime()
	tests := []struct{ now, want string }{
		{"2025-03-10 09:10", "2025-03-10 12:30"},
		{"2025-03-10 12:00", "2025-03-10 15:30"},
		{"2025-03-10 17:20", "2025-03-10 20:30"},
		{"2025-03-10 18:00", "2025-03-11 10:00"},
		{"2025-03-10 23:40", "2025-03-11 10:00"},
		{"2025-03-10 01:00", "2025-03-10 10:00"},
	}
	for _, tt := range tests {
		now, _ := time.ParseInLocation("2006-01-02 15:04", tt.now, china)
		if got := demoLectureStart(now).In(china).Format("2006-01-02 15:04"); got != tt.want {
			t.Errorf("demoLectureStart(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}
