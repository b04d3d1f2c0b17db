package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/exam"
)

// adminBankQuestions returns singles single-choice and judges judge
// questions of category cat, each with a distinct stem.
func adminBankQuestions(prefix, cat string, singles, judges int) []exam.Question {
	var qs []exam.Question
	for i := range singles {
		qs = append(qs, exam.Question{Type: exam.Single, Stem: fmt.Sprintf("%s单选第%d题：安全生产工作应当坚持什么方针？", prefix, i+1),
			Options: []string{"安全第一、预防为主、综合治理", "效益优先", "先生产后安全", "以罚代管"}, Answer: []string{"A"},
			Explanation: "《安全生产法》第三条", Difficulty: 2, Category: cat, Status: exam.StatusActive})
	}
	for i := range judges {
		qs = append(qs, exam.Question{Type: exam.Judge, Stem: fmt.Sprintf("%s判断第%d题：特种作业人员必须持证上岗。", prefix, i+1),
			Options: exam.JudgeOptions, Answer: []string{"A"}, Explanation: "持证上岗", Category: cat, Status: exam.StatusActive})
	}
	return qs
}

// adminImport writes questions into the bank through the store.
func adminImport(t testing.TB, h *harness, qs []exam.Question) {
	t.Helper()
	rep, err := h.exams.ImportQuestions(context.Background(), account.System(), exam.Parsed{Format: exam.FormatXLSX, Questions: qs, Rows: make([]int, len(qs))}, false)
	if err != nil || rep.Created+rep.Updated+rep.Unchanged != len(qs) {
		t.Fatalf("import bank: %+v %v", rep, err)
	}
}

// adminBlueprint is 5 single × 10 + 5 judge × 10 = 100 points.
func adminBlueprint() exam.Blueprint {
	return exam.Blueprint{Sections: []exam.Section{{Type: exam.Single, Count: 5, Points: 10 * exam.Point}, {Type: exam.Judge, Count: 5, Points: 10 * exam.Point}},
		Minutes: 30}
}

// pagesExam fills a small bank and creates an exam open now for
// everyone (no hours prerequisite); TestPagesRender opens /exams/:id…
// pages with it.
func pagesExam(t testing.TB, h *harness) uint {
	t.Helper()
	adminImport(t, h, adminBankQuestions("页面测试", "法律法规", 12, 10))
	now := h.clock.Now()
	open, closeAt := now.Add(-time.Hour), now.Add(48*time.Hour)
	v, err := h.exams.CreateExam(context.Background(), account.System(), exam.ExamInput{Title: "页面测试考试", OpenAt: &open, CloseAt: &closeAt,
		ReviewPolicy: exam.ReviewAfterSubmit, Blueprint: adminBlueprint()})
	if err != nil {
		t.Fatalf("create exam: %v", err)
	}
	return v.ID
}

