package certs

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// RevocationReason is one of the grounds of 30号令第30条 for revoking a
// certificate, or "other".
type RevocationReason struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// RevocationReasons lists the grounds a revocation may cite.
func RevocationReasons() []RevocationReason {
	return []RevocationReason{
		{"no_renewal", "超过有效期未延期复审"},
		{"health", "健康状况不再适合从事该作业"},
		{"accident", "对生产安全事故负有责任"},
		{"false_record", "证书记载虚假信息"},
		{"deception", "以欺骗、贿赂等不正当手段取得"},
		{"other", "其他"},
	}
}

func revocationLabel(code string) (string, bool) {
	for _, r := range RevocationReasons() {
		if r.Code == code {
			return r.Label, true
		}
	}
	return "", false
}

// StateChange is the body of suspend, reinstate, revoke and cancel.
type StateChange struct {
	Reason string `json:"reason"`
	// Ground is a RevocationReason code (revoke only; optional).
	Ground string `json:"ground"`
}

// The state changes an authorized person may make, and from which states.
var transitions = map[string]struct {
	from []State
	to   State
}{
	"suspend":   {[]State{StateActive}, StateSuspended},
	"reinstate": {[]State{StateSuspended}, StateActive},
	"revoke":    {[]State{StateActive, StateSuspended}, StateRevoked},
	"cancel":    {[]State{StateActive, StateSuspended, StateRevoked}, StateCancelled},
}

// ChangeState suspends, reinstates, revokes or cancels certificate id
// (action is one of those four), with a reason kept in its history and
// the audit ledger; the verify page shows the new status at once.
func (s *Store) ChangeState(ctx context.Context, p account.Principal, id uint, action string, in StateChange) (Certificate, error) {
	t, ok := transitions[action]
	if !ok {
		return Certificate{}, fault.New(fault.NotFound, "not_found", "不支持的操作")
	}
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	reason, err := cleanReason(in.Reason)
	if err != nil {
		return Certificate{}, err
	}
	if in.Ground != "" {
		label, ok := revocationLabel(in.Ground)
		if !ok || action != "revoke" {
			return Certificate{}, ErrInvalid.WithDetails(fault.Detail{Field: "ground", Message: "撤销依据须从列表中选择（仅撤销时填写）"})
		}
		reason = label + "：" + reason
	}
	var c Certificate
	err = s.write(ctx, func(tx *gorm.DB) error {
		if c, err = s.visible(tx, p, id, true); err != nil {
			return err
		}
		if !slices.Contains(t.from, c.State) {
			return ErrStateChange.WithDetails(fault.Detail{Field: "state", Message: "证书当前为“" + stateLabel(c.State) + "”，不能" + actionLabel(action)})
		}
		c.State, c.StateReason = t.to, reason
		if err := tx.Model(&Certificate{}).Where("id = ?", id).Updates(map[string]any{"state": c.State, "state_reason": reason, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.event(tx, p, &c, action, reason, "")
	})
	return c, err
}

func stateLabel(st State) string {
	switch st {
	case StateSuspended:
		return "已暂停"
	case StateRevoked:
		return "已撤销"
	case StateCancelled:
		return "已注销"
	}
	return "有效"
}

var actionLabels = map[string]string{
	"issued": "颁发", "registered": "登记", "suspend": "暂停", "reinstate": "恢复", "revoke": "撤销", "cancel": "注销",
	"reviewed": "复审", "extended": "延长复审间隔", "verified": "核验", "retested": "离岗后实际操作考试",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

// ReviewInput records a passed review (复审) of a certificate.
type ReviewInput struct {
	ReviewedOn time.Time `json:"reviewed_on"`
	// ExamPassed confirms the review exam the kind requires was passed.
	ExamPassed bool   `json:"exam_passed"`
	Note       string `json:"note"`
}

// RecordReview records that certificate id passed its pending review: it
// must be inside the review window and not lapsed, the review training
// must be done (ReviewHours, via the hours rule special_review) and, where
// the kind says so, the review exam passed. The next review counts from
// the due date.
func (s *Store) RecordReview(ctx context.Context, p account.Principal, id uint, in ReviewInput) (Certificate, error) {
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	var c Certificate
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = s.visible(tx, p, id, true); err != nil {
			return err
		}
		kind, _ := s.opt.Kinds.Get(c.Kind)
		d := c.Dates()
		if kind.ReviewMonths == 0 || d.NextReview.IsZero() {
			return ErrStateChange.WithDetails(fault.Detail{Field: "reviewed_on", Message: "该证书没有待办的复审"})
		}
		on := civilDate(in.ReviewedOn)
		if in.ReviewedOn.IsZero() {
			on = Day(s.now())
		}
		if on.After(Day(s.now())) {
			return ErrInvalid.WithDetails(fault.Detail{Field: "reviewed_on", Message: "复审日期不能晚于今天"})
		}
		if on.Before(d.NextReview.AddDate(0, 0, -kind.ReviewWindowDays)) || on.After(d.NextReview) {
			return ErrInvalid.WithDetails(fault.Detail{Field: "reviewed_on", Message: "复审日期须在复审期内（" +
				d.NextReview.AddDate(0, 0, -kind.ReviewWindowDays).Format("2006-01-02") + " 至 " + d.NextReview.Format("2006-01-02") + "）"})
		}
		if st, _ := kind.Evaluate(c.State, d, on); !st.Holds() {
			return ErrStateChange.WithDetails(fault.Detail{Field: "state", Message: "证书为“" + st.Label() + "”，不能复审"})
		}
		if kind.ReviewExam && !in.ExamPassed {
			return ErrInvalid.WithDetails(fault.Detail{Field: "exam_passed", Message: "该证书复审须考试合格，请确认复审考试已通过"})
		}
		if kind.ReviewHours > 0 && s.opt.Unmet != nil {
			unmet, err := s.opt.Unmet(ctx, c.PersonID, []string{"special_review"})
			if err != nil {
				return err
			}
			for _, u := range unmet {
				if u != "" {
					return ErrNotEarned.WithDetails(fault.Detail{Field: "hours", Message: "复审培训未完成：" + u})
				}
			}
		}
		next := kind.AfterReview(d, c.ReviewExtended)
		c.setDates(next)
		c.LastReview = &on
		if err := tx.Model(&Certificate{}).Where("id = ?", id).Updates(map[string]any{"next_review": c.NextReview, "last_review": c.LastReview,
			"updated_at": s.now()}).Error; err != nil {
			return err
		}
		detail := "复审合格（" + on.Format("2006-01-02") + "）；"
		if next.NextReview.IsZero() {
			detail += "有效期至 " + next.ValidUntil.Format("2006-01-02") + "，届时办理延期复审换证"
		} else {
			detail += "下次复审 " + next.NextReview.Format("2006-01-02")
		}
		return s.event(tx, p, &c, "reviewed", in.Note, detail)
	})
	return c, err
}

// GrantExtension grants the holder of certificate id the longer review
// interval the kind allows (30号令第21条: ten years or more of continuous
// clean work in the trade), on the reason given.
func (s *Store) GrantExtension(ctx context.Context, p account.Principal, id uint, in StateChange) (Certificate, error) {
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	reason, err := cleanReason(in.Reason)
	if err != nil {
		return Certificate{}, err
	}
	var c Certificate
	err = s.write(ctx, func(tx *gorm.DB) error {
		if c, err = s.visible(tx, p, id, true); err != nil {
			return err
		}
		kind, _ := s.opt.Kinds.Get(c.Kind)
		if kind.ExtendedReviewMonths == 0 || c.ReviewExtended {
			return ErrStateChange.WithDetails(fault.Detail{Field: "review_extended", Message: "该证书不能或已经延长复审间隔"})
		}
		var last time.Time
		if c.LastReview != nil {
			last = *c.LastReview
		}
		c.setDates(kind.Extend(c.Dates(), last))
		c.ReviewExtended = true
		if err := tx.Model(&Certificate{}).Where("id = ?", id).Updates(map[string]any{"review_extended": true, "next_review": c.NextReview,
			"updated_at": s.now()}).Error; err != nil {
			return err
		}
		detail := "复审间隔延长至每" + itoa(kind.ExtendedReviewMonths/12) + "年"
		if c.NextReview != nil {
			detail += "，下次复审 " + c.NextReview.Format("2006-01-02")
		}
		return s.event(tx, p, &c, "extended", reason, detail)
	})
	return c, err
}

// MarkVerified records that a registered state certificate was checked
// against the national query service.
func (s *Store) MarkVerified(ctx context.Context, p account.Principal, id uint, note string) (Certificate, error) {
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	var c Certificate
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = s.visible(tx, p, id, true); err != nil {
			return err
		}
		if !c.External || c.Verified {
			return ErrStateChange.WithDetails(fault.Detail{Field: "verified", Message: "只有未核验的登记证书需要核验"})
		}
		now := s.now()
		c.Verified, c.VerifiedAt, c.VerifiedBy = true, &now, p.UserID
		if err := tx.Model(&Certificate{}).Where("id = ?", id).Updates(map[string]any{"verified": true, "verified_at": now, "verified_by": p.UserID,
			"updated_at": now}).Error; err != nil {
			return err
		}
		return s.event(tx, p, &c, "verified", note, "已与全国安全生产考试信息查询平台核对")
	})
	return c, err
}

