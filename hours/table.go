package hours

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anpei/roster"
)

// Trigger is what makes a requirement arise.
type Trigger string

// The triggers of the hours table.
const (
	TriggerNewHire       Trigger = "new_hire"       // 新上岗：上岗前
	TriggerAnnual        Trigger = "annual"         // 年度再培训：自然年
	TriggerAppointment   Trigger = "appointment"    // 任职：主要负责人、安全生产管理人员
	TriggerTransfer      Trigger = "transfer"       // 调岗
	TriggerReturn        Trigger = "return"         // 离岗一年以上返岗
	TriggerSpecialReview Trigger = "special_review" // 特种作业操作证复审前
)

// Triggers lists the triggers in table order.
func Triggers() []Trigger {
	return []Trigger{TriggerNewHire, TriggerAnnual, TriggerAppointment, TriggerTransfer, TriggerReturn, TriggerSpecialReview}
}

// Label is the trigger in Chinese, or "" for an unknown trigger.
func (t Trigger) Label() string {
	switch t {
	case TriggerNewHire:
		return "新上岗"
	case TriggerAnnual:
		return "年度再培训"
	case TriggerAppointment:
		return "任职"
	case TriggerTransfer:
		return "调岗"
	case TriggerReturn:
		return "返岗"
	case TriggerSpecialReview:
		return "复审"
	}
	return ""
}

// Sector is the industry risk a rule applies to.
type Sector string

// The sectors. HighRisk is the five sectors of 3号令 (roster
// Industry.HighRisk); Assessed is a sector whose principals must be
// assessed (Safety Law Art.27 ¶2) without being one of the five.
const (
	SectorAny          Sector = "any"
	SectorHighRisk     Sector = "high_risk"
	SectorNonHighRisk  Sector = "non_high_risk"
	SectorConstruction Sector = "construction"
	SectorAssessed     Sector = "assessed"
)

// specificity ranks sectors for resolving overlapping rules; 0 is unknown.
func (s Sector) specificity() int {
	switch s {
	case SectorAny:
		return 1
	case SectorNonHighRisk:
		return 2
	case SectorAssessed:
		return 3
	case SectorHighRisk, SectorConstruction:
		return 4
	}
	return 0
}

// matches reports whether an enterprise of industry ind is in s.
func (s Sector) matches(ind IndustryFacts) bool {
	switch s {
	case SectorAny:
		return true
	case SectorHighRisk:
		return ind.HighRisk
	case SectorNonHighRisk:
		return !ind.HighRisk
	case SectorConstruction:
		return ind.Construction
	case SectorAssessed:
		return ind.AssessmentRequired && !ind.HighRisk
	}
	return false
}

// Rule is one row of the hours table.
type Rule struct {
	ID         string
	Trigger    Trigger
	Categories roster.Category // the person categories it applies to (any of)
	Sector     Sector
	Hours      Hours
	// From and Due place the window around the trigger date: credits count
	// from From.From(date) through the whole day Due.From(date). Both are
	// zero for annual rules, whose window is the calendar year.
	From, Due Offset
	// CourseCategories are the course category codes whose credits count.
	CourseCategories []string
	// Share names the group of rules whose requirements may count the same
	// credited minutes; "" means a minute counts toward this rule alone.
	Share string
	// AlertDays is how many days before Due the requirement is due soon.
	AlertDays int
	// Assessment says the person must also pass the authorities'
	// assessment by Due, which this package does not track.
	Assessment bool
	// Confidence is the RULES.md tag: "A", "B" or "C".
	Confidence string
	// Setting marks a [C] rule: a deployment may change it and should
	// confirm it with the district before relying on it.
	Setting bool
	Source  string // the article(s) and RULES.md section
	Label   string // the requirement's name in Chinese
}

// CourseCategory is a category of courses that requirements count.
type CourseCategory struct {
	Code  string
	Label string
}

