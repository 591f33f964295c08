package implicit

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

// NeuMF is NCF's neural matrix factorization (He et al., WWW'17): a GMF
// branch and an MLP branch, each with its own user and item embeddings,
// joined by one output layer:
//
//	ŷ = σ(hᵀ [φ_GMF; φ_MLP] + b)
//
// Built with NewNeuMFPretrained it starts from a trained GMF and MLP, with
// h = [α·h_GMF; (1−α)·h_MLP] and b = α·b_GMF + (1−α)·b_MLP, so that its
// first logit is exactly the α-weighted sum of the two models' logits; the
// paper then fine-tunes it with plain SGD.
type NeuMF struct {
	cfg Config
	gmf gmfPart
	mlp mlpPart
	// Out is the output layer over [φ_GMF; φ_MLP]: its first Factors
	// weights are h's GMF half.
	Out *nn.Dense

	cat    []float32 // [φ_GMF; φ_MLP] per pair
	dtower []float32 // dL/dφ_MLP, contiguous for the tower's backward pass
	w      []float32 // Score's h_GMF ⊙ p_u
}

// NewNeuMF returns a NeuMF trained from scratch: the GMF embeddings, then
// the MLP embeddings from N(0, InitStd²), then the tower and h from the
// Glorot uniform distribution, zero biases.
func NewNeuMF(cfg Config) (*NeuMF, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(true); err != nil {
		return nil, err
	}
	rng := nn.NewRand(cfg.Seed)
	m := &NeuMF{cfg: cfg, gmf: newGMFPart("neumf.gmf", cfg, rng), mlp: newMLPPart("neumf.mlp", cfg, rng)}
	in := cfg.Factors + m.mlp.width()
	m.Out = nn.NewDense("neumf.out", in, 1, cfg.MaxBatch, nn.ActNone, rng)
	m.cat = make([]float32, cfg.MaxBatch*in)
	m.dtower = make([]float32, cfg.MaxBatch*m.mlp.width())
	m.w = make([]float32, cfg.Factors)
	return m, nil
}

// NewNeuMFPretrained returns a NeuMF initialized from a trained GMF and MLP
// of the same users and items: their embeddings and tower are copied (the
// NeuMF owns its weights; the two models stay as they are), and the output
// layer is h = [α·h_GMF; (1−α)·h_MLP], b = α·b_GMF + (1−α)·b_MLP.
// maxBatch is the largest training batch (0: the GMF's).
func NewNeuMFPretrained(g *GMF, m *MLP, alpha float64, maxBatch int) (*NeuMF, error) {
	if g.cfg.Users != m.cfg.Users || g.cfg.Items != m.cfg.Items {
		return nil, fmt.Errorf("neumf: the GMF has %d users and %d items, the MLP %d and %d", g.cfg.Users, g.cfg.Items, m.cfg.Users, m.cfg.Items)
	}
	if !(alpha >= 0 && alpha <= 1) {
		return nil, fmt.Errorf("neumf: alpha = %v, want a weight in [0, 1]", alpha)
	}
	if maxBatch == 0 {
		maxBatch = g.cfg.MaxBatch
	}
	cfg := Config{
		Users: g.cfg.Users, Items: g.cfg.Items, Factors: g.cfg.Factors, Layers: m.cfg.Layers,
		InitStd: g.cfg.InitStd, MaxBatch: maxBatch,
	}
	n, err := NewNeuMF(cfg)
	if err != nil {
		return nil, err
	}
	copyTable(n.gmf.P, g.part.P)
	copyTable(n.gmf.Q, g.part.Q)
	copyTable(n.mlp.P, m.part.P)
	copyTable(n.mlp.Q, m.part.Q)
	for i, p := range n.mlp.Tower.Params() {
		copy(p.W, m.part.Tower.Params()[i].W)
	}
	a := float32(alpha)
	f := cfg.Factors
	for j, v := range g.Out.W.W {
		n.Out.W.W[j] = a * v
	}
	for j, v := range m.Out.W.W {
		n.Out.W.W[f+j] = (1 - a) * v
	}
	n.Out.B.W[0] = a*g.Out.B.W[0] + (1-a)*m.Out.B.W[0]
	return n, nil
}

// Name returns "neumf".
func (m *NeuMF) Name() string { return "neumf" }

// MaxBatch is the largest training batch.
func (m *NeuMF) MaxBatch() int { return m.cfg.MaxBatch }

// Params returns the tower's weights and biases, then h and b.
func (m *NeuMF) Params() []*nn.Param { return append(m.mlp.Tower.Params(), m.Out.Params()...) }

// Tables returns the GMF user and item embeddings, then the MLP ones.
func (m *NeuMF) Tables() []*nn.Table {
	return []*nn.Table{m.gmf.P, m.gmf.Q, m.mlp.P, m.mlp.Q}
}

// Forward returns hᵀ[φ_GMF; φ_MLP] + b for each pair.
func (m *NeuMF) Forward(users, items []int32) []float32 {
	n := checkBatch("NeuMF", users, items, m.cfg.MaxBatch)
	f, w := m.cfg.Factors, m.mlp.width()
	in := f + w
	m.gmf.forward(users, items, m.cat, in, 0)
	t := m.mlp.forward(users, items)
	for k := range n {
		copy(m.cat[k*in+f:(k+1)*in], t[k*w:(k+1)*w])
	}
	return m.Out.Forward(m.cat[:n*in], n)
}

// Backward accumulates every gradient; the two branches share only h's
// gradient rows, so each embedding receives its own branch's gradient.
func (m *NeuMF) Backward(dlogit []float32) {
	n := len(m.gmf.users)
	f, w := m.cfg.Factors, m.mlp.width()
	in := f + w
	dcat := m.Out.Backward(dlogit)
	for k := range n {
		copy(m.dtower[k*w:(k+1)*w], dcat[k*in+f:(k+1)*in])
	}
	m.gmf.backward(dcat, in, 0)
	m.mlp.backward(m.dtower[:n*w])
}

// Score writes hᵀ[φ_GMF; φ_MLP] + b for every item, scoreChunk items at a
// time.
func (m *NeuMF) Score(user int32, items []int32, scores []float32) {
	f, w := m.cfg.Factors, m.mlp.width()
	h := m.Out.W.W
	m.gmf.userWeights(m.w, h[:f], user)
	m.mlp.prepareUser(user)
	hm, b := h[f:], m.Out.B.W[0]
	for lo := 0; lo < len(items); lo += scoreChunk {
		hi := min(lo+scoreChunk, len(items))
		phi := m.mlp.scoreChunk(items[lo:hi])
		for k := range hi - lo {
			scores[lo+k] = dot(hm, phi[k*w:k*w+w]) + b
		}
		m.gmf.scoreAdd(m.w, items[lo:hi], scores[lo:hi])
	}
}
