package model

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// LR is logistic regression over the encoded fields (docs/models/lr.md):
//
//	logit = w0 + Σ_f w[id_f]·x_f
//
// with x_f = 1 for a categorical value and the normalized number for a
// numeric field. It trains with any rule of the training configuration;
// FTRL-Proximal (McMahan et al., KDD'13) gives it sparse weights.
type LR struct {
	lin *linear
	cfg LRConfig
}

// LRConfig holds LR's hyper-parameters.
type LRConfig struct {
	// L2 is a per-batch L2 penalty on the touched rows of w.
	L2 float64 `json:"l2"`
}

func init() {
	Register(Info{
		Name:     "lr",
		Task:     TaskCTR,
		Summary:  "logistic regression: w0 + Σ w_i x_i (FTRL-Proximal or any optimizer)",
		Citation: "McMahan et al., Ad Click Prediction: a View from the Trenches, KDD 2013",
		Config:   func() any { return &LRConfig{} },
		New: func(env Env, cfg any) (Model, error) {
			return NewLR(env, *cfg.(*LRConfig)), nil
		},
		Footprint: footprintLR,
		Space:     tune.Space{spaceLR, spaceL2("l2")},
	})
}

// NewLR builds LR; its weights start at zero.
func NewLR(env Env, cfg LRConfig) *LR {
	return &LR{lin: newLinear(env), cfg: cfg}
}

// Forward returns the logits of b.
func (m *LR) Forward(b *Batch) []float32 { return m.lin.forward(b) }

// Backward accumulates the gradients of w and w0.
func (m *LR) Backward(dout []float32) { m.lin.backward(dout) }

// Parts returns one part, "all".
func (m *LR) Parts() []Part {
	return []Part{{Name: "all", Params: []*nn.Param{m.lin.bias},
		Tables: []PartTable{{Table: m.lin.w, Reg: tableL2(m.cfg.L2)}}}}
}

// SetTraining does nothing: LR behaves the same in training and inference.
func (m *LR) SetTraining(bool) {}
