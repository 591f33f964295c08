package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

type statsImpl struct {
	name        string
	colAcc      func(acc, mean []float64, x, y []float32, rows, cols, mode int)
	standardize func(dst, x []float32, mean, rstd []float64, rows, cols int)
	bnGrad      func(dx, h, xhat []float32, s1, s2, rstd []float64, rows, cols int, add bool)
}

var genericStats = statsImpl{"generic", colAccGeneric, standardizeGeneric, bnGradGeneric}

// Every implementation against the plain loops, bit for bit, on widths
// around the 8-column vector (1, 7, 8, 9, 40, 83) and row counts from one;
// the floats past the batch stay untouched.
func TestBatchStatsMatchPlainLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	f32 := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = (rng.Float32()*2 - 1) * scale
		}
		return v
	}
	f64 := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.Float64()*2 - 1
		}
		return v
	}
	same32 := func(t *testing.T, what string, got, want []float32) {
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %v, plain loop %v", what, i, got[i], want[i])
			}
		}
	}
	same64 := func(t *testing.T, what string, got, want []float64) {
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s[%d] = %v, plain loop %v", what, i, got[i], want[i])
			}
		}
	}
	for _, impl := range statsImpls() {
		for _, cols := range []int{1, 7, 8, 9, 40, 83} {
			for _, rows := range []int{1, 5, 33} {
				t.Run(fmt.Sprintf("%s/%dx%d", impl.name, rows, cols), func(t *testing.T) {
					m := rows * cols
					x, y := f32(m+3, 3), f32(m+3, 1)
					mean, rstd, s2 := f64(cols+2), f64(cols+2), f64(cols+2)
					for mode := 0; mode < 3; mode++ {
						want, got := f64(cols+2), []float64(nil)
						got = append(got, want...)
						var yy []float32
						if mode == 2 {
							yy = y[:m]
						}
						var mm []float64
						if mode == 1 {
							mm = mean[:cols]
						}
						colAccGeneric(want[:cols], mm, x[:m], yy, rows, cols, mode)
						impl.colAcc(got[:cols], mm, x[:m], yy, rows, cols, mode)
						same64(t, fmt.Sprintf("mode %d acc", mode), got, want)
					}
					want, got := f32(m+3, 1), []float32(nil)
					got = append(got, want...)
					standardizeGeneric(want[:m], x[:m], mean[:cols], rstd[:cols], rows, cols)
					impl.standardize(got[:m], x[:m], mean[:cols], rstd[:cols], rows, cols)
					same32(t, "standardized", got, want)
					for _, add := range []bool{false, true} {
						want, got := f32(m+3, 1), []float32(nil)
						got = append(got, want...)
						bnGradGeneric(want[:m], x[:m], y[:m], mean[:cols], s2[:cols], rstd[:cols], rows, cols, add)
						impl.bnGrad(got[:m], x[:m], y[:m], mean[:cols], s2[:cols], rstd[:cols], rows, cols, add)
						same32(t, fmt.Sprintf("dx (add %v)", add), got, want)
					}
				})
			}
		}
	}
}

// Short operands panic with the function's name.
func TestBatchStatsCheckShapes(t *testing.T) {
	panicsWith(t, "short x", func() { ColSums64(make([]float64, 3), make([]float32, 5), 2, 3) }, "ColSums64: 2×3")
	panicsWith(t, "short mean", func() { ColSqDev64(make([]float64, 3), make([]float64, 2), make([]float32, 6), 2, 3) }, "column vector of 2")
	panicsWith(t, "short dx", func() {
		v := make([]float64, 3)
		BatchNormGrad(make([]float32, 5), make([]float32, 6), make([]float32, 6), v, v, v, 2, 3, false)
	}, "BatchNormGrad: 2×3")
}
