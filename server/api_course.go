package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
	"anpei/media"
)

var (
	authors  = adminsOf(account.RoleAdmin, account.RoleTrainer)
	learners = adminsOf(account.RoleLearner)
)

// mediaRoutes take large multipart uploads (Config.MaxMedia).
var mediaRoutes = map[string]bool{
	"/api/v1/courses/:id/lessons":               true,
	"/api/v1/enterprises/:id/offline-trainings": true,
}

func (s *Server) registerCourses() {
	s.handle(route{Method: "GET", Path: "/api/v1/courses", Access: anyone, Summary: "课程列表（学员只见适用于本人的已发布课程；培训教师含草稿）",
		Resp: list[course.CourseView]{}, Query: []string{"q", "category", "status", "limit", "offset"}}, s.listCourses)
	s.handle(route{Method: "POST", Path: "/api/v1/courses", Access: authors, Summary: "新建课程（草稿）", Req: course.CourseInput{}, Resp: course.CourseView{}, Created: true}, s.createCourse)
	s.handle(route{Method: "GET", Path: "/api/v1/courses/:id", Access: anyone, Summary: "课程详情（?draft=1 培训教师查看草稿）", Resp: course.CourseView{}, Query: []string{"draft"}}, s.getCourse)
	s.handle(route{Method: "PATCH", Path: "/api/v1/courses/:id", Access: authors, Summary: "修改课程（修改草稿；已发布课程另建新版本草稿）", Req: course.CourseInput{}, Resp: course.CourseView{}}, s.updateCourse)
	s.handle(route{Method: "POST", Path: "/api/v1/courses/:id/publish", Access: authors, Summary: "发布课程草稿为新版本", Resp: course.CourseView{}}, s.publishCourse)
	s.handle(route{Method: "POST", Path: "/api/v1/courses/:id/lessons", Access: authors,
		Summary: "添加课时（multipart：title、kind=video|document|text、minutes、body、file；图文课时也可用 JSON）", Req: lessonReq{}, Resp: course.Lesson{}, Created: true}, s.addLesson)
	s.handle(route{Method: "PATCH", Path: "/api/v1/courses/:id/lessons/:lesson", Access: authors, Summary: "修改草稿课时（名称、顺序、学习时长）", Req: course.LessonPatch{}}, s.patchLesson)
	s.handle(route{Method: "DELETE", Path: "/api/v1/courses/:id/lessons/:lesson", Access: authors, Summary: "删除草稿课时"}, s.deleteLesson)
	s.handle(route{Method: "GET", Path: "/api/v1/lessons/:id", Access: anyone, Summary: "课时内容（图文正文、文件信息）", Resp: lessonJSON{}}, s.getLesson)
	s.handle(route{Method: "GET", Path: "/api/v1/lessons/:id/media", Access: anyone, Summary: "课时的视频或文档文件（支持 Range 分段请求）"}, s.lessonMedia)
	s.handle(route{Method: "POST", Path: "/api/v1/lessons/:id/playback", Access: learners, Summary: "开始学习一个课时（播放会话；其他设备上的会话不再计时）", Resp: course.PlaybackStart{}, Created: true}, s.startPlayback)
	s.handle(route{Method: "POST", Path: "/api/v1/playback/:id/heartbeat", Access: learners, Summary: "学习心跳（序号、播放位置、签名）", Req: heartbeatReq{}, Resp: course.BeatResult{}}, s.heartbeat)
	s.handle(route{Method: "POST", Path: "/api/v1/playback/:id/challenge", Access: learners, Summary: "回答在线确认", Req: answerReq{}}, s.answerChallenge)
	s.handle(route{Method: "GET", Path: "/api/v1/me/plan", Access: learners, Summary: "我的培训计划（各项要求的应完成与已完成学时）", Resp: course.Plan{}}, s.myPlan)
	s.handle(route{Method: "GET", Path: "/api/v1/people/:id/hours", Access: adminsOf(account.RoleAdmin, account.RoleRegulator, account.RoleEnterpriseAdmin, account.RoleLearner),
		Summary: "人员学时台账（线上、线下、未计入时间及原因、培训计划）", Resp: course.HoursSummary{}}, s.personHours)
	offline := adminsOf(account.RoleAdmin, account.RoleEnterpriseAdmin)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises/:id/offline-trainings", Access: offline.with(account.RoleRegulator), Summary: "企业线下培训记录",
		Resp: list[course.OfflineView]{}, Query: []string{"limit", "offset"}}, s.listOffline)
	s.handle(route{Method: "POST", Path: "/api/v1/enterprises/:id/offline-trainings", Access: offline,
		Summary: "登记线下培训（三级安全教育等；multipart 字段同 JSON，person_ids 逗号分隔，sheet 为签到表扫描件）", Req: offlineReq{}, Resp: course.OfflineView{}, Created: true}, s.recordOffline)
	s.handle(route{Method: "GET", Path: "/api/v1/offline-trainings/:id/sheet", Access: offline.with(account.RoleRegulator), Summary: "线下培训签到表扫描件"}, s.offlineSheet)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises/:id/behind", Access: offline.with(account.RoleRegulator), Summary: "本企业未完成培训要求的人员（谁、差什么、何时到期）",
		Resp: list[course.BehindRow]{}}, s.behind)
	s.handle(route{Method: "GET", Path: "/api/v1/enterprises/:id/behind.xlsx", Access: offline.with(account.RoleRegulator), Summary: "导出未完成培训人员（xlsx）"}, s.exportBehind)
}

