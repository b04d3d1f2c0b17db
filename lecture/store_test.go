package lecture

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/course"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/ident"
	"anpei/notify"
	"anpei/roster"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

var (
	trainer   = account.Principal{UserID: 7, Username: "trainer", Name: "赵讲师", Role: account.RoleTrainer}
	trainer2  = account.Principal{UserID: 8, Username: "trainer2", Name: "钱讲师", Role: account.RoleTrainer}
	admin     = account.Principal{UserID: 1, Username: "admin", Role: account.RoleAdmin, JurisdictionKind: account.JurisdictionDistrict}
	regTown   = account.Principal{UserID: 2, Username: "reg-town", Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "530302001"}
	entAdmin3 = account.Principal{UserID: 3, Username: "ent3", Role: account.RoleEnterpriseAdmin, EnterpriseID: 3}
	entAdmin4 = account.Principal{UserID: 4, Username: "ent4", Role: account.RoleEnterpriseAdmin, EnterpriseID: 4}
	learner42 = account.Principal{UserID: 9, Username: "l42", Name: "张三丰", Role: account.RoleLearner, PersonID: 42, EnterpriseID: 3}
	learner43 = account.Principal{UserID: 10, Username: "l43", Name: "李四光", Role: account.RoleLearner, PersonID: 43, EnterpriseID: 3}
	learner44 = account.Principal{UserID: 11, Username: "l44", Name: "王五岳", Role: account.RoleLearner, PersonID: 44, EnterpriseID: 4}
)

// people: 42 and 43 special operators of enterprise 3 (hazchem), 44 the
// principal of enterprise 4 (mining), in the town regulator's town.
var people = map[uint]Person{
	42: {ID: 42, Name: "张三丰", EnterpriseID: 3, EnterpriseName: "宏源化工有限公司", Categories: roster.CategorySpecialOperator, Industry: "hazchem", IDMasked: "530302********1234"},
	43: {ID: 43, Name: "李四光", EnterpriseID: 3, EnterpriseName: "宏源化工有限公司", Categories: roster.CategorySpecialOperator, Industry: "hazchem", IDMasked: "530302********5678"},
	44: {ID: 44, Name: "王五岳", EnterpriseID: 4, EnterpriseName: "麒麟煤业有限公司", Categories: roster.CategoryPrincipal, Industry: "mining", IDMasked: "530302********9012"},
}

// opening is 14:00 China time on a Monday.
var opening = time.Date(2025, 3, 10, 6, 0, 0, 0, time.UTC)

type fixture struct {
	ls     *Store
	cs     *course.Store
	ns     *notify.Store
	clk    *clock
	db     *gorm.DB
	course uint
}

func migrateAll(gdb *gorm.DB) error {
	for _, m := range []func(*gorm.DB) error{audit.AutoMigrate, course.AutoMigrate, notify.AutoMigrate, AutoMigrate} {
		if err := m(gdb); err != nil {
			return err
		}
	}
	return nil
}

