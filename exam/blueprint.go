package exam

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"anpei/fault"
)

// Points is a score counted in tenths of a point, so that sums are exact:
// 2.5 points is Points(25), written 25 or 2.5*Point… in code, "2.5" on
// screen and 2.5 in JSON.
type Points int

// Point is one point.
const Point Points = 10

// The exam rules of 安监总培训〔2013〕104号 (RULES.md §2.4): a paper is worth
// 100 points, 80 pass, the exam lasts 120 minutes. MaxMinutes bounds a
// blueprint's duration.
const (
	TotalPoints     Points = 100 * Point
	DefaultPassMark Points = 80 * Point
	DefaultMinutes         = 120
	MaxMinutes             = 600
	// maxSectionCount bounds one section's count (a paper of 100 points at
	// 0.1 a question has 1000 questions), so Count × Points cannot overflow.
	maxSectionCount = 1000
)

// String writes p as a decimal: "2", "2.5", "-0.5".
func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	if p%10 == 0 {
		return sign + strconv.Itoa(int(p/10))
	}
	return fmt.Sprintf("%s%d.%d", sign, p/10, p%10)
}

// MarshalJSON writes p as a JSON number of points (2.5).
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a JSON number of points with at most one significant
// decimal (2, 2.5, 2.50); anything else is ErrInvalidPoints.
func (p *Points) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := ParsePoints(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePoints reads a number of points written in decimal ("2", "2.5",
// "-1", "2.50"). More than one significant decimal, exponents, signs other
// than a leading minus and numbers of a million points or more are refused
// with ErrInvalidPoints.
func ParsePoints(s string) (Points, error) {
	bad := ErrInvalidPoints.WithMessage("分值「%s」无效：须为数字，最多保留一位小数", s)
	t, neg := strings.CutPrefix(strings.TrimSpace(s), "-")
	whole, frac, dot := strings.Cut(t, ".")
	if !decimalDigits(whole) || len(whole) > 6 || dot && !decimalDigits(frac) {
		return 0, bad
	}
	n, _ := strconv.Atoi(whole)
	v := Points(n) * Point
	if dot {
		if strings.Trim(frac[1:], "0") != "" {
			return 0, bad
		}
		v += Points(frac[0] - '0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

func decimalDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Section is one part of a blueprint: Count questions of one type (and one
// category, or any), each worth Points.
type Section struct {
	Type Type `json:"type"`
	// Category is a question category (Question.Category, compared
	// exactly), or "" for any category. An any-category section takes only
	// questions that the specific sections of the same type left.
	Category string `json:"category"`
	Count    int    `json:"count"`
	Points   Points `json:"points"` // per question
}

// Label names the section in messages: "单选题·法律法规", "判断题·不限分类".
func (s Section) Label() string {
	t := s.Type.Label()
	if t == "" {
		t = "未知题型「" + string(s.Type) + "」"
	}
	if s.Category == "" {
		return t + "·不限分类"
	}
	return t + "·" + s.Category
}

// Blueprint (组卷方案) says how a paper is drawn from the bank and graded.
// The zero PassMark and Minutes mean the defaults, 80 points and 120
// minutes; WithDefaults fills them in.
type Blueprint struct {
	Sections []Section `json:"sections"`
	PassMark Points    `json:"pass_mark"` // 0: DefaultPassMark
	Minutes  int       `json:"minutes"`   // 0: DefaultMinutes
	// ShuffleQuestions shuffles the questions within each type group (the
	// groups keep the order in which their type first appears in Sections).
	ShuffleQuestions bool `json:"shuffle_questions"`
	// ShuffleOptions shuffles the options of single- and multiple-choice
	// questions (never 正确/错误, nor a question with an option such as
	// "以上都对" that refers to the others).
	ShuffleOptions bool `json:"shuffle_options"`
	// MultiplePartial gives half the points to a multiple-choice answer
	// that picks some but not all correct options and no wrong one. By
	// default a multiple-choice question is all or nothing.
	MultiplePartial bool `json:"multiple_partial"`
}

// WithDefaults returns b with a zero PassMark and Minutes set to the
// defaults.
func (b Blueprint) WithDefaults() Blueprint {
	if b.PassMark == 0 {
		b.PassMark = DefaultPassMark
	}
	if b.Minutes == 0 {
		b.Minutes = DefaultMinutes
	}
	return b
}

// Duration is how long an attempt lasts (default 120 minutes).
func (b Blueprint) Duration() time.Duration {
	return time.Duration(b.WithDefaults().Minutes) * time.Minute
}

// Total is what a paper drawn from b is worth: Σ Count × Points.
func (b Blueprint) Total() Points {
	var t Points
	for _, s := range b.Sections {
		t += Points(s.Count) * s.Points
	}
	return t
}

// The errors about blueprints.
var (
	// ErrInvalidBlueprint: a blueprint breaks a rule; a Detail per field.
	ErrInvalidBlueprint = fault.New(fault.Invalid, "exam_blueprint_invalid", "组卷方案有误，请按提示修改")
	// ErrInvalidPoints: a score is not a number with at most one decimal.
	ErrInvalidPoints = fault.New(fault.Invalid, "exam_points_invalid", "分值无效：须为数字，最多保留一位小数")
	// ErrPoolShort: the bank has too few usable questions for a section; a
	// Detail per section short of questions.
	ErrPoolShort = fault.New(fault.Unprocessable, "exam_pool_short", "题库中可用的题目不足，无法按组卷方案抽题，请补充题目或调整方案")
)

// Validate returns ErrInvalidBlueprint, with a Detail per field at fault,
// unless: there is at least one section; each has a known type, a count of
// 1 to 1000 and positive points, and no two share type and category; the
// points add up to exactly 100; the pass mark (after defaults) is 1 to 100
// points; the duration (after defaults) is 1 to 600 minutes.
func (b Blueprint) Validate() error {
	b = b.WithDefaults()
	var d []fault.Detail
	bad := func(field, format string, args ...any) {
		d = append(d, fault.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if len(b.Sections) == 0 {
		bad("sections", "组卷方案至少需要一个部分")
	}
	seen := map[Section]int{}
	sectionsOK := true
	for i, s := range b.Sections {
		f := fmt.Sprintf("sections[%d]", i)
		if s.Type.Label() == "" {
			bad(f+".type", "第%d部分的题型「%s」无效，须为单选题、多选题或判断题", i+1, s.Type)
			sectionsOK = false
		}
		if s.Count <= 0 || s.Count > maxSectionCount {
			bad(f+".count", "%s的题量须在1到%d道之间", s.Label(), maxSectionCount)
			sectionsOK = false
		}
		if s.Points <= 0 {
			bad(f+".points", "%s的每题分值须大于零", s.Label())
			sectionsOK = false
		}
		key := Section{Type: s.Type, Category: s.Category}
		if j, dup := seen[key]; dup {
			bad(f, "%s与第%d部分重复，请合并为一个部分", s.Label(), j+1)
		} else {
			seen[key] = i
		}
	}
	if sectionsOK && len(b.Sections) > 0 && b.Total() != TotalPoints {
		bad("sections", "各部分分值合计须为%s分，现为%s分", TotalPoints, b.Total())
	}
	if b.PassMark < Point || b.PassMark > TotalPoints {
		bad("pass_mark", "及格分须在1到100分之间")
	}
	if b.Minutes < 1 || b.Minutes > MaxMinutes {
		bad("minutes", "考试时长须在1到%d分钟之间", MaxMinutes)
	}
	if len(d) > 0 {
		return ErrInvalidBlueprint.WithDetails(d...)
	}
	return nil
}

// BankItem is a question of the bank as the store loads it for drawing:
// its ID and content. The store passes the active questions meant for the
// exam's audience; Draw still skips any that is not active or that it
// could not grade (see usable).
type BankItem struct {
	ID uint `json:"id"`
	Question
}

// Feasible returns ErrPoolShort, with a Detail per section short of
// questions ("单选题·法律法规：需要 20 道，题库中只有 12 道可用"), when pool
// cannot fill b; nil when Draw will succeed. It does not validate b.
func (b Blueprint) Feasible(pool []BankItem) error {
	return b.feasible(usableByType(pool))
}

func (b Blueprint) feasible(byType map[Type][]BankItem) error {
	short := map[int]string{} // section index → message
	// What the specific sections take from each type; the any-category
	// section of that type gets the rest.
	taken := map[Type]int{}
	for i, s := range b.Sections {
		if s.Category == "" {
			continue
		}
		have := 0
		for _, it := range byType[s.Type] {
			if it.Category == s.Category {
				have++
			}
		}
		taken[s.Type] += min(have, s.Count)
		if have < s.Count {
			short[i] = fmt.Sprintf("%s：需要 %d 道，题库中只有 %d 道可用", s.Label(), s.Count, have)
		}
	}
	for i, s := range b.Sections {
		if s.Category != "" {
			continue
		}
		have := len(byType[s.Type]) - taken[s.Type]
		if have < s.Count {
			msg := fmt.Sprintf("%s：需要 %d 道，题库中只有 %d 道可用", s.Label(), s.Count, have)
			if taken[s.Type] > 0 {
				msg = fmt.Sprintf("%s：需要 %d 道，除去其他部分抽取的 %d 道，题库中只有 %d 道可用", s.Label(), s.Count, taken[s.Type], have)
			}
			short[i] = msg
		}
	}
	var d []fault.Detail
	for i := range b.Sections {
		if msg, ok := short[i]; ok {
			d = append(d, fault.Detail{Field: fmt.Sprintf("sections[%d]", i), Message: msg})
		}
	}
	if len(d) > 0 {
		return ErrPoolShort.WithDetails(d...)
	}
	return nil
}
