// Package scaleseed fills an empty database with a province-sized
// synthetic district, to measure the dashboards and lists at scale:
// enterprises over the towns and industries of the reference data,
// people of every category with their duty histories, certificates of
// every kind in every status, and two years of the training ledger.
//
// Unlike package demo, which goes through the stores' use cases one
// enterprise at a time, it writes rows directly with multi-row INSERTs,
// many per transaction, because a province (a hundred thousand people,
// millions of ledger rows) would take hours one use case at a time. The
// rows are built the way the stores build them: ID numbers sealed with the
// pii keyring and hashed by roster.Store.HashID (so the roster finds
// people by number), certificates with their history events, the public
// history the verify page reads and the salted ID hashes of the QR token,
// numbered from the kinds' sequences (which are left where the next
// issuance continues). One audit entry records the whole seed.
//
// Everything is drawn from a seeded source: the same seed, counts and day
// give the same district (only the ciphertexts, sealed with random nonces,
// and the printed passwords differ).
package scaleseed

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/certs"
	"anpei/course"
	"anpei/ident"
	"anpei/pii"
	"anpei/roster"
)

// Counts are the sizes of the district: enterprises, people,
// certificates and ledger rows.
type Counts struct {
	Enterprises  int
	People       int
	Certificates int
	Ledger       int
}

// DefaultCounts is a province: 1,000 enterprises, 100,000 people, 300,000
// certificates and 2,000,000 ledger rows.
func DefaultCounts() Counts {
	return Counts{Enterprises: 1000, People: 100_000, Certificates: 300_000, Ledger: 2_000_000}
}

// Check returns an error naming the first count out of range: at least
// one enterprise, three people per enterprise (a principal, a safety
// manager, a worker), no negative numbers, and at most ten million of
// anything.
func (c Counts) Check() error {
	const most = 10_000_000
	switch {
	case c.Enterprises < 1 || c.Enterprises > most:
		return fmt.Errorf("enterprises must be between 1 and %d, not %d", most, c.Enterprises)
	case c.People < minStaff*c.Enterprises || c.People > most:
		return fmt.Errorf("people must be at least %d per enterprise (%d for %d enterprises) and at most %d, not %d",
			minStaff, minStaff*c.Enterprises, c.Enterprises, most, c.People)
	case c.Certificates < 0 || c.Certificates > most:
		return fmt.Errorf("certificates must be between 0 and %d, not %d", most, c.Certificates)
	case c.Ledger < 0 || c.Ledger > 10*most:
		return fmt.Errorf("ledger rows must be between 0 and %d, not %d", 10*most, c.Ledger)
	}
	return nil
}

// Options configure a seed.
type Options struct {
	Counts
	// Seed picks the district: the same seed gives the same one.
	Seed uint64
	// Now is the moment the district is generated at (time.Now when nil):
	// duty dates, certificate dates and the ledger end on its day.
	Now func() time.Time
	// Kinds is the certificate kind table (certs.MustKinds when nil);
	// Pattern numbers the district's own certificates and Authority is
	// their issuer, as the certificate store is configured.
	Kinds     *certs.Kinds
	Pattern   certs.NumberPattern
	Authority string
	// Progress, when set, is called after each transaction.
	Progress func(Progress)
}

// Progress says how far one step has come.
type Progress struct {
	Step  string // "enterprises", "people", "certificates", "ledger", …
	Done  int
	Total int
}

// Stores are what the seed needs of the application: the roster (its
// reference data and its ID hash), the keyring that seals ID numbers, and
// the account store for the accounts.
type Stores struct {
	Roster   *roster.Store
	Keys     *pii.Keyring
	Accounts *account.Store
}

// Result counts what a seed wrote.
type Result struct {
	Enterprises       int
	People            int
	OperationItems    int
	DutyEvents        int
	Certificates      int
	CertificateEvents int
	OfflineRecords    int
	Ledger            int
	// Statuses counts the certificates by their status today;
	// Unverified counts registered state certificates not yet verified.
	Statuses   map[certs.Status]int
	Unverified int
	// Accounts are the accounts created, with their passwords, to print
	// once.
	Accounts []Account
}

