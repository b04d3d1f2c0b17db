package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/exam"
	"anpei/fault"
	"anpei/hours"
	"anpei/roster"
)

// registerExamAdminPages registers the trainer's and regulator's exam
// pages: the question bank with its import, the list of exams, the new
// exam form with its blueprint editor, and the proctor page (live
// attempts, results, item analysis). The learner's exam pages (/exams,
// /exams/:id, /attempts/:id, /wrongbook) are registered elsewhere.
func (s *Server) registerExamAdminPages() {
	s.handle(route{Method: "GET", Path: "/questions", Access: authors, Page: true}, s.bankPage)
	s.handle(route{Method: "GET", Path: "/exam-admin", Access: examStaff, Page: true}, s.staffExamsPage)
	s.handle(route{Method: "GET", Path: "/exams/new", Access: authors, Page: true}, s.staffExamNewPage)
	s.handle(route{Method: "GET", Path: "/exams/:id/proctor", Access: examStaff, Page: true}, s.proctorPage)
}

// ---- the bank's shape: categories and usable counts ----

// bankShape summarizes the bank for filters and the blueprint editor.
type bankShape struct {
	Total, Active, Draft, Retired int
	// Categories are every category in the bank, sorted.
	Categories []string
	// ActiveCategories are the categories with active questions, sorted.
	ActiveCategories []string
	// Avail counts active questions by "type|category" and by "type|"
	// (any category): what a blueprint section may draw.
	Avail map[string]int
}

func (s *Server) bankShape(ctx context.Context, p account.Principal) (bankShape, error) {
	qs, err := s.deps.Exams.ExportQuestions(ctx, p)
	if err != nil {
		return bankShape{}, err
	}
	b := bankShape{Total: len(qs), Avail: map[string]int{}}
	all, active := map[string]bool{}, map[string]bool{}
	for _, q := range qs {
		all[q.Category] = true
		switch q.Status {
		case exam.StatusActive:
			b.Active++
			active[q.Category] = true
			b.Avail[string(q.Type)+"|"+q.Category]++
			b.Avail[string(q.Type)+"|"]++
		case exam.StatusRetired:
			b.Retired++
		default:
			b.Draft++
		}
	}
	b.Categories, b.ActiveCategories = bankSortedKeys(all), bankSortedKeys(active)
	return b, nil
}

func bankSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// ---- 题库 ----

// bankRow is one question of the bank's table.
type bankRow struct {
	exam.QuestionView
	Options []bankOption
	Answer  string // "A", "A、C", "正确"
	Badge   string
}

type bankOption struct{ Letter, Text string }

// bankPageData is the question bank page.
type bankPageData struct {
	Rows     []bankRow
	Total    int64
	Shape    bankShape
	Types    []refItem
	Statuses []refItem
	Formats  []refItem
	Query    map[string]string
	Filtered bool
	Pager    pager
	MaxMB    int64
	Drafts   int // draft questions on this page
}

// bankPerPage is the bank table's page size.
const bankPerPage = 50

// bankStatuses are the statuses in the order trainers meet them.
var bankStatuses = []exam.Status{exam.StatusDraft, exam.StatusActive, exam.StatusRetired}

func bankBadge(st exam.Status) string {
	switch st {
	case exam.StatusActive:
		return "badge-ok"
	case exam.StatusRetired:
		return "badge"
	}
	return "badge-warn"
}

// bankAnswerText writes a question's answer as trainers read it.
func bankAnswerText(q exam.Question) string {
	if q.Type == exam.Judge && len(q.Answer) == 1 {
		for i, l := range exam.Letters {
			if l == q.Answer[0] && i < len(q.Options) {
				return q.Options[i]
			}
		}
	}
	return strings.Join(q.Answer, "、")
}

