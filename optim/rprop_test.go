package optim

import "testing"

// iRprop− weight by weight, against the rule worked out by hand: the first
// step moves every weight by −sign(g)·Δ0; then a weight whose derivative
// keeps its sign moves by 1.2× its last step, one whose sign flips stays
// and its step halves, and the step after a flip is not a flip again.
func TestRpropSteps(t *testing.T) {
	const d0 = 0.01
	spec := Spec{Rule: "rprop", LR: d0}
	r, err := spec.NewRule()
	if err != nil {
		t.Fatal(err)
	}
	grads := [][]float32{
		{2, -3, 0, 1},
		{5, -1, 4, -1}, // same, same, from 0, flip
		{1, 2, 4, -1},  // same, flip, same, after a flip: counts as first
		{1, -1, 4, 1},  // same, after a flip, same, flip
	}
	got := denseSteps(t, r, d0, []float32{0, 0, 0, 0}, grads)
	// Weight 0: −0.01, −0.012, −0.0144, −0.01728 moved cumulatively.
	w0 := []float64{-0.01, -0.01 - 0.012, -0.01 - 0.012 - 0.0144, -0.01 - 0.012 - 0.0144 - 0.01728}
	// Weight 1: +0.01, +0.012, flip (no move, step 0.006), after a flip
	// the sign of g (−1) moves it by +0.006.
	w1 := []float64{0.01, 0.022, 0.022, 0.028}
	// Weight 2: g = 0 first (no move, prev 0), then 4: a first step of
	// 0.01, then 0.012, 0.0144.
	w2 := []float64{0, -0.01, -0.022, -0.0364}
	// Weight 3: −0.01, flip (stay, 0.005), after a flip −1 moves by
	// +0.005 (prev was 0, no growth), then a flip: stay.
	w3 := []float64{-0.01, -0.01, -0.005, -0.005}
	for k, want := range [][]float64{w0, w1, w2, w3} {
		var col []float32
		for _, w := range got {
			col = append(col, w[k])
		}
		expectClose(t, "weight "+string(rune('0'+k)), col, want, 1e-7, 1e-5)
	}
}

func TestRpropSpecErrors(t *testing.T) {
	for _, s := range []Spec{{Rule: "rprop", LR: 0}, {Rule: "rprop", LR: 51}} {
		if _, err := s.NewRule(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}
