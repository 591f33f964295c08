package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
)

// GRU is a gated recurrent unit over padded sequences: DIEN's interest
// extractor, and the cell inside AUGRU.
//
// For input x_t and state h_{t−1} (h_{−1} = 0), with gates in column order
// update, reset, candidate:
//
//	u_t = σ(x_t W_u + b_u + h_{t−1} U_u)
//	r_t = σ(x_t W_r + b_r + h_{t−1} U_r)
//	h̃_t = tanh(x_t W_h + b_h + r_t ⊙ (h_{t−1} U_h + b_hn))
//	h_t = (1 − u_t) ⊙ h_{t−1} + u_t ⊙ h̃_t, computed as h_{t−1} + u_t ⊙ (h̃_t − h_{t−1})
//
// The reset gate multiplies the recurrent projection (the cuDNN / PyTorch
// placement), not the state before it (Cho et al.'s U_h(r ⊙ h)): the three
// recurrent projections are then one SGEMM per step. b_hn, the recurrent
// candidate bias, is the one bias that form cannot fold into b; with it the
// weights match PyTorch's nn.GRU (W = weight_ihᵀ, U = weight_hhᵀ, b = b_ih
// plus b_hh for the two gates and b_ih alone for the candidate, b_hn the
// candidate part of b_hh). u weights the new candidate, as in the DIEN paper;
// PyTorch's z is 1 − u.
//
// Inputs are n×L×In (row, step, feature) with a length per row; steps at or
// past a row's length are padding: their hidden-state outputs are exactly 0,
// they leave the carried state alone, their inputs are never read and get a
// zero gradient.
//
// The real steps are packed step-major (cuDNN's packed sequences, see
// seqPack) before anything is computed: the input projection of all of them
// is one SGEMM, and so are the backward pass's weight gradient and input
// gradient, all over the real steps only, so that padding costs nothing but
// the copies in and out.
type GRU struct {
	// In and Hidden are the input and state widths.
	In, Hidden int
	// Wx holds the input projections, In×3·Hidden.
	Wx *Param
	// U holds the recurrent projections, Hidden×3·Hidden.
	U *Param
	// B holds the input-side biases of the three gates, 3·Hidden.
	B *Param
	// Bn is the recurrent candidate bias b_hn, inside the reset product.
	Bn *Param

	who              string
	maxBatch, maxLen int
	pack             seqPack

	// The last Forward's batch, kept for Backward.
	ready    bool
	n, steps int
	lens     []int32
	x        []float32
	att      []float32
	mode     gateMode

	xp    []float32 // packed inputs x_t, step-major like hs
	gates []float32 // packed input projections, then activated u, r, h̃
	hs    []float32 // packed h_t, step-major: row p of step t at off[t]+p
	hrec  []float32 // packed h_{t−1}U_h + b_hn, the candidate's recurrent part
	out   []float32 // n×L×H hidden states, zero at padding
	last  []float32 // n×H final states
	gh    []float32 // one step's recurrent projections, then their gradient
	dz    []float32 // packed gradient of the gates' input projections
	dxp   []float32 // packed gradient of the inputs
	dh    []float32 // packed-order gradient of the carried state
	dx    []float32 // n×L×In
	zero  []float32 // h_{−1}
}

// gateMode says how attention enters the update gate; GRU itself is
// gatePlain, the rest serve AUGRU.
type gateMode int

const (
	gatePlain   gateMode = iota // g = u
	gateScaled                  // g = a·u (AUGRU)
	gateReplace                 // g = a (AGRU)
)

