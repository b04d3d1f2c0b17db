package exam

import (
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file reads GIFT, Moodle's text format, which other LMSs export too.
// Only the kinds the bank has are read:
//
//	::标题:: 题干 {=正确 ~错误 ~错误}              单选题
//	题干 {~%50%甲 ~%50%乙 ~%-100%丙}               多选题（正权重为正确选项）
//	题干 {T} {F} {TRUE} {FALSE}                     判断题
//	{… ####解析}                                    解析（general feedback）
//	$CATEGORY: $course$/top/安全生产/法律法规       分类（取路径最后一段）
//	// 注释
//
// with the escapes \~ \= \# \{ \} \: \\ and \n, [html] text (tags
// dropped, entities decoded) and text after the answer block (the answer
// block becomes a blank "（　　）" in the stem). Questions are separated by
// blank lines. Matching (->), numeric (#), short-answer (= only), essay
// ({}) and cloze (several blocks) questions are refused one by one with
// their line, as are partial-credit weights on single-choice questions and
// pictures, which would be lost.

// giftBlock is one question's lines.
type giftBlock struct {
	start    int // line number of its first line
	text     strings.Builder
	depth    int // unescaped { not yet closed
	category string
}

// parseGIFT reads a GIFT file into drafts.
func parseGIFT(text string, lim Limits) ([]draft, error) {
	var (
		drafts   []draft
		category string // from the last $CATEGORY line; "" → lim.DefaultCategory
		b        *giftBlock
	)
	flush := func() error {
		if b == nil {
			return nil
		}
		if len(drafts) >= lim.MaxQuestions {
			return tooMany(lim.MaxQuestions)
		}
		drafts = append(drafts, parseGIFTQuestion(b, lim))
		b = nil
		return nil
	}
	for i, line := range lines(text) {
		num := i + 1
		t := strings.TrimSpace(line)
		inside := b != nil && b.depth > 0
		switch {
		case strings.HasPrefix(t, "//"):
			continue
		case t == "" && !inside:
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(t, "$CATEGORY:") && !inside:
			if err := flush(); err != nil {
				return nil, err
			}
			category = giftCategory(strings.TrimPrefix(t, "$CATEGORY:"))
			continue
		}
		if b == nil {
			b = &giftBlock{start: num, category: category}
		} else {
			b.text.WriteByte('\n')
		}
		b.text.WriteString(line)
		b.depth = braceDepth(line, b.depth)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return drafts, nil
}

// braceDepth is depth after the unescaped braces of line. GIFT does not
// nest braces, so depth stays 0 or 1; a stray } is left to the question.
func braceDepth(line string, depth int) int {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '{':
			depth = 1
		case '}':
			depth = 0
		}
	}
	return depth
}

// giftCategory is the last segment of a $CATEGORY path ("//" is a slash
// inside a name); Moodle's own roots ($course$, top…) are no category.
func giftCategory(path string) string {
	path = strings.ReplaceAll(strings.TrimSpace(path), "//", "\x00")
	segs := strings.Split(path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		s := strings.TrimSpace(strings.ReplaceAll(segs[i], "\x00", "/"))
		if s == "" {
			continue
		}
		if s == "top" || (strings.HasPrefix(s, "$") && strings.HasSuffix(s, "$")) {
			return ""
		}
		return s
	}
	return ""
}

var giftFormatMarker = regexp.MustCompile(`(?i)^\[(html|moodle|plain|markdown)\]`)

// parseGIFTQuestion reads one question block. A question of a kind the
// bank does not have gets one problem and no other.
func parseGIFTQuestion(b *giftBlock, lim Limits) draft {
	d := readGIFTQuestion(b)
	if d.bad[""] {
		return d
	}
	d.q.Category = b.category
	if d.q.Category == "" {
		if lim.DefaultCategory == "" {
			d.fail(textLocator, FieldCategory, -1, "没有分类：请在题目前加一行“$CATEGORY: 分类名”，或在导入时选择默认分类")
		}
		d.q.Category = lim.DefaultCategory
	}
	return d
}