// Account is a created account and its generated password.
type Account struct {
	Username string
	Password string
	Role     account.Role
	Label    string // who the account is, in Chinese
}

// ErrNotEmpty is returned by Seed for a database that already holds users,
// enterprises, people, certificates or training: the district goes only
// into an empty database.
var ErrNotEmpty = errors.New("scaleseed: the database is not empty; the scale district is generated only into an empty database (give a new --data directory or an empty --db)")

// Seed generates the district into gdb (migrated) and creates the admin,
// a district regulator, a town regulator and an enterprise admin with
// generated passwords. It returns an error wrapping ErrNotEmpty for a
// database that is not empty, an error naming the count out of range, or
// an error naming the step that failed. The steps commit one transaction
// at a time, so a seed that fails leaves a database that is not empty:
// start again with an empty one.
func Seed(ctx context.Context, gdb *gorm.DB, st Stores, opt Options) (Result, error) {
	if err := opt.Check(); err != nil {
		return Result{}, fmt.Errorf("scaleseed: %w", err)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Kinds == nil {
		opt.Kinds = certs.MustKinds()
	}
	if opt.Authority == "" {
		opt.Authority = "麒麟区应急管理局"
	}
	if opt.Pattern.Format("X", 2000, 1, "00000000") == "" { // the zero pattern
		opt.Pattern = certs.MustNumberPattern(certs.DefaultNumberPattern)
	}
	if err := CheckEmpty(ctx, gdb); err != nil {
		return Result{}, err
	}
	ref, err := loadReference(ctx, st.Roster)
	if err != nil {
		return Result{}, err
	}
	now := opt.Now().UTC().Truncate(time.Microsecond)
	w := newWriter(ctx, gdb, opt.Progress)
	defer w.wait()
	seal := func(number string) (string, string, error) {
		hash, err := st.Roster.HashID(ident.DocResidentID, number)
		if err != nil {
			return "", "", fmt.Errorf("scaleseed: hash a generated ID number: %w", err)
		}
		cipher, err := st.Keys.Seal(number)
		if err != nil {
			return "", "", fmt.Errorf("scaleseed: seal a generated ID number: %w", err)
		}
		return hash, cipher, nil
	}

	d, err := planDistrict(opt.Counts, opt.Seed, now, ref, seal)
	if err != nil {
		return Result{}, err
	}
	res := Result{Enterprises: len(d.enterprises), People: len(d.people), OperationItems: len(d.items), DutyEvents: len(d.events),
		Statuses: map[certs.Status]int{}}
	if err := writeRoster(w, d); err != nil {
		return res, err
	}

	cp, err := planCertificates(opt.Certificates, opt.Seed, now, d, opt.Kinds, opt.Pattern, opt.Authority)
	if err != nil {
		return res, err
	}
	if res.OfflineRecords, res.Ledger, err = writeLedger(w, d, cp, opt.Seed, now, opt.Ledger); err != nil {
		return res, err
	}
	if err := writeCertificates(w, d, cp, opt, now, &res); err != nil {
		return res, err
	}
	if err := w.wait(); err != nil {
		return res, err
	}

	err = gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(tx, account.System().Actor(), "scale_seed", "database", "", nil, map[string]any{
			"seed": opt.Seed, "day": d.today.Format(time.DateOnly),
			"enterprises": res.Enterprises, "people": res.People, "operation_items": res.OperationItems,
			"duty_events": res.DutyEvents, "certificates": res.Certificates, "certificate_events": res.CertificateEvents,
			"offline_trainings": res.OfflineRecords, "training_credits": res.Ledger,
		})
	})
	if err != nil {
		return res, fmt.Errorf("scaleseed: audit entry: %w", err)
	}
	if res.Accounts, err = createAccounts(ctx, st.Accounts, d, ref.towns); err != nil {
		return res, err
	}
	return res, nil
}