func newFixture(t *testing.T, gdb *gorm.DB) *fixture {
	t.Helper()
	clk := &clock{t: opening.Add(-24 * time.Hour)}
	cs, err := course.NewStore(gdb, course.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ns := notify.NewStore(gdb, notify.Options{Now: clk.Now})
	ls, err := NewStore(gdb, Options{Now: clk.Now, Seed: func() uint64 { return 42 },
		Person: func(_ context.Context, id uint) (Person, error) {
			p, ok := people[id]
			if !ok {
				return Person{}, fault.New(fault.NotFound, "person_not_found", "人员不存在")
			}
			return p, nil
		},
		Enterprises: func(_ context.Context, p account.Principal) ([]uint, error) {
			if p.JurisdictionCode == "530302001" {
				return []uint{4}, nil
			}
			return nil, nil
		},
		EnterpriseKnown: func(_ context.Context, id uint) (bool, error) { return id == 3 || id == 4, nil },
		Industries: func(context.Context) (map[string]bool, error) {
			return map[string]bool{"hazchem": true, "mining": true}, nil
		},
		Trainer: func(_ context.Context, id uint) (string, error) {
			if id == 7 || id == 8 {
				return "讲师" + itoa(int(id)), nil
			}
			return "", ErrForbidden
		},
		Course: cs.LiveCourse, Ledger: cs.AppendLive,
		Learners: func(context.Context) ([]Account, error) {
			return []Account{{UserID: 9, PersonID: 42}, {UserID: 10, PersonID: 43}, {UserID: 11, PersonID: 44}, {UserID: 12, PersonID: 99}}, nil
		},
		Deliver: ns.Deliver})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := cs.CreateCourse(ctx, trainer, course.CourseInput{Title: "动火作业安全", Category: "hazard_standard"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddLesson(ctx, trainer, c.ID, course.LessonInput{Title: "第一课", Kind: course.KindText, Body: "<p>" + strings.Repeat("安", 600) + "</p>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Publish(ctx, trainer, c.ID); err != nil {
		t.Fatal(err)
	}
	return &fixture{ls: ls, cs: cs, ns: ns, clk: clk, db: gdb, course: c.ID}
}

// input is a valid session at opening for special operators.
func (f *fixture) input() Input {
	return Input{Title: "动火作业直播", Description: "讲解与答疑", ScheduledAt: opening, Minutes: 60, CourseID: f.course,
		Audience: Audience{Categories: []string{"special_operator"}}, Capacity: 100}
}

func (f *fixture) create(t *testing.T, p account.Principal, in Input) View {
	t.Helper()
	v, err := f.ls.Create(context.Background(), p, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return v
}

func fieldsOf(err error) []string {
	var out []string
	for _, d := range fault.As(err).Details {
		out = append(out, d.Field)
	}
	return out
}

func TestCreateValidation(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		draft, err := f.cs.CreateCourse(ctx, trainer, course.CourseInput{Title: "草稿", Category: "law"})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			p     account.Principal
			edit  func(*Input)
			field string
		}{
			{"no title", trainer, func(in *Input) { in.Title = "  " }, "title"},
			{"long title", trainer, func(in *Input) { in.Title = strings.Repeat("课", 101) }, "title"},
			{"in the past", trainer, func(in *Input) { in.ScheduledAt = opening.Add(-48 * time.Hour) }, "scheduled_at"},
			{"no time", trainer, func(in *Input) { in.ScheduledAt = time.Time{} }, "scheduled_at"},
			{"too short", trainer, func(in *Input) { in.Minutes = 5 }, "minutes"},
			{"no capacity", trainer, func(in *Input) { in.Capacity = 0 }, "capacity"},
			{"unknown course", trainer, func(in *Input) { in.CourseID = 999 }, "course_id"},
			{"unpublished course", trainer, func(in *Input) { in.CourseID = draft.ID }, "course_id"},
			{"unknown rule", trainer, func(in *Input) { in.Rule = "nope" }, "rule"},
			{"rule not counting the category", trainer, func(in *Input) { in.Rule = "worker_transfer" }, "rule"},
			{"unknown category", trainer, func(in *Input) { in.Audience.Categories = []string{"astronaut"} }, "audience.categories"},
			{"unknown industry", trainer, func(in *Input) { in.Audience.Industries = []string{"space"} }, "audience.industries"},
			{"unknown enterprise", trainer, func(in *Input) { in.Audience.Enterprises = []uint{77} }, "audience.enterprises"},
			{"for another trainer", trainer, func(in *Input) { in.TrainerID = 8 }, "trainer_id"},
			{"admin names nobody", admin, func(in *Input) {}, "trainer_id"},
			{"admin names a non-trainer", admin, func(in *Input) { in.TrainerID = 3 }, "trainer_id"},
		}
		for _, tt := range tests {
			in := f.input()
			tt.edit(&in)
			_, err := f.ls.Create(ctx, tt.p, in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(strings.Join(fieldsOf(err), ","), tt.field) {
				t.Errorf("%s: Create error %v (fields %v), want ErrInvalid naming %s", tt.name, err, fieldsOf(err), tt.field)
			}
		}
		for _, p := range []account.Principal{learner42, entAdmin3, regTown} {
			if _, err := f.ls.Create(ctx, p, f.input()); !errors.Is(err, ErrForbidden) {
				t.Errorf("Create by %s: %v, want ErrForbidden", p.Role, err)
			}
		}
		in := f.input()
		in.TrainerID = 8
		v := f.create(t, admin, in)
		if v.TrainerID != 8 || v.TrainerName != "讲师8" || v.Category != "hazard_standard" || v.Status != StatusScheduled || v.CourseTitle != "动火作业安全" {
			t.Errorf("admin's session = %+v", v.Session)
		}
		var n int64
		gdb.Model(&audit.Entry{}).Where("action = ?", "live.create").Count(&n)
		if n != 1 {
			t.Errorf("%d live.create audit entries, want 1", n)
		}
	})
}

func TestScope(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		a := f.create(t, trainer, f.input()) // everyone's special operators
		inB := f.input()
		inB.Title, inB.Audience = "煤矿主要负责人直播", Audience{Enterprises: []uint{4}}
		b := f.create(t, trainer, inB)
		inC := f.input()
		inC.Title, inC.Audience = "宏源专场", Audience{Enterprises: []uint{3}, Industries: []string{"hazchem"}}
		c := f.create(t, trainer2, inC)
		want := map[string][]uint{
			"admin": {a.ID, b.ID, c.ID}, "trainer": {a.ID, b.ID}, "trainer2": {c.ID},
			"reg-town": {a.ID, b.ID}, "ent3": {a.ID, c.ID}, "ent4": {a.ID, b.ID},
			"l42": {a.ID, c.ID}, "l44": {b.ID},
		}
		for _, p := range []account.Principal{admin, trainer, trainer2, regTown, entAdmin3, entAdmin4, learner42, learner44} {
			list, total, err := f.ls.List(ctx, p, Filter{})
			if err != nil {
				t.Fatalf("List by %s: %v", p.Username, err)
			}
			var got []uint
			for _, v := range list {
				got = append(got, v.ID)
			}
			if int(total) != len(want[p.Username]) || !equalIDs(got, want[p.Username]) {
				t.Errorf("%s sees %v (total %d), want %v", p.Username, got, total, want[p.Username])
			}
			for _, id := range []uint{a.ID, b.ID, c.ID} {
				_, err := f.ls.Get(ctx, p, id)
				if visible := contains(want[p.Username], id); visible != (err == nil) || !visible && !errors.Is(err, ErrNotFound) {
					t.Errorf("%s Get(%d): %v", p.Username, id, err)
				}
			}
		}
		// Only the session's trainer and the admin change it.
		if _, err := f.ls.Update(ctx, trainer2, a.ID, f.input()); !errors.Is(err, ErrNotFound) {
			t.Errorf("another trainer updates: %v", err)
		}
		if _, err := f.ls.Cancel(ctx, entAdmin3, a.ID, ""); !errors.Is(err, ErrForbidden) {
			t.Errorf("an enterprise admin cancels: %v", err)
		}
		in := f.input()
		in.Title, in.Capacity = "动火作业直播（改）", 50
		u, err := f.ls.Update(ctx, trainer, a.ID, in)
		if err != nil || u.Title != "动火作业直播（改）" || u.Capacity != 50 {
			t.Fatalf("Update = %+v, %v", u.Session, err)
		}
		cv, err := f.ls.Cancel(ctx, admin, b.ID, "讲师临时出差")
		if err != nil || cv.Status != StatusCancelled || cv.CancelNote != "讲师临时出差" {
			t.Fatalf("Cancel = %+v, %v", cv.Session, err)
		}
		if _, err := f.ls.Update(ctx, trainer, b.ID, inB); !errors.Is(err, ErrWrongStatus) {
			t.Errorf("Update of a cancelled session: %v", err)
		}
	})
}

func equalIDs(a, b []uint) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func contains(list []uint, x uint) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func TestCanJoin(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		in := f.input()
		in.Capacity = 1
		v := f.create(t, trainer, in)
		refused := func(p account.Principal, want error) {
			t.Helper()
			if _, err := f.ls.CanJoin(ctx, p, v.ID); !errors.Is(err, want) {
				t.Errorf("CanJoin by %s: %v, want %v", p.Username, err, want)
			}
		}
		refused(learner42, ErrNotStarted) // a day early
		f.clk.Set(opening.Add(-10 * time.Minute))
		seat, err := f.ls.CanJoin(ctx, learner42, v.ID)
		if err != nil || seat.Role != RoleViewer || seat.PersonID != 42 {
			t.Fatalf("CanJoin 10 minutes early = %+v, %v", seat, err)
		}
		refused(learner44, ErrNotInAudience)
		refused(entAdmin3, ErrNotLearner)
		if seat, err := f.ls.CanJoin(ctx, trainer, v.ID); err != nil || seat.Role != RoleTrainer {
			t.Errorf("the trainer's seat = %+v, %v", seat, err)
		}
		refused(trainer2, ErrNotFound)
		if _, err := f.ls.Start(ctx, trainer, v.ID); err != nil {
			t.Fatal(err)
		}
		s42, err := f.ls.Connect(ctx, learner42, v.ID, "phone")
		if err != nil || len(s42.ConnID) != 32 {
			t.Fatalf("Connect = %+v, %v", s42, err)
		}
		refused(learner43, ErrFull)
		if _, err := f.ls.Connect(ctx, learner43, v.ID, "pc"); !errors.Is(err, ErrFull) {
			t.Errorf("Connect over capacity: %v", err)
		}
		// A second device of a person already in is let in.
		if _, err := f.ls.Connect(ctx, learner42, v.ID, "pc"); err != nil {
			t.Errorf("second device: %v", err)
		}
		closed, err := f.ls.RemoveViewer(ctx, trainer, v.ID, 42, "刷屏")
		if err != nil || len(closed) != 2 {
			t.Fatalf("RemoveViewer closed %v, %v", closed, err)
		}
		refused(learner42, ErrRemoved)
		if n, err := f.ls.ViewerCount(ctx, v.ID); err != nil || n != 0 {
			t.Errorf("ViewerCount after removal = %d, %v", n, err)
		}
		if _, err := f.ls.Connect(ctx, learner43, v.ID, "pc"); err != nil {
			t.Errorf("a seat freed: %v", err)
		}
		if _, err := f.ls.End(ctx, trainer, v.ID); err != nil {
			t.Fatal(err)
		}
		refused(learner43, ErrEnded)
		c := f.create(t, trainer, f.input())
		if _, err := f.ls.Cancel(ctx, trainer, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ls.CanJoin(ctx, learner42, c.ID); !errors.Is(err, ErrCancelled) {
			t.Errorf("CanJoin of a cancelled session: %v", err)
		}
		if _, err := f.ls.CanJoin(ctx, learner42, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("CanJoin of no session: %v", err)
		}
		for _, e := range []error{ErrNotInAudience, ErrFull, ErrNotStarted, ErrEnded, ErrCancelled, ErrRemoved} {
			fe := fault.As(e)
			if fe.Code == "" || fe.Message == "" || fe.Kind == fault.Internal {
				t.Errorf("refusal %v has no code or message", e)
			}
		}
	})
}