// bankCount is how many questions the bank holds.
func bankCount(t testing.TB, h *harness) int64 {
	t.Helper()
	_, total, err := h.exams.Questions(context.Background(), account.System(), exam.QuestionFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// questionsXLSX is qs in the import workbook's layout.
func questionsXLSX(t testing.TB, qs []exam.Question) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := exam.Export(qs, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// badQuestionsXLSX is a workbook of five questions with two bad rows: row
// 3's answer is a letter without an option (column I) and row 5 has no
// stem (column B).
func badQuestionsXLSX(t testing.TB) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(questionsXLSX(t, adminBankQuestions("坏文件", "法律法规", 5, 0))))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if h, _ := f.GetCellValue(sheet, "I1"); h != "答案" {
		t.Fatalf("column I of the export is %q, want 答案", h)
	}
	f.SetCellValue(sheet, "I3", "Z")
	f.SetCellValue(sheet, "B5", "")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importFile posts a question file as the page does.
func importFile(c *client, query, name string, data []byte) response {
	return c.postParts("/api/v1/questions/import?"+query, authorPart{Name: "file", File: name, Data: data})
}

type importError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Row     int    `json:"row"`
			Column  string `json:"column"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

// TestExamAdminPagesAccess: the bank and the new exam form open for
// trainers and the admin only; the exams list and the proctor page for
// regulators too; nobody else, and nothing signed out.
func TestExamAdminPagesAccess(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		id := pagesExam(t, h)
		proctor := "/exams/" + itoa(id) + "/proctor"
		authorsOnly := map[string]int{"admin": 200, "trainer": 200, "regulator": 403, "town-reg": 403, "enterprise": 403, "learner": 403}
		staff := map[string]int{"admin": 200, "trainer": 200, "regulator": 200, "town-reg": 200, "enterprise": 403, "learner": 403}
		for _, tc := range []struct {
			path  string
			users map[string]int
			has   []string
		}{
			{"/questions", authorsOnly, []string{"导入试题", `id="qi-file"`, `accept=".xlsx,.txt,.gift`, "/api/v1/questions/template.xlsx", "/api/v1/questions/export.xlsx",
				"预检", "自动识别", "直接启用", "文件中只要有一处错误，就不会写入任何试题", "页面测试单选第1题", "安全第一、预防为主、综合治理"}},
			{"/exams/new", authorsOnly, []string{"组卷方案", "考生须先完成所选培训要求的学时", `value="worker_annual_high"`, `type="datetime-local"`,
				`value="after_submit"`, `name="audience.categories"`, "法律法规", "多选题部分得分"}},
			{"/exam-admin", staff, []string{"页面测试考试", proctor, "进行中"}},
			{proctor, staff, []string{"页面测试考试", "还没有考生开始作答", "导出成绩", "/api/v1/exams/" + itoa(id) + "/results.xlsx", "样本不足10份，分析仅供参考", "单选题·不限分类"}},
		} {
			for user, want := range tc.users {
				res := tn.sessions[user].do("GET", tc.path, nil)
				if res.status != want {
					t.Errorf("GET %s as %s = %d, want %d", tc.path, user, res.status, want)
					continue
				}
				if want != 200 {
					continue
				}
				for _, s := range tc.has {
					if !strings.Contains(res.body, s) {
						t.Errorf("GET %s as %s lacks %q", tc.path, user, s)
					}
				}
			}
			if res := h.anon().do("GET", tc.path, nil); res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
				t.Errorf("GET %s signed out = %d → %q, want 303 to the login page", tc.path, res.status, res.header.Get("Location"))
			}
		}
		if res := tn.sessions["trainer"].do("GET", "/exams/999999/proctor", nil); res.status != 404 {
			t.Errorf("proctoring a missing exam = %d, want 404", res.status)
		}
		if res := tn.sessions["trainer"].do("GET", "/questions?status=nonsense", nil); res.status != 400 {
			t.Errorf("a bad status filter = %d, want 400", res.status)
		}
		// The regulator sees the exams list but not the bank or the form.
		if res := tn.sessions["regulator"].do("GET", "/exam-admin", nil); strings.Contains(res.body, `href="/exams/new"`) {
			t.Errorf("the regulator's exams list offers 新建考试")
		}
		// The nav leads there.
		for user, label := range map[string]string{"trainer": "题库与考试", "admin": "题库与考试", "regulator": ">考试<"} {
			if res := tn.sessions[user].do("GET", "/", nil); !strings.Contains(res.body, `href="/exam-admin"`) || !strings.Contains(res.body, label) {
				t.Errorf("home of %s has no %s link", user, label)
			}
		}
		// Filters narrow the table.
		res := tn.sessions["trainer"].do("GET", "/questions?type=judge&q="+"判断第3题", nil)
		if !strings.Contains(res.body, "页面测试判断第3题") || strings.Contains(res.body, "页面测试单选第1题") || !strings.Contains(res.body, "符合条件 1 道") {
			t.Errorf("filtered bank page is wrong: %.2000s", res.body)
		}
	})
}

