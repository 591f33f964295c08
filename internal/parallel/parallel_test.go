package parallel

import (
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
