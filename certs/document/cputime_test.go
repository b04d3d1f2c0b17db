//go:build unix

package document

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, all threads, so a
// benchmark can report throughput per CPU-second even on a busy machine.
func cpuTime() (time.Duration, bool) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, false
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), true
}
