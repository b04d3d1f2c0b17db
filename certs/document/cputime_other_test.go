//go:build !unix

package document

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
