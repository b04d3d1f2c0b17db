package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/roster"
)

// SeedCerts gives the demo district certificates of every kind and
// status: state certificates registered by enterprises (valid, in the
// review window, lapsed for a missed review, about to expire after an
// extended review interval; verified and not), the district's own
// assessment and training certificates (valid, expired), and one each
// suspended, revoked and cancelled. The demo learner gets none: theirs
// anpei-issued one comes from passing the demo exam. It does nothing when certificates
// exist.
func SeedCerts(ctx context.Context, accounts *account.Store, rs *roster.Store, cs *certs.Store, now time.Time) error {
	sys := account.System()
	if _, n, err := cs.List(ctx, sys, certs.Filter{Limit: 1}); err != nil || n > 0 {
		return err
	}
	learner, err := learnerPerson(ctx, accounts)
	if err != nil {
		return err
	}
	people := func(c roster.Category, n int) ([]roster.PersonRow, error) {
		rows, _, err := rs.ListPeople(ctx, sys, roster.PersonFilter{Category: c, DutyStatus: roster.DutyOn, Limit: n + 1})
		out := rows[:0]
		for _, r := range rows {
			if r.ID != learner && len(out) < n {
				out = append(out, r)
			}
		}
		return out, err
	}
	day := func(years, days int) string { return now.AddDate(years, 0, days).Format("2006-01-02") }
	ops, err := people(roster.CategorySpecialOperator, 10)
	if err != nil {
		return err
	}
	type state struct {
		issued         string
		verify, extend bool
	}
	plan := []state{
		{day(-1, 0), true, false},   // valid
		{day(-3, 30), false, false}, // review due in 30 days
		{day(-3, -20), true, false}, // review missed: lapsed
		{day(-6, 45), true, true},   // extended interval, expires in 45 days
		{day(-2, -100), false, false},
	}
	for i, p := range ops {
		if len(p.OperationItems) == 0 {
			continue
		}
		st := plan[i%len(plan)]
		number, err := rs.RevealID(ctx, sys, p.ID)
		if err != nil {
			return err
		}
		c, err := cs.RegisterExternal(ctx, sys, certs.ExternalInput{PersonID: p.ID, Kind: "special_operation", Number: "T" + number,
			OperationItem: p.OperationItems[0], IssuedOn: st.issued})
		if err != nil {
			return fmt.Errorf("demo: special-operation certificate of person %d: %w", p.ID, err)
		}
		if st.extend {
			if _, err := cs.GrantExtension(ctx, sys, c.ID, certs.StateChange{Reason: "连续从事本工种满10年，无违章记录（演示）"}); err != nil {
				return fmt.Errorf("demo: extension: %w", err)
			}
		}
		if st.verify {
			if _, err := cs.MarkVerified(ctx, sys, c.ID, "已在全国安全生产考试信息查询平台核对（演示）"); err != nil {
				return fmt.Errorf("demo: verify: %w", err)
			}
		}
		if i%len(plan) == 4 {
			// A special operator trained for a second item ahead of the
			// state exam holds the district's training certificate.
			if _, err := cs.Issue(ctx, sys, certs.ManualInput{PersonID: p.ID, Kind: "special_op_training", Reason: "特种作业安全技术理论培训考核合格（演示数据）"}); err != nil {
				return fmt.Errorf("demo: special-operation training of person %d: %w", p.ID, err)
			}
		}
	}
	managers, err := people(roster.CategoryPrincipal, 8)
	if err != nil {
		return err
	}
	for i, p := range managers {
		if i < 3 {
			issued := []string{day(-1, 0), day(-3, 20), day(-3, -10)}[i]
			if _, err := cs.RegisterExternal(ctx, sys, certs.ExternalInput{PersonID: p.ID, Kind: "safety_qualification",
				Number: fmt.Sprintf("53%s%06d", issued[:4], 1200+p.ID), IssuedOn: issued}); err != nil {
				return fmt.Errorf("demo: 安全合格证 of person %d: %w", p.ID, err)
			}
			continue
		}
		if _, err := cs.Issue(ctx, sys, certs.ManualInput{PersonID: p.ID, Kind: "manager_assessment", Reason: "区安委办组织的年度考核合格（演示数据）"}); err != nil {
			return fmt.Errorf("demo: assessment of person %d: %w", p.ID, err)
		}
	}
	if err := coverCertificates(ctx, rs, cs, now); err != nil {
		return err
	}
	workers, err := people(roster.CategoryOther, 8)
	if err != nil {
		return err
	}
	past := cs.WithClock(func() time.Time { return now.AddDate(-1, -2, 0) })
	for i, p := range workers {
		store, reason := cs, "线下培训考核合格，补录（演示数据）"
		if i%3 == 2 {
			store, reason = past, "上年度培训考核合格（演示数据）"
		}
		kind := "training_pass"
		if i%4 == 1 {
			kind = "hours_record"
		}
		c, err := store.Issue(ctx, sys, certs.ManualInput{PersonID: p.ID, Kind: kind, Reason: reason})
		if err != nil {
			return fmt.Errorf("demo: training certificate of person %d: %w", p.ID, err)
		}
		action := map[int]string{3: "suspend", 4: "revoke", 6: "cancel"}[i]
		if action != "" {
			in := certs.StateChange{Reason: "演示：" + map[string]string{"suspend": "违章作业被查处，暂停使用待处理", "revoke": "培训记录经核查不实",
				"cancel": "本人申请注销"}[action]}
			if action == "revoke" {
				in.Ground = "false_record"
			}
			if _, err := cs.ChangeState(ctx, sys, c.ID, action, in); err != nil {
				return fmt.Errorf("demo: %s: %w", action, err)
			}
		}
	}
	return nil
}

