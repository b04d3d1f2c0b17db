package exam

import (
	"slices"
	"strings"

	"anpei/fault"
)

// ItemResult is how one item was graded.
type ItemResult struct {
	No         int    `json:"no"`
	QuestionID uint   `json:"question_id"`
	Type       Type   `json:"type"`
	Category   string `json:"category"`
	// Given is the candidate's answer, normalized, in shown letters (empty:
	// not answered); Answer is the correct one.
	Given  []string `json:"given"`
	Answer []string `json:"answer"`
	// Correct is true only for a fully correct answer; Partial marks the
	// half credit of Blueprint.MultiplePartial.
	Correct bool   `json:"correct"`
	Partial bool   `json:"partial"`
	Earned  Points `json:"earned"`
	Points  Points `json:"points"`
}

// Result is a graded paper.
type Result struct {
	Score    Points       `json:"score"`
	Total    Points       `json:"total"`
	PassMark Points       `json:"pass_mark"`
	Passed   bool         `json:"passed"`
	Correct  int          `json:"correct"` // fully correct items
	Items    []ItemResult `json:"items"`
}

// Grade grades paper p with the candidate's answers (by item number, in
// shown letters) under blueprint b's pass mark and partial-credit rule.
// Answers to numbers not on the paper are ignored; an item without an
// answer earns nothing. Grading never fails: a letter the paper does not
// have (which the save path refuses, see CheckAnswer) makes the answer
// wrong.
func Grade(p Paper, answers map[int][]string, b Blueprint) Result {
	b = b.WithDefaults()
	r := Result{PassMark: b.PassMark, Items: make([]ItemResult, 0, len(p.Items))}
	for _, it := range p.Items {
		ir := GradeItem(it, answers[it.No], b.MultiplePartial)
		r.Items = append(r.Items, ir)
		r.Score += ir.Earned
		r.Total += ir.Points
		if ir.Correct {
			r.Correct++
		}
	}
	r.Passed = r.Score >= r.PassMark
	return r
}

// GradeItem grades one item; practice uses it for immediate feedback.
//
//	type      given                                    earns
//	single    exactly the answer                       all points
//	judge     exactly the answer                       all points
//	multiple  exactly the answer                       all points
//	multiple  a non-empty strict subset of the answer  half the points, rounded
//	          (only with partial)                      down to a tenth; not Correct
//	any       anything else, or nothing                0
//
// Given letters are compared after normalizing (case, blanks, order,
// repeats).
func GradeItem(it PaperItem, given []string, partial bool) ItemResult {
	g, ans := normalLetters(given), normalLetters(it.Answer)
	ir := ItemResult{No: it.No, QuestionID: it.QuestionID, Type: it.Type, Category: it.Category,
		Given: g, Answer: slices.Clone(it.Answer), Points: it.Points}
	switch {
	case len(g) > 0 && slices.Equal(g, ans):
		ir.Correct, ir.Earned = true, it.Points
	case partial && it.Type == Multiple && len(g) > 0 && len(g) < len(ans) && subset(g, ans):
		ir.Partial, ir.Earned = true, it.Points/2
	}
	return ir
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

// ErrInvalidAnswer: an answer names an option the item does not have, or
// several options on a single-choice or judge item.
var ErrInvalidAnswer = fault.New(fault.Invalid, "exam_answer_invalid", "答案无效，请重新选择")

// CheckAnswer checks an answer on the save path and returns it normalized
// (upper case, letter order, no repeats) as it should be stored. An empty
// answer is valid: it clears the item. Letters must be options of the item
// (A to the item's last); a single-choice or judge item takes at most one.
func CheckAnswer(it PaperItem, letters []string) ([]string, error) {
	g := normalLetters(letters)
	valid := Letters[:min(len(it.Options), len(Letters))]
	for _, l := range g {
		if !slices.Contains(valid, l) {
			return nil, ErrInvalidAnswer.WithMessage("第%d题没有选项「%s」，只能在 %s 中选择", it.No, l, strings.Join(valid, "、"))
		}
	}
	if len(g) > 1 && it.Type != Multiple {
		return nil, ErrInvalidAnswer.WithMessage("第%d题是%s，只能选择一个选项", it.No, it.Type.Label())
	}
	return g, nil
}

// ReviewItem is an item with its answer and explanation, for a candidate
// allowed to review a graded attempt (see ReviewPolicy) or for practice
// feedback.
type ReviewItem struct {
	PublicItem
	Given       []string `json:"given"`
	Answer      []string `json:"answer"`
	Correct     bool     `json:"correct"`
	Partial     bool     `json:"partial"`
	Earned      Points   `json:"earned"`
	Explanation string   `json:"explanation"`
}

// Review joins a paper and its grading for review. Items of r that are not
// on p are left out.
func Review(p Paper, r Result) []ReviewItem {
	var out []ReviewItem
	pub := p.Public()
	for _, ir := range r.Items {
		for i, it := range p.Items {
			if it.No == ir.No {
				out = append(out, ReviewItem{PublicItem: pub[i], Given: slices.Clone(ir.Given), Answer: slices.Clone(it.Answer),
					Correct: ir.Correct, Partial: ir.Partial, Earned: ir.Earned, Explanation: it.Explanation})
				break
			}
		}
	}
	return out
}
