package exam

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"anpei/fault"
)

// This file holds the rules every question of the bank obeys (Validate),
// the canonical form it is stored in (Normalize), and the readers of the
// ways authors write answers, difficulties and statuses in spreadsheets
// (ParseAnswer, ParseDifficulty, ParseStatus). The importers (xlsx, GIFT,
// Aiken) build a Question, Normalize it and Validate it, so a file and a
// form are held to the same rules with the same Chinese messages.

// The Field names of Validate's details.
const (
	FieldType        = "type"
	FieldStem        = "stem"
	FieldOptions     = "options"
	FieldAnswer      = "answer"
	FieldExplanation = "explanation"
	FieldDifficulty  = "difficulty"
	FieldCategory    = "category"
	FieldStatus      = "status"
	FieldCategories  = "audience_categories"
	FieldIndustries  = "audience_industries"
	FieldItems       = "audience_items"
)

// The size limits of a question, in characters (runes) after trimming.
const (
	MaxStemLen        = 1000
	MaxOptionLen      = 500
	MaxExplanationLen = 2000
	MaxCategoryLen    = 50
	MaxAudienceLen    = 50 // one audience code
	MaxDifficulty     = Difficulty(5)
)

// problem is one broken rule: the field, the option it concerns (0-based,
// or -1) and a Chinese sentence telling the author what to do.
type problem struct {
	field  string
	option int
	msg    string
}

// Validate checks q against the rules of the bank and returns one detail
// per broken rule (Field and Message set; Row and Column are for
// importers), or nil when q may be stored. q is expected in the form
// Normalize returns: Validate does not trim or reorder, it refuses.
//
// The rules: the type is known; the stem has 1–1000 characters after
// trimming; a single- or multiple-choice question has 2–6 options, each
// non-empty and at most 500 characters, contiguous from A, no two alike; a
// judge question has exactly the options 正确, 错误 (JudgeOptions); the
// answer names existing options, in option order, each once — exactly one
// for single and judge, at least two for multiple; the explanation has at
// most 2000 characters; the difficulty is 0 (not set) to 5; the category
// is present with at most 50 characters; the status is empty (the store's
// default) or a known one; audience lists hold no empty or repeated codes,
// and no code holds a list separator (, 、 ;).
// Text holds no control characters other than tab and line breaks.
func Validate(q Question) []fault.Detail {
	ps := validate(q)
	if len(ps) == 0 {
		return nil
	}
	out := make([]fault.Detail, len(ps))
	for i, p := range ps {
		out[i] = fault.Detail{Field: p.field, Message: p.msg}
	}
	return out
}

