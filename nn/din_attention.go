package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DINWeighting selects how DIN turns the activation unit's outputs into the
// weights of the behaviours.
type DINWeighting int

const (
	// DINRawWeights uses the activation unit's output as the weight, with
	// no normalization: the paper's form (Zhou et al., KDD'18), which
	// keeps the intensity of the user's interest.
	DINRawWeights DINWeighting = iota
	// DINSoftmax normalizes the outputs with a softmax over the example's
	// real (unmasked) behaviours, as several benchmarks do.
	DINSoftmax
	// DINScaledSoftmax divides the outputs by √d before that softmax, as
	// the authors' released code does.
	DINScaledSoftmax
)

// String names the weighting as configuration files spell it.
func (w DINWeighting) String() string {
	switch w {
	case DINRawWeights:
		return "raw"
	case DINSoftmax:
		return "softmax"
	case DINScaledSoftmax:
		return "scaled-softmax"
	}
	return fmt.Sprintf("DINWeighting(%d)", int(w))
}

// DINAttentionConfig describes a DIN attention pooling layer.
type DINAttentionConfig struct {
	// Name prefixes the activation unit's parameter names (an MLP's:
	// Name.h0.w, Name.h0.b, …, Name.out.w, Name.out.b).
	Name string
	// Dim is d, the width of the query and of every key.
	Dim int
	// SeqLen is L, the padded number of behaviours per example.
	SeqLen int
	// Hidden lists the activation unit's hidden widths, input side first
	// (the paper's unit uses 80 and 40).
	Hidden []int
	// Activation is the hidden activation fused into the unit's Dense
	// layers (ActSigmoid in the authors' released code); leave it ActNone
	// when Learned is set.
	Activation Activation
	// Learned selects PReLU or Dice (the paper's choice) as the hidden
	// activation instead.
	Learned LearnedActivation
	// Weighting selects raw weights (the paper) or a softmax.
	Weighting DINWeighting
}

// DINAttention is the local activation unit and attention pooling of DIN
// (Zhou et al., "Deep Interest Network for Click-Through Rate Prediction",
// KDD'18): for a candidate (query) v_A and behaviours
// e_1…e_L,
//
//	v_U(A) = Σ_j w_j e_j,   w_j = a(e_j, v_A),
//
// where a is a small MLP on [e_j, v_A, e_j − v_A, e_j ⊙ v_A] (4d inputs,
// Hidden widths, one linear output). Padded positions are masked: they get
// weight 0, no gradient, and have no influence on the output whatever their
// values. Paper mode uses the raw w_j; a softmax over the real positions is an
// option (Weighting).
//
// The unit runs once per batch on the real positions only, gathered into one
// (#real)×4d matrix, so that every Dense layer is a single SGEMM, padding
// costs nothing, and Dice's batch statistics see real behaviours only.
type DINAttention struct {
	// Config is the configuration the layer was built from.
	Config DINAttentionConfig
	// Unit is the activation unit: an MLP from 4d inputs through Hidden to
	// one linear output.
	Unit *MLP

	maxBatch int
	n        int
	m        int       // real positions of the last Forward
	q        []float32 // the last Forward's query, not copied
	keys     []float32 // the last Forward's keys, not copied
	rows     []int32   // the real positions b·L+j, in order
	feat     []float32 // maxBatch·L × 4d: the unit's input
	w        []float32 // n×L weights, 0 at padded positions
	lenMask  []float32 // n×L mask built by ForwardLengths
	y        []float32 // n×d
	dw       []float32 // maxBatch·L: dL/dscore of the real rows
	dq       []float32 // n×d
	dkeys    []float32 // n×L×d
}

