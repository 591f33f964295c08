// Package parallel runs independent pieces of work on a bounded number of
// goroutines. It is the one fan-out the trainer's shards and the
// optimizer's step share: the caller's goroutine takes part, the others
// block when done (they never spin), and which goroutine runs which piece
// never matters, because each piece owns its state.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For runs work(0), …, work(n−1) on up to threads goroutines, the caller's
// included, and returns when all have returned. Pieces are taken in index
// order, one at a time, so uneven pieces balance themselves. With threads
// ≤ 1 or n ≤ 1 it runs them in order on the caller's goroutine.
func For(n, threads int, work func(i int)) {
	t := min(threads, n)
	if t <= 1 {
		for i := range n {
			work(i)
		}
		return
	}
	var next atomic.Int64
	loop := func() {
		for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
			work(i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for range t - 1 {
		go func() {
			defer wg.Done()
			loop()
		}()
	}
	loop()
	wg.Wait()
}
