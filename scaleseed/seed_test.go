package scaleseed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/course"
	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
	"anpei/scaleseed"
	"anpei/schema"
)

// now is the fixed clock of the tests: 10 March 2026, 10:00 in Qujing.
var now = time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func clock() time.Time { return now }

func migrate(gdb *gorm.DB) error { return schema.Migrate(context.Background(), gdb) }

// small is the district of the tests.
var small = scaleseed.Counts{Enterprises: 20, People: 500, Certificates: 1500, Ledger: 5000}

// env is a migrated database with the stores a seed needs and the
// certificate store that reads what it wrote.
type env struct {
	ctx      context.Context
	db       *gorm.DB
	keys     *pii.Keyring
	roster   *roster.Store
	accounts *account.Store
	certs    *certs.Store
}

func newEnv(t *testing.T, gdb *gorm.DB) *env {
	t.Helper()
	keys, err := pii.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rs := roster.NewStore(gdb, keys, clock)
	return &env{
		ctx: context.Background(), db: gdb, keys: keys, roster: rs,
		accounts: account.NewStore(gdb, account.Options{Now: clock, BcryptCost: 4, PersonEnterprise: rs.PersonEnterprise}),
		certs:    certs.NewStore(gdb, certs.Options{Now: clock, PersonIDIn: roster.PersonIDIn}),
	}
}

func (e *env) seed(seed uint64) (scaleseed.Result, error) {
	return scaleseed.Seed(e.ctx, e.db, scaleseed.Stores{Roster: e.roster, Keys: e.keys, Accounts: e.accounts},
		scaleseed.Options{Counts: small, Seed: seed, Now: clock})
}

func (e *env) count(t *testing.T, model any) int {
	t.Helper()
	var n int64
	if err := e.db.Model(model).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestSeed(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, gdb *gorm.DB) {
		e := newEnv(t, gdb)
		var progressed []string
		res, err := scaleseed.Seed(e.ctx, e.db, scaleseed.Stores{Roster: e.roster, Keys: e.keys, Accounts: e.accounts},
			scaleseed.Options{Counts: small, Seed: 1, Now: clock, Progress: func(p scaleseed.Progress) {
				if !slices.Contains(progressed, p.Step) {
					progressed = append(progressed, p.Step)
				}
			}})
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if res.Enterprises != small.Enterprises || res.People != small.People || res.Certificates != small.Certificates || res.Ledger != small.Ledger {
			t.Fatalf("result counts %d/%d/%d/%d, want %+v", res.Enterprises, res.People, res.Certificates, res.Ledger, small)
		}
		for _, step := range []string{"enterprises", "people", "ledger", "certificates"} {
			if !slices.Contains(progressed, step) {
				t.Errorf("no progress reported for %s (got %v)", step, progressed)
			}
		}
		for _, c := range []struct {
			model any
			want  int
		}{
			{&roster.Enterprise{}, small.Enterprises}, {&roster.Person{}, small.People},
			{&roster.PersonOperationItem{}, res.OperationItems}, {&roster.DutyEvent{}, res.DutyEvents},
			{&certs.Certificate{}, small.Certificates}, {&certs.Event{}, res.CertificateEvents},
			{&course.CreditEntry{}, small.Ledger}, {&course.OfflineRecord{}, res.OfflineRecords},
		} {
			if got := e.count(t, c.model); got != c.want {
				t.Errorf("%T: %d rows, want %d", c.model, got, c.want)
			}
		}
		t.Run("enterprises", func(t *testing.T) { checkEnterprises(t, e) })
		t.Run("people", func(t *testing.T) { checkPeople(t, e) })
		t.Run("certificates", func(t *testing.T) { checkCertificates(t, e, res) })
		t.Run("ledger", func(t *testing.T) { checkLedger(t, e) })
		t.Run("accounts and audit", func(t *testing.T) { checkAccounts(t, e, res) })

		_, err = e.seed(1)
		if !errors.Is(err, scaleseed.ErrNotEmpty) {
			t.Fatalf("second Seed: %v, want ErrNotEmpty", err)
		}
		if got := e.count(t, &roster.Person{}); got != small.People {
			t.Errorf("after the refused second seed: %d people, want %d", got, small.People)
		}
	})
}

