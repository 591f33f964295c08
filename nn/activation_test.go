package nn

import (
	"math"
	"strings"
	"testing"
)

// rowLayer is the Forward/Backward shape of a layer mapping an n×in batch
// to an n×out batch.
type rowLayer interface {
	Forward(x []float32, n int) []float32
	Backward(dy []float32) []float32
}

// checkRowLayer gradient-checks a layer mapping n×in to n×out under the
// probe loss Σ y·r (r fixed and random), against its input x and params.
// prepare, when set, runs before every Forward (e.g. to replay dropout
// masks); skipX excludes inputs (e.g. at a kink).
func checkRowLayer(t *testing.T, l rowLayer, x []float32, n, out int, params []*Param, prepare func(), skipX func(int) bool, opt GradCheckOptions) {
	t.Helper()
	r := make([]float32, n*out)
	InitNormal(r, 1, NewRand(99))
	dy := make([]float32, n*out)
	dx := make([]float32, len(x))
	forward := func() []float32 {
		if prepare != nil {
			prepare()
		}
		return l.Forward(x, n)
	}
	loss := func() float64 { return ProbeLoss(forward(), r) }
	backward := func() {
		for _, p := range params {
			p.ZeroGrad()
		}
		forward()
		copy(dy, r)
		copy(dx, l.Backward(dy))
	}
	vars := []Var{{Name: "x", X: x, G: dx, Skip: skipX}}
	for _, p := range params {
		vars = append(vars, ParamVar(p))
	}
	if err := GradCheck(loss, backward, vars, opt); err != nil {
		t.Fatal(err)
	}
}

// stepAllocs counts the allocations of one Forward and Backward of l.
func stepAllocs(l rowLayer, x []float32, n int, dy []float32) float64 {
	return testing.AllocsPerRun(20, func() {
		l.Forward(x, n)
		l.Backward(dy)
	})
}

// panicsWith runs f and fails unless it panics with a message containing
// want.
func panicsWith(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestActivationGradients(t *testing.T) {
	const n, w = 4, 5
	layers := map[string]rowLayer{
		"relu":    NewReLU(w, 6),
		"sigmoid": NewSigmoid(w, 6),
		"tanh":    NewTanh(w, 6),
	}
	for name, l := range layers {
		t.Run(name, func(t *testing.T) {
			x := make([]float32, n*w)
			InitNormal(x, 1.5, NewRand(3))
			nearKink := func(i int) bool { return name == "relu" && math.Abs(float64(x[i])) < 0.05 }
			checkRowLayer(t, l, x, n, w, nil, nil, nearKink, GradCheckOptions{Eps: 1e-3})
		})
	}
}

func TestActivationForwardByHand(t *testing.T) {
	x := []float32{-2, 0, 0.5, 3}
	nan := float32(math.NaN())
	relu := NewReLU(5, 1).Forward(append(x, nan), 1)
	for i, want := range []float32{0, 0, 0.5, 3} {
		if relu[i] != want {
			t.Fatalf("ReLU = %v, want [0 0 0.5 3 NaN]", relu)
		}
	}
	if !math.IsNaN(float64(relu[4])) {
		t.Fatalf("ReLU(NaN) = %v, want NaN", relu[4])
	}
	sig := NewSigmoid(4, 1).Forward(x, 1)
	th := NewTanh(4, 1).Forward(x, 1)
	for i, v := range x {
		if s := 1 / (1 + math.Exp(-float64(v))); math.Abs(float64(sig[i])-s) > 1e-6 {
			t.Errorf("Sigmoid(%v) = %v, want %v", v, sig[i], s)
		}
		if h := math.Tanh(float64(v)); math.Abs(float64(th[i])-h) > 1e-6 {
			t.Errorf("Tanh(%v) = %v, want %v", v, th[i], h)
		}
	}
}

func TestActivationBackwardByHand(t *testing.T) {
	l := NewSigmoid(2, 1)
	l.Forward([]float32{0, 0}, 1)
	// σ'(0) = 1/4.
	if dx := l.Backward([]float32{1, -2}); dx[0] != 0.25 || dx[1] != -0.5 {
		t.Fatalf("Sigmoid dx = %v, want [0.25 -0.5]", dx)
	}
	r := NewReLU(3, 1)
	r.Forward([]float32{-1, 0, 2}, 1)
	if dx := r.Backward([]float32{5, 5, 5}); dx[0] != 0 || dx[1] != 0 || dx[2] != 5 {
		t.Fatalf("ReLU dx = %v, want [0 0 5]", dx)
	}
}

func TestActivationNoAllocationAndBatchLimit(t *testing.T) {
	x := make([]float32, 8*3)
	dy := make([]float32, 8*3)
	for _, l := range []rowLayer{NewReLU(3, 8), NewSigmoid(3, 8), NewTanh(3, 8)} {
		if a := stepAllocs(l, x, 8, dy); a != 0 {
			t.Errorf("%T: %v allocations per step", l, a)
		}
		panicsWith(t, "batch 9 outside [0, 8]", func() { l.Forward(make([]float32, 27), 9) })
		panicsWith(t, "input has 5 values, need 2×3", func() { l.Forward(x[:5], 2) })
	}
}

// bitEqual reports whether a and b hold bit-identical values.
func bitEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
