package optim

import "fmt"

// FTRL is FTRL-Proximal (McMahan et al., KDD'13, Algorithm 1) with
// per-coordinate learning rates. α is the group's learning rate, so schedules
// and SetLR apply to it. For each coordinate with gradient g:
//
//	σ = (√(n + g²) − √n) / α;  z ← z + g − σ·w;  n ← n + g²
//	w = 0                                        if |z| ≤ λ1
//	w = −(z − sgn(z)·λ1) / ((β + √n)/α + λ2)     otherwise
//
// The stored weights always equal this closed form of the row's z and n,
// which gives exact zeros under L1. The paper starts from w = 0; non-zero
// starting weights carry through the −σ·w term, as in TensorFlow's FTRL.
type FTRL struct {
	// Beta is β of the per-coordinate rate α/(β + √n); the paper uses 1.
	Beta float32
	// L1 and L2 are the proximal λ1 (sparsity) and λ2 of the closed form.
	// They are independent of Group.L2, which adds λ·w to the gradient.
	L1, L2 float32
}

var ftrlSlots = []string{"z", "n"}

// Slots returns the accumulators "z" and "n" of the paper.
func (FTRL) Slots() []string { return ftrlSlots }

func (r FTRL) check(lr float32) error {
	if !(lr > 0) {
		return fmt.Errorf("FTRL needs a positive learning rate α, got %v", lr)
	}
	if !(r.Beta >= 0) || !(r.L1 >= 0) || !(r.L2 >= 0) {
		return fmt.Errorf("FTRL Beta = %v, L1 = %v, L2 = %v, want all ≥ 0", r.Beta, r.L1, r.L2)
	}
	return nil
}

func (FTRL) initState([]float32) {}

func (FTRL) prepare(c *stepCtx) { c.k1 = 1 / c.lr }

func (r FTRL) update(w, g, s []float32, c *stepCtx) {
	d := len(w)
	g = g[:d]
	z := s[:d]
	n := s[d : 2*d]
	invAlpha, beta, l1, l2 := c.k1, r.Beta, r.L1, r.L2
	for i, gi := range g {
		ni := n[i] + gi*gi
		sq := sqrt32(ni)
		sigma := (sq - sqrt32(n[i])) * invAlpha
		zi := z[i] + gi - sigma*w[i]
		z[i], n[i] = zi, ni
		switch {
		case zi > l1:
			w[i] = -(zi - l1) / ((beta+sq)*invAlpha + l2)
		case zi < -l1:
			w[i] = -(zi + l1) / ((beta+sq)*invAlpha + l2)
		default:
			w[i] = 0
		}
	}
}