func checkEnterprises(t *testing.T, e *env) {
	sys := account.System()
	rows, total, err := e.roster.ListEnterprises(e.ctx, sys, roster.EnterpriseFilter{Limit: 100})
	if err != nil || int(total) != small.Enterprises {
		t.Fatalf("ListEnterprises: %d, %v; want %d", total, err, small.Enterprises)
	}
	industries, _ := e.roster.Industries(e.ctx)
	highRisk := map[string]bool{}
	for _, in := range industries {
		highRisk[in.Code] = in.HighRisk
	}
	towns, _ := e.roster.Towns(e.ctx)
	inTown := map[string]bool{}
	for _, tw := range towns {
		inTown[tw.Code] = true
	}
	risky := 0
	for _, r := range rows {
		if _, err := ident.ParseCreditCode(r.CreditCode); err != nil {
			t.Errorf("%s: credit code %s: %v", r.Name, r.CreditCode, err)
		}
		if !inTown[r.TownCode] {
			t.Errorf("%s: town %q not in the reference data", r.Name, r.TownCode)
		}
		if h, ok := highRisk[r.IndustryCode]; !ok {
			t.Errorf("%s: industry %q not in the reference data", r.Name, r.IndustryCode)
		} else if h {
			risky++
		}
		if r.ContactName == "" {
			t.Errorf("%s has no contact person", r.Name)
		}
	}
	if risky == 0 {
		t.Error("no enterprise of a high-risk industry")
	}
}

func checkPeople(t *testing.T, e *env) {
	sys := account.System()
	var people []roster.Person
	if err := e.db.Order("id").Find(&people).Error; err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	cats := map[roster.Category]int{}
	duty := map[roster.DutyStatus]int{}
	for _, p := range people {
		number, err := e.keys.Open(p.IDCipher)
		if err != nil {
			t.Fatalf("person %d: open the ID number: %v", p.ID, err)
		}
		id, err := ident.ParseID(ident.DocResidentID, number, today)
		if err != nil {
			t.Fatalf("person %d: ID number %s: %v", p.ID, number, err)
		}
		if hash, _ := e.roster.HashID(ident.DocResidentID, number); hash != p.IDHash {
			t.Errorf("person %d: stored hash is not roster's HashID", p.ID)
		}
		if p.IDMasked != ident.MaskID(number) || p.Sex != id.Sex || p.BirthDate == nil || !p.BirthDate.Equal(id.Birth) {
			t.Errorf("person %d: masked %s, sex %s, birth %v do not agree with %s", p.ID, p.IDMasked, p.Sex, p.BirthDate, number)
		}
		rows, n, err := e.roster.ListPeople(e.ctx, sys, roster.PersonFilter{Text: number})
		if err != nil || n != 1 || rows[0].ID != p.ID {
			t.Fatalf("ListPeople(%s): %d rows, %v; want person %d", number, n, err, p.ID)
		}
		cats[p.Categories]++
		duty[p.DutyStatus]++
		if p.DutyStatus != roster.DutyPending && p.AppointedOn == nil {
			t.Errorf("person %d is %s without an appointment date", p.ID, p.DutyStatus)
		}
	}
	if cats[roster.CategoryPrincipal] != small.Enterprises || cats[roster.CategorySpecialOperator] == 0 || cats[roster.CategoryOther] < small.People/2 {
		t.Errorf("categories %v", cats)
	}
	if duty[roster.DutyOn] < small.People*8/10 || duty[roster.DutyOff] == 0 {
		t.Errorf("duty statuses %v: want mostly on duty, some off", duty)
	}
	var kinds []string
	if err := e.db.Model(&roster.DutyEvent{}).Distinct("kind").Order("kind").Pluck("kind", &kinds).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds, []string{"appoint", "leave", "return", "transfer"}) {
		t.Errorf("duty event kinds %v, want appoint, leave, return and transfer", kinds)
	}
	// Every special operator has items; the roster lists them.
	rows, n, err := e.roster.ListPeople(e.ctx, sys, roster.PersonFilter{Category: roster.CategorySpecialOperator, Limit: 1000})
	if err != nil || int(n) != cats[roster.CategorySpecialOperator] {
		t.Fatalf("ListPeople(special operators): %d, %v; want %d", n, err, cats[roster.CategorySpecialOperator])
	}
	for _, r := range rows {
		if len(r.OperationItems) == 0 || len(r.OperationItems) > 2 {
			t.Errorf("special operator %d has items %v", r.ID, r.OperationItems)
		}
	}
}

