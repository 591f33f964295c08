package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The checker must accept a correct gradient and reject a wrong one, or no
// layer test built on it means anything.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	x := []float32{0.3, -1.2, 2.0}
	g := make([]float32, 3)
	loss := func() float64 { // Σ x³
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v) * float64(v)
		}
		return s
	}
	right := func() {
		for i, v := range x {
			g[i] = 3 * v * v
		}
	}
	wrong := func() {
		right()
		g[1] *= 1.1
	}
	if err := GradCheck(loss, right, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{Eps: 1e-3}); err != nil {
		t.Fatalf("correct gradient rejected: %v", err)
	}
	err := GradCheck(loss, wrong, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{Eps: 1e-3})
	if err == nil || !strings.Contains(err.Error(), "x[1]") {
		t.Fatalf("wrong gradient of x[1] not reported: %v", err)
	}
	if x[0] != 0.3 || x[1] != -1.2 || x[2] != 2.0 {
		t.Fatalf("values not restored: %v", x)
	}
}

func TestTableSparseGradient(t *testing.T) {
	tab := NewTable("emb", 1000, 4, true)
	if g := tab.GradRow(0); g != nil {
		t.Fatal("padding row must not get a gradient")
	}
	tab.GradRow(7)[1] += 2
	tab.GradRow(3)[0] += 1
	tab.GradRow(7)[1] += 3
	if rows := tab.TouchedRows(); len(rows) != 2 || rows[0] != 7 || rows[1] != 3 {
		t.Fatalf("touched rows = %v, want [7 3]", rows)
	}
	if g := tab.Grad(0); g[1] != 5 {
		t.Fatalf("row 7 gradient = %v, want 5 at [1]", g)
	}
	tab.ZeroGrad()
	if len(tab.TouchedRows()) != 0 {
		t.Fatal("ZeroGrad left touched rows")
	}
	if g := tab.GradRow(3); g[0] != 0 {
		t.Fatalf("gradient not cleared: %v", g)
	}
	tab.Row(5)[2] = 1.5
	tab.ReserveState(8)
	if tab.Stride != 12 || tab.Row(5)[2] != 1.5 || len(tab.State(5)) != 8 {
		t.Fatalf("ReserveState lost weights or mis-sized state: stride %d", tab.Stride)
	}
}

// A layer's backward pass off by a percent or two, uniformly, must fail the
// check: the float32 forward pass is precise enough to tell, once the
// tolerance follows the measured noise rather than a fixed allowance. Here a
// Dense layer with tanh, each Var's gradient scaled in turn.
func TestGradCheckCatchesSmallScaling(t *testing.T) {
	rng := NewRand(4)
	const n, in, out = 5, 6, 4
	d := NewDense("d", in, out, n, ActTanh, rng)
	InitNormal(d.B.W, 0.3, rng)
	x := randomInput(n*in, 1, 5)
	r := randomInput(n*out, 1, 6)
	dy := make([]float32, n*out)
	dx := make([]float32, n*in)
	vars := []Var{ParamVar(d.W), ParamVar(d.B), {Name: "x", X: x, G: dx}}
	loss := func() float64 { return ProbeLoss(d.Forward(x, n), r) }
	for _, c := range []struct {
		name  string // the Var whose gradient is scaled, "" for none
		scale float32
	}{{"", 1}, {"d.w", 1.015}, {"d.b", 0.985}, {"x", 1.01}} {
		backward := func() {
			d.W.ZeroGrad()
			d.B.ZeroGrad()
			d.Forward(x, n)
			copy(dy, r)
			copy(dx, d.Backward(dy))
			for _, v := range vars {
				if v.Name == c.name {
					for i := range v.G {
						v.G[i] *= c.scale
					}
				}
			}
		}
		err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3})
		switch {
		case c.name == "" && err != nil:
			t.Errorf("right gradient rejected: %v", err)
		case c.name != "" && (err == nil || !strings.Contains(err.Error(), c.name+"[")):
			t.Errorf("gradient of %s scaled by %v: err = %v, want a mismatch in %s", c.name, c.scale, err, c.name)
		}
	}
}

