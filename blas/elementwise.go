package blas

import "math"

// Exp sets dst[i] = e^src[i]. dst and src may be the same slice.
func Exp(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// Sigmoid sets dst[i] = 1/(1+e^-src[i]). dst and src may be the same slice.
func Sigmoid(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// Tanh sets dst[i] = tanh(src[i]). dst and src may be the same slice.
func Tanh(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// Axpy sets y[i] += alpha·x[i] over len(y) elements.
func Axpy(alpha float32, x, y []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Dot returns Σ x[i]·y[i] over len(x) elements.
func Dot(x, y []float32) float32 {
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}