// live runs a session from opening: 42 watches the whole hour on one
// phone but misses the second of two presence checks; 43 watches on two
// devices, with a ten-minute gap without media on the first; 44 is not in
// the audience.
func (f *fixture) live(t *testing.T) View {
	t.Helper()
	ctx := context.Background()
	v := f.create(t, trainer, f.input())
	f.clk.Set(opening.Add(-5 * time.Minute))
	c42, err := f.ls.Connect(ctx, learner42, v.ID, "phone-42")
	if err != nil {
		t.Fatal(err)
	}
	c43a, err := f.ls.Connect(ctx, learner43, v.ID, "phone-43")
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Set(opening)
	if _, err := f.ls.Start(ctx, trainer, v.ID); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.ls.MediaStarted(ctx, v.ID, c42.ConnID))
	must(f.ls.MediaStarted(ctx, v.ID, c42.ConnID)) // repeated: no change
	must(f.ls.MediaStarted(ctx, v.ID, c43a.ConnID))
	f.clk.Set(opening.Add(10 * time.Minute))
	must(f.ls.MediaStopped(ctx, v.ID, c43a.ConnID))
	f.clk.Set(opening.Add(15 * time.Minute))
	chk, err := f.ls.TriggerCheck(ctx, trainer, v.ID)
	must(err)
	if _, err := f.ls.TriggerCheck(ctx, trainer, v.ID); !errors.Is(err, ErrCheckOpen) {
		t.Errorf("a second check while one is open: %v", err)
	}
	f.clk.Set(opening.Add(15*time.Minute + 20*time.Second))
	must(f.ls.AnswerCheck(ctx, learner42, v.ID, chk.ID))
	must(f.ls.AnswerCheck(ctx, learner42, v.ID, chk.ID)) // twice: no change
	must(f.ls.AnswerCheck(ctx, learner43, v.ID, chk.ID))
	f.clk.Set(opening.Add(20 * time.Minute))
	must(f.ls.MediaStarted(ctx, v.ID, c43a.ConnID))
	c43b, err := f.ls.Connect(ctx, learner43, v.ID, "pc-43")
	must(err)
	must(f.ls.MediaStarted(ctx, v.ID, c43b.ConnID))
	f.clk.Set(opening.Add(30 * time.Minute))
	must(f.ls.Disconnected(ctx, v.ID, c43b.ConnID))
	must(f.ls.Disconnected(ctx, v.ID, c43b.ConnID)) // twice: no change
	f.clk.Set(opening.Add(40 * time.Minute))
	chk2, err := f.ls.TriggerCheck(ctx, trainer, v.ID)
	must(err)
	f.clk.Set(opening.Add(40*time.Minute + 30*time.Second))
	must(f.ls.AnswerCheck(ctx, learner43, v.ID, chk2.ID))
	f.clk.Set(opening.Add(42 * time.Minute))
	if err := f.ls.AnswerCheck(ctx, learner42, v.ID, chk2.ID); !errors.Is(err, ErrCheckClosed) {
		t.Errorf("a late answer: %v", err)
	}
	if err := f.ls.MediaStarted(ctx, v.ID, "nope"); !errors.Is(err, ErrConnNotFound) {
		t.Errorf("an unknown connection: %v", err)
	}
	f.clk.Set(opening.Add(60 * time.Minute))
	return v
}