// validate is Validate keeping the option each problem concerns, so the
// spreadsheet importer can point at its column.
func validate(q Question) []problem {
	var ps []problem
	add := func(field string, option int, format string, args ...any) {
		ps = append(ps, problem{field: field, option: option, msg: fmt.Sprintf(format, args...)})
	}
	known := slices.Contains(Types(), q.Type)
	switch {
	case strings.TrimSpace(string(q.Type)) == "":
		add(FieldType, -1, "请填写题型：单选、多选或判断")
	case !known:
		add(FieldType, -1, "题型“%s”不受支持，只能是单选、多选或判断", clip(string(q.Type)))
	}

	stem := strings.TrimSpace(q.Stem)
	switch n := utf8.RuneCountInString(stem); {
	case n == 0:
		add(FieldStem, -1, "请填写题干（题目内容）")
	case n > MaxStemLen:
		add(FieldStem, -1, "题干有 %d 个字，超过 %d 字的上限，请精简", n, MaxStemLen)
	case badText(q.Stem):
		add(FieldStem, -1, "题干中含有不可见的控制字符（常由其他软件复制带入），请删除后重新输入")
	}

	if known {
		ps = append(ps, validateOptions(q)...)
		ps = append(ps, validateAnswer(q)...)
	}

	switch n := utf8.RuneCountInString(strings.TrimSpace(q.Explanation)); {
	case n > MaxExplanationLen:
		add(FieldExplanation, -1, "解析有 %d 个字，超过 %d 字的上限，请精简", n, MaxExplanationLen)
	case badText(q.Explanation):
		add(FieldExplanation, -1, "解析中含有不可见的控制字符（常由其他软件复制带入），请删除后重新输入")
	}

	if q.Difficulty < 0 || q.Difficulty > MaxDifficulty {
		add(FieldDifficulty, -1, "难度须为 1–5（1 最易，5 最难），不设定请留空")
	}

	cat := strings.TrimSpace(q.Category)
	switch n := utf8.RuneCountInString(cat); {
	case n == 0:
		add(FieldCategory, -1, "请填写分类（知识点），例如 法律法规")
	case n > MaxCategoryLen:
		add(FieldCategory, -1, "分类有 %d 个字，超过 %d 字的上限，请缩短", n, MaxCategoryLen)
	case badText(q.Category) || strings.ContainsAny(cat, "\r\n\t"):
		add(FieldCategory, -1, "分类中含有换行或不可见的控制字符，请删除后重新输入")
	}

	switch q.Status {
	case "", StatusDraft, StatusActive, StatusRetired:
	default:
		add(FieldStatus, -1, "状态“%s”无法识别，只能是草稿、启用或停用", clip(string(q.Status)))
	}

	for _, a := range []struct {
		field, label string
		codes        []string
	}{
		{FieldCategories, "适用人员类别", q.Categories},
		{FieldIndustries, "适用行业", q.Industries},
		{FieldItems, "准操项目", q.Items},
	} {
		seen := make(map[string]bool, len(a.codes))
		for _, c := range a.codes {
			switch {
			case strings.TrimSpace(c) == "":
				add(a.field, -1, "%s中有空项，请删除多余的分隔符", a.label)
			case c != strings.TrimSpace(c) || badText(c) || strings.ContainsAny(c, "\r\n\t"):
				add(a.field, -1, "%s“%s”含有空白或控制字符，请删除", a.label, clip(c))
			case strings.ContainsAny(c, ",，、;；"):
				add(a.field, -1, "%s“%s”中含有分隔符，每一项请单独填写", a.label, clip(c))
			case utf8.RuneCountInString(c) > MaxAudienceLen:
				add(a.field, -1, "%s“%s”过长（最多 %d 个字）", a.label, clip(c), MaxAudienceLen)
			case seen[c]:
				add(a.field, -1, "%s“%s”重复填写，请删除重复的一项", a.label, c)
			}
			seen[c] = true
		}
	}
	return ps
}

// validateOptions checks the options of a question of a known type.
func validateOptions(q Question) []problem {
	var ps []problem
	add := func(option int, format string, args ...any) {
		ps = append(ps, problem{field: FieldOptions, option: option, msg: fmt.Sprintf(format, args...)})
	}
	if q.Type == Judge {
		if !slices.Equal(q.Options, JudgeOptions) {
			add(0, "判断题的选项固定为“正确”“错误”（也可写作对/错、√/×），选项列可以不填")
		}
		return ps
	}
	n := len(q.Options)
	if n > MaxOptions {
		add(MaxOptions, "最多 %d 个选项（A–F），本题有 %d 个，请删除多余的选项", MaxOptions, n)
		n = MaxOptions
	}
	filled := 0
	for i := 0; i < n; i++ {
		if strings.TrimSpace(q.Options[i]) != "" {
			filled++
		}
	}
	if filled < 2 {
		add(len(q.Options), "%s至少需要两个选项（A、B），请补充选项", q.Type.Label())
	}
	seen := make(map[string]int, n)
	for i := 0; i < n; i++ {
		o := strings.TrimSpace(q.Options[i])
		letter := Letters[i]
		switch l := utf8.RuneCountInString(o); {
		case l == 0:
			if later := slices.IndexFunc(q.Options[i+1:n], func(s string) bool { return strings.TrimSpace(s) != "" }); later >= 0 {
				add(i, "选项%s为空，但选项%s有内容：选项须从 A 起连续填写，不能跳过", letter, Letters[i+1+later])
			} else if filled >= 2 {
				add(i, "选项%s为空，请填写内容或删除该选项", letter)
			}
			continue
		case l > MaxOptionLen:
			add(i, "选项%s有 %d 个字，超过 %d 字的上限，请精简", letter, l, MaxOptionLen)
		case badText(o):
			add(i, "选项%s中含有不可见的控制字符（常由其他软件复制带入），请删除后重新输入", letter)
		}
		key := optionKey(o)
		if first, dup := seen[key]; dup {
			add(i, "选项%s与选项%s内容相同，请修改或删除重复的选项", letter, Letters[first])
		} else {
			seen[key] = i
		}
	}
	return ps
}