// Table is a validated hours table. The zero Table has no rules.
type Table struct {
	rules      []Rule
	categories []CourseCategory
}

// Rules returns a copy of the table's rules in table order.
func (t Table) Rules() []Rule {
	out := slices.Clone(t.rules)
	for i := range out {
		out[i].CourseCategories = slices.Clone(out[i].CourseCategories)
	}
	return out
}

// Rule returns the rule with the given ID, or false.
func (t Table) Rule(id string) (Rule, bool) {
	for _, r := range t.rules {
		if r.ID == id {
			r.CourseCategories = slices.Clone(r.CourseCategories)
			return r, true
		}
	}
	return Rule{}, false
}

// CourseCategories returns the course categories in table order.
func (t Table) CourseCategories() []CourseCategory { return slices.Clone(t.categories) }

// CourseCategoryLabel returns the Chinese name of a course category code,
// or "" when the table does not know it.
func (t Table) CourseCategoryLabel(code string) string {
	for _, c := range t.categories {
		if c.Code == code {
			return c.Label
		}
	}
	return ""
}

//go:embed data/rules.tsv data/course_categories.tsv
var data embed.FS

// DefaultTable parses the table shipped in data/. It returns an error only
// when the embedded files are malformed, a bug the tests catch.
func DefaultTable() (Table, error) {
	rules, err := data.ReadFile("data/rules.tsv")
	if err != nil {
		return Table{}, fmt.Errorf("hours: %w", err)
	}
	cats, err := data.ReadFile("data/course_categories.tsv")
	if err != nil {
		return Table{}, fmt.Errorf("hours: %w", err)
	}
	return ParseTable(bytes.NewReader(rules), bytes.NewReader(cats))
}