func TestEndCredits(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.live(t)
		// While live, learners see their minutes so far.
		my, err := f.ls.MyAttendance(ctx, learner43, v.ID)
		if err != nil || my.Final || my.CreditedMinutes != 50 {
			t.Errorf("provisional MyAttendance(43) = %+v, %v", my, err)
		}
		res, err := f.ls.End(ctx, trainer, v.ID)
		if err != nil || res.Already || res.Credited != 2 || res.Status != StatusEnded {
			t.Fatalf("End = %+v, %v", res, err)
		}
		checkCredits(t, gdb)
		again, err := f.ls.End(ctx, trainer, v.ID)
		if err != nil || !again.Already || again.Credited != 0 {
			t.Fatalf("End again = %+v, %v", again, err)
		}
		checkCredits(t, gdb)
		// The primary key of lecture_attendance, not the status check,
		// is what keeps a viewer from being credited twice: crediting 42
		// again fails and writes nothing.
		var ses Session
		gdb.First(&ses, v.ID)
		o := Credit(Span{From: *ses.StartedAt, To: *ses.EndedAt}, []Conn{{Joined: *ses.StartedAt, Left: *ses.EndedAt,
			Receiving: []Span{{From: *ses.StartedAt, To: *ses.EndedAt}}}}, nil, nil)
		if err := f.ls.write(ctx, func(tx *gorm.DB) error { return f.ls.credit(ctx, tx, ses, 42, o, 0, *ses.EndedAt) }); err == nil {
			t.Error("crediting a viewer twice succeeded")
		}
		checkCredits(t, gdb)

		my, err = f.ls.MyAttendance(ctx, learner42, v.ID)
		if err != nil || !my.Final || my.CreditedMinutes != 34 || my.MissedChecks != 1 ||
			len(my.Excluded) != 1 || my.Excluded[0].Reason != course.ReasonMissedCheck || my.Excluded[0].MS != 26*60000 {
			t.Errorf("MyAttendance(42) = %+v, %v", my, err)
		}
		if _, err := f.ls.MyAttendance(ctx, trainer, v.ID); !errors.Is(err, ErrNotLearner) {
			t.Errorf("MyAttendance by the trainer: %v", err)
		}
		if _, err := f.ls.MyAttendance(ctx, learner44, v.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("MyAttendance outside the audience: %v", err)
		}
		if _, err := f.ls.Start(ctx, trainer, v.ID); !errors.Is(err, ErrWrongStatus) {
			t.Errorf("Start after the end: %v", err)
		}
	})
}

