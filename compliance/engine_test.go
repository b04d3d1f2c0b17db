package compliance

import (
	"strings"
	"testing"
	"time"

	"anpei/certs"
	"anpei/hours"
	"anpei/roster"
)

// Industries as roster data/industries.tsv flags them.
type industry struct{ highRisk, mustAssess bool }

var (
	hazchem   = industry{true, true}
	transport = industry{false, true}
	trade     = industry{false, false}
)

func person(cats roster.Category, ind industry, started string, items ...string) Person {
	return Person{ID: 7, EnterpriseID: 3, Categories: cats, Items: items, Duty: roster.DutyOn,
		StartedOn: day(started), HighRisk: ind.highRisk, MustAssess: ind.mustAssess}
}

func appointed(p Person, d string) Person       { p.AppointedOn = day(d); return p }
func duty(p Person, d roster.DutyStatus) Person { p.Duty = d; return p }
func away(p Person, left, back, retest string) Person {
	p.LeftOn, p.ReturnedOn = day(left), day(back)
	if retest != "" {
		p.RetestOn = day(retest)
	}
	return p
}
func external(c Cert, verified bool) Cert { c.External, c.Verified = true, verified; return c }
func certs_(cs ...Cert) []Cert            { return cs }
func trains(ts ...Training) []Training    { return ts }
func done(t Training) Training            { t.Done = t.Required; return t }

type engineCase struct {
	name     string
	p        Person
	certs    []Cert
	training []Training
	at       string
	status   Status
	reasons  string // describe()
	flags    string // flags(); "" skips
}

func runCases(t *testing.T, cases []engineCase) {
	t.Helper()
	runCasesWith(t, newEngine(t, false), cases)
}

func runCasesWith(t *testing.T, e *Engine, cases []engineCase) {
	t.Helper()
	for _, c := range cases {
		r := e.Evaluate(c.p, c.certs, c.training, at(c.at))
		if r.Status != c.status || describe(r) != c.reasons {
			t.Errorf("%s (%s): %s [%s], want %s [%s]", c.name, c.at, r.Status.Label(), describe(r), c.status.Label(), c.reasons)
		}
		if c.flags != "" && !strings.HasPrefix(flags(r), c.flags) {
			t.Errorf("%s (%s): flags %s, want %s", c.name, c.at, flags(r), c.flags)
		}
		checkInvariants(t, c.name+" "+c.at, r)
	}
}

const (
	none = StatusNone
	ok   = StatusCompliant
	soon = StatusDueSoon
	bad  = StatusNonCompliant
)

func TestNoCertificate(t *testing.T) {
	op := person(operator, trade, "2026-06-30", "1.2")
	tp := person(principal, transport, "2026-01-15")
	runCases(t, []engineCase{
		{"operator, day before 上岗", op, nil, nil, "2026-06-29", none, "", "cert -/- pre 0/0 ann 0/0"},
		{"operator, 上岗 day: no grace", op, nil, nil, "2026-06-30", bad, "no_certificate/不合规!#1.2", "cert O/- pre 0/0 ann 0/0"},
		{"operator, day after", op, nil, nil, "2026-07-01", bad, "no_certificate/不合规!#1.2", "cert O/-"},
		{"operator with no item registered", person(operator, trade, "2020-01-01"), nil, nil, "2026-06-30", bad, "no_certificate/不合规!", "cert O/-"},
		{"operator, any item counts when none registered", person(operator, trade, "2020-01-01"), certs_(opCert(1, "2.1", "2024-03-01", false)), nil, "2026-06-30", ok, "", "cert O/O"},
		{"operator, certificate for another item", op, certs_(opCert(1, "1.1", "2024-03-01", false)), nil, "2026-07-01", bad, "no_certificate/不合规!#1.2", ""},
		{"operator, certificate issued after the date", person(operator, trade, "2020-01-01", "1.2"), certs_(opCert(1, "1.2", "2024-03-01", false)), nil, "2024-02-29", bad, "no_certificate/不合规!#1.2", ""},
		{"operator, certificate issued on the date", person(operator, trade, "2020-01-01", "1.2"), certs_(opCert(1, "1.2", "2024-03-01", false)), nil, "2024-03-01", ok, "", "cert O/O"},
		{"operator, anpei training record is no licence", op, certs_(Cert{ID: 1, Kind: "special_op_training", Item: "1.2", State: certs.StateActive,
			Dates: certs.Dates{IssuedOn: day("2026-01-01"), ValidUntil: day("2027-01-01")}}), nil, "2026-07-01", bad, "no_certificate/不合规!#1.2", ""},
		{"operator, unknown kind ignored", op, certs_(Cert{ID: 1, Kind: "forklift", Item: "1.2", State: certs.StateActive}), nil, "2026-07-01", bad, "no_certificate/不合规!#1.2", ""},
		{"transport principal, 6 months passed", tp, nil, nil, "2026-07-16", bad, "no_certificate/不合规@2026-07-15", "cert P/- pre 0/0 ann 0/0"},
		{"transport principal, anpei assessment is no 安全合格证", tp, certs_(Cert{ID: 1, Kind: "manager_assessment", State: certs.StateActive,
			Dates: certs.Dates{IssuedOn: day("2026-02-01"), ValidUntil: day("2029-02-01")}}), nil, "2026-07-16", bad, "no_certificate/不合规@2026-07-15", ""},
		{"trade principal owes no 安全合格证", person(principal, trade, "2026-01-15"), nil, nil, "2026-07-16", ok, "", "cert -/- pre 0/0 ann 0/0"},
		{"other worker owes no licence", person(other, hazchem, "2020-01-01"), nil, nil, "2026-07-16", ok, "", "cert -/-"},
	})
}

