package exam

import (
	"cmp"
	"math"
	"slices"
)

// The item-analysis thresholds: an item answered correctly by fewer than
// 20 % or more than 95 % of candidates, or discriminating less than 0.2,
// needs review (需要复核). Below StatsMinSample responses no item is
// flagged: the figures are still computed, but they are noise. The upper
// and lower groups are the top and bottom 27 % by total score (Kelley).
const (
	FacilityLow       = 0.2
	FacilityHigh      = 0.95
	DiscriminationLow = 0.2
	StatsMinSample    = 10
	GroupShare        = 0.27
	NeedsReviewLabel  = "需要复核"
)

// ItemStat is the item analysis of one bank question over graded papers.
type ItemStat struct {
	QuestionID uint `json:"question_id"`
	N          int  `json:"n"`       // graded papers that had it
	Correct    int  `json:"correct"` // of which fully correct
	// Facility (难度/通过率) is the share correct, 0 to 1.
	Facility float64 `json:"facility"`
	// Discrimination (区分度) is the facility in the upper group minus that
	// in the lower group, -1 to 1; 0 when N < 2.
	Discrimination float64 `json:"discrimination"`
	// Flags say why the item needs review (empty: it does not).
	Flags []string `json:"flags"`
}

// NeedsReview reports whether the item is flagged 需要复核.
func (s ItemStat) NeedsReview() bool { return len(s.Flags) > 0 }

// Facility is the share of true in correct; 0 for none.
func Facility(correct []bool) float64 {
	if len(correct) == 0 {
		return 0
	}
	n := 0
	for _, c := range correct {
		if c {
			n++
		}
	}
	return float64(n) / float64(len(correct))
}

// Discrimination is the classic upper-lower index of one item: scores[i]
// is candidate i's total score and correct[i] whether they got the item
// right. The candidates are ranked by score (ties keep their order); the
// top and bottom k = round(27 % × n) (at least 1) form the groups, and the
// index is the facility of the upper group minus that of the lower. It is
// 0 for fewer than two candidates. It panics if the slices differ in
// length.
func Discrimination(scores []Points, correct []bool) float64 {
	if len(scores) != len(correct) {
		panic("exam.Discrimination: scores and correct differ in length")
	}
	n := len(scores)
	if n < 2 {
		return 0
	}
	k := max(1, int(math.Round(GroupShare*float64(n))))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	upper, lower := make([]bool, k), make([]bool, k)
	for i := range k {
		upper[i] = correct[idx[i]]
		lower[i] = correct[idx[n-k+i]]
	}
	return Facility(upper) - Facility(lower)
}

// ItemStats analyses every question found in results (graded exam papers;
// leave practice out), in question-ID order. Papers differ, so each item is
// analysed over the papers that had it: its groups are ranked among those
// candidates only. A partly correct answer counts as not correct. Ties in
// total score are ranked in the order of results, so pass them in a stable
// order (by attempt ID) for reproducible figures.
func ItemStats(results []Result) []ItemStat {
	type resp struct {
		score   Points
		correct bool
	}
	byID := map[uint][]resp{}
	for _, r := range results {
		for _, ir := range r.Items {
			byID[ir.QuestionID] = append(byID[ir.QuestionID], resp{r.Score, ir.Correct})
		}
	}
	out := make([]ItemStat, 0, len(byID))
	for id, rs := range byID {
		scores, correct := make([]Points, len(rs)), make([]bool, len(rs))
		s := ItemStat{QuestionID: id, N: len(rs)}
		for i, r := range rs {
			scores[i], correct[i] = r.score, r.correct
			if r.correct {
				s.Correct++
			}
		}
		s.Facility = Facility(correct)
		s.Discrimination = Discrimination(scores, correct)
		s.Flags = statFlags(s)
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y ItemStat) int { return cmp.Compare(x.QuestionID, y.QuestionID) })
	return out
}

// statFlags says why s needs review, in Chinese; nil below StatsMinSample.
// The thresholds themselves are not flagged (a facility of exactly 0.2 is
// fine).
func statFlags(s ItemStat) []string {
	if s.N < StatsMinSample {
		return nil
	}
	const eps = 1e-9 // so 0.2 computed as 0.19999… is not flagged
	var f []string
	if s.Facility < FacilityLow-eps {
		f = append(f, "过难：答对率低于20%")
	}
	if s.Facility > FacilityHigh+eps {
		f = append(f, "过易：答对率高于95%")
	}
	if s.Discrimination < DiscriminationLow-eps {
		f = append(f, "区分度低于0.2")
	}
	return f
}