// ParseTable reads and validates an hours table in the format of
// data/rules.tsv and data/course_categories.tsv, e.g. a deployment's own
// copy with its [C] settings changed. It returns an error naming the file
// and line of the first problem: a wrong field count, an unknown code, a
// missing source, a window that ends before it starts, or two rules that
// would both apply to the same person for the same trigger and sector.
func ParseTable(rules, courseCategories io.Reader) (Table, error) {
	var t Table
	catRows, err := readTSV(courseCategories, "course_categories.tsv", 2)
	if err != nil {
		return Table{}, err
	}
	known := map[string]bool{}
	for _, r := range catRows {
		if !codePattern.MatchString(r.cols[0]) || known[r.cols[0]] {
			return Table{}, errorf("course_categories.tsv line %d: code %q is malformed or repeated", r.line, r.cols[0])
		}
		known[r.cols[0]] = true
		t.categories = append(t.categories, CourseCategory{Code: r.cols[0], Label: r.cols[1]})
	}

	ruleRows, err := readTSV(rules, "rules.tsv", 14)
	if err != nil {
		return Table{}, err
	}
	seen := map[string]bool{}
	for _, r := range ruleRows {
		rule, err := parseRule(r.cols, known)
		if err != nil {
			return Table{}, errorf("rules.tsv line %d: %v", r.line, err)
		}
		if seen[rule.ID] {
			return Table{}, errorf("rules.tsv line %d: rule %q repeated", r.line, rule.ID)
		}
		seen[rule.ID] = true
		for _, other := range t.rules {
			if other.Trigger == rule.Trigger && other.Sector == rule.Sector && other.Categories&rule.Categories != 0 {
				return Table{}, errorf("rules.tsv line %d: rule %q overlaps %q (same trigger, sector and a person category)", r.line, rule.ID, other.ID)
			}
		}
		t.rules = append(t.rules, rule)
	}
	if len(t.rules) == 0 {
		return Table{}, errorf("rules.tsv has no rules")
	}
	return t, nil
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseRule reads the 14 fields of one rule.
func parseRule(f []string, knownCourses map[string]bool) (Rule, error) {
	opt := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	r := Rule{ID: f[0], Trigger: Trigger(f[1]), Sector: Sector(f[3]), Share: opt(f[8]),
		Confidence: f[11], Source: opt(f[12]), Label: opt(f[13])}
	if !codePattern.MatchString(r.ID) {
		return Rule{}, fmt.Errorf("id %q is not a lower-case code", r.ID)
	}
	if r.Trigger.Label() == "" {
		return Rule{}, fmt.Errorf("unknown trigger %q", f[1])
	}
	for code := range strings.SplitSeq(f[2], ",") {
		c, ok := roster.ParseCategory(code)
		if !ok || c.Code() != code {
			return Rule{}, fmt.Errorf("unknown person category %q", code)
		}
		r.Categories |= c
	}
	if r.Sector.specificity() == 0 {
		return Rule{}, fmt.Errorf("unknown sector %q", f[3])
	}
	h, err := ParseHours(f[4])
	if err != nil {
		return Rule{}, err
	}
	if h <= 0 {
		return Rule{}, fmt.Errorf("学时 must be positive")
	}
	r.Hours = h
	if r.Trigger == TriggerAnnual {
		if f[5] != "-" || f[6] != "-" {
			return Rule{}, fmt.Errorf("an annual rule's window is the calendar year: from and due must be -")
		}
	} else {
		if r.From, err = ParseOffset(f[5]); err != nil {
			return Rule{}, err
		}
		if r.Due, err = ParseOffset(f[6]); err != nil {
			return Rule{}, err
		}
		probe := Date(2001, time.January, 31)
		if r.Due.From(probe).Before(r.From.From(probe)) {
			return Rule{}, fmt.Errorf("due %s is before from %s", r.Due, r.From)
		}
	}
	for code := range strings.SplitSeq(f[7], ",") {
		if !knownCourses[code] || slices.Contains(r.CourseCategories, code) {
			return Rule{}, fmt.Errorf("course category %q is unknown or repeated", code)
		}
		r.CourseCategories = append(r.CourseCategories, code)
	}
	if r.Share != "" && !codePattern.MatchString(r.Share) {
		return Rule{}, fmt.Errorf("share group %q is not a lower-case code", r.Share)
	}
	if r.AlertDays, err = strconv.Atoi(f[9]); err != nil || r.AlertDays < 0 {
		return Rule{}, fmt.Errorf("alert_days %q is not a non-negative number", f[9])
	}
	switch f[10] {
	case "0", "1":
		r.Assessment = f[10] == "1"
	default:
		return Rule{}, fmt.Errorf("assessment %q is not 0 or 1", f[10])
	}
	switch r.Confidence {
	case "A", "B":
	case "C":
		r.Setting = true
	default:
		return Rule{}, fmt.Errorf("confidence %q is not A, B or C", f[11])
	}
	if r.Source == "" {
		return Rule{}, fmt.Errorf("rule %q cites no source", r.ID)
	}
	if r.Label == "" {
		return Rule{}, fmt.Errorf("rule %q has no label", r.ID)
	}
	return r, nil
}

type tsvRow struct {
	line int
	cols []string
}

// readTSV returns the tab-separated fields of each non-blank, non-comment
// line, checking that there are want of them and none is empty.
func readTSV(r io.Reader, name string, want int) ([]tsvRow, error) {
	var rows []tsvRow
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != want {
			return nil, errorf("%s line %d: %d fields, want %d", name, n, len(cols), want)
		}
		for i := range cols {
			if cols[i] = strings.TrimSpace(cols[i]); cols[i] == "" {
				return nil, errorf("%s line %d: field %d is empty (write - for none)", name, n, i+1)
			}
		}
		rows = append(rows, tsvRow{line: n, cols: cols})
	}
	if err := sc.Err(); err != nil {
		return nil, errorf("read %s: %v", name, err)
	}
	return rows, nil
}

// errorf returns an error prefixed with the package name.
func errorf(format string, args ...any) error {
	return fmt.Errorf("hours: "+format, args...)
}
