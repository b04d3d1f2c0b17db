package course

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/hours"
	"anpei/roster"
	"anpei/sqltext"
)

// CourseView is a course as one version of it shows: what the API and the
// pages render.
type CourseView struct {
	ID               uint          `json:"id"`
	Version          int           `json:"version"`
	VersionID        uint          `json:"version_id"`
	Status           VersionStatus `json:"status"`
	StatusLabel      string        `json:"status_label"`
	Title            string        `json:"title"`
	Description      string        `json:"description"`
	Category         string        `json:"category"`
	CategoryLabel    string        `json:"category_label"`
	Audience         Audience      `json:"audience"`
	AudienceLabel    string        `json:"audience_label"`
	DurationMS       int64         `json:"duration_ms"`
	Hours            string        `json:"hours"`
	PublishedVersion int           `json:"published_version"`
	DraftVersion     int           `json:"draft_version"`
	PublishedAt      *time.Time    `json:"published_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
	Lessons          []LessonView  `json:"lessons,omitempty"`
	// Learner's progress (learners only).
	CreditedMS int64 `json:"credited_ms"`
	Completed  int   `json:"completed_lessons"`
}

// LessonView is a lesson with, for a learner, what they have been credited.
type LessonView struct {
	ID         uint       `json:"id"`
	Position   int        `json:"position"`
	Title      string     `json:"title"`
	Kind       LessonKind `json:"kind"`
	KindLabel  string     `json:"kind_label"`
	DurationMS int64      `json:"duration_ms"`
	MediaMIME  string     `json:"media_mime,omitempty"`
	MediaName  string     `json:"media_name,omitempty"`
	MediaSize  int64      `json:"media_size,omitempty"`
	Pages      int        `json:"pages,omitempty"`
	CreditedMS int64      `json:"credited_ms"`
	Completed  bool       `json:"completed"`
}

// CourseHours is the 学时 a course of total length d is worth online: whole
// minutes, 30 to a 学时 (AQ 8011-2023).
func CourseHours(d time.Duration) hours.Hours {
	return hours.FromMinutes(int(d/time.Minute), true)
}

// CourseFilter selects courses.
type CourseFilter struct {
	Q        string
	Category string
	// Status: "" (what the principal may see), "draft", "published".
	Status        string
	Limit, Offset int
}

// seesDrafts reports whether p sees drafts and unpublished courses.
func seesDrafts(p account.Principal) bool { return canAuthor(p) }

// audienceScope restricts published versions to those whose audience
// includes the learner.
func audienceScope(db *gorm.DB, l Learner) *gorm.DB {
	db = db.Where("(course_versions.audience_categories = 0 OR (course_versions.audience_categories & ?) <> 0)", uint8(l.Categories))
	db = db.Where("(course_versions.audience_industries = '' OR course_versions.audience_industries LIKE ?)", "%,"+l.Industry+",%")
	if len(l.Items) == 0 {
		return db.Where("course_versions.audience_items = ''")
	}
	cond := "course_versions.audience_items = ''"
	args := []any{}
	for _, it := range l.Items {
		cond += " OR course_versions.audience_items LIKE ?"
		args = append(args, "%,"+it+",%")
	}
	return db.Where("("+cond+")", args...)
}

// learnerOf returns the roster facts of a learner principal.
func (s *Store) learnerOf(ctx context.Context, p account.Principal) (Learner, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 || s.opt.Learner == nil {
		return Learner{}, ErrNotLearner
	}
	return s.opt.Learner(ctx, p.PersonID)
}

// Courses lists the courses p may see: every course's current version for
// authors (the draft if there is one), published versions for the other
// staff roles, and published versions whose audience includes them for
// learners.
func (s *Store) Courses(ctx context.Context, p account.Principal, f CourseFilter) ([]CourseView, int64, error) {
	db := s.db.WithContext(ctx).Model(&Version{}).Joins("JOIN courses ON courses.id = course_versions.course_id")
	switch {
	case seesDrafts(p) && f.Status == "draft":
		db = db.Where("course_versions.number = courses.draft")
	case seesDrafts(p) && f.Status == "":
		db = db.Where("course_versions.number = CASE WHEN courses.draft > 0 THEN courses.draft ELSE courses.published END")
	default:
		db = db.Where("course_versions.number = courses.published")
	}
	var learner Learner
	if p.Role == account.RoleLearner {
		var err error
		if learner, err = s.learnerOf(ctx, p); err != nil {
			return nil, 0, err
		}
		db = audienceScope(db, learner)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		db = db.Where("course_versions.title LIKE ? ESCAPE '!'", sqltext.Contains(q))
	}
	if f.Category != "" {
		db = db.Where("course_versions.category = ?", f.Category)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	var vs []Version
	if err := db.Order("course_versions.course_id DESC").Limit(limit).Offset(offset).Select("course_versions.*").Find(&vs).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]CourseView, 0, len(vs))
	courses, err := s.coursesByID(ctx, vs)
	if err != nil {
		return nil, 0, err
	}
	for _, v := range vs {
		out = append(out, s.view(courses[v.CourseID], v))
	}
	if p.Role == account.RoleLearner {
		if err := s.addCourseProgress(ctx, learner.PersonID, out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

func (s *Store) coursesByID(ctx context.Context, vs []Version) (map[uint]Course, error) {
	ids := make([]uint, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.CourseID)
	}
	out := map[uint]Course{}
	if len(ids) == 0 {
		return out, nil
	}
	var cs []Course
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&cs).Error; err != nil {
		return nil, asFault(err)
	}
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, nil
}

// addCourseProgress fills each course's credited time and completed
// lessons for a learner.
func (s *Store) addCourseProgress(ctx context.Context, personID uint, list []CourseView) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uint, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.VersionID)
	}
	type row struct {
		VersionID  uint
		CreditedMS int64
		Completed  int
	}
	// The lesson of the person's active playback session counts as that
	// session has it (the stored row may lag it), the others as stored.
	live, ok, err := liveProgress(s.db.WithContext(ctx), personID)
	if err != nil {
		return asFault(err)
	}
	var rows []row
	q := s.db.WithContext(ctx).Table("lessons").
		Select("lessons.version_id, COALESCE(SUM(lesson_progress.credited_ms), 0) AS credited_ms, COALESCE(SUM(CASE WHEN lesson_progress.completed THEN 1 ELSE 0 END), 0) AS completed").
		Joins("JOIN lesson_progress ON lesson_progress.content_key = lessons.content_key AND lesson_progress.person_id = ?", personID).
		Where("lessons.version_id IN ?", ids)
	if ok {
		q = q.Where("lessons.content_key <> ?", live.ContentKey)
	}
	if err := q.Group("lessons.version_id").Scan(&rows).Error; err != nil {
		return asFault(err)
	}
	by := map[uint]row{}
	for _, r := range rows {
		by[r.VersionID] = r
	}
	if ok && live.CreditedMS > 0 {
		var in []uint
		if err := s.db.WithContext(ctx).Model(&Lesson{}).Where("version_id IN ? AND content_key = ?", ids, live.ContentKey).
			Pluck("version_id", &in).Error; err != nil {
			return asFault(err)
		}
		for _, v := range in {
			r := by[v]
			r.CreditedMS += live.CreditedMS
			if live.Completed {
				r.Completed++
			}
			by[v] = r
		}
	}
	for i := range list {
		r := by[list[i].VersionID]
		list[i].CreditedMS, list[i].Completed = min(r.CreditedMS, list[i].DurationMS), r.Completed
	}
	return nil
}

// Course returns course id as p may see it: with draft true, an author gets
// the draft (or the published version when there is no draft); everyone
// else gets the published version, learners only when they are in its
// audience.
func (s *Store) Course(ctx context.Context, p account.Principal, id uint, draft bool) (CourseView, error) {
	db := s.db.WithContext(ctx)
	var c Course
	if err := db.First(&c, id).Error; err != nil {
		return CourseView{}, asFault(notFound(err, ErrCourseNotFound))
	}
	number := c.Published
	if seesDrafts(p) && (draft || c.Published == 0) && c.Draft != 0 {
		number = c.Draft
	}
	if number == 0 {
		return CourseView{}, ErrCourseNotFound
	}
	q := db.Model(&Version{}).Where("course_id = ? AND number = ?", id, number)
	var learner Learner
	if p.Role == account.RoleLearner {
		var err error
		if learner, err = s.learnerOf(ctx, p); err != nil {
			return CourseView{}, err
		}
		q = audienceScope(q, learner)
	}
	var v Version
	if err := q.First(&v).Error; err != nil {
		return CourseView{}, asFault(notFound(err, ErrCourseNotFound))
	}
	view := s.view(c, v)
	var lessons []Lesson
	if err := db.Where("version_id = ?", v.ID).Order("position").Find(&lessons).Error; err != nil {
		return CourseView{}, asFault(err)
	}
	progress := map[string]Progress{}
	if p.Role == account.RoleLearner && len(lessons) > 0 {
		keys := make([]string, 0, len(lessons))
		for _, l := range lessons {
			keys = append(keys, l.ContentKey)
		}
		var ps []Progress
		if err := db.Where("person_id = ? AND content_key IN ?", learner.PersonID, keys).Find(&ps).Error; err != nil {
			return CourseView{}, asFault(err)
		}
		for _, pr := range ps {
			progress[pr.ContentKey] = pr
		}
		// The active playback session's lesson as that session has it
		// (the stored row may lag it).
		live, ok, err := liveProgress(db, learner.PersonID)
		if err != nil {
			return CourseView{}, asFault(err)
		}
		if ok && live.CreditedMS > 0 {
			progress[live.ContentKey] = live
		}
	}
	for _, l := range lessons {
		pr := progress[l.ContentKey]
		lv := LessonView{ID: l.ID, Position: l.Position, Title: l.Title, Kind: l.Kind, KindLabel: l.Kind.Label(),
			DurationMS: l.DurationMS, MediaMIME: l.MediaMIME, MediaName: l.MediaName, MediaSize: l.MediaSize, Pages: l.Pages,
			CreditedMS: min(pr.CreditedMS, l.DurationMS), Completed: pr.Completed}
		view.Lessons = append(view.Lessons, lv)
		view.CreditedMS += lv.CreditedMS
		if lv.Completed {
			view.Completed++
		}
	}
	return view, nil
}

func (s *Store) view(c Course, v Version) CourseView {
	aud := Audience{Categories: roster.Category(v.AudienceCategories).Codes(), Industries: sqltext.SplitCodes(v.AudienceIndustries), Items: sqltext.SplitCodes(v.AudienceItems)}
	label := "全体从业人员"
	if v.AudienceCategories != 0 {
		label = roster.Category(v.AudienceCategories).Label()
	}
	if len(aud.Industries) > 0 || len(aud.Items) > 0 {
		label += "（限定行业或准操项目）"
	}
	return CourseView{
		ID: c.ID, Version: v.Number, VersionID: v.ID, Status: v.Status, StatusLabel: v.Status.Label(),
		Title: v.Title, Description: v.Description, Category: v.Category,
		CategoryLabel: s.opt.Table.CourseCategoryLabel(v.Category), Audience: aud, AudienceLabel: label,
		DurationMS: v.DurationMS, Hours: CourseHours(time.Duration(v.DurationMS) * time.Millisecond).String(),
		PublishedVersion: c.Published, DraftVersion: c.Draft, PublishedAt: v.PublishedAt, UpdatedAt: v.UpdatedAt,
	}
}

// LessonFile is what serving a lesson's file needs.
type LessonFile struct {
	Lesson Lesson
	Course uint
}

// LessonFor returns lesson id if p may open it: authors any lesson; other
// staff lessons of published versions; learners lessons of the current
// published version of a course in their audience.
func (s *Store) LessonFor(ctx context.Context, p account.Principal, id uint) (Lesson, Version, error) {
	db := s.db.WithContext(ctx)
	var l Lesson
	if err := db.First(&l, id).Error; err != nil {
		return Lesson{}, Version{}, asFault(notFound(err, ErrLessonNotFound))
	}
	q := db.Model(&Version{}).Where("course_versions.id = ?", l.VersionID)
	if !seesDrafts(p) {
		q = q.Where("course_versions.status <> ?", StatusDraft)
	}
	if p.Role == account.RoleLearner {
		learner, err := s.learnerOf(ctx, p)
		if err != nil {
			return Lesson{}, Version{}, err
		}
		q = audienceScope(q, learner)
	}
	var v Version
	if err := q.First(&v).Error; err != nil {
		return Lesson{}, Version{}, asFault(notFound(err, ErrLessonNotFound))
	}
	return l, v, nil
}
