package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzSgemm checks arbitrary shapes, strides, scalars and epilogues against
// the float64 reference. The seed corpus runs with every go test.
func FuzzSgemm(f *testing.F) {
	f.Add(false, false, uint8(1), uint8(1), uint8(1), uint8(0), float32(1), float32(0), uint8(0), uint64(1))
	f.Add(true, false, uint8(13), uint8(33), uint8(70), uint8(5), float32(-0.5), float32(1), uint8(3), uint64(2))
	f.Add(false, true, uint8(25), uint8(64), uint8(7), uint8(9), float32(2), float32(-1), uint8(1), uint64(3))
	f.Add(true, true, uint8(12), uint8(32), uint8(4), uint8(63), float32(1), float32(0.5), uint8(2), uint64(4))
	f.Add(false, false, uint8(0), uint8(5), uint8(5), uint8(0), float32(1), float32(1), uint8(3), uint64(5))
	f.Add(false, false, uint8(7), uint8(200), uint8(0), uint8(2), float32(1), float32(3), uint8(1), uint64(6))
	f.Add(true, false, uint8(97), uint8(45), uint8(255), uint8(17), float32(0), float32(2), uint8(3), uint64(7))
	f.Fuzz(func(t *testing.T, transA, transB bool, m, n, k, pads uint8, alpha, beta float32, flags uint8, seed uint64) {
		for _, v := range []float32{alpha, beta} {
			if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 1e6 {
				t.Skip("scalars outside the checked range")
			}
		}
		tc := gemmCase{transA: transA, transB: transB, m: int(m) % 100, n: int(n), k: int(k),
			padA: int(pads & 3), padB: int(pads >> 2 & 3), padC: int(pads>>4&3) + 1,
			alpha: alpha, beta: beta, bias: flags&1 != 0, relu: flags&2 != 0}
		o := tc.operands(rand.New(rand.NewPCG(seed, 99)))
		tc.run(o)
		tc.check(t, o, "Sgemm")
	})
}