func TestManagerUnassessed(t *testing.T) {
	hp := person(principal, hazchem, "2026-01-15") // 6 months end 2026-07-15
	eom := person(manager, hazchem, "2025-08-31")  // 6 months end 2026-02-28 (Civil Code)
	runCases(t, []engineCase{
		{"appointment day", hp, nil, nil, "2026-01-15", soon, "manager_unassessed/即将到期@2026-07-15", "cert -/- pre 0/0 ann 0/0"},
		{"day before 6 months", hp, nil, nil, "2026-07-14", soon, "manager_unassessed/即将到期@2026-07-15", "cert -/-"},
		{"6 months day", hp, nil, nil, "2026-07-15", soon, "manager_unassessed/即将到期@2026-07-15", "cert -/-"},
		{"day after 6 months: major hazard", hp, nil, nil, "2026-07-16", bad, "manager_unassessed/不合规!@2026-07-15", "cert P/-"},
		{"month end, last day", eom, nil, nil, "2026-02-28", soon, "manager_unassessed/即将到期@2026-02-28", ""},
		{"month end, day after", eom, nil, nil, "2026-03-01", bad, "manager_unassessed/不合规!@2026-02-28", "cert S/-"},
		{"took office later than 上岗", appointed(person(principal, hazchem, "2020-01-01"), "2026-01-15"), nil, nil, "2026-07-15", soon, "manager_unassessed/即将到期@2026-07-15", ""},
		{"took office later, day after", appointed(person(principal, hazchem, "2020-01-01"), "2026-01-15"), nil, nil, "2026-07-16", bad, "manager_unassessed/不合规!@2026-07-15", ""},
		{"no date known: no grace", Person{Categories: principal, Duty: roster.DutyOn, HighRisk: true, MustAssess: true}, nil, nil, "2026-07-16", bad, "manager_unassessed/不合规!", "cert P/-"},
		{"high risk without the assessment flag still owes it", person(principal, industry{true, false}, "2026-01-15"), nil, nil, "2026-07-16", bad, "manager_unassessed/不合规!@2026-07-15", ""},
		{"other assessed industry: 6 months too", person(principal, transport, "2026-01-15"), nil, nil, "2026-07-15", soon, "manager_unassessed/即将到期@2026-07-15", "cert -/-"},
		{"certified within the 6 months counts", hp, certs_(sqCert(1, "2026-03-01")), nil, "2026-04-01", ok, "", "cert P/P pre 0/0 ann 0/0"},
		{"principal and safety manager at once", person(principal|manager, hazchem, "2026-01-15"), nil, nil, "2026-07-16", bad, "manager_unassessed/不合规!@2026-07-15", "cert P,S/-"},
		{"principal and safety manager, certified", person(principal|manager, hazchem, "2026-01-15"), certs_(sqCert(1, "2026-03-01")), nil, "2026-07-16", ok, "", "cert P,S/P,S"},
		{"expired 安全合格证 within 6 months of a new post", hp, certs_(sqCert(1, "2020-01-01")), nil, "2026-07-15", soon, "manager_unassessed/即将到期@2026-07-15", "cert -/-"},
	})
}

