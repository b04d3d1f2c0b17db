package exam

import (
	"fmt"
	"regexp"
	"strings"
)

// This file reads the Aiken format: single-choice questions only, each a
// stem (one or more lines), its options and the answer, questions
// separated by blank lines:
//
//	生产经营单位的主要负责人对本单位的安全生产工作（　　）负责。
//	A. 全面
//	B. 部分
//	C. 间接
//	ANSWER: A
//
// Options may be written "A. ", "A) " or, as Chinese authors often do,
// "A、", "A．", "A）". Aiken has neither categories nor explanations: every
// question takes ImportOptions.DefaultCategory.

var (
	aikenOption = regexp.MustCompile(`^([A-ZＡ-Ｚ])\s*[.)．）、]\s*(.*)$`)
	aikenAnswer = regexp.MustCompile(`(?i)^ANSWER\s*[:：]\s*(.*)$`)
)

// aikenAnswerLine reports whether the trimmed line t is an ANSWER: line.
func aikenAnswerLine(t string) bool { return aikenAnswer.MatchString(t) }

// aikenQuestion is the question being read.
type aikenQuestion struct {
	d      draft
	stem   []string
	broken bool // a problem was reported: the rest of the question is skipped
}

// parseAiken reads an Aiken file into drafts.
func parseAiken(text string, lim Limits) ([]draft, error) {
	var (
		drafts []draft
		cur    *aikenQuestion
	)
	emit := func() error {
		if cur == nil {
			return nil
		}
		if len(drafts) >= lim.MaxQuestions {
			return tooMany(lim.MaxQuestions)
		}
		d := cur.d
		d.q.Stem = strings.Join(cur.stem, "\n")
		d.q.Category = lim.DefaultCategory
		if d.q.Category == "" && !cur.broken {
			d.fail(textLocator, FieldCategory, -1, "Aiken 格式不含分类，请在导入时选择默认分类")
		}
		drafts = append(drafts, d)
		cur = nil
		return nil
	}
	// broke reports a problem that leaves the question unreadable: its
	// other fields are not checked.
	broke := func(num int, format string, args ...any) {
		cur.d.problems = append(cur.d.problems, detailAt(num, textLocator, "", -1, fmt.Sprintf(format, args...)))
		cur.d.bad = map[string]bool{FieldType: true, FieldStem: true, FieldOptions: true, FieldAnswer: true, FieldCategory: true}
		cur.broken = true
	}
	for i, line := range lines(text) {
		num := i + 1
		t := strings.TrimSpace(line)
		if t == "" {
			if cur != nil && !cur.broken {
				if len(cur.d.q.Options) == 0 {
					broke(cur.d.row, "题目“%s”后面是空行，没有选项和 ANSWER 行；Aiken 题目的题干、选项（A. …）和 ANSWER 行之间不能有空行", clip(strings.Join(cur.stem, " ")))
				} else {
					broke(cur.d.row, "题目缺少 ANSWER 行（如 ANSWER: B），或选项与 ANSWER 行之间有空行")
				}
			}
			if err := emit(); err != nil {
				return nil, err
			}
			continue
		}
		if cur == nil {
			cur = &aikenQuestion{d: draft{row: num, q: Question{Type: Single}}}
		}
		if cur.broken {
			if aikenAnswer.MatchString(t) {
				if err := emit(); err != nil {
					return nil, err
				}
			}
			continue
		}
		if m := aikenAnswer.FindStringSubmatch(t); m != nil {
			switch {
			case len(cur.d.q.Options) == 0 && len(cur.stem) == 0:
				broke(num, "ANSWER 行前面没有题目")
			case len(cur.d.q.Options) == 0:
				broke(num, "ANSWER 行前面没有选项，选项须写成“A. 选项内容”，每个选项一行")
			default:
				ans, ok := ParseAnswer(Single, m[1])
				switch {
				case strings.TrimSpace(m[1]) == "":
					cur.d.fail(textLocator, FieldAnswer, -1, "ANSWER 行没有填写答案，应写成 ANSWER: B")
				case !ok:
					cur.d.fail(textLocator, FieldAnswer, -1, "ANSWER 行的答案“%s”无法识别，应为一个选项字母，如 ANSWER: B", clip(m[1]))
				case len(ans) > 1:
					cur.d.fail(textLocator, FieldAnswer, -1, "Aiken 格式只支持单选题，本题答案为 %s；多选题请用Excel模板或GIFT格式导入", strings.Join(ans, ","))
				default:
					cur.d.q.Answer = ans
				}
			}
			if err := emit(); err != nil {
				return nil, err
			}
			continue
		}
		m := aikenOption.FindStringSubmatch(t)
		if m != nil && len(cur.stem) == 0 {
			broke(num, "选项“%s”前面没有题干，每道题先写题干，再写选项", clip(t))
			continue
		}
		if m != nil {
			letter := toHalfWidth(m[1])
			want := string(rune('A' + len(cur.d.q.Options)))
			if letter != want {
				broke(num, "选项字母应为 %s（选项须按 A、B、C… 的顺序），这里是 %s", want, letter)
				continue
			}
			cur.d.q.Options = append(cur.d.q.Options, m[2])
			continue
		}
		if len(cur.d.q.Options) > 0 {
			broke(num, "选项之后应为下一个选项（如“%s. …”）或 ANSWER 行（如 ANSWER: B），这一行是“%s”；选项内容不能换行",
				string(rune('A'+len(cur.d.q.Options))), clip(t))
			continue
		}
		cur.stem = append(cur.stem, t)
	}
	if cur != nil && !cur.broken {
		if len(cur.d.q.Options) == 0 {
			broke(cur.d.row, "题目没有选项和 ANSWER 行；选项须写成“A. 选项内容”，最后一行写 ANSWER: B")
		} else {
			broke(cur.d.row, "题目缺少 ANSWER 行（如 ANSWER: B）")
		}
	}
	if err := emit(); err != nil {
		return nil, err
	}
	return drafts, nil
}
