package course

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/media"
	"anpei/roster"
	"anpei/sqltext"
)

// Audience says who a course is for: person categories, industries and
// special-operation items; an empty list means everyone.
type Audience struct {
	Categories []string `json:"categories"`
	Industries []string `json:"industries"`
	Items      []string `json:"items"`
}

// CourseInput is a course's description as a trainer edits it.
type CourseInput struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Category    string   `json:"category"`
	Audience    Audience `json:"audience"`
}

// LessonInput is a new lesson. Media is the checked upload of a video or
// document lesson; Body the HTML of a text lesson; Minutes the reading time
// a trainer claims for a document or text (0 = the default for its length).
type LessonInput struct {
	Title     string     `json:"title"`
	Kind      LessonKind `json:"kind"`
	Body      string     `json:"body"`
	Minutes   int        `json:"minutes"`
	Media     *media.Info
	MediaName string
}

// LessonPatch changes a draft lesson's title, place or claimed minutes.
type LessonPatch struct {
	Title    *string `json:"title"`
	Position *int    `json:"position"`
	Minutes  *int    `json:"minutes"`
}

// canAuthor reports whether p writes courses: trainers and the admin.
func canAuthor(p account.Principal) bool { return p.Is(account.RoleAdmin, account.RoleTrainer) }

// checkCourse validates in and returns the columns it sets.
func (s *Store) checkCourse(ctx context.Context, in CourseInput) (Version, error) {
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	v := Version{
		Title:       strings.TrimSpace(in.Title),
		Description: strings.TrimSpace(in.Description),
		Category:    strings.TrimSpace(in.Category),
	}
	switch n := utf8.RuneCountInString(v.Title); {
	case n == 0:
		bad("title", "请填写课程名称")
	case n > maxTitle:
		bad("title", "课程名称不能超过100个字")
	}
	if utf8.RuneCountInString(v.Description) > maxDescription {
		bad("description", "课程简介不能超过2000个字")
	}
	if s.opt.Table.CourseCategoryLabel(v.Category) == "" {
		bad("category", "请从列表中选择课程类别")
	}
	for _, code := range in.Audience.Categories {
		c, ok := roster.ParseCategory(code)
		if !ok {
			bad("audience.categories", "人员类别“"+code+"”不存在，请从列表中选择")
			continue
		}
		v.AudienceCategories |= uint8(c)
	}
	v.AudienceIndustries = sqltext.CodeList(in.Audience.Industries)
	v.AudienceItems = sqltext.CodeList(in.Audience.Items)
	if len(v.AudienceIndustries) > 500 {
		bad("audience.industries", "所选行业过多")
	}
	if len(v.AudienceItems) > 500 {
		bad("audience.items", "所选准操项目过多")
	}
	if s.opt.Codes != nil && (v.AudienceIndustries != "" || v.AudienceItems != "") {
		industries, items, err := s.opt.Codes(ctx)
		if err != nil {
			return Version{}, err
		}
		for _, c := range sqltext.SplitCodes(v.AudienceIndustries) {
			if !industries[c] {
				bad("audience.industries", "行业代码“"+c+"”不存在，请从列表中选择")
			}
		}
		for _, c := range sqltext.SplitCodes(v.AudienceItems) {
			if !items[c] {
				bad("audience.items", "准操项目代码“"+c+"”不存在，请从列表中选择")
			}
		}
	}
	if len(d) > 0 {
		return Version{}, ErrInvalidCourse.WithDetails(d...)
	}
	return v, nil
}

// CreateCourse creates a course whose first version is a draft.
func (s *Store) CreateCourse(ctx context.Context, p account.Principal, in CourseInput) (CourseView, error) {
	if !canAuthor(p) {
		return CourseView{}, ErrForbidden
	}
	v, err := s.checkCourse(ctx, in)
	if err != nil {
		return CourseView{}, err
	}
	var c Course
	err = s.write(ctx, func(tx *gorm.DB) error {
		c = Course{CreatedBy: p.UserID, Draft: 1}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		v.CourseID, v.Number, v.Status = c.ID, 1, StatusDraft
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		return record(tx, p, "course.create", "course", c.ID, nil, v)
	})
	if err != nil {
		return CourseView{}, err
	}
	return s.Course(ctx, p, c.ID, true)
}