func TestCertExpiredAndDueSoon(t *testing.T) {
	hp := person(principal, hazchem, "2020-01-01")
	tp := person(principal, transport, "2020-01-01")
	sq := certs_(sqCert(1, "2023-06-10")) // valid until 2026-06-10; 30-day window from 05-11
	op := person(operator, trade, "2019-01-01", "1.2")
	so := certs_(opCert(2, "1.2", "2020-06-10", true)) // reviewed; expiry 2026-06-10; 60-day window from 04-11
	runCases(t, []engineCase{
		{"安全合格证, day before the 30-day window", hp, sq, nil, "2026-05-10", ok, "", "cert P/P"},
		{"安全合格证, window opens", hp, sq, nil, "2026-05-11", soon, "cert_due_soon/即将到期@2026-06-10", "cert P/P"},
		{"安全合格证, expiry day", hp, sq, nil, "2026-06-10", soon, "cert_due_soon/即将到期@2026-06-10", "cert P/P"},
		{"安全合格证, day after expiry: high risk", hp, sq, nil, "2026-06-11", bad, "cert_expired/不合规!@2026-06-10", "cert P/-"},
		{"安全合格证, day after expiry: transport", tp, sq, nil, "2026-06-11", bad, "cert_expired/不合规@2026-06-10", "cert P/-"},
		{"操作证, day before the 60-day window", op, so, nil, "2026-04-10", ok, "", "cert O/O"},
		{"操作证, window opens", op, so, nil, "2026-04-11", soon, "cert_due_soon/即将到期#1.2@2026-06-10", "cert O/O"},
		{"操作证, expiry day", op, so, nil, "2026-06-10", soon, "cert_due_soon/即将到期#1.2@2026-06-10", "cert O/O"},
		{"操作证, day after expiry", op, so, nil, "2026-06-11", bad, "cert_expired/不合规!#1.2@2026-06-10", "cert O/-"},
		{"expired old one and a valid renewal", op, certs_(so[0], opCert(3, "1.2", "2026-05-20", false)), nil, "2026-06-11", ok, "", "cert O/O"},
		{"of two falling due, the later due date", op, certs_(opCert(3, "1.2", "2023-07-01", false), so[0]), nil, "2026-05-15", soon, "cert_due_soon/即将到期#1.2@2026-07-01", "cert O/O"},
		{"renewal beats the one falling due", op, certs_(so[0], opCert(3, "1.2", "2026-05-20", false)), nil, "2026-05-25", ok, "", "cert O/O"},
	})
}

func TestReviewOverdue(t *testing.T) {
	op := person(operator, trade, "2019-01-01", "1.2")
	so := certs_(opCert(1, "1.2", "2020-06-10", false)) // review due 2023-06-10, window from 04-11
	runCases(t, []engineCase{
		{"day before the review window", op, so, nil, "2023-04-10", ok, "", "cert O/O"},
		{"review window opens", op, so, nil, "2023-04-11", soon, "cert_due_soon/即将到期#1.2@2023-06-10", "cert O/O"},
		{"review day", op, so, nil, "2023-06-10", soon, "cert_due_soon/即将到期#1.2@2023-06-10", "cert O/O"},
		{"day after the review day: lapsed", op, so, nil, "2023-06-11", bad, "review_overdue/不合规!#1.2@2023-06-10", "cert O/-"},
		{"reviewed in time", op, certs_(opCert(1, "1.2", "2020-06-10", true)), nil, "2023-06-11", ok, "", "cert O/O"},
	})
}