// RetestInput records a passed practical re-test.
type RetestInput struct {
	RetestedOn time.Time `json:"retested_on"`
	Note       string    `json:"note"`
}

// RecordRetest records that the holder of special-operation certificate id
// passed the practical re-test a special operator owes after six months or
// more off the post (30号令第32条) before working again.
func (s *Store) RecordRetest(ctx context.Context, p account.Principal, id uint, in RetestInput) (Certificate, error) {
	if !mayManage(p) {
		return Certificate{}, ErrForbidden
	}
	var c Certificate
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = s.visible(tx, p, id, true); err != nil {
			return err
		}
		kind, _ := s.opt.Kinds.Get(c.Kind)
		if !kind.NeedsItem || kind.Issuer != IssuerState {
			return ErrStateChange.WithDetails(fault.Detail{Field: "retested_on", Message: "只有特种作业操作证需要登记离岗后的实际操作考试"})
		}
		on := civilDate(in.RetestedOn)
		if in.RetestedOn.IsZero() {
			on = Day(s.now())
		}
		if on.After(Day(s.now())) || on.Before(c.IssuedOn) {
			return ErrInvalid.WithDetails(fault.Detail{Field: "retested_on", Message: "考试日期不能晚于今天，也不能早于发证日期"})
		}
		if st, _ := kind.Evaluate(c.State, c.Dates(), s.now()); !st.Holds() {
			return ErrStateChange.WithDetails(fault.Detail{Field: "state", Message: "证书为“" + st.Label() + "”，须先处理证书本身"})
		}
		c.LastRetest = &on
		if err := tx.Model(&Certificate{}).Where("id = ?", id).Updates(map[string]any{"last_retest": on, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.event(tx, p, &c, "retested", in.Note, "实际操作考试合格（"+on.Format("2006-01-02")+"）")
	})
	return c, err
}
