package lecture

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
	"anpei/roster"
	"anpei/sqltext"
)

// Limits of a session.
const (
	maxTitle          = 100
	maxDescription    = 2000
	MinMinutes        = 10
	MaxMinutes        = 8 * 60
	MaxCapacity       = 3000
	maxAudienceEnts   = 500
	maxAhead          = 366 * 24 * time.Hour
	JoinEarly         = 15 * time.Minute // viewers may enter this long before the start
	StartEarly        = 30 * time.Minute // the trainer may go live this long before it
	maxCancelNote     = 200
	overdueGrace      = time.Hour // EndOverdue ends a session this long after its planned end
	maxRecordingPath  = 500
	reminderKind      = "live_reminder"
	defaultRemindLead = 2 * time.Hour
)

// Audience says who a session is for: enterprises, person categories
// (roster category codes) and industry codes; an empty list means all.
type Audience struct {
	Enterprises []uint   `json:"enterprises"`
	Categories  []string `json:"categories"`
	Industries  []string `json:"industries"`
}

// Input is a session as a trainer (or the admin) schedules it.
type Input struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	TrainerID   uint      `json:"trainer_id"` // the admin names the trainer; a trainer schedules for themself
	ScheduledAt time.Time `json:"scheduled_at"`
	Minutes     int       `json:"minutes"`
	CourseID    uint      `json:"course_id"`
	Rule        string    `json:"rule"`
	Audience    Audience  `json:"audience"`
	Capacity    int       `json:"capacity"`
}

// View is a session as the API and pages show it.
type View struct {
	Session
	StatusLabel   string    `json:"status_label"`
	CategoryLabel string    `json:"category_label"`
	RuleLabel     string    `json:"rule_label,omitempty"`
	EndsAt        time.Time `json:"ends_at"`
	Audience      Audience  `json:"audience"`
	HasRecording  bool      `json:"has_recording"`
}

// canHost reports whether p schedules sessions: trainers and the admin.
func canHost(p account.Principal) bool { return p.Is(account.RoleAdmin, account.RoleTrainer) }

// canManage reports whether p runs session s: its trainer or the admin.
func canManage(p account.Principal, s Session) bool {
	return p.Role == account.RoleAdmin || p.Role == account.RoleTrainer && p.UserID == s.TrainerID
}

// Includes reports whether a person is in the session's audience (the
// pure rule the learner's list applies in SQL).
func (s Session) Includes(person Person, enterprises []uint) bool {
	if !s.AllEnterprises && !slices.Contains(enterprises, person.EnterpriseID) {
		return false
	}
	if s.AudienceCategories != 0 && s.AudienceCategories&uint8(person.Categories) == 0 {
		return false
	}
	return s.AudienceIndustries == "" || strings.Contains(s.AudienceIndustries, ","+person.Industry+",")
}

