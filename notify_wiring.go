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

// remindCertificates sends the reminders of certificates whose review or
// expiry is 90, 30 or 7 days away or nearer (also those a server that was
// down missed). startJobs runs it once an hour on one node; each reminder
// goes out once anyway (the notice's key), however many servers sweep.
func remindCertificates(ctx context.Context, ns *notify.Store, now time.Time, log *slog.Logger) error {
	n, err := ns.RemindCertificates(ctx, now)
	if err == nil && n > 0 {
		log.Info("sent certificate reminders", "notices", n)
	}
	return err
}
