package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/course"
	"anpei/hours"
	"anpei/roster"
)

// registerAuthorPages registers the trainer's course editor and the
// enterprise admin's training page (who is behind, offline training).
func (s *Server) registerAuthorPages() {
	s.handle(route{Method: "GET", Path: "/courses/new", Access: authors, Page: true}, s.courseNewPage)
	s.handle(route{Method: "GET", Path: "/courses/:id/edit", Access: authors, Page: true}, s.courseEditPage)
	s.handle(route{Method: "GET", Path: "/enterprises/:id/training", Access: rosterUsers, Page: true}, s.trainingPage)
}

// itemGroup is one category of the special-operation catalogue with its
// items, for the audience picker.
type itemGroup struct {
	Code, Name string
	Items      []roster.OperationItem
	Open       bool // an item of it is chosen
}

// courseForm is what the course form (new and edit) shows.
type courseForm struct {
	C          course.CourseView
	Topics     []hours.CourseCategory // course categories by subject
	Levels     []hours.CourseCategory // 厂级, 车间级, 班组级
	PersonCats []refItem
	Industries []roster.Industry
	ItemGroups []itemGroup
	// Chosen holds the audience codes already chosen: "cat:principal",
	// "ind:<industry>", "item:<item>".
	Chosen map[string]bool
}

func (s *Server) courseFormData(ctx context.Context, v course.CourseView) (courseForm, error) {
	f := courseForm{C: v, Chosen: map[string]bool{}}
	f.Levels, f.Topics = splitLevels(s.deps.Courses.Table().CourseCategories())
	for _, c := range roster.Categories() {
		f.PersonCats = append(f.PersonCats, refItem{Code: c.Code(), Name: c.Label()})
	}
	for _, c := range v.Audience.Categories {
		f.Chosen["cat:"+c] = true
	}
	for _, c := range v.Audience.Industries {
		f.Chosen["ind:"+c] = true
	}
	for _, c := range v.Audience.Items {
		f.Chosen["item:"+c] = true
	}
	var err error
	if f.Industries, err = s.deps.Roster.Industries(ctx); err != nil {
		return f, err
	}
	cats, err := s.deps.Roster.OperationCategories(ctx)
	if err != nil {
		return f, err
	}
	items, err := s.deps.Roster.OperationItems(ctx)
	if err != nil {
		return f, err
	}
	for _, c := range cats {
		g := itemGroup{Code: c.Code, Name: c.Name}
		for _, it := range items {
			if it.CategoryCode != c.Code || !(it.Active || f.Chosen["item:"+it.Code]) {
				continue
			}
			g.Items = append(g.Items, it)
			g.Open = g.Open || f.Chosen["item:"+it.Code]
		}
		if len(g.Items) > 0 {
			f.ItemGroups = append(f.ItemGroups, g)
		}
	}
	return f, nil
}

func (s *Server) courseNewPage(c *gin.Context) {
	f, err := s.courseFormData(c.Request.Context(), course.CourseView{})
	if err != nil {
		s.renderErr(c, err)
		return
	}
	s.render(c, http.StatusOK, "course_new", "新建课程", gin.H{"Form": f})
}

// lessonRow is one lesson of the editor's list.
type lessonRow struct {
	course.LessonView
	Duration   string
	Minutes    int  // the credited minutes of a document or text lesson
	EditsTime  bool // document and text lessons take a claimed reading time
	First      bool
	Last       bool
	MediaLabel string
}

// editorData is the course editor's page.
type editorData struct {
	Form     courseForm
	Lessons  []lessonRow
	Total    string // the course's length, e.g. "12 分 30 秒"
	Banner   string
	Tone     string // alert class: alert-warn (a draft) or alert-ok
	Status   string // e.g. "草稿 v2", "已发布 v1"
	HasDraft bool
	MaxMB    int64
}

func (s *Server) courseEditPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	v, err := s.deps.Courses.Course(c.Request.Context(), principal(c), id, true)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	f, err := s.courseFormData(c.Request.Context(), v)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := editorData{Form: f, Total: spell(v.DurationMS), MaxMB: s.cfg.MaxMedia >> 20}
	d.Status, d.Banner, d.Tone, d.HasDraft = versionBanner(v)
	for i, l := range v.Lessons {
		r := lessonRow{LessonView: l, Duration: spell(l.DurationMS), First: i == 0, Last: i == len(v.Lessons)-1,
			EditsTime: l.Kind == course.KindDocument || l.Kind == course.KindText}
		if r.EditsTime {
			r.Minutes = int(l.DurationMS / time.Minute.Milliseconds())
		}
		switch l.Kind {
		case course.KindVideo:
			r.MediaLabel = l.MediaName
		case course.KindDocument:
			r.MediaLabel = l.MediaName
			if l.Pages > 0 {
				r.MediaLabel += "（" + strconv.Itoa(l.Pages) + " 页）"
			}
		}
		d.Lessons = append(d.Lessons, r)
	}
	s.render(c, http.StatusOK, "course_edit", "编辑课程："+v.Title, d)
}