// UpdateCourse changes the draft's description, making a draft from the
// published version first if there is none.
func (s *Store) UpdateCourse(ctx context.Context, p account.Principal, id uint, in CourseInput) (CourseView, error) {
	if !canAuthor(p) {
		return CourseView{}, ErrForbidden
	}
	v, err := s.checkCourse(ctx, in)
	if err != nil {
		return CourseView{}, err
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		draft, err := s.draftFor(tx, id)
		if err != nil {
			return err
		}
		before := draft
		draft.Title, draft.Description, draft.Category = v.Title, v.Description, v.Category
		draft.AudienceCategories, draft.AudienceIndustries, draft.AudienceItems = v.AudienceCategories, v.AudienceIndustries, v.AudienceItems
		if err := tx.Save(&draft).Error; err != nil {
			return err
		}
		return record(tx, p, "course.update", "course", id, before, draft)
	})
	if err != nil {
		return CourseView{}, err
	}
	return s.Course(ctx, p, id, true)
}

// draftFor locks course id and returns its draft version, copying the
// published version and its lessons into a new draft when there is none.
func (s *Store) draftFor(tx *gorm.DB, id uint) (Version, error) {
	var c Course
	if err := forUpdate(tx).First(&c, id).Error; err != nil {
		return Version{}, notFound(err, ErrCourseNotFound)
	}
	var v Version
	if c.Draft != 0 {
		err := tx.Where("course_id = ? AND number = ?", id, c.Draft).First(&v).Error
		return v, err
	}
	var pub Version
	if err := tx.Where("course_id = ? AND number = ?", id, c.Published).First(&pub).Error; err != nil {
		return Version{}, err
	}
	v = pub
	v.ID, v.Number, v.Status, v.PublishedAt, v.PublishedBy = 0, c.Published+1, StatusDraft, nil, 0
	v.CreatedAt, v.UpdatedAt = time.Time{}, time.Time{}
	if err := tx.Create(&v).Error; err != nil {
		return Version{}, err
	}
	var lessons []Lesson
	if err := tx.Where("version_id = ?", pub.ID).Order("position").Find(&lessons).Error; err != nil {
		return Version{}, err
	}
	for i := range lessons {
		lessons[i].ID, lessons[i].VersionID, lessons[i].CreatedAt = 0, v.ID, time.Time{}
	}
	if len(lessons) > 0 {
		if err := tx.Create(&lessons).Error; err != nil {
			return Version{}, err
		}
	}
	c.Draft = v.Number
	return v, tx.Model(&c).Update("draft", c.Draft).Error
}

// checkLesson validates a new lesson and returns it without IDs.
func checkLesson(in LessonInput) (Lesson, error) {
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	l := Lesson{Title: strings.TrimSpace(in.Title), Kind: in.Kind}
	switch n := utf8.RuneCountInString(l.Title); {
	case n == 0:
		bad("title", "请填写课时名称")
	case n > maxTitle:
		bad("title", "课时名称不能超过100个字")
	}
	if in.Minutes < 0 {
		bad("minutes", "学习时长不能为负数")
	}
	switch in.Kind {
	case KindVideo, KindDocument:
		want := media.Video
		if in.Kind == KindDocument {
			want = media.Document
		}
		if in.Media == nil {
			bad("file", "请上传"+in.Kind.Label()+"文件")
			break
		}
		if in.Media.Kind != want {
			bad("file", "该课时类型需要"+map[LessonKind]string{KindVideo: "MP4 或 WebM 视频", KindDocument: "PDF 文档"}[in.Kind]+"文件")
			break
		}
		l.MediaSHA, l.MediaMIME, l.MediaSize, l.Pages = in.Media.SHA256, in.Media.MIME, in.Media.Size, in.Media.Pages
		l.MediaName = clipRunes(strings.TrimSpace(in.MediaName), 200)
		if in.Kind == KindVideo {
			l.DurationMS = in.Media.Duration.Milliseconds()
			if l.DurationMS < 1000 {
				bad("file", "视频时长不足1秒，请检查文件")
			}
			break
		}
		def, most := readingLimits(KindDocument, l.Pages, 0)
		l.DurationMS = claim(in.Minutes, def, most, "文档", bad)
	case KindText:
		l.Body = SanitizeHTML(in.Body)
		switch {
		case textChars(l.Body) == 0:
			bad("body", "请填写课时正文")
		case len(l.Body) > maxBody:
			bad("body", "课时正文过长，请拆分为多个课时")
		default:
			def, most := readingLimits(KindText, 0, textChars(l.Body))
			l.DurationMS = claim(in.Minutes, def, most, "正文", bad)
		}
	default:
		bad("kind", "课时类型须为视频、文档或图文")
	}
	if len(d) > 0 {
		return Lesson{}, ErrInvalidLesson.WithDetails(d...)
	}
	l.ContentKey = contentKey(l.Kind, l.MediaSHA, l.Body)
	return l, nil
}