// CheckEmpty returns an error wrapping ErrNotEmpty, saying what is there,
// when the database holds users, enterprises, people, certificates or
// training, and the database's error when it cannot tell.
func CheckEmpty(ctx context.Context, gdb *gorm.DB) error {
	var found []string
	for _, t := range []struct {
		model any
		what  string
	}{
		{&account.User{}, "users"}, {&roster.Enterprise{}, "enterprises"}, {&roster.Person{}, "people"},
		{&certs.Certificate{}, "certificates"}, {&course.CreditEntry{}, "ledger rows"}, {&course.OfflineRecord{}, "offline trainings"},
	} {
		var n int64
		if err := gdb.WithContext(ctx).Model(t.model).Count(&n).Error; err != nil {
			return fmt.Errorf("scaleseed: count %s: %w", t.what, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%d %s", n, t.what))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%w: it holds %s", ErrNotEmpty, strings.Join(found, ", "))
	}
	return nil
}

// loadReference reads the towns, industries and operation items the
// district is spread over.
func loadReference(ctx context.Context, rs *roster.Store) (reference, error) {
	var ref reference
	var err error
	if ref.towns, err = rs.Towns(ctx); err != nil {
		return ref, fmt.Errorf("scaleseed: %w", err)
	}
	if ref.industries, err = rs.Industries(ctx); err != nil {
		return ref, fmt.Errorf("scaleseed: %w", err)
	}
	if ref.items, err = rs.OperationItemSet(ctx); err != nil {
		return ref, fmt.Errorf("scaleseed: %w", err)
	}
	if len(ref.towns) == 0 || len(ref.industries) == 0 {
		return ref, errors.New("scaleseed: the reference data has no towns or no industries (run the migrations)")
	}
	return ref, nil
}

// writeRoster writes the enterprises, the people, their operation items
// and duty histories.
func writeRoster(w *writer, d *district) error {
	ents := make([]roster.Enterprise, len(d.enterprises))
	for i := range d.enterprises {
		ents[i] = d.enterprises[i].Enterprise
	}
	if err := writeAll(w, "enterprises", ents); err != nil {
		return err
	}
	people := newTable[roster.Person](w, "people", len(d.people))
	for i := range d.people {
		if err := people.add(d.people[i].Person); err != nil {
			return err
		}
	}
	if err := people.flush(); err != nil {
		return err
	}
	if err := writeAll(w, "operation items", d.items); err != nil {
		return err
	}
	return writeAll(w, "duty events", d.events)
}

// writeLedger writes the offline trainings and the ledger, enterprise by
// enterprise, counting the hours of the 学时证明 on the way. It returns
// how many records and rows it wrote.
func writeLedger(w *writer, d *district, cp *certPlan, seed uint64, now time.Time, n int) (int, int, error) {
	quotas, unplaced := d.ledgerQuotas(n)
	g := &ledgerGen{seed: seed, now: now, d: d, quotas: quotas, cuts: cp.cuts, certs: cp.list}
	records := newTable[course.OfflineRecord](w, "offline trainings", 0)
	credits := newTable[course.CreditEntry](w, "ledger", n-unplaced)
	for i := range d.enterprises {
		recs, rows := g.enterprise(i)
		if err := records.add(recs...); err != nil {
			return 0, 0, err
		}
		if err := credits.add(rows...); err != nil {
			return 0, 0, err
		}
	}
	records.total = records.queued + len(records.rows)
	if err := records.flush(); err != nil {
		return 0, 0, err
	}
	if err := credits.flush(); err != nil {
		return 0, 0, err
	}
	return records.queued, credits.queued, nil
}

// writeCertificates writes the certificates with their events, and the
// kinds' sequences where issuance continues, and counts the statuses.
func writeCertificates(w *writer, d *district, cp *certPlan, opt Options, now time.Time, res *Result) error {
	nEvents := 0
	for i := range cp.list {
		nEvents += cp.list[i].eventCount()
	}
	rows := newTable[certs.Certificate](w, "certificates", len(cp.list))
	events := newTable[certs.Event](w, "certificate events", nEvents)
	nextEvent := uint(1)
	for i := range cp.list {
		pc := &cp.list[i]
		k, _ := opt.Kinds.Get(pc.kind)
		c, evs, err := pc.row(uint(i+1), nextEvent, &d.people[pc.person], k, opt.Authority, opt.Seed)
		if err != nil {
			return err
		}
		nextEvent += uint(len(evs))
		st, _ := k.Evaluate(c.State, c.Dates(), now)
		res.Statuses[st]++
		if c.External && !c.Verified {
			res.Unverified++
		}
		if err := rows.add(c); err != nil {
			return err
		}
		if err := events.add(evs...); err != nil {
			return err
		}
	}
	if err := rows.flush(); err != nil {
		return err
	}
	if err := events.flush(); err != nil {
		return err
	}
	res.Certificates, res.CertificateEvents = rows.queued, events.queued
	var seqs []certs.Sequence
	for key, last := range cp.seqs {
		seqs = append(seqs, certs.Sequence{Kind: key.kind, Year: key.year, Next: last + 1})
	}
	slices.SortFunc(seqs, func(a, b certs.Sequence) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Year, b.Year))
	})
	return writeAll(w, "certificate sequences", seqs)
}