// NewDINAttention builds the layer described by cfg for batches of up to
// maxBatch examples. The unit's weights are drawn from rng as NewMLP draws
// them.
func NewDINAttention(cfg DINAttentionConfig, maxBatch int, rng *rand.Rand) *DINAttention {
	d, L := cfg.Dim, cfg.SeqLen
	if d < 1 || L < 1 || maxBatch < 1 || len(cfg.Hidden) == 0 {
		panic(fmt.Sprintf("nn: DINAttention %s: need Dim, SeqLen and maxBatch ≥ 1 and at least one hidden layer, got Dim %d, SeqLen %d, maxBatch %d, Hidden %v", cfg.Name, d, L, maxBatch, cfg.Hidden))
	}
	if cfg.Weighting < DINRawWeights || cfg.Weighting > DINScaledSoftmax {
		panic(fmt.Sprintf("nn: DINAttention %s: unknown weighting %v", cfg.Name, cfg.Weighting))
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	rowsMax := maxBatch * L
	unit := NewMLP(MLPConfig{
		Name: cfg.Name, In: 4 * d, Hidden: cfg.Hidden,
		Activation: cfg.Activation, Learned: cfg.Learned,
		Out: 1, OutActivation: ActNone,
	}, rowsMax, rng)
	return &DINAttention{
		Config: cfg, Unit: unit, maxBatch: maxBatch,
		rows:    make([]int32, rowsMax),
		feat:    make([]float32, rowsMax*4*d),
		w:       make([]float32, rowsMax),
		lenMask: make([]float32, rowsMax),
		y:       make([]float32, maxBatch*d),
		dw:      make([]float32, rowsMax),
		dq:      make([]float32, maxBatch*d),
		dkeys:   make([]float32, rowsMax*d),
	}
}

// Params returns the activation unit's parameters, input side first.
func (a *DINAttention) Params() []*Param { return a.Unit.Params() }

// Stats returns the running statistics of the unit's Dice (or BatchNorm)
// layers: state a trained model must save besides Params.
func (a *DINAttention) Stats() []*BatchStats { return a.Unit.Stats() }

// SetTraining switches the unit's Dice layers between batch statistics
// (true, the initial mode) and running averages.
func (a *DINAttention) SetTraining(training bool) { a.Unit.SetTraining(training) }

// Weights returns the behaviour weights w_j of the last Forward, n×L, 0 at
// padded positions. The slice is the layer's, valid until the next Forward.
func (a *DINAttention) Weights() []float32 { return a.w[:a.n*a.Config.SeqLen] }

// ForwardLengths is Forward with the mask given as lengths: the first
// lengths[b] positions of example b are real, the rest padding.
func (a *DINAttention) ForwardLengths(query, keys []float32, lengths []int32, n int) []float32 {
	L := a.Config.SeqLen
	if n < 0 || n > a.maxBatch || len(lengths) < n {
		panic(fmt.Sprintf("nn: DINAttention %s: %d lengths for batch %d (maximum %d)", a.Config.Name, len(lengths), n, a.maxBatch))
	}
	mask := a.lenMask[:n*L]
	for b, ln := range lengths[:n] {
		if ln < 0 || int(ln) > L {
			panic(fmt.Sprintf("nn: DINAttention %s: length %d of example %d outside [0, %d]", a.Config.Name, ln, b, L))
		}
		row := mask[b*L : (b+1)*L]
		for j := range row {
			row[j] = 0
			if j < int(ln) {
				row[j] = 1
			}
		}
	}
	return a.Forward(query, keys, mask, n)
}

// Forward pools the behaviours of n examples: query is n×d (v_A), keys
// n×L×d (e_j), mask n×L with 0 at padded positions and 1 elsewhere (as
// SequenceEmbedding returns it). It returns v_U(A), n×d. query and keys must
// stay unchanged until Backward; the mask is read only here.
func (a *DINAttention) Forward(query, keys, mask []float32, n int) []float32 {
	d, L := a.Config.Dim, a.Config.SeqLen
	a.q = checkInteractionInput("DINAttention", "query", query, n, a.maxBatch, d)
	a.keys = checkInteractionInput("DINAttention", "keys", keys, n, a.maxBatch, L*d)
	mask = checkInteractionInput("DINAttention", "mask", mask, n, a.maxBatch, L)
	a.n = n

	m := 0
	for r, v := range mask {
		if v != 0 {
			a.rows[m] = int32(r)
			m++
		}
	}
	a.m = m
	rows := a.rows[:m]
	feat := a.feat[:m*4*d]
	for t, r := range rows {
		e := a.keys[int(r)*d : int(r)*d+d]
		q := a.q[int(r)/L*d : int(r)/L*d+d]
		f := feat[t*4*d : (t+1)*4*d]
		copy(f[:d], e)
		copy(f[d:2*d], q)
		fd, fp := f[2*d:3*d], f[3*d:]
		for c, v := range e {
			fd[c] = v - q[c]
			fp[c] = v * q[c]
		}
	}
	w := a.w[:n*L]
	clear(w)
	if m > 0 { // an empty batch would give Dice no statistics to use
		score := a.Unit.Forward(feat, m) // m×1
		for t, r := range rows {
			w[r] = score[t]
		}
	}
	if a.Config.Weighting != DINRawWeights {
		scale := float32(1)
		if a.Config.Weighting == DINScaledSoftmax {
			scale = float32(1 / math.Sqrt(float64(d)))
		}
		for t := 0; t < m; {
			b := int(rows[t]) / L
			end := t + 1
			for end < m && int(rows[end])/L == b {
				end++
			}
			softmaxGathered(w, rows[t:end], scale)
			t = end
		}
	}

	y := a.y[:n*d]
	clear(y)
	for _, r := range rows {
		b, wr := int(r)/L, w[r]
		e := a.keys[int(r)*d : int(r)*d+d]
		yb := y[b*d : b*d+d]
		for c, v := range e {
			yb[c] += wr * v
		}
	}
	return y
}

// softmaxGathered replaces w[r] for r in rows with the softmax of
// scale·w[r] over those positions.
func softmaxGathered(w []float32, rows []int32, scale float32) {
	mx := float32(math.Inf(-1))
	for _, r := range rows {
		mx = max(mx, scale*w[r])
	}
	var s float64
	for _, r := range rows {
		v := float32(math.Exp(float64(scale*w[r] - mx)))
		w[r] = v
		s += float64(v)
	}
	inv := float32(1 / s)
	for _, r := range rows {
		w[r] *= inv
	}
}

// Backward takes dL/dv_U(A) (n×d) and returns dL/dquery (n×d) and dL/dkeys
// (n×L×d, zero at padded positions), accumulating the unit's parameter
// gradients. Keys get gradient along two paths: as the pooled values
// (w_j·dy) and through the activation unit's input.
func (a *DINAttention) Backward(dy []float32) (dquery, dkeys []float32) {
	n, m, d, L := a.n, a.m, a.Config.Dim, a.Config.SeqLen
	dy = checkInteractionGrad("DINAttention", dy, n*d)
	rows := a.rows[:m]
	w := a.w[:n*L]
	dq, dk := a.dq[:n*d], a.dkeys[:n*L*d]
	clear(dq)
	clear(dk)
	dw := a.dw[:m]
	for t, r := range rows {
		b := int(r) / L
		e := a.keys[int(r)*d : int(r)*d+d]
		g := dy[b*d : b*d+d]
		dkr := dk[int(r)*d : int(r)*d+d]
		var s float32
		for c, v := range g {
			s += v * e[c]
			dkr[c] = w[r] * v
		}
		dw[t] = s
	}
	if a.Config.Weighting != DINRawWeights {
		scale := float32(1)
		if a.Config.Weighting == DINScaledSoftmax {
			scale = float32(1 / math.Sqrt(float64(d)))
		}
		// ds_j = scale·w_j·(dw_j − Σ_k w_k dw_k) over the example's rows.
		for t := 0; t < m; {
			b := int(rows[t]) / L
			end := t + 1
			for end < m && int(rows[end])/L == b {
				end++
			}
			var s float32
			for u := t; u < end; u++ {
				s += w[rows[u]] * dw[u]
			}
			for u := t; u < end; u++ {
				dw[u] = scale * w[rows[u]] * (dw[u] - s)
			}
			t = end
		}
	}
	if m == 0 {
		return dq, dk
	}
	dfeat := a.Unit.Backward(dw)
	for t, r := range rows {
		b := int(r) / L
		e := a.keys[int(r)*d : int(r)*d+d]
		q := a.q[b*d : b*d+d]
		f := dfeat[t*4*d : (t+1)*4*d] // dL/d[e_j, v_A, e_j − v_A, e_j ⊙ v_A]
		fe, fq, fd, fp := f[:d], f[d:2*d], f[2*d:3*d], f[3*d:]
		dkr, dqb := dk[int(r)*d:int(r)*d+d], dq[b*d:b*d+d]
		for c := range dkr {
			dkr[c] += fe[c] + fd[c] + fp[c]*q[c]
			dqb[c] += fq[c] - fd[c] + fp[c]*e[c]
		}
	}
	return dq, dk
}
