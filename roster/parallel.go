package roster

import (
	"runtime"
	"sync"
)

// eachIndex calls fn(i) for every i in [0, n), spread over the cores in
// contiguous chunks. fn must only write to its own index's results; it is
// for the per-row checks of a large import, which are pure.
func eachIndex(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), 8, max(1, n/1000))
	per := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
