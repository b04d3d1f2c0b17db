// Package fromroster connects the course and exam stores to the roster: a person's
// facts for audiences and plans, an enterprise's people, the roster's scope
// and its reference codes. main and the server tests wire it the same way.
package fromroster

import (
	"context"

	"anpei/account"
	"anpei/course"
	"anpei/exam"
	"anpei/hours"
	"anpei/roster"
)

// Options returns the course.Options that read the roster rs; the caller
// sets the policy, clock and table.
func Options(rs *roster.Store) course.Options {
	c := courseRoster{rs}
	return course.Options{Learner: c.learner, PeopleOf: c.peopleOf, CanSee: c.canSee, CanSeeEnterprise: c.canSeeEnterprise, Codes: c.codes, PersonEnterprise: rs.PersonEnterprise}
}

// courseRoster adapts the roster store to what the course store asks of it:
// a person's facts for audiences and plans, the people of an enterprise,
// and the roster's scope.
type courseRoster struct{ rs *roster.Store }

func (c courseRoster) industry(ctx context.Context, code string) (roster.Industry, error) {
	inds, err := c.rs.Industries(ctx)
	if err != nil {
		return roster.Industry{}, err
	}
	for _, in := range inds {
		if in.Code == code {
			return in, nil
		}
	}
	return roster.Industry{}, nil
}

func (c courseRoster) learnerFrom(ctx context.Context, p roster.Person) (course.Learner, error) {
	sys := account.System()
	l := course.Learner{PersonID: p.ID, Name: p.Name, EnterpriseID: p.EnterpriseID, Categories: p.Categories, Items: p.OperationItems}
	var ind roster.Industry
	if p.EnterpriseID != 0 {
		code, err := c.rs.EnterpriseIndustry(ctx, p.EnterpriseID)
		if err != nil {
			return course.Learner{}, err
		}
		l.Industry = code
		if ind, err = c.industry(ctx, code); err != nil {
			return course.Learner{}, err
		}
	}
	events, err := c.rs.DutyHistory(ctx, sys, p.ID)
	if err != nil {
		return course.Learner{}, err
	}
	var duty []hours.DutyFact
	l.Person, l.IndustryInfo, duty = hours.FactsFromRoster(p, ind, events)
	l.Duty = duty
	return l, nil
}

// learner looks person id up without scope (the course store checks it).
func (c courseRoster) learner(ctx context.Context, id uint) (course.Learner, error) {
	p, err := c.rs.Person(ctx, account.System(), id)
	if err != nil {
		return course.Learner{}, err
	}
	return c.learnerFrom(ctx, p)
}

// peopleOf returns everyone on an enterprise's roster except those off duty.
func (c courseRoster) peopleOf(ctx context.Context, enterpriseID uint) ([]course.Learner, error) {
	var out []course.Learner
	for offset := 0; ; offset += roster.MaxLimit {
		rows, total, err := c.rs.ListPeople(ctx, account.System(), roster.PersonFilter{EnterpriseID: enterpriseID, Limit: roster.MaxLimit, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.DutyStatus == roster.DutyOff {
				continue
			}
			l, err := c.learnerFrom(ctx, r.Person)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		if int64(offset+len(rows)) >= total || len(rows) == 0 {
			return out, nil
		}
	}
}

// canSee is nil when p may see person id in the roster.
func (c courseRoster) canSee(ctx context.Context, p account.Principal, id uint) error {
	if p.Role == account.RoleLearner {
		if p.PersonID == id {
			return nil
		}
		return course.ErrPersonNotFound
	}
	_, err := c.rs.Person(ctx, p, id)
	return err
}

// canSeeEnterprise is nil when p may see enterprise id in the roster.
func (c courseRoster) canSeeEnterprise(ctx context.Context, p account.Principal, id uint) error {
	_, err := c.rs.Enterprise(ctx, p, id)
	return err
}

// codes returns the industry and operation-item codes that exist.
func (c courseRoster) codes(ctx context.Context) (map[string]bool, map[string]bool, error) {
	inds, err := c.rs.Industries(ctx)
	if err != nil {
		return nil, nil, err
	}
	industries := map[string]bool{}
	for _, in := range inds {
		industries[in.Code] = true
	}
	items, err := c.rs.OperationItemSet(ctx)
	return industries, items, err
}

// CanSee returns the roster's scope check: nil when p may see person id.
func CanSee(rs *roster.Store) func(ctx context.Context, p account.Principal, id uint) error {
	return courseRoster{rs}.canSee
}

// Candidate returns the exam store's view of a roster person.
func Candidate(rs *roster.Store) func(ctx context.Context, id uint) (exam.Candidate, error) {
	return func(ctx context.Context, id uint) (exam.Candidate, error) {
		p, err := rs.Person(ctx, account.System(), id)
		if err != nil {
			return exam.Candidate{}, err
		}
		c := exam.Candidate{PersonID: p.ID, Name: p.Name, Categories: p.Categories, Items: p.OperationItems}
		if p.EnterpriseID != 0 {
			if c.Industry, err = rs.EnterpriseIndustry(ctx, p.EnterpriseID); err != nil {
				return exam.Candidate{}, err
			}
		}
		return c, nil
	}
}
