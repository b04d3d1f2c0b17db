package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"anpei/account"
	"anpei/compliance"
	"anpei/course/fromroster"
	"anpei/notify"
)

// newCompliance builds the compliance store: the rules engine over the
// certificate kinds and the operation items' names, reading the roster,
// certificates and ledger through fromroster.
func (a *app) newCompliance(ctx context.Context, requireVerified bool) (*compliance.Store, error) {
	items, err := a.roster.OperationItems(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(items))
	for _, it := range items {
		names[it.Code] = it.Name
	}
	e, err := compliance.New(compliance.Options{Kinds: a.certs.Kinds(), ItemNames: names, RequireVerified: requireVerified})
	if err != nil {
		return nil, err
	}
	return compliance.NewStore(a.db, compliance.StoreOptions{Engine: e, Table: a.courses.Table(),
		Source: fromroster.ComplianceSource(a.roster, a.courses, a.certs)}), nil
}

// evaluateCompliance re-evaluates everyone, then sends the weekly to-do
// notices and stores the month-end snapshot when a month has ended, and
// logs what it did. startJobs runs it once a day (China time) on one node;
// a failed evaluation is tried again, the notices and the snapshot the
// next day (each is once per week or month by its own key).
func evaluateCompliance(ctx context.Context, a *app, now time.Time, log *slog.Logger) error {
	cs := a.compliance
	rep, err := cs.Refresh(ctx, now)
	if err != nil {
		return err
	}
	log.Info("evaluated compliance", "as_of", rep.AsOf.Format("2006-01-02"), "people", rep.People, "on_duty", rep.Evaluated,
		"non_compliant", rep.Tally.NonCompliant, "major_hazards", rep.Tally.Major, "took", rep.Took.Round(time.Millisecond).String())
	if n, err := a.remindEnterprises(ctx, now); err != nil {
		log.Warn("compliance to-do notices", "err", err)
	} else if n > 0 {
		log.Info("sent compliance to-do notices", "notices", n)
	}
	if month, err := cs.SnapshotDue(ctx, now); err != nil {
		log.Warn("month-end snapshot", "err", err)
	} else if month != "" {
		log.Info("stored the month-end snapshot", "month", month)
	}
	return nil
}

// remindEnterprises tells each enterprise admin, once a week, how many of
// their people are not compliant or soon will not be, with a link to the
// to-do list (in-app; the notify senders carry it further).
func (a *app) remindEnterprises(ctx context.Context, now time.Time) (int, error) {
	sys := account.System()
	groups, err := a.compliance.Breakdown(ctx, sys, "district", "enterprise")
	if err != nil {
		return 0, err
	}
	todo := map[uint]compliance.TallyView{}
	for _, g := range groups {
		if g.Tally.NonCompliant+g.Tally.DueSoon == 0 {
			continue
		}
		id, err := strconv.ParseUint(g.Key, 10, 32)
		if err != nil {
			continue
		}
		todo[uint(id)] = g.Tally
	}
	if len(todo) == 0 {
		return 0, nil
	}
	year, week := now.In(time.FixedZone("CST", 8*3600)).ISOWeek()
	sent := 0
	for offset := 0; ; offset += 200 {
		users, total, err := a.accounts.ListUsers(ctx, sys, account.UserFilter{Role: account.RoleEnterpriseAdmin, Limit: 200, Offset: offset})
		if err != nil {
			return sent, err
		}
		for _, u := range users {
			if u.EnterpriseID == nil || u.Disabled {
				continue
			}
			t, ok := todo[*u.EnterpriseID]
			if !ok {
				continue
			}
			body := fmt.Sprintf("本企业在岗 %d 人中，不合规 %d 人（其中重大事故隐患 %d 人），即将到期 %d 人。请按待办清单安排培训、复审或取证。", t.People, t.NonCompliant, t.Major, t.DueSoon)
			isNew, err := a.notices.Deliver(ctx, notify.Notice{UserID: u.ID, Kind: "compliance_todo", Subject: fmt.Sprintf("持证上岗待办：%d 人需要处理", t.NonCompliant+t.DueSoon),
				Body: body, Link: "/compliance", DedupKey: fmt.Sprintf("compliance_todo:%d:%d-W%02d", *u.EnterpriseID, year, week)})
			if err != nil {
				return sent, err
			}
			if isNew {
				sent++
			}
		}
		if int64(offset+len(users)) >= total || len(users) == 0 {
			return sent, nil
		}
	}
}
