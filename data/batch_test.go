package data

import (
	"slices"
	"testing"
)

func TestShufflerEpochs(t *testing.T) {
	s := NewShuffler(100, 5)
	e0 := slices.Clone(s.Epoch(0))
	if !isPartition([][]int32{e0}, 100) {
		t.Fatal("epoch order is not a permutation")
	}
	e1 := slices.Clone(s.Epoch(1))
	if slices.Equal(e0, e1) {
		t.Fatal("epochs 0 and 1 have the same order")
	}
	if !slices.Equal(NewShuffler(100, 5).Epoch(1), e1) {
		t.Fatal("same seed and epoch gave another order")
	}
}

func TestBatches(t *testing.T) {
	order := []int32{4, 3, 2, 1, 0}
	var got [][]int32
	for b := range Batches(order, 2) {
		got = append(got, b)
	}
	want := [][]int32{{4, 3}, {2, 1}, {0}}
	if len(got) != len(want) {
		t.Fatalf("%d batches, want 3", len(got))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("batch %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestShuffleBuffer(t *testing.T) {
	run := func(capacity int) []int {
		b := NewShuffleBuffer[int](capacity, 9)
		var out []int
		for i := range 1000 {
			if x, ok := b.Add(i); ok {
				out = append(out, x)
			}
		}
		for x := range b.Drain() {
			out = append(out, x)
		}
		return out
	}
	for _, c := range []int{1, 10, 5000} {
		out := run(c)
		sorted := slices.Clone(out)
		slices.Sort(sorted)
		for i, v := range sorted {
			if v != i {
				t.Fatalf("capacity %d: output is not a permutation of the input", c)
			}
		}
		if c > 1 && slices.IsSorted(out) {
			t.Fatalf("capacity %d: stream left in input order", c)
		}
		if !slices.Equal(out, run(c)) {
			t.Fatalf("capacity %d: not deterministic", c)
		}
	}
	// A buffer of one holds one item back and emits the previous one: the
	// stream keeps its order.
	if out := run(1); !slices.IsSorted(out) {
		t.Fatal("capacity 1 reordered the stream")
	}
}
