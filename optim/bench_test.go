package optim

import (
	"fmt"
	"testing"

	"github.com/recforge/recforge/nn"
)

// BenchmarkSparseAdam times one Step of lazy Adam over a batch touching 40k
// unique rows of dim 10, for tables of 1e5, 1e6 and 1e7 rows: the step's
// cost must follow the rows touched, not the table. Filling the gradients is
// not timed.
func BenchmarkSparseAdam(b *testing.B) {
	const dim, touched = 10, 40_000
	for _, rows := range []int{100_000, 1_000_000, 10_000_000} {
		tab := nn.NewTable("emb", rows, dim, true)
		o := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 1e-3).AddTable(tab, TableReg{}))
		rng := nn.NewRand(1)
		ids := make([]int32, 0, touched)
		for len(ids) < touched { // distinct rows spread over the table; GradRow dedupes
			r := int32(1 + rng.IntN(rows-1))
			tab.GradRow(r)
			if len(tab.TouchedRows()) > len(ids) {
				ids = append(ids, r)
			}
		}
		tab.ZeroGrad()
		grads := make([]float32, touched*dim)
		nn.InitNormal(grads, 1, rng)
		fill := func() {
			for i, r := range ids {
				copy(tab.GradRow(r), grads[i*dim:(i+1)*dim])
			}
		}
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
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
