package demo

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"anpei/account"
	"anpei/ident"
	"anpei/roster"
)

// highRiskForTest mirrors roster/data/industries.tsv; the seed test reads
// the real table.
var highRiskForTest = map[string]bool{"hazchem": true, "fireworks": true, "mine_noncoal": true, "coal": true, "metallurgy": true}

var testToday = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

func testPlan(t *testing.T) (district, plan) {
	t.Helper()
	d, err := loadDistrict()
	if err != nil {
		t.Fatalf("loadDistrict: %v", err)
	}
	pl, err := generate(d, testToday, highRiskForTest)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return d, pl
}

func TestAccounts(t *testing.T) {
	want := map[string]account.Role{
		"admin": account.RoleAdmin, "regulator": account.RoleRegulator, "enterprise": account.RoleEnterpriseAdmin,
		"trainer": account.RoleTrainer, "learner": account.RoleLearner,
	}
	got := Accounts()
	if len(got) != len(want) {
		t.Fatalf("Accounts() has %d accounts, want %d", len(got), len(want))
	}
	for _, a := range got {
		role, ok := want[a.Username]
		if !ok {
			t.Errorf("unexpected demo account %q", a.Username)
			continue
		}
		if a.Role != string(role) || a.Password != "anpei-demo" || a.Label == "" {
			t.Errorf("account %s = %+v, want role %s, password anpei-demo and a label", a.Username, a, role)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	_, a := testPlan(t)
	_, b := testPlan(t)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs of generate gave different districts")
	}
	// Later the same year: the same identities, only duty dates move.
	d, _ := loadDistrict()
	c, err := generate(d, testToday.AddDate(0, 3, 0), highRiskForTest)
	if err != nil {
		t.Fatal(err)
	}
	for i, pe := range a.Enterprises {
		if c.Enterprises[i].Input.CreditCode != pe.Input.CreditCode {
			t.Errorf("%s: credit code changed with the date", pe.Data.Key)
		}
		for j, pp := range pe.People {
			if got := c.Enterprises[i].People[j].Input; got.DocNumber != pp.Input.DocNumber || got.Name != pp.Input.Name {
				t.Errorf("%s person %d: identity changed with the date: %s %s → %s %s", pe.Data.Key, j,
					pp.Input.Name, pp.Input.DocNumber, got.Name, got.DocNumber)
			}
		}
	}
}

func TestEnterprises(t *testing.T) {
	_, pl := testPlan(t)
	if n := len(pl.Enterprises); n < 18 || n > 25 {
		t.Errorf("%d enterprises, want about 20", n)
	}
	codes := map[string]string{}
	towns, industries := map[string]bool{}, map[string]bool{}
	for _, pe := range pl.Enterprises {
		in := pe.Input
		code, err := ident.ParseCreditCode(in.CreditCode)
		if err != nil {
			t.Errorf("%s: credit code %s: %v", pe.Data.Key, in.CreditCode, err)
			continue
		}
		if code.Area() != "530302" || code.Authority() != '9' || code.OrgType() != '1' {
			t.Errorf("%s: credit code %s is not a 麒麟区 enterprise's (91 530302 …)", pe.Data.Key, code)
		}
		if !ident.ValidOrgCode(code.OrgCode()) {
			t.Errorf("%s: organisation code %s fails GB 11714", pe.Data.Key, code.OrgCode())
		}
		if other, dup := codes[code.String()]; dup {
			t.Errorf("%s and %s share credit code %s", other, pe.Data.Key, code)
		}
		codes[code.String()] = pe.Data.Key
		if !strings.HasPrefix(in.Name, "曲靖市麒麟区") {
			t.Errorf("%s: name %q does not start with 曲靖市麒麟区", pe.Data.Key, in.Name)
		}
		if !in.Grade.Valid() || !in.Status.Valid() {
			t.Errorf("%s: grade %q or status %q invalid", pe.Data.Key, in.Grade, in.Status)
		}
		if in.ContactName == "" || !mobileRe.MatchString(in.ContactPhone) {
			t.Errorf("%s: contact %q %q", pe.Data.Key, in.ContactName, in.ContactPhone)
		}
		towns[in.TownCode], industries[in.IndustryCode] = true, true
	}
	if len(towns) < 12 {
		t.Errorf("enterprises in %d towns and streets, want them spread over most of the 15", len(towns))
	}
	for ind := range highRiskForTest {
		if !industries[ind] {
			t.Errorf("no enterprise of high-risk industry %s", ind)
		}
	}
	if len(industries) < 10 {
		t.Errorf("enterprises in %d industries, want at least 10", len(industries))
	}
}

var mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// itemFamily is the industry whose enterprises alone may hold an operation
// item of that catalogue category.
var itemFamily = map[string]string{"5": "coal", "6": "mine_noncoal", "8": "metallurgy", "9": "hazchem", "10": "fireworks"}

func TestPeople(t *testing.T) {
	d, pl := testPlan(t)
	ids, phones := map[string]bool{}, map[string]bool{}
	items := map[string]bool{}
	for _, pe := range pl.Enterprises {
		for _, pp := range pe.People {
			for _, it := range pp.Input.OperationItems {
				items[it] = true
			}
		}
	}
	var (
		total, newHires, shortLeave, longAway, returned, pending int
		kinds                                                    = map[roster.EmploymentKind]int{}
		areas                                                    = map[string]int{}
	)
	for _, pe := range pl.Enterprises {
		count := map[roster.Category]int{}
		held := map[string]bool{}
		for _, pp := range pe.People {
			in := pp.Input
			total++
			if ds := roster.ValidatePersonInput(in, testToday, items); len(ds) > 0 {
				t.Errorf("%s: %s rejected by the roster: %+v", pe.Data.Key, in.Name, ds)
			}
			id, err := ident.ParseID(ident.DocResidentID, in.DocNumber, testToday)
			if err != nil {
				t.Errorf("%s: %s: ID number %s: %v", pe.Data.Key, in.Name, in.DocNumber, err)
				continue
			}
			if age := ident.Age(id.Birth, testToday); age < 20 || age > 58 {
				t.Errorf("%s: %s is %d, want 20–58", pe.Data.Key, in.Name, age)
			}
			if ids[id.Number] || phones[in.Phone] {
				t.Errorf("%s: %s: ID number or phone repeated", pe.Data.Key, in.Name)
			}
			ids[id.Number], phones[in.Phone] = true, true
			if !mobileRe.MatchString(in.Phone) {
				t.Errorf("%s: %s: phone %q is not an 11-digit mobile number", pe.Data.Key, in.Name, in.Phone)
			}
			if in.AppointedOn != nil {
				minAge := 18
				switch {
				case in.Categories.Has(roster.CategoryPrincipal):
					minAge = 28
				case in.Categories.Has(roster.CategorySafetyManager):
					minAge = 22
				}
				if age := ident.Age(id.Birth, *in.AppointedOn); age < minAge {
					t.Errorf("%s: %s (%s) took up the post at %d, want at least %d", pe.Data.Key, in.Name, in.Categories.Label(), age, minAge)
				}
			}
			areas[id.Number[:6]]++
			kinds[in.EmploymentKind]++
			for _, c := range in.Categories.Split() {
				count[c]++
			}
			for _, it := range in.OperationItems {
				held[it] = true
				fam, _, _ := strings.Cut(it, ".")
				if ind, ok := itemFamily[fam]; ok && ind != pe.Data.Industry {
					t.Errorf("%s (%s): %s holds item %s of another industry", pe.Data.Key, pe.Data.Industry, in.Name, it)
				}
			}
			if pe.Data.Industry == "hazchem" && in.Categories.Has(roster.CategorySpecialOperator) &&
				slices.Index(roster.Educations(), in.Education) < slices.Index(roster.Educations(), roster.EduSenior) {
				t.Errorf("%s: hazardous-chemical operator %s has %s, below senior high (30号令 Art.4)", pe.Data.Key, in.Name, in.Education)
			}
			sixMonthsAgo := testToday.AddDate(0, -6, 0)
			switch {
			case in.DutyStatus == roster.DutyPending:
				pending++
			case pp.ReturnOn != nil:
				returned++
				if !in.LeftOn.Before(sixMonthsAgo) || pp.ReturnOn.After(testToday) || pp.ReturnOn.Before(*in.LeftOn) {
					t.Errorf("%s: %s left %v and returns %v: want away ≥6 months, back by today", pe.Data.Key, in.Name, in.LeftOn, pp.ReturnOn)
				}
			case in.DutyStatus == roster.DutyOff && !in.LeftOn.After(sixMonthsAgo):
				longAway++
			case in.DutyStatus == roster.DutyOff:
				shortLeave++
			case in.AppointedOn.After(testToday.AddDate(0, -4, 0)):
				newHires++
			}
		}
		for _, c := range roster.Categories() {
			if count[c] == 0 {
				t.Errorf("%s: no %s", pe.Data.Key, c.Label())
			}
		}
		if count[roster.CategoryPrincipal] != 1 || count[roster.CategorySafetyManager] > 3 {
			t.Errorf("%s: %d principals and %d safety managers, want 1 and 1–3", pe.Data.Key,
				count[roster.CategoryPrincipal], count[roster.CategorySafetyManager])
		}
		for _, it := range slices.Concat(d.CommonOperations, pe.Data.Operations) {
			if !held[it] {
				t.Errorf("%s: no special operator holds %s", pe.Data.Key, it)
			}
		}
	}
	t.Logf("%d people: %d new hires, %d recently off duty, %d away ≥6 months, %d back after ≥6 months, %d pending; %v; %d address codes",
		total, newHires, shortLeave, longAway, returned, pending, kinds, len(areas))
	if total < 300 || total > 420 {
		t.Errorf("%d people, want 300–420", total)
	}
	if newHires < 5 || shortLeave < 3 || longAway < 2 || returned < 2 || pending < 1 {
		t.Errorf("want some new hires, recent leavers, people away ≥6 months, returns and pending people")
	}
	for _, k := range roster.EmploymentKinds() {
		if kinds[k] == 0 {
			t.Errorf("no person employed as %s", k.Label())
		}
	}
	if areas["530302"] < total/3 || len(areas) < 6 {
		t.Errorf("address codes %v: want mostly 530302 and several other Yunnan codes", areas)
	}
}

func TestFirstAdminPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := newPassword()
		if len(pw) < 16 {
			t.Fatalf("password %q shorter than 16", pw)
		}
		if err := account.CheckPassword("password", pw); err != nil {
			t.Fatalf("password %q fails the policy: %v", pw, err)
		}
		if seen[pw] {
			t.Fatalf("password %q repeated", pw)
		}
		seen[pw] = true
	}
}
