package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/exam"
	"anpei/hours"
)

// registerExamPages registers the learner's exam pages: 在线考试 (exams and
// practice papers with where the learner stands), an exam's rules and
// start, an attempt (answering with autosave and the server's countdown,
// then the result and review) and the 错题本. They are the learner's own:
// staff read exams through the API and the trainer's pages.
func (s *Server) registerExamPages() {
	s.handle(route{Method: "GET", Path: "/exams", Access: learners, Page: true}, s.examsPage)
	s.handle(route{Method: "GET", Path: "/exams/:id", Access: learners, Page: true}, s.examPage)
	s.handle(route{Method: "GET", Path: "/attempts/:id", Access: learners, Page: true}, s.attemptPage)
	s.handle(route{Method: "GET", Path: "/wrongbook", Access: learners, Page: true}, s.wrongBookPage)
}

// examListLimit is how many exams 在线考试 lists (the district runs a few
// at a time).
const examListLimit = 200

// beijingTime formats t as people read it: Beijing time to the minute.
func beijingTime(t time.Time) string { return t.In(hours.ChinaTime()).Format("2006-01-02 15:04") }

// lastValidDay is the last day a pass valid until `until` (exclusive,
// 00:00 China time) counts: "有效期至 2027-03-15".
func lastValidDay(until *time.Time) string {
	if until == nil {
		return ""
	}
	return until.Add(-time.Nanosecond).In(hours.ChinaTime()).Format("2006-01-02")
}

// examWindow says when an exam may be sat, in Beijing time.
func examWindow(v exam.ExamView) string {
	switch {
	case v.OpenAt != nil && v.CloseAt != nil:
		return beijingTime(*v.OpenAt) + " 至 " + beijingTime(*v.CloseAt) + "（北京时间）"
	case v.OpenAt != nil:
		return beijingTime(*v.OpenAt) + " 起（北京时间）"
	case v.CloseAt != nil:
		return "截至 " + beijingTime(*v.CloseAt) + "（北京时间）"
	}
	return "不限时间"
}

// reviewText says when the answers of a graded attempt may be seen.
func reviewText(v exam.ExamView) string {
	if v.Practice {
		return "每题作答后立即显示对错和解析"
	}
	switch v.ReviewPolicy {
	case exam.ReviewAfterSubmit:
		return "交卷后即可查看每题的正确答案和解析"
	case exam.ReviewNever:
		return "本场考试只公布成绩，不公布答案"
	}
	if v.CloseAt != nil {
		return "考试结束（" + beijingTime(*v.CloseAt) + "）后可查看正确答案和解析；交卷后即可查看成绩"
	}
	return "交卷后即可查看成绩；本场考试不公布答案"
}

// examSection is a part of the paper as the rules list it.
type examSection struct {
	Label  string
	Count  int
	Points exam.Points
}

// examCard is an exam or practice paper as 在线考试 and its detail page
// show it to a learner.
type examCard struct {
	V        exam.ExamView
	Total    exam.Points
	Window   string
	Review   string
	Sections []examSection
	// State is what the learner may do: start, resume, passed or refused;
	// Tone colours the badge (always with its text).
	State, Tone, StatusText string
	ValidDay                string
	Makeups                 int // attempts allowed beyond the first
}