func (s *Server) listCourses(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, err := s.deps.Courses.Courses(c.Request.Context(), principal(c), course.CourseFilter{
		Q: c.Query("q"), Category: c.Query("category"), Status: c.Query("status"), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[course.CourseView]{Items: rows, Total: total})
}

func (s *Server) createCourse(c *gin.Context) {
	var in course.CourseInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Courses.CreateCourse(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (s *Server) getCourse(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Courses.Course(c.Request.Context(), principal(c), id, c.Query("draft") == "1")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) updateCourse(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in course.CourseInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Courses.UpdateCourse(c.Request.Context(), principal(c), id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) publishCourse(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.deps.Courses.Publish(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// lessonReq documents the fields of a new lesson (multipart or JSON).
type lessonReq struct {
	Title   string `json:"title"`
	Kind    string `json:"kind"`
	Minutes int    `json:"minutes"`
	Body    string `json:"body"`
}

var errNoMedia = fault.Field("file_required", "file", "请选择要上传的文件")

// multipartForm reads a multipart body part by part: each file part named
// fileField streams into the media store (never into memory), other parts
// are small text fields.
func (s *Server) multipartForm(c *gin.Context, fileField string, kinds ...media.Kind) (map[string]string, *media.Info, string, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, nil, "", errNoMedia
	}
	fields := map[string]string{}
	var info *media.Info
	var name string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isMaxBytes(err) {
				return nil, nil, "", s.tooLargeMedia()
			}
			return nil, nil, "", fault.New(fault.Invalid, "bad_multipart", "上传内容不完整，请重新上传")
		}
		if part.FormName() == fileField && part.FileName() != "" {
			in, err := s.deps.Media.Put(c.Request.Context(), part, s.cfg.MaxMedia, kinds...)
			if err != nil {
				if isMaxBytes(err) {
					return nil, nil, "", s.tooLargeMedia()
				}
				return nil, nil, "", err
			}
			info, name = &in, part.FileName()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 1<<20+1))
		if err != nil {
			if isMaxBytes(err) {
				return nil, nil, "", s.tooLargeMedia()
			}
			return nil, nil, "", fault.New(fault.Invalid, "bad_multipart", "上传内容不完整，请重新上传")
		}
		if len(b) > 1<<20 {
			return nil, nil, "", fault.Field("field_too_large", part.FormName(), "字段内容过长")
		}
		fields[part.FormName()] = string(b)
	}
	return fields, info, name, nil
}

func (s *Server) tooLargeMedia() error {
	return fault.New(fault.TooLarge, "media_too_large", "文件超过 "+strconv.FormatInt(s.cfg.MaxMedia>>20, 10)+" MB 上限，请压缩后重新上传")
}

func (s *Server) addLesson(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var in course.LessonInput
	if strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/") {
		fields, info, name, err := s.multipartForm(c, "file", media.Video, media.Document)
		if err != nil {
			s.fail(c, err)
			return
		}
		in = course.LessonInput{Title: fields["title"], Kind: course.LessonKind(fields["kind"]), Body: fields["body"], Media: info, MediaName: name}
		if m := strings.TrimSpace(fields["minutes"]); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil {
				s.fail(c, fault.Field("bad_field_type", "minutes", "学习时长应为整数分钟"))
				return
			}
			in.Minutes = n
		}
	} else {
		var req lessonReq
		if err := decode(c, &req); err != nil {
			s.fail(c, err)
			return
		}
		in = course.LessonInput{Title: req.Title, Kind: course.LessonKind(req.Kind), Body: req.Body, Minutes: req.Minutes}
	}
	l, err := s.deps.Courses.AddLesson(c.Request.Context(), principal(c), id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, l)
}

