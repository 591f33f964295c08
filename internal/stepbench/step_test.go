package stepbench

import (
	"fmt"
	"math"
	"testing"

	"github.com/recforge/recforge/blas"
)

// A handful of steps on a small instance must lower the loss on a repeated
// batch: the pieces are wired into one working model.
func TestStepLearns(t *testing.T) {
	cfg := Config{Sizes: []int{5, 50, 500, 7}, Dim: 4, Hidden: []int{16, 16}, Batch: 256, Seed: 3}
	batches, rows := MakeBatches(cfg.Sizes, cfg.Sizes, cfg.Batch, 1, 9)
	s := NewStep(cfg, rows)
	first := s.Run(batches[0])
	var last float64
	for range 60 {
		last = s.Run(batches[0])
	}
	if !(last < first*0.9) || math.IsNaN(last) {
		t.Fatalf("loss went from %.4f to %.4f; want a clear decrease", first, last)
	}
}

// The same seed and batches must give bit-identical weights.
func TestStepDeterministic(t *testing.T) {
	cfg := Config{Sizes: []int{5, 50, 500, 7}, Dim: 4, Hidden: []int{16}, Batch: 128, Seed: 3}
	batches, rows := MakeBatches(cfg.Sizes, cfg.Sizes, cfg.Batch, 3, 9)
	run := func() []float32 {
		s := NewStep(cfg, rows)
		for _, b := range batches {
			s.Run(b)
		}
		return append(append([]float32(nil), s.v.Data...), s.mlp.Dense[0].W.W...)
	}
	a, b := run(), run()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("weight %d differs between identical runs: %v vs %v", i, a[i], b[i])
		}
	}
}

// BenchmarkDeepFMStep measures one full training step (forward, backward,
// lazy Adam) of the DeepFM-shaped model at batch 4096 on one thread:
//   - table=1x/draw=1x: tables of about 1M rows;
//   - table=10x/draw=1x: tables 10× larger fed the very same field values,
//     so that any slowdown is the cost of table size alone;
//   - table=10x/draw=10x: values drawn over the 10× vocabularies, which
//     touches more distinct rows per batch (reported for context).
//
// Compare the first two with `benchstat -col /table`.
func BenchmarkDeepFMStep(b *testing.B) {
	cases := []struct {
		name         string
		scale, drawn int
	}{{"table=1x/draw=1x", 1, 1}, {"table=10x/draw=1x", 10, 1}, {"table=10x/draw=10x", 10, 10}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cfg := DefaultConfig(c.scale)
			batches, rows := MakeBatches(cfg.Sizes, FieldSizes(c.drawn), cfg.Batch, 8, 11)
			s := NewStep(cfg, rows)
			for _, bt := range batches { // warm up: first-touch growth of buffers
				s.Run(bt)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				s.Run(batches[i%len(batches)])
			}
			b.ReportMetric(float64(b.N*cfg.Batch)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}

// BenchmarkDeepFMStepThreads measures the same step with SGEMMs split over
// 1 and 2 goroutines (blas.SetThreads): the explicit opt-in to more cores.
// Everything outside SGEMM stays on one thread.
func BenchmarkDeepFMStepThreads(b *testing.B) {
	cfg := DefaultConfig(1)
	batches, rows := MakeBatches(cfg.Sizes, cfg.Sizes, cfg.Batch, 8, 11)
	for _, nt := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", nt), func(b *testing.B) {
			blas.SetThreads(nt)
			defer blas.SetThreads(1)
			s := NewStep(cfg, rows)
			for _, bt := range batches {
				s.Run(bt)
			}
			b.ResetTimer()
			for i := range b.N {
				s.Run(batches[i%len(batches)])
			}
			b.ReportMetric(float64(b.N*cfg.Batch)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