// checkCredits checks the ledger after f.live's session ended: 42 is
// credited 34 minutes (the second check missed: from the first check at
// 15:00 to the second's deadline at 41:00 excluded), 43 50 minutes (10
// without media, 10 on a second device).
func checkCredits(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	type sum struct {
		PersonID uint
		MS       int64
		N        int
	}
	var sums []sum
	if err := gdb.Model(&course.CreditEntry{}).Select("person_id, SUM(ms) AS ms, COUNT(*) AS n").
		Where("session_id LIKE ?", "live-%").Group("person_id").Order("person_id").Scan(&sums).Error; err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[0].PersonID != 42 || sums[0].MS != 34*60000 || sums[1].PersonID != 43 || sums[1].MS != 50*60000 {
		t.Fatalf("ledger = %+v, want 42: 34 min, 43: 50 min", sums)
	}
	var rows []course.CreditEntry
	gdb.Where("person_id = ? AND session_id LIKE ?", 42, "live-%").Order("from_at").Find(&rows)
	if len(rows) != 2 || !rows[0].Online || rows[0].Category != "hazard_standard" || rows[0].Day != "2025-03-10" || rows[0].CourseID == 0 {
		t.Errorf("42's rows = %+v", rows)
	}
	type ex struct {
		PersonID uint
		Reason   string
		WallMS   int64
	}
	var exs []ex
	gdb.Model(&course.ExclusionEntry{}).Select("person_id, reason, SUM(wall_ms) AS wall_ms").Where("session_id LIKE ?", "live-%").
		Group("person_id, reason").Order("person_id, reason").Scan(&exs)
	want := []ex{{42, "missed_check", 26 * 60000}, {43, "no_media", 10 * 60000}, {43, "second_device", 10 * 60000}}
	if len(exs) != len(want) {
		t.Fatalf("exclusions = %+v, want %+v", exs, want)
	}
	for i := range want {
		if exs[i] != want[i] {
			t.Errorf("exclusion %d = %+v, want %+v", i, exs[i], want[i])
		}
	}
}

// TestConcurrentEnd: many End calls at once (two trainers' browsers, the
// sweeper) credit each viewer once.
func TestConcurrentEnd(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		v := f.live(t)
		var wg sync.WaitGroup
		results := make([]EndResult, 8)
		errs := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := trainer
				if i%2 == 1 {
					p = admin
				}
				results[i], errs[i] = f.ls.End(context.Background(), p, v.ID)
			}()
		}
		wg.Wait()
		fresh := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("End %d: %v", i, errs[i])
			}
			if !r.Already {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d End calls ended the session, want 1", fresh)
		}
		checkCredits(t, gdb)
		// The sweeper finds nothing left to end.
		f.clk.Add(3 * time.Hour)
		if n, err := f.ls.EndOverdue(context.Background()); err != nil || n != 0 {
			t.Errorf("EndOverdue = %d, %v", n, err)
		}
	})
}