func TestSuspendedRevoked(t *testing.T) {
	op := person(operator, trade, "2019-01-01", "1.2")
	tp := person(manager, transport, "2019-01-01")
	hp := person(manager, hazchem, "2019-01-01")
	so := opCert(1, "1.2", "2024-03-01", false)
	sq := sqCert(2, "2025-03-01")
	runCases(t, []engineCase{
		{"suspended 操作证", op, certs_(withState(so, certs.StateSuspended)), nil, "2026-06-30", bad, "cert_suspended/不合规!#1.2", "cert O/-"},
		{"suspended 安全合格证, transport", tp, certs_(withState(sq, certs.StateSuspended)), nil, "2026-06-30", bad, "cert_suspended/不合规", "cert S/-"},
		{"suspended 安全合格证, high risk", hp, certs_(withState(sq, certs.StateSuspended)), nil, "2026-06-30", bad, "cert_suspended/不合规!", "cert S/-"},
		{"revoked 操作证", op, certs_(withState(so, certs.StateRevoked)), nil, "2026-06-30", bad, "cert_revoked/不合规!#1.2", "cert O/-"},
		{"cancelled 操作证", op, certs_(withState(so, certs.StateCancelled)), nil, "2026-06-30", bad, "cert_revoked/不合规!#1.2", "cert O/-"},
		{"revoked 安全合格证, transport", tp, certs_(withState(sq, certs.StateRevoked)), nil, "2026-06-30", bad, "cert_revoked/不合规", ""},
		{"revoked new one, valid older one", op, certs_(withState(so, certs.StateRevoked), opCert(3, "1.2", "2022-01-01", true)), nil, "2026-06-30", ok, "", "cert O/O"},
		{"of two lapsed, the latest issued speaks", op, certs_(opCert(3, "1.2", "2019-01-01", false), withState(opCert(4, "1.2", "2021-01-01", false), certs.StateSuspended)), nil, "2026-06-30", bad, "cert_suspended/不合规!#1.2", ""},
	})
}

func TestCertUnverified(t *testing.T) {
	op := person(operator, trade, "2019-01-01", "1.2")
	tp := person(principal, transport, "2019-01-01")
	so := opCert(1, "1.2", "2024-03-01", false)
	sq := sqCert(2, "2025-03-01")
	runCases(t, []engineCase{
		{"unverified, setting off", op, certs_(external(so, false)), nil, "2026-06-30", ok, "", "cert O/O"},
	})
	runCasesWith(t, newEngine(t, true), []engineCase{
		{"unverified, setting on", op, certs_(external(so, false)), nil, "2026-06-30", bad, "cert_unverified/不合规#1.2", "cert O/-"},
		{"verified, setting on", op, certs_(external(so, true)), nil, "2026-06-30", ok, "", "cert O/O"},
		{"issued by anpei needs no verification", op, certs_(so), nil, "2026-06-30", ok, "", "cert O/O"},
		{"an unverified and a verified one", op, certs_(external(so, false), external(opCert(3, "1.2", "2022-01-01", true), true)), nil, "2026-06-30", ok, "", "cert O/O"},
		{"unverified and expired: still only unverified", op, certs_(external(so, false), opCert(3, "1.2", "2010-01-01", true)), nil, "2026-06-30", bad, "cert_unverified/不合规#1.2", ""},
		{"unverified 安全合格证", tp, certs_(external(sq, false)), nil, "2026-06-30", bad, "cert_unverified/不合规", "cert P/-"},
		{"unverified but expired is expired", op, certs_(external(opCert(3, "1.2", "2019-01-01", true), false)), nil, "2026-06-30", bad, "cert_expired/不合规!#1.2@2025-01-01", ""},
	})
}

func TestPrejobTrainingMissing(t *testing.T) {
	w := person(other, trade, "2026-03-02")
	req := train(hours.TriggerNewHire, "2025-09-02", "2026-03-02", 24, 10, 30)
	runCases(t, []engineCase{
		{"day before 上岗", w, nil, trains(req), "2026-03-01", none, "", "cert -/- pre 0/0 ann 0/0"},
		{"上岗 day, short", w, nil, trains(req), "2026-03-02", soon, "prejob_training_missing/即将到期@2026-03-02", "cert -/- pre 0/0 ann 0/0"},
		{"day after 上岗, short", w, nil, trains(req), "2026-03-03", bad, "prejob_training_missing/不合规@2026-03-02", "cert -/- pre 1/0 ann 0/0"},
		{"上岗 day, done", w, nil, trains(done(req)), "2026-03-02", ok, "", "cert -/- pre 1/1 ann 0/0"},
		{"day after, done", w, nil, trains(done(req)), "2026-03-03", ok, "", "cert -/- pre 1/1 ann 0/0"},
		{"nothing required", w, nil, trains(train(hours.TriggerNewHire, "2025-09-02", "2026-03-02", 0, 0, 30)), "2026-03-03", ok, "", "cert -/- pre 1/1 ann 0/0"},
		{"review training is the certificate's business", person(operator, trade, "2019-01-01", "1.2"), certs_(opCert(1, "1.2", "2024-03-01", true)),
			trains(train(hours.TriggerSpecialReview, "2026-03-01", "2027-03-01", 8, 0, 60)), "2027-03-02", ok, "", "cert O/O pre 0/0 ann 0/0"},
	})
}