// TestExamAdminImport: the import panel's calls. A workbook with two bad
// rows is refused with both rows named by row and column and nothing is
// written, dry or not; a clean workbook's dry run writes nothing; Aiken
// and GIFT files import; the status buttons change a question.
func TestExamAdminImport(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		tr := tn.sessions["trainer"]
		before := bankCount(t, h)

		bad := badQuestionsXLSX(t)
		for _, q := range []string{"dry_run=1", "dry_run=0&status=active"} {
			res := importFile(tr, q, "题库.xlsx", bad)
			if res.status != 422 {
				t.Fatalf("bad workbook (%s) = %d %s, want 422", q, res.status, res.body)
			}
			var e importError
			res.decode(t, &e)
			d := e.Error.Details
			if e.Error.Code != "question_import_invalid" || len(d) != 2 {
				t.Fatalf("bad workbook (%s): %s, want two details", q, res.body)
			}
			if d[0].Row != 3 || d[0].Column != "I" || !strings.Contains(d[0].Message, "第 3 行") ||
				d[1].Row != 5 || d[1].Column != "B" || !strings.Contains(d[1].Message, "题干") {
				t.Errorf("bad workbook details = %+v, want row 3 column I and row 5 column B", d)
			}
			if !strings.Contains(e.Error.Message, "未导入任何题目") {
				t.Errorf("refusal says %q", e.Error.Message)
			}
			if n := bankCount(t, h); n != before {
				t.Fatalf("a refused file wrote %d questions", n-before)
			}
		}

		clean := questionsXLSX(t, adminBankQuestions("导入测试", "法律法规", 6, 4))
		res := importFile(tr, "dry_run=1&format=xlsx", "题库.xlsx", clean)
		var rep exam.ImportReport
		res.decode(t, &rep)
		if res.status != 200 || !rep.DryRun || rep.Created != 10 || bankCount(t, h) != before {
			t.Fatalf("clean dry run = %d %s (bank %d → %d)", res.status, res.body, before, bankCount(t, h))
		}
		res = importFile(tr, "dry_run=0&format=xlsx", "题库.xlsx", clean)
		if res.status != 200 || bankCount(t, h) != before+10 {
			t.Fatalf("clean import = %d %s", res.status, res.body)
		}

		aiken := "企业应当为从业人员提供符合国家标准的（　　）。\nA. 劳动防护用品\nB. 奖金\nC. 宿舍\nD. 交通车\nANSWER: A\n\n" +
			"发现火灾应当立即拨打的报警电话是（　　）。\nA. 110\nB. 119\nC. 120\nD. 114\nANSWER: B\n"
		if res := importFile(tr, "dry_run=0&format=aiken&status=active", "aiken.txt", []byte(aiken)); res.status != 422 || !strings.Contains(res.body, "分类") {
			t.Errorf("Aiken without a default category = %d %s, want 422 naming 分类", res.status, res.body)
		}
		res = importFile(tr, "dry_run=0&format=aiken&status=active&default_category="+"劳动防护", "aiken.txt", []byte(aiken))
		res.decode(t, &rep)
		if res.status != 200 || rep.Created != 2 || rep.Format != exam.FormatAiken {
			t.Fatalf("Aiken import = %d %s", res.status, res.body)
		}
		gift := "$CATEGORY: 应急救援\n\n::g1:: 心肺复苏时胸外按压的频率为每分钟（　　）次。{=100至120 ~60至80 ~140至160}\n\n从业人员有权拒绝违章指挥和强令冒险作业。{T}\n"
		res = importFile(tr, "dry_run=0&status=draft", "bank.gift", []byte(gift)) // format detected
		res.decode(t, &rep)
		if res.status != 200 || rep.Created != 2 || rep.Format != exam.FormatGIFT {
			t.Fatalf("GIFT import = %d %s", res.status, res.body)
		}
		if n := bankCount(t, h); n != before+14 {
			t.Fatalf("bank holds %d questions, want %d", n, before+14)
		}

		// The page shows them, with the default category and the status chosen.
		page := tr.do("GET", "/questions?category="+"劳动防护", nil)
		if !strings.Contains(page.body, "企业应当为从业人员提供符合国家标准的") || !strings.Contains(page.body, `data-status="active"`) || !strings.Contains(page.body, "劳动防护用品") {
			t.Errorf("the bank page lacks the Aiken questions: %.3000s", page.body)
		}
		page = tr.do("GET", "/questions?status=draft", nil)
		if !strings.Contains(page.body, "心肺复苏时胸外按压的频率") || !strings.Contains(page.body, "草稿") {
			t.Errorf("the bank page lacks the GIFT draft questions")
		}
		// The status button's call, then the page.
		rows, _, err := h.exams.Questions(context.Background(), account.System(), exam.QuestionFilter{Q: "心肺复苏", Limit: 1})
		if err != nil || len(rows) != 1 {
			t.Fatalf("find GIFT question: %v", err)
		}
		if res := tr.do("PATCH", "/api/v1/questions/"+itoa(rows[0].ID), map[string]any{"status": "active"}); res.status != 204 {
			t.Fatalf("activate = %d %s", res.status, res.body)
		}
		page = tr.do("GET", "/questions?q="+"心肺复苏", nil)
		if !strings.Contains(page.body, `data-question="`+itoa(rows[0].ID)+`" data-status="active"`) {
			t.Errorf("activated question not shown active")
		}
		// The template and the export the panel links to.
		for _, p := range []string{"/api/v1/questions/template.xlsx", "/api/v1/questions/export.xlsx"} {
			if res := tr.do("GET", p, nil); res.status != 200 || res.header.Get("Content-Type") != xlsxType {
				t.Errorf("GET %s = %d %s", p, res.status, res.header.Get("Content-Type"))
			}
		}
	})
}