// NewGRU returns a GRU for batches of up to maxBatch rows of up to maxLen
// steps. Wx and U are drawn from U(−1/√Hidden, 1/√Hidden), PyTorch's and
// cuDNN's default for this form; the biases start at 0.
func NewGRU(name string, in, hidden, maxBatch, maxLen int, rng *rand.Rand) *GRU {
	if in < 1 || hidden < 1 || maxBatch < 1 || maxLen < 1 {
		panic(fmt.Sprintf("nn: GRU %s: sizes must be positive, got in %d, hidden %d, maxBatch %d, maxLen %d", name, in, hidden, maxBatch, maxLen))
	}
	g3 := 3 * hidden
	rows := maxBatch * maxLen
	g := &GRU{
		In: in, Hidden: hidden,
		Wx:       NewParam(name+".wx", in, g3),
		U:        NewParam(name+".u", hidden, g3),
		B:        NewParam(name+".b", g3),
		Bn:       NewParam(name+".bhn", hidden),
		who:      "GRU " + name,
		maxBatch: maxBatch, maxLen: maxLen,
		pack:  newSeqPack(maxBatch, maxLen),
		xp:    make([]float32, rows*in),
		gates: make([]float32, rows*g3),
		hs:    make([]float32, rows*hidden),
		hrec:  make([]float32, rows*hidden),
		out:   make([]float32, rows*hidden),
		last:  make([]float32, maxBatch*hidden),
		gh:    make([]float32, maxBatch*g3),
		dz:    make([]float32, rows*g3),
		dh:    make([]float32, maxBatch*hidden),
		dxp:   make([]float32, rows*in),
		dx:    make([]float32, rows*in),
		zero:  make([]float32, hidden),
	}
	a := 1 / math.Sqrt(float64(hidden))
	InitUniform(g.Wx.W, a, rng)
	InitUniform(g.U.W, a, rng)
	return g
}

// Params returns the layer's trainable parameters.
func (g *GRU) Params() []*Param { return []*Param{g.Wx, g.U, g.B, g.Bn} }

// Forward runs the GRU over n rows of x (n×steps×In, steps ≤ maxLen) whose
// valid lengths are lens, and returns every step's hidden state
// (n×steps×Hidden, zero at padding) and each row's final state h_{len−1}
// (n×Hidden, zero for an empty row). x and lens are kept, not copied, for
// Backward.
func (g *GRU) Forward(x []float32, n, steps int, lens []int32) (hs, last []float32) {
	g.forward(x, nil, n, steps, lens, gatePlain)
	return g.out[:n*steps*g.Hidden], g.last[:n*g.Hidden]
}

// Backward takes the gradients of the loss with respect to Forward's two
// outputs (either may be nil, meaning zero), accumulates the parameter
// gradients, and returns dL/dx (n×steps×In, exactly zero at padding).
func (g *GRU) Backward(dhs, dlast []float32) []float32 {
	if g.ready && g.mode != gatePlain {
		panic(fmt.Sprintf("nn: %s: Backward after an attention Forward; use the AUGRU's Backward", g.who))
	}
	return g.backward(dhs, dlast, nil)
}

