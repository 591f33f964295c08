package nn

import (
	"math"
	"testing"
)

func TestPReLUGradients(t *testing.T) {
	const n, w = 6, 4
	l := NewPReLU("p", w, n)
	rng := NewRand(5)
	InitUniform(l.Alpha.W, 0.5, rng) // distinct slopes, some negative
	x := make([]float32, n*w)
	InitNormal(x, 1, rng)
	nearKink := func(i int) bool { return math.Abs(float64(x[i])) < 0.05 }
	checkRowLayer(t, l, x, n, w, l.Params(), nil, nearKink, GradCheckOptions{Eps: 1e-3})
}

func TestPReLUByHand(t *testing.T) {
	l := NewPReLU("p", 2, 2)
	if l.Alpha.W[0] != 0.25 || l.Alpha.W[1] != 0.25 {
		t.Fatalf("initial slopes %v, want 0.25", l.Alpha.W)
	}
	l.Alpha.W[1] = -0.5
	// Rows [-2, -2] and [3, 4]: channel 0 slope 0.25, channel 1 slope −0.5.
	y := l.Forward([]float32{-2, -2, 3, 4}, 2)
	if want := []float32{-0.5, 1, 3, 4}; !bitEqual(y, want) {
		t.Fatalf("y = %v, want %v", y, want)
	}
	dx := l.Backward([]float32{1, 2, 3, 4})
	if want := []float32{0.25, -1, 3, 4}; !bitEqual(dx, want) {
		t.Fatalf("dx = %v, want %v", dx, want)
	}
	// dL/da_j = Σ over non-positive x of dy·x: channel 0 gets 1·(−2), channel 1 2·(−2).
	if l.Alpha.G[0] != -2 || l.Alpha.G[1] != -4 {
		t.Fatalf("dα = %v, want [-2 -4]", l.Alpha.G)
	}
	x := make([]float32, 4)
	if a := stepAllocs(l, x, 2, make([]float32, 4)); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}