// versionBanner says which version the editor shows and what learners get.
func versionBanner(v course.CourseView) (status, banner, tone string, draft bool) {
	n := strconv.Itoa(v.Version)
	if v.Status == course.StatusDraft {
		status = "草稿 v" + n
		if v.PublishedVersion == 0 {
			return status, "草稿 v" + n + "，尚未发布：学员还看不到本课程，发布后生效。", "alert-warn", true
		}
		pub := strconv.Itoa(v.PublishedVersion)
		return status, "草稿 v" + n + "，已发布 v" + pub + "：学员仍在学习 v" + pub + "，发布后生效。", "alert-warn", true
	}
	status = v.StatusLabel + " v" + n
	when := ""
	if v.PublishedAt != nil {
		when = "（" + v.PublishedAt.In(hours.ChinaTime()).Format("2006-01-02 15:04") + " 发布）"
	}
	next := strconv.Itoa(v.Version + 1)
	return status, "已发布 v" + n + when + "：学员正在学习此版本。修改课程信息或课时会生成草稿 v" + next + "，发布前学员仍学习 v" + n + "。", "alert-ok", false
}

// spell writes a length in ms in Chinese the way the learner's pages do:
// "1 小时 5 分", "12 分钟", "1 分 30 秒", "45 秒".
func spell(ms int64) string {
	sec := max(ms, 0) / 1000
	h, m, sc := sec/3600, sec%3600/60, sec%60
	switch {
	case h > 0 && m > 0:
		return strconv.FormatInt(h, 10) + " 小时 " + strconv.FormatInt(m, 10) + " 分"
	case h > 0:
		return strconv.FormatInt(h, 10) + " 小时"
	case m > 0 && sc > 0:
		return strconv.FormatInt(m, 10) + " 分 " + strconv.FormatInt(sc, 10) + " 秒"
	case m > 0:
		return strconv.FormatInt(m, 10) + " 分钟"
	}
	return strconv.FormatInt(sc, 10) + " 秒"
}

// behindRow is one row of the training page's table.
type behindRow struct {
	course.BehindRow
	Badge string // badge class by status; the status is also written out
	Due   string
}

// trainingStatuses are the statuses a requirement behind can have, most
// urgent first.
var trainingStatuses = []hours.Status{hours.StatusOverdue, hours.StatusDueSoon, hours.StatusOnTrack}

func statusBadge(st hours.Status) string {
	switch st {
	case hours.StatusOverdue:
		return "badge-bad"
	case hours.StatusDueSoon:
		return "badge-warn"
	case hours.StatusDone:
		return "badge-ok"
	}
	return "badge-info"
}

// trainingData is the enterprise's training page.
type trainingData struct {
	E                        roster.EnterpriseRow
	OnRoster                 int64 // people not off duty: those Behind counts
	Rows                     []behindRow
	Shown, All               int
	People, Overdue, DueSoon int
	Status, Q                string
	Statuses                 []refItem
	Pager                    pager
	ExportHref               string
	Records                  []course.OfflineView
	RecordsTotal             int64
	RecordsPager             pager
	CanRecord                bool
	Levels, Others           []hours.CourseCategory
	Attendees                []roster.PersonRow
	Today                    string
	MaxMB                    int64
}

// threeLevels are the course categories of 三级安全教育 (3号令 第12条).
var threeLevels = map[string]bool{"plant_level": true, "workshop_level": true, "team_level": true}

// splitLevels separates the 三级安全教育 levels from the other categories,
// each in table order.
func splitLevels(all []hours.CourseCategory) (levels, others []hours.CourseCategory) {
	for _, c := range all {
		if threeLevels[c.Code] {
			levels = append(levels, c)
		} else {
			others = append(others, c)
		}
	}
	return levels, others
}

const (
	behindPage  = 100
	recordsPage = 20
)

