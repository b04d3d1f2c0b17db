package certs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/fault"
)

func sourceKey(attemptID uint) string { return "attempt:" + strconv.FormatUint(uint64(attemptID), 10) }

// IssueEarned issues the certificate attempt id earns, once: a second call,
// or fifty at once, return the same certificate with created false. It
// refuses with ErrNotEarned (and the reasons as details) when the pass is
// too old, the person does not qualify for the kind, or the hours the
// exam requires are not done.
func (s *Store) IssueEarned(ctx context.Context, attemptID uint) (Certificate, bool, error) {
	if c, ok, err := s.bySource(ctx, attemptID); err != nil || ok {
		return c, false, err
	}
	pass, err := s.opt.PassOf(ctx, attemptID)
	if err != nil {
		return Certificate{}, false, err
	}
	kind, ok := s.opt.Kinds.Get(pass.Kind)
	if !ok || !kind.Earnable() {
		return Certificate{}, false, ErrNotEarned.WithDetails(fault.Detail{Field: "kind", Message: "考试所颁发的证书种类 " + pass.Kind + " 不存在或不能由考试取得"})
	}
	now := s.now()
	if !now.Before(addMonths(Day(pass.FinishedAt), kind.Earn.ExamPassMonths).AddDate(0, 0, 1)) {
		return Certificate{}, false, ErrNotEarned.WithDetails(fault.Detail{Field: "attempt", Message: fmt.Sprintf("考试成绩已超过%d个月有效期", kind.Earn.ExamPassMonths)})
	}
	h, err := s.opt.Holder(ctx, pass.PersonID)
	if err != nil {
		return Certificate{}, false, err
	}
	c, err := s.draft(ctx, kind, h, "")
	if err != nil {
		return Certificate{}, false, err
	}
	if len(pass.RequiredRules) > 0 {
		unmet, err := s.opt.Unmet(ctx, pass.PersonID, pass.RequiredRules)
		if err != nil {
			return Certificate{}, false, err
		}
		var d []fault.Detail
		for _, u := range unmet {
			if u != "" {
				d = append(d, fault.Detail{Field: "hours", Message: u})
			}
		}
		if len(d) > 0 {
			return Certificate{}, false, ErrNotEarned.WithDetails(d...)
		}
	}
	key := sourceKey(attemptID)
	c.SourceKey, c.AttemptID, c.ExamTitle, c.Score = &key, attemptID, pass.ExamTitle, pass.Score
	c.setDates(kind.Schedule(Day(now), false))
	err = s.insert(ctx, account.System(), kind, &c, "考试合格自动颁发")
	if errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, ErrDuplicate) {
		existing, ok, err := s.bySource(ctx, attemptID)
		if err == nil && ok {
			return existing, false, nil
		}
		return Certificate{}, false, asFault(err)
	}
	if err != nil {
		return Certificate{}, false, err
	}
	return c, true, nil
}

func (s *Store) bySource(ctx context.Context, attemptID uint) (Certificate, bool, error) {
	var rows []Certificate
	if err := s.db.WithContext(ctx).Where("source_key = ?", sourceKey(attemptID)).Limit(1).Find(&rows).Error; err != nil {
		return Certificate{}, false, asFault(err)
	}
	if len(rows) == 0 {
		return Certificate{}, false, nil
	}
	return rows[0], true, nil
}

// draft builds an unsaved certificate of kind for h: it checks that the
// holder's categories qualify and picks the operation item.
func (s *Store) draft(ctx context.Context, kind Kind, h Holder, item string) (Certificate, error) {
	if !kind.Qualifies(h.Categories) {
		return Certificate{}, ErrNotEarned.WithDetails(fault.Detail{Field: "person_id", Message: h.Name + " 的人员类别不适用“" + kind.Name + "”"})
	}
	if kind.NeedsItem {
		switch {
		case item == "" && len(h.Items) > 0:
			item = h.Items[0]
		case item == "":
			return Certificate{}, ErrNotEarned.WithDetails(fault.Detail{Field: "operation_item", Message: h.Name + " 在花名册中没有登记准操项目"})
		case !slices.Contains(h.Items, item):
			return Certificate{}, ErrInvalid.WithDetails(fault.Detail{Field: "operation_item", Message: "准操项目 " + item + " 不在 " + h.Name + " 登记的项目中"})
		}
	} else {
		item = ""
	}
	c := Certificate{Kind: kind.Code, PersonID: h.PersonID, EnterpriseID: h.EnterpriseID, HolderName: h.Name, IDMasked: h.IDMasked,
		OperationItem: item, State: StateActive, Issuer: s.opt.Authority}
	if s.opt.IDHash != nil && h.IDNumber != "" {
		c.IDSalt, c.IDHash, c.BadgeHash = s.opt.IDHash(h.IDNumber)
	}
	return c, nil
}