// learnerPerson is the demo learner's person id (0 if there is none).
func learnerPerson(ctx context.Context, accounts *account.Store) (uint, error) {
	users, _, err := accounts.ListUsers(ctx, account.System(), account.UserFilter{Text: "learner", Role: account.RoleLearner})
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if u.Username == "learner" && u.PersonID != nil {
			return *u.PersonID, nil
		}
	}
	return 0, nil
}

// coverCertificates registers, for every person on duty who does not lag
// (see behind) and has none yet, the state certificates their post needs:
// a special-operation certificate per registered item, and for principals
// and safety managers of units that must be assessed the 安全合格证 —
// valid, most verified. The people of the short towns who lag keep their
// gaps.
func coverCertificates(ctx context.Context, rs *roster.Store, cs *certs.Store, now time.Time) error {
	sys := account.System()
	inds, err := rs.Industries(ctx)
	if err != nil {
		return err
	}
	ind := map[string]roster.Industry{}
	for _, i := range inds {
		ind[i.Code] = i
	}
	held := map[uint]bool{}
	for offset := 0; ; offset += certs.MaxLimit {
		page, total, err := cs.List(ctx, sys, certs.Filter{External: ptrTrue(), Limit: certs.MaxLimit, Offset: offset})
		if err != nil {
			return err
		}
		for _, c := range page {
			held[c.PersonID] = true
		}
		if int64(offset+len(page)) >= total || len(page) == 0 {
			break
		}
	}
	for after := uint(0); ; {
		page, err := rs.Subjects(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		for _, subj := range page {
			if subj.DutyStatus != roster.DutyOn || held[subj.ID] || behind(subj) {
				continue
			}
			issued := now.AddDate(-1, -int(subj.ID%20), 0).Format("2006-01-02")
			var regs []certs.ExternalInput
			if subj.Categories.Has(roster.CategorySpecialOperator) {
				for _, item := range subj.OperationItems {
					number, err := rs.RevealID(ctx, sys, subj.ID)
					if err != nil {
						return err
					}
					n := "T" + number
					if len(regs) > 0 || item != subj.OperationItems[0] {
						n = "T" + number[len(number)-6:] + "-" + strings.ReplaceAll(item, ".", "")
					}
					regs = append(regs, certs.ExternalInput{PersonID: subj.ID, Kind: "special_operation", Number: n, OperationItem: item, IssuedOn: issued})
				}
			}
			in := ind[subj.IndustryCode]
			if (subj.Categories.Has(roster.CategoryPrincipal) || subj.Categories.Has(roster.CategorySafetyManager)) && (in.HighRisk || in.AssessmentRequired) {
				regs = append(regs, certs.ExternalInput{PersonID: subj.ID, Kind: "safety_qualification", Number: fmt.Sprintf("53%s%06d", issued[:4], 5000+subj.ID), IssuedOn: issued})
			}
			for _, r := range regs {
				c, err := cs.RegisterExternal(ctx, sys, r)
				if err != nil {
					return fmt.Errorf("demo: certificate of person %d: %w", subj.ID, err)
				}
				if subj.ID%5 != 0 {
					if _, err := cs.MarkVerified(ctx, sys, c.ID, "已在全国安全生产考试信息查询平台核对（演示）"); err != nil {
						return err
					}
				}
			}
		}
	}
}

func ptrTrue() *bool { t := true; return &t }
