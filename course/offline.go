package course

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/hours"
	"anpei/media"
)

// Limits of an offline training record.
const (
	maxOfflineMinutes   = 8 * 60 // one day's session
	maxOfflineAttendees = 500
	maxOfflineAge       = 366 * 24 * time.Hour
)

// OfflineInput is an offline training session as an enterprise admin
// records it: 三级安全教育 (厂/车间/班组) or another course category.
type OfflineInput struct {
	EnterpriseID uint   `json:"enterprise_id"`
	Category     string `json:"category"`
	Date         string `json:"date"` // 2006-01-02
	Minutes      int    `json:"minutes"`
	Content      string `json:"content"`
	Teacher      string `json:"teacher"`
	Place        string `json:"place"`
	PersonIDs    []uint `json:"person_ids"`
	Sheet        *media.Info
}

// OfflineView is a stored record with its attendees.
type OfflineView struct {
	OfflineRecord
	CategoryLabel string `json:"category_label"`
	Hours         string `json:"hours"`
	PersonIDs     []uint `json:"person_ids"`
	HasSheet      bool   `json:"has_sheet"`
}

// canRecordOffline: the admin, or an enterprise admin for their own
// enterprise.
func canRecordOffline(p account.Principal, enterpriseID uint) bool {
	return p.Role == account.RoleAdmin || p.Role == account.RoleEnterpriseAdmin && p.EnterpriseID == enterpriseID && enterpriseID != 0
}

// RecordOffline stores an offline training session and credits each
// attendee its minutes (offline: 45 to a 学时) in the ledger, in one
// transaction. Every attendee must be on the enterprise's roster.
func (s *Store) RecordOffline(ctx context.Context, p account.Principal, in OfflineInput) (OfflineView, error) {
	if !canRecordOffline(p, in.EnterpriseID) {
		return OfflineView{}, ErrForbidden
	}
	now := s.now()
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	rec := OfflineRecord{EnterpriseID: in.EnterpriseID, Category: strings.TrimSpace(in.Category), Minutes: in.Minutes,
		Content: strings.TrimSpace(in.Content), Teacher: strings.TrimSpace(in.Teacher), Place: strings.TrimSpace(in.Place), CreatedBy: p.UserID}
	if s.opt.Table.CourseCategoryLabel(rec.Category) == "" {
		bad("category", "请选择培训类别（如厂级、车间级、班组级安全教育）")
	}
	date, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.Date), hours.ChinaTime())
	switch {
	case err != nil:
		bad("date", "培训日期格式应为 2026-03-01")
	case date.After(now):
		bad("date", "培训日期不能晚于今天")
	case now.Sub(date) > maxOfflineAge:
		bad("date", "只能补录一年以内的线下培训")
	}
	rec.Date = date.UTC()
	if in.Minutes < 1 || in.Minutes > maxOfflineMinutes {
		bad("minutes", "培训时长须为1至480分钟")
	}
	if n := utf8.RuneCountInString(rec.Content); n == 0 || n > 2000 {
		bad("content", "请填写培训内容（不超过2000字）")
	}
	if n := utf8.RuneCountInString(rec.Teacher); n == 0 || n > 50 {
		bad("teacher", "请填写授课人（不超过50字）")
	}
	if utf8.RuneCountInString(rec.Place) > 100 {
		bad("place", "培训地点不能超过100字")
	}
	ids := slices.Clone(in.PersonIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	switch {
	case len(ids) == 0:
		bad("person_ids", "请选择参加培训的人员")
	case len(ids) > maxOfflineAttendees:
		bad("person_ids", "一条记录最多500名参训人员，请分批登记")
	}
	if in.Sheet != nil {
		if in.Sheet.Kind != media.Document && in.Sheet.Kind != media.Image {
			bad("sheet", "签到表须为 PDF、JPG 或 PNG 文件")
		} else {
			rec.SheetSHA, rec.SheetMIME = in.Sheet.SHA256, in.Sheet.MIME
		}
	}
	if len(d) == 0 && s.opt.PersonEnterprise != nil {
		for _, id := range ids {
			ent, err := s.opt.PersonEnterprise(ctx, id)
			if err != nil && fault.As(err).Kind != fault.NotFound {
				return OfflineView{}, err
			}
			if err != nil || ent != in.EnterpriseID {
				bad("person_ids", "人员编号 "+itoa(int(id))+" 不在本企业花名册中")
			}
		}
	}
	if len(d) > 0 {
		return OfflineView{}, ErrInvalidOffline.WithDetails(d...)
	}
	rec.Attendees = len(ids)
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&rec).Error; err != nil {
			return err
		}
		entries := make([]CreditEntry, 0, len(ids))
		from := date.UTC()
		for _, id := range ids {
			entries = append(entries, CreditEntry{PersonID: id, Online: false, Category: rec.Category, Day: in.Date,
				OfflineID: rec.ID, FromAt: from, ToAt: from.Add(time.Duration(rec.Minutes) * time.Minute),
				MS: int64(rec.Minutes) * time.Minute.Milliseconds(), CreatedAt: now})
		}
		if err := tx.CreateInBatches(&entries, 200).Error; err != nil {
			return err
		}
		return record(tx, p, "training.offline_create", "enterprise", rec.EnterpriseID, nil,
			map[string]any{"offline_id": rec.ID, "category": rec.Category, "date": in.Date, "minutes": rec.Minutes, "attendees": ids})
	})
	if err != nil {
		return OfflineView{}, err
	}
	return s.offlineView(rec, ids), nil
}