// createAccounts creates the admin, a district regulator, a regulator of
// the town with the most people and the admin of that town's largest
// (high-risk, if it has one) enterprise, each with a fresh password.
func createAccounts(ctx context.Context, accounts *account.Store, d *district, towns []roster.Town) ([]Account, error) {
	perTown := map[string]int{}
	for _, e := range d.enterprises {
		perTown[e.TownCode] += e.staff
	}
	town := towns[0]
	for _, t := range towns {
		if perTown[t.Code] > perTown[town.Code] {
			town = t
		}
	}
	var ent *plannedEnterprise
	for i := range d.enterprises {
		e := &d.enterprises[i]
		if e.TownCode != town.Code {
			continue
		}
		if ent == nil || (e.highRisk && !ent.highRisk) || (e.highRisk == ent.highRisk && e.staff > ent.staff) {
			ent = e
		}
	}
	list := []struct {
		user  account.NewUser
		label string
	}{
		{account.NewUser{Username: "admin", Name: "区安委办 平台管理员", Role: account.RoleAdmin}, "平台管理员"},
		{account.NewUser{Username: "regulator", Name: "区应急管理局 监管员", Role: account.RoleRegulator,
			JurisdictionKind: account.JurisdictionDistrict}, "监管人员（全区）"},
		{account.NewUser{Username: "regulator-town", Name: town.Name + " 监管员", Role: account.RoleRegulator,
			JurisdictionKind: account.JurisdictionTown, JurisdictionCode: town.Code}, "监管人员（" + town.Name + "）"},
	}
	if ent != nil {
		list = append(list, struct {
			user  account.NewUser
			label string
		}{account.NewUser{Username: "enterprise", Name: ent.ContactName, Phone: ent.ContactPhone, Role: account.RoleEnterpriseAdmin,
			EnterpriseID: ent.ID}, "企业管理员（" + ent.Name + "，" + fmt.Sprint(ent.staff) + " 人）"})
	}
	var out []Account
	for _, a := range list {
		a.user.Password = newPassword()
		if _, err := accounts.CreateUser(ctx, account.System(), a.user); err != nil {
			return out, fmt.Errorf("scaleseed: create account %s: %w", a.user.Username, err)
		}
		out = append(out, Account{Username: a.user.Username, Password: a.user.Password, Role: a.user.Role, Label: a.label})
	}
	return out, nil
}

// newPassword returns 20 random base32 characters in groups of four
// joined by '-': 100 bits, always of two character classes.
func newPassword() string {
	s := rand.Text()[:20]
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:i+4])
	}
	return strings.Join(groups, "-")
}
