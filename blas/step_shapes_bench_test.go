package blas

import "testing"

// stepShapes are the nine distinct shapes of the twelve products of one
// DeepFM training step (MLP 390→400→400→400→1 at batch 4096): per layer the
// forward x·W, the weight gradient xᵀ·dz and the input gradient dz·Wᵀ,
// including the 400→1 output layer whose products are one column or one k
// step wide.
var stepShapes = []struct {
	tA, tB  bool
	m, n, k int
}{
	{false, false, 4096, 400, 390},
	{false, false, 4096, 400, 400},
	{false, false, 4096, 1, 400},
	{true, false, 390, 400, 4096},
	{true, false, 400, 400, 4096},
	{true, false, 400, 1, 4096},
	{false, true, 4096, 390, 400},
	{false, true, 4096, 400, 400},
	{false, true, 4096, 400, 1},
}

// BenchmarkSgemmStep reports GFLOP/s for each product shape of the DeepFM
// step (internal/stepbench), with the accumulating beta = 1 of the weight
// gradients.
func BenchmarkSgemmStep(b *testing.B) {
	for _, s := range stepShapes {
		b.Run(shapeName(s.tA, s.tB, s.m, s.n, s.k), func(b *testing.B) {
			a, lda, bm, ldb, c := benchOperands(s.tA, s.tB, s.m, s.n, s.k)
			var beta float32
			if s.tA {
				beta = 1
			}
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, beta, c, s.n)
			b.ResetTimer()
			for range b.N {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, beta, c, s.n)
			}
			reportGFLOPS(b, s.m, s.n, s.k)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/call")
		})
	}
}
