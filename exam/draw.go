package exam

import (
	"cmp"
	crand "crypto/rand"
	"math/rand/v2"
	"slices"
	"strings"
)

// Paper is the questions drawn for one attempt (or one practice), frozen:
// it keeps its own copy of each question as shown, so later edits to the
// bank change nothing in it. It holds the answers and must never be sent
// to a candidate before grading; Public is what may be.
type Paper struct {
	Items []PaperItem `json:"items"`
}

// PaperItem is one question of a paper as the candidate sees it, with what
// grading and review need.
type PaperItem struct {
	// No numbers the items from 1 in the order shown. It is the item's key
	// in answers: it says nothing about the bank.
	No         int    `json:"no"`
	QuestionID uint   `json:"question_id"`
	Section    int    `json:"section"` // index of the blueprint section it was drawn for; -1 on a 再练一遍 paper
	Type       Type   `json:"type"`
	Category   string `json:"category"`
	Points     Points `json:"points"`
	Stem       string `json:"stem"`
	// Options are the options as shown, after shuffling: Options[i] is
	// shown under Letters[i].
	Options []string `json:"options"`
	// OptionMap[i] is the bank's letter of the option shown as Letters[i].
	OptionMap []string `json:"option_map"`
	// Answer is the correct options in shown letters, in letter order.
	Answer      []string `json:"answer"`
	Explanation string   `json:"explanation"`
}

// PublicItem is all a candidate may see of an item before the attempt is
// graded: no answer, no explanation, no bank ID, no original letters.
type PublicItem struct {
	No      int      `json:"no"`
	Type    Type     `json:"type"`
	Points  Points   `json:"points"`
	Stem    string   `json:"stem"`
	Options []string `json:"options"`
}

// Public returns the paper as it may be sent to the candidate.
func (p Paper) Public() []PublicItem {
	out := make([]PublicItem, len(p.Items))
	for i, it := range p.Items {
		out[i] = PublicItem{No: it.No, Type: it.Type, Points: it.Points, Stem: it.Stem, Options: slices.Clone(it.Options)}
	}
	return out
}

// Item returns the item numbered no.
func (p Paper) Item(no int) (PaperItem, bool) {
	if no >= 1 && no <= len(p.Items) && p.Items[no-1].No == no {
		return p.Items[no-1], true
	}
	for _, it := range p.Items {
		if it.No == no {
			return it, true
		}
	}
	return PaperItem{}, false
}

// Total is what the paper is worth.
func (p Paper) Total() Points {
	var t Points
	for _, it := range p.Items {
		t += it.Points
	}
	return t
}

// NewRand returns a random source seeded from crypto/rand, for drawing
// papers in production: a paper must not be predictable from the time or
// from other papers. A *rand.Rand is not safe for concurrent use; make one
// per draw or guard it.
func NewRand() *rand.Rand {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails (Go ≥ 1.24 crashes the program instead)
	return rand.New(rand.NewChaCha8(seed))
}

// Draw draws a paper from pool by blueprint b, with randomness from rnd.
//
//   - Each section gets exactly Count questions of its type (and category),
//     chosen uniformly at random among the usable questions not already in
//     the paper. Specific-category sections draw first, so that an
//     any-category section takes only what they left; a question appears
//     at most once (duplicate bank IDs in pool count once).
//   - Items are grouped by type, the groups in the order their type first
//     appears in b. Within a group, sections keep their order and each
//     section's questions are in bank-ID order; with ShuffleQuestions the
//     group is shuffled instead.
//   - With ShuffleOptions the options of single- and multiple-choice
//     questions are shuffled, unless an option refers to the others (see
//     refersToOthers); judge questions always show 正确, 错误.
//
// The result depends only on b, the set of questions in pool and rnd (not
// on pool's order), so a seeded rnd reproduces a paper; in production use
// NewRand. rnd must not be nil. Draw returns b's validation error, or
// ErrPoolShort when pool cannot fill b. Practice papers are drawn the same
// way.
func Draw(b Blueprint, pool []BankItem, rnd *rand.Rand) (Paper, error) {
	b = b.WithDefaults()
	if err := b.Validate(); err != nil {
		return Paper{}, err
	}
	byType := usableByType(pool)
	if err := b.feasible(byType); err != nil {
		return Paper{}, err
	}
	used := map[uint]bool{}
	drawn := make([][]BankItem, len(b.Sections))
	for _, anyCategory := range []bool{false, true} {
		for i, s := range b.Sections {
			if (s.Category == "") != anyCategory {
				continue
			}
			var cand []BankItem
			for _, it := range byType[s.Type] {
				if !used[it.ID] && (s.Category == "" || it.Category == s.Category) {
					cand = append(cand, it)
				}
			}
			// A partial Fisher–Yates shuffle: every Count-subset is equally likely.
			for k := range s.Count {
				j := k + rnd.IntN(len(cand)-k)
				cand[k], cand[j] = cand[j], cand[k]
			}
			drawn[i] = cand[:s.Count]
			for _, it := range drawn[i] {
				used[it.ID] = true
			}
		}
	}

	type picked struct {
		section int
		item    BankItem
	}
	var items []PaperItem
	var groups []Type
	for _, s := range b.Sections {
		if !slices.Contains(groups, s.Type) {
			groups = append(groups, s.Type)
		}
	}
	for _, t := range groups {
		var group []picked
		for i, s := range b.Sections {
			if s.Type != t {
				continue
			}
			sec := slices.Clone(drawn[i])
			slices.SortFunc(sec, func(x, y BankItem) int { return cmp.Compare(x.ID, y.ID) })
			for _, it := range sec {
				group = append(group, picked{i, it})
			}
		}
		if b.ShuffleQuestions {
			rnd.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		}
		for _, g := range group {
			items = append(items, paperItem(g.item, g.section, b.Sections[g.section].Points, b.ShuffleOptions, rnd))
		}
	}
	for i := range items {
		items[i].No = i + 1
	}
	return Paper{Items: items}, nil
}