func TestInitialTrainingMissing(t *testing.T) {
	p := person(principal, trade, "2026-01-15")
	req := train(hours.TriggerAppointment, "2025-07-15", "2026-07-15", 32, 8, 30) // alert from 06-15
	runCases(t, []engineCase{
		{"before the alert", p, nil, trains(req), "2026-06-14", ok, "", "cert -/- pre 0/0 ann 0/0"},
		{"alert opens", p, nil, trains(req), "2026-06-15", soon, "initial_training_missing/即将到期@2026-07-15", "cert -/- pre 0/0 ann 0/0"},
		{"day before the deadline", p, nil, trains(req), "2026-07-14", soon, "initial_training_missing/即将到期@2026-07-15", ""},
		{"deadline", p, nil, trains(req), "2026-07-15", soon, "initial_training_missing/即将到期@2026-07-15", ""},
		{"day after the deadline", p, nil, trains(req), "2026-07-16", bad, "initial_training_missing/不合规@2026-07-15", "cert -/- pre 1/0 ann 0/0"},
		{"done early counts", p, nil, trains(done(req)), "2026-03-01", ok, "", "cert -/- pre 1/1 ann 0/0"},
	})
}

func TestAnnualHoursShort(t *testing.T) {
	w := person(other, trade, "2020-01-01")
	short := annual(2026, 8, 5)
	runCases(t, []engineCase{
		{"year not begun", w, nil, trains(short), "2025-12-31", ok, "", "cert -/- pre 0/0 ann 0/0"},
		{"first day of the year", w, nil, trains(short), "2026-01-01", ok, "", "cert -/- pre 0/0 ann 1/0"},
		{"behind in June is no gap", w, nil, trains(short), "2026-06-30", ok, "", "cert -/- pre 0/0 ann 1/0"},
		{"day before the last 30 days", w, nil, trains(short), "2026-11-30", ok, "", "cert -/- pre 0/0 ann 1/0"},
		{"last 30 days", w, nil, trains(short), "2026-12-01", soon, "annual_hours_short/即将到期@2026-12-31", "cert -/- pre 0/0 ann 1/0"},
		{"31 December", w, nil, trains(short), "2026-12-31", soon, "annual_hours_short/即将到期@2026-12-31", "cert -/- pre 0/0 ann 1/0"},
		{"1 January: the year closed short", w, nil, trains(short), "2027-01-01", bad, "annual_hours_short/不合规@2026-12-31", "cert -/- pre 0/0 ann 1/0"},
		{"done", w, nil, trains(done(short)), "2026-06-30", ok, "", "cert -/- pre 0/0 ann 1/1"},
		{"last year done, this year begun", w, nil, trains(done(short), annual(2027, 8, 0)), "2027-01-01", ok, "", "cert -/- pre 0/0 ann 1/0"},
		{"last year short, this year done", w, nil, trains(short, done(annual(2027, 8, 0))), "2027-03-01", bad, "annual_hours_short/不合规@2026-12-31", "cert -/- pre 0/0 ann 1/0"},
	})
	r := newEngine(t, false).Evaluate(w, nil, trains(short), at("2027-01-01"))
	if len(r.Reasons) != 1 || r.Reasons[0].Year != 2026 {
		t.Fatalf("reasons %+v", r.Reasons)
	}
}