// claim returns the creditable length of a reading lesson in ms: the
// trainer's minutes, or def when they claim none; more than most is refused.
func claim(minutes, def, most int, what string, bad func(field, msg string)) int64 {
	if minutes == 0 {
		minutes = def
	}
	if minutes > most {
		bad("minutes", "按"+what+"的篇幅，学习时长最多可设为"+strconv.Itoa(most)+"分钟")
		return 0
	}
	return int64(minutes) * time.Minute.Milliseconds()
}

// AddLesson appends a lesson to the course's draft.
func (s *Store) AddLesson(ctx context.Context, p account.Principal, courseID uint, in LessonInput) (Lesson, error) {
	if !canAuthor(p) {
		return Lesson{}, ErrForbidden
	}
	l, err := checkLesson(in)
	if err != nil {
		return Lesson{}, err
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		draft, err := s.draftFor(tx, courseID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Lesson{}).Where("version_id = ?", draft.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= maxLessons {
			return ErrInvalidLesson.WithDetails(fault.Detail{Field: "title", Message: "一门课程最多200个课时"})
		}
		l.VersionID, l.Position = draft.ID, int(n)+1
		if err := tx.Create(&l).Error; err != nil {
			return err
		}
		if err := s.sumDuration(tx, draft.ID); err != nil {
			return err
		}
		return record(tx, p, "course.lesson_add", "course", courseID, nil, lessonAudit(l))
	})
	return l, err
}

// UpdateLesson changes a lesson of the course's draft. lessonID may name a
// lesson of the published version; its copy in the draft is changed.
func (s *Store) UpdateLesson(ctx context.Context, p account.Principal, courseID, lessonID uint, patch LessonPatch) error {
	if !canAuthor(p) {
		return ErrForbidden
	}
	return s.write(ctx, func(tx *gorm.DB) error {
		draft, l, err := s.draftLesson(tx, courseID, lessonID)
		if err != nil {
			return err
		}
		before := lessonAudit(l)
		var d []fault.Detail
		bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
		if patch.Title != nil {
			t := strings.TrimSpace(*patch.Title)
			if t == "" || utf8.RuneCountInString(t) > maxTitle {
				bad("title", "课时名称须为1至100个字")
			}
			l.Title = t
		}
		if patch.Minutes != nil {
			switch l.Kind {
			case KindDocument:
				def, most := readingLimits(KindDocument, l.Pages, 0)
				l.DurationMS = claim(*patch.Minutes, def, most, "文档", bad)
			case KindText:
				def, most := readingLimits(KindText, 0, textChars(l.Body))
				l.DurationMS = claim(*patch.Minutes, def, most, "正文", bad)
			default:
				bad("minutes", "视频课时的时长由视频本身决定")
			}
		}
		if len(d) > 0 {
			return ErrInvalidLesson.WithDetails(d...)
		}
		if err := tx.Model(&l).Select("title", "duration_ms").Updates(&l).Error; err != nil {
			return err
		}
		if patch.Position != nil {
			if err := s.move(tx, draft.ID, l.ID, *patch.Position); err != nil {
				return err
			}
		}
		if err := s.sumDuration(tx, draft.ID); err != nil {
			return err
		}
		return record(tx, p, "course.lesson_update", "course", courseID, before, lessonAudit(l))
	})
}

// DeleteLesson removes a lesson from the course's draft.
func (s *Store) DeleteLesson(ctx context.Context, p account.Principal, courseID, lessonID uint) error {
	if !canAuthor(p) {
		return ErrForbidden
	}
	return s.write(ctx, func(tx *gorm.DB) error {
		draft, l, err := s.draftLesson(tx, courseID, lessonID)
		if err != nil {
			return err
		}
		if err := tx.Delete(&l).Error; err != nil {
			return err
		}
		if err := s.move(tx, draft.ID, 0, 0); err != nil {
			return err
		}
		if err := s.sumDuration(tx, draft.ID); err != nil {
			return err
		}
		return record(tx, p, "course.lesson_delete", "course", courseID, lessonAudit(l), nil)
	})
}