// check validates in for p and returns the session's columns and
// audience enterprises.
func (s *Store) check(ctx context.Context, p account.Principal, in Input, was *Session) (Session, []uint, error) {
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	now := s.now()
	ses := Session{Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description),
		Minutes: in.Minutes, Capacity: in.Capacity, Rule: strings.TrimSpace(in.Rule), ScheduledAt: in.ScheduledAt.UTC().Truncate(time.Microsecond)}
	switch n := utf8.RuneCountInString(ses.Title); {
	case n == 0:
		bad("title", "请填写直播课标题")
	case n > maxTitle:
		bad("title", "直播课标题不能超过100个字")
	}
	if utf8.RuneCountInString(ses.Description) > maxDescription {
		bad("description", "直播课简介不能超过2000个字")
	}
	switch {
	case in.ScheduledAt.IsZero():
		bad("scheduled_at", "请填写开播时间")
	case (was == nil || !was.ScheduledAt.Equal(ses.ScheduledAt)) && ses.ScheduledAt.Before(now):
		bad("scheduled_at", "开播时间不能早于现在")
	case ses.ScheduledAt.Sub(now) > maxAhead:
		bad("scheduled_at", "只能安排一年以内的直播")
	}
	if in.Minutes < MinMinutes || in.Minutes > MaxMinutes {
		bad("minutes", "计划时长须为10至480分钟")
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		bad("capacity", "人数上限须为1至3000人")
	}
	// The trainer.
	switch {
	case p.Role == account.RoleTrainer && (in.TrainerID == 0 || in.TrainerID == p.UserID):
		ses.TrainerID, ses.TrainerName = p.UserID, p.Name
	case p.Role == account.RoleTrainer:
		bad("trainer_id", "培训讲师只能为自己安排直播")
	case in.TrainerID == 0:
		bad("trainer_id", "请选择主讲讲师")
	case s.opt.Trainer == nil:
		ses.TrainerID = in.TrainerID
	default:
		name, err := s.opt.Trainer(ctx, in.TrainerID)
		if err != nil {
			if fault.As(err).Kind == fault.Internal {
				return Session{}, nil, err
			}
			bad("trainer_id", "所选用户不是培训讲师")
		}
		ses.TrainerID, ses.TrainerName = in.TrainerID, name
	}
	// The course and the requirement.
	c, err := s.opt.Course(ctx, p, in.CourseID)
	switch {
	case err == nil:
		ses.CourseID, ses.CourseTitle, ses.Category = c.ID, c.Title, c.Category
	case errors.Is(err, course.ErrCourseNotFound) || errors.Is(err, course.ErrCourseNotPublished):
		bad("course_id", fault.As(err).Message)
	case fault.As(err).Kind == fault.Internal:
		return Session{}, nil, err
	default:
		bad("course_id", "请选择一门已发布的课程")
	}
	if ses.Rule != "" {
		r, ok := s.opt.Table.Rule(ses.Rule)
		switch {
		case !ok:
			bad("rule", "培训要求“"+ses.Rule+"”不存在，请从列表中选择")
		case ses.Category != "" && !slices.Contains(r.CourseCategories, ses.Category):
			bad("rule", "所选课程的类别不计入“"+r.Label+"”，请换一门课程或培训要求")
		}
	}
	// The audience.
	for _, code := range in.Audience.Categories {
		cat, ok := roster.ParseCategory(code)
		if !ok {
			bad("audience.categories", "人员类别“"+code+"”不存在，请从列表中选择")
			continue
		}
		ses.AudienceCategories |= uint8(cat)
	}
	ses.AudienceIndustries = sqltext.CodeList(in.Audience.Industries)
	if len(ses.AudienceIndustries) > 500 {
		bad("audience.industries", "所选行业过多")
	} else if s.opt.Industries != nil && ses.AudienceIndustries != "" {
		known, err := s.opt.Industries(ctx)
		if err != nil {
			return Session{}, nil, err
		}
		for _, code := range sqltext.SplitCodes(ses.AudienceIndustries) {
			if !known[code] {
				bad("audience.industries", "行业代码“"+code+"”不存在，请从列表中选择")
			}
		}
	}
	ents := slices.Clone(in.Audience.Enterprises)
	slices.Sort(ents)
	ents = slices.Compact(ents)
	ents = slices.DeleteFunc(ents, func(id uint) bool { return id == 0 })
	if len(ents) > maxAudienceEnts {
		bad("audience.enterprises", "一次直播最多指定500家企业")
	} else if s.opt.EnterpriseKnown != nil {
		for _, id := range ents {
			ok, err := s.opt.EnterpriseKnown(ctx, id)
			if err != nil {
				return Session{}, nil, err
			}
			if !ok {
				bad("audience.enterprises", "企业编号 "+itoa(int(id))+" 不存在")
			}
		}
	}
	ses.AllEnterprises = len(ents) == 0
	if len(d) > 0 {
		return Session{}, nil, ErrInvalid.WithDetails(d...)
	}
	return ses, ents, nil
}