// validateAnswer checks the answer of a question of a known type.
func validateAnswer(q Question) []problem {
	var ps []problem
	add := func(format string, args ...any) {
		ps = append(ps, problem{field: FieldAnswer, option: -1, msg: fmt.Sprintf(format, args...)})
	}
	example := answerExample(q.Type)
	if len(q.Answer) == 0 {
		add("请填写答案，%s", example)
		return ps
	}
	n := min(len(q.Options), MaxOptions)
	if q.Type == Judge {
		n = len(JudgeOptions)
	}
	seen := map[string]bool{}
	last := -1
	sorted := true
	for _, a := range q.Answer {
		i := slices.Index(Letters, a)
		switch {
		case i < 0:
			add("答案“%s”不是选项字母，请填写 A–F 中的字母，%s", clip(a), example)
			continue
		case seen[a]:
			add("答案中的 %s 重复出现，每个选项只能写一次", a)
			continue
		case i >= n && q.Type == Judge:
			add("判断题的答案只能是 A（正确）或 B（错误），也可以直接填写“正确”或“错误”")
		case i >= n:
			add("答案中的 %s 没有对应的选项（本题只有 %s），请核对", a, letterRange(n))
		}
		seen[a] = true
		if i < last {
			sorted = false
		}
		last = i
	}
	if !sorted {
		add("答案须按选项顺序填写，例如 A,C 而不是 C,A")
	}
	switch k := len(seen); {
	case (q.Type == Single || q.Type == Judge) && k > 1:
		add("%s只能有一个正确答案，本题填了 %d 个；如有多个正确选项，请把题型改为多选", q.Type.Label(), k)
	case q.Type == Multiple && k == 1:
		add("多选题至少需要两个正确选项，例如 A,C；只有一个正确选项的请把题型改为单选")
	}
	return ps
}

// answerExample is the "例如…" of answer messages.
func answerExample(t Type) string {
	switch t {
	case Multiple:
		return "例如 A,C"
	case Judge:
		return "判断题填写“正确”或“错误”（或 A/B）"
	}
	return "例如 B"
}

// letterRange is "A–D" for n = 4.
func letterRange(n int) string {
	switch {
	case n <= 0:
		return "无选项"
	case n == 1:
		return "A"
	}
	return "A–" + Letters[min(n, MaxOptions)-1]
}

// optionKey makes options comparable for the duplicate check: no spaces,
// ASCII for full-width characters, lower case.
func optionKey(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, toHalfWidth(s)))
}

// badText reports whether s is not valid UTF-8 or holds a control
// character other than tab and line breaks (or a non-character such as
// U+FFFE, which an .xlsx cannot hold).
func badText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
			return true
		case r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			return true
		}
	}
	return false
}

// clip shortens s for quoting in a message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "�")
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	return string([]rune(s)[:20]) + "…"
}

// Normalize returns q in the canonical form Validate checks and the bank
// stores. It never drops information an author wrote, so Validate can
// still report it:
//   - stem, options, explanation, category and audience codes are trimmed,
//     and line breaks become "\n";
//   - trailing empty options are dropped (empty options before a filled one
//     are kept: they are a gap);
//   - a judge question without options gets JudgeOptions, and one whose
//     two options are 对/错, √/×, T/F… in that order gets them spelt
//     正确/错误;
//   - answers are trimmed, upper-cased (full-width letters read as ASCII),
//     for a judge question 正确/对/√/T… read as A and 错误/错/×/F… as B, and
//     put in option order; repeated letters are kept;
//   - empty audience entries are dropped.
//
// The slices of the result are new.
func Normalize(q Question) Question {
	q.Type = Type(strings.TrimSpace(string(q.Type)))
	q.Stem = cleanText(q.Stem)
	q.Explanation = cleanText(q.Explanation)
	q.Category = strings.TrimSpace(q.Category)
	q.Status = Status(strings.TrimSpace(string(q.Status)))

	opts := make([]string, len(q.Options))
	for i, o := range q.Options {
		opts[i] = cleanText(o)
	}
	for len(opts) > 0 && opts[len(opts)-1] == "" {
		opts = opts[:len(opts)-1]
	}
	if q.Type == Judge {
		if len(opts) == 0 {
			opts = slices.Clone(JudgeOptions)
		} else if len(opts) == 2 {
			if a, ok := judgeValue(opts[0]); ok && a == "A" {
				if b, ok := judgeValue(opts[1]); ok && b == "B" {
					opts = slices.Clone(JudgeOptions)
				}
			}
		}
	}
	if len(opts) == 0 {
		opts = nil
	}
	q.Options = opts

	var ans []string
	for _, a := range q.Answer {
		a = strings.ToUpper(toHalfWidth(strings.TrimSpace(a)))
		if q.Type == Judge {
			if l, ok := judgeValue(a); ok {
				a = l
			}
		}
		if a != "" {
			ans = append(ans, a)
		}
	}
	slices.SortStableFunc(ans, func(x, y string) int { return letterOrder(x) - letterOrder(y) })
	q.Answer = ans

	q.Categories = cleanList(q.Categories)
	q.Industries = cleanList(q.Industries)
	q.Items = cleanList(q.Items)
	return q
}