func newExamCard(v exam.ExamView) examCard {
	c := examCard{V: v, Window: examWindow(v), Review: reviewText(v), Makeups: max(v.AttemptsAllowed-1, 0)}
	for _, sec := range v.Sections {
		c.Total += exam.Points(sec.Count) * sec.Points
		label := sec.Type.Label()
		if sec.Category != "" {
			label += "（" + sec.Category + "）"
		}
		c.Sections = append(c.Sections, examSection{Label: label, Count: sec.Count, Points: sec.Points})
	}
	me := v.Me
	switch {
	case me == nil:
		c.State, c.Tone, c.StatusText = "refused", "bad", "无法参加"
	case me.OpenAttempt != 0:
		c.State, c.Tone, c.StatusText = "resume", "warn", "未交卷，请继续作答"
	case me.Passed:
		c.ValidDay = lastValidDay(me.ValidUntil)
		c.State, c.Tone, c.StatusText = "passed", "ok", "已通过"
		if c.ValidDay != "" {
			c.StatusText = "已通过，有效期至 " + c.ValidDay
		}
	case me.CanStart:
		c.State, c.Tone, c.StatusText = "start", "info", "可以参加"
	case len(me.Unmet) > 0:
		// Something the learner can do: the hours, then the exam.
		c.State, c.Tone, c.StatusText = "refused", "warn", "完成培训学时后可参加"
	case me.Reason == exam.ErrExamNotOpen.Message && v.OpenAt != nil:
		c.State, c.Tone, c.StatusText = "refused", "info", "尚未开始，"+beijingTime(*v.OpenAt)+" 开考"
	default:
		c.State, c.Tone, c.StatusText = "refused", "bad", me.Reason
		if c.StatusText == "" {
			c.StatusText = "暂不能参加"
		}
	}
	return c
}

type examsData struct {
	Exams, Practice []examCard
}

func (s *Server) examsPage(c *gin.Context) {
	rows, _, err := s.deps.Exams.Exams(c.Request.Context(), principal(c), nil, examListLimit, 0)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	var d examsData
	for _, v := range rows {
		if v.Practice {
			d.Practice = append(d.Practice, newExamCard(v))
		} else {
			d.Exams = append(d.Exams, newExamCard(v))
		}
	}
	s.render(c, http.StatusOK, "exams", "在线考试", d)
}

func (s *Server) examPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	v, err := s.deps.Exams.ExamFor(c.Request.Context(), principal(c), id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "exam", v.Title, newExamCard(v))
}

// examOption is an option of a question; Checked is the learner's saved
// (or graded) choice, Correct is set in the review only.
type examOption struct {
	Letter, Text     string
	Checked, Correct bool
}

// examItem is a question of an attempt. Before grading it is built from
// exam.PublicItem only, so nothing on the page can give an answer away.
type examItem struct {
	No        int
	Type      exam.Type
	TypeLabel string
	Points    exam.Points
	Stem      string
	Multi     bool
	Options   []examOption
	Answered  bool
	// The review (graded attempts whose review policy allows it).
	Given, Answer string
	Correct       bool
	Partial       bool
	Earned        exam.Points
	Explanation   string
	ReviewOutcome string // 正确, 部分正确, 错误, 未作答
	ReviewTone    string // ok, warn, bad
}

// attemptData is the attempt page.
type attemptData struct {
	A        exam.AttemptOut
	Items    []examItem
	Answered int
	// Running: answers are taken; Closing: time is up and the server is
	// about to grade (within the grace for late answers).
	Running, Closing bool
	Deadline         string // RFC 3339 with milliseconds, for the page's countdown
	Clock            string // the remaining time as the countdown starts
	// Verdict is pass or fail for a graded exam, empty for practice.
	Verdict      string
	ValidDay     string
	Review       []examItem
	Wrong, Right int
	ExamHref     string
}

// clockText is a countdown's reading: "59:07", "1:59:07".
func clockText(ms int64) string {
	sec := (max(ms, 0) + 999) / 1000
	h, m, s := sec/3600, sec%3600/60, sec%60
	pad := func(n int64) string {
		if n < 10 {
			return "0" + strconv.FormatInt(n, 10)
		}
		return strconv.FormatInt(n, 10)
	}
	if h > 0 {
		return strconv.FormatInt(h, 10) + ":" + pad(m) + ":" + pad(s)
	}
	return pad(m) + ":" + pad(s)
}