// Create schedules a session. It returns ErrForbidden unless p is a
// trainer or the admin, and ErrInvalid naming each field at fault.
func (s *Store) Create(ctx context.Context, p account.Principal, in Input) (View, error) {
	if !canHost(p) {
		return View{}, ErrForbidden
	}
	ses, ents, err := s.check(ctx, p, in, nil)
	if err != nil {
		return View{}, err
	}
	ses.Status, ses.CreatedBy, ses.CheckSeed = StatusScheduled, p.UserID, s.opt.Seed()>>1 // MySQL BIGINT UNSIGNED holds it; keep it positive for SQLite
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&ses).Error; err != nil {
			return err
		}
		if err := setAudience(tx, ses.ID, ents); err != nil {
			return err
		}
		return record(tx, p, "live.create", ses.ID, nil, auditView(ses, ents))
	})
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, ses)
}

// Update changes a scheduled session (its trainer or the admin). It
// returns ErrNotFound for a session p does not see, ErrForbidden for one p
// does not run, ErrWrongStatus once it is live, ended or cancelled, and
// ErrInvalid naming each field at fault.
func (s *Store) Update(ctx context.Context, p account.Principal, id uint, in Input) (View, error) {
	cur, err := s.Get(ctx, p, id)
	if err != nil {
		return View{}, err
	}
	if !canManage(p, cur.Session) {
		return View{}, ErrForbidden
	}
	if p.Role == account.RoleAdmin && in.TrainerID == 0 {
		in.TrainerID = cur.TrainerID
	}
	ses, ents, err := s.check(ctx, p, in, &cur.Session)
	if err != nil {
		return View{}, err
	}
	var after Session
	err = s.write(ctx, func(tx *gorm.DB) error {
		var before Session
		if err := forUpdate(tx).First(&before, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		if before.Status != StatusScheduled {
			return ErrWrongStatus
		}
		beforeEnts, err := audienceOf(tx, id)
		if err != nil {
			return err
		}
		after = before
		after.Title, after.Description, after.TrainerID, after.TrainerName = ses.Title, ses.Description, ses.TrainerID, ses.TrainerName
		after.ScheduledAt, after.Minutes, after.Capacity = ses.ScheduledAt, ses.Minutes, ses.Capacity
		after.CourseID, after.CourseTitle, after.Category, after.Rule = ses.CourseID, ses.CourseTitle, ses.Category, ses.Rule
		after.AllEnterprises, after.AudienceCategories, after.AudienceIndustries = ses.AllEnterprises, ses.AudienceCategories, ses.AudienceIndustries
		if err := tx.Save(&after).Error; err != nil {
			return err
		}
		if err := tx.Where("session_id = ?", id).Delete(&audienceEnterprise{}).Error; err != nil {
			return err
		}
		if err := setAudience(tx, id, ents); err != nil {
			return err
		}
		return record(tx, p, "live.update", id, auditView(before, beforeEnts), auditView(after, ents))
	})
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, after)
}

// Cancel cancels a scheduled session with a note for the audience. Errors
// as Update; ErrInvalid for a note over 200 characters.
func (s *Store) Cancel(ctx context.Context, p account.Principal, id uint, note string) (View, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxCancelNote {
		return View{}, ErrInvalid.WithDetails(fault.Detail{Field: "note", Message: "取消说明不能超过200个字"})
	}
	return s.transition(ctx, p, id, "live.cancel", func(ses *Session, now time.Time) error {
		if ses.Status != StatusScheduled {
			return ErrWrongStatus
		}
		ses.Status, ses.CancelNote = StatusCancelled, note
		return nil
	})
}

// Start puts a scheduled session live: its trainer or the admin, from
// StartEarly before the scheduled time until its planned end. Starting a
// live session again changes nothing. It returns ErrNotStarted too early,
// ErrWrongStatus for an ended, cancelled or long overdue session, and the
// errors of Update.
func (s *Store) Start(ctx context.Context, p account.Principal, id uint) (View, error) {
	return s.transition(ctx, p, id, "live.start", func(ses *Session, now time.Time) error {
		switch {
		case ses.Status == StatusLive:
			return errUnchanged
		case ses.Status != StatusScheduled:
			return ErrWrongStatus
		case now.Before(ses.ScheduledAt.Add(-StartEarly)):
			return ErrNotStarted.WithMessage("距开播时间超过30分钟，暂不能开始直播")
		case now.After(ses.ScheduledAt.Add(time.Duration(ses.Minutes) * time.Minute)):
			return ErrWrongStatus.WithMessage("已过计划结束时间，请重新安排直播")
		}
		ses.Status, ses.StartedAt = StatusLive, &now
		return nil
	})
}

