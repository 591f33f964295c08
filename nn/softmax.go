package nn

import "github.com/recforge/recforge/blas"

// softmaxInPlace replaces x with softmax(x), shifted by its maximum so that
// no exponent overflows.
func softmaxInPlace(x []float32) {
	if len(x) == 0 {
		return
	}
	mx := x[0]
	for _, v := range x[1:] {
		mx = max(mx, v)
	}
	for i := range x {
		x[i] -= mx
	}
	blas.Exp(x, x)
	var s float32
	for _, v := range x {
		s += v
	}
	inv := 1 / s
	for i := range x {
		x[i] *= inv
	}
}
