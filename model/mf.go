package model

import (
	"github.com/recforge/recforge/nn"
)

// MF is plain matrix factorization for implicit feedback, trained with the
// same sampled negatives and log loss as the NCF models:
//
//	logit = p_uᵀ q_i + b_i
//
// with an item bias b_i (popularity) and no global bias (it would not change
// any ranking of one user's items). It is the dot-product baseline GMF
// generalizes: GMF with h = 1 and no bias is MF without b_i.
//
// Options and defaults: factors 8 (the width of p_u and q_i); init_std 0.01
// (P and Q from N(0, init_std²), biases 0); l2 0, a per-batch L2 penalty on
// the embedding rows a batch touches. It reads a (user, item) layout (see
// useritem.go).
type MF struct {
	cfg  MFConfig
	pair userItem
	// P, Q and B are the user factors, item factors and item biases.
	P, Q, B *nn.Table

	users, items []int32 // the last Forward's table rows
	logits       []float32
	pu           []float32 // ScoreItems' copy of p_u
}

// MFConfig holds MF's hyper-parameters.
type MFConfig struct {
	// Factors is the width of p_u and q_i.
	Factors int `json:"factors"`
	// InitStd is the standard deviation of P's and Q's initial values.
	InitStd float64 `json:"init_std"`
	// L2 is the per-batch L2 penalty on the touched embedding rows.
	L2 float64 `json:"l2"`
}

func init() {
	Register(Info{
		Name:     "mf",
		Task:     TaskRanking,
		Summary:  "MF: logit = p_uᵀq_i + b_i, trained on implicit feedback with sampled negatives and log loss",
		Citation: "Koren, Bell, Volinsky, Matrix Factorization Techniques for Recommender Systems, IEEE Computer 2009",
		Config:   func() any { return &MFConfig{Factors: 8, InitStd: 0.01} },
		New: func(env Env, cfg any) (Model, error) {
			return NewMF(env, *cfg.(*MFConfig))
		},
		Footprint: footprintMF,
	})
}

// NewMF builds an MF: P, then Q from N(0, InitStd²) (their OOV rows zero),
// zero biases.
func NewMF(env Env, cfg MFConfig) (*MF, error) {
	pair, err := newUserItem(env.Layout)
	if err != nil {
		return nil, err
	}
	if err := checkFactors(cfg.Factors, cfg.InitStd, cfg.L2); err != nil {
		return nil, err
	}
	rng := env.Rand()
	nb := env.MaxBatch
	return &MF{
		cfg: cfg, pair: pair,
		P:      newPairTable("mf.user", pair.users, cfg.Factors, cfg.InitStd, rng),
		Q:      newPairTable("mf.item", pair.items, cfg.Factors, cfg.InitStd, rng),
		B:      env.table("mf.item_bias", int(pair.items.Size), 1, true),
		users:  make([]int32, nb),
		items:  make([]int32, nb),
		logits: make([]float32, nb),
		pu:     make([]float32, cfg.Factors),
	}, nil
}

// Forward returns p_uᵀ q_i + b_i for each row.
func (m *MF) Forward(b *Batch) []float32 {
	users, items := m.pair.rows(b, m.users, m.items)
	out := m.logits[:b.N]
	for k, u := range users {
		i := items[k]
		out[k] = dot(m.P.Row(u), m.Q.Row(i)) + m.B.Data[int(i)*m.B.Stride]
	}
	return out
}

// Backward accumulates dL/dp_u = g·q_i, dL/dq_i = g·p_u and dL/db_i = g
// (none for the padding rows).
func (m *MF) Backward(dlogit []float32) {
	for k, g := range dlogit {
		u, i := m.users[k], m.items[k]
		p, q := m.P.Row(u), m.Q.Row(i)
		if gp := m.P.GradRow(u); gp != nil {
			for d, v := range q {
				gp[d] += g * v
			}
		}
		if gq := m.Q.GradRow(i); gq != nil {
			for d, v := range p {
				gq[d] += g * v
			}
			m.B.GradRow(i)[0] += g
		}
	}
}

// ScoreItems writes p_uᵀ q_i + b_i for every item (see ItemScorer).
func (m *MF) ScoreItems(user int32, items []int32, scores []float32) {
	pu := m.pu
	copy(pu, m.P.Row(row(&m.pair.users, user)))
	q, qs, b, bs, off := m.Q.Data, m.Q.Stride, m.B.Data, m.B.Stride, m.pair.items.Offset
	scores = scores[:len(items)]
	for k, id := range items {
		it := int(max(id-off, 0)) // row(&m.pair.items, id)
		scores[k] = dot(pu, q[it*qs:it*qs+len(pu)]) + b[it*bs]
	}
}

// Parts returns one part, "all": the three tables with the per-batch L2.
func (m *MF) Parts() []Part {
	reg := tableL2(m.cfg.L2)
	return []Part{{Name: "all", Tables: []PartTable{{m.P, reg}, {m.Q, reg}, {m.B, reg}}}}
}

// SetTraining does nothing: MF behaves the same in training and inference.
func (m *MF) SetTraining(bool) {}

// checkFactors validates the options the (user, item) models share.
func checkFactors(factors int, initStd, l2 float64) error {
	if err := cfgAtLeast("factors", factors, 1); err != nil {
		return err
	}
	if err := cfgInitStd(initStd); err != nil {
		return err
	}
	return cfgNonNegative("l2", l2)
}

var _ ItemScorer = (*MF)(nil)
