package exam_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"anpei/exam"
	"anpei/fault"
)

// qbDefault is a limit set with a default category.
func qbDefault(category string) exam.Limits {
	return exam.Limits{ImportOptions: exam.ImportOptions{DefaultCategory: category}}
}

func TestImportGIFT(t *testing.T) {
	judge := []string{"正确", "错误"}
	tests := []struct {
		name string
		text string
		want []exam.Question
		rows []int
	}{
		{"single with title and category", `
$CATEGORY: $course$/top/安全生产/法律法规

::Q1:: 安全生产工作应当以人为本，坚持（　　）。{=人民至上、生命至上 ~效益优先 ~速度第一}
`, []exam.Question{{Type: exam.Single, Stem: "安全生产工作应当以人为本，坚持（　　）。", Options: []string{"人民至上、生命至上", "效益优先", "速度第一"}, Answer: []string{"A"}, Category: "法律法规"}},
			[]int{4}},
		{"multiple by weights, answers over lines, feedback", `// 多选
::M1::下列属于特种作业的有（　　）。{
	~%50%高压电工作业#对
	~%-100%办公室文员#错
	~%50%焊接与热切割作业
	####《特种作业人员安全技术培训考核管理规定》附件。
}`, []exam.Question{{Type: exam.Multiple, Stem: "下列属于特种作业的有（　　）。", Options: []string{"高压电工作业", "办公室文员", "焊接与热切割作业"},
			Answer: []string{"A", "C"}, Explanation: "《特种作业人员安全技术培训考核管理规定》附件。", Category: "默认"}},
			[]int{2}},
		{"judge spellings", `从业人员有权拒绝违章指挥。{T}

未经培训可以上岗。{FALSE#错}

特种作业须持证。{true}

::t::可以酒后作业。 {F ####严禁酒后作业。}`, []exam.Question{
			{Type: exam.Judge, Stem: "从业人员有权拒绝违章指挥。", Options: judge, Answer: []string{"A"}, Category: "默认"},
			{Type: exam.Judge, Stem: "未经培训可以上岗。", Options: judge, Answer: []string{"B"}, Category: "默认"},
			{Type: exam.Judge, Stem: "特种作业须持证。", Options: judge, Answer: []string{"A"}, Category: "默认"},
			{Type: exam.Judge, Stem: "可以酒后作业。", Options: judge, Answer: []string{"B"}, Explanation: "严禁酒后作业。", Category: "默认"},
		}, []int{1, 3, 5, 7}},
		{"escapes", `公式 1\=1 用 \{ \} 括起，比例 3\:1，波浪 \~ 井号 \# 反斜杠 \\ 换行\n第二行 {=a\=b ~c\~d ~e\#f ~g\{h\}}`,
			[]exam.Question{{Type: exam.Single, Stem: "公式 1=1 用 { } 括起，比例 3:1，波浪 ~ 井号 # 反斜杠 \\ 换行\n第二行",
				Options: []string{"a=b", "c~d", "e#f", "g{h}"}, Answer: []string{"A"}, Category: "默认"}}, []int{1}},
		{"missing word", `生产经营单位的主要负责人是本单位安全生产 {~直接 =第一 ~间接} 责任人。`,
			[]exam.Question{{Type: exam.Single, Stem: "生产经营单位的主要负责人是本单位安全生产（　　）责任人。",
				Options: []string{"直接", "第一", "间接"}, Answer: []string{"B"}, Category: "默认"}}, []int{1}},
		{"categories change, last segment, doubled slash", `$CATEGORY: top/电气/高压//低压

题一 {=甲 ~乙}

$CATEGORY: $course$/top

题二 {=甲 ~乙}`, []exam.Question{
			{Type: exam.Single, Stem: "题一", Options: []string{"甲", "乙"}, Answer: []string{"A"}, Category: "高压/低压"},
			{Type: exam.Single, Stem: "题二", Options: []string{"甲", "乙"}, Answer: []string{"A"}, Category: "默认"},
		}, []int{3, 7}},
		{"moodle html export", "// question: 12  name: 触电急救\r\n::触电急救::[html]<p dir\\=\"ltr\">发现有人触电，&nbsp;首先应<b>立即</b>：</p>{\r\n\t~<p>打电话</p>\r\n\t\\=<p>切断电源</p>\r\n}\r\n",
			nil, nil},
		{"moodle html export, proper", "// question: 12  name: 触电急救\r\n::触电急救::[html]<p>发现有人触电，&nbsp;首先应<b>立即</b>：</p><p>第二段</p>{\r\n\t~<p>打电话</p>\r\n\t=<p>切断电源 &amp; 施救</p>\r\n\t####<p>先断电。</p>\r\n}\r\n",
			[]exam.Question{{Type: exam.Single, Stem: "发现有人触电， 首先应立即：\n第二段", Options: []string{"打电话", "切断电源 & 施救"}, Answer: []string{"B"},
				Explanation: "先断电。", Category: "默认"}}, []int{2}},
		{"single by one positive weight", `题 {~%100%甲 ~%0%乙 ~乙二}`,
			[]exam.Question{{Type: exam.Single, Stem: "题", Options: []string{"甲", "乙", "乙二"}, Answer: []string{"A"}, Category: "默认"}}, []int{1}},
		{"weights with decimals", `题 {~%33.33333%甲 ~%33.33333%乙 ~%33.33334%丙 ~%-100%丁}`,
			[]exam.Question{{Type: exam.Multiple, Stem: "题", Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"A", "B", "C"}, Category: "默认"}}, []int{1}},
		{"bom and crlf", "\ufeff题 {=甲 ~乙}\r\n\r\n题二 {T}\r\n",
			[]exam.Question{
				{Type: exam.Single, Stem: "题", Options: []string{"甲", "乙"}, Answer: []string{"A"}, Category: "默认"},
				{Type: exam.Judge, Stem: "题二", Options: judge, Answer: []string{"A"}, Category: "默认"},
			}, []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := qbParse([]byte(tt.text), exam.FormatGIFT, qbDefault("默认"))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("parsed %+v, want a refusal", parsed.Questions)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, qbFormat(fault.As(err).Details))
			}
			if len(parsed.Questions) != len(tt.want) {
				t.Fatalf("%d questions, want %d: %+v", len(parsed.Questions), len(tt.want), parsed.Questions)
			}
			for i, q := range parsed.Questions {
				tt.want[i].Status = exam.StatusDraft
				if !qbSameQuestion(q, tt.want[i]) {
					t.Errorf("question %d =\n %#v\nwant\n %#v", i, q, tt.want[i])
				}
				if d := exam.Validate(q); d != nil {
					t.Errorf("question %d fails Validate: %+v", i, d)
				}
			}
			if !slices.Equal(parsed.Rows, tt.rows) {
				t.Errorf("Rows = %v, want %v", parsed.Rows, tt.rows)
			}
			// Detected by content too.
			if p, err := qbParse([]byte(tt.text), "", qbDefault("默认")); err != nil || p.Format != exam.FormatGIFT {
				t.Errorf("detected as %q, %v", p.Format, err)
			}
		})
	}
}

