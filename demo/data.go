package demo

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// files holds the demo district as data: the enterprises, the name lists and
// distributions people are generated from, their positions, and the demo
// accounts. Everything that makes the demo look like 麒麟区 lives there; the
// Go code only turns it into roster and account use-case calls.
//
//go:embed data/*.json
var files embed.FS

// district is the parsed content of data/.
type district struct {
	// CommonOperations are the operation items found in every enterprise
	// (a welder, an electrician), held by its first special operators.
	CommonOperations []string
	Enterprises      []enterpriseData
	Names            names
	Population       population
	Positions        positions
	Accounts         []accountData
}

// enterpriseData is one entry of enterprises.json.
type enterpriseData struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	OrgCode    string   `json:"org_code"` // first 8 characters of the GB 11714 organisation code
	Founded    int      `json:"founded"`
	Town       string   `json:"town"`
	Industry   string   `json:"industry"`
	AboveScale bool     `json:"above_scale"`
	Grade      string   `json:"grade"`
	Status     string   `json:"status"`
	Staff      int      `json:"staff"`
	LongAbsent int      `json:"long_absent"` // special operators off duty for six months or more
	Returned   int      `json:"returned"`    // special operators back after six months or more away
	Operations []string `json:"operations"`
	Address    string   `json:"address"`
}

// names is names.json.
type names struct {
	CommonSurnames string `json:"common_surnames"`
	Surnames       string `json:"surnames"`
	MaleGiven      string `json:"male_given"`
	FemaleGiven    string `json:"female_given"`
}

// weighted is one choice of a weighted list: a value and its weight.
type weighted struct {
	V string `json:"v"`
	W int    `json:"w"`
}

// roleMix is how one kind of person is drawn: age range in whole years,
// the youngest age at which they took up the post, share of men, and
// weighted education and employment kind codes. A zero
// or nil field in an industry override keeps the base value.
type roleMix struct {
	MinAge      int        `json:"min_age"`
	MaxAge      int        `json:"max_age"`
	StartAge    int        `json:"start_age"`
	MalePercent int        `json:"male_percent"`
	Education   []weighted `json:"education"`
	Employment  []weighted `json:"employment"`
}

// population is population.json.
type population struct {
	Seed           uint64                        `json:"seed"`
	Areas          []area                        `json:"areas"`
	MobilePrefixes []string                      `json:"mobile_prefixes"`
	Roles          map[string]roleMix            `json:"roles"`
	Overrides      map[string]map[string]roleMix `json:"industry_overrides"`
	InternAge      struct{ Min, Max int }        `json:"intern_age"`
}

// area is an address code people's ID numbers are drawn from.
type area struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// positions is positions.json: lists keyed by industry code, "*" the
// default.
type positions struct {
	Principal      map[string][]string `json:"principal"`
	SafetyManager  map[string][]string `json:"safety_manager"`
	OperationItems map[string][]string `json:"operation_items"`
	Other          map[string][]string `json:"other"`
}

// accountData is one entry of accounts.json.
type accountData struct {
	Username         string `json:"username"`
	Role             string `json:"role"`
	Contract         bool   `json:"contract"`
	Name             string `json:"name"`
	Label            string `json:"label"`
	JurisdictionKind string `json:"jurisdiction_kind"`
	JurisdictionCode string `json:"jurisdiction_code"`
	Enterprise       string `json:"enterprise"`
	OperationItem    string `json:"operation_item"`
}

// The role keys of population.json.
const (
	mixPrincipal = "principal"
	mixManager   = "safety_manager"
	mixSpecial   = "special_operator"
	mixOther     = "other"
)

// loadDistrict parses and checks the embedded data files. An error here is
// a mistake in data/, which the package tests catch.
func loadDistrict() (district, error) {
	var d district
	var ents struct {
		CommonOperations []string         `json:"common_operations"`
		Enterprises      []enterpriseData `json:"enterprises"`
	}
	var accts struct {
		Accounts []accountData `json:"accounts"`
	}
	for name, dst := range map[string]any{
		"enterprises.json": &ents, "names.json": &d.Names, "population.json": &d.Population,
		"positions.json": &d.Positions, "accounts.json": &accts,
	} {
		if err := readJSON(name, dst); err != nil {
			return district{}, err
		}
	}
	d.CommonOperations, d.Enterprises, d.Accounts = ents.CommonOperations, ents.Enterprises, accts.Accounts
	if err := d.check(); err != nil {
		return district{}, err
	}
	return d, nil
}

func readJSON(name string, dst any) error {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return fmt.Errorf("demo: read %s: %w", name, err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("demo: parse %s: %w", name, err)
	}
	return nil
}

