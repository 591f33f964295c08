package model

import (
	"fmt"
	"iter"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/tune"
)

// BiasedMF is the biased matrix factorization of Funk and Koren
// (docs/models/rating-baselines.md),
//
//	r̂ = μ + b_u + b_i + p_u·q_i,
//
// with μ the training mean, fixed. Its loss is ½Σ(r − r̂)² over a batch
// (Objective), and its part trains by SGD with L2 on the rows a batch
// touches, λ on the factors and λ_b on the biases; one rating per batch
// is the classic update, with e = r − r̂,
//
//	b_u += lr (e − λ_b b_u),  b_i += lr (e − λ_b b_i),
//	p_u += lr (e q_i − λ p_u), q_i += lr (e p_u − λ q_i)  (both from the old values).
//
// Biases start at 0, factors at N(0, InitStd²), p before q.
//
// Fallback: the factor term needs both the user and the item; when either
// is unseen (or has no training ratings) the prediction is μ plus the
// biases that exist. Predictions are clipped to the training range; in
// training the model outputs r̂ itself.
type BiasedMF struct {
	cfg          BiasedMFConfig
	user, item   idField
	stats        ratingStats
	p, q, bu, bi *nn.Table
	training     bool
	out          []float32
	local        []int32 // the last Forward's local user and item per row
}

// BiasedMFConfig holds biased MF's hyper-parameters; the defaults were
// chosen on the validation part of ML-100K's u1.base.
type BiasedMFConfig struct {
	// Factors is the dimension of p_u and q_i (default 100).
	Factors int `json:"factors"`
	// LR is the SGD step (default 0.01): the part's default optimizer.
	LR float64 `json:"lr"`
	// Reg is λ on the factors, RegBias λ_b on the biases (0.1 and 0.02).
	Reg     float64 `json:"reg"`
	RegBias float64 `json:"reg_bias"`
	// InitStd is the factors' initial standard deviation (default 0.1).
	InitStd float64 `json:"init_std"`
}

func init() {
	Register(Info{
		Name:     "biasedmf",
		Task:     TaskRating,
		Summary:  "biased matrix factorization μ + b_u + b_i + p_u·q_i, trained by SGD",
		Citation: "Koren, Bell and Volinsky, Matrix Factorization Techniques for Recommender Systems, IEEE Computer 2009",
		Config:   func() any { return &BiasedMFConfig{Factors: 100, LR: 0.01, Reg: 0.1, RegBias: 0.02, InitStd: 0.1} },
		New: func(env Env, cfg any) (Model, error) {
			return NewBiasedMF(env, *cfg.(*BiasedMFConfig))
		},
		Footprint: footprintBiasedMF,
		Space: tune.Space{tune.LogUniform("lr", 1e-3, 3e-2), tune.OneOf("factors", 20, 50, 100),
			tune.LogUniform("reg", 0.01, 0.3), tune.LogUniform("reg_bias", 0.005, 0.1)},
	})
}

func (c BiasedMFConfig) check() error {
	for _, e := range []error{cfgAtLeast("factors", c.Factors, 1), cfgNonNegative("reg", c.Reg), cfgNonNegative("reg_bias", c.RegBias), cfgInitStd(c.InitStd)} {
		if e != nil {
			return e
		}
	}
	if _, err := c.optimizer().NewRule(); err != nil {
		return err
	}
	return nil
}

func (c BiasedMFConfig) optimizer() optim.Spec { return optim.Spec{Rule: "sgd", LR: c.LR} }

// NewBiasedMF builds biased MF over a (user, item) layout.
func NewBiasedMF(env Env, cfg BiasedMFConfig) (*BiasedMF, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	user, item, err := ratingFields(env.Layout)
	if err != nil {
		return nil, err
	}
	k := cfg.Factors
	m := &BiasedMF{
		cfg: cfg, user: user, item: item,
		stats: newRatingStats("biasedmf", user.n, item.n),
		p:     nn.NewTable("biasedmf.p", user.n, k, false),
		q:     nn.NewTable("biasedmf.q", item.n, k, false),
		bu:    nn.NewTable("biasedmf.user_bias", user.n, 1, false),
		bi:    nn.NewTable("biasedmf.item_bias", item.n, 1, false),
		out:   make([]float32, env.MaxBatch),
		local: make([]int32, 2*env.MaxBatch),
	}
	rng := env.Rand()
	m.p.InitNormal(cfg.InitStd, rng)
	m.q.InitNormal(cfg.InitStd, rng)
	return m, nil
}