func TestSpecialRetestMissing(t *testing.T) {
	op := person(operator, trade, "2019-01-01", "1.2")
	so := certs_(opCert(1, "1.2", "2024-03-01", false))
	runCases(t, []engineCase{
		{"back a day short of 6 months", away(op, "2025-03-10", "2025-09-09", ""), so, nil, "2025-09-20", ok, "", "cert O/O pre 0/0 ann 0/0"},
		{"back on the day 6 months", away(op, "2025-03-10", "2025-09-10", ""), so, nil, "2025-09-20", bad, "special_retest_missing/不合规@2025-09-10", "cert O/O pre 1/0 ann 0/0"},
		{"back a day after 6 months", away(op, "2025-03-10", "2025-09-11", ""), so, nil, "2025-09-20", bad, "special_retest_missing/不合规@2025-09-11", ""},
		{"day before the return", away(op, "2025-03-10", "2025-09-10", ""), so, nil, "2025-09-09", none, "", ""},
		{"return day", away(op, "2025-03-10", "2025-09-10", ""), so, nil, "2025-09-10", bad, "special_retest_missing/不合规@2025-09-10", ""},
		{"re-tested before the return", away(op, "2025-03-10", "2025-09-10", "2025-09-01"), so, nil, "2025-09-10", ok, "", "cert O/O pre 1/1 ann 0/0"},
		{"re-test before leaving does not count", away(op, "2025-03-10", "2025-09-10", "2024-12-01"), so, nil, "2025-09-20", bad, "special_retest_missing/不合规@2025-09-10", ""},
		{"late re-test, day before", away(op, "2025-03-10", "2025-09-10", "2025-10-01"), so, nil, "2025-09-30", bad, "special_retest_missing/不合规@2025-09-10", ""},
		{"late re-test, its day", away(op, "2025-03-10", "2025-09-10", "2025-10-01"), so, nil, "2025-10-01", ok, "", "cert O/O pre 1/1 ann 0/0"},
		{"ordinary worker owes no re-test", away(person(other, trade, "2019-01-01"), "2025-03-10", "2025-09-10", ""), nil, nil, "2025-09-20", ok, "", "cert -/- pre 0/0 ann 0/0"},
	})
}

func TestReturnRetrainingMissing(t *testing.T) {
	w := away(person(other, trade, "2019-01-01"), "2025-01-10", "2026-03-02", "")
	ret := train(hours.TriggerReturn, "2025-12-02", "2026-03-02", 8, 2, 30)
	tw := person(other, trade, "2019-01-01")
	tr := train(hours.TriggerTransfer, "2025-12-02", "2026-03-02", 8, 2, 30)
	runCases(t, []engineCase{
		{"return: day before", w, nil, trains(ret), "2026-03-01", none, "", ""},
		{"return: its day", w, nil, trains(ret), "2026-03-02", soon, "return_retraining_missing/即将到期@2026-03-02", "cert -/- pre 0/0 ann 0/0"},
		{"return: day after", w, nil, trains(ret), "2026-03-03", bad, "return_retraining_missing/不合规@2026-03-02", "cert -/- pre 1/0 ann 0/0"},
		{"return: done", w, nil, trains(done(ret)), "2026-03-03", ok, "", "cert -/- pre 1/1 ann 0/0"},
		{"transfer: day before", tw, nil, trains(tr), "2026-03-01", soon, "return_retraining_missing/即将到期@2026-03-02", "cert -/- pre 0/0 ann 0/0"},
		{"transfer: its day", tw, nil, trains(tr), "2026-03-02", soon, "return_retraining_missing/即将到期@2026-03-02", ""},
		{"transfer: day after", tw, nil, trains(tr), "2026-03-03", bad, "return_retraining_missing/不合规@2026-03-02", "cert -/- pre 1/0 ann 0/0"},
		{"window not begun", tw, nil, trains(train(hours.TriggerTransfer, "2026-07-01", "2026-10-01", 8, 0, 30)), "2026-06-30", ok, "", "cert -/- pre 0/0 ann 0/0"},
	})
}

func TestTwoItemsOneCertificate(t *testing.T) {
	op := person(operator, trade, "2019-01-01", "1.1", "1.2")
	runCases(t, []engineCase{
		{"one of two items certified", op, certs_(opCert(1, "1.2", "2024-03-01", false)), nil, "2026-06-30", bad, "no_certificate/不合规!#1.1", "cert O/- pre 0/0 ann 0/0"},
		{"both certified", op, certs_(opCert(1, "1.2", "2024-03-01", false), opCert(2, "1.1", "2025-03-01", false)), nil, "2026-06-30", ok, "", "cert O/O"},
		{"one due soon, one missing", op, certs_(opCert(1, "1.2", "2020-06-10", true)), nil, "2026-05-01", bad, "no_certificate/不合规!#1.1 cert_due_soon/即将到期#1.2@2026-06-10", "cert O/-"},
	})
	r := newEngine(t, false).Evaluate(op, certs_(opCert(1, "1.2", "2024-03-01", false)), nil, at("2026-06-30"))
	if msg := r.Reasons[0].Message(); msg != "准操项目“高压电工作业”（1.1）未取得特种作业操作证" {
		t.Errorf("message %q", msg)
	}
}

