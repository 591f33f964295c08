package data

import (
	"iter"
	"math/rand/v2"
)

// Shuffler gives each epoch its own seeded order of the rows 0..n-1, so that
// batches are drawn without copying or moving the dataset.
type Shuffler struct {
	seed uint64
	perm []int32
}

// NewShuffler returns a shuffler over n rows.
func NewShuffler(n int, seed uint64) *Shuffler {
	return &Shuffler{seed: seed, perm: make([]int32, n)}
}

// Len is the number of rows shuffled.
func (s *Shuffler) Len() int { return len(s.perm) }

// Epoch returns the row order of the given epoch, a permutation that depends
// only on the seed and the epoch. The slice is reused by the next call.
func (s *Shuffler) Epoch(epoch int) []int32 {
	for i := range s.perm {
		s.perm[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(s.seed, uint64(epoch)+0x5bff1e))
	rng.Shuffle(len(s.perm), func(a, b int) { s.perm[a], s.perm[b] = s.perm[b], s.perm[a] })
	return s.perm
}

// Batches yields consecutive slices of order of at most size rows; the last
// may be shorter.
func Batches(order []int32, size int) iter.Seq[[]int32] {
	if size < 1 {
		panic("data: Batches: size must be positive")
	}
	return func(yield func([]int32) bool) {
		for lo := 0; lo < len(order); lo += size {
			hi := min(lo+size, len(order))
			if !yield(order[lo:hi:hi]) {
				return
			}
		}
	}
}

// ShuffleBuffer shuffles a stream too large to hold: it keeps a buffer of
// items and emits a random one for each new item once full, the approach of
// streaming input pipelines. Larger buffers shuffle better. Items must be
// owned values: copy a Record's columns before adding them.
type ShuffleBuffer[T any] struct {
	buf []T
	rng *rand.Rand
}

// NewShuffleBuffer returns a buffer holding up to capacity items.
func NewShuffleBuffer[T any](capacity int, seed uint64) *ShuffleBuffer[T] {
	if capacity < 1 {
		panic("data: ShuffleBuffer: capacity must be positive")
	}
	return &ShuffleBuffer[T]{buf: make([]T, 0, capacity), rng: rand.New(rand.NewPCG(seed, 0xb0ff))}
}

// Add puts x in the buffer. Once the buffer is full it returns a uniformly
// chosen buffered item, replaced by x, and true.
func (b *ShuffleBuffer[T]) Add(x T) (T, bool) {
	if len(b.buf) < cap(b.buf) {
		b.buf = append(b.buf, x)
		var zero T
		return zero, false
	}
	i := b.rng.IntN(len(b.buf))
	out := b.buf[i]
	b.buf[i] = x
	return out, true
}

// Drain yields the buffered items in random order and empties the buffer.
func (b *ShuffleBuffer[T]) Drain() iter.Seq[T] {
	return func(yield func(T) bool) {
		for len(b.buf) > 0 {
			i := b.rng.IntN(len(b.buf))
			x := b.buf[i]
			last := len(b.buf) - 1
			b.buf[i] = b.buf[last]
			var zero T
			b.buf[last] = zero
			b.buf = b.buf[:last]
			if !yield(x) {
				return
			}
		}
	}
}