// errUnchanged makes transition return the session as it is.
var errUnchanged = errors.New("unchanged")

// transition changes session id under its row lock with its audit entry.
func (s *Store) transition(ctx context.Context, p account.Principal, id uint, action string, change func(*Session, time.Time) error) (View, error) {
	cur, err := s.Get(ctx, p, id)
	if err != nil {
		return View{}, err
	}
	if !canManage(p, cur.Session) {
		return View{}, ErrForbidden
	}
	var after Session
	err = s.write(ctx, func(tx *gorm.DB) error {
		var before Session
		if err := forUpdate(tx).First(&before, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		after = before
		if err := change(&after, s.now()); err != nil {
			return err
		}
		if err := tx.Save(&after).Error; err != nil {
			return err
		}
		return record(tx, p, action, id, statusView(before), statusView(after))
	})
	if errors.Is(err, errUnchanged) {
		return s.view(ctx, after)
	}
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, after)
}

// SetRecording records where the server wrote the session's recording
// manifest (acting as anpei itself). It returns ErrNotFound for an unknown
// session and ErrInvalid for an empty or overlong path.
func (s *Store) SetRecording(ctx context.Context, id uint, path string) error {
	if path == "" || len(path) > maxRecordingPath {
		return ErrInvalid.WithDetails(fault.Detail{Field: "recording", Message: "录像文件路径有误"})
	}
	return s.write(ctx, func(tx *gorm.DB) error {
		var ses Session
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		before := ses.Recording
		if err := tx.Model(&ses).Update("recording", path).Error; err != nil {
			return err
		}
		return record(tx, account.System(), "live.recording", id, map[string]any{"recording": before}, map[string]any{"recording": path})
	})
}

// Recording returns session id's recording manifest path ("" while there
// is none) if p may see the session.
func (s *Store) Recording(ctx context.Context, p account.Principal, id uint) (string, error) {
	v, err := s.Get(ctx, p, id)
	return v.Recording, err
}

// Filter selects sessions.
type Filter struct {
	// Status: "" (all), or one status.
	Status Status
	// From and To bound the scheduled time (zero: unbounded).
	From, To      time.Time
	Limit, Offset int
}

