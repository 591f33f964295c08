package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are the Dense layer products of a 390→400→400 MLP at batch
// 4096 (forward NN, weight gradient Xᵀ·dY, input gradient dY·Wᵀ) and at the
// serving batches 1 and 100.
var benchShapes = []struct {
	tA, tB  bool
	m, n, k int
}{
	{false, false, 4096, 400, 390},
	{false, false, 4096, 400, 400},
	{true, false, 390, 400, 4096},
	{true, false, 400, 400, 4096},
	{false, true, 4096, 390, 400},
	{false, true, 4096, 400, 400},
	{false, false, 1, 400, 390},
	{false, false, 100, 400, 390},
	{false, false, 1, 400, 400},
	{false, false, 100, 400, 400},
}

// BenchmarkSgemm reports GFLOP/s (2·m·n·k per call) for each shape; run it
// with and without -tags openblas to compare against OpenBLAS.
func BenchmarkSgemm(b *testing.B) {
	b.Logf("backend %s, %d thread(s)", backend(), Threads())
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range benchShapes {
		form := map[[2]bool]string{{false, false}: "NN", {true, false}: "TN", {false, true}: "NT", {true, true}: "TT"}[[2]bool{s.tA, s.tB}]
		b.Run(fmt.Sprintf("%s_m%d_n%d_k%d", form, s.m, s.n, s.k), func(b *testing.B) {
			a, lda := matrix(rng, s.m, s.k, 0, 0)
			if s.tA {
				a, lda = matrix(rng, s.k, s.m, 0, 0)
			}
			bm, ldb := matrix(rng, s.k, s.n, 0, 0)
			if s.tB {
				bm, ldb = matrix(rng, s.n, s.k, 0, 0)
			}
			c := make([]float32, s.m*s.n)
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			b.ResetTimer()
			for range b.N {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