func lessonIDs(c *gin.Context) (uint, uint, error) {
	id, err := idParam(c)
	if err != nil {
		return 0, 0, err
	}
	lesson, err := parseID(c.Param("lesson"))
	return id, lesson, err
}

func (s *Server) patchLesson(c *gin.Context) {
	id, lesson, err := lessonIDs(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var patch course.LessonPatch
	if err := decode(c, &patch); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Courses.UpdateLesson(c.Request.Context(), principal(c), id, lesson, patch); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) deleteLesson(c *gin.Context) {
	id, lesson, err := lessonIDs(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Courses.DeleteLesson(c.Request.Context(), principal(c), id, lesson); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type lessonJSON struct {
	course.LessonView
	CourseID uint   `json:"course_id"`
	Version  int    `json:"version"`
	Status   string `json:"status"`
	Body     string `json:"body,omitempty"`
	MediaURL string `json:"media_url,omitempty"`
}

func (s *Server) getLesson(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	l, v, err := s.deps.Courses.LessonFor(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toLessonJSON(l, v))
}

func toLessonJSON(l course.Lesson, v course.Version) lessonJSON {
	out := lessonJSON{LessonView: course.LessonView{ID: l.ID, Position: l.Position, Title: l.Title, Kind: l.Kind, KindLabel: l.Kind.Label(),
		DurationMS: l.DurationMS, MediaMIME: l.MediaMIME, MediaName: l.MediaName, MediaSize: l.MediaSize, Pages: l.Pages},
		CourseID: v.CourseID, Version: v.Number, Status: string(v.Status), Body: l.Body}
	if l.MediaSHA != "" {
		out.MediaURL = "/api/v1/lessons/" + strconv.FormatUint(uint64(l.ID), 10) + "/media"
	}
	return out
}

func (s *Server) lessonMedia(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	l, _, err := s.deps.Courses.LessonFor(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if l.MediaSHA == "" {
		s.fail(c, course.ErrLessonNotFound)
		return
	}
	info := media.Info{SHA256: l.MediaSHA, MIME: l.MediaMIME, Size: l.MediaSize, Kind: media.Video}
	if l.Kind == course.KindDocument {
		info.Kind = media.Document
	}
	name := l.MediaName
	if name == "" {
		name = l.Title
	}
	frameable(c)
	if err := s.deps.Media.Serve(c.Writer, c.Request, info, name); err != nil {
		s.fail(c, err)
	}
}

func (s *Server) startPlayback(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.deps.Courses.StartPlayback(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, out)
}

type heartbeatReq struct {
	Seq        uint64 `json:"seq"`
	PositionMS int64  `json:"position_ms"`
	Playing    bool   `json:"playing"`
	Token      string `json:"token"`
}

func (s *Server) heartbeat(c *gin.Context) {
	var req heartbeatReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.PositionMS < 0 {
		s.fail(c, fault.Field("heartbeat_invalid", "position_ms", "播放位置不能为负数"))
		return
	}
	hb := course.Heartbeat{Seq: req.Seq, Position: msDuration(req.PositionMS), Playing: req.Playing, Token: req.Token}
	res, err := s.deps.Courses.Heartbeat(c.Request.Context(), principal(c), c.Param("id"), hb)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

type answerReq struct {
	ChallengeID string `json:"challenge_id"`
	Code        string `json:"code"`
}

func (s *Server) answerChallenge(c *gin.Context) {
	var req answerReq
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Courses.Answer(c.Request.Context(), principal(c), c.Param("id"), req.ChallengeID, req.Code); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) myPlan(c *gin.Context) {
	plan, err := s.deps.Courses.PlanOf(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, plan)
}

func (s *Server) personHours(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	sum, err := s.deps.Courses.HoursOf(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}

// offlineReq documents an offline training record (JSON or multipart).
type offlineReq struct {
	Category  string `json:"category"`
	Date      string `json:"date"`
	Minutes   int    `json:"minutes"`
	Content   string `json:"content"`
	Teacher   string `json:"teacher"`
	Place     string `json:"place"`
	PersonIDs []uint `json:"person_ids"`
}

func (s *Server) recordOffline(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := course.OfflineInput{EnterpriseID: id}
	if strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/") {
		if p := principal(c); !(p.Role == account.RoleAdmin || p.EnterpriseID == id) {
			s.fail(c, course.ErrForbidden) // before anything is stored
			return
		}
		fields, info, _, err := s.multipartForm(c, "sheet", media.Document, media.Image)
		if err != nil {
			s.fail(c, err)
			return
		}
		in.Category, in.Date, in.Content, in.Teacher, in.Place, in.Sheet = fields["category"], fields["date"], fields["content"], fields["teacher"], fields["place"], info
		var d []fault.Detail
		if m := strings.TrimSpace(fields["minutes"]); m != "" {
			if in.Minutes, err = strconv.Atoi(m); err != nil {
				d = append(d, fault.Detail{Field: "minutes", Message: "培训时长应为整数分钟"})
			}
		}
		for _, f := range strings.FieldsFunc(fields["person_ids"], func(r rune) bool { return r == ',' || r == ' ' }) {
			pid, err := strconv.ParseUint(f, 10, 32)
			if err != nil || pid == 0 {
				d = append(d, fault.Detail{Field: "person_ids", Message: "人员编号“" + f + "”无效"})
				continue
			}
			in.PersonIDs = append(in.PersonIDs, uint(pid))
		}
		if len(d) > 0 {
			s.fail(c, course.ErrInvalidOffline.WithDetails(d...))
			return
		}
	} else {
		var req offlineReq
		if err := decode(c, &req); err != nil {
			s.fail(c, err)
			return
		}
		in.Category, in.Date, in.Minutes, in.Content, in.Teacher, in.Place, in.PersonIDs = req.Category, req.Date, req.Minutes, req.Content, req.Teacher, req.Place, req.PersonIDs
	}
	v, err := s.deps.Courses.RecordOffline(c.Request.Context(), principal(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (s *Server) listOffline(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, offset, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, err := s.deps.Courses.OfflineRecords(c.Request.Context(), principal(c), id, limit, offset)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[course.OfflineView]{Items: rows, Total: total})
}

func (s *Server) offlineSheet(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.deps.Courses.OfflineSheet(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	kind := media.Image
	if r.SheetMIME == "application/pdf" {
		kind = media.Document
	}
	frameable(c)
	if err := s.deps.Media.Serve(c.Writer, c.Request, media.Info{SHA256: r.SheetSHA, MIME: r.SheetMIME, Kind: kind}, "签到表-"+r.Date.Format("2006-01-02")); err != nil {
		s.fail(c, err)
	}
}

func (s *Server) behind(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.deps.Courses.Behind(c.Request.Context(), principal(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list[course.BehindRow]{Items: rows, Total: int64(len(rows))})
}

func (s *Server) exportBehind(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf strings.Builder
	if err := s.deps.Courses.ExportBehind(c.Request.Context(), principal(c), id, &buf); err != nil {
		s.fail(c, err)
		return
	}
	attachment(c, "未完成培训人员.xlsx")
	c.Data(http.StatusOK, xlsxType, []byte(buf.String()))
}

// frameable lets our own pages show a served file in a frame (a PDF lesson
// or sign-in sheet). The response is the file alone, served with nosniff.
func frameable(c *gin.Context) {
	c.Header("Content-Security-Policy", "frame-ancestors 'self'")
	c.Header("X-Frame-Options", "SAMEORIGIN")
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