// List returns the sessions p sees, soonest first, and how many there are:
// the admin and district regulators all, a town or department regulator
// those for enterprises in their jurisdiction (or for every enterprise),
// an enterprise admin those for their enterprise, a trainer their own, a
// learner those whose audience includes them.
func (s *Store) List(ctx context.Context, p account.Principal, f Filter) ([]View, int64, error) {
	scope, err := s.scope(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Model(&Session{}).Scopes(scope)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.From.IsZero() {
		q = q.Where("scheduled_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("scheduled_at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	var list []Session
	if err := q.Order("scheduled_at, id").Limit(limit).Offset(offset).Find(&list).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]View, 0, len(list))
	for _, ses := range list {
		v, err := s.view(ctx, ses)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, nil
}

// Get returns session id if p sees it (as List), ErrNotFound otherwise.
func (s *Store) Get(ctx context.Context, p account.Principal, id uint) (View, error) {
	scope, err := s.scope(ctx, p)
	if err != nil {
		return View{}, err
	}
	var ses Session
	if err := s.db.WithContext(ctx).Scopes(scope).First(&ses, id).Error; err != nil {
		return View{}, asFault(notFound(err, ErrNotFound))
	}
	return s.view(ctx, ses)
}

// scope restricts a query on lecture_sessions to what p sees.
func (s *Store) scope(ctx context.Context, p account.Principal) (func(*gorm.DB) *gorm.DB, error) {
	forEnterprises := func(ids []uint) func(*gorm.DB) *gorm.DB {
		return func(db *gorm.DB) *gorm.DB {
			if len(ids) == 0 {
				return db.Where("lecture_sessions.all_enterprises = ?", true)
			}
			return db.Where("(lecture_sessions.all_enterprises = ? OR lecture_sessions.id IN (SELECT session_id FROM lecture_audiences WHERE enterprise_id IN ?))", true, ids)
		}
	}
	switch {
	case p.SeesWholeDistrict():
		return func(db *gorm.DB) *gorm.DB { return db }, nil
	case p.Role == account.RoleTrainer:
		return func(db *gorm.DB) *gorm.DB { return db.Where("lecture_sessions.trainer_id = ?", p.UserID) }, nil
	case p.Role == account.RoleRegulator:
		if s.opt.Enterprises == nil {
			return nil, ErrForbidden
		}
		ids, err := s.opt.Enterprises(ctx, p)
		if err != nil {
			return nil, err
		}
		return forEnterprises(ids), nil
	case p.Role == account.RoleEnterpriseAdmin && p.EnterpriseID != 0:
		return forEnterprises([]uint{p.EnterpriseID}), nil
	case p.Role == account.RoleLearner:
		person, err := s.learner(ctx, p)
		if err != nil {
			return nil, err
		}
		return func(db *gorm.DB) *gorm.DB {
			db = forEnterprises([]uint{person.EnterpriseID})(db)
			db = db.Where("(lecture_sessions.audience_categories = 0 OR (lecture_sessions.audience_categories & ?) <> 0)", uint8(person.Categories))
			return db.Where("(lecture_sessions.audience_industries = '' OR lecture_sessions.audience_industries LIKE ?)", "%,"+person.Industry+",%")
		}, nil
	}
	return nil, ErrForbidden
}

// learner returns the roster facts of a learner principal.
func (s *Store) learner(ctx context.Context, p account.Principal) (Person, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return Person{}, ErrNotLearner
	}
	return s.opt.Person(ctx, p.PersonID)
}

func (s *Store) view(ctx context.Context, ses Session) (View, error) {
	ents, err := audienceOf(s.db.WithContext(ctx), ses.ID)
	if err != nil {
		return View{}, asFault(err)
	}
	v := View{Session: ses, StatusLabel: ses.Status.Label(), CategoryLabel: s.opt.Table.CourseCategoryLabel(ses.Category),
		EndsAt: ses.ScheduledAt.Add(time.Duration(ses.Minutes) * time.Minute), HasRecording: ses.Recording != "",
		Audience: Audience{Enterprises: ents, Categories: []string{}, Industries: sqltext.SplitCodes(ses.AudienceIndustries)}}
	if r, ok := s.opt.Table.Rule(ses.Rule); ok {
		v.RuleLabel = r.Label
	}
	for _, c := range roster.Categories() {
		if ses.AudienceCategories&uint8(c) != 0 {
			v.Audience.Categories = append(v.Audience.Categories, c.Code())
		}
	}
	return v, nil
}

func setAudience(tx *gorm.DB, id uint, ents []uint) error {
	if len(ents) == 0 {
		return nil
	}
	rows := make([]audienceEnterprise, len(ents))
	for i, e := range ents {
		rows[i] = audienceEnterprise{SessionID: id, EnterpriseID: e}
	}
	return tx.CreateInBatches(&rows, 200).Error
}

func audienceOf(tx *gorm.DB, id uint) ([]uint, error) {
	ids := []uint{}
	err := tx.Model(&audienceEnterprise{}).Where("session_id = ?", id).Order("enterprise_id").Pluck("enterprise_id", &ids).Error
	return ids, err
}

func auditView(s Session, ents []uint) map[string]any {
	return map[string]any{"title": s.Title, "trainer_id": s.TrainerID, "scheduled_at": s.ScheduledAt, "minutes": s.Minutes,
		"course_id": s.CourseID, "category": s.Category, "rule": s.Rule, "capacity": s.Capacity,
		"audience": map[string]any{"enterprises": ents, "categories": s.AudienceCategories, "industries": s.AudienceIndustries}}
}

func statusView(s Session) map[string]any {
	return map[string]any{"status": s.Status, "started_at": s.StartedAt, "ended_at": s.EndedAt, "cancel_note": s.CancelNote}
}