func footprintBiasedMF(env Env, cfg any) Footprint {
	c := cfg.(*BiasedMFConfig)
	user, item, err := ratingFields(env.Layout)
	if err != nil {
		return Footprint{}
	}
	rows := float64(user.n + item.n)
	spec := c.optimizer()
	return Footprint{
		TableWeights: rows * float64(c.Factors+1), TableRows: 2 * rows,
		Buffers:   ratingStatsFootprint(user.n, item.n),
		WorkBytes: 12 * float64(env.MaxBatch),
		// A batch touches a user's and an item's rows of each table.
		GradBytes: 4 * float64(env.MaxBatch) * 2 * float64(c.Factors+1),
		Parts:     []PartFootprint{{Name: "all", TableWeights: rows * float64(c.Factors+1), Optimizer: &spec}},
	}
}

// FitData computes μ, the rating range and which ids have ratings.
func (m *BiasedMF) FitData(ex iter.Seq[*Batch]) error {
	if err := m.stats.fit(ex, m.user, m.item, nil); err != nil {
		return fmt.Errorf("biasedmf: %w", err)
	}
	return nil
}

// Forward returns r̂ for every row: in training the model's value, in
// inference with the fallback and clipped.
func (m *BiasedMF) Forward(b *Batch) []float32 {
	out := m.out[:b.N]
	for r := range out {
		u, i := pairRow(b, r, m.user, m.item)
		m.local[2*r], m.local[2*r+1] = int32(u), int32(i)
		ku, ki := m.stats.knownUser(u), m.stats.knownItem(i)
		if m.training {
			ku, ki = u >= 0, i >= 0
		}
		v := m.stats.mean()
		if ku {
			v += m.bu.Row(int32(u))[0]
		}
		if ki {
			v += m.bi.Row(int32(i))[0]
		}
		if ku && ki {
			v += dot32(m.p.Row(int32(u)), m.q.Row(int32(i)))
		}
		if !m.training {
			v = m.stats.clip(v)
		}
		out[r] = v
	}
	return out
}

func dot32(a, b []float32) float32 {
	var s float32
	for f, x := range a {
		s += x * b[f]
	}
	return s
}

// Loss is ½Σ(r̂ − r)² over the batch; dout is r̂ − r.
func (m *BiasedMF) Loss(b *Batch, out, dout []float32) float64 {
	var l float64
	for r, o := range out {
		e := o - b.Label[r]
		dout[r] = e
		l += 0.5 * float64(e) * float64(e)
	}
	return l
}

// Backward accumulates the gradients of the biases and factors of the
// last Forward's rows, from the current (pre-step) values.
func (m *BiasedMF) Backward(dout []float32) {
	for r, g := range dout {
		u, i := m.local[2*r], m.local[2*r+1]
		if u >= 0 {
			m.bu.GradRow(u)[0] += g
		}
		if i >= 0 {
			m.bi.GradRow(i)[0] += g
		}
		if u >= 0 && i >= 0 {
			pu, qi := m.p.Row(u), m.q.Row(i)
			gp, gq := m.p.GradRow(u), m.q.GradRow(i)
			for f := range pu {
				gp[f] += g * qi[f]
				gq[f] += g * pu[f]
			}
		}
	}
}

// Parts returns one part: the four tables, with SGD at LR by default.
func (m *BiasedMF) Parts() []Part {
	spec := m.cfg.optimizer()
	return []Part{{Name: "all", Tables: []PartTable{
		{Table: m.p, Reg: tableL2(m.cfg.Reg)}, {Table: m.q, Reg: tableL2(m.cfg.Reg)},
		{Table: m.bu, Reg: tableL2(m.cfg.RegBias)}, {Table: m.bi, Reg: tableL2(m.cfg.RegBias)},
	}, Optimizer: &spec}}
}

// SetTraining switches between the model's value (training) and the
// clipped prediction with fallbacks (inference).
func (m *BiasedMF) SetTraining(t bool) { m.training = t }

// Buffers returns the training statistics.
func (m *BiasedMF) Buffers() []*nn.Param { return m.stats.buffers() }
