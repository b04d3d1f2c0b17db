package compliance

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/db/dbtest"
	"anpei/fault"
	"anpei/hours"
	"anpei/roster"
)

func migrateStore(gdb *gorm.DB) error {
	if err := roster.AutoMigrate(gdb); err != nil {
		return err
	}
	return AutoMigrate(gdb)
}

// world is a random district held in memory: the Source of a store.
type world struct {
	subjects []roster.Subject
	inds     []roster.Industry
	certs    map[uint][]certs.Certificate
	credits  map[uint][]hours.Credit
}

var towns = []string{"T1", "T2", "T3"}

func newWorld(n int, seed uint64, asOf time.Time) *world {
	r := rand.New(rand.NewPCG(seed, 7))
	w := &world{certs: map[uint][]certs.Certificate{}, credits: map[uint][]hours.Credit{},
		inds: []roster.Industry{{Code: "hazchem", HighRisk: true, AssessmentRequired: true, DepartmentCode: "yjj"},
			{Code: "machinery", DepartmentCode: "gxj"}, {Code: "transport", AssessmentRequired: true, DepartmentCode: "jtj"}}}
	ks := certs.MustKinds()
	so, _ := ks.Get("special_operation")
	sq, _ := ks.Get("safety_qualification")
	for i := range n {
		id := uint(i + 1)
		cat := []roster.Category{roster.CategoryPrincipal, roster.CategorySafetyManager, roster.CategorySpecialOperator, roster.CategoryOther, roster.CategoryOther}[r.IntN(5)]
		appointed := asOf.AddDate(0, 0, -r.IntN(3000))
		p := roster.Person{ID: id, Name: "员工" + strconv.Itoa(i), IDMasked: "530302********" + strconv.Itoa(1000+i), EnterpriseID: uint(1 + r.IntN(6)),
			Categories: cat, DutyStatus: roster.DutyOn, AppointedOn: &appointed, OperationItems: []string{}}
		if r.IntN(10) == 0 {
			p.DutyStatus = roster.DutyOff
		}
		if cat == roster.CategorySpecialOperator {
			p.OperationItems = []string{"1.2"}
		}
		ent := p.EnterpriseID
		w.subjects = append(w.subjects, roster.Subject{Person: p, TownCode: towns[ent%3], IndustryCode: w.inds[ent%3].Code,
			Events: []roster.DutyEvent{{PersonID: id, EnterpriseID: ent, Kind: roster.DutyAppoint, Date: appointed}}})
		var kind certs.Kind
		switch cat {
		case roster.CategorySpecialOperator:
			kind = so
		case roster.CategoryPrincipal, roster.CategorySafetyManager:
			kind = sq
		}
		if kind.Code != "" && r.IntN(4) != 0 {
			c := certs.Certificate{ID: id, PersonID: id, Kind: kind.Code, Number: "N" + strconv.Itoa(i), State: certs.StateActive, External: true, Verified: r.IntN(2) == 0}
			if kind.NeedsItem {
				c.OperationItem = "1.2"
			}
			d := kind.Schedule(asOf.AddDate(0, -r.IntN(80), 0), false)
			c.IssuedOn, c.ValidUntil, c.NextReview = d.IssuedOn, datePtr(d.ValidUntil), datePtr(d.NextReview)
			if r.IntN(15) == 0 {
				c.State = certs.StateRevoked
			}
			w.certs[id] = append(w.certs[id], c)
		}
		for d := range r.IntN(30) {
			w.credits[id] = append(w.credits[id], hours.Credit{Minutes: 45 + r.IntN(400), Online: r.IntN(2) == 0, CourseCategory: "law",
				At: asOf.AddDate(0, 0, -d*9)})
		}
	}
	return w
}

func datePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (w *world) source() Source {
	return Source{
		Subjects: func(_ context.Context, after uint, limit int) ([]roster.Subject, error) {
			var out []roster.Subject
			for _, s := range w.subjects {
				if s.ID > after && len(out) < limit {
					out = append(out, s)
				}
			}
			return out, nil
		},
		Industries: func(context.Context) ([]roster.Industry, error) { return w.inds, nil },
		Certificates: func(_ context.Context, ids []uint) (map[uint][]certs.Certificate, error) {
			out := map[uint][]certs.Certificate{}
			for _, id := range ids {
				out[id] = w.certs[id]
			}
			return out, nil
		},
		Credits: func(_ context.Context, ids []uint) (map[uint][]hours.Credit, error) {
			out := map[uint][]hours.Credit{}
			for _, id := range ids {
				out[id] = w.credits[id]
			}
			return out, nil
		},
	}
}