func (s *Server) trainingPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	p, ctx := principal(c), c.Request.Context()
	e, err := s.deps.Roster.Enterprise(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	rows, err := s.deps.Courses.Behind(ctx, p, id)
	if err != nil {
		s.renderErr(c, err)
		return
	}
	d := trainingData{E: e, All: len(rows), Status: c.Query("status"), Q: strings.TrimSpace(c.Query("q")),
		ExportHref: "/api/v1/enterprises/" + strconv.FormatUint(uint64(id), 10) + "/behind.xlsx",
		CanRecord:  p.Role == account.RoleAdmin || p.Role == account.RoleEnterpriseAdmin && p.EnterpriseID == id,
		Today:      s.cfg.Now().In(hours.ChinaTime()).Format(time.DateOnly), MaxMB: s.cfg.MaxMedia >> 20}
	for _, st := range trainingStatuses {
		d.Statuses = append(d.Statuses, refItem{Code: string(st), Name: st.Label()})
	}
	people, overdue, soon := map[uint]bool{}, map[uint]bool{}, map[uint]bool{}
	var shown []behindRow
	for _, r := range rows {
		people[r.PersonID] = true
		switch r.Requirement.Status {
		case hours.StatusOverdue:
			overdue[r.PersonID] = true
		case hours.StatusDueSoon:
			soon[r.PersonID] = true
		}
		if d.Status != "" && string(r.Requirement.Status) != d.Status || d.Q != "" && !strings.Contains(r.Name, d.Q) {
			continue
		}
		due := r.Requirement.Due
		if due == "" {
			due = "上岗日期确定后"
		}
		shown = append(shown, behindRow{BehindRow: r, Badge: statusBadge(r.Requirement.Status), Due: due})
	}
	d.People, d.Overdue, d.DueSoon, d.Shown = len(people), len(overdue), len(soon), len(shown)
	if d.OnRoster, err = s.onRoster(ctx, p, id); err != nil {
		s.renderErr(c, err)
		return
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	offset = min(max(offset, 0), len(shown))
	d.Rows = shown[offset:min(offset+behindPage, len(shown))]
	d.Pager = newPager(c, int64(len(shown)), behindPage, offset)

	recOffset, _ := strconv.Atoi(c.Query("rec_offset"))
	recOffset = max(recOffset, 0)
	if d.Records, d.RecordsTotal, err = s.deps.Courses.OfflineRecords(ctx, p, id, recordsPage, recOffset); err != nil {
		s.renderErr(c, err)
		return
	}
	d.RecordsPager = pagerOn(c, "rec_offset", "records", d.RecordsTotal, recordsPage, recOffset)

	if d.CanRecord {
		d.Levels, d.Others = splitLevels(s.deps.Courses.Table().CourseCategories())
		if d.Attendees, err = s.onDutyPeople(ctx, p, id); err != nil {
			s.renderErr(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "training", e.Name+" · 培训情况", d)
}

// onRoster counts an enterprise's people who are not off duty (on duty or
// about to start), the people whose requirements Behind checks.
func (s *Server) onRoster(ctx context.Context, p account.Principal, id uint) (int64, error) {
	_, all, err := s.deps.Roster.ListPeople(ctx, p, roster.PersonFilter{EnterpriseID: id, Limit: 1})
	if err != nil {
		return 0, err
	}
	_, off, err := s.deps.Roster.ListPeople(ctx, p, roster.PersonFilter{EnterpriseID: id, DutyStatus: roster.DutyOff, Limit: 1})
	return all - off, err
}

// onDutyPeople lists everyone on duty at an enterprise, by name.
func (s *Server) onDutyPeople(ctx context.Context, p account.Principal, id uint) ([]roster.PersonRow, error) {
	var out []roster.PersonRow
	for offset := 0; ; offset += roster.MaxLimit {
		rows, total, err := s.deps.Roster.ListPeople(ctx, p, roster.PersonFilter{EnterpriseID: id, DutyStatus: roster.DutyOn, Limit: roster.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if len(rows) == 0 || int64(len(out)) >= total {
			return out, nil
		}
	}
}

// pagerOn is newPager for a list paged by another query parameter than
// offset (a second list on the same page), linking to its anchor.
func pagerOn(c *gin.Context, param, anchor string, total int64, limit, offset int) pager {
	p := pager{Total: total}
	link := func(off int) string {
		q := c.Request.URL.Query()
		q.Set(param, strconv.Itoa(off))
		return c.Request.URL.Path + "?" + q.Encode() + "#" + anchor
	}
	if offset > 0 {
		p.PrevHref = link(max(offset-limit, 0))
	}
	if int64(offset+limit) < total {
		p.NextHref = link(offset + limit)
	}
	return p
}
