package blas

import "sync"

// freeList keeps reusable call state (packing buffers, split descriptors)
// between calls. Unlike sync.Pool it is not emptied by garbage collections:
// a training loop collects garbage between steps, and a sync.Pool would make
// the next step re-allocate megabytes of packing buffers. It holds at most as
// many items as there were concurrent callers.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
}

func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.items); n > 0 {
		x := l.items[n-1]
		l.items[n-1] = nil
		l.items = l.items[:n-1]
		return x
	}
	return new(T)
}

func (l *freeList[T]) put(x *T) {
	l.mu.Lock()
	l.items = append(l.items, x)
	l.mu.Unlock()
}
