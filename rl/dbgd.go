package rl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recforge/recforge/model"
)

// DBGD is DRN's Dueling Bandit Gradient Descent exploration. Before each
// request it draws an explore network W̃ = W + ΔW with
// ΔW = Alpha · rand(−1, 1) · W, element-wise with one uniform draw per weight;
// after the interleaved slate's clicks come back, if W̃'s positions won more
// clicks than W's, W moves towards W̃: W ← W + Eta·ΔW. (The paper writes the
// update as W + η·W̃; moving along the explored direction is the dueling
// bandit gradient step of Yue & Joachims that it describes.) Because ΔW is
// proportional to W, DBGD only rescales weights: one that is exactly 0 is
// never explored, and with Alpha·Eta < 1 none ever changes sign. Accepted
// steps also shrink weights on average (E[log(1 + η·α·u)] < 0), so a large
// Alpha·Eta lets that drift and the noise of single duels swamp the signal:
// the planted-ranker test needs Alpha·Eta ≈ 0.05.
type DBGD struct {
	// Alpha scales the perturbation, Eta the step towards a winning W̃.
	Alpha, Eta float64
	delta      [][]float32 // ΔW per parameter of the network it was drawn for
}

// NewDBGD returns a DBGD with the given Alpha and Eta, both in (0, 1].
func NewDBGD(alpha, eta float64) (*DBGD, error) {
	if !(alpha > 0 && alpha <= 1) {
		return nil, fmt.Errorf("rl: DBGD Alpha = %v, want in (0, 1]", alpha)
	}
	if !(eta > 0 && eta <= 1) || math.IsNaN(eta) {
		return nil, fmt.Errorf("rl: DBGD Eta = %v, want in (0, 1]", eta)
	}
	return &DBGD{Alpha: alpha, Eta: eta}, nil
}

// Explore draws a fresh ΔW for w and sets explore's weights to W + ΔW.
// w and explore must have the same architecture.
func (d *DBGD) Explore(w, explore *model.QNet, rng *rand.Rand) {
	ps, es := w.Params(), explore.Params()
	if d.delta == nil {
		d.delta = make([][]float32, len(ps))
		for i, p := range ps {
			d.delta[i] = make([]float32, len(p.W))
		}
	}
	a := float32(d.Alpha)
	for i, p := range ps {
		dl, ew := d.delta[i], es[i].W
		for j, x := range p.W {
			dl[j] = a * float32(2*rng.Float64()-1) * x
			ew[j] = x + dl[j]
		}
	}
}

// Step moves w towards the explore network of the last Explore:
// W ← W + Eta·ΔW.
func (d *DBGD) Step(w *model.QNet) {
	if d.delta == nil {
		return
	}
	e := float32(d.Eta)
	for i, p := range w.Params() {
		for j, dl := range d.delta[i] {
			p.W[j] += e * dl
		}
	}
}

// Duel applies the outcome of one interleaved comparison: it steps w towards
// the explore network when the explore network's positions (from[i] == 1)
// won strictly more clicks than w's, and reports whether it did.
func (d *DBGD) Duel(w *model.QNet, from []int8, clicks []bool) bool {
	cw, ce := Credit(from, clicks)
	if ce > cw {
		d.Step(w)
		return true
	}
	return false
}
