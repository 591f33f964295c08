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

// benchOperands returns A, B and C for a shape, with their strides.
func benchOperands(tA, tB bool, m, n, k int) (a []float32, lda int, bm []float32, ldb int, c []float32) {
	rng := rand.New(rand.NewPCG(1, 1))
	if tA {
		a, lda = matrix(rng, k, m, 0, 0)
	} else {
		a, lda = matrix(rng, m, k, 0, 0)
	}
	if tB {
		bm, ldb = matrix(rng, n, k, 0, 0)
	} else {
		bm, ldb = matrix(rng, k, n, 0, 0)
	}
	return a, lda, bm, ldb, make([]float32, m*n)
}

func shapeName(tA, tB bool, m, n, k int) string {
	form := map[[2]bool]string{{false, false}: "NN", {true, false}: "TN", {false, true}: "NT", {true, true}: "TT"}[[2]bool{tA, tB}]
	return fmt.Sprintf("%s_m%d_n%d_k%d", form, m, n, k)
}

func reportGFLOPS(b *testing.B, m, n, k int) {
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm reports GFLOP/s (2·m·n·k per call) for each shape; run it
// with and without -tags openblas to compare against OpenBLAS.
func BenchmarkSgemm(b *testing.B) {
	b.Logf("backend %s, %d thread(s)", backend(), Threads())
	for _, s := range benchShapes {
		b.Run(shapeName(s.tA, s.tB, s.m, s.n, s.k), func(b *testing.B) {
			a, lda, bm, ldb, c := benchOperands(s.tA, s.tB, s.m, s.n, s.k)
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			b.ResetTimer()
			for range b.N {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			reportGFLOPS(b, s.m, s.n, s.k)
		})
	}
}

// BenchmarkSgemmKernels runs every kernel family this CPU supports on the
// shapes of BenchmarkSgemm, bypassing the run-time choice (and OpenBLAS
// under its tag): the AVX2 figures compare like for like with OpenBLAS's
// AVX2 (Haswell) kernels.
func BenchmarkSgemmKernels(b *testing.B) {
	for _, kern := range kernelFamilies() {
		for _, s := range benchShapes {
			b.Run(kern.name+"/"+shapeName(s.tA, s.tB, s.m, s.n, s.k), func(b *testing.B) {
				a, lda, bm, ldb, c := benchOperands(s.tA, s.tB, s.m, s.n, s.k)
				g := gemmArgs{transA: s.tA, transB: s.tB, m: s.m, n: s.n, k: s.k, alpha: 1,
					a: a, lda: lda, b: bm, ldb: ldb, c: c, ldc: s.n}
				plan := planFor(kern, &g)
				w := new(workspace)
				w.run(kern, &g, plan)
				b.ResetTimer()
				for range b.N {
					w.run(kern, &g, plan)
				}
				reportGFLOPS(b, s.m, s.n, s.k)
			})
		}
	}
}
