// Package fromroster connects the lecture store to the rest of anpei: a
// viewer's facts from the roster, the regulator's enterprises, the
// trainers and learner accounts, the course catalogue and the training
// ledger, and the inbox for reminders. main, the demo seed and the server
// tests wire it the same way.
package fromroster

import (
	"context"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
	"anpei/lecture"
	"anpei/notify"
	"anpei/roster"
)

// Options returns the lecture.Options over these stores; notices may be
// nil (no reminders). The caller sets the clock.
func Options(rs *roster.Store, accounts *account.Store, cs *course.Store, notices *notify.Store) lecture.Options {
	a := adapter{rs: rs, accounts: accounts}
	opt := lecture.Options{Person: a.person, Enterprises: a.enterprises, EnterpriseKnown: a.enterpriseKnown,
		Industries: a.industries, Trainer: a.trainer, Learners: a.learners, Course: cs.LiveCourse, Ledger: cs.AppendLive}
	if notices != nil {
		opt.Deliver = notices.Deliver
	}
	return opt
}

type adapter struct {
	rs       *roster.Store
	accounts *account.Store
}

func (a adapter) person(ctx context.Context, id uint) (lecture.Person, error) {
	sys := account.System()
	p, err := a.rs.Person(ctx, sys, id)
	if err != nil {
		return lecture.Person{}, err
	}
	out := lecture.Person{ID: p.ID, Name: p.Name, EnterpriseID: p.EnterpriseID, Categories: p.Categories, IDMasked: p.IDMasked}
	if p.EnterpriseID != 0 {
		e, err := a.rs.Enterprise(ctx, sys, p.EnterpriseID)
		if err != nil {
			return lecture.Person{}, err
		}
		out.EnterpriseName, out.Industry = e.Name, e.IndustryCode
	}
	return out, nil
}

// enterprises lists the IDs of the enterprises p sees in the roster.
func (a adapter) enterprises(ctx context.Context, p account.Principal) ([]uint, error) {
	var ids []uint
	for offset := 0; ; offset += roster.MaxLimit {
		rows, total, err := a.rs.ListEnterprises(ctx, p, roster.EnterpriseFilter{Limit: roster.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		if len(rows) == 0 || int64(offset+len(rows)) >= total {
			return ids, nil
		}
	}
}

func (a adapter) enterpriseKnown(ctx context.Context, id uint) (bool, error) {
	_, err := a.rs.Enterprise(ctx, account.System(), id)
	if err != nil && fault.As(err).Kind == fault.NotFound {
		return false, nil
	}
	return err == nil, err
}

func (a adapter) industries(ctx context.Context) (map[string]bool, error) {
	list, err := a.rs.Industries(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, in := range list {
		out[in.Code] = true
	}
	return out, nil
}

// trainer returns the name of user id if it is an enabled trainer.
func (a adapter) trainer(ctx context.Context, id uint) (string, error) {
	u, err := a.accounts.User(ctx, account.System(), id)
	if err != nil {
		return "", err
	}
	if u.Role != account.RoleTrainer || u.Disabled {
		return "", lecture.ErrForbidden
	}
	return u.Name, nil
}

// learners lists the enabled learner accounts with a roster person.
func (a adapter) learners(ctx context.Context) ([]lecture.Account, error) {
	const page = 500
	var out []lecture.Account
	for offset := 0; ; offset += page {
		users, total, err := a.accounts.ListUsers(ctx, account.System(), account.UserFilter{Role: account.RoleLearner, Limit: page, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.PersonID != nil && !u.Disabled {
				out = append(out, lecture.Account{UserID: u.ID, PersonID: *u.PersonID})
			}
		}
		if len(users) == 0 || int64(offset+len(users)) >= total {
			return out, nil
		}
	}
}