// readGIFTQuestion reads the question of a block, without its category.
func readGIFTQuestion(b *giftBlock) draft {
	d := draft{row: b.start}
	unsupported := func(format string, args ...any) draft {
		d.fail(textLocator, "", -1, format, args...)
		for _, f := range []string{FieldType, FieldStem, FieldOptions, FieldAnswer, FieldExplanation, FieldCategory} {
			d.bad[f] = true
		}
		return d
	}

	s := strings.TrimSpace(b.text.String())
	if strings.HasPrefix(s, "::") {
		end := indexUnescaped(s[2:], "::")
		if end < 0 {
			return unsupported("标题缺少结尾的“::”，GIFT 标题须写成 ::标题::，题目中的冒号请写成 \\:")
		}
		s = strings.TrimSpace(s[2+end+2:])
	}
	isHTML := false
	if m := giftFormatMarker.FindStringSubmatch(s); m != nil {
		isHTML = strings.EqualFold(m[1], "html")
		s = strings.TrimSpace(s[len(m[0]):])
	}

	open := indexUnescaped(s, "{")
	if closeBefore := indexUnescaped(s, "}"); closeBefore >= 0 && (open < 0 || closeBefore < open) {
		return unsupported("题干中有多余的“}”，题目中的花括号请写成 \\{ 和 \\}")
	}
	if open < 0 {
		return unsupported("没有找到答案部分：GIFT 题目须写成“题干 {=正确选项 ~错误选项}”，题干中的花括号请写成 \\{ \\}")
	}
	rel := indexUnescaped(s[open+1:], "}")
	if rel < 0 {
		return unsupported("答案部分缺少结尾的“}”")
	}
	closeAt := open + 1 + rel
	before, inner, after := s[:open], s[open+1:closeAt], strings.TrimSpace(s[closeAt+1:])
	if indexUnescaped(inner, "{") >= 0 {
		return unsupported("答案部分缺少结尾的“}”（答案中的花括号请写成 \\{ \\}）")
	}
	if indexUnescaped(after, "{") >= 0 {
		return unsupported("暂不支持一题多个答案部分（完形填空），请拆分为多道题")
	}
	text := func(raw string) (string, bool) {
		t := giftUnescape(raw)
		if isHTML {
			if strings.Contains(strings.ToLower(t), "<img") {
				return "", false
			}
			t = htmlToText(t)
		}
		return strings.TrimSpace(t), true
	}
	stemRaw := strings.TrimSpace(before)
	if after != "" {
		stemRaw += "（　　）" + after
	}
	stem, ok := text(stemRaw)
	if !ok {
		return unsupported("题干中含有图片，暂不支持导入图片，请删除图片或改为文字说明后再导入")
	}
	d.q.Stem = stem

	if fb := indexUnescaped(inner, "####"); fb >= 0 {
		expl, ok := text(inner[fb+4:])
		if !ok {
			return unsupported("解析中含有图片，暂不支持导入图片，请删除图片或改为文字说明后再导入")
		}
		d.q.Explanation = expl
		inner = inner[:fb]
	}
	body := strings.TrimSpace(inner)
	switch {
	case body == "":
		return unsupported("暂不支持 GIFT 问答题（{}），请删除或改为选择题")
	case strings.HasPrefix(body, "#"):
		return unsupported("暂不支持 GIFT 数值题（{#…}），请删除或改为选择题")
	}
	if v, ok := giftTrueFalse(body); ok {
		d.q.Type = Judge
		d.q.Options = slices.Clone(JudgeOptions)
		d.q.Answer = []string{v}
		return d
	}

	items, bad := giftItems(body)
	if bad != "" {
		return unsupported("答案部分“%s”无法识别：每个选项须以 = 或 ~ 开头，选项中的 = ~ # { } 请写成 \\= \\~ \\# \\{ \\}", clip(bad))
	}
	var eq, tilde, positive int
	matching := false
	for _, it := range items {
		if it.correct && indexUnescaped(it.text, "->") >= 0 {
			matching = true
		}
	}
	for _, it := range items {
		switch {
		case it.badWeight != "":
			return unsupported("选项权重“%s”无法识别，应写成 ~%%50%%选项 这样的百分数", clip(it.badWeight))
		case it.correct:
			eq++
			if it.weighted && it.weight != 100 {
				return unsupported("暂不支持部分得分（=%%%s%%），单选题请用一个 = 标出正确选项，多选题请用 ~%%50%% 这样的正权重标出各正确选项", strconv.FormatFloat(it.weight, 'f', -1, 64))
			}
		default:
			tilde++
			if it.weight > 0 {
				positive++
			}
		}
	}
	switch {
	case tilde == 0 && matching:
		return unsupported("暂不支持 GIFT 匹配题，请删除或改为选择题")
	case tilde == 0:
		return unsupported("暂不支持 GIFT 填空题（只有 = 答案），请删除或改为选择题")
	case eq > 0 && positive > 0:
		return unsupported("暂不支持部分得分的选项（~%%正数%%）与 = 同用：单选题请只用一个 = 标出正确选项，多选题请全部用 ~%%50%% 这样的权重标出")
	case eq > 1:
		return unsupported("有 %d 个“=”，单选题只能用一个 = 标出正确选项；多选题请写成 {~%%50%%甲 ~%%50%%乙 ~%%-100%%丙}", eq)
	case eq == 0 && positive == 0:
		return unsupported("没有标出正确选项：单选题用 = 标出正确选项，多选题用 ~%%50%% 这样的正权重标出")
	}
	d.q.Type = Single
	if positive > 1 {
		d.q.Type = Multiple
	}
	for i, it := range items {
		t, ok := text(it.text)
		if !ok {
			return unsupported("选项中含有图片，暂不支持导入图片，请删除图片或改为文字说明后再导入")
		}
		d.q.Options = append(d.q.Options, t)
		if (it.correct || it.weight > 0) && i < len(Letters) {
			d.q.Answer = append(d.q.Answer, Letters[i])
		}
	}
	if len(items) > MaxOptions {
		// Validate says there are too many; the answer letters past F
		// would only add a confusing second message.
		d.bad = map[string]bool{FieldAnswer: true}
	}
	return d
}