func TestNotEvaluated(t *testing.T) {
	op := person(operator, hazchem, "2019-01-01", "1.2")
	runCases(t, []engineCase{
		{"off duty", duty(op, roster.DutyOff), nil, nil, "2026-06-30", none, "", "cert -/- pre 0/0 ann 0/0"},
		{"pending", duty(op, roster.DutyPending), nil, trains(annual(2026, 20, 0)), "2026-06-30", none, "", "cert -/- pre 0/0 ann 0/0"},
		{"no status", duty(op, ""), nil, nil, "2026-06-30", none, "", ""},
		{"on duty from a later date", person(operator, hazchem, "2026-07-01", "1.2"), nil, nil, "2026-06-30", none, "", ""},
	})
}

func TestCompliantPeople(t *testing.T) {
	runCases(t, []engineCase{
		{"high-risk principal and operator", person(principal|operator, hazchem, "2020-01-01", "1.2"),
			certs_(sqCert(1, "2025-01-01"), opCert(2, "1.2", "2024-03-01", false)), trains(done(annual(2026, 16, 0))), "2026-06-30", ok, "", "cert P,O/P,O pre 0/0 ann 1/1"},
		{"safety manager in transport", person(manager, transport, "2020-01-01"), certs_(sqCert(1, "2025-01-01")), nil, "2026-06-30", ok, "", "cert S/S pre 0/0 ann 0/0"},
		{"new worker trained", person(other, hazchem, "2026-03-02"), nil, trains(done(train(hours.TriggerNewHire, "2025-09-02", "2026-03-02", 72, 0, 30))), "2026-06-30", ok, "", "cert -/- pre 1/1 ann 0/0"},
		{"principal certified, operator lapsed", person(principal|operator, hazchem, "2020-01-01", "1.2"),
			certs_(sqCert(1, "2025-01-01"), withState(opCert(2, "1.2", "2024-03-01", false), certs.StateRevoked)), nil, "2026-06-30", bad, "cert_revoked/不合规!#1.2", "cert P,O/P"},
	})
}

func TestMessages(t *testing.T) {
	e := newEngine(t, false)
	op := person(operator, trade, "2019-01-01", "1.2")
	cases := []struct {
		p     Person
		certs []Cert
		tr    []Training
		at    string
		want  string
	}{
		{op, certs_(withState(opCert(1, "1.2", "2024-03-01", false), certs.StateCancelled)), nil, "2026-06-30", "准操项目“低压电工作业”（1.2）的特种作业操作证（T530302199001010001）已注销"},
		{op, certs_(withState(opCert(1, "1.2", "2024-03-01", false), certs.StateRevoked)), nil, "2026-06-30", "准操项目“低压电工作业”（1.2）的特种作业操作证（T530302199001010001）已撤销"},
		{op, certs_(opCert(1, "1.2", "2020-06-10", false)), nil, "2023-05-01", "准操项目“低压电工作业”（1.2）的特种作业操作证（T530302199001010001）须于2023-06-10前复审"},
		{op, certs_(opCert(1, "1.2", "2020-06-10", true)), nil, "2026-05-01", "准操项目“低压电工作业”（1.2）的特种作业操作证（T530302199001010001）须于2026-06-10前办理延期"},
		{person(operator, trade, "2019-01-01", "9.9"), nil, nil, "2026-05-01", "准操项目9.9未取得特种作业操作证"},
		{person(principal, hazchem, "2026-01-15"), nil, nil, "2026-07-01", "主要负责人须于2026-07-15前（任职之日起6个月内）通过考核，取得安全生产知识和管理能力考核合格证"},
		{person(principal|manager, hazchem, "2026-01-15"), nil, nil, "2026-07-16", "主要负责人、安全生产管理人员任职已满6个月（2026-07-15），仍未取得安全生产知识和管理能力考核合格证"},
		{person(manager, hazchem, "2019-01-01"), certs_(sqCert(1, "2023-06-10")), nil, "2026-06-11", "安全生产管理人员的安全生产知识和管理能力考核合格证（AQ000001）有效期至2026-06-10，已过期"},
		{person(other, trade, "2020-01-01"), nil, trains(annual(2026, 8, 0)), "2027-01-01", "从业人员年度再培训（2026年度）学时不足：已完成0学时，应完成8学时"},
		{away(op, "2025-03-10", "2025-09-10", ""), certs_(opCert(1, "1.2", "2024-03-01", false)), nil, "2025-09-20", "2025-03-10离岗、2025-09-10返岗，离开特种作业岗位6个月以上，未重新进行实际操作考试"},
		{person(other, trade, "2026-03-02"), nil, trains(train(hours.TriggerNewHire, "2025-09-02", "2026-03-02", 24, 10, 30)), "2026-03-02",
			"新上岗安全培训须在上岗（2026-03-02）前完成：已完成10学时，应完成24学时"},
	}
	for _, c := range cases {
		r := e.Evaluate(c.p, c.certs, c.tr, at(c.at))
		if len(r.Reasons) == 0 {
			t.Errorf("%s: no reason", c.want)
			continue
		}
		if got := r.Reasons[0].Message(); got != c.want {
			t.Errorf("message %q\n want %q", got, c.want)
		}
	}
	// The basis follows the role.
	r := e.Evaluate(person(manager, hazchem, "2019-01-01"), certs_(sqCert(1, "2023-06-10")), nil, at("2026-06-11"))
	if b := r.Reasons[0].Basis(); !strings.Contains(b, "44号令第25条") {
		t.Errorf("manager basis %q", b)
	}
	if h := r.Reasons[0].HazardBasis(); !strings.Contains(h, "121号") {
		t.Errorf("hazard basis %q", h)
	}
	r = e.Evaluate(op, nil, nil, at("2026-06-11"))
	if b := r.Reasons[0].Basis(); !strings.Contains(b, "第三十条") || !strings.Contains(b, "30号令第5条") {
		t.Errorf("operator basis %q", b)
	}
	if (Reason{Code: CodeCertExpired}).Message() != "cert_expired" {
		t.Error("a zero Reason's message is its code")
	}
}