func testComplianceStore(t *testing.T, gdb *gorm.DB, w *world, now time.Time) *Store {
	t.Helper()
	e := newEngine(t, true)
	table, err := hours.DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	for i, town := range towns {
		if err := gdb.Create(&roster.Town{Code: town, Name: "镇" + town, Sort: i}).Error; err != nil {
			t.Fatal(err)
		}
	}
	for ent := 1; ent <= 6; ent++ {
		if err := gdb.Create(&roster.Enterprise{ID: uint(ent), Name: "企业" + strconv.Itoa(ent), CreditCode: "9153030200000000" + strconv.Itoa(ent),
			TownCode: towns[ent%3], IndustryCode: w.inds[ent%3].Code, Status: roster.StatusOperating}).Error; err != nil {
			t.Fatal(err)
		}
	}
	return NewStore(gdb, StoreOptions{Now: func() time.Time { return now }, Engine: e, Table: table, Source: w.source(), PageSize: 64})
}

var (
	districtAdmin = account.Principal{UserID: 1, Role: account.RoleAdmin}
	townT1        = account.Principal{UserID: 2, Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown, JurisdictionCode: "T1"}
	entAdmin4     = account.Principal{UserID: 3, Role: account.RoleEnterpriseAdmin, EnterpriseID: 4}
)

