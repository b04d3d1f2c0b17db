package main

import (
	"context"
	"fmt"
	"net/url"
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

// checkPublicURL accepts an empty --public-url or an http(s) address with
// a host and nothing after it but an optional path prefix.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url %q: want an address such as https://px.qilin.gov.cn", raw)
	}
	return nil
}
