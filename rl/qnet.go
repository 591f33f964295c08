package rl

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// QNetConfig describes a dueling Q network. Each input row is one
// (state, action) pair laid out as [state | action]: the first StateDim
// columns (user and context features) describe the state alone, the remaining
// ActionDim columns (item and user–item features) the candidate.
type QNetConfig struct {
	// StateDim is the width of the state part of a row (user + context).
	StateDim int
	// ActionDim is the width of the action part of a row (item + user–item).
	ActionDim int
	// Hidden lists the hidden widths of both the value and the advantage
	// towers, input side first.
	Hidden []int
	// Activation is the hidden activation (nn.ActReLU by default when zero).
	Activation nn.Activation
}

// QNet is the dueling Q network of DRN: Q(s, a) = V(s) + A(s, a), where the
// value tower sees only the state columns of a row and the advantage tower
// sees the whole row. The advantage is not centred over the candidates: the
// candidate pool changes at every request, so there is no fixed action set to
// centre over, and the paper sums the two towers directly.
type QNet struct {
	Config   QNetConfig
	V, A     *nn.MLP
	maxBatch int
	vin      []float32 // the state columns of the last Forward, n×StateDim
	q        []float32
	dv, da   []float32
	params   []*nn.Param
}

// NewQNet builds a QNet for batches of up to maxBatch rows, its weights drawn
// from rng (value tower first).
func NewQNet(cfg QNetConfig, maxBatch int, rng *rand.Rand) (*QNet, error) {
	if cfg.StateDim < 1 {
		return nil, fmt.Errorf("rl: QNetConfig.StateDim = %d, want ≥ 1", cfg.StateDim)
	}
	if cfg.ActionDim < 1 {
		return nil, fmt.Errorf("rl: QNetConfig.ActionDim = %d, want ≥ 1", cfg.ActionDim)
	}
	for i, h := range cfg.Hidden {
		if h < 1 {
			return nil, fmt.Errorf("rl: QNetConfig.Hidden[%d] = %d, want ≥ 1", i, h)
		}
	}
	if maxBatch < 1 {
		return nil, fmt.Errorf("rl: QNet maxBatch = %d, want ≥ 1", maxBatch)
	}
	act := cfg.Activation
	if act == nn.ActNone && len(cfg.Hidden) > 0 {
		act = nn.ActReLU
	}
	cfg.Activation = act
	hidden := append([]int(nil), cfg.Hidden...)
	cfg.Hidden = hidden
	q := &QNet{Config: cfg, maxBatch: maxBatch}
	q.V = nn.NewMLP(nn.MLPConfig{Name: "drn.v", In: cfg.StateDim, Hidden: hidden, Activation: act,
		Out: 1, NoInputGrad: true}, maxBatch, rng)
	q.A = nn.NewMLP(nn.MLPConfig{Name: "drn.a", In: cfg.StateDim + cfg.ActionDim, Hidden: hidden,
		Activation: act, Out: 1, NoInputGrad: true}, maxBatch, rng)
	q.vin = make([]float32, maxBatch*cfg.StateDim)
	q.q = make([]float32, maxBatch)
	q.dv = make([]float32, maxBatch)
	q.da = make([]float32, maxBatch)
	q.params = append(append([]*nn.Param(nil), q.V.Params()...), q.A.Params()...)
	return q, nil
}

// Width is the width of an input row, StateDim + ActionDim.
func (q *QNet) Width() int { return q.Config.StateDim + q.Config.ActionDim }

// MaxBatch is the largest batch Forward accepts.
func (q *QNet) MaxBatch() int { return q.maxBatch }

// Params returns every trainable parameter, value tower first.
func (q *QNet) Params() []*nn.Param { return q.params }

// Forward returns Q for the n rows of x (n×Width), in a slice owned by the
// network. x must stay unchanged until Backward.
func (q *QNet) Forward(x []float32, n int) []float32 {
	w, s := q.Width(), q.Config.StateDim
	if len(x) < n*w {
		panic(fmt.Sprintf("rl: QNet.Forward: %d values for %d rows of width %d", len(x), n, w))
	}
	vin := q.vin[:n*s]
	for i := 0; i < n; i++ {
		copy(vin[i*s:(i+1)*s], x[i*w:i*w+s])
	}
	v := q.V.Forward(vin, n)
	a := q.A.Forward(x[:n*w], n)
	out := q.q[:n]
	for i := range out {
		out[i] = v[i] + a[i]
	}
	return out
}

// Backward accumulates the parameter gradients of the last Forward from dQ
// (one value per row); both towers receive dQ unchanged since ∂Q/∂V = ∂Q/∂A = 1.
func (q *QNet) Backward(dq []float32) {
	n := len(dq)
	copy(q.dv[:n], dq)
	copy(q.da[:n], dq)
	q.V.Backward(q.dv[:n])
	q.A.Backward(q.da[:n])
}

// Score computes Q for any number of rows, in chunks of MaxBatch, into out
// (len ≥ n). It overwrites what Backward would need.
func (q *QNet) Score(x []float32, n int, out []float32) {
	w := q.Width()
	for lo := 0; lo < n; lo += q.maxBatch {
		hi := min(lo+q.maxBatch, n)
		copy(out[lo:hi], q.Forward(x[lo*w:hi*w], hi-lo))
	}
}

// CopyFrom sets q's weights to those of src, which must have the same shape.
func (q *QNet) CopyFrom(src *QNet) {
	for i, p := range q.params {
		copy(p.W, src.params[i].W)
	}
}

// NumWeights is the total number of trainable weights.
func (q *QNet) NumWeights() int {
	n := 0
	for _, p := range q.params {
		n += len(p.W)
	}
	return n
}