// check catches the data mistakes the generator cannot work around. Codes
// are checked against the roster's reference tables by Seed, which has them.
func (d district) check() error {
	if len(d.Enterprises) == 0 || len(d.CommonOperations) == 0 {
		return fmt.Errorf("demo: enterprises.json lists no enterprises or no common_operations")
	}
	keys := map[string]bool{}
	for _, e := range d.Enterprises {
		switch {
		case e.Key == "" || keys[e.Key]:
			return fmt.Errorf("demo: enterprises.json: key %q is empty or repeated", e.Key)
		case len(e.OrgCode) != 8:
			return fmt.Errorf("demo: enterprises.json: %s: org_code %q is not 8 characters", e.Key, e.OrgCode)
		case e.Staff < 6:
			return fmt.Errorf("demo: enterprises.json: %s: staff %d is too few for every category", e.Key, e.Staff)
		case e.LongAbsent < 0 || e.Returned < 0:
			return fmt.Errorf("demo: enterprises.json: %s: negative long_absent or returned", e.Key)
		case e.Founded < 1950 || e.Founded > 2100:
			return fmt.Errorf("demo: enterprises.json: %s: founded %d", e.Key, e.Founded)
		}
		keys[e.Key] = true
	}
	n := d.Names
	for field, s := range map[string]string{"common_surnames": n.CommonSurnames, "surnames": n.Surnames,
		"male_given": n.MaleGiven, "female_given": n.FemaleGiven} {
		if utf8.RuneCountInString(s) < 5 {
			return fmt.Errorf("demo: names.json: %s has too few characters", field)
		}
	}
	p := d.Population
	if len(p.Areas) == 0 || len(p.MobilePrefixes) == 0 {
		return fmt.Errorf("demo: population.json: areas and mobile_prefixes must not be empty")
	}
	for _, a := range p.Areas {
		if len(a.Code) != 6 || strings.Trim(a.Code, "0123456789") != "" || a.Weight <= 0 {
			return fmt.Errorf("demo: population.json: area %q needs six digits and a positive weight", a.Code)
		}
	}
	for _, pre := range p.MobilePrefixes {
		if len(pre) != 3 || pre[0] != '1' || pre[1] < '3' || strings.Trim(pre, "0123456789") != "" {
			return fmt.Errorf("demo: population.json: mobile prefix %q", pre)
		}
	}
	if p.InternAge.Min < 18 || p.InternAge.Max < p.InternAge.Min {
		return fmt.Errorf("demo: population.json: intern_age %d–%d", p.InternAge.Min, p.InternAge.Max)
	}
	for _, role := range []string{mixPrincipal, mixManager, mixSpecial, mixOther} {
		m, ok := p.Roles[role]
		switch {
		case !ok:
			return fmt.Errorf("demo: population.json: roles.%s is missing", role)
		case m.MinAge < 18 || m.MaxAge < m.MinAge || m.StartAge < 16 || m.StartAge >= m.MinAge:
			return fmt.Errorf("demo: population.json: roles.%s: ages %d–%d, start age %d", role, m.MinAge, m.MaxAge, m.StartAge)
		case !positiveWeights(m.Education) || !positiveWeights(m.Employment):
			return fmt.Errorf("demo: population.json: roles.%s needs education and employment weights", role)
		}
	}
	for _, l := range []map[string][]string{d.Positions.Principal, d.Positions.SafetyManager, d.Positions.Other} {
		if len(l["*"]) == 0 {
			return fmt.Errorf("demo: positions.json: every list needs a \"*\" default")
		}
	}
	contract := 0
	for _, a := range d.Accounts {
		if a.Contract {
			contract++
		}
		if a.Enterprise != "" && !keys[a.Enterprise] {
			return fmt.Errorf("demo: accounts.json: %s: unknown enterprise %q", a.Username, a.Enterprise)
		}
	}
	if contract != 5 {
		return fmt.Errorf("demo: accounts.json: %d contract accounts, want the five of CONTRACT.md", contract)
	}
	return nil
}

func positiveWeights(ws []weighted) bool {
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if w.W <= 0 || w.V == "" {
			return false
		}
	}
	return true
}

// mix returns the distribution of role in industry: the base one with the
// industry's overrides applied.
func (p population) mix(role, industry string) roleMix {
	m := p.Roles[role]
	o, ok := p.Overrides[industry][role]
	if !ok {
		return m
	}
	if o.MinAge != 0 {
		m.MinAge = o.MinAge
	}
	if o.MaxAge != 0 {
		m.MaxAge = o.MaxAge
	}
	if o.StartAge != 0 {
		m.StartAge = o.StartAge
	}
	if o.MalePercent != 0 {
		m.MalePercent = o.MalePercent
	}
	if o.Education != nil {
		m.Education = o.Education
	}
	if o.Employment != nil {
		m.Employment = o.Employment
	}
	return m
}

// of returns the list for industry, or the "*" default.
func of(lists map[string][]string, industry string) []string {
	if l := lists[industry]; len(l) > 0 {
		return l
	}
	return lists["*"]
}
