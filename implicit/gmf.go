package implicit

import (
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// gmfPart is the generalized matrix factorization branch of NCF: its own
// user and item embeddings and φ = p_u ⊙ q_i.
type gmfPart struct {
	P, Q *nn.Table
	dim  int

	users, items []int32
}

func newGMFPart(name string, cfg Config, rng *rand.Rand) gmfPart {
	return gmfPart{
		P:   newTable(name+".user", cfg.Users, cfg.Factors, cfg.InitStd, rng),
		Q:   newTable(name+".item", cfg.Items, cfg.Factors, cfg.InitStd, rng),
		dim: cfg.Factors,
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
		gp := g.P.GradRow(u)
		for j, v := range dp {
			gp[j] += v * q[j]
		}
		gq := g.Q.GradRow(i)
		for j, v := range dp {
			gq[j] += v * p[j]
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

// scoreAdd adds wᵀ q_i to scores[k] for every item k.
func (g *gmfPart) scoreAdd(w []float32, items []int32, scores []float32) {
	q, d := g.Q, g.dim
	for k, it := range items {
		o := int(it) * q.Stride
		scores[k] += dot(w, q.Data[o:o+d])
	}
}

// GMF is NCF's generalized matrix factorization (He et al., WWW'17):
//
//	ŷ = σ(hᵀ(p_u ⊙ q_i) + b)
//
// p_u, q_i ∈ R^Factors; h and b are the output layer, a Dense layer of one
// unit (the bias is NCF's Keras default).
type GMF struct {
	cfg  Config
	part gmfPart
	// Out is the output layer: h is Out.W, b is Out.B.
	Out *nn.Dense

	phi []float32
	w   []float32 // Score's h ⊙ p_u
}

// NewGMF returns a GMF: P, then Q from N(0, InitStd²), then h from the
// Glorot uniform distribution, b = 0.
func NewGMF(cfg Config) (*GMF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(false); err != nil {
		return nil, err
	}
	rng := nn.NewRand(cfg.Seed)
	m := &GMF{cfg: cfg, part: newGMFPart("gmf", cfg, rng)}
	m.Out = nn.NewDense("gmf.out", cfg.Factors, 1, cfg.MaxBatch, nn.ActNone, rng)
	m.phi = make([]float32, cfg.MaxBatch*cfg.Factors)
	m.w = make([]float32, cfg.Factors)
	return m, nil
}

// Name returns "gmf".
func (m *GMF) Name() string { return "gmf" }

// MaxBatch is the largest training batch.
func (m *GMF) MaxBatch() int { return m.cfg.MaxBatch }

// Params returns h and b.
func (m *GMF) Params() []*nn.Param { return m.Out.Params() }

// Tables returns the user and item embeddings.
func (m *GMF) Tables() []*nn.Table { return []*nn.Table{m.part.P, m.part.Q} }

// Forward returns hᵀ(p_u ⊙ q_i) + b for each pair.
func (m *GMF) Forward(users, items []int32) []float32 {
	n := checkBatch("GMF", users, items, m.cfg.MaxBatch)
	f := m.cfg.Factors
	m.part.forward(users, items, m.phi, f, 0)
	return m.Out.Forward(m.phi[:n*f], n)
}

// Backward accumulates the gradients of h, b and the embeddings.
func (m *GMF) Backward(dlogit []float32) {
	m.part.backward(m.Out.Backward(dlogit), m.cfg.Factors, 0)
}

// Score writes (h ⊙ p_u)ᵀ q_i + b for every item.
func (m *GMF) Score(user int32, items []int32, scores []float32) {
	m.part.userWeights(m.w, m.Out.W.W, user)
	b := m.Out.B.W[0]
	scores = scores[:len(items)]
	for k := range scores {
		scores[k] = b
	}
	m.part.scoreAdd(m.w, items, scores)
}
