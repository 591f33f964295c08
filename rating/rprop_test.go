package rating

import "testing"

// The iRprop− rule, checked weight by weight against gradients computed
// independently (a fresh full-batch pass at the same parameters): the
// first step moves every weight by −sign(g)·Δ0; afterwards a weight whose
// derivative kept its sign moves by 1.2× its previous step, one whose
// sign flipped does not move and its step halves.
func TestRpropStepRule(t *testing.T) {
	train := randomRatings(5, 12, 9, 0.4, 0, 0)
	const d0 = 0.01
	a := setupAutoRec(t, AutoRecConfig{Hidden: 4, Lambda: 0.5, Optimizer: "rprop", RpropStep: d0, Seed: 2}, train)
	grad := func() [][]float32 {
		for _, p := range a.Params() {
			p.ZeroGrad()
		}
		a.objective(a.active, 1, true)
		var gs [][]float32
		for _, p := range a.Params() {
			gs = append(gs, append([]float32(nil), p.G...))
		}
		return gs
	}
	weights := func() [][]float32 {
		var ws [][]float32
		for _, p := range a.Params() {
			ws = append(ws, append([]float32(nil), p.W...))
		}
		return ws
	}
	sign := func(v float32) float32 {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	tr := a.newRpropTrainer()
	g1, w0 := grad(), weights()
	l0 := a.Loss()
	if _, err := tr.epoch(); err != nil {
		t.Fatal(err)
	}
	w1 := weights()
	for k := range w0 {
		for j := range w0[k] {
			want := w0[k][j] - sign(g1[k][j])*d0
			if w1[k][j] != want {
				t.Fatalf("first step, param %d[%d]: %v → %v, want %v (g %v)", k, j, w0[k][j], w1[k][j], want, g1[k][j])
			}
		}
	}
	if l1 := a.Loss(); !(l1 < l0) {
		t.Errorf("one step of size %v did not lower the objective: %v → %v", d0, l0, l1)
	}
	g2 := grad()
	if _, err := tr.epoch(); err != nil {
		t.Fatal(err)
	}
	w2 := weights()
	kept, flipped := 0, 0
	for k := range w1 {
		for j := range w1[k] {
			var want, wantDelta float32
			switch s := g1[k][j] * g2[k][j]; {
			case s > 0:
				wantDelta = float32(d0) * 1.2
				want = w1[k][j] - sign(g2[k][j])*wantDelta
				kept++
			case s < 0:
				wantDelta, want = d0*0.5, w1[k][j]
				flipped++
			default:
				wantDelta = d0
				want = w1[k][j] - sign(g2[k][j])*wantDelta
			}
			if w2[k][j] != want || tr.delta[k][j] != wantDelta {
				t.Fatalf("second step, param %d[%d]: %v → %v with step %v, want %v with step %v (g %v then %v)",
					k, j, w1[k][j], w2[k][j], tr.delta[k][j], want, wantDelta, g1[k][j], g2[k][j])
			}
		}
	}
	if kept == 0 || flipped == 0 {
		t.Fatalf("the check needs both cases: %d weights kept their sign, %d flipped", kept, flipped)
	}
	// After a flip the stored derivative is zero, so the next step counts
	// as neither kept nor flipped.
	for k, p := range a.Params() {
		for j := range p.W {
			if g1[k][j]*g2[k][j] < 0 && tr.prev[k][j] != 0 {
				t.Fatalf("param %d[%d]: stored derivative %v after a flip, want 0", k, j, tr.prev[k][j])
			}
		}
	}
}
