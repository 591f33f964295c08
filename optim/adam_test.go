package optim

import "testing"

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

func TestAdamRejectsBadHyperParameters(t *testing.T) {
	expectPanic(t, "Eps", func() { NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999}, 0.1) })
	expectPanic(t, "betas", func() { NewGroup("g", Adam{Beta1: 1, Beta2: 0.999, Eps: 1e-8}, 0.1) })
}
