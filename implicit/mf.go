package implicit

import (
	"github.com/recforge/recforge/nn"
)

// MF is plain matrix factorization for implicit feedback, trained with the
// same sampled negatives and log loss as the NCF models:
//
//	ŷ = σ(p_uᵀ q_i + b_i)
//
// with an item bias b_i (popularity) and no global bias (it would not change
// any ranking of one user's items). It is the dot-product baseline GMF
// generalizes: GMF with h = 1 and no bias is MF without b_i.
type MF struct {
	cfg Config
	// P, Q and B are the user factors, item factors and item biases.
	P, Q, B *nn.Table

	users, items []int32 // the last Forward's pairs, not copied
	logits       []float32
	pu           []float32 // Score's copy of p_u
}

// NewMF returns an MF with P and Q drawn from N(0, InitStd²) (P first, then
// Q) and zero biases.
func NewMF(cfg Config) (*MF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(false); err != nil {
		return nil, err
	}
	rng := nn.NewRand(cfg.Seed)
	return &MF{
		cfg:    cfg,
		P:      newTable("mf.user", cfg.Users, cfg.Factors, cfg.InitStd, rng),
		Q:      newTable("mf.item", cfg.Items, cfg.Factors, cfg.InitStd, rng),
		B:      nn.NewTable("mf.item_bias", cfg.Items, 1, false),
		logits: make([]float32, cfg.MaxBatch),
		pu:     make([]float32, cfg.Factors),
	}, nil
}

// Name returns "mf".
func (m *MF) Name() string { return "mf" }

// MaxBatch is the largest training batch.
func (m *MF) MaxBatch() int { return m.cfg.MaxBatch }

// Params returns nothing: MF's weights are all table rows.
func (m *MF) Params() []*nn.Param { return nil }

// Tables returns P, Q and B.
func (m *MF) Tables() []*nn.Table { return []*nn.Table{m.P, m.Q, m.B} }

// Forward returns p_uᵀ q_i + b_i for each pair.
func (m *MF) Forward(users, items []int32) []float32 {
	n := checkBatch("MF", users, items, m.cfg.MaxBatch)
	m.users, m.items = users, items
	out := m.logits[:n]
	for k, u := range users {
		i := items[k]
		out[k] = dot(m.P.Row(u), m.Q.Row(i)) + m.B.Data[int(i)*m.B.Stride]
	}
	return out
}

// Backward accumulates dL/dp_u = g·q_i, dL/dq_i = g·p_u and dL/db_i = g.
func (m *MF) Backward(dlogit []float32) {
	for k, u := range m.users {
		i, g := m.items[k], dlogit[k]
		p, q := m.P.Row(u), m.Q.Row(i)
		gp := m.P.GradRow(u)
		for d, v := range q {
			gp[d] += g * v
		}
		gq := m.Q.GradRow(i)
		for d, v := range p {
			gq[d] += g * v
		}
		m.B.GradRow(i)[0] += g
	}
}

// Score writes p_uᵀ q_i + b_i for every item.
func (m *MF) Score(user int32, items []int32, scores []float32) {
	pu := m.pu
	copy(pu, m.P.Row(user))
	qs, bs := m.Q, m.B
	for k, it := range items {
		o := int(it) * qs.Stride
		scores[k] = dot(pu, qs.Data[o:o+len(pu)]) + bs.Data[int(it)*bs.Stride]
	}
}

// dot is the inner product of two short vectors of equal length, summed
// in order (embedding widths are too small for blas.Dot's call to pay).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