func checkCertificates(t *testing.T, e *env, res scaleseed.Result) {
	sys := account.System()
	_, total, err := e.certs.List(e.ctx, sys, certs.Filter{Limit: 1})
	if err != nil || int(total) != small.Certificates {
		t.Fatalf("List: %d, %v; want %d", total, err, small.Certificates)
	}
	seen := 0
	for _, st := range certs.Statuses() {
		_, n, err := e.certs.List(e.ctx, sys, certs.Filter{Status: st, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != res.Statuses[st] {
			t.Errorf("List(status %s): %d, the seed counted %d", st, n, res.Statuses[st])
		}
		if n > 0 {
			seen++
		}
	}
	if seen < 5 || res.Statuses[certs.StatusValid] < small.Certificates/2 {
		t.Errorf("statuses %v: want most valid and at least five statuses", res.Statuses)
	}
	for _, k := range certs.MustKinds().All() {
		if _, n, err := e.certs.List(e.ctx, sys, certs.Filter{Kind: k.Code, Limit: 1}); err != nil || n == 0 {
			t.Errorf("no certificate of kind %s (%v)", k.Code, err)
		}
	}
	if res.Unverified == 0 {
		t.Error("no unverified state certificate")
	}

	var list []certs.Certificate
	if err := e.db.Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	var people []roster.Person
	if err := e.db.Find(&people).Error; err != nil {
		t.Fatal(err)
	}
	number := map[uint]string{}
	for _, p := range people {
		number[p.ID], _ = e.keys.Open(p.IDCipher)
	}
	type eventCount struct {
		CertificateID uint
		N             int
	}
	var counts []eventCount
	if err := e.db.Model(&certs.Event{}).Select("certificate_id, COUNT(*) AS n").Group("certificate_id").Scan(&counts).Error; err != nil {
		t.Fatal(err)
	}
	events := map[uint]int{}
	for _, c := range counts {
		events[c.CertificateID] = c.N
	}
	type seqKey struct {
		kind string
		year int
	}
	issued := map[seqKey]int64{}
	for _, c := range list {
		id := number[c.PersonID]
		if c.Kind == "special_operation" && len(c.Number) == 19 && c.Number != "T"+id {
			t.Errorf("certificate %s: special-operation number is not T + the holder's ID number", c.Number)
		}
		if signing.HashID(c.IDSalt, id) != c.IDHash || signing.OBIdentityHash(id, c.IDSalt) != c.BadgeHash {
			t.Errorf("certificate %s: ID hashes do not match the holder's number", c.Number)
		}
		var history []certs.PublicEvent
		if err := json.Unmarshal([]byte(c.PublicHistory), &history); err != nil || len(history) == 0 {
			t.Fatalf("certificate %s: public history %q: %v", c.Number, c.PublicHistory, err)
		}
		if len(history) != events[c.ID] {
			t.Errorf("certificate %s: %d public history steps, %d events", c.Number, len(history), events[c.ID])
		}
		if first := history[0].Action; (c.External && first != "registered") || (!c.External && first != "issued") {
			t.Errorf("certificate %s: history starts with %s", c.Number, first)
		}
		if c.Kind == "hours_record" && !strings.HasPrefix(c.Hours, "线上 ") {
			t.Errorf("certificate %s: hours %q", c.Number, c.Hours)
		}
		if !c.External {
			issued[seqKey{c.Kind, c.IssuedOn.Year()}]++
		}
	}
	var seqs []certs.Sequence
	if err := e.db.Find(&seqs).Error; err != nil {
		t.Fatal(err)
	}
	if len(seqs) != len(issued) {
		t.Errorf("%d sequences for %d kind-years", len(seqs), len(issued))
	}
	for _, s := range seqs {
		if n := issued[seqKey{s.Kind, s.Year}]; s.Next != n+1 {
			t.Errorf("sequence %s %d: next %d after %d certificates", s.Kind, s.Year, s.Next, n)
		}
	}
	// The public lookup reads what the seed wrote.
	c := list[len(list)/2]
	pub, err := e.certs.Lookup(e.ctx, c.Number, c.HolderName)
	if err != nil || pub.Number != c.Number || len(pub.History) == 0 {
		t.Errorf("Lookup(%s): %+v, %v", c.Number, pub, err)
	}
}

func checkLedger(t *testing.T, e *env) {
	var rows []course.CreditEntry
	if err := e.db.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var records []course.OfflineRecord
	if err := e.db.Find(&records).Error; err != nil {
		t.Fatal(err)
	}
	attendees := map[uint]int{}
	for _, r := range records {
		attendees[r.ID] = r.Attendees
	}
	first, last := "2024-03-10", "2026-03-09"
	onlineDay := map[string]int64{}
	online := 0
	for _, r := range rows {
		if r.Day < first || r.Day > last {
			t.Fatalf("ledger row %d on %s, outside %s–%s", r.ID, r.Day, first, last)
		}
		if r.PersonID == 0 || r.PersonID > uint(small.People) || r.MS <= 0 || r.MS%60000 != 0 {
			t.Fatalf("ledger row %+v", r)
		}
		if r.Online {
			online++
			onlineDay[fmt.Sprint(r.PersonID, " ", r.Day)] += r.MS
			if r.ToAt.Sub(r.FromAt) != time.Duration(r.MS)*time.Millisecond || r.FromAt.In(now.Location()).Format(time.DateOnly) != r.Day {
				t.Fatalf("online row %d: %s–%s for %d ms on %s", r.ID, r.FromAt, r.ToAt, r.MS, r.Day)
			}
			continue
		}
		attendees[r.OfflineID]--
	}
	for key, ms := range onlineDay {
		if ms > 8*30*60000 {
			t.Errorf("%s: %d online minutes in a day, more than the daily cap", key, ms/60000)
		}
	}
	for id, n := range attendees {
		if n != 0 {
			t.Errorf("offline training %d: attendees and ledger rows differ by %d", id, n)
		}
	}
	if online == 0 || online == len(rows) {
		t.Errorf("%d online rows of %d: want both online and offline", online, len(rows))
	}
}

func checkAccounts(t *testing.T, e *env, res scaleseed.Result) {
	var n int64
	if err := e.db.Model(&audit.Entry{}).Where("action = ?", "scale_seed").Count(&n).Error; err != nil || n != 1 {
		t.Errorf("%d scale_seed audit entries (%v), want 1", n, err)
	}
	if got := e.count(t, &audit.Entry{}); got != 1+len(res.Accounts) {
		t.Errorf("%d audit entries, want one for the seed and one per account (%d)", got, 1+len(res.Accounts))
	}
	if v, err := audit.Verify(e.ctx, e.db); err != nil || !v.OK {
		t.Errorf("audit.Verify: %+v, %v", v, err)
	}
	var names []string
	for _, a := range res.Accounts {
		names = append(names, a.Username)
		login, err := e.accounts.Login(e.ctx, a.Username, a.Password, "127.0.0.1", "test")
		if err != nil {
			t.Errorf("login %s: %v", a.Username, err)
			continue
		}
		if login.User.Role != a.Role {
			t.Errorf("%s has role %s, want %s", a.Username, login.User.Role, a.Role)
		}
		p := login.User.Principal()
		_, total, err := e.roster.ListPeople(e.ctx, p, roster.PersonFilter{Limit: 1})
		if err != nil || total == 0 {
			t.Errorf("%s sees %d people (%v)", a.Username, total, err)
		}
		if a.Username == "regulator-town" || a.Username == "enterprise" {
			if total >= int64(small.People) {
				t.Errorf("%s sees all %d people", a.Username, total)
			}
			if _, n, err := e.certs.List(e.ctx, p, certs.Filter{Limit: 1}); err != nil || n == 0 || n >= int64(small.Certificates) {
				t.Errorf("%s sees %d certificates (%v)", a.Username, n, err)
			}
		}
	}
	if !slices.Equal(names, []string{"admin", "regulator", "regulator-town", "enterprise"}) {
		t.Errorf("accounts %v", names)
	}
}

// TestSeedDeterministic: the same seed and day give the same district;
// another seed another.
func TestSeedDeterministic(t *testing.T) {
	type row struct {
		Name, IDMasked, Phone string
		DutyStatus            string
	}
	district := func(seed uint64) ([]row, []string, int64) {
		e := newEnv(t, dbtest.SQLite(t, migrate))
		if _, err := e.seed(seed); err != nil {
			t.Fatal(err)
		}
		var people []row
		e.db.Model(&roster.Person{}).Order("id").Scan(&people)
		var numbers []string
		e.db.Model(&certs.Certificate{}).Order("id").Pluck("number", &numbers)
		var ms int64
		e.db.Model(&course.CreditEntry{}).Select("SUM(ms * person_id)").Scan(&ms)
		return people, numbers, ms
	}
	p1, n1, l1 := district(7)
	p2, n2, l2 := district(7)
	if !slices.Equal(p1, p2) || !slices.Equal(n1, n2) || l1 != l2 {
		t.Error("two seeds with the same seed and day differ")
	}
	p3, _, _ := district(8)
	if slices.Equal(p1, p3) {
		t.Error("seeds 7 and 8 gave the same people")
	}
}

func TestCountsCheck(t *testing.T) {
	for _, c := range []scaleseed.Counts{
		{Enterprises: 0, People: 10},
		{Enterprises: 10, People: 29},
		{Enterprises: 1, People: 3, Certificates: -1},
		{Enterprises: 1, People: 3, Ledger: -1},
	} {
		if c.Check() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := scaleseed.DefaultCounts().Check(); err != nil {
		t.Errorf("default counts: %v", err)
	}
}