func TestEndOverdue(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.live(t)
		if n, err := f.ls.EndOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("EndOverdue at the planned end = %d, %v", n, err)
		}
		f.clk.Add(61 * time.Minute)
		if n, err := f.ls.EndOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("EndOverdue an hour later = %d, %v", n, err)
		}
		got, _ := f.ls.Get(ctx, admin, v.ID)
		if got.Status != StatusEnded {
			t.Errorf("status %s", got.Status)
		}
		// 42's phone stayed connected: credited up to the overdue end,
		// minus the missed check.
		my, err := f.ls.MyAttendance(ctx, learner42, v.ID)
		if err != nil || my.CreditedMinutes != 34+61 {
			t.Errorf("MyAttendance(42) = %+v, %v", my, err)
		}
	})
}

func TestAttendanceXLSX(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.live(t)
		if _, err := f.ls.End(ctx, trainer, v.ID); err != nil {
			t.Fatal(err)
		}
		b, err := f.ls.AttendanceXLSX(ctx, trainer, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows := readRows(t, b)
		if len(rows) != 4 {
			t.Fatalf("%d rows, want title, header and 2 viewers: %v", len(rows), rows)
		}
		if rows[1][0] != "姓名" || rows[1][2] != "身份证号（脱敏）" || rows[1][6] != "计入学时（分钟）" {
			t.Errorf("header = %v", rows[1])
		}
		want := [][]string{
			{"张三丰", "宏源化工有限公司", "530302********1234", "2025-03-10 13:55:00", "2025-03-10 15:00:00", "60", "34", "2", "1", "26", "未按时签到 26分钟"},
			{"李四光", "宏源化工有限公司", "530302********5678", "2025-03-10 13:55:00", "2025-03-10 15:00:00", "50", "50", "2", "0", "20", "未接收到直播画面 10分钟；另一设备同时观看直播 10分钟"},
		}
		for i, w := range want {
			got := rows[i+2]
			if strings.Join(got, "|") != strings.Join(w, "|") {
				t.Errorf("row %d = %v\nwant %v", i+3, got, w)
			}
		}
		// An enterprise admin sees only their enterprise's viewers.
		own, _, err := f.ls.Attendance(ctx, entAdmin4, v.ID)
		if err != nil || len(own) != 0 {
			t.Errorf("enterprise 4's admin sees %d rows, %v", len(own), err)
		}
		own, _, err = f.ls.Attendance(ctx, entAdmin3, v.ID)
		if err != nil || len(own) != 2 {
			t.Errorf("enterprise 3's admin sees %d rows, %v", len(own), err)
		}
		reg, _, err := f.ls.Attendance(ctx, regTown, v.ID)
		if err != nil || len(reg) != 0 {
			t.Errorf("the town regulator (enterprise 4 only) sees %d rows, %v", len(reg), err)
		}
		if _, err := f.ls.AttendanceXLSX(ctx, learner42, v.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("a learner exports: %v", err)
		}
		var n int64
		gdb.Model(&audit.Entry{}).Where("action = ?", "live.attendance_export").Count(&n)
		if n != 1 {
			t.Errorf("%d export audit entries, want 1", n)
		}
	})
}

func readRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("直播考勤")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestChat(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.create(t, trainer, f.input())
		f.clk.Set(opening)
		if _, err := f.ls.Start(ctx, trainer, v.ID); err != nil {
			t.Fatal(err)
		}
		m1, err := f.ls.Post(ctx, learner42, v.ID, KindChat, "  老师好\n\n听得清楚 ")
		if err != nil || m1.Text != "老师好 听得清楚" || !m1.Mine || m1.Author != "张三丰" {
			t.Fatalf("Post = %+v, %v", m1, err)
		}
		for _, bad := range []string{"", "   ", strings.Repeat("长", MaxText+1)} {
			if _, err := f.ls.Post(ctx, learner42, v.ID, KindChat, bad); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Post(%.10q): %v", bad, err)
			}
		}
		if _, err := f.ls.Post(ctx, learner44, v.ID, KindChat, "hi"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Post outside the audience: %v", err)
		}
		// Rate limit: 3 in 5 s.
		f.clk.Add(time.Second)
		f.ls.Post(ctx, learner42, v.ID, KindChat, "二")
		f.ls.Post(ctx, learner42, v.ID, KindChat, "三")
		if _, err := f.ls.Post(ctx, learner42, v.ID, KindChat, "四"); !errors.Is(err, ErrTooMany) {
			t.Errorf("fourth message in 5 s: %v", err)
		}
		if _, err := f.ls.Post(ctx, learner43, v.ID, KindChat, "我是另一个人"); err != nil {
			t.Errorf("another viewer is limited too: %v", err)
		}
		f.clk.Add(5 * time.Second)
		if err := f.ls.MuteChat(ctx, trainer, v.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.ls.MuteChat(ctx, learner42, v.ID, false); !errors.Is(err, ErrForbidden) {
			t.Errorf("a learner unmutes: %v", err)
		}
		if _, err := f.ls.Post(ctx, learner42, v.ID, KindChat, "还能说话吗"); !errors.Is(err, ErrChatMuted) {
			t.Errorf("chat while muted: %v", err)
		}
		q, err := f.ls.Post(ctx, learner42, v.ID, KindQuestion, "动火作业票谁来签？")
		if err != nil {
			t.Fatalf("a question while muted: %v", err)
		}
		if _, err := f.ls.Post(ctx, trainer, v.ID, KindChat, "请大家提问"); err != nil {
			t.Errorf("the trainer chats while muted: %v", err)
		}
		if _, err := f.ls.AnswerQuestion(ctx, trainer, v.ID, m1.ID, "不是问题"); !errors.Is(err, ErrMessageNotFound) {
			t.Errorf("answering a chat message: %v", err)
		}
		a, err := f.ls.AnswerQuestion(ctx, trainer, v.ID, q.ID, "由单位负责人审批签发")
		if err != nil || !a.Answered || a.Answer != "由单位负责人审批签发" {
			t.Fatalf("AnswerQuestion = %+v, %v", a, err)
		}
		if _, err := f.ls.AnswerQuestion(ctx, learner43, v.ID, q.ID, "我来答"); !errors.Is(err, ErrForbidden) {
			t.Errorf("a learner answers: %v", err)
		}
		pinned, err := f.ls.Pin(ctx, trainer, v.ID, q.ID, true)
		if err != nil || pinned == nil || pinned.ID != q.ID || !pinned.Pinned {
			t.Fatalf("Pin = %+v, %v", pinned, err)
		}
		room, err := f.ls.Room(ctx, learner43, v.ID)
		if err != nil || !room.ChatMuted || room.Pinned == nil || room.Pinned.ID != q.ID || room.Pinned.Author != ident.MaskName("张三丰") {
			t.Errorf("Room = %+v, %v", room, err)
		}
		msgs, err := f.ls.Messages(ctx, learner43, v.ID, 0, 0)
		if err != nil || len(msgs) != 6 {
			t.Fatalf("Messages = %d, %v", len(msgs), err)
		}
		for _, m := range msgs {
			switch {
			case m.Trainer && m.Author != "赵讲师":
				t.Errorf("the trainer's name %q", m.Author)
			case !m.Trainer && m.Mine && m.Author != "李四光":
				t.Errorf("one's own name %q", m.Author)
			case !m.Trainer && !m.Mine && m.Author != ident.MaskName("张三丰"):
				t.Errorf("another learner's name %q, want masked", m.Author)
			}
		}
		// On entering: the newest first-to-last, another viewer's unanswered
		// question left out for viewers.
		q2, err := f.ls.Post(ctx, learner42, v.ID, KindQuestion, "还有一个问题")
		if err != nil {
			t.Fatal(err)
		}
		recent, err := f.ls.Recent(ctx, learner43, v.ID, 3)
		if err != nil || len(recent) != 3 || recent[2].ID != msgs[5].ID || recent[0].ID != msgs[3].ID {
			t.Fatalf("Recent for another viewer = %+v, %v; want the last three of %d messages without %d", recent, err, len(msgs), q2.ID)
		}
		if mine, _ := f.ls.Recent(ctx, learner42, v.ID, 1); len(mine) != 1 || mine[0].ID != q2.ID {
			t.Errorf("Recent for the asker = %+v, want their own question", mine)
		}
		if all, _ := f.ls.Recent(ctx, trainer, v.ID, 1); len(all) != 1 || all[0].ID != q2.ID {
			t.Errorf("Recent for the trainer = %+v, want the newest question", all)
		}
		trainerView, _ := f.ls.Messages(ctx, trainer, v.ID, msgs[3].ID, 0)
		if len(trainerView) != 3 || trainerView[0].Author != "张三丰" {
			t.Errorf("the trainer's view after %d = %+v", msgs[3].ID, trainerView)
		}
		if got, err := f.ls.Pin(ctx, trainer, v.ID, q.ID, false); err != nil || got != nil {
			t.Errorf("unpin = %+v, %v", got, err)
		}
		if _, err := f.ls.RemoveViewer(ctx, trainer, v.ID, 42, "发布广告"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ls.Post(ctx, learner42, v.ID, KindQuestion, "为什么"); !errors.Is(err, ErrRemoved) {
			t.Errorf("a removed viewer posts: %v", err)
		}
		var n int64
		gdb.Model(&audit.Entry{}).Where("action IN ?", []string{"live.mute_chat", "live.pin", "live.remove_viewer"}).Count(&n)
		if n != 4 {
			t.Errorf("%d moderation audit entries, want 4 (mute, pin, unpin, remove)", n)
		}
	})
}

