package optim

import (
	"fmt"
	"math"
	"testing"
)

func TestAdamByHand(t *testing.T) {
	// β1 = 0.9, β2 = 0.999, ε = 1e-8, lr = 0.01, w0 = [0.5, −0.3].
	// Step 1, g = [0.2, −0.4]: m = [0.02, −0.04], v = [4e-5, 1.6e-4];
	//   m̂ = g, v̂ = g², so w moves by lr·g/(|g| + ε) ≈ ∓0.01: [0.49, −0.29].
	// Step 2, g = [0.1, 0.3]: m = [0.028, −0.006], v = [4.996e-5, 2.4984e-4];
	//   m̂ = m/0.19, v̂ = v/0.001999:
	//   Δw0 = 0.01·0.147368421/0.158090152 = 0.00932179580 → 0.480678205
	//   Δw1 = 0.01·(−0.0315789474)/0.353528629 = −0.000893250 → −0.28910675
	// Step 3, g = [−0.3, 0]: m = [−0.0048, −0.0054],
	//   v = [1.3991004e-4, 2.4959016e-4]; m̂ = m/0.271, v̂ = v/0.002997001:
	//   w = [0.481497973, −0.288416265]  (worked in float64)
	got := denseSteps(t, Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.01, []float32{0.5, -0.3},
		[][]float32{{0.2, -0.4}, {0.1, 0.3}, {-0.3, 0}})
	expectClose(t, "step 1", got[0], []float64{0.49, -0.29}, 0, 1e-6)
	expectClose(t, "step 2", got[1], []float64{0.480678205, -0.28910675}, 0, 1e-6)
	expectClose(t, "step 3", got[2], []float64{0.481497973, -0.288416265}, 0, 1e-6)
}

// adamRef64 is Adam as the paper's Algorithm 1 writes it, in float64, with
// the hyper-parameters rounded to float32 as the kernel sees them. It returns
// the weights after each step.
func adamRef64(b1f, b2f, epsf, lrf float32, w0 []float32, grads [][]float32) [][]float64 {
	b1, b2, eps, lr := float64(b1f), float64(b2f), float64(epsf), float64(lrf)
	w := make([]float64, len(w0))
	for i, v := range w0 {
		w[i] = float64(v)
	}
	m := make([]float64, len(w))
	v := make([]float64, len(w))
	var out [][]float64
	for k, g32 := range grads {
		t := float64(k + 1)
		for i, gf := range g32 {
			g := float64(gf)
			m[i] = b1*m[i] + (1-b1)*g
			v[i] = b2*v[i] + (1-b2)*g*g
			mhat := m[i] / (1 - math.Pow(b1, t))
			vhat := v[i] / (1 - math.Pow(b2, t))
			w[i] -= lr * mhat / (math.Sqrt(vhat) + eps)
		}
		out = append(out, append([]float64(nil), w...))
	}
	return out
}

// Where the second moment is tiny, where ε sits in the denominator decides
// the step: the rule adds ε to √v̂ (after bias correction, as the paper and
// PyTorch do), not inside the root, √(v̂ + ε), nor to √v before correction,
// (√v + ε)/√(1−β2ᵗ). Gradients of 1e-5 are what a rare id's embedding row
// gets.
func TestAdamEpsilonPlacementWithTinySecondMoment(t *testing.T) {
	// β1 = 0.9, β2 = 0.999, ε = 1e-8, lr = 0.01. Step 1 with g = 1e-5:
	// m̂ = g and v̂ = g² = 1e-10, so
	//   lr·g/(√v̂ + ε)                 = 0.01·1e-5/(1e-5 + 1e-8)            = 0.00999000999
	// whereas ε inside the root gives
	//   lr·g/√(v̂ + ε)                 = 0.01·1e-5/√(1e-10 + 1e-8)          = 0.000995037190
	// and ε added before the correction 1/√(1−β2) = 31.6227766 gives
	//   lr·g/(√v̂ + 31.6227766·ε)      = 0.01·1e-5/(1e-5 + 3.16227766e-7)   = 0.00969346570.
	// With g = 1e-4 the three are 0.00999900010, 0.00707106781, 0.00996847691.
	rule := Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	w0 := []float32{0.1, -0.2, 0.3, 0.4}
	grads := [][]float32{
		// Coordinate 0: steadily tiny. 1: tiny, of changing sign, then 0.
		// 2: no gradient for two steps (v = 0 must not move w), then tiny.
		// 3: an ordinary gradient, where ε hardly matters.
		{1e-5, 1e-4, 0, 0.5},
		{1e-5, -2e-4, 0, -0.3},
		{1e-5, 0, 3e-6, 0.2},
		{1e-5, 5e-5, 0, 0.1},
	}
	got := denseSteps(t, rule, 0.01, w0, grads)
	expectClose(t, "step 1 by hand", got[0][:2], []float64{0.1 - 0.00999000999, -0.2 - 0.00999900010}, 0, 1e-6)
	if got[0][2] != w0[2] || got[1][2] != w0[2] {
		t.Errorf("coordinate with v = 0 moved: %v, %v; want %v", got[0][2], got[1][2], w0[2])
	}
	want := adamRef64(rule.Beta1, rule.Beta2, rule.Eps, 0.01, w0, grads)
	for k := range grads {
		expectClose(t, fmt.Sprintf("step %d", k+1), got[k], want[k], 0, 1e-6)
	}
}

func TestAdamRejectsBadHyperParameters(t *testing.T) {
	expectPanic(t, "Eps", func() { NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999}, 0.1) })
	expectPanic(t, "betas", func() { NewGroup("g", Adam{Beta1: 1, Beta2: 0.999, Eps: 1e-8}, 0.1) })
}
