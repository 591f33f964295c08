package rating

import (
	"context"
	"fmt"
	"math"

	"github.com/recforge/recforge/nn"
)

// iRprop− constants (Igel & Hüsken 2000, with Riedmiller & Braun's
// standard factors and bounds): a weight's step grows by η+ while its
// partial derivative keeps its sign and shrinks by η− when the sign
// flips, within [Δmin, Δmax]; Δ0 is the first step of every weight.
const (
	rpropEtaPlus  = 1.2
	rpropEtaMinus = 0.5
	rpropDeltaMin = 1e-6
	rpropDeltaMax = 50
)

// rpropTrainer is full-batch iRprop−: after a sign flip the derivative is
// taken as zero (no step, and the next step cannot count as a flip),
// without Rprop+'s weight backtracking.
type rpropTrainer struct {
	a      *AutoRec
	params []*nn.Param
	// delta holds each weight's step size, prev its previous partial
	// derivative (0 after a flip), per parameter.
	delta, prev [][]float32
}

func (a *AutoRec) newRpropTrainer() *rpropTrainer {
	t := &rpropTrainer{a: a, params: a.Params()}
	d0 := float32(a.cfg.RpropStep)
	for _, p := range t.params {
		d := make([]float32, len(p.W))
		for j := range d {
			d[j] = d0
		}
		t.delta = append(t.delta, d)
		t.prev = append(t.prev, make([]float32, len(p.W)))
	}
	return t
}

// epoch computes the full objective and its gradient at the current
// parameters, takes one iRprop− step and returns the objective (before the
// step).
func (t *rpropTrainer) epoch() (float64, error) {
	for _, p := range t.params {
		p.ZeroGrad()
	}
	loss := t.a.objective(t.a.active, 1, true)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, fmt.Errorf("autorec: the loss diverged (%v): lower --rprop-step", loss)
	}
	for k, p := range t.params {
		delta, prev := t.delta[k], t.prev[k]
		for j, g := range p.G {
			switch s := g * prev[j]; {
			case s > 0:
				delta[j] = min(delta[j]*rpropEtaPlus, rpropDeltaMax)
			case s < 0:
				delta[j] = max(delta[j]*rpropEtaMinus, rpropDeltaMin)
				g = 0
			}
			switch {
			case g > 0:
				p.W[j] -= delta[j]
			case g < 0:
				p.W[j] += delta[j]
			}
			prev[j] = g
		}
	}
	return loss, nil
}

// fitRprop trains with full-batch iRprop−, one step per epoch, as the
// paper trained AutoRec (it names RProp and L-BFGS).
func (a *AutoRec) fitRprop(ctx context.Context, valid *Ratings, rep *FitReport) error {
	return a.fitEpochs(ctx, a.newRpropTrainer().epoch, valid, rep)
}
