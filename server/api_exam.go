package server

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/exam"
	"anpei/fault"
	"anpei/roster"
)

var examStaff = adminsOf(account.RoleAdmin, account.RoleTrainer, account.RoleRegulator)

func (s *Server) registerExams() {
	s.handle(route{Method: "GET", Path: "/api/v1/questions", Access: authors, Summary: "题库（含答案，仅培训教师和管理员）",
		Resp: list[exam.QuestionView]{}, Query: []string{"type", "category", "status", "q", "limit", "offset"}}, s.listQuestions)
	s.handle(route{Method: "POST", Path: "/api/v1/questions/import", Access: authors,
		Summary: "导入试题（multipart 字段 file：xlsx、GIFT 或 Aiken；?dry_run=1 仅预检；?format=xlsx|gift|aiken；?default_category=；?status=active|draft）",
		Resp:    exam.ImportReport{}, Query: []string{"dry_run", "format", "default_category", "status"}}, s.importQuestions)
	s.handle(route{Method: "GET", Path: "/api/v1/questions/template.xlsx", Access: authors, Summary: "下载试题导入模板（xlsx）"}, s.questionTemplate)
	s.handle(route{Method: "GET", Path: "/api/v1/questions/export.xlsx", Access: authors, Summary: "导出题库（xlsx，与导入格式相同）"}, s.exportQuestions)
	s.handle(route{Method: "PATCH", Path: "/api/v1/questions/:id", Access: authors, Summary: "启用、停用试题", Req: questionPatch{}}, s.patchQuestion)
	s.handle(route{Method: "GET", Path: "/api/v1/exams", Access: anyone, Summary: "考试与模拟练习（学员只见本人适用的，并附本人可否参加及原因）",
		Resp: list[exam.ExamView]{}, Query: []string{"practice", "limit", "offset"}}, s.listExams)
	s.handle(route{Method: "POST", Path: "/api/v1/exams", Access: authors, Summary: "新建考试场次或模拟练习（组卷方案须能从现有题库抽满）",
		Req: exam.ExamInput{}, Resp: exam.ExamView{}, Created: true}, s.createExam)
	s.handle(route{Method: "GET", Path: "/api/v1/exams/:id", Access: anyone, Summary: "考试详情", Resp: exam.ExamView{}}, s.getExam)
	s.handle(route{Method: "POST", Path: "/api/v1/exams/:id/attempts", Access: learners,
		Summary: "开始考试或继续未交卷的答卷（返回试题与截止时间，不含答案）", Resp: exam.AttemptOut{}}, s.startAttempt)
	s.handle(route{Method: "GET", Path: "/api/v1/exams/:id/attempts", Access: examStaff, Summary: "监考与成绩：答卷列表（进度、剩余时间、离开页面次数、得分）",
		Resp: list[exam.AttemptRowView]{}}, s.examAttempts)
	s.handle(route{Method: "GET", Path: "/api/v1/exams/:id/results.xlsx", Access: examStaff, Summary: "导出考试成绩（xlsx）"}, s.exportResults)
	s.handle(route{Method: "GET", Path: "/api/v1/exams/:id/stats", Access: examStaff, Summary: "试题分析（通过率、区分度、需要复核的试题）",
		Resp: list[exam.QuestionStat]{}}, s.examStats)
	s.handle(route{Method: "GET", Path: "/api/v1/attempts/:id", Access: learners, Summary: "答卷（交卷前只有试题和已保存的答案；交卷后有成绩，按考试规定显示解析）", Resp: exam.AttemptOut{}}, s.getAttempt)
	s.handle(route{Method: "PUT", Path: "/api/v1/attempts/:id/answers/:question_id", Access: learners,
		Summary: "保存一题的答案（question_id 为题号；幂等，以最后一次为准）", Req: answerSave{}, Resp: exam.Saved{}}, s.saveAnswer)
	s.handle(route{Method: "POST", Path: "/api/v1/attempts/:id/submit", Access: learners, Summary: "交卷（返回得分与是否合格）", Resp: exam.AttemptOut{}}, s.submitAttempt)
	s.handle(route{Method: "POST", Path: "/api/v1/attempts/:id/events", Access: learners, Summary: "报告考试页面事件（blur：离开页面）", Req: attemptEvent{}}, s.attemptEvent)
	s.handle(route{Method: "GET", Path: "/api/v1/me/wrongbook", Access: learners, Summary: "我的错题本", Resp: list[exam.WrongItem]{}}, s.wrongBook)
	s.handle(route{Method: "POST", Path: "/api/v1/me/wrongbook/retry", Access: learners, Summary: "错题再练一遍（由错题组成练习卷）", Resp: exam.AttemptOut{}}, s.retryWrong)
}