// Skip takes an element out of the check entirely: a wrong gradient there
// passes, and a check with every element skipped is an error rather than a
// vacuous pass.
func TestGradCheckSkip(t *testing.T) {
	x := []float32{0.5, -1, 2}
	g := make([]float32, 3)
	loss := func() float64 { // Σ x²
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		return s
	}
	wrongAt1 := func() {
		for i, v := range x {
			g[i] = 2 * v
		}
		g[1] = 0 // the numeric gradient is −2
	}
	if err := GradCheck(loss, wrongAt1, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{}); err == nil || !strings.Contains(err.Error(), "x[1]") {
		t.Fatalf("unskipped wrong element: err = %v, want a mismatch at x[1]", err)
	}
	skip1 := func(i int) bool { return i == 1 }
	if err := GradCheck(loss, wrongAt1, []Var{{Name: "x", X: x, G: g, Skip: skip1}}, GradCheckOptions{}); err != nil {
		t.Fatalf("skipped element still compared: %v", err)
	}
	all := func(int) bool { return true }
	if err := GradCheck(loss, wrongAt1, []Var{{Name: "x", X: x, G: g, Skip: all}}, GradCheckOptions{}); err == nil || !strings.Contains(err.Error(), "no element was checked") {
		t.Fatalf("every element skipped: err = %v", err)
	}
}

// noisyLoss returns Σ x² plus deterministic noise of standard deviation
// sigma: a uniform draw seeded by the bits of x, as a float32 computation's
// rounding depends on its inputs.
func noisyLoss(x []float32, sigma float64) func() float64 {
	return func() float64 {
		var s float64
		var seed uint64 = 1469598103934665603
		for _, v := range x {
			s += float64(v) * float64(v)
			seed = (seed ^ uint64(math.Float32bits(v))) * 1099511628211
		}
		u := rand.New(rand.NewPCG(seed, 7)).Float64()
		return s + sigma*math.Sqrt(12)*(u-0.5)
	}
}

// The noise estimate must find noise of a known size, within a small factor.
func TestLossNoiseEstimate(t *testing.T) {
	x := randomInput(20, 1, 8)
	checks := [][]int{make([]int, len(x))}
	for i := range checks[0] {
		checks[0][i] = i
	}
	for _, sigma := range []float64{1e-7, 1e-5} {
		for seed := range uint64(10) {
			got := lossNoise(noisyLoss(x, sigma), []Var{{Name: "x", X: x}}, checks, 1e-3, rand.New(rand.NewPCG(seed, 1)))
			if !(got > sigma/3 && got < 3*sigma) {
				t.Errorf("noise %g, seed %d: estimated %g, want within a factor 3", sigma, seed, got)
			}
		}
	}
	// A smooth loss computed in float64 has next to no noise.
	smooth := func() float64 {
		var s float64
		for _, v := range x {
			s += math.Sin(float64(v))
		}
		return s
	}
	if got := lossNoise(smooth, []Var{{Name: "x", X: x}}, checks, 1e-3, rand.New(rand.NewPCG(1, 1))); got > 1e-9 {
		t.Errorf("smooth loss: estimated noise %g, want ≈ 0", got)
	}
}

// Noise in the loss widens the tolerance as much as it needs and no more:
// a right gradient passes at noise a fixed tight tolerance would fail on, a
// gradient off by 5% still fails.
func TestGradCheckFollowsNoise(t *testing.T) {
	x := randomInput(10, 1, 9)
	g := make([]float32, len(x))
	loss := noisyLoss(x, 1e-6)
	grad := func(scale float32) func() {
		return func() {
			for i, v := range x {
				g[i] = 2 * v * scale
			}
		}
	}
	vars := []Var{{Name: "x", X: x, G: g}}
	// The noise in a central difference at step 1e-3 is ~1e-6/1e-3 = 1e-3,
	// far above RTol·|g| ≈ 2e-3·2 for most elements.
	if err := GradCheck(loss, grad(1), vars, GradCheckOptions{Eps: 1e-3, RTol: 1e-6}); err != nil {
		t.Fatalf("right gradient rejected under noise: %v", err)
	}
	if err := GradCheck(loss, grad(1.05), vars, GradCheckOptions{Eps: 1e-3}); err == nil {
		t.Fatal("gradient 5% off accepted under noise")
	}
}

// A central difference that straddles a kink is wrong however right the
// gradient; the check retries such an element at a shorter step, where a
// right gradient agrees and a wrong one still does not.
func TestGradCheckKinkRetry(t *testing.T) {
	x := []float32{0.004, -0.003, 0.5} // the first two within Eps = 1e-2 of ReLU's kink
	g := make([]float32, len(x))
	loss := func() float64 { // Σ relu(x)
		var s float64
		for _, v := range x {
			s += float64(max(v, 0))
		}
		return s
	}
	right := func() {
		for i, v := range x {
			g[i] = 0
			if v > 0 {
				g[i] = 1
			}
		}
	}
	if err := GradCheck(loss, right, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{}); err != nil {
		t.Fatalf("right gradient at a kink rejected: %v", err)
	}
	wrong := func() {
		right()
		g[0] = 0.9
	}
	if err := GradCheck(loss, wrong, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{}); err == nil || !strings.Contains(err.Error(), "x[0]") {
		t.Fatalf("wrong gradient near a kink: err = %v, want a mismatch at x[0]", err)
	}
}