// TestDueChecks: the system's checks follow the seeded schedule and two
// servers asking at once issue each slot once.
func TestDueChecks(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.create(t, trainer, f.input())
		f.clk.Set(opening)
		if _, err := f.ls.Start(ctx, trainer, v.ID); err != nil {
			t.Fatal(err)
		}
		plan := ScheduleChecks(42>>1, opening, time.Hour, CheckEvery.Min, CheckEvery.Max)
		if len(plan) < 2 {
			t.Fatalf("schedule %v", plan)
		}
		f.clk.Set(plan[0].Add(-time.Second))
		if got, err := f.ls.DueChecks(ctx, v.ID); err != nil || len(got) != 0 {
			t.Fatalf("DueChecks before the first slot = %v, %v", got, err)
		}
		f.clk.Set(plan[0].Add(5 * time.Second))
		var wg sync.WaitGroup
		issued := make([]int, 4)
		for i := range issued {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := f.ls.DueChecks(ctx, v.ID)
				if err != nil {
					t.Error(err)
				}
				issued[i] = len(got)
			}()
		}
		wg.Wait()
		if total := issued[0] + issued[1] + issued[2] + issued[3]; total != 1 {
			t.Errorf("%v checks issued by four concurrent calls, want 1 in all", issued)
		}
		open, ok, err := f.ls.OpenCheck(ctx, v.ID)
		if err != nil || !ok || !open.Deadline.Equal(open.Issued.Add(CheckTimeout)) {
			t.Errorf("OpenCheck = %+v, %v, %v", open, ok, err)
		}
		// A slot whose minute passed unissued is skipped.
		f.clk.Set(plan[1].Add(2 * time.Minute))
		if got, err := f.ls.DueChecks(ctx, v.ID); err != nil || len(got) != 0 {
			t.Errorf("DueChecks after a missed slot = %v, %v", got, err)
		}
	})
}

func TestRemindAndUpcoming(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		f := newFixture(t, gdb)
		ctx := context.Background()
		v := f.create(t, trainer, f.input())
		other := f.input()
		other.ScheduledAt = opening.Add(48 * time.Hour)
		f.create(t, trainer, other)
		if n, err := f.ls.Remind(ctx, 2*time.Hour); err != nil || n != 0 {
			t.Fatalf("Remind a day early = %d, %v", n, err)
		}
		f.clk.Set(opening.Add(-90 * time.Minute))
		var wg sync.WaitGroup
		sent := make([]int, 3)
		for i := range sent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := f.ls.Remind(ctx, 2*time.Hour)
				if err != nil {
					t.Error(err)
				}
				sent[i] = n
			}()
		}
		wg.Wait()
		if sent[0]+sent[1]+sent[2] != 2 { // 42 and 43; 44 is not a special operator, 99 not on the roster
			t.Errorf("reminders sent %v, want 2 in all", sent)
		}
		inbox, _, err := f.ns.Inbox(ctx, learner42, false, 10, 0)
		if err != nil || len(inbox) != 1 || !strings.Contains(inbox[0].Subject, "动火作业直播") || inbox[0].Link != "/live/"+itoa(int(v.ID)) {
			t.Errorf("42's inbox = %+v, %v", inbox, err)
		}
		if inbox, _, _ := f.ns.Inbox(ctx, learner44, false, 10, 0); len(inbox) != 0 {
			t.Errorf("44 was reminded of a session not for them: %+v", inbox)
		}
		up, err := f.ls.Upcoming(ctx, learner42, 24*time.Hour)
		if err != nil || len(up) != 1 || up[0].ID != v.ID {
			t.Errorf("Upcoming = %+v, %v", up, err)
		}
		if _, err := f.ls.Upcoming(ctx, trainer, time.Hour); !errors.Is(err, ErrNotLearner) {
			t.Errorf("Upcoming for a trainer: %v", err)
		}
		// Rescheduling reminds again.
		in := f.input()
		in.ScheduledAt = opening.Add(30 * time.Minute)
		if _, err := f.ls.Update(ctx, trainer, v.ID, in); err != nil {
			t.Fatal(err)
		}
		if n, err := f.ls.Remind(ctx, 2*time.Hour); err != nil || n != 2 {
			t.Errorf("Remind after rescheduling = %d, %v", n, err)
		}
	})
}
