package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamUpdate checks every implementation bit for bit against the
// update written out one rounded float32 operation at a time, over every
// length up to 70 (tails of 1 to 15 lanes) and a long one, with zero,
// tiny and large gradients and moments.
func TestAdamUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	k := AdamConsts{Beta1: 0.9, Beta2: 0.999, Step: 1e-3 / (1 - 0.9*0.9*0.9), Corr: float32(1 / math.Sqrt(1-math.Pow(0.999, 3))), Eps: 1e-8}
	consts := [7]float32{k.Beta1, 1 - k.Beta1, k.Beta2, 1 - k.Beta2, k.Step, k.Corr, k.Eps}
	val := func() float32 {
		switch rng.IntN(6) {
		case 0:
			return 0
		case 1:
			return float32(rng.NormFloat64()) * 1e-20
		case 2:
			return float32(rng.NormFloat64()) * 1e6
		}
		return float32(rng.NormFloat64())
	}
	const guard = 8
	lengths := []int{1000}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	for _, impl := range ewImpls() {
		for _, n := range lengths {
			w, g, m, v := make([]float32, n+guard), make([]float32, n+guard), make([]float32, n+guard), make([]float32, n+guard)
			for i := range w {
				w[i], g[i], m[i], v[i] = val(), val(), val(), float32(math.Abs(float64(val())))
			}
			ww, wm, wv := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			for i := 0; i < n; i++ {
				b1m := k.Beta1 * wm[i]
				c1g := (1 - k.Beta1) * g[i]
				mi := b1m + c1g
				b2v := k.Beta2 * wv[i]
				c2g := (1 - k.Beta2) * g[i]
				c2gg := c2g * g[i]
				vi := b2v + c2gg
				root := float32(math.Sqrt(float64(vi)))
				den := root * k.Corr
				den += k.Eps
				num := k.Step * mi
				ww[i] -= num / den
				wm[i], wv[i] = mi, vi
			}
			impl.adam(w[:n], g[:n], m[:n], v[:n], consts)
			for i := range w {
				if math.Float32bits(w[i]) != math.Float32bits(ww[i]) || math.Float32bits(m[i]) != math.Float32bits(wm[i]) || math.Float32bits(v[i]) != math.Float32bits(wv[i]) {
					t.Fatalf("%s n=%d: element %d: w, m, v = %v, %v, %v, want %v, %v, %v", impl.name, n, i, w[i], m[i], v[i], ww[i], wm[i], wv[i])
				}
			}
		}
	}
	// The exported wrapper on a case by hand: g = 1 from zero moments with
	// β = 0.5 gives m = 0.5, v = 0.5·1·1 = 0.5, w = 1 − (1·0.5)/(√0.5·1 + 0).
	w, m, v := []float32{1}, []float32{0}, []float32{0}
	AdamUpdate(w, []float32{1}, m, v, AdamConsts{Beta1: 0.5, Beta2: 0.5, Step: 1, Corr: 1, Eps: 0})
	if want := 1 - 0.5/float32(math.Sqrt(0.5)); m[0] != 0.5 || v[0] != 0.5 || w[0] != want {
		t.Fatalf("AdamUpdate by hand: w, m, v = %v, %v, %v, want %v, 0.5, 0.5", w[0], m[0], v[0], want)
	}
}
