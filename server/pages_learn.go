package server

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
	"anpei/hours"
	"anpei/lecture"
)

// registerLearnPages registers the learner's pages: 我的学习, the course
// catalogue and course pages, and the lesson player.
func (s *Server) registerLearnPages() {
	s.handle(route{Method: "GET", Path: "/learn", Access: learners, Page: true}, s.learnPage)
	s.handle(route{Method: "GET", Path: "/courses", Access: anyone, Page: true}, s.coursesPage)
	s.handle(route{Method: "GET", Path: "/courses/:id", Access: anyone, Page: true}, s.coursePage)
	s.handle(route{Method: "GET", Path: "/lessons/:id", Access: anyone, Page: true}, s.lessonPage)
}

// learnCourseLimit is how many of "my courses" 我的学习 lists before
// linking to the catalogue.
const learnCourseLimit = 50

// learnRequirement is a requirement of the plan as its card shows it.
type learnRequirement struct {
	course.RequirementView
	Tone       string // ok, warn, bad, info: the badge and bar colour
	Categories []string
}

// learnData is the 我的学习 page.
type learnData struct {
	Plan         course.Plan
	Requirements []learnRequirement
	Hours        course.HoursSummary
	Courses      []course.CourseView
	CourseTotal  int64
	// Excluded says in sentences what time was not credited and why;
	// paused time is left out (nothing was refused).
	Excluded []string
	// Live are the live lectures for the learner running now or starting
	// within a week.
	Live []lecture.View
}

// statusTone is the colour of a requirement's status: green done, amber
// due soon, red overdue, blue in progress (always with its text label).
func statusTone(st hours.Status) string {
	switch st {
	case hours.StatusDone:
		return "ok"
	case hours.StatusDueSoon:
		return "warn"
	case hours.StatusOverdue:
		return "bad"
	}
	return "info"
}

