package blas

import (
	"math/rand/v2"
	"testing"
)

// benchUnary runs one element-wise function of every implementation in
// place over a 4096×400 activation matrix (a Dense layer's output at batch
// 4096), reporting elements per nanosecond.
func benchUnary(b *testing.B, pick func(ewImpl) func(dst, src []float32)) {
	const n = 4096 * 400
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]float32, n)
	for i := range src {
		src[i] = 8*rng.Float32() - 4
	}
	x := make([]float32, n)
	for _, impl := range ewImpls() {
		f := pick(impl)
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for range b.N {
				b.StopTimer()
				copy(x, src)
				b.StartTimer()
				f(x, x)
			}
			b.ReportMetric(float64(n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
		})
	}
}

func BenchmarkExp(b *testing.B) {
	benchUnary(b, func(i ewImpl) func(dst, src []float32) { return i.exp })
}
func BenchmarkSigmoid(b *testing.B) {
	benchUnary(b, func(i ewImpl) func(dst, src []float32) { return i.sigmoid })
}
func BenchmarkTanh(b *testing.B) {
	benchUnary(b, func(i ewImpl) func(dst, src []float32) { return i.tanh })
}