// paperItem makes the item for it, shuffling its options if asked and
// allowed.
func paperItem(it BankItem, section int, pts Points, shuffle bool, rnd *rand.Rand) PaperItem {
	opts := bankOptions(it.Question)
	perm := make([]int, len(opts)) // perm[shown] = original
	for i := range perm {
		perm[i] = i
	}
	if shuffle && it.Type != Judge && !refersToOthers(opts) {
		rnd.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	shownOf := make([]int, len(opts)) // shownOf[original] = shown
	out := PaperItem{QuestionID: it.ID, Section: section, Type: it.Type, Category: it.Category,
		Points: pts, Stem: it.Stem, Explanation: it.Explanation}
	for shown, orig := range perm {
		out.Options = append(out.Options, opts[orig])
		out.OptionMap = append(out.OptionMap, Letters[orig])
		shownOf[orig] = shown
	}
	for _, l := range normalLetters(it.Answer) {
		out.Answer = append(out.Answer, Letters[shownOf[optionNumber(l)]])
	}
	slices.SortFunc(out.Answer, func(x, y string) int { return optionNumber(x) - optionNumber(y) })
	return out
}

// bankOptions returns q's options; a judge question without options has
// the standard ones.
func bankOptions(q Question) []string {
	if q.Type == Judge && len(q.Options) == 0 {
		return JudgeOptions
	}
	return q.Options
}

// refersToOthers reports whether an option refers to the other options
// ("以上都对", "上述均不正确", "全部正确", "A和B", "ABC"), whose meaning
// depends on their order: such a question is never shuffled. It is a
// heuristic on how trainers write these options; a miss only costs the
// shuffle of that one question.
func refersToOthers(opts []string) bool {
	for _, o := range opts {
		o = strings.TrimSpace(o)
		for _, p := range []string{"以上", "上述", "前述", "前面", "全部", "全都", "都", "均", "皆"} {
			if strings.HasPrefix(o, p) {
				return true
			}
		}
		// A letter followed by a separator or another letter: "A和B", "A、C", "AB".
		if len(o) >= 2 && optionNumber(o[:1]) >= 0 {
			rest := o[1:]
			if optionNumber(rest[:1]) >= 0 {
				return true
			}
			for _, sep := range []string{"、", "和", "与", "及", ",", "，", "+"} {
				if strings.HasPrefix(rest, sep) {
					return true
				}
			}
		}
	}
	return false
}

// usableByType returns the usable questions of pool by type, each list in
// bank-ID order, a bank ID at most once (the first).
func usableByType(pool []BankItem) map[Type][]BankItem {
	seen := map[uint]bool{}
	out := map[Type][]BankItem{}
	for _, it := range pool {
		if seen[it.ID] || !usable(it.Question) {
			continue
		}
		seen[it.ID] = true
		out[it.Type] = append(out[it.Type], it)
	}
	for _, l := range out {
		slices.SortFunc(l, func(x, y BankItem) int { return cmp.Compare(x.ID, y.ID) })
	}
	return out
}

// usable reports whether q can be put on a paper and graded: active (or
// with no status), a stem, 2 to 6 non-blank options (a judge question
// exactly two, or none for the standard 正确/错误), and an answer of known,
// distinct letters within the options — one for single and judge, at least
// two for multiple. Full validation belongs to the bank; this only keeps a
// malformed question off papers.
func usable(q Question) bool {
	if q.Status != "" && q.Status != StatusActive || strings.TrimSpace(q.Stem) == "" {
		return false
	}
	opts := bankOptions(q)
	if len(opts) < 2 || len(opts) > MaxOptions {
		return false
	}
	for _, o := range opts {
		if strings.TrimSpace(o) == "" {
			return false
		}
	}
	ans := normalLetters(q.Answer)
	if len(ans) != len(q.Answer) {
		return false // a blank or repeated letter
	}
	for _, l := range ans {
		if n := optionNumber(l); n < 0 || n >= len(opts) {
			return false
		}
	}
	switch q.Type {
	case Single:
		return len(ans) == 1
	case Judge:
		return len(opts) == 2 && len(ans) == 1
	case Multiple:
		return len(ans) >= 2
	}
	return false
}

// optionNumber returns the index of letter l in Letters, or -1.
func optionNumber(l string) int {
	return slices.Index(Letters, l)
}

// normalLetters returns letters trimmed, upper-cased, without blanks and
// repeats, in letter order (unknown strings last, in their order): the form
// in which answers are stored and compared.
func normalLetters(letters []string) []string {
	var out []string
	for _, l := range letters {
		l = strings.ToUpper(strings.TrimSpace(l))
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(x, y string) int {
		a, b := optionNumber(x), optionNumber(y)
		if a < 0 {
			a = len(Letters)
		}
		if b < 0 {
			b = len(Letters)
		}
		return a - b
	})
	return out
}
