package lecture

import (
	"context"
	"strconv"
	"time"

	"anpei/account"
	"anpei/hours"
	"anpei/notify"
)

// Upcoming returns the sessions learner p may attend that are live now or
// start within the next within (their plan and home page show them),
// soonest first. It returns ErrNotLearner for anyone but a learner.
func (s *Store) Upcoming(ctx context.Context, p account.Principal, within time.Duration) ([]View, error) {
	if p.Role != account.RoleLearner {
		return nil, ErrNotLearner
	}
	now := s.now()
	live, _, err := s.List(ctx, p, Filter{Status: StatusLive, Limit: MaxLimit})
	if err != nil {
		return nil, err
	}
	soon, _, err := s.List(ctx, p, Filter{Status: StatusScheduled, From: now.Add(-JoinEarly), To: now.Add(within), Limit: MaxLimit})
	if err != nil {
		return nil, err
	}
	return append(live, soon...), nil
}

// Remind sends every learner in the audience of a session scheduled to
// start within lead (0: two hours) an in-app notice, once per recipient,
// session and start time (the notices' unique key: rescheduling reminds
// again, a second sweep or server does not). It returns how many notices
// were new. Nothing is sent when Options.Learners or Deliver is unset.
func (s *Store) Remind(ctx context.Context, lead time.Duration) (int, error) {
	if s.opt.Learners == nil || s.opt.Deliver == nil {
		return 0, nil
	}
	if lead <= 0 {
		lead = defaultRemindLead
	}
	now := s.now()
	var due []Session
	if err := s.db.WithContext(ctx).Where("status = ? AND scheduled_at > ? AND scheduled_at <= ?", StatusScheduled, now, now.Add(lead)).
		Order("scheduled_at, id").Find(&due).Error; err != nil {
		return 0, asFault(err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	accounts, err := s.opt.Learners(ctx)
	if err != nil {
		return 0, err
	}
	people := map[uint]*Person{}
	sent := 0
	for _, ses := range due {
		ents, err := audienceOf(s.db.WithContext(ctx), ses.ID)
		if err != nil {
			return sent, asFault(err)
		}
		start := ses.ScheduledAt.In(hours.ChinaTime()).Format("1月2日 15:04")
		for _, a := range accounts {
			person, ok := people[a.PersonID]
			if !ok {
				if got, err := s.opt.Person(ctx, a.PersonID); err == nil {
					person = &got
				}
				people[a.PersonID] = person // nil: not on the roster
			}
			if person == nil || !ses.Includes(*person, ents) {
				continue
			}
			n := notify.Notice{UserID: a.UserID, Kind: reminderKind, Subject: "直播课提醒：" + ses.Title,
				Body: "直播课「" + ses.Title + "」将于" + start + "开始（主讲：" + ses.TrainerName + "，计划" + itoa(ses.Minutes) +
					"分钟）。请提前进入直播间，直播中须保持画面播放并按时签到，方可计入学时。",
				Link:      "/live/" + strconv.FormatUint(uint64(ses.ID), 10),
				DedupKey:  "live:" + strconv.FormatUint(uint64(ses.ID), 10) + ":" + strconv.FormatInt(ses.ScheduledAt.Unix(), 10),
				CreatedAt: now}
			fresh, err := s.opt.Deliver(ctx, n)
			if err != nil {
				return sent, err
			}
			if fresh {
				sent++
			}
		}
	}
	return sent, nil
}
