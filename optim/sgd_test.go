package optim

import "testing"

func TestSGDByHand(t *testing.T) {
	// w ← w − lr·g with lr = 0.1:
	// [1, −2] − 0.1·[0.5, −1] = [0.95, −1.9]; − 0.1·[0.25, 2] = [0.925, −2.1].
	got := denseSteps(t, SGD{}, 0.1, []float32{1, -2}, [][]float32{{0.5, -1}, {0.25, 2}})
	expectClose(t, "step 1", got[0], []float64{0.95, -1.9}, 0, 1e-7)
	expectClose(t, "step 2", got[1], []float64{0.925, -2.1}, 0, 1e-7)
}

var momentumGrads = [][]float32{{1, -2}, {1, 0}, {-1, 1}}

func TestSGDMomentumByHand(t *testing.T) {
	// μ = 0.9, lr = 0.1, w = [1, 0]; b ← μb + g, w ← w − lr·b:
	// b1 = [1, −2]        w1 = [0.9, 0.2]
	// b2 = [1.9, −1.8]    w2 = [0.71, 0.38]
	// b3 = [0.71, −0.62]  w3 = [0.639, 0.442]
	got := denseSteps(t, SGD{Momentum: 0.9}, 0.1, []float32{1, 0}, momentumGrads)
	expectClose(t, "step 1", got[0], []float64{0.9, 0.2}, 1e-7, 1e-6)
	expectClose(t, "step 2", got[1], []float64{0.71, 0.38}, 1e-7, 1e-6)
	expectClose(t, "step 3", got[2], []float64{0.639, 0.442}, 1e-7, 1e-6)
}

func TestSGDNesterovByHand(t *testing.T) {
	// Same b as above; w ← w − lr·(g + μb):
	// g + μb1 = [1.9, −3.8]      w1 = [0.81, 0.38]
	// g + μb2 = [2.71, −1.62]    w2 = [0.539, 0.542]
	// g + μb3 = [−0.361, 0.442]  w3 = [0.5751, 0.4978]
	got := denseSteps(t, SGD{Momentum: 0.9, Nesterov: true}, 0.1, []float32{1, 0}, momentumGrads)
	expectClose(t, "step 1", got[0], []float64{0.81, 0.38}, 1e-7, 1e-6)
	expectClose(t, "step 2", got[1], []float64{0.539, 0.542}, 1e-7, 1e-6)
	expectClose(t, "step 3", got[2], []float64{0.5751, 0.4978}, 1e-7, 1e-6)
}

func TestSGDRejectsBadHyperParameters(t *testing.T) {
	expectPanic(t, "Nesterov needs Momentum", func() { NewGroup("g", SGD{Nesterov: true}, 0.1) })
	expectPanic(t, "Momentum = 1", func() { NewGroup("g", SGD{Momentum: 1}, 0.1) })
	expectPanic(t, "learning rate -0.1", func() { NewGroup("g", SGD{}, -0.1) })
}