// forward runs the recurrence; att (n×steps) enters the update gate as mode
// says and is ignored by gatePlain.
func (g *GRU) forward(x, att []float32, n, steps int, lens []int32, mode gateMode) {
	checkSeqBatch(g.who, n, steps, g.maxBatch, g.maxLen)
	checkSeqLens(g.who, lens, n, steps)
	checkSeqSlice(g.who, "x", x, n*steps*g.In)
	if mode != gatePlain {
		checkSeqSlice(g.who, "attention", att, n*steps)
	}
	H, G := g.Hidden, 3*g.Hidden
	rows := n * steps
	g.ready, g.n, g.steps, g.lens, g.x, g.att, g.mode = true, n, steps, lens[:n], x[:rows*g.In], att, mode
	pk := &g.pack
	pk.build(lens, n, steps)
	real := pk.off[steps]
	in := g.In
	for t := 0; t < steps && pk.active[t] > 0; t++ {
		for p := range pk.active[t] {
			src := (pk.perm[p]*steps + t) * in
			copy(g.xp[(pk.off[t]+p)*in:][:in], x[src:src+in])
		}
	}

	z := g.gates[:real*G]
	blas.SgemmEpilogue(false, false, real, G, in, 1, g.xp, in, g.Wx.W, G, 0, z, G, blas.Epilogue{Bias: g.B.W})
	bn := g.Bn.W[:H]
	for t := 0; t < steps && pk.active[t] > 0; t++ {
		m := pk.active[t]
		if t > 0 {
			blas.Sgemm(false, false, m, G, H, 1, g.hs[pk.off[t-1]*H:], H, g.U.W, G, 0, g.gh, G)
		}
		for p := 0; p < m; p++ {
			idx := pk.perm[p]*steps + t
			zr := z[(pk.off[t]+p)*G:][:G]
			hp := g.zero
			rec := g.hrec[(pk.off[t]+p)*H:][:H]
			if t > 0 {
				hp = g.hs[(pk.off[t-1]+p)*H:][:H]
				ghr := g.gh[p*G : p*G+G]
				for j, v := range ghr[:2*H] {
					zr[j] += v
				}
				for j, v := range ghr[2*H:] {
					rec[j] = v + bn[j]
				}
			} else {
				copy(rec, bn)
			}
			blas.Sigmoid(zr[:2*H], zr[:2*H])
			u, r, c := zr[:H], zr[H:2*H], zr[2*H:]
			for j, v := range rec {
				c[j] += r[j] * v
			}
			blas.Tanh(c, c)
			h := g.hs[(pk.off[t]+p)*H:][:H]
			switch mode {
			case gatePlain:
				for j := range h {
					h[j] = hp[j] + u[j]*(c[j]-hp[j])
				}
			case gateScaled:
				a := att[idx]
				for j := range h {
					h[j] = hp[j] + a*u[j]*(c[j]-hp[j])
				}
			case gateReplace:
				a := att[idx]
				for j := range h {
					h[j] = hp[j] + a*(c[j]-hp[j])
				}
			}
			copy(g.out[idx*H:idx*H+H], h)
		}
	}

	for i, l := range g.lens {
		clear(g.out[(i*steps+int(l))*H : (i*steps+steps)*H])
		lr := g.last[i*H : i*H+H]
		if l == 0 {
			clear(lr)
			continue
		}
		copy(lr, g.hs[(pk.off[l-1]+pk.pos[i])*H:][:H])
	}
}

// backward runs backpropagation through time. datt, when not nil, receives
// dL/da (n×steps, zero at padding) for the attention modes.
func (g *GRU) backward(dhs, dlast, datt []float32) []float32 {
	if !g.ready {
		panic(fmt.Sprintf("nn: %s: Backward before Forward", g.who))
	}
	H, G := g.Hidden, 3*g.Hidden
	n, steps := g.n, g.steps
	rows := n * steps
	if dhs != nil {
		checkSeqSlice(g.who, "hidden-state gradient", dhs, rows*H)
	}
	if dlast != nil {
		checkSeqSlice(g.who, "final-state gradient", dlast, n*H)
	}
	pk := &g.pack
	real := pk.off[steps]
	z := g.gates[:real*G]
	dz := g.dz[:real*G]
	dh := g.dh[:n*H]
	for i, l := range g.lens {
		if datt != nil {
			clear(datt[i*steps+int(l) : i*steps+steps])
		}
		p := pk.pos[i]
		if dlast != nil {
			copy(dh[p*H:p*H+H], dlast[i*H:i*H+H])
		} else {
			clear(dh[p*H : p*H+H])
		}
	}

	bnG := g.Bn.G[:H]
	for t := steps - 1; t >= 0; t-- {
		m := pk.active[t]
		if m == 0 {
			continue
		}
		for p := 0; p < m; p++ {
			idx := pk.perm[p]*steps + t
			zr := z[(pk.off[t]+p)*G:][:G]
			u, r, c := zr[:H], zr[H:2*H], zr[2*H:]
			dzr := dz[(pk.off[t]+p)*G:][:G]
			dgh := g.gh[p*G : p*G+G]
			rec := g.hrec[(pk.off[t]+p)*H:][:H]
			hp := g.zero
			if t > 0 {
				hp = g.hs[(pk.off[t-1]+p)*H:][:H]
			}
			dhp := dh[p*H : p*H+H]
			dhsr := g.zero
			if dhs != nil {
				dhsr = dhs[idx*H : idx*H+H]
			}
			var a float32
			if g.mode != gatePlain {
				a = g.att[idx]
			}
			da := gruStepBackward(g.mode, a, dhp, dhsr, u, r, c, hp, rec, dzr, dgh, bnG)
			if datt != nil {
				datt[idx] = da
			}
		}
		if t > 0 {
			prev := g.hs[pk.off[t-1]*H:]
			blas.Sgemm(false, true, m, H, G, 1, g.gh, G, g.U.W, G, 1, dh, H)
			blas.Sgemm(true, false, H, G, m, 1, prev, H, g.gh, G, 1, g.U.G, G)
		}
	}

	in := g.In
	blas.Sgemm(true, false, in, G, real, 1, g.xp, in, dz, G, 1, g.Wx.G, G)
	blas.BiasGrad(g.B.G, dz, real, G)
	dxp := g.dxp[:real*in]
	blas.Sgemm(false, true, real, in, G, 1, dz, G, g.Wx.W, G, 0, dxp, in)
	// Unpack: each row's real steps from their packed places, then zeros.
	dx := g.dx[:rows*in]
	for i, l := range g.lens {
		p := pk.pos[i]
		for t := range int(l) {
			copy(dx[(i*steps+t)*in:][:in], dxp[(pk.off[t]+p)*in:][:in])
		}
		clear(dx[(i*steps+int(l))*in : (i*steps+steps)*in])
	}
	return dx
}

