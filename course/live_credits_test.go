package course

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
	"anpei/hours"
)

func TestLiveCourse(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		st := newTestStore(t, gdb, &clock{t: opened}, DefaultPolicy())
		pub := publishedTextCourse(t, st, "直播配套课程", 600)
		draft, err := st.CreateCourse(ctx, trainer, CourseInput{Title: "草稿课程", Category: "law"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.LiveCourse(ctx, trainer, pub.ID)
		if err != nil || got.Category != "hazard_standard" || got.Title != "直播配套课程" || got.CategoryLabel == "" {
			t.Errorf("LiveCourse(published) = %+v, %v", got, err)
		}
		if _, err := st.LiveCourse(ctx, trainer, draft.ID); !errors.Is(err, ErrCourseNotPublished) {
			t.Errorf("LiveCourse(draft) error %v, want ErrCourseNotPublished", err)
		}
		if _, err := st.LiveCourse(ctx, trainer, 9999); !errors.Is(err, ErrCourseNotFound) {
			t.Errorf("LiveCourse(missing) error %v, want ErrCourseNotFound", err)
		}
		if _, err := st.LiveCourse(ctx, learnerP, pub.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("LiveCourse by a learner: %v, want ErrForbidden", err)
		}
		if _, err := st.LiveCourse(ctx, account.Principal{Role: account.RoleEnterpriseAdmin, EnterpriseID: 3}, pub.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("LiveCourse by an enterprise admin: %v, want ErrForbidden", err)
		}
	})
}

func TestAppendLive(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		st := newTestStore(t, gdb, &clock{t: opened}, DefaultPolicy())
		// 23:30 China time: the lecture runs past midnight.
		start := time.Date(2025, 3, 10, 15, 30, 0, 0, time.UTC)
		c := LiveCredit{PersonID: 42, SessionID: "live-5-42", CourseID: 1, Category: "hazard_standard", Start: start,
			Credited: []LiveSpan{
				{From: start, To: start.Add(20 * time.Minute)},
				{From: start.Add(25 * time.Minute), To: start.Add(70 * time.Minute)}, // crosses midnight at +30 min
			},
			Excluded: []LiveExclusion{
				{Reason: ReasonNoMedia, From: start.Add(20 * time.Minute), To: start.Add(25 * time.Minute), WallMS: 5 * 60000},
				{Reason: ReasonSecondDevice, From: start.Add(5 * time.Minute), To: start.Add(15 * time.Minute), WallMS: 10 * 60000},
				{Reason: ReasonSecondDevice, From: start.Add(60 * time.Minute), To: start.Add(61 * time.Minute), WallMS: 60000},
			}}
		if err := st.write(ctx, func(tx *gorm.DB) error { return st.AppendLive(tx, c) }); err != nil {
			t.Fatal(err)
		}
		var rows []CreditEntry
		if err := gdb.Where("session_id = ?", "live-5-42").Order("from_at").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		want := []struct {
			day      string
			ms       int64
			seg0     int64
			online   bool
			category string
		}{
			{"2025-03-10", 20 * 60000, 0, true, "hazard_standard"},
			{"2025-03-10", 5 * 60000, 25 * 60000, true, "hazard_standard"},
			{"2025-03-11", 40 * 60000, 30 * 60000, true, "hazard_standard"},
		}
		if len(rows) != len(want) {
			t.Fatalf("%d credit rows, want %d: %+v", len(rows), len(want), rows)
		}
		for i, w := range want {
			r := rows[i]
			if r.Day != w.day || r.MS != w.ms || r.SegStart != w.seg0 || r.SegEnd-r.SegStart != w.ms || !r.Online || r.Category != w.category || r.CourseID != 1 || r.PersonID != 42 {
				t.Errorf("row %d = %+v, want %+v", i, r, w)
			}
		}
		ledger, err := st.credits(ctx, 42)
		if err != nil {
			t.Fatal(err)
		}
		minutes := map[string]int{}
		for _, l := range ledger {
			minutes[l.At.Format(time.DateOnly)] += l.Minutes
		}
		if minutes["2025-03-10"] != 25 || minutes["2025-03-11"] != 40 {
			t.Errorf("ledger minutes by day = %v, want 25 and 40", minutes)
		}
		ex, total, err := st.exclusions(ctx, 42, "live-5-42")
		if err != nil {
			t.Fatal(err)
		}
		got := map[Reason]int64{}
		for _, e := range ex {
			got[e.Reason] = e.WallMS
			if e.Label == "" || e.Message == "" {
				t.Errorf("exclusion %+v without label or message", e)
			}
		}
		if got[ReasonNoMedia] != 5*60000 || got[ReasonSecondDevice] != 11*60000 || total != 16*60000 {
			t.Errorf("exclusions = %v (total %d)", got, total)
		}
		var n int64
		gdb.Model(&ExclusionEntry{}).Where("session_id = ?", "live-5-42").Count(&n)
		if n != 3 { // no_media on the 10th; second_device on the 10th and on the 11th
			t.Errorf("%d exclusion rows, want 3 (one per reason and day)", n)
		}
	})
}

func TestAppendLiveRefuses(t *testing.T) {
	st := &Store{opt: Options{}}
	var err error
	if st.opt.Table, err = defaultTable(); err != nil {
		t.Fatal(err)
	}
	start := opened
	ok := LiveCredit{PersonID: 1, SessionID: "live-1-1", CourseID: 1, Category: "law", Start: start,
		Credited: []LiveSpan{{From: start, To: start.Add(time.Minute)}}}
	if err := st.checkLive(ok); err != nil {
		t.Fatalf("checkLive(ok) = %v", err)
	}
	tests := []struct {
		name string
		edit func(*LiveCredit)
	}{
		{"no person", func(c *LiveCredit) { c.PersonID = 0 }},
		{"not a live session", func(c *LiveCredit) { c.SessionID = "pb-1" }},
		{"session id too long", func(c *LiveCredit) { c.SessionID = "live-123456789012345678901234567890" }},
		{"unknown category", func(c *LiveCredit) { c.Category = "cooking" }},
		{"no start", func(c *LiveCredit) { c.Start = time.Time{} }},
		{"reversed span", func(c *LiveCredit) { c.Credited = []LiveSpan{{From: start.Add(time.Minute), To: start}} }},
		{"before start", func(c *LiveCredit) { c.Credited = []LiveSpan{{From: start.Add(-time.Minute), To: start}} }},
		{"overlap", func(c *LiveCredit) {
			c.Credited = []LiveSpan{{From: start, To: start.Add(2 * time.Minute)}, {From: start.Add(time.Minute), To: start.Add(3 * time.Minute)}}
		}},
		{"unknown reason", func(c *LiveCredit) { c.Excluded = []LiveExclusion{{Reason: "nap", From: start, To: start, WallMS: 1}} }},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		if err := st.checkLive(c); !errors.Is(err, ErrInvalidLiveCredit) {
			t.Errorf("%s: checkLive = %v, want ErrInvalidLiveCredit", tt.name, err)
		}
	}
}

func defaultTable() (hours.Table, error) { return hours.DefaultTable() }