// ensureSequence creates the (kind, year) counter outside any transaction,
// so that concurrent first issuances do not deadlock on its insertion.
func (s *Store) ensureSequence(ctx context.Context, kind string, year int) error {
	return asFault(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&Sequence{Kind: kind, Year: year, Next: 1}).Error)
}

// insert numbers c from the kind's sequence and stores it with its first
// event and audit entry in one transaction.
func (s *Store) insert(ctx context.Context, p account.Principal, kind Kind, c *Certificate, reason string) error {
	year := c.IssuedOn.Year()
	if err := s.ensureSequence(ctx, kind.Code, year); err != nil {
		return err
	}
	return s.write(ctx, func(tx *gorm.DB) error {
		var seq Sequence
		if err := forUpdate(tx).Where("kind = ? AND year = ?", kind.Code, year).Take(&seq).Error; err != nil {
			return err
		}
		if c.SourceKey != nil {
			var n int64
			if err := tx.Model(&Certificate{}).Where("source_key = ?", *c.SourceKey).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrDuplicate
			}
		}
		if err := tx.Model(&Sequence{}).Where("kind = ? AND year = ?", kind.Code, year).Update("next", seq.Next+1).Error; err != nil {
			return err
		}
		c.ID = 0
		c.Number = s.opt.Pattern.New(kind.Prefix, year, seq.Next)
		c.CreatedBy = p.UserID
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		return s.event(tx, p, c, "issued", reason, "证书编号 "+c.Number)
	})
}

// event appends a history step and its audit entry.
func (s *Store) event(tx *gorm.DB, p account.Principal, c *Certificate, action, reason, detail string) error {
	e := Event{CertificateID: c.ID, Action: action, At: s.now(), ActorID: p.UserID, Reason: reason, Detail: detail}
	if err := tx.Create(&e).Error; err != nil {
		return err
	}
	history, err := appendPublic(c.PublicHistory, e)
	if err != nil {
		return err
	}
	c.PublicHistory = history
	if err := tx.Model(&Certificate{}).Where("id = ?", c.ID).Update("public_history", history).Error; err != nil {
		return err
	}
	return record(tx, p, "certificate."+action, c.ID, nil, map[string]any{"number": c.Number, "kind": c.Kind, "person_id": c.PersonID,
		"state": c.State, "reason": reason, "detail": detail})
}

// ManualInput is a certificate an authorized person issues by hand.
type ManualInput struct {
	PersonID      uint   `json:"person_id"`
	Kind          string `json:"kind"`
	OperationItem string `json:"operation_item"`
	Reason        string `json:"reason"`
}

func cleanReason(r string) (string, error) {
	r = strings.TrimSpace(r)
	if r == "" || utf8.RuneCountInString(r) > 500 {
		return "", ErrReasonRequired
	}
	return r, nil
}

// Issue issues an anpei certificate by hand (admin or a regulator over
// the person), with a reason kept in its history. A 学时证明 prints the
// hours the ledger holds for the person today.
func (s *Store) Issue(ctx context.Context, p account.Principal, in ManualInput) (Certificate, error) {
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	reason, err := cleanReason(in.Reason)
	if err != nil {
		return Certificate{}, err
	}
	kind, ok := s.opt.Kinds.Get(in.Kind)
	if !ok || kind.Issuer != IssuerAnpei {
		return Certificate{}, ErrInvalid.WithDetails(fault.Detail{Field: "kind", Message: "请选择本平台颁发的证书种类"})
	}
	if err := s.personVisible(ctx, p, in.PersonID); err != nil {
		return Certificate{}, err
	}
	h, err := s.opt.Holder(ctx, in.PersonID)
	if err != nil {
		return Certificate{}, err
	}
	c, err := s.draft(ctx, kind, h, strings.TrimSpace(in.OperationItem))
	if err != nil {
		return Certificate{}, err
	}
	if kind.Code == "hours_record" && s.opt.Hours != nil {
		if c.Hours, err = s.opt.Hours(ctx, in.PersonID); err != nil {
			return Certificate{}, err
		}
	}
	c.setDates(kind.Schedule(Day(s.now()), false))
	if err := s.insert(ctx, p, kind, &c, reason); err != nil {
		return Certificate{}, err
	}
	return c, nil
}