func (s *Server) bankPage(c *gin.Context) {
	_, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p, ctx := principal(c), c.Request.Context()
	f := exam.QuestionFilter{Type: c.Query("type"), Category: c.Query("category"), Status: c.Query("status"),
		Q: strings.TrimSpace(c.Query("q")), Limit: bankPerPage, Offset: offset}
	if f.Type != "" && exam.Type(f.Type).Label() == "" {
		s.renderErr(c, fault.Field("bad_type", "type", "题型筛选条件不正确，请从列表中选择"))
		return
	}
	if f.Status != "" && exam.Status(f.Status).Label() == "" {
		s.renderErr(c, fault.Field("bad_status", "status", "状态筛选条件不正确，请从列表中选择"))
		return
	}
	rows, total, err := s.deps.Exams.Questions(ctx, p, f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	shape, err := s.bankShape(ctx, p)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := bankPageData{Total: total, Shape: shape, MaxMB: 10,
		Query:    map[string]string{"type": f.Type, "category": f.Category, "status": f.Status, "q": f.Q},
		Filtered: f.Type != "" || f.Category != "" || f.Status != "" || f.Q != "",
		Pager:    newPager(c, total, bankPerPage, offset)}
	for _, t := range exam.Types() {
		d.Types = append(d.Types, refItem{Code: string(t), Name: t.Label()})
	}
	for _, st := range bankStatuses {
		d.Statuses = append(d.Statuses, refItem{Code: string(st), Name: st.Label()})
	}
	for _, fm := range exam.Formats() {
		d.Formats = append(d.Formats, refItem{Code: string(fm), Name: fm.Label()})
	}
	for _, r := range rows {
		qr := bankRow{QuestionView: r, Answer: bankAnswerText(r.Question), Badge: bankBadge(r.Status)}
		if r.Status == exam.StatusDraft {
			d.Drafts++
		}
		if r.Type != exam.Judge {
			for i, o := range r.Options {
				if i < len(exam.Letters) {
					qr.Options = append(qr.Options, bankOption{Letter: exam.Letters[i], Text: o})
				}
			}
		}
		d.Rows = append(d.Rows, qr)
	}
	s.render(c, http.StatusOK, "questions", "题库", d)
}

// ---- the exams list ----

// staffExamRow is one exam of the list.
type staffExamRow struct {
	exam.ExamView
	Window      string
	Phase       string // 未开始, 进行中, 已结束, 随时可练
	PhaseBadge  string
	ReviewLabel string
}

// staffExamsData is the exams list.
type staffExamsData struct {
	Rows     []staffExamRow
	Total    int64
	Author   bool
	Practice string
	Pager    pager
}

const staffExamsPerPage = 50

// staffExamWindow writes an exam's window in Beijing time.
func staffExamWindow(open, closeAt *time.Time) string {
	f := func(t *time.Time) string { return t.In(hours.ChinaTime()).Format("2006-01-02 15:04") }
	switch {
	case open != nil && closeAt != nil:
		return f(open) + " 至 " + f(closeAt)
	case open != nil:
		return f(open) + " 起，不限结束时间"
	case closeAt != nil:
		return "即日起至 " + f(closeAt)
	}
	return "不限时间"
}

// staffExamPhase says where an exam's window stands now.
func staffExamPhase(v exam.ExamView, now time.Time) (string, string) {
	switch {
	case v.Practice:
		return "随时可练", "badge-info"
	case v.OpenAt != nil && now.Before(*v.OpenAt):
		return "未开始", "badge-info"
	case v.CloseAt != nil && !now.Before(*v.CloseAt):
		return "已结束", "badge"
	}
	return "进行中", "badge-ok"
}

// staffReviewLabels name the review policies as the form offers them.
var staffReviewLabels = map[exam.ReviewPolicy]string{
	exam.ReviewAfterSubmit: "交卷后即可查看答案和解析",
	exam.ReviewAfterClose:  "考试结束后可查看答案和解析",
	exam.ReviewNever:       "不允许查看答案",
	"":                     "考试结束后可查看答案和解析",
}

func (s *Server) staffExamRowOf(v exam.ExamView) staffExamRow {
	r := staffExamRow{ExamView: v, Window: staffExamWindow(v.OpenAt, v.CloseAt), ReviewLabel: staffReviewLabels[v.ReviewPolicy]}
	r.Phase, r.PhaseBadge = staffExamPhase(v, s.cfg.Now())
	return r
}

func (s *Server) staffExamsPage(c *gin.Context) {
	_, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	d := staffExamsData{Author: p.Is(account.RoleAdmin, account.RoleTrainer), Practice: c.Query("practice")}
	var practice *bool
	switch d.Practice {
	case "":
	case "true", "false":
		b := d.Practice == "true"
		practice = &b
	default:
		s.renderErr(c, fault.Field("bad_query", "practice", "考试类型筛选条件不正确，请从列表中选择"))
		return
	}
	rows, total, err := s.deps.Exams.Exams(c.Request.Context(), p, practice, staffExamsPerPage, offset)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d.Total, d.Pager = total, newPager(c, total, staffExamsPerPage, offset)
	for _, v := range rows {
		d.Rows = append(d.Rows, s.staffExamRowOf(v))
	}
	s.render(c, http.StatusOK, "exam_admin", "考试管理", d)
}

// ---- 新建考试 ----

// staffRuleChoice is an hours requirement an exam may require.
type staffRuleChoice struct {
	ID, Label, Hours string
}

// staffExamForm is the new exam form.
type staffExamForm struct {
	Rules      []staffRuleChoice
	Awards     []refItem // certificate kinds an exam may award
	PersonCats []refItem
	Types      []refItem
	Shape      bankShape
	// Avail is Shape.Avail as JSON, for the blueprint editor.
	Avail string
	// Labels names the types in the editor's messages, as JSON.
	Labels     string
	Sections   []exam.Section // the editor's first rows
	OpenAt     string         // datetime-local, Beijing time
	CloseAt    string
	PassMark   string
	Minutes    int
	Attempts   int
	TotalPoint string
}

// staffDefaultSections are the editor's first rows: the common paper of 20
// single × 2 + 10 multiple × 3 + 15 judge × 2 = 100 points.
func staffDefaultSections() []exam.Section {
	return []exam.Section{
		{Type: exam.Single, Count: 20, Points: 2 * exam.Point},
		{Type: exam.Multiple, Count: 10, Points: 3 * exam.Point},
		{Type: exam.Judge, Count: 15, Points: 2 * exam.Point},
	}
}

func (s *Server) staffExamNewPage(c *gin.Context) {
	p, ctx := principal(c), c.Request.Context()
	shape, err := s.bankShape(ctx, p)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	avail, _ := json.Marshal(shape.Avail)
	labels := map[string]string{}
	d := staffExamForm{Shape: shape, Avail: string(avail), Sections: staffDefaultSections(), PassMark: exam.DefaultPassMark.String(),
		Minutes: exam.DefaultMinutes, Attempts: exam.DefaultAttempts, TotalPoint: exam.TotalPoints.String()}
	for _, t := range exam.Types() {
		d.Types = append(d.Types, refItem{Code: string(t), Name: t.Label()})
		labels[string(t)] = t.Label()
	}
	lb, _ := json.Marshal(labels)
	d.Labels = string(lb)
	for _, r := range s.deps.Courses.Table().Rules() {
		d.Rules = append(d.Rules, staffRuleChoice{ID: r.ID, Label: r.Label, Hours: r.Hours.String()})
	}
	for _, cat := range roster.Categories() {
		d.PersonCats = append(d.PersonCats, refItem{Code: cat.Code(), Name: cat.Label()})
	}
	for _, k := range s.deps.Certs.Kinds().Earnable() {
		d.Awards = append(d.Awards, refItem{Code: k.Code, Name: k.Name})
	}
	// The window opens at the next whole hour and stays open a week.
	open := s.cfg.Now().In(hours.ChinaTime()).Truncate(time.Hour).Add(time.Hour)
	d.OpenAt = open.Format("2006-01-02T15:04")
	d.CloseAt = open.AddDate(0, 0, 7).Format("2006-01-02T15:04")
	s.render(c, http.StatusOK, "exam_new", "新建考试", d)
}

// ---- 监考与成绩 ----

// proctorRow is one attempt of the proctor table.
type proctorRow struct {
	exam.AttemptRowView
	Percent     int
	TimeLeft    string
	Status      string
	StatusBadge string
	ScoreText   string
	PassText    string
	PassBadge   string
	BlurWarn    bool
}

// proctorStat is one question of the item analysis.
type proctorStat struct {
	exam.QuestionStat
	FacilityText, DiscText string
}

// proctorSection is a blueprint section with its subtotal.
type proctorSection struct {
	exam.SectionView
	Subtotal exam.Points
}

// proctorData is the proctor page.
type proctorData struct {
	// Awards names the certificate the exam awards ("" for none);
	// Issuer: the viewer may issue them in a batch.
	Awards     string
	Issuer     bool
	E          staffExamRow
	Sections   []proctorSection
	Rules      []string
	Audience   []string
	Rows       []proctorRow
	Started    int // attempts
	Writing    int
	Finished   int
	People     int // who finished at least once
	Passed     int // who passed at least once
	PassRate   string
	Stats      []proctorStat
	Flagged    int
	Graded     int
	FewSamples bool
	MinSample  int
	BlurAlert  int
	Author     bool
}

// proctorBlurAlert is how many times leaving the exam page gets highlighted.
const proctorBlurAlert = 3

// proctorStatus names where an attempt stands.
func proctorStatus(a exam.AttemptRowView) (string, string) {
	switch {
	case a.FinishedAt == nil && a.RemainingMS <= 0:
		return "已到时，待自动交卷", "badge-warn"
	case a.FinishedAt == nil:
		return "作答中", "badge-info"
	case a.Auto:
		return "到时自动交卷", "badge"
	}
	return "已交卷", "badge-ok"
}

// proctorClock writes a remaining time as 1:02:03 or 12:34.
func proctorClock(ms int64) string {
	sec := max(ms, 0) / 1000
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec%3600/60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

func (s *Server) proctorPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p, ctx := principal(c), c.Request.Context()
	v, err := s.deps.Exams.ExamFor(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	attempts, err := s.deps.Exams.ExamAttempts(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	stats, err := s.deps.Exams.Stats(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := proctorData{E: s.staffExamRowOf(v), MinSample: exam.StatsMinSample, BlurAlert: proctorBlurAlert, Author: p.Is(account.RoleAdmin, account.RoleTrainer),
		Issuer: p.Is(account.RoleAdmin, account.RoleRegulator)}
	if k, ok := s.deps.Certs.Kinds().Get(v.AwardsKind); ok {
		d.Awards = k.Name
	}
	table := s.deps.Courses.Table()
	for _, rid := range v.RequiredRules {
		if r, ok := table.Rule(rid); ok {
			d.Rules = append(d.Rules, r.Label+"（"+r.Hours.String()+" 学时）")
		} else {
			d.Rules = append(d.Rules, rid)
		}
	}
	for _, code := range v.Audience.Categories {
		label := code
		for _, cat := range roster.Categories() {
			if cat.Code() == code {
				label = cat.Label()
			}
		}
		d.Audience = append(d.Audience, label)
	}
	finished, passed := map[uint]bool{}, map[uint]bool{}
	for _, a := range attempts {
		r := proctorRow{AttemptRowView: a, Percent: proctorPercent(a.Answered, a.Items), BlurWarn: a.Blurs >= proctorBlurAlert}
		r.Status, r.StatusBadge = proctorStatus(a)
		d.Started++
		if a.FinishedAt == nil {
			d.Writing++
			r.TimeLeft = proctorClock(a.RemainingMS)
		} else {
			d.Finished++
			finished[a.PersonID] = true
			r.TimeLeft = "—"
			r.ScoreText = a.Score.String()
			r.PassText, r.PassBadge = "不合格", "badge-bad"
			if a.Passed {
				passed[a.PersonID] = true
				r.PassText, r.PassBadge = "合格", "badge-ok"
			}
		}
		d.Rows = append(d.Rows, r)
	}
	d.People, d.Passed = len(finished), len(passed)
	d.PassRate = "—"
	if d.People > 0 {
		d.PassRate = fmt.Sprintf("%.1f%%", float64(d.Passed)*100/float64(d.People))
	}
	for _, sec := range v.Sections {
		d.Sections = append(d.Sections, proctorSection{SectionView: sec, Subtotal: exam.Points(sec.Count) * sec.Points})
	}
	for _, st := range stats {
		if st.NeedsReview {
			d.Flagged++
		}
		d.Stats = append(d.Stats, proctorStat{QuestionStat: st, FacilityText: fmt.Sprintf("%.0f%%", st.Facility*100),
			DiscText: fmt.Sprintf("%.2f", st.Discrimination)})
	}
	// The analysis counts the finished attempts (practice is not analysed).
	d.Graded = d.Finished
	d.FewSamples = d.Graded < exam.StatsMinSample
	s.render(c, http.StatusOK, "exam_proctor", "监考与成绩："+v.Title, d)
}

// proctorPercent is n of d in whole percent, 0 to 100.
func proctorPercent(n, d int) int {
	if d <= 0 {
		return 0
	}
	return min(100, max(0, n*100/d))
}
