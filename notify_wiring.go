package main

import (
	"context"
	"log/slog"
	"time"

	"anpei/notify"
)

// newNotices builds the notice store: the in-app inbox, and the
// certificates it reminds about read from the certificate store. Extra
// senders (SMS, WeCom) go in Senders when there are any.
func (a *app) newNotices() *notify.Store {
	return notify.NewStore(a.db, notify.Options{Kinds: a.certs.Kinds(), Due: a.certs.DueBetween, Log: a.log})
}

// remindCertificates sends, at start and every hour, the reminders of
// certificates whose review or expiry is 90, 30 or 7 days away or nearer
// (also those a server that was down missed); each goes out once, however
// many servers sweep.
func remindCertificates(ctx context.Context, ns *notify.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := ns.RemindCertificates(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("remind certificates", "err", err)
		case n > 0:
			log.Info("sent certificate reminders", "notices", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
