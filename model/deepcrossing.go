package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// DeepCrossing is Deep Crossing (Shan et al., "Deep Crossing: Web-Scale
// Modeling without Manually Crafted Combinatorial Features", KDD 2016;
// docs/models/deepcrossing.md):
//
//	X_0   = [e_1; …; e_C; x_num]                        (stacking)
//	X_l+1 = ReLU(X_l + W1·ReLU(W0·X_l + b0) + b1)        (residual units)
//	logit = wᵀX_L + b                                     (scoring layer)
//
// Each categorical field is embedded (one width k for all); plain numeric
// fields skip embedding and are stacked as their raw (normalized) value. A
// residual unit keeps its input's width C·k + N; W0 maps it to
// ResidualHidden units and W1 back. The sigmoid of the scoring layer is the
// training loop's log loss.
//
// Regularization: optional per-batch L2 (l2_emb) on the embedding rows a
// batch touches; dense parameters get whatever the optimizer's weight decay
// says. The paper uses no dropout, and neither does this model.
type DeepCrossing struct {
	cfg   DeepCrossingConfig
	stack *stackedInput
	units []*residualUnit
	score *nn.Dense
}

// DeepCrossingConfig holds Deep Crossing's hyper-parameters.
type DeepCrossingConfig struct {
	// EmbeddingDim is the categorical embedding width; 0 takes the
	// schema's (every categorical field must then declare the same).
	EmbeddingDim int `json:"embedding_dim"`
	// ResidualUnits is the number of stacked residual units (default 3).
	ResidualUnits int `json:"residual_units"`
	// ResidualHidden is the width of each unit's inner layer W0
	// (default 256).
	ResidualHidden int `json:"residual_hidden"`
	// InitStd is the standard deviation of the embeddings' normal
	// initialization (default 0.01).
	InitStd float64 `json:"init_std"`
	// L2Emb is a per-batch L2 penalty on the touched embedding rows.
	L2Emb float64 `json:"l2_emb"`
}

func init() {
	Register(Info{
		Name:     "deepcrossing",
		Task:     TaskCTR,
		Summary:  "Deep Crossing: embeddings and raw numerics stacked, residual units, scoring layer",
		Citation: "Shan et al., Deep Crossing: Web-Scale Modeling without Manually Crafted Combinatorial Features, KDD 2016",
		Config: func() any {
			return &DeepCrossingConfig{ResidualUnits: 3, ResidualHidden: 256, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewDeepCrossing(env, *cfg.(*DeepCrossingConfig))
		},
		Footprint: footprintDeepCrossing,
	})
}

// NewDeepCrossing builds Deep Crossing: embeddings from N(0, InitStd²),
// dense layers Glorot-uniform, all drawn from env.Rand().
func NewDeepCrossing(env Env, cfg DeepCrossingConfig) (*DeepCrossing, error) {
	if err := cfgAtLeast("residual_units", cfg.ResidualUnits, 1); err != nil {
		return nil, err
	}
	if err := cfgAtLeast("residual_hidden", cfg.ResidualHidden, 1); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	rng := env.Rand()
	stack, err := newStackedInput("deepcrossing.emb", env, cfg.EmbeddingDim, cfg.InitStd, rng)
	if err != nil {
		return nil, err
	}
	m := &DeepCrossing{cfg: cfg, stack: stack}
	for u := range cfg.ResidualUnits {
		m.units = append(m.units, newResidualUnit(fmt.Sprintf("deepcrossing.res%d", u), stack.width, cfg.ResidualHidden, env.MaxBatch, rng))
	}
	m.score = nn.NewDense("deepcrossing.score", stack.width, 1, env.MaxBatch, nn.ActNone, rng)
	return m, nil
}

// Forward returns the logits of b.
func (m *DeepCrossing) Forward(b *Batch) []float32 {
	x := m.stack.forward(b)
	for _, u := range m.units {
		x = u.forward(x, b.N)
	}
	return m.score.Forward(x, b.N)
}

// Backward accumulates every gradient from dL/dlogit (overwritten).
func (m *DeepCrossing) Backward(dout []float32) {
	dx := m.score.Backward(dout)
	for i := len(m.units) - 1; i >= 0; i-- {
		dx = m.units[i].backward(dx)
	}
	m.stack.backward(dx)
}

// Parts returns one part, "all".
func (m *DeepCrossing) Parts() []Part {
	var ps []*nn.Param
	for _, u := range m.units {
		ps = append(ps, u.params()...)
	}
	ps = append(ps, m.score.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: m.stack.partTables(m.cfg.L2Emb)}}
}

// SetTraining does nothing: Deep Crossing has no dropout or batch
// statistics.
func (m *DeepCrossing) SetTraining(bool) {}

// residualUnit is Deep Crossing's residual unit
//
//	X_O = ReLU(X_I + W1·ReLU(W0·X_I + b0) + b1)
//
// over width-wide rows, composed of two Dense layers (W0 with its ReLU
// fused). The identity shortcut makes the unit fit the residual X_O − X_I.
type residualUnit struct {
	d0, d1 *nn.Dense
	width  int
	n      int
	y      []float32 // n×width: X_O
	dz     []float32 // n×width: dL/d(pre-activation), handed to d1 (which may overwrite it)
	dx     []float32 // n×width: dL/dX_I
}

// newResidualUnit returns a unit of the given width and inner width for
// batches of up to maxBatch rows, its weights Glorot-uniform from rng.
func newResidualUnit(name string, width, hidden, maxBatch int, rng *rand.Rand) *residualUnit {
	return &residualUnit{
		d0:    nn.NewDense(name+".w0", width, hidden, maxBatch, nn.ActReLU, rng),
		d1:    nn.NewDense(name+".w1", hidden, width, maxBatch, nn.ActNone, rng),
		width: width,
		y:     make([]float32, maxBatch*width),
		dz:    make([]float32, maxBatch*width),
		dx:    make([]float32, maxBatch*width),
	}
}

// params returns W0, b0, W1, b1.
func (u *residualUnit) params() []*nn.Param { return append(u.d0.Params(), u.d1.Params()...) }

// forward returns X_O (n×width) for X_I = x, which must stay unchanged
// until backward.
func (u *residualUnit) forward(x []float32, n int) []float32 {
	u.n = n
	r := u.d1.Forward(u.d0.Forward(x, n), n)
	y := u.y[:n*u.width]
	for i, v := range x[:n*u.width] {
		y[i] = max(v+r[i], 0)
	}
	return y
}

// backward takes dL/dX_O and returns dL/dX_I: the pre-activation gradient
// flows both through the shortcut and through W1 and W0.
func (u *residualUnit) backward(dy []float32) []float32 {
	m := u.n * u.width
	y, dz, dx := u.y[:m], u.dz[:m], u.dx[:m]
	for i, g := range dy[:m] {
		if y[i] > 0 {
			dz[i] = g
		} else {
			dz[i] = 0
		}
	}
	copy(dx, dz) // the shortcut's share, before d1 may overwrite dz
	for i, g := range u.d0.Backward(u.d1.Backward(dz)) {
		dx[i] += g
	}
	return dx
}