// TestExamAdminCreate: the new exam form's call. A blueprint the bank
// cannot fill is refused with the part and the numbers; one it can is
// created and its proctor page opens.
func TestExamAdminCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		tr := tn.sessions["trainer"]
		adminImport(t, h, adminBankQuestions("组卷", "法律法规", 12, 10))

		page := tr.do("GET", "/exams/new", nil)
		for _, s := range []string{`"single|法律法规":12`, `"judge|":10`, `<option value="法律法规">法律法规</option>`, `value="80"`, `value="120"`, `name="attempts_allowed"`} {
			if !strings.Contains(page.body, s) && !strings.Contains(page.body, strings.ReplaceAll(s, `"`, "&#34;")) {
				t.Errorf("the form lacks %s", s)
			}
		}

		body := func(count int, cat string) map[string]any {
			return map[string]any{"title": "焊工复审考试", "open_at": "2026-03-02T10:00:00+08:00", "close_at": "2026-03-09T18:00:00+08:00",
				"attempts_allowed": 2, "review_policy": "after_close", "required_rules": []string{"special_review"},
				"audience": map[string]any{"categories": []string{"special_operator"}, "industries": []string{}, "items": []string{}},
				"blueprint": map[string]any{"sections": []map[string]any{
					{"type": "single", "category": cat, "count": count, "points": 2},
					{"type": "judge", "category": "", "count": 10, "points": 10 - float64(count)/5},
				}, "pass_mark": 80, "minutes": 60, "shuffle_questions": true, "shuffle_options": true, "multiple_partial": false}}
		}
		res := tr.do("POST", "/api/v1/exams", body(20, "法律法规"))
		if res.status != 400 || !strings.Contains(res.body, "单选题·法律法规：需要 20 道，题库中只有 12 道可用") || !strings.Contains(res.body, `"field":"blueprint"`) {
			t.Fatalf("infeasible blueprint = %d %s", res.status, res.body)
		}
		res = tr.do("POST", "/api/v1/exams", map[string]any{"title": "", "blueprint": map[string]any{"sections": []map[string]any{{"type": "single", "count": 5, "points": 10}}}})
		if res.status != 400 || !strings.Contains(res.body, `"field":"title"`) || !strings.Contains(res.body, "合计须为100分") {
			t.Errorf("untitled, 50-point exam = %d %s", res.status, res.body)
		}
		res = tr.do("POST", "/api/v1/exams", body(10, "法律法规"))
		if res.status != 201 {
			t.Fatalf("feasible exam = %d %s", res.status, res.body)
		}
		var v exam.ExamView
		res.decode(t, &v)
		if v.OpenAt == nil || !v.OpenAt.Equal(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("open_at = %v, want 10:00 Beijing", v.OpenAt)
		}
		page = tr.do("GET", "/exams/"+itoa(v.ID)+"/proctor", nil)
		for _, s := range []string{"焊工复审考试", "2026-03-02 10:00 至 2026-03-09 18:00", "单选题·法律法规", "判断题·不限分类", "特种作业操作证复审培训", "特种作业人员", "60 分钟", "考试结束后可查看答案和解析"} {
			if !strings.Contains(page.body, s) {
				t.Errorf("proctor page lacks %q", s)
			}
		}
		if list := tr.do("GET", "/exam-admin", nil); !strings.Contains(list.body, "焊工复审考试") || !strings.Contains(list.body, "未开始") {
			t.Errorf("exams list lacks the new exam as 未开始")
		}
	})
}

