package optim

import (
	"fmt"
	"testing"

	"github.com/recforge/recforge/nn"
)

// BenchmarkSparseAdam times one Step of lazy Adam over a batch touching 40k
// unique rows of dim 10, for tables of 1e5, 1e6 and 1e7 rows: the step's
// work follows the rows touched, not the table. Rows are drawn from the whole
// table (span = rows), and for the largest table also from its first 1e5
// rows only, which separates the cost of a table outgrowing the caches from
// the cost of the step itself. Filling the gradients is not timed. Each
// runs on 1 and 2 threads (Optimizer.Threads).
func BenchmarkSparseAdam(b *testing.B) {
	const dim, touched = 10, 40_000
	for _, rows := range []int{100_000, 1_000_000, 10_000_000} {
		tab := nn.NewTable("emb", rows, dim, true)
		o := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 1e-3).AddTable(tab, TableReg{}))
		spans := []int{rows}
		if rows > 100_000 {
			spans = append(spans, 100_000)
		}
		for _, span := range spans {
			ids := distinctRows(tab, touched, span)
			grads := make([]float32, touched*dim)
			nn.InitNormal(grads, 1, nn.NewRand(2))
			fill := func() {
				for i, r := range ids {
					copy(tab.GradRow(r), grads[i*dim:(i+1)*dim])
				}
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("rows=%d/span=%d/threads=%d", rows, span, threads), func(b *testing.B) {
					o.Threads = threads
					fill()
					o.Step()
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						b.StopTimer()
						fill()
						b.StartTimer()
						o.Step()
					}
				})
			}
		}
	}
}

// distinctRows returns n distinct non-padding rows of tab drawn uniformly
// from [1, span), using the table's own gradient bookkeeping to dedupe.
func distinctRows(tab *nn.Table, n, span int) []int32 {
	rng := nn.NewRand(1)
	ids := make([]int32, 0, n)
	for len(ids) < n {
		r := int32(1 + rng.IntN(span-1))
		tab.GradRow(r)
		if len(tab.TouchedRows()) > len(ids) {
			ids = append(ids, r)
		}
	}
	tab.ZeroGrad()
	return ids
}

// BenchmarkDenseAdam times one Step of Adam over 500k dense parameters (a
// 400-400-400 MLP's size), gradient clearing included.
func BenchmarkDenseAdam(b *testing.B) {
	p := nn.NewParam("w", 500_000)
	nn.InitNormal(p.G, 1, nn.NewRand(1))
	g := append([]float32(nil), p.G...)
	o := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 1e-3).AddParams(p))
	b.ReportAllocs()
	b.SetBytes(int64(len(p.W)) * 4)
	for b.Loop() {
		b.StopTimer()
		copy(p.G, g)
		b.StartTimer()
		o.Step()
	}
}