// letterOrder sorts option letters first, in order, then anything else.
func letterOrder(s string) int {
	if i := slices.Index(Letters, s); i >= 0 {
		return i
	}
	return len(Letters)
}

// cleanText trims s and writes its line breaks as "\n".
func cleanText(s string) string {
	if strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(s)
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// judgeValue reads the ways authors write true and false: "A" for 正确,
// "B" for 错误.
func judgeValue(s string) (string, bool) {
	switch strings.ToUpper(toHalfWidth(strings.TrimSpace(s))) {
	case "正确", "对", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "A":
		return "A", true
	case "错误", "错", "×", "✗", "✘", "F", "FALSE", "否", "N", "NO", "B":
		return "B", true
	}
	return "", false
}

// judgeWord is judgeValue without the letters A and B: the answer says
// true or false itself rather than naming an option.
func judgeWord(s string) (string, bool) {
	switch strings.ToUpper(toHalfWidth(strings.TrimSpace(s))) {
	case "A", "B":
		return "", false
	}
	return judgeValue(s)
}

// ParseAnswer reads an answer as trainers write it in a spreadsheet: option
// letters separated by commas (half- or full-width), 、, semicolons, slashes
// or spaces, or run together ("A,C", "AC", "A、C", "A，C", "a c"); for a judge
// question also 正确/错误, 对/错, √/×, T/F, TRUE/FALSE. The letters come back
// upper-case in option order, repeats kept (Validate reports them). It
// reports false for anything else, and for an empty answer.
func ParseAnswer(t Type, s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if t == Judge {
		if l, ok := judgeValue(s); ok {
			return []string{l}, true
		}
	}
	var out []string
	for _, r := range toHalfWidth(s) {
		switch {
		case r >= 'a' && r <= 'z':
			out = append(out, string(r-'a'+'A'))
		case r >= 'A' && r <= 'Z':
			out = append(out, string(r))
		case r == ',' || r == '、' || r == ';' || r == '/' || r == '|' || r == '.' || unicode.IsSpace(r):
		default:
			return nil, false
		}
	}
	if len(out) == 0 {
		return nil, false
	}
	slices.SortStableFunc(out, func(x, y string) int { return letterOrder(x) - letterOrder(y) })
	return out, true
}

// ParseDifficulty reads a difficulty as written in a spreadsheet: empty (0,
// not set), 1–5 (also "3.0"), 易/较易/中/较难/难, 简单/中等/困难 (1, 3, 5)
// or 容易/一般/较难…. It reports false for anything else.
func ParseDifficulty(s string) (Difficulty, bool) {
	s = strings.TrimSpace(toHalfWidth(s))
	switch s {
	case "":
		return 0, true
	case "易", "容易", "简单", "很容易":
		return 1, true
	case "较易", "较容易", "较简单":
		return 2, true
	case "中", "中等", "一般", "适中":
		return 3, true
	case "较难", "较困难":
		return 4, true
	case "难", "困难", "很难":
		return 5, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) && f >= 1 && f <= float64(MaxDifficulty) {
		return Difficulty(f), true
	}
	return 0, false
}

// Label is the difficulty in Chinese: 易, 较易, 中, 较难, 难, or "" for 0.
func (d Difficulty) Label() string {
	switch d {
	case 1:
		return "易"
	case 2:
		return "较易"
	case 3:
		return "中"
	case 4:
		return "较难"
	case 5:
		return "难"
	}
	return ""
}

// Label is the status in Chinese: 草稿, 启用, 停用.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusActive:
		return "启用"
	case StatusRetired:
		return "停用"
	}
	return ""
}

// ParseStatus reads a status from its code or Chinese name (草稿, 启用/在用,
// 停用/作废…). It reports false for anything else, including "".
func ParseStatus(s string) (Status, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case string(StatusDraft), "草稿", "待审核", "未启用":
		return StatusDraft, true
	case string(StatusActive), "启用", "已启用", "在用", "正常", "有效":
		return StatusActive, true
	case string(StatusRetired), "停用", "已停用", "作废", "已作废", "废弃", "无效":
		return StatusRetired, true
	}
	return "", false
}

// toHalfWidth turns full-width ASCII (ＡＢＣ，１２) into ASCII.
func toHalfWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}
