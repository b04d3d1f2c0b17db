package certs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
)

// lookupFixture issues a certificate to each fixture person.
func lookupFixture(t *testing.T, gdb *gorm.DB) (*Store, []Certificate) {
	t.Helper()
	st, _ := testStore(t, gdb, &clock{t: today})
	var out []Certificate
	for _, p := range fixture {
		c, err := st.Issue(context.Background(), admin, ManualInput{PersonID: p.id, Kind: "training_pass", Reason: "补录"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return st, out
}

// eventually fails t unless cond holds within five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestLookupsWaitTogether: lookups arriving while all of a store's lookup
// queries run wait, and one query, made after they arrived, answers them
// all: each gets its own certificate or the one unknown answer, a
// revocation made while they waited shows, a lookup whose request ends
// stops waiting, and none stays queued afterwards.
func TestLookupsWaitTogether(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st, certs := lookupFixture(t, gdb)
		ctx := context.Background()
		// Hold the queries back, as running queries would.
		st.lookup.queue.Hold()
		asks := []struct{ number, name, want string }{
			{certs[0].Number, "", certs[0].Number},
			{strings.ToLower(certs[1].Number), "", certs[1].Number},
			{certs[2].Number, fixture[2].name, certs[2].Number},
			{certs[0].Number, fixture[1].name, ""},
			{"PX2026-999999-AAAA", "", ""},
			{certs[1].Number, "", certs[1].Number},
		}
		type answer struct {
			pub Public
			err error
		}
		answers := make([]chan answer, len(asks))
		for i, a := range asks {
			answers[i] = make(chan answer, 1)
			go func() {
				pub, err := st.Lookup(ctx, a.number, a.name)
				answers[i] <- answer{pub, err}
			}()
		}
		gone, leave := context.WithCancel(ctx)
		left := make(chan error, 1)
		go func() {
			_, err := st.Lookup(gone, certs[2].Number, "")
			left <- err
		}()
		eventually(t, "the lookups do not wait together", func() bool { return st.lookup.queue.Queued() == len(asks)+1 })
		leave()
		if err := <-left; !errors.Is(err, context.Canceled) {
			t.Fatalf("a lookup whose request ended: %v", err)
		}
		if _, err := st.ChangeState(ctx, admin, certs[1].ID, "revoke", StateChange{Reason: "2026年11月事故调查认定", Ground: "accident"}); err != nil {
			t.Fatal(err)
		}
		// The queries end: the waiting lookups are read together.
		st.lookup.queue.Release()
		for i, a := range asks {
			got := <-answers[i]
			switch {
			case a.want == "":
				if !errors.Is(got.err, ErrUnknownCertificate) {
					t.Errorf("lookup %d (%s, %q): %+v %v, want the unknown answer", i, a.number, a.name, got.pub, got.err)
				}
			case got.err != nil || got.pub.Number != a.want || got.pub.HolderMasked == "" || got.pub.Certificate().Number != a.want:
				t.Errorf("lookup %d (%s): %+v %v", i, a.number, got.pub, got.err)
			case a.want == certs[1].Number && (got.pub.Status != StatusRevoked || got.pub.StatusReason != "证书已被撤销（对生产安全事故负有责任）"):
				t.Errorf("lookup %d: revoked while it waited, answered %s %q", i, got.pub.Status, got.pub.StatusReason)
			case a.want != certs[1].Number && got.pub.Status != StatusValid:
				t.Errorf("lookup %d: %s", i, got.pub.Status)
			}
		}
		eventually(t, "lookups stay queued", func() bool { return st.lookup.queue.Queued() == 0 })
	})
}

// TestLookupsConcurrent: under concurrent lookups, alone or together as
// the queries go, each gets the answer for its own number.
func TestLookupsConcurrent(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st, certs := lookupFixture(t, gdb)
		numbers := []string{certs[0].Number, certs[1].Number, certs[2].Number, "PX2026-999999-AAAA"}
		var wg sync.WaitGroup
		for w := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					n := numbers[(w+i)%len(numbers)]
					pub, err := st.Lookup(context.Background(), n, "")
					if n == numbers[3] {
						if !errors.Is(err, ErrUnknownCertificate) {
							t.Errorf("unknown number: %+v %v", pub, err)
							return
						}
					} else if err != nil || pub.Number != n || len(pub.History) != 1 || !strings.Contains(pub.History[0].Detail, n) {
						t.Errorf("lookup of %s: %+v %v", n, pub, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	})
}
