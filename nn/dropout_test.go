package nn

import (
	"math"
	"testing"
)

func TestDropoutInferenceIsIdentity(t *testing.T) {
	const n, w = 10, 7
	d := NewDropout(w, n, 0.5, 1)
	d.SetTraining(false)
	x := make([]float32, n*w)
	InitNormal(x, 1, NewRand(2))
	if y := d.Forward(x, n); !bitEqual(y, x) {
		t.Fatal("inference output differs from the input")
	}
	dy := make([]float32, n*w)
	InitNormal(dy, 1, NewRand(3))
	want := append([]float32(nil), dy...)
	if dx := d.Backward(dy); !bitEqual(dx, want) {
		t.Fatal("inference gradient differs from dy")
	}
}

// In training each value survives with probability 1 − p, scaled by
// 1/(1 − p) so that its expectation is unchanged, and Backward applies the
// same mask.
func TestDropoutTrainingKeepsAndScales(t *testing.T) {
	const n, w, p = 1000, 100, 0.3
	d := NewDropout(w, n, p, 7)
	x := make([]float32, n*w)
	InitUniform(x, 1, NewRand(1))
	for i := range x {
		x[i] += 2 // keep x away from 0 so a dropped value is recognisable
	}
	y := d.Forward(x, n)
	dy := make([]float32, n*w)
	for i := range dy {
		dy[i] = float32(i%13) - 6
	}
	dx := d.Backward(append([]float32(nil), dy...))
	scale := float32(1 / (1 - p))
	kept := 0
	for i, v := range y {
		switch v {
		case 0:
			if dx[i] != 0 {
				t.Fatalf("dropped value %d has gradient %v", i, dx[i])
			}
		case x[i] * scale:
			kept++
			if dx[i] != dy[i]*scale {
				t.Fatalf("kept value %d has gradient %v, want %v", i, dx[i], dy[i]*scale)
			}
		default:
			t.Fatalf("y[%d] = %v: neither 0 nor x/(1−p) = %v", i, v, x[i]*scale)
		}
	}
	// The kept fraction is a mean of 10⁵ Bernoulli(0.7): its standard
	// deviation is 0.00145, so 0.006 is beyond four of them.
	if frac := float64(kept) / (n * w); math.Abs(frac-(1-p)) > 0.006 {
		t.Fatalf("kept %.4f of the values, want %.4f", frac, 1-p)
	}
}

func TestDropoutGradients(t *testing.T) {
	const n, w = 6, 5
	d := NewDropout(w, n, 0.4, 11)
	x := make([]float32, n*w)
	InitNormal(x, 1, NewRand(4))
	replay := func() { d.Reseed(11) }
	checkRowLayer(t, d, x, n, w, nil, replay, nil, GradCheckOptions{Eps: 1e-3})
}

func TestDropoutMasksAreSeeded(t *testing.T) {
	const n, w = 16, 9
	x := make([]float32, n*w)
	for i := range x {
		x[i] = 1
	}
	a, b, c := NewDropout(w, n, 0.5, 42), NewDropout(w, n, 0.5, 42), NewDropout(w, n, 0.5, 43)
	a1 := append([]float32(nil), a.Forward(x, n)...)
	a2 := append([]float32(nil), a.Forward(x, n)...)
	if !bitEqual(a1, b.Forward(x, n)) {
		t.Fatal("same seed, different masks")
	}
	if bitEqual(a1, c.Forward(x, n)) {
		t.Fatal("different seeds, same mask")
	}
	if bitEqual(a1, a2) {
		t.Fatal("consecutive batches share a mask")
	}
	a.Reseed(42)
	if !bitEqual(a1, a.Forward(x, n)) {
		t.Fatal("Reseed does not replay the masks")
	}
}

func TestDropoutRateZeroAndBadRates(t *testing.T) {
	d := NewDropout(3, 2, 0, 1)
	x := []float32{1, -2, 3, 4, 5, 6}
	if y := d.Forward(x, 2); !bitEqual(y, x) {
		t.Fatalf("rate 0 in training changed the input: %v", y)
	}
	panicsWith(t, "rate must be in [0, 1), got 1", func() { NewDropout(3, 2, 1, 1) })
	panicsWith(t, "rate must be in [0, 1), got -0.1", func() { NewDropout(3, 2, -0.1, 1) })
	panicsWith(t, "rate must be in [0, 1), got NaN", func() { NewDropout(3, 2, math.NaN(), 1) })
	if a := stepAllocs(NewDropout(3, 2, 0.5, 1), x, 2, make([]float32, 6)); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}