func TestEvaluateIntoReuses(t *testing.T) {
	e := newEngine(t, false)
	var r Result
	cs := certs_(opCert(1, "1.2", "2020-06-10", false))
	p := person(operator|principal, hazchem, "2026-01-15", "1.1", "1.2")
	e.EvaluateInto(&r, &p, cs, nil, at("2026-07-16"))
	first := describe(r)
	if first != "manager_unassessed/不合规!@2026-07-15 no_certificate/不合规!#1.1 cert_expired/不合规!#1.2@2026-06-10" {
		t.Fatalf("first: %s", first)
	}
	q := person(other, trade, "2020-01-01")
	e.EvaluateInto(&r, &q, nil, nil, at("2026-07-16"))
	if describe(r) != "" || r.Status != StatusCompliant || r.PersonID != q.ID || flags(r) != "cert -/- pre 0/0 ann 0/0" {
		t.Fatalf("second: %s %s", describe(r), flags(r))
	}
	for _, c := range r.scratch[:cap(r.scratch)] {
		if c.c != nil {
			t.Fatal("scratch keeps a pointer into the caller's certificates")
		}
	}
	allocs := testing.AllocsPerRun(100, func() { e.EvaluateInto(&r, &p, cs, nil, at("2026-07-16")) })
	if allocs != 0 {
		t.Errorf("EvaluateInto allocates %v times per person", allocs)
	}
}

func TestNewNeedsLicenceKinds(t *testing.T) {
	ks, err := certs.ParseKinds([]byte(`{"kinds":[{"code":"x","name":"X","issuer":"state","categories":["other"],"basis":"b"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Kinds: ks}); err == nil {
		t.Error("a kind table without licences accepted")
	}
	if _, err := New(Options{}); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// The dates of the inputs may come in any location: roster dates at
// midnight UTC, hours dates at midnight China time; the date evaluated is
// read in China time.
func TestDatesInAnyLocation(t *testing.T) {
	e := newEngine(t, false)
	p := person(principal, hazchem, "2026-01-15")
	p.StartedOn = hours.Date(2026, time.January, 15)
	// 2026-07-15 20:00 UTC is already 07-16 in Qujing.
	r := e.Evaluate(p, nil, nil, day("2026-07-15").Add(20*time.Hour))
	if describe(r) != "manager_unassessed/不合规!@2026-07-15" {
		t.Errorf("got %s", describe(r))
	}
	r = e.Evaluate(p, nil, nil, day("2026-07-15").Add(15*time.Hour))
	if describe(r) != "manager_unassessed/即将到期@2026-07-15" {
		t.Errorf("got %s", describe(r))
	}
}