// gruStepBackward back-propagates one step of one row: dhp holds dL/dh_t
// from later steps and is overwritten with the direct share of dL/dh_{t−1};
// dhs adds the loss's own gradient of h_t. It writes the gradients of the
// gates' pre-activations into dz (input side) and dgh (recurrent side, the
// candidate's times r), adds dL/db_hn to bnG, and returns dL/da for the
// attention modes. One loop per mode keeps the switch out of the H-long
// inner loop.
func gruStepBackward(mode gateMode, a float32, dhp, dhs, u, r, c, hp, rec, dz, dgh, bnG []float32) (da float32) {
	H := len(dhp)
	dhs, u, r, c, hp, rec, bnG = dhs[:H], u[:H], r[:H], c[:H], hp[:H], rec[:H], bnG[:H]
	dzu, dzr, dzc := dz[:H], dz[H:2*H], dz[2*H:3*H]
	dgu, dgr, dgc := dgh[:H], dgh[H:2*H], dgh[2*H:3*H]
	// tail is shared by the modes: given d = dL/dh_t, the gate's value and
	// the update gate's pre-activation gradient dun.
	tail := func(j int, d, gate, dun float32) {
		// The direct path to h_{t−1}; the recurrent one is added by one
		// SGEMM over the step's rows.
		dhp[j] = d * (1 - gate)
		dc := d * gate * (1 - c[j]*c[j])
		dr := dc * rec[j] * r[j] * (1 - r[j])
		dzu[j], dzr[j], dzc[j] = dun, dr, dc
		dcr := dc * r[j]
		dgu[j], dgr[j], dgc[j] = dun, dr, dcr
		bnG[j] += dcr
	}
	switch mode {
	case gatePlain:
		for j := range dhp {
			d := dhp[j] + dhs[j]
			uj := u[j]
			tail(j, d, uj, d*(c[j]-hp[j])*uj*(1-uj))
		}
	case gateScaled:
		for j := range dhp {
			d := dhp[j] + dhs[j]
			uj := u[j]
			dg := d * (c[j] - hp[j])
			da += dg * uj
			tail(j, d, a*uj, dg*a*uj*(1-uj))
		}
	case gateReplace:
		for j := range dhp {
			d := dhp[j] + dhs[j]
			da += d * (c[j] - hp[j])
			tail(j, d, a, 0)
		}
	}
	return da
}
