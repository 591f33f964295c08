package model

import (
	"math/rand/v2"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// gmfPart is the generalized matrix factorization branch of NCF: its own
// user and item embeddings and φ = p_u ⊙ q_i.
type gmfPart struct {
	P, Q *nn.Table
	dim  int

	users, items []int32 // the last forward's table rows
}

func newGMFPart(name string, pair userItem, factors int, std float64, rng *rand.Rand) gmfPart {
	return gmfPart{
		P:   newPairTable(name+".user", pair.users, factors, std, rng),
		Q:   newPairTable(name+".item", pair.items, factors, std, rng),
		dim: factors,
	}
}

// forward writes φ of pair k into row k of dst (rows of width values,
// from column col on).
func (g *gmfPart) forward(users, items []int32, dst []float32, width, col int) {
	g.users, g.items = users, items
	d := g.dim
	for k, u := range users {
		p, q := g.P.Row(u), g.Q.Row(items[k])
		out := dst[k*width+col : k*width+col+d]
		for j, v := range p {
			out[j] = v * q[j]
		}
	}
}

// backward accumulates the embedding gradients from dL/dφ, read from the
// rows of dphi (width values, from column col on).
func (g *gmfPart) backward(dphi []float32, width, col int) {
	d := g.dim
	for k, u := range g.users {
		i := g.items[k]
		p, q := g.P.Row(u), g.Q.Row(i)
		dp := dphi[k*width+col : k*width+col+d]
		if gp := g.P.GradRow(u); gp != nil {
			for j, v := range dp {
				gp[j] += v * q[j]
			}
		}
		if gq := g.Q.GradRow(i); gq != nil {
			for j, v := range dp {
				gq[j] += v * p[j]
			}
		}
	}
}

// userWeights writes h ⊙ p_u into w: the user's side of hᵀ(p_u ⊙ q_i), so
// that scoring an item is one dot product with q_i.
func (g *gmfPart) userWeights(w, h []float32, user int32) {
	for j, v := range g.P.Row(user) {
		w[j] = h[j] * v
	}
}

// scoreAdd adds wᵀ q_i to scores[k] for every item, layout ids of range
// r.
func (g *gmfPart) scoreAdd(w []float32, r *feature.Table, items []int32, scores []float32) {
	data, stride, d, off := g.Q.Data, g.Q.Stride, g.dim, r.Offset
	scores = scores[:len(items)]
	for k, id := range items {
		o := int(max(id-off, 0)) * stride // row(r, id)
		scores[k] += dot(w, data[o:o+d])
	}
}

// GMF is NCF's generalized matrix factorization (He et al., WWW'17):
//
//	logit = hᵀ(p_u ⊙ q_i) + b
//
// p_u, q_i ∈ R^factors; h and b are the output layer, a Dense layer of one
// unit (the bias is NCF's Keras default).
//
// Options and defaults: factors 8; init_std 0.01 (P and Q from
// N(0, init_std²), h Glorot uniform, b 0); l2 0, a per-batch L2 penalty on
// the touched embedding rows (the dense weights take the optimizer's
// weight_decay). It reads a (user, item) layout (see useritem.go).
type GMF struct {
	cfg  GMFConfig
	pair userItem
	part gmfPart
	// Out is the output layer: h is Out.W, b is Out.B.
	Out *nn.Dense

	users, items []int32
	phi          []float32
	w            []float32 // ScoreItems' h ⊙ p_u
}

// GMFConfig holds GMF's hyper-parameters.
type GMFConfig struct {
	// Factors is the width of p_u and q_i (NCF's predictive factors).
	Factors int `json:"factors"`
	// InitStd is the standard deviation of the embeddings' initial values.
	InitStd float64 `json:"init_std"`
	// L2 is the per-batch L2 penalty on the touched embedding rows.
	L2 float64 `json:"l2"`
}

func init() {
	Register(Info{
		Name:     "gmf",
		Task:     TaskRanking,
		Summary:  "GMF: logit = hᵀ(p_u ⊙ q_i) + b, NCF's generalized matrix factorization",
		Citation: "He, Liao, Zhang, Nie, Hu, Chua, Neural Collaborative Filtering, WWW 2017",
		Config:   func() any { return &GMFConfig{Factors: 8, InitStd: 0.01} },
		New: func(env Env, cfg any) (Model, error) {
			return NewGMF(env, *cfg.(*GMFConfig))
		},
		Footprint: footprintGMF,
	})
}

// NewGMF builds a GMF: P, then Q from N(0, InitStd²), then h from the
// Glorot uniform distribution, b = 0.
func NewGMF(env Env, cfg GMFConfig) (*GMF, error) {
	pair, err := newUserItem(env.Layout)
	if err != nil {
		return nil, err
	}
	if err := checkFactors(cfg.Factors, cfg.InitStd, cfg.L2); err != nil {
		return nil, err
	}
	rng := env.Rand()
	nb, f := env.MaxBatch, cfg.Factors
	m := &GMF{cfg: cfg, pair: pair, part: newGMFPart("gmf", pair, f, cfg.InitStd, rng)}
	m.Out = nn.NewDense("gmf.out", f, 1, nb, nn.ActNone, rng)
	m.users, m.items = make([]int32, nb), make([]int32, nb)
	m.phi = make([]float32, nb*f)
	m.w = make([]float32, f)
	return m, nil
}

// Forward returns hᵀ(p_u ⊙ q_i) + b for each row.
func (m *GMF) Forward(b *Batch) []float32 {
	users, items := m.pair.rows(b, m.users, m.items)
	f := m.cfg.Factors
	m.part.forward(users, items, m.phi, f, 0)
	return m.Out.Forward(m.phi[:b.N*f], b.N)
}

// Backward accumulates the gradients of h, b and the embeddings.
func (m *GMF) Backward(dlogit []float32) {
	m.part.backward(m.Out.Backward(dlogit), m.cfg.Factors, 0)
}

// ScoreItems writes (h ⊙ p_u)ᵀ q_i + b for every item (see ItemScorer).
func (m *GMF) ScoreItems(user int32, items []int32, scores []float32) {
	m.part.userWeights(m.w, m.Out.W.W, row(&m.pair.users, user))
	b := m.Out.B.W[0]
	scores = scores[:len(items)]
	for k := range scores {
		scores[k] = b
	}
	m.part.scoreAdd(m.w, &m.pair.items, items, scores)
}

// Parts returns one part, "all": h, b and the embeddings with the
// per-batch L2.
func (m *GMF) Parts() []Part {
	reg := tableL2(m.cfg.L2)
	return []Part{{Name: "all", Params: m.Out.Params(), Tables: []PartTable{{m.part.P, reg}, {m.part.Q, reg}}}}
}

// SetTraining does nothing: GMF behaves the same in training and
// inference.
func (m *GMF) SetTraining(bool) {}

var _ ItemScorer = (*GMF)(nil)
