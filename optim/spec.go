package optim

import (
	"fmt"
	"math"
)

// Spec names an update rule and its settings, as a configuration
// file writes it.
type Spec struct {
	// Rule is "sgd", "adam", "adagrad", "ftrl", or one of the full-batch
	// rules "rprop" (iRprop−, LR its first step Δ0) and "lbfgs" (L-BFGS, LR
	// scaling its first trial steps; see LBFGS).
	Rule string `json:"rule" yaml:"rule"`
	// LR is the learning rate (FTRL: alpha).
	LR float64 `json:"lr" yaml:"lr"`
	// Rule settings; zero takes the rule's default.
	Momentum float64 `json:"momentum,omitempty" yaml:"momentum,omitempty"`
	Nesterov bool    `json:"nesterov,omitempty" yaml:"nesterov,omitempty"`
	Beta1    float64 `json:"beta1,omitempty" yaml:"beta1,omitempty"`
	Beta2    float64 `json:"beta2,omitempty" yaml:"beta2,omitempty"`
	Eps      float64 `json:"eps,omitempty" yaml:"eps,omitempty"`
	// InitAccum is Adagrad's initial accumulator.
	InitAccum float64 `json:"init_accum,omitempty" yaml:"init_accum,omitempty"`
	// FTRL's beta, L1 and L2.
	Beta float64 `json:"beta,omitempty" yaml:"beta,omitempty"`
	L1   float64 `json:"l1,omitempty" yaml:"l1,omitempty"`
	L2   float64 `json:"l2,omitempty" yaml:"l2,omitempty"`
	// History is the number of pairs L-BFGS keeps (0: 15).
	History int `json:"history,omitempty" yaml:"history,omitempty"`
	// WeightDecay is an L2 penalty on the part's dense parameters.
	WeightDecay float64 `json:"weight_decay,omitempty" yaml:"weight_decay,omitempty"`
}

// NewRule returns the rule s names with its settings, the rule's usual
// defaults filling zero fields: Adam β1 0.9, β2 0.999, ε 1e-8; Adagrad
// ε 1e-10; FTRL β 1.
func (s Spec) NewRule() (Rule, error) {
	f := func(v, def float64) float32 {
		if v == 0 {
			return float32(def)
		}
		return float32(v)
	}
	if !(s.LR > 0) || math.IsInf(s.LR, 1) {
		return nil, fmt.Errorf("optimizer %s: lr = %v, want a finite rate > 0", s.Rule, s.LR)
	}
	var r Rule
	var lr = float32(s.LR)
	switch s.Rule {
	case "sgd":
		r = SGD{Momentum: float32(s.Momentum), Nesterov: s.Nesterov}
	case "adam":
		r = Adam{Beta1: f(s.Beta1, 0.9), Beta2: f(s.Beta2, 0.999), Eps: f(s.Eps, 1e-8)}
	case "adagrad":
		r = Adagrad{InitialAccumulator: float32(s.InitAccum), Eps: f(s.Eps, 1e-10)}
	case "ftrl":
		r = FTRL{Beta: f(s.Beta, 1), L1: float32(s.L1), L2: float32(s.L2)}
	case "rprop":
		r = Rprop{Delta0: lr, EtaPlus: RpropEtaPlus, EtaMinus: RpropEtaMinus, DeltaMin: RpropDeltaMin, DeltaMax: RpropDeltaMax}
	case "lbfgs":
		r = LBFGS{History: s.History}
	default:
		return nil, fmt.Errorf("optimizer rule %q: expected one of sgd, adam, adagrad, ftrl, rprop, lbfgs", s.Rule)
	}
	if err := r.check(lr); err != nil {
		return nil, fmt.Errorf("optimizer %s: %w", s.Rule, err)
	}
	if !(s.WeightDecay >= 0) {
		return nil, fmt.Errorf("optimizer %s: weight_decay = %v, want ≥ 0", s.Rule, s.WeightDecay)
	}
	return r, nil
}

// NewGroup returns an empty group named name with the rule, learning rate
// and weight decay s describes.
func (s Spec) NewGroup(name string) (*Group, error) {
	r, err := s.NewRule()
	if err != nil {
		return nil, err
	}
	g := NewGroup(name, r, float32(s.LR))
	g.L2 = float32(s.WeightDecay)
	return g, nil
}
