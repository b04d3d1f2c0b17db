package roster_test

import (
	"bytes"
	"testing"
	"time"

	"anpei/roster"
)

func TestZZBreakdown(t *testing.T) {
	b := xlLargeRoster(t, 20000)
	xlEach(t, func(t *testing.T, e *xlEnv) {
		for i := 0; i < 2; i++ {
			e.db.Exec("DELETE FROM person_operation_items"); e.db.Exec("DELETE FROM duty_events"); e.db.Exec("DELETE FROM people")
			start := time.Now()
			parsed, err := e.store.ParseRoster(e.ctx, bytes.NewReader(b), int64(len(b)), roster.Limits{})
			if err != nil || len(parsed.Problems) > 0 {
				t.Fatal(err, parsed.Problems)
			}
			t.Logf("parse %v", time.Since(start))
			start = time.Now()
			res, err := e.store.UpsertPeople(e.ctx, xlEntAdmin(e.a.ID), e.a.ID, parsed.People)
			t.Logf("upsert %v %+v %v", time.Since(start), res, err)
		}
	})
}
