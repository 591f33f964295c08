package optim

import "fmt"

// Rprop is iRprop− (Igel & Hüsken 2000, after Riedmiller & Braun 1993), a
// full-batch rule that uses only the sign of each partial derivative: a
// weight's step grows by EtaPlus while its derivative keeps its sign and
// shrinks by EtaMinus when the sign flips, within [DeltaMin, DeltaMax];
// after a flip the derivative is taken as zero (no move, and the next step
// cannot count as a flip), without Rprop+'s weight backtracking:
//
//	g·g_prev > 0:  Δ ← min(Δ·η+, Δmax)
//	g·g_prev < 0:  Δ ← max(Δ·η−, Δmin), g ← 0
//	w ← w − sign(g)·Δ;  g_prev ← g
//
// Every weight's first step is the group's learning rate Δ0 (Spec.LR), set
// when the state is initialized; the learning rate plays no other part.
// The rule needs the gradient of the whole objective at every step, so the
// trainer gives it the whole epoch as one batch (FullBatch).
type Rprop struct {
	// Delta0 is every weight's first step.
	Delta0 float32
	// EtaPlus > 1 and EtaMinus in (0, 1) grow and shrink the steps;
	// DeltaMin and DeltaMax bound them.
	EtaPlus, EtaMinus  float32
	DeltaMin, DeltaMax float32
}

// The standard iRprop− factors and bounds (Riedmiller & Braun).
const (
	RpropEtaPlus  = 1.2
	RpropEtaMinus = 0.5
	RpropDeltaMin = 1e-6
	RpropDeltaMax = 50
)

var rpropSlots = []string{"step", "prev_grad"}

// Slots returns each weight's step size and previous derivative.
func (Rprop) Slots() []string { return rpropSlots }

func (r Rprop) check(lr float32) error {
	switch {
	case !(r.EtaPlus > 1) || !(r.EtaMinus > 0 && r.EtaMinus < 1):
		return fmt.Errorf("Rprop factors η+ = %v, η− = %v, want η+ > 1 and 0 < η− < 1", r.EtaPlus, r.EtaMinus)
	case !(r.DeltaMin > 0) || !(r.DeltaMax >= r.DeltaMin):
		return fmt.Errorf("Rprop bounds [%v, %v], want 0 < Δmin ≤ Δmax", r.DeltaMin, r.DeltaMax)
	case !(r.Delta0 > 0 && r.Delta0 <= r.DeltaMax):
		return fmt.Errorf("Rprop first step Δ0 (lr) = %v, want in (0, %v]", r.Delta0, r.DeltaMax)
	}
	return nil
}

func (r Rprop) initState(s []float32) {
	n := len(s) / 2
	for i := range s[:n] {
		s[i] = r.Delta0
	}
	clear(s[n:])
}

func (Rprop) prepare(*stepCtx) {}

func (r Rprop) update(w, g, s []float32, _ *stepCtx) {
	n := len(w)
	g = g[:n]
	delta, prev := s[:n], s[n:2*n]
	for j, gj := range g {
		switch p := gj * prev[j]; {
		case p > 0:
			delta[j] = min(delta[j]*r.EtaPlus, r.DeltaMax)
		case p < 0:
			delta[j] = max(delta[j]*r.EtaMinus, r.DeltaMin)
			gj = 0
		}
		switch {
		case gj > 0:
			w[j] -= delta[j]
		case gj < 0:
			w[j] += delta[j]
		}
		prev[j] = gj
	}
}