func (s *Server) learnPage(c *gin.Context) {
	p := principal(c)
	ctx := c.Request.Context()
	if p.PersonID == 0 {
		s.renderErr(c, course.ErrNotLearner)
		return
	}
	sum, err := s.deps.Courses.HoursOf(ctx, p, p.PersonID) // the ledger summary carries the plan
	if err != nil {
		s.renderErr(c, err)
		return
	}
	plan := sum.Plan
	rows, total, err := s.deps.Courses.Courses(ctx, p, course.CourseFilter{Limit: learnCourseLimit})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	table := s.deps.Courses.Table()
	d := learnData{Plan: plan, Hours: sum, Courses: rows, CourseTotal: total}
	for _, r := range plan.Requirements {
		lr := learnRequirement{RequirementView: r, Tone: statusTone(r.Status)}
		for _, code := range r.Categories {
			if l := table.CourseCategoryLabel(code); l != "" {
				lr.Categories = append(lr.Categories, l)
			}
		}
		d.Requirements = append(d.Requirements, lr)
	}
	for _, e := range sum.Excluded {
		if e.Reason != course.ReasonPaused {
			d.Excluded = append(d.Excluded, e.Message)
		}
	}
	if s.deps.Lectures != nil {
		if d.Live, err = s.deps.Lectures.Upcoming(ctx, p, 7*24*time.Hour); err != nil {
			s.renderErr(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "learn", "我的学习", d)
}

// coursesData is the catalogue page.
type coursesData struct {
	Rows       []course.CourseView
	Total      int64
	Query      map[string]string
	Categories []hours.CourseCategory
	Pager      pager
	Learner    bool
	Author     bool
}

func (s *Server) coursesPage(c *gin.Context) {
	limit, offset, err := page(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	author := p.Is(account.RoleAdmin, account.RoleTrainer)
	f := course.CourseFilter{Q: strings.TrimSpace(c.Query("q")), Category: c.Query("category"), Limit: limit, Offset: offset}
	if author {
		switch st := c.Query("status"); st {
		case "", "draft", "published":
			f.Status = st
		default:
			s.renderErr(c, errBadCourseStatus)
			return
		}
	}
	rows, total, err := s.deps.Courses.Courses(c.Request.Context(), p, f)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	title := "课程"
	if author {
		title = "课程管理"
	}
	s.render(c, http.StatusOK, "courses", title, coursesData{Rows: rows, Total: total,
		Query:      map[string]string{"q": f.Q, "category": f.Category, "status": f.Status},
		Categories: s.deps.Courses.Table().CourseCategories(), Pager: newPager(c, total, limit, offset),
		Learner: p.Role == account.RoleLearner, Author: author})
}

// errBadCourseStatus: the status filter is not one the page offers.
var errBadCourseStatus = fault.Field("bad_status", "status", "课程状态筛选条件不正确，请从列表中选择")

// coursePageData is a course's page.
type coursePageData struct {
	C       course.CourseView
	Learner bool
	Author  bool
	Draft   bool // an author looks at the draft
	// Next is the first lesson the learner has not completed.
	Next *course.LessonView
}

func (s *Server) coursePage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	author := p.Is(account.RoleAdmin, account.RoleTrainer)
	v, err := s.deps.Courses.Course(c.Request.Context(), p, id, author && c.Query("draft") == "1")
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := coursePageData{C: v, Learner: p.Role == account.RoleLearner, Author: author, Draft: v.Status == course.StatusDraft}
	if d.Learner {
		for i := range v.Lessons {
			if !v.Lessons[i].Completed {
				d.Next = &v.Lessons[i]
				break
			}
		}
	}
	s.render(c, http.StatusOK, "course", v.Title, d)
}

// lessonPageData is the player page.
type lessonPageData struct {
	// Overlays are the screen shares of a live lecture's replay, played
	// over the video in sync.
	Overlays    []overlay
	L           course.Lesson
	KindLabel   string
	CourseID    uint
	CourseTitle string
	Status      course.VersionStatus
	// Body is the lesson's HTML, sanitized by the course store when it was
	// saved; nothing else on the page is trusted as HTML.
	Body     template.HTML
	MediaURL string
	// Credit: the viewer is a learner and the lesson belongs to the
	// published version, so the player opens a playback session.
	Credit  bool
	Learner bool
	// Outdated: the course was republished; this lesson is no longer taught.
	Outdated   bool
	Prev, Next *course.LessonView
	CreditedMS int64
	Completed  bool
}

func (s *Server) lessonPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p := principal(c)
	ctx := c.Request.Context()
	l, v, err := s.deps.Courses.LessonFor(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := lessonPageData{L: l, KindLabel: l.Kind.Label(), CourseID: v.CourseID, CourseTitle: v.Title, Status: v.Status,
		Learner: p.Role == account.RoleLearner, Outdated: v.Status == course.StatusRetired}
	d.Credit = d.Learner && v.Status == course.StatusPublished
	switch l.Kind {
	case course.KindText:
		d.Body = template.HTML(l.Body) // #nosec: sanitized by course.SanitizeHTML on save
	case course.KindVideo, course.KindDocument:
		if l.MediaSHA != "" {
			d.MediaURL = "/api/v1/lessons/" + strconv.FormatUint(uint64(l.ID), 10) + "/media"
			d.Overlays = s.replayOverlays(c.Request.Context(), l)
		}
	}
	// The course around the lesson: its title, the neighbours, and what the
	// learner has been credited. A lesson of an outdated version is not in
	// the course any more; the page says so.
	if cv, err := s.deps.Courses.Course(ctx, p, v.CourseID, v.Status == course.StatusDraft); err == nil {
		for i := range cv.Lessons {
			if cv.Lessons[i].ID != l.ID {
				continue
			}
			d.CourseTitle = cv.Title
			d.CreditedMS, d.Completed = cv.Lessons[i].CreditedMS, cv.Lessons[i].Completed
			if i > 0 {
				d.Prev = &cv.Lessons[i-1]
			}
			if i+1 < len(cv.Lessons) {
				d.Next = &cv.Lessons[i+1]
			}
		}
	}
	s.render(c, http.StatusOK, "lesson", l.Title, d)
}
