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

func TestAdagradRejectsZeroDivision(t *testing.T) {
	expectPanic(t, "0 by 0", func() { NewGroup("g", Adagrad{}, 0.1) })
}
