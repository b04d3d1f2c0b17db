package db

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestRetryDeadlock(t *testing.T) {
	deadlock := fmt.Errorf("commit: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
	other := &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}
	for _, tc := range []struct {
		name      string
		tries     int
		fails     []error // what the attempts return, in order; then nil
		wantCalls int
		wantErr   error
	}{
		{"success at once", 3, nil, 1, nil},
		{"a deadlock victim is run again", 3, []error{deadlock}, 2, nil},
		{"twice, then it goes through", 3, []error{deadlock, deadlock}, 3, nil},
		{"three deadlocks: give up with the last", 3, []error{deadlock, deadlock, deadlock}, 3, deadlock},
		{"another error is not retried", 3, []error{other}, 1, other},
		{"five tries", 5, []error{deadlock, deadlock, deadlock, deadlock}, 5, nil},
	} {
		calls := 0
		err := RetryDeadlock(tc.tries, func() error {
			calls++
			if calls <= len(tc.fails) {
				return tc.fails[calls-1]
			}
			return nil
		})
		if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: %d calls, %v; want %d calls, %v", tc.name, calls, err, tc.wantCalls, tc.wantErr)
		}
	}
	if !IsDeadlock(deadlock) || IsDeadlock(other) || IsDeadlock(nil) {
		t.Error("IsDeadlock")
	}
}