// personVisible is nil when p may see person id in the roster.
func (s *Store) personVisible(ctx context.Context, p account.Principal, id uint) error {
	f, err := s.opt.PersonIDIn(p, "people.id")
	if err != nil {
		return err
	}
	var n int64
	if err := s.db.WithContext(ctx).Table("people").Scopes(f).Where("people.id = ?", id).Count(&n).Error; err != nil {
		return asFault(err)
	}
	if n == 0 {
		return fault.New(fault.NotFound, "person_not_found", "该从业人员不存在或不在您的管辖范围内")
	}
	return nil
}

// BatchResult is one page of a batch issuance for an exam session.
type BatchResult struct {
	Processed int       `json:"processed"`
	Issued    int       `json:"issued"`
	Existing  int       `json:"existing"`
	Refused   []Refusal `json:"refused"`
	// Next is the cursor of the next page; Done says there is none.
	Next uint `json:"next"`
	Done bool `json:"done"`
}

// Refusal says why a passed candidate got no certificate.
type Refusal struct {
	AttemptID uint   `json:"attempt_id"`
	PersonID  uint   `json:"person_id"`
	Reason    string `json:"reason"`
}

// IssueForExam issues the certificates of one page (up to limit passed
// attempts after cursor) of exam id's passes; a page that calls it again
// with Next until Done shows the progress.
func (s *Store) IssueForExam(ctx context.Context, p account.Principal, examID, after uint, limit int) (BatchResult, error) {
	if !mayManage(p) {
		return BatchResult{}, ErrForbidden
	}
	limit = min(max(limit, 1), 200)
	since := s.now().AddDate(-2, 0, 0)
	passes, err := s.opt.PassesSince(ctx, since, examID, after, limit)
	if err != nil {
		return BatchResult{}, err
	}
	out := BatchResult{Refused: []Refusal{}, Next: after, Done: len(passes) < limit}
	for _, ps := range passes {
		out.Processed++
		out.Next = ps.AttemptID
		if err := s.personVisible(ctx, p, ps.PersonID); err != nil {
			out.Refused = append(out.Refused, Refusal{AttemptID: ps.AttemptID, PersonID: ps.PersonID, Reason: "不在您的管辖范围内"})
			continue
		}
		_, created, err := s.IssueEarned(ctx, ps.AttemptID)
		switch {
		case err == nil && created:
			out.Issued++
		case err == nil:
			out.Existing++
		case fault.As(err).Kind == fault.Unprocessable || fault.As(err).Kind == fault.Invalid:
			out.Refused = append(out.Refused, Refusal{AttemptID: ps.AttemptID, PersonID: ps.PersonID, Reason: reasonText(err)})
		default:
			return out, err
		}
	}
	return out, nil
}

func reasonText(err error) string {
	fe := fault.As(err)
	var parts []string
	for _, d := range fe.Details {
		parts = append(parts, d.Message)
	}
	if len(parts) == 0 {
		return fe.Message
	}
	return strings.Join(parts, "；")
}

// IssueDue issues what passed attempts of the last two years have earned
// and not yet received — after a crash between grading and issuance, or
// once hours missing at the pass are done. It returns how many it issued.
func (s *Store) IssueDue(ctx context.Context) (int, error) {
	since := s.now().AddDate(-2, 0, 0)
	issued := 0
	for after := uint(0); ; {
		passes, err := s.opt.PassesSince(ctx, since, 0, after, 500)
		if err != nil {
			return issued, err
		}
		if len(passes) == 0 {
			return issued, nil
		}
		keys := make([]string, len(passes))
		for i, ps := range passes {
			keys[i] = sourceKey(ps.AttemptID)
		}
		var have []string
		if err := s.db.WithContext(ctx).Model(&Certificate{}).Where("source_key IN ?", keys).Pluck("source_key", &have).Error; err != nil {
			return issued, asFault(err)
		}
		for _, ps := range passes {
			after = ps.AttemptID
			if slices.Contains(have, sourceKey(ps.AttemptID)) {
				continue
			}
			_, created, err := s.IssueEarned(ctx, ps.AttemptID)
			if err != nil && fault.As(err).Kind != fault.Unprocessable && fault.As(err).Kind != fault.Invalid {
				return issued, err
			}
			if created {
				issued++
			}
		}
	}
}
