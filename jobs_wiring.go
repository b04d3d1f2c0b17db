package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"anpei/jobs"
)

// bgJob is one background job and how it runs across the servers sharing
// the database:
//
//   - with period: once per period (the China day, the hour) on whichever
//     node asks first; the run holds a lease of `lease`, renewed while it
//     works, after which a dead runner's period is taken over;
//   - without: a sweep that runs on the node holding the job's lease of
//     `lease` (renewed on each tick, taken over when it runs out or the
//     holder shuts down).
//
// Every node asks every `every`; the first ask is at start.
type bgJob struct {
	name   string
	every  time.Duration
	period func(time.Time) string
	lease  time.Duration
	run    func(ctx context.Context, now time.Time) error
}

// backgroundJobs are serve's background jobs. Each store use case they
// call is also safe when run twice or on two nodes at once (unique keys,
// conditional updates): the job tables save the repeated work and make
// the daily and hourly ones happen once, they are not what keeps the data
// right.
func backgroundJobs(a *app, log *slog.Logger) []bgJob {
	return []bgJob{
		{name: "compliance-daily", every: 5 * time.Minute, period: jobs.Day, lease: 10 * time.Minute,
			run: func(ctx context.Context, now time.Time) error { return evaluateCompliance(ctx, a, now, log) }},
		{name: "certificate-reminders", every: 5 * time.Minute, period: jobs.Hour, lease: 10 * time.Minute,
			run: func(ctx context.Context, now time.Time) error { return remindCertificates(ctx, a.notices, now, log) }},
		{name: "purge-sessions", every: 5 * time.Minute, period: jobs.Hour, lease: 10 * time.Minute,
			run: func(ctx context.Context, _ time.Time) error { return purgeSessions(ctx, a.accounts, log) }},
		{name: "grade-due-attempts", every: 15 * time.Second, lease: time.Minute,
			run: func(ctx context.Context, _ time.Time) error { return gradeDueAttempts(ctx, a.exams, log) }},
		{name: "issue-due-certificates", every: 5 * time.Minute, lease: 15 * time.Minute,
			run: func(ctx context.Context, _ time.Time) error { return issueDueCertificates(ctx, a.certs, log) }},
		{name: "live-sweep", every: time.Minute, lease: 3 * time.Minute,
			run: func(ctx context.Context, _ time.Time) error { return sweepLectures(ctx, a.lectures, log) }},
	}
}

// startJobs starts the background jobs of this node (node: --node-name,
// empty = host name:process ID); they stop when ctx ends. The returned
// wait, called after ctx ended and before the database closes, lets them
// record their end (a sweep's lease released, an interrupted period left
// open for another node), for at most 10 s.
func startJobs(ctx context.Context, a *app, node string, log *slog.Logger) (wait func(), err error) {
	if node == "" {
		node = jobs.DefaultNode()
	}
	js, err := jobs.New(a.db, node, nil)
	if err != nil {
		return nil, err
	}
	log.Info("background jobs: this node", "node", node)
	var wg sync.WaitGroup
	for _, j := range backgroundJobs(a, log) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.loop(ctx, js, log.With("job", j.name, "node", node))
		}()
	}
	return func() {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			log.Warn("background jobs still running at shutdown; not waiting longer")
		}
	}, nil
}

// loop asks at start and then every j.every until ctx ends; a sweep's
// lease is released on the way out so another node takes it at once.
func (j bgJob) loop(ctx context.Context, js *jobs.Store, log *slog.Logger) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	held, skipped := false, ""
	if j.period == nil {
		defer func() {
			if !held {
				return
			}
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := js.Release(rctx, j.name); err != nil {
				log.Warn("background job: lease not released", "err", err)
			}
		}()
	}
	for {
		if j.period != nil {
			skipped = j.once(ctx, js, skipped, log)
		} else {
			held = j.sweep(ctx, js, held, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// once runs the current period unless another node has done or is doing
// it; that is logged once per period (skipped: the period last logged so,
// returned updated).
func (j bgJob) once(ctx context.Context, js *jobs.Store, skipped string, log *slog.Logger) string {
	now := time.Now()
	period := j.period(now)
	began := time.Now()
	ran, err := js.Once(ctx, j.name, period, j.lease, func(ctx context.Context) error { return j.run(ctx, now) })
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("background job failed; the period stays open for the next try", "period", period, "ran", ran, "err", err)
	case err != nil:
	case ran:
		log.Info("background job ran", "period", period, "took", time.Since(began).Round(time.Millisecond).String())
	case period != skipped:
		log.Info("background job: period done or running on another node", "period", period)
		return period
	}
	return skipped
}

// sweep runs the sweep if this node holds (or now takes) its lease, and
// reports whether it does.
func (j bgJob) sweep(ctx context.Context, js *jobs.Store, held bool, log *slog.Logger) bool {
	ok, err := js.Hold(ctx, j.name, j.lease)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("background job: lease not checked", "err", err)
		}
		return held
	}
	if ok != held {
		if ok {
			log.Info("background job: this node sweeps now (took the lease)")
		} else {
			log.Info("background job: another node sweeps now (lease taken over)")
		}
	}
	if !ok {
		return false
	}
	if err := j.run(ctx, time.Now()); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		log.Warn("background job failed", "err", err)
	}
	return true
}
