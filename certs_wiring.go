package main

import (
	"context"
	"time"

	"anpei/fault"
)

// issueEarned issues, in the background, the certificate a just-graded
// attempt earned; the sweeper in serve catches what this misses (a crash,
// hours not yet done).
func (a *app) issueEarned(attemptID uint) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, _, err := a.certs.IssueEarned(ctx, attemptID); err != nil {
			if fe := fault.As(err); fe.Kind == fault.Internal {
				a.log.Error("issue certificate", "attempt", attemptID, "err", err)
			}
		}
	}()
}