// draftLesson finds, in the course's draft, lessonID or the draft's copy of
// it (same position and content) when lessonID belongs to the published
// version.
func (s *Store) draftLesson(tx *gorm.DB, courseID, lessonID uint) (Version, Lesson, error) {
	var orig Lesson
	if err := tx.First(&orig, lessonID).Error; err != nil {
		return Version{}, Lesson{}, notFound(err, ErrLessonNotFound)
	}
	var ov Version
	if err := tx.First(&ov, orig.VersionID).Error; err != nil || ov.CourseID != courseID {
		return Version{}, Lesson{}, ErrLessonNotFound
	}
	draft, err := s.draftFor(tx, courseID)
	if err != nil {
		return Version{}, Lesson{}, err
	}
	if orig.VersionID == draft.ID {
		return draft, orig, nil
	}
	var l Lesson
	err = tx.Where("version_id = ? AND position = ? AND content_key = ?", draft.ID, orig.Position, orig.ContentKey).First(&l).Error
	return draft, l, notFound(err, ErrLessonNotFound)
}

// move puts lesson id at position pos (1-based, clamped) and renumbers the
// version's lessons 1..n; id 0 only renumbers.
func (s *Store) move(tx *gorm.DB, versionID, id uint, pos int) error {
	var lessons []Lesson
	if err := tx.Where("version_id = ?", versionID).Order("position, id").Find(&lessons).Error; err != nil {
		return err
	}
	if id != 0 {
		i := slices.IndexFunc(lessons, func(l Lesson) bool { return l.ID == id })
		if i >= 0 {
			l := lessons[i]
			lessons = slices.Delete(lessons, i, i+1)
			pos = min(max(pos, 1), len(lessons)+1)
			lessons = slices.Insert(lessons, pos-1, l)
		}
	}
	for i, l := range lessons {
		if l.Position != i+1 {
			if err := tx.Model(&Lesson{}).Where("id = ?", l.ID).Update("position", i+1).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// sumDuration stores the sum of a version's lesson lengths on it.
func (s *Store) sumDuration(tx *gorm.DB, versionID uint) error {
	var total int64
	if err := tx.Model(&Lesson{}).Where("version_id = ?", versionID).Select("COALESCE(SUM(duration_ms), 0)").Scan(&total).Error; err != nil {
		return err
	}
	return tx.Model(&Version{}).Where("id = ?", versionID).Update("duration_ms", total).Error
}

// Publish makes the draft the version learners get and retires the one
// before it. A draft needs a title, a category and at least one lesson.
func (s *Store) Publish(ctx context.Context, p account.Principal, id uint) (CourseView, error) {
	if !canAuthor(p) {
		return CourseView{}, ErrForbidden
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		var c Course
		if err := forUpdate(tx).First(&c, id).Error; err != nil {
			return notFound(err, ErrCourseNotFound)
		}
		if c.Draft == 0 {
			return ErrNoDraft
		}
		var v Version
		if err := tx.Where("course_id = ? AND number = ?", id, c.Draft).First(&v).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Lesson{}).Where("version_id = ?", v.ID).Count(&n).Error; err != nil {
			return err
		}
		var d []fault.Detail
		if n == 0 {
			d = append(d, fault.Detail{Field: "lessons", Message: "请至少添加一个课时"})
		}
		if v.DurationMS < time.Minute.Milliseconds() {
			d = append(d, fault.Detail{Field: "lessons", Message: "课程总时长不足1分钟"})
		}
		if len(d) > 0 {
			return ErrNotPublishable.WithDetails(d...)
		}
		now := s.now()
		if c.Published != 0 {
			if err := tx.Model(&Version{}).Where("course_id = ? AND number = ?", id, c.Published).Update("status", StatusRetired).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&v).Updates(map[string]any{"status": StatusPublished, "published_at": now, "published_by": p.UserID}).Error; err != nil {
			return err
		}
		if err := tx.Model(&c).Updates(map[string]any{"published": v.Number, "draft": 0}).Error; err != nil {
			return err
		}
		return record(tx, p, "course.publish", "course", id, nil, map[string]any{"version": v.Number, "duration_ms": v.DurationMS})
	})
	if err != nil {
		return CourseView{}, err
	}
	return s.Course(ctx, p, id, false)
}

// lessonAudit is what the audit ledger keeps of a lesson (not its body).
func lessonAudit(l Lesson) map[string]any {
	return map[string]any{"id": l.ID, "title": l.Title, "kind": l.Kind, "position": l.Position,
		"media_sha256": l.MediaSHA, "duration_ms": l.DurationMS, "content_key": l.ContentKey}
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
