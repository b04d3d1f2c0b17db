package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db/dbtest"
	"anpei/media"
)

// TestSeedCourses seeds the catalogue twice on both dialects: every
// course of catalogue.json is there once, published ones with their
// lessons, the video's length read from the file.
func TestSeedCourses(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		_, rs := stores(t, gdb, false)
		cs, err := course.NewStore(gdb, fromroster.Options(rs))
		if err != nil {
			t.Fatal(err)
		}
		ms, err := media.NewStore(filepath.Join(t.TempDir(), "uploads"))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := SeedCourses(ctx, cs, ms); err != nil {
				t.Fatal(err)
			}
		}
		all, total, err := cs.Courses(ctx, account.System(), course.CourseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total < 3 {
			t.Fatalf("%d demo courses, want at least 3", total)
		}
		var video bool
		for _, c := range all {
			full, err := cs.Course(ctx, account.System(), c.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Lessons) == 0 {
				t.Errorf("course %s has no lessons", c.Title)
			}
			for _, l := range full.Lessons {
				if l.Kind == course.KindVideo {
					video = true
					if d := time.Duration(l.DurationMS) * time.Millisecond; d < 60*time.Second || d > 120*time.Second {
						t.Errorf("demo video lasts %v", d)
					}
				}
			}
		}
		if !video {
			t.Error("the demo catalogue has no video lesson")
		}
	})
}
