package optim

import "testing"

func TestAdagradByHand(t *testing.T) {
	// Initial accumulator 1, ε = 1e-10, lr = 0.5, w0 = [1, 2]:
	// g = [3, 0]:    a = [10, 1],    w = [1 − 1.5/√10, 2] = [0.525658351, 2]
	// g = [−1, 2]:   a = [11, 5],    w = [0.525658351 + 0.5/√11, 2 − 1/√5]
	//                                  = [0.676414023, 1.5527864]
	// g = [0.5, −2]: a = [11.25, 9], w = [0.676414023 − 0.25/√11.25, 1.5527864 + 1/3]
	//                                  = [0.601878424, 1.88611974]
	got := denseSteps(t, Adagrad{InitialAccumulator: 1, Eps: 1e-10}, 0.5, []float32{1, 2},
		[][]float32{{3, 0}, {-1, 2}, {0.5, -2}})
	expectClose(t, "step 1", got[0], []float64{0.525658351, 2}, 0, 1e-6)
	expectClose(t, "step 2", got[1], []float64{0.676414023, 1.5527864}, 0, 1e-6)
	expectClose(t, "step 3", got[2], []float64{0.601878424, 1.88611974}, 0, 1e-6)
}

// With no initial accumulator (PyTorch's default) ε alone keeps the step
// defined: it is added to √a, not inside the root, and a zero first gradient
// leaves the weight alone instead of dividing 0 by 0.
func TestAdagradEpsilonWithEmptyAccumulator(t *testing.T) {
	// ε = 1e-10, lr = 0.1, w0 = 0.
	// g = 1e-5 on an empty accumulator: a = 1e-10,
	//   Δw = −0.1·1e-5/(√1e-10 + 1e-10) = −0.1·1e-5/1.00001e-5 = −0.0999990000
	//   (ε inside the root would give −0.1·1e-5/√2e-10 = −0.0707106781).
	// g = 0 on an empty accumulator: Δw = −0.1·0/(0 + ε) = 0, not NaN.
	// Steps: coordinate 0 gets 0 then 1e-5, coordinate 1 gets 1e-5 then 0,
	// coordinate 2 gets 0 twice.
	got := denseSteps(t, Adagrad{Eps: 1e-10}, 0.1, []float32{0, 0, 0},
		[][]float32{{0, 1e-5, 0}, {1e-5, 0, 0}})
	expectClose(t, "step 1", got[0], []float64{0, -0.0999990000, 0}, 0, 1e-6)
	expectClose(t, "step 2", got[1], []float64{-0.0999990000, -0.0999990000, 0}, 0, 1e-6)
}

func TestAdagradRejectsZeroDivision(t *testing.T) {
	expectPanic(t, "0 by 0", func() { NewGroup("g", Adagrad{}, 0.1) })
}
