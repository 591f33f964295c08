package model

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// FM is the factorization machine of Rendle (ICDM 2010), docs/models/fm.md:
//
//	logit = w0 + Σ_i w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j
//
// with the pairwise term computed in O(F·k) per row as
// ½ Σ_f [(Σ_i v_if x_i)² − Σ_i v_if² x_i²] (nn.FMInteraction). The sums run
// over the slots of a row: a multi-hot field contributes each active value,
// a padded slot nothing, a numeric field its one vector scaled by the value.
//
// Regularization: per-batch L2 on the rows of w (l2_w) and V (l2_v) a batch
// touches; none by default. The weights w start at zero and V at
// N(0, init_std²).
type FM struct {
	base *fmBase
	fm   *nn.FMInteraction
	cfg  FMConfig
}

// FMConfig holds FM's hyper-parameters.
type FMConfig struct {
	// EmbeddingDim is k; 0 takes the schema's width, which must then be
	// the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// L2W and L2V are per-batch L2 penalties on the touched rows of w and
	// V.
	L2W float64 `json:"l2_w"`
	L2V float64 `json:"l2_v"`
	// InitStd is the standard deviation of V's initial values (> 0).
	InitStd float64 `json:"init_std"`
}

func init() {
	Register(Info{
		Name:     "fm",
		Task:     TaskCTR,
		Summary:  "factorization machine: w0 + Σ w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j in O(nk)",
		Citation: "Rendle, Factorization Machines, ICDM 2010",
		Config:   func() any { return &FMConfig{InitStd: 0.01} },
		New: func(env Env, cfg any) (Model, error) {
			return NewFM(env, *cfg.(*FMConfig))
		},
		Footprint: footprintFM,
		Space:     tune.Space{spaceLR, spaceEmbeddingDim, spaceL2("l2_v")},
	})
}

// NewFM builds an FM, or returns an error naming the bad setting.
func NewFM(env Env, cfg FMConfig) (*FM, error) {
	for _, c := range []struct {
		name string
		v    float64
	}{{"l2_w", cfg.L2W}, {"l2_v", cfg.L2V}} {
		if err := cfgNonNegative(c.name, c.v); err != nil {
			return nil, err
		}
	}
	base, _, err := newFMBase("fm", env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, err
	}
	return &FM{
		base: base, cfg: cfg,
		fm: nn.NewFMInteraction(base.fields, base.dim, env.MaxBatch),
	}, nil
}

// Forward returns the logits of b.
func (m *FM) Forward(b *Batch) []float32 {
	first, e := m.base.forward(b)
	return m.base.logits(first, m.fm.Forward(e, b.N))
}

// Backward accumulates the gradients of w0, w and V.
func (m *FM) Backward(dout []float32) {
	m.base.backwardFirst(dout)
	m.base.backwardEmb(m.fm.Backward(dout))
}

// Parts returns one part, "all": w0, and the tables w and V with their
// per-batch L2.
func (m *FM) Parts() []Part {
	return []Part{{Name: "all", Params: []*nn.Param{m.base.lin.bias}, Tables: m.base.tables(m.cfg.L2W, m.cfg.L2V)}}
}

// SetTraining does nothing: FM behaves the same in training and inference.
func (m *FM) SetTraining(bool) {}