// TestImportGIFTErrors is the GIFT error table: every question with a
// problem is reported by its line, and nothing is returned.
func TestImportGIFTErrors(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		category string
		want     []qbWant
	}{
		{"matching", "题一 {=甲 ~乙}\n\n// 匹配\n\n\n\n\n::M:: 配对 {=中国 -> 北京 =日本 -> 东京}", "默认",
			[]qbWant{{8, "", "第 8 行：暂不支持 GIFT 匹配题，请删除或改为选择题"}}},
		{"numeric", "圆周率 {#3.14:0.01}", "默认", []qbWant{{1, "", "暂不支持 GIFT 数值题"}}},
		{"short answer", "首都 {=北京 =北京市}", "默认", []qbWant{{1, "", "暂不支持 GIFT 填空题（只有 = 答案）"}}},
		{"essay", "谈谈体会 {}", "默认", []qbWant{{1, "", "暂不支持 GIFT 问答题"}}},
		{"essay with feedback", "谈谈体会 { ####参考 }", "默认", []qbWant{{1, "", "暂不支持 GIFT 问答题"}}},
		{"cloze", "甲 {=a ~b} 乙 {=c ~d}", "默认", []qbWant{{1, "", "一题多个答案部分"}}},
		{"description", "这是一段说明，没有答案。", "默认", []qbWant{{1, "", "没有找到答案部分"}}},
		{"unclosed", "题 {=甲 ~乙\n\n下一题 {T}", "默认", []qbWant{{1, "", "答案部分缺少结尾的“}”"}}},
		{"stray close", "题 } 多余 {=甲 ~乙}", "默认", []qbWant{{1, "", "多余的“}”"}}},
		{"title unclosed", "::标题 题 {=甲 ~乙}", "默认", []qbWant{{1, "", "标题缺少结尾的“::”"}}},
		{"text before answers", "题 {甲 =乙 ~丙}", "默认", []qbWant{{1, "", "答案部分“甲”无法识别"}}},
		{"partial credit with =", "题 {=甲 ~%50%乙 ~丙}", "默认", []qbWant{{1, "", "暂不支持部分得分"}}},
		{"partial weight on =", "题 {=%50%甲 ~乙}", "默认", []qbWant{{1, "", "暂不支持部分得分（=%50%）"}}},
		{"two =", "题 {=甲 =乙 ~丙}", "默认", []qbWant{{1, "", "有 2 个“=”"}}},
		{"no right answer", "题 {~甲 ~乙}", "默认", []qbWant{{1, "", "没有标出正确选项"}}},
		{"bad weight", "题 {~%abc%甲 ~乙}", "默认", []qbWant{{1, "", "选项权重“%abc%”无法识别"}}},
		{"picture", "::p::[html]<p>如图<img src\\=\"@@PLUGINFILE@@/a.png\"></p>{=甲 ~乙}", "默认", []qbWant{{1, "", "含有图片"}}},
		{"too many options", "题 {=1 ~2 ~3 ~4 ~5 ~6 ~7}", "默认", []qbWant{{1, "", "第 1 行 选项：最多 6 个选项"}}},
		{"empty option", "题 {=甲 ~ ~丙}", "默认", []qbWant{{1, "", "第 1 行 选项B：选项B为空，但选项C有内容"}}},
		{"duplicate options", "题 {=甲 ~甲}", "默认", []qbWant{{1, "", "选项B与选项A内容相同"}}},
		{"one option", "题 {~%100%甲}", "默认", []qbWant{{1, "", "单选题至少需要两个选项"}}},
		{"empty stem", "::标题:: {=甲 ~乙}", "默认", []qbWant{{1, "", "第 1 行 题干：请填写题干"}}},
		{"no category and no default", "题一 {=甲 ~乙}\n\n题二 {T}", "",
			[]qbWant{{1, "", "第 1 行 分类：没有分类：请在题目前加一行“$CATEGORY: 分类名”"}, {3, "", "没有分类"}}},
		{"category too long", "$CATEGORY: " + strings.Repeat("类", 51) + "\n\n题 {T}", "", []qbWant{{3, "", "分类有 51 个字"}}},
		{"duplicate questions", "题 {=甲 ~乙}\n\n题 {=丙 ~丁}\n\n题 {T}", "默认", []qbWant{{3, "", "第 3 行 题干：与第 1 行的题目重复"}}},
		{"several", "::a:: 甲 {=1 ~2}\n\n::b:: 乙 {=中 -> 京 =日 -> 东}\n\n::c:: 丙 {#1}\n\n::d:: 丁 {T}", "默认",
			[]qbWant{{3, "", "匹配题"}, {5, "", "数值题"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := qbParse([]byte(tt.text), exam.FormatGIFT, qbDefault(tt.category))
			details := qbDetails(t, err, exam.ErrImportInvalid)
			if len(parsed.Questions) != 0 {
				t.Errorf("questions returned with the refusal")
			}
			for _, w := range tt.want {
				qbHasDetail(t, details, w)
			}
			if len(details) != len(tt.want) {
				t.Errorf("%d details, want %d:\n%s", len(details), len(tt.want), qbFormat(details))
			}
		})
	}
}

// TestImportGIFTLimits: MaxQuestions counts GIFT questions too.
func TestImportGIFTLimits(t *testing.T) {
	text := strings.Repeat("题 {T}\n\n", 3)
	if _, err := qbParse([]byte(text), exam.FormatGIFT, exam.Limits{MaxQuestions: 2, ImportOptions: exam.ImportOptions{DefaultCategory: "x"}}); !errors.Is(err, exam.ErrImportTooMany) {
		t.Errorf("error = %v, want %v", err, exam.ErrImportTooMany)
	}
	if _, err := qbParse([]byte("// 只有注释\n\n$CATEGORY: a\n"), exam.FormatGIFT, exam.Limits{}); !errors.Is(err, exam.ErrImportEmpty) {
		t.Errorf("error = %v, want %v", err, exam.ErrImportEmpty)
	}
}
