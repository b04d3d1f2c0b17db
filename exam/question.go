// Package exam holds question banks, blueprints, papers, attempts and
// grading. This file is its vocabulary; the importers (xlsx, GIFT,
// Aiken), the blueprint drawing and grading build on it.
package exam

import "strings"

// Type is a question type.
type Type string

// The question types. More may come (填空, 简答); the code treats an
// unknown type as invalid, never as a default.
const (
	Single   Type = "single"   // 单选题: exactly one correct option
	Multiple Type = "multiple" // 多选题: two or more correct options
	Judge    Type = "judge"    // 判断题: options A 正确 / B 错误
)

// Types lists the types in display order.
func Types() []Type { return []Type{Single, Multiple, Judge} }

// Label is the type in Chinese.
func (t Type) Label() string {
	switch t {
	case Single:
		return "单选题"
	case Multiple:
		return "多选题"
	case Judge:
		return "判断题"
	}
	return ""
}

// ParseType reads a type from its code or a Chinese name as trainers write
// it in Excel ("单选", "单选题", "多选", "判断", "是非题"…).
func ParseType(s string) (Type, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case string(Single), "单选", "单选题", "单项选择", "单项选择题":
		return Single, true
	case string(Multiple), "多选", "多选题", "多项选择", "多项选择题":
		return Multiple, true
	case string(Judge), "判断", "判断题", "是非", "是非题":
		return Judge, true
	}
	return "", false
}

// Difficulty is 1 (easy) to 5 (hard); 0 is unknown.
type Difficulty int

// Status is where a question stands in the bank. A retired question stays
// in papers already drawn.
type Status string

// The statuses.
const (
	StatusDraft   Status = "draft"
	StatusActive  Status = "active"
	StatusRetired Status = "retired"
)

// MaxOptions is the number of option letters, A to F.
const MaxOptions = 6

// Letters are the option letters in order.
var Letters = []string{"A", "B", "C", "D", "E", "F"}

// Question is one question of the bank as authors write it. Answer holds
// the correct option letters in order ("A", or "A","C"); for a judge
// question the options are 正确/错误 and the answer "A" or "B".
type Question struct {
	Type        Type       `json:"type"`
	Stem        string     `json:"stem"`
	Options     []string   `json:"options"` // A.. in order, no empty gaps
	Answer      []string   `json:"answer"`
	Explanation string     `json:"explanation"`
	Difficulty  Difficulty `json:"difficulty"`
	Category    string     `json:"category"` // knowledge point / 分类, e.g. 法律法规
	// Audience: person category codes, industry codes, operation item
	// codes; empty means everyone.
	Categories []string `json:"audience_categories"`
	Industries []string `json:"audience_industries"`
	Items      []string `json:"audience_items"`
	Status     Status   `json:"status"`
}

// JudgeOptions are the options of every judge question.
var JudgeOptions = []string{"正确", "错误"}
