package model

import (
	"fmt"
	"iter"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// Baseline is Koren's baseline estimator
// (docs/models/rating-baselines.md),
//
//	r̂ = μ + b_u + b_i,
//
// with μ the training mean and the biases minimizing
//
//	Σ (r − μ − b_u − b_i)² + λ_u Σ b_u² + λ_i Σ b_i²
//
// by alternating exact minimization, from zero biases:
//
//	b_i = Σ_{u∈R(i)} (r − μ − b_u) / (λ_i + |R(i)|),  then
//	b_u = Σ_{i∈R(u)} (r − μ − b_i) / (λ_u + |R(u)|),
//
// in float64, the sums in the order of the training ratings. The objective
// is convex, so the passes converge to its minimum. It is fitted in closed
// form (ClosedForm): the biases, μ and the rating range are buffers.
//
// Fallback: an unseen user or item (or one without training ratings)
// contributes no bias: r̂ = μ + b_i for an unseen user, μ + b_u for an
// unseen item, μ for both. Predictions are clipped to the training range.
type Baseline struct {
	cfg        BaselineConfig
	user, item idField
	stats      ratingStats
	bu, bi     *nn.Param
	out        []float32
}

// BaselineConfig holds the baseline's hyper-parameters.
type BaselineConfig struct {
	// RegUser and RegItem are λ_u and λ_i (defaults 3 and 2, chosen on the
	// validation part of ML-100K's u1.base).
	RegUser float64 `json:"reg_user"`
	RegItem float64 `json:"reg_item"`
	// Passes is the number of alternating passes (default 10).
	Passes int `json:"passes"`
}

func init() {
	Register(Info{
		Name:     "baseline",
		Task:     TaskRating,
		Summary:  "biased baseline μ + b_u + b_i, fitted in closed form by alternating passes",
		Citation: "Koren, Factor in the Neighbors: Scalable and Accurate Collaborative Filtering, TKDD 2010",
		Config:   func() any { return &BaselineConfig{RegUser: 3, RegItem: 2, Passes: 10} },
		New: func(env Env, cfg any) (Model, error) {
			return NewBaseline(env, *cfg.(*BaselineConfig))
		},
		Footprint: footprintBaseline,
		// λ_u and λ_i around the defaults (3 and 2); a closed form has
		// no learning rate.
		Space: tune.Space{tune.LogUniform("reg_user", 0.5, 30), tune.LogUniform("reg_item", 0.5, 30)},
	})
}

func (c BaselineConfig) check() error {
	for _, e := range []error{cfgNonNegative("reg_user", c.RegUser), cfgNonNegative("reg_item", c.RegItem), cfgAtLeast("passes", c.Passes, 1)} {
		if e != nil {
			return e
		}
	}
	return nil
}

// NewBaseline builds an unfitted baseline over a (user, item) layout.
func NewBaseline(env Env, cfg BaselineConfig) (*Baseline, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	user, item, err := ratingFields(env.Layout)
	if err != nil {
		return nil, err
	}
	return &Baseline{
		cfg: cfg, user: user, item: item,
		stats: newRatingStats("baseline", user.n, item.n),
		bu:    &nn.Param{Name: "baseline.user_bias", Shape: []int{user.n}, W: make([]float32, user.n)},
		bi:    &nn.Param{Name: "baseline.item_bias", Shape: []int{item.n}, W: make([]float32, item.n)},
		out:   make([]float32, env.MaxBatch),
	}, nil
}

func footprintBaseline(env Env, _ any) Footprint {
	user, item, err := ratingFields(env.Layout)
	if err != nil {
		return Footprint{}
	}
	return Footprint{
		Buffers:   ratingStatsFootprint(user.n, item.n) + float64(user.n+item.n),
		WorkBytes: 4 * float64(env.MaxBatch),
	}
}

// FitClosedForm computes μ, the rating range and the biases from every
// training rating.
func (m *Baseline) FitClosedForm(ex iter.Seq[*Batch]) error {
	var rs []rating
	if err := m.stats.fit(ex, m.user, m.item, func(r rating) { rs = append(rs, r) }); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	mu := float64(m.stats.mean())
	bu, bi := make([]float64, len(m.bu.W)), make([]float64, len(m.bi.W))
	su, si := make([]float64, len(bu)), make([]float64, len(bi))
	user := func(r rating) int { return r.user }
	item := func(r rating) int { return r.item }
	// solve sets every bias of one side, b (of ids id), given the other
	// side's, o (of ids oid): Σ (r − μ − o) / (λ + n) over the id's ratings.
	solve := func(b, sums []float64, n []float32, reg float64, id func(rating) int, o []float64, oid func(rating) int) {
		clear(sums)
		for _, r := range rs {
			if k := id(r); k >= 0 {
				var other float64
				if j := oid(r); j >= 0 {
					other = o[j]
				}
				sums[k] += float64(r.value) - mu - other
			}
		}
		for k := range b {
			b[k] = 0 // λ = 0 and no ratings would be 0/0
			if n[k] > 0 {
				b[k] = sums[k] / (reg + float64(n[k]))
			}
		}
	}
	for range m.cfg.Passes {
		solve(bi, si, m.stats.itemN.W, m.cfg.RegItem, item, bu, user)
		solve(bu, su, m.stats.userN.W, m.cfg.RegUser, user, bi, item)
	}
	for u, b := range bu {
		m.bu.W[u] = float32(b)
	}
	for i, b := range bi {
		m.bi.W[i] = float32(b)
	}
	return nil
}

// Forward returns μ + b_u + b_i for every row, leaving out the bias of an
// unseen user or item, clipped to the training range.
func (m *Baseline) Forward(b *Batch) []float32 {
	out := m.out[:b.N]
	for r := range out {
		u, i := pairRow(b, r, m.user, m.item)
		var bu, bi float32
		if m.stats.knownUser(u) {
			bu = m.bu.W[u]
		}
		if m.stats.knownItem(i) {
			bi = m.bi.W[i]
		}
		out[r] = m.stats.clip(m.stats.mean() + bu + bi)
	}
	return out
}

// Backward does nothing: the baseline has no gradient-trained parameters.
func (m *Baseline) Backward([]float32) {}

// Parts returns none: the biases are fitted in closed form.
func (m *Baseline) Parts() []Part { return nil }

// SetTraining does nothing.
func (m *Baseline) SetTraining(bool) {}

// Buffers returns the training statistics and the biases.
func (m *Baseline) Buffers() []*nn.Param { return append(m.stats.buffers(), m.bu, m.bi) }