func (s *Server) listQuestions(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, err := s.deps.Exams.Questions(c.Request.Context(), principal(c), exam.QuestionFilter{
		Type: c.Query("type"), Category: c.Query("category"), Status: c.Query("status"), Q: c.Query("q"), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[exam.QuestionView]{Items: rows, Total: total})
}

var errNoBank = fault.Field("file_required", "file", "请选择要导入的题库文件（xlsx、GIFT 或 Aiken 文本）")

func (s *Server) importQuestions(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		if isMaxBytes(err) {
			s.fail(c, exam.ErrImportTooLarge)
			return
		}
		s.fail(c, errNoBank)
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.fail(c, fault.Wrap(err, "open upload"))
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxUpload+1))
	if err != nil {
		s.fail(c, fault.Wrap(err, "read upload"))
		return
	}
	resolve, err := s.audienceResolver(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	lim := exam.Limits{ImportOptions: exam.ImportOptions{DefaultCategory: c.Query("default_category"), Resolve: resolve}}
	switch c.Query("status") {
	case "", "draft":
	case "active":
		lim.DefaultStatus = exam.StatusActive
	default:
		s.fail(c, fault.Field("question_status_invalid", "status", "status 只能是 draft 或 active"))
		return
	}
	parsed, err := exam.Parse(exam.Format(c.Query("format")), bytes.NewReader(body), int64(len(body)), lim)
	if err != nil {
		s.fail(c, err)
		return
	}
	dry := c.Query("dry_run") == "1" || c.Query("dry_run") == "true"
	rep, err := s.deps.Exams.ImportQuestions(c.Request.Context(), principal(c), parsed, dry)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// audienceResolver reads the audience cells of a question file: person
// categories, industries and operation items by code, by name, or as
// "code name" (the template's examples).
func (s *Server) audienceResolver(c *gin.Context) (func(exam.AudienceKind, string) (string, bool), error) {
	ctx := c.Request.Context()
	industries, err := s.deps.Roster.Industries(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.deps.Roster.OperationItems(ctx)
	if err != nil {
		return nil, err
	}
	names := map[exam.AudienceKind]map[string]string{exam.AudienceIndustry: {}, exam.AudienceItem: {}}
	for _, in := range industries {
		names[exam.AudienceIndustry][in.Code], names[exam.AudienceIndustry][in.Name] = in.Code, in.Code
	}
	for _, it := range items {
		names[exam.AudienceItem][it.Code], names[exam.AudienceItem][it.Name] = it.Code, it.Code
		names[exam.AudienceItem][it.Code+" "+it.Name] = it.Code
	}
	return func(kind exam.AudienceKind, text string) (string, bool) {
		text = strings.TrimSpace(text)
		if kind == exam.AudiencePersonCategory {
			cat, ok := roster.ParseCategory(text)
			return cat.Code(), ok
		}
		if code, ok := names[kind][text]; ok {
			return code, true
		}
		if first, _, ok := strings.Cut(text, " "); ok {
			code, ok := names[kind][first]
			return code, ok
		}
		return "", false
	}, nil
}

func (s *Server) questionTemplate(c *gin.Context) {
	b, err := exam.Template()
	if err != nil {
		s.fail(c, fault.Wrap(err, "question template"))
		return
	}
	attachment(c, "试题导入模板.xlsx")
	c.Data(http.StatusOK, xlsxType, b)
}

func (s *Server) exportQuestions(c *gin.Context) {
	qs, err := s.deps.Exams.ExportQuestions(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := exam.Export(qs, &buf); err != nil {
		s.fail(c, fault.Wrap(err, "export questions"))
		return
	}
	attachment(c, "题库.xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}

type questionPatch struct {
	Status exam.Status `json:"status"`
}

func (s *Server) patchQuestion(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req questionPatch
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Exams.SetQuestionStatus(c.Request.Context(), principal(c), id, req.Status); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listExams(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var practice *bool
	if v := c.Query("practice"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(c, fault.Field("bad_query", "practice", "practice 只能是 true 或 false"))
			return
		}
		practice = &b
	}
	rows, total, err := s.deps.Exams.Exams(c.Request.Context(), principal(c), practice, limit, offset)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[exam.ExamView]{Items: rows, Total: total})
}

func (s *Server) createExam(c *gin.Context) {
	var in exam.ExamInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Exams.CreateExam(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (s *Server) getExam(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Exams.ExamFor(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func noStore(c *gin.Context) { c.Header("Cache-Control", "no-store") }

func (s *Server) startAttempt(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.deps.Exams.Start(c.Request.Context(), principal(c), id, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}

func (s *Server) getAttempt(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.deps.Exams.Attempt(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}

type answerSave struct {
	Choice []string `json:"choice"`
}

func (s *Server) saveAnswer(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	no, err := strconv.Atoi(c.Param("question_id"))
	if err != nil || no < 1 {
		s.fail(c, fault.Field("bad_path", "question_id", "题号应为正整数"))
		return
	}
	var req answerSave
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.deps.Exams.SaveAnswer(c.Request.Context(), principal(c), id, no, req.Choice)
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}

func (s *Server) submitAttempt(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.deps.Exams.Submit(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}

type attemptEvent struct {
	Kind string `json:"kind"`
}

func (s *Server) attemptEvent(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req attemptEvent
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Exams.Event(c.Request.Context(), principal(c), id, req.Kind); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) examAttempts(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.deps.Exams.ExamAttempts(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[exam.AttemptRowView]{Items: rows, Total: int64(len(rows))})
}

func (s *Server) exportResults(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.deps.Exams.ExportResults(c.Request.Context(), principal(c), id, &buf); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "考试成绩.xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}

func (s *Server) examStats(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.deps.Exams.Stats(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[exam.QuestionStat]{Items: rows, Total: int64(len(rows))})
}

func (s *Server) wrongBook(c *gin.Context) {
	rows, err := s.deps.Exams.WrongBookOf(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[exam.WrongItem]{Items: rows, Total: int64(len(rows))})
}

func (s *Server) retryWrong(c *gin.Context) {
	out, err := s.deps.Exams.Retry(c.Request.Context(), principal(c), c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, out)
}