func (s *Store) offlineView(rec OfflineRecord, ids []uint) OfflineView {
	return OfflineView{OfflineRecord: rec, CategoryLabel: s.opt.Table.CourseCategoryLabel(rec.Category),
		Hours: hours.FromMinutes(rec.Minutes, false).String(), PersonIDs: ids, HasSheet: rec.SheetSHA != ""}
}

// OfflineRecords lists an enterprise's offline training, newest first.
func (s *Store) OfflineRecords(ctx context.Context, p account.Principal, enterpriseID uint, limit, offset int) ([]OfflineView, int64, error) {
	if err := s.seeEnterprise(ctx, p, enterpriseID); err != nil {
		return nil, 0, err
	}
	db := s.db.WithContext(ctx).Model(&OfflineRecord{}).Where("enterprise_id = ?", enterpriseID)
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit, offset = pageBounds(limit, offset)
	var recs []OfflineRecord
	if err := db.Order("date DESC, id DESC").Limit(limit).Offset(offset).Find(&recs).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]OfflineView, 0, len(recs))
	for _, r := range recs {
		var ids []uint
		if err := s.db.WithContext(ctx).Model(&CreditEntry{}).Where("offline_id = ?", r.ID).Order("person_id").Pluck("person_id", &ids).Error; err != nil {
			return nil, 0, asFault(err)
		}
		out = append(out, s.offlineView(r, ids))
	}
	return out, total, nil
}

// OfflineSheet returns the sign-in sheet's media key and type of record id.
func (s *Store) OfflineSheet(ctx context.Context, p account.Principal, id uint) (OfflineRecord, error) {
	var r OfflineRecord
	if err := s.db.WithContext(ctx).First(&r, id).Error; err != nil {
		return OfflineRecord{}, asFault(notFound(err, ErrOfflineNotFound))
	}
	if s.seeEnterprise(ctx, p, r.EnterpriseID) != nil || r.SheetSHA == "" {
		return OfflineRecord{}, ErrOfflineNotFound
	}
	return r, nil
}

// seeEnterprise returns nil when p may see an enterprise's training: the
// admin and regulators whose jurisdiction holds it (the roster's scope), an
// enterprise admin their own; ErrEnterpriseNotFound otherwise.
func (s *Store) seeEnterprise(ctx context.Context, p account.Principal, enterpriseID uint) error {
	switch {
	case p.Role == account.RoleEnterpriseAdmin:
		if p.EnterpriseID == enterpriseID && enterpriseID != 0 {
			return nil
		}
	case p.Is(account.RoleAdmin, account.RoleRegulator) && s.opt.CanSeeEnterprise != nil:
		return s.opt.CanSeeEnterprise(ctx, p, enterpriseID)
	case p.SeesWholeDistrict():
		return nil
	}
	return ErrEnterpriseNotFound
}