// TestStoredTallyEqualsEngine: the SQL roll-ups of the stored results
// equal the engine's own Tally over the same people, for the district and
// per town; the gap list and its filters agree with the counts.
func TestStoredTallyEqualsEngine(t *testing.T) {
	dbtest.Each(t, migrateStore, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		asOf := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		w := newWorld(700, 11, asOf)
		st := testComplianceStore(t, gdb, w, asOf)
		rep, err := st.Refresh(ctx, asOf)
		if err != nil {
			t.Fatal(err)
		}
		// The engine's tallies, from the same inputs, in Go.
		want := map[string]*Tally{"": {}}
		err = st.evaluate(ctx, asOf, func(page []roster.Subject, res []*Result, _ map[string]roster.Industry, _ map[uint][]certs.Certificate) error {
			for i, r := range res {
				want[""].Add(r)
				town := page[i].TownCode
				if want[town] == nil {
					want[town] = &Tally{}
				}
				want[town].Add(r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Evaluated != want[""].People || rep.Evaluated == 0 || rep.People != 700 {
			t.Fatalf("report %+v, engine people %d", rep, want[""].People)
		}
		sum, err := st.Summary(ctx, districtAdmin, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, exp := sum.Tally, tallyView(want[""]); !equalTally(got, exp) {
			t.Fatalf("district summary\n got %+v\nwant %+v", got, exp)
		}
		viaSQL, err := st.SummaryFromResults(ctx, districtAdmin, "")
		if err != nil || !equalTally(viaSQL.Tally, sum.Tally) {
			t.Fatalf("the aggregate over the results %+v differs from the roll-ups %+v (%v)", viaSQL.Tally, sum.Tally, err)
		}
		if sum.AsOf != "2026-11-28" || sum.Scope.Kind != "district" {
			t.Errorf("summary scope %+v as of %s", sum.Scope, sum.AsOf)
		}
		groups, err := st.Breakdown(ctx, districtAdmin, "district", "town")
		if err != nil || len(groups) != 3 {
			t.Fatalf("breakdown: %d %v", len(groups), err)
		}
		for _, g := range groups {
			if !equalTally(g.Tally, tallyView(want[g.Key])) {
				t.Errorf("town %s: %+v, want %+v", g.Key, g.Tally, tallyView(want[g.Key]))
			}
		}
		gaps, total, err := st.Gaps(ctx, districtAdmin, "", GapFilter{Limit: 1000})
		if err != nil || int(total) != want[""].DueSoon+want[""].NonCompliant || len(gaps) != int(total) {
			t.Fatalf("gaps %d (%v), want %d", total, err, want[""].DueSoon+want[""].NonCompliant)
		}
		for _, code := range Codes() {
			_, n, err := st.Gaps(ctx, districtAdmin, "", GapFilter{Reason: code.String()})
			if err != nil || int(n) != want[""].WithReason(code) {
				t.Errorf("gaps with %s: %d, want %d (%v)", code, n, want[""].WithReason(code), err)
			}
		}
		if _, n, _ := st.Gaps(ctx, districtAdmin, "", GapFilter{Major: true}); int(n) != want[""].Major {
			t.Errorf("major hazards: %d, want %d", n, want[""].Major)
		}
		for _, g := range gaps {
			if len(g.Reasons) == 0 || g.Reasons[0].Message == "" || g.Reasons[0].Basis == "" {
				t.Fatalf("gap without reasons: %+v", g)
			}
		}
		// A second sweep after someone left the roster: their result is
		// gone.
		var gone uint
		for i, subj := range w.subjects {
			var n int64
			gdb.Model(&ResultRow{}).Where("person_id = ?", subj.ID).Count(&n)
			if n == 1 {
				gone = subj.ID
				w.subjects = append(w.subjects[:i], w.subjects[i+1:]...)
				break
			}
		}
		if _, err := st.Refresh(ctx, asOf); err != nil {
			t.Fatal(err)
		}
		var n int64
		gdb.Model(&ResultRow{}).Where("person_id = ?", gone).Count(&n)
		if n != 0 {
			t.Error("the result of a person gone off duty stays")
		}
	})
}

func equalTally(a, b TallyView) bool {
	if a.People != b.People || a.Compliant != b.Compliant || a.DueSoon != b.DueSoon || a.NonCompliant != b.NonCompliant || a.Major != b.Major ||
		a.Certified != b.Certified || a.PreJob != b.PreJob || a.Annual != b.Annual || len(a.ByReason) != len(b.ByReason) {
		return false
	}
	for k, v := range a.ByReason {
		if b.ByReason[k] != v {
			return false
		}
	}
	return true
}

// TestScopeIsolation: a town regulator sees their town and its
// enterprises only; an enterprise admin their enterprise; learners and
// trainers nothing.
func TestScopeIsolation(t *testing.T) {
	dbtest.Each(t, migrateStore, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		asOf := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		st := testComplianceStore(t, gdb, newWorld(200, 3, asOf), asOf)
		if _, err := st.Refresh(ctx, asOf); err != nil {
			t.Fatal(err)
		}
		// Enterprise 4 is in town T2 (4 % 3 = 1), enterprise 3 in T1.
		cases := []struct {
			p     account.Principal
			scope string
			want  error
			kind  string
		}{
			{townT1, "", nil, "town"},
			{townT1, "town:T1", nil, "town"},
			{townT1, "town:T2", ErrForbidden, ""},
			{townT1, "district", ErrForbidden, ""},
			{townT1, "enterprise:3", nil, "enterprise"},
			{townT1, "enterprise:4", ErrNotFound, ""},
			{townT1, "industry:hazchem", ErrForbidden, ""},
			{entAdmin4, "", nil, "enterprise"},
			{entAdmin4, "enterprise:3", ErrForbidden, ""},
			{districtAdmin, "town:T9", ErrNotFound, ""},
			{districtAdmin, "town:", ErrBadScope, ""},
			{districtAdmin, "province", ErrBadScope, ""},
			{account.Principal{Role: account.RoleLearner, PersonID: 1}, "", ErrForbidden, ""},
			{account.Principal{Role: account.RoleTrainer}, "", ErrForbidden, ""},
		}
		for _, c := range cases {
			sum, err := st.Summary(ctx, c.p, c.scope)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Errorf("%s asks %q: %v, want %v", c.p.Role, c.scope, err, c.want)
				}
				continue
			}
			if err != nil || sum.Scope.Kind != c.kind {
				t.Errorf("%s asks %q: %+v %v", c.p.Role, c.scope, sum.Scope, err)
			}
		}
		gaps, _, err := st.Gaps(ctx, townT1, "", GapFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gaps {
			if g.TownCode != "T1" {
				t.Fatalf("the town regulator of T1 sees a gap in %s", g.TownCode)
			}
		}
		if _, err := st.Breakdown(ctx, townT1, "", "enterprise"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Gaps(ctx, districtAdmin, "", GapFilter{Reason: "nonsense"}); fault.As(err).Kind != fault.Invalid {
			t.Errorf("a bad reason filter: %v", err)
		}
	})
}

// TestSnapshotsAndTrend: a month-end snapshot per enterprise sums to the
// engine's tally at that date, per scope; SnapshotDue stores the past
// month once.
func TestSnapshotsAndTrend(t *testing.T) {
	dbtest.Each(t, migrateStore, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		w := newWorld(300, 5, now)
		st := testComplianceStore(t, gdb, w, now)
		month, err := st.SnapshotDue(ctx, now)
		if err != nil || month != "2026-10" {
			t.Fatalf("SnapshotDue = %q, %v", month, err)
		}
		if again, err := st.SnapshotDue(ctx, now); err != nil || again != "" {
			t.Fatalf("second SnapshotDue = %q, %v", again, err)
		}
		end := time.Date(2026, 10, 31, 4, 0, 0, 0, time.UTC)
		if err := st.Snapshot(ctx, time.Date(2026, 9, 30, 4, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		want := map[string]*Tally{"": {}}
		st.evaluate(ctx, end, func(page []roster.Subject, res []*Result, _ map[string]roster.Industry, _ map[uint][]certs.Certificate) error {
			for i, r := range res {
				want[""].Add(r)
				if want[page[i].TownCode] == nil {
					want[page[i].TownCode] = &Tally{}
				}
				want[page[i].TownCode].Add(r)
			}
			return nil
		})
		trend, err := st.Trend(ctx, districtAdmin, "", 12)
		if err != nil || len(trend) != 2 || trend[0].Month != "2026-09" || trend[1].Month != "2026-10" {
			t.Fatalf("trend %+v %v", trend, err)
		}
		if !equalTally(trend[1].Tally, tallyView(want[""])) {
			t.Errorf("district at 2026-10-31: %+v, want %+v", trend[1].Tally, tallyView(want[""]))
		}
		town, err := st.Trend(ctx, townT1, "", 1)
		if err != nil || len(town) != 1 || !equalTally(town[0].Tally, tallyView(want["T1"])) {
			t.Errorf("town T1 trend %+v %v", town, err)
		}
	})
}

// TestDueCalendar: the roll-ups count each active certificate of a person
// on duty on its next review (or else expiry) day within the year.
func TestDueCalendar(t *testing.T) {
	dbtest.Each(t, migrateStore, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		asOf := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		w := newWorld(300, 9, asOf)
		st := testComplianceStore(t, gdb, w, asOf)
		if _, err := st.Refresh(ctx, asOf); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		onDuty := map[uint]bool{}
		var rows []ResultRow
		gdb.Find(&rows)
		for _, r := range rows {
			onDuty[r.PersonID] = true
		}
		lo, hi := certs.Day(asOf), certs.Day(asOf).AddDate(0, 0, 365)
		for id, cs := range w.certs {
			for _, c := range cs {
				d := c.Dates().DueDate()
				if onDuty[id] && c.State == certs.StateActive && !d.IsZero() && !d.Before(lo) && d.Before(hi) {
					want[d.Format("2006-01-02")]++
				}
			}
		}
		got, err := st.DueCalendar(ctx, districtAdmin, "", asOf, 365)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%d due days, want %d", len(got), len(want))
		}
		for d, n := range want {
			if got[d] != n {
				t.Errorf("%s: %d, want %d", d, got[d], n)
			}
		}
	})
}

// TestRetestRecorded: a special operator back after eight months off the
// post owes the practical re-test until one is recorded on a certificate.
func TestRetestRecorded(t *testing.T) {
	dbtest.Each(t, migrateStore, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		asOf := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		appointed, left, back := day(2020, 3, 1), day(2026, 1, 10), day(2026, 10, 1)
		p := roster.Person{ID: 1, Name: "张晓明", EnterpriseID: 1, Categories: roster.CategorySpecialOperator, DutyStatus: roster.DutyOn,
			AppointedOn: &back, LeftOn: &left, OperationItems: []string{"1.2"}}
		w := &world{inds: []roster.Industry{{Code: "machinery", DepartmentCode: "gxj"}, {Code: "trade", DepartmentCode: "gxj"}, {Code: "other", DepartmentCode: "gxj"}}, credits: map[uint][]hours.Credit{},
			subjects: []roster.Subject{{Person: p, TownCode: "T1", IndustryCode: "machinery", Events: []roster.DutyEvent{
				{PersonID: 1, EnterpriseID: 1, Kind: roster.DutyAppoint, Date: appointed},
				{PersonID: 1, EnterpriseID: 1, Kind: roster.DutyLeave, Date: left},
				{PersonID: 1, EnterpriseID: 1, Kind: roster.DutyReturn, Date: back}}}}}
		so, _ := certs.MustKinds().Get("special_operation")
		d := so.Schedule(day(2025, 6, 1), false)
		cert := certs.Certificate{ID: 1, PersonID: 1, Kind: so.Code, Number: "T1", OperationItem: "1.2", State: certs.StateActive, External: true, Verified: true,
			IssuedOn: d.IssuedOn, ValidUntil: datePtr(d.ValidUntil), NextReview: datePtr(d.NextReview)}
		w.certs = map[uint][]certs.Certificate{1: {cert}}
		st := testComplianceStore(t, gdb, w, asOf)
		hasRetestGap := func() bool {
			if _, err := st.Refresh(ctx, asOf); err != nil {
				t.Fatal(err)
			}
			_, n, err := st.Gaps(ctx, districtAdmin, "", GapFilter{Reason: CodeSpecialRetestMissing.String()})
			if err != nil {
				t.Fatal(err)
			}
			return n == 1
		}
		if !hasRetestGap() {
			t.Fatal("no re-test gap for a special operator back after eight months")
		}
		retest := day(2026, 10, 5)
		w.certs[1][0].LastRetest = &retest
		if hasRetestGap() {
			t.Fatal("the re-test gap stays after a re-test was recorded")
		}
	})
}