// letterText is how an answer reads: letters, or 正确/错误 for a judge
// question.
func letterText(t exam.Type, options, letters []string) string {
	if len(letters) == 0 {
		return "未作答"
	}
	if t == exam.Judge {
		var out []string
		for _, l := range letters {
			if i := slices.Index(exam.Letters, l); i >= 0 && i < len(options) {
				out = append(out, options[i])
			}
		}
		return strings.Join(out, "、")
	}
	return strings.Join(letters, "")
}

func itemOf(it exam.PublicItem, chosen, correct []string) examItem {
	x := examItem{No: it.No, Type: it.Type, TypeLabel: it.Type.Label(), Points: it.Points, Stem: it.Stem,
		Multi: it.Type == exam.Multiple, Answered: len(chosen) > 0}
	for i, o := range it.Options {
		if i >= len(exam.Letters) {
			break
		}
		l := exam.Letters[i]
		x.Options = append(x.Options, examOption{Letter: l, Text: o, Checked: slices.Contains(chosen, l), Correct: slices.Contains(correct, l)})
	}
	return x
}

func (s *Server) attemptPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	// Only AttemptOut reaches the template: before grading it holds the
	// public paper and the saved answers, never the key.
	a, err := s.deps.Exams.Attempt(c.Request.Context(), principal(c), id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := attemptData{A: a, Running: !a.Finished && a.RemainingMS > 0, Closing: !a.Finished && a.RemainingMS <= 0,
		Deadline: a.Deadline.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Clock: clockText(a.RemainingMS), ValidDay: lastValidDay(a.ValidUntil)}
	if a.Passed != nil {
		d.Verdict = "fail"
		if *a.Passed {
			d.Verdict = "pass"
		}
	}
	if a.ExamID != 0 {
		d.ExamHref = "/exams/" + strconv.FormatUint(uint64(a.ExamID), 10)
	}
	if !a.Finished {
		for _, it := range a.Items {
			x := itemOf(it, a.Answers[it.No], nil)
			if x.Answered {
				d.Answered++
			}
			d.Items = append(d.Items, x)
		}
	}
	for _, r := range a.Review {
		x := itemOf(r.PublicItem, r.Given, r.Answer)
		x.Given, x.Answer = letterText(r.Type, r.Options, r.Given), letterText(r.Type, r.Options, r.Answer)
		x.Correct, x.Partial, x.Earned, x.Explanation = r.Correct, r.Partial, r.Earned, r.Explanation
		switch {
		case r.Correct:
			x.ReviewOutcome, x.ReviewTone = "正确", "ok"
		case r.Partial:
			x.ReviewOutcome, x.ReviewTone = "部分正确", "warn"
		case len(r.Given) == 0:
			x.ReviewOutcome, x.ReviewTone = "未作答", "bad"
		default:
			x.ReviewOutcome, x.ReviewTone = "错误", "bad"
		}
		if r.Correct {
			d.Right++
		} else {
			d.Wrong++
		}
		d.Review = append(d.Review, x)
	}
	s.render(c, http.StatusOK, "attempt", a.Title, d) // render sends no-store

}

// wrongItem is a question of the 错题本.
type wrongItem struct {
	exam.WrongItem
	Options    []examOption
	AnswerText string
	LastMissed string
	// ToMaster is how many more correct practice answers in a row take
	// the question out of the book.
	ToMaster int
}

func (s *Server) wrongBookPage(c *gin.Context) {
	rows, err := s.deps.Exams.WrongBookOf(c.Request.Context(), principal(c))
	if err != nil {
		s.renderErr(c, err)
		return
	}
	out := make([]wrongItem, 0, len(rows))
	for _, r := range rows {
		x := itemOf(exam.PublicItem{Type: r.Type, Stem: r.Stem, Options: r.Options}, nil, r.Answer)
		out = append(out, wrongItem{WrongItem: r, Options: x.Options, AnswerText: letterText(r.Type, r.Options, r.Answer),
			LastMissed: beijingTime(r.LastMissed), ToMaster: max(exam.MasteryStreak-r.Streak, 1)})
	}
	s.render(c, http.StatusOK, "wrongbook", "错题本", out)
}