// giftTrueFalse reads a true/false answer block ({T}, {FALSE#反馈}…): "A"
// for true, "B" for false.
func giftTrueFalse(body string) (string, bool) {
	word := body
	if i := indexUnescaped(body, "#"); i >= 0 {
		word = body[:i]
	}
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "T", "TRUE":
		return "A", true
	case "F", "FALSE":
		return "B", true
	}
	return "", false
}

// giftItem is one = or ~ answer.
type giftItem struct {
	correct   bool    // marked =
	weighted  bool    // has %n%
	weight    float64 // the %n% value
	badWeight string  // an unreadable %…%
	text      string  // raw (still escaped), without weight and feedback
}

// giftItems splits an answer block into its items. bad is text before the
// first = or ~.
func giftItems(body string) (items []giftItem, bad string) {
	var starts []int
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '=', '~':
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 {
		return nil, body
	}
	if lead := strings.TrimSpace(body[:starts[0]]); lead != "" {
		return nil, lead
	}
	for k, st := range starts {
		end := len(body)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		it := giftItem{correct: body[st] == '='}
		t := body[st+1 : end]
		if strings.HasPrefix(t, "%") {
			if j := strings.IndexByte(t[1:], '%'); j >= 0 {
				w, err := strconv.ParseFloat(strings.TrimSpace(t[1:1+j]), 64)
				if err != nil || w != w || w > 100 || w < -100 {
					it.badWeight = t[:j+2]
				}
				it.weighted, it.weight = true, w
				t = t[j+2:]
			} else {
				it.badWeight = t
			}
		}
		if f := indexUnescaped(t, "#"); f >= 0 {
			t = t[:f] // per-answer feedback: the bank has none
		}
		it.text = t
		items = append(items, it)
	}
	return items, ""
}

// indexUnescaped is the index of the first sep in s not preceded by a
// backslash escape, or -1.
func indexUnescaped(s, sep string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}

// giftUnescape resolves \~ \= \# \{ \} \: \\ and \n; any other backslash
// stays as written.
func giftUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch c := s[i+1]; c {
			case '~', '=', '#', '{', '}', ':', '\\':
				b.WriteByte(c)
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<\s*(br\s*/?|/\s*(p|div|li|tr|h[1-6]))\s*>`)
	htmlTag   = regexp.MustCompile(`<[^<>]*>`)
	blankRuns = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+`)
)

// htmlToText turns the HTML of a Moodle export into plain text: block ends
// and <br> become line breaks, other tags are dropped, entities decoded.
func htmlToText(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	s = blankRuns.ReplaceAllString(s, "\n")
	return strings.TrimSpace(s)
}