// TestExamAdminProctor: after a learner starts, saves three answers and
// leaves the page three times, the proctor page lists the attempt with its
// progress, time left and the blurs highlighted; after they submit, the
// score and the pass rate; the results download.
func TestExamAdminProctor(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		id := pagesExam(t, h)
		learner := tn.sessions["learner"]
		res := learner.do("POST", "/api/v1/exams/"+itoa(id)+"/attempts", nil)
		if res.status != 200 {
			t.Fatalf("start = %d %s", res.status, res.body)
		}
		var a exam.AttemptOut
		res.decode(t, &a)
		for no := 1; no <= 3; no++ {
			if res := learner.do("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/%d", a.ID, no), map[string]any{"choice": []string{"A"}}); res.status != 200 {
				t.Fatalf("save answer %d = %d %s", no, res.status, res.body)
			}
		}
		for range 3 {
			if res := learner.do("POST", fmt.Sprintf("/api/v1/attempts/%d/events", a.ID), map[string]any{"kind": "blur"}); res.status != 204 {
				t.Fatalf("blur = %d %s", res.status, res.body)
			}
		}
		h.clock.Add(5 * time.Minute)

		var rows struct {
			Items []exam.AttemptRowView `json:"items"`
		}
		api := tn.sessions["trainer"].do("GET", "/api/v1/exams/"+itoa(id)+"/attempts", nil)
		api.decode(t, &rows)
		if len(rows.Items) != 1 || rows.Items[0].Answered != 3 || rows.Items[0].Blurs != 3 || rows.Items[0].Name == "" {
			t.Fatalf("attempts API = %s", api.body)
		}
		name := rows.Items[0].Name
		proctor := "/exams/" + itoa(id) + "/proctor"
		for _, user := range []string{"trainer", "regulator"} {
			page := tn.sessions[user].do("GET", proctor, nil)
			for _, s := range []string{name, `<progress max="10" value="3"`, "3/10", "25:00", "离开频繁", "作答中",
				`data-count="started">1<`, `data-count="writing">1<`, `data-count="finished">0<`} {
				if !strings.Contains(page.body, s) {
					t.Errorf("proctor page as %s lacks %q", user, s)
				}
			}
		}

		if res := learner.do("POST", fmt.Sprintf("/api/v1/attempts/%d/submit", a.ID), nil); res.status != 200 {
			t.Fatalf("submit = %d %s", res.status, res.body)
		}
		page := tn.sessions["regulator"].do("GET", proctor, nil)
		for _, s := range []string{"已交卷", `data-count="finished">1<`, `data-count="people">1<`, "样本不足10份，分析仅供参考", "页面测试"} {
			if !strings.Contains(page.body, s) {
				t.Errorf("proctor page after submit lacks %q", s)
			}
		}
		if !strings.Contains(page.body, "不合格") && !strings.Contains(page.body, ">合格<") {
			t.Errorf("proctor page after submit shows no pass or fail")
		}

		res = tn.sessions["regulator"].do("GET", "/api/v1/exams/"+itoa(id)+"/results.xlsx", nil)
		if res.status != 200 || res.header.Get("Content-Type") != xlsxType {
			t.Fatalf("results.xlsx = %d %s", res.status, res.header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, _ := f.GetRows(f.GetSheetName(0))
		if len(got) != 2 || got[1][2] != name || got[0][7] != "得分" {
			t.Errorf("results sheet = %v", got)
		}
	})
}
