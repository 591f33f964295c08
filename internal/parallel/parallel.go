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
// ≤ 1 or n ≤ 1 it runs them in order on the caller's goroutine, allocating
// nothing.
func For(n, threads int, work func(i int)) {
	if min(threads, n) <= 1 {
		for i := range n {
			work(i)
		}
		return
	}
	_ = Do(threads, n, func(_, i int) error {
		work(i)
		return nil
	})
}

// Do runs work(w, i) for every i in [0, n) on up to workers goroutines,
// the caller's included, w in [0, workers) naming the goroutine, so that
// work can use state of its own (a model replica, buffers); it returns
// when all are done. The indices are taken in increasing order. A failing
// index stops the goroutines from taking more; those taken before it run
// to the end, so the error returned, the one of the lowest failing index,
// is the one a loop over the indices in order would stop at.
func Do(workers, n int, work func(w, i int) error) error {
	t := min(workers, n)
	if t <= 1 {
		for i := range n {
			if err := work(0, i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	var failed atomic.Bool
	// Each goroutine's first failure, its lowest: it takes increasing
	// indices.
	at := make([]int, t)
	errs := make([]error, t)
	loop := func(w int) {
		for !failed.Load() {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			if err := work(w, i); err != nil {
				at[w], errs[w] = i, err
				failed.Store(true)
				return
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for w := 1; w < t; w++ {
		go func() {
			defer wg.Done()
			loop(w)
		}()
	}
	loop(0)
	wg.Wait()
	var err error
	low := n
	for w, e := range errs {
		if e != nil && at[w] < low {
			low, err = at[w], e
		}
	}
	return err
}
