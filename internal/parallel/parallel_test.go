package parallel

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// Every index runs exactly once, whatever the thread count, and For
// returns only after all have run.
func TestForRunsEachIndexOnce(t *testing.T) {
	for _, threads := range []int{-1, 0, 1, 2, 3, 8, 100} {
		for _, n := range []int{0, 1, 2, 7, 1000} {
			counts := make([]atomic.Int32, n)
			For(n, threads, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("threads %d, n %d: index %d ran %d times", threads, n, i, c)
				}
			}
		}
	}
}

// With one thread the pieces run in index order on the caller's goroutine.
func TestForOneThreadInOrder(t *testing.T) {
	var got []int
	For(5, 1, func(i int) { got = append(got, i) })
	for i, v := range got {
		if v != i {
			t.Fatalf("order %v, want 0..4", got)
		}
	}
	if len(got) != 5 {
		t.Fatalf("ran %d pieces, want 5", len(got))
	}
}

// Several goroutines do run at once when asked: two pieces that each wait
// for the other can only both finish on two threads.
func TestForRunsConcurrently(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	For(2, 2, func(i int) {
		if i == 0 {
			close(a)
			<-b
		} else {
			close(b)
			<-a
		}
	})
}

// Do names each piece's goroutine within [0, workers), and a failure
// returns the error of the lowest failing index, as a loop in order
// would, whatever the thread count.
func TestDoLowestError(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		var bad atomic.Int32
		err := Do(workers, 100, func(w, i int) error {
			if w < 0 || w >= workers {
				bad.Add(1)
			}
			if i == 37 || i == 61 {
				return fmt.Errorf("piece %d", i)
			}
			return nil
		})
		if err == nil || err.Error() != "piece 37" || bad.Load() != 0 {
			t.Fatalf("workers %d: error %v, %d pieces on a goroutine out of range", workers, err, bad.Load())
		}
		if err := Do(workers, 10, func(int, int) error { return nil }); err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
	}
}
