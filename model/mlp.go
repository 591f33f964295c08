package model

import (
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// mlpPart is the MLP branch of NCF: its own user and item embeddings of
// layers[0]/2 values each, concatenated and fed through a ReLU tower of
// widths layers[1:]; its output is φ_MLP.
type mlpPart struct {
	P, Q  *nn.Table
	dim   int
	Tower *nn.MLP

	users, items []int32
	x            []float32 // concat[p_u, q_i] per pair
	// Scoring: the first layer splits into a user half, computed once per
	// user, and an item half over the gathered item rows.
	a, gath, y1 []float32
}

// newMLPPart builds the branch for batches of up to maxBatch pairs; its
// layers also serve scoring chunks of scoreChunk items.
func newMLPPart(name string, pair userItem, layers []int, std float64, maxBatch int, rng *rand.Rand) mlpPart {
	dim := layers[0] / 2
	m := mlpPart{
		P:   newPairTable(name+".user", pair.users, dim, std, rng),
		Q:   newPairTable(name+".item", pair.items, dim, std, rng),
		dim: dim,
	}
	m.Tower = nn.NewMLP(nn.MLPConfig{
		Name: name, In: 2 * dim, Hidden: layers[1:], Activation: nn.ActReLU,
	}, max(maxBatch, scoreChunk), rng)
	h1 := layers[1]
	m.x = make([]float32, maxBatch*2*dim)
	m.a = make([]float32, h1)
	m.gath = make([]float32, scoreChunk*dim)
	m.y1 = make([]float32, scoreChunk*h1)
	return m
}

// width is the tower's output width.
func (m *mlpPart) width() int { return m.Tower.OutWidth() }

// forward returns the n×width tower output of the pairs.
func (m *mlpPart) forward(users, items []int32) []float32 {
	m.users, m.items = users, items
	d, w := m.dim, 2*m.dim
	for k, u := range users {
		copy(m.x[k*w:k*w+d], m.P.Row(u))
		copy(m.x[k*w+d:k*w+w], m.Q.Row(items[k]))
	}
	return m.Tower.Forward(m.x[:len(users)*w], len(users))
}

// backward accumulates the tower's and the embeddings' gradients from
// dL/dφ (n×width, overwritten).
func (m *mlpPart) backward(dy []float32) {
	dx := m.Tower.Backward(dy)
	scatterGrads(m.P, m.users, dx, 2*m.dim, 0)
	scatterGrads(m.Q, m.items, dx, 2*m.dim, m.dim)
}

// prepareUser computes the user's share of the first layer,
// a = b₁ + p_uᵀ W₁[user rows].
func (m *mlpPart) prepareUser(user int32) {
	first := m.Tower.Dense[0]
	h1 := first.Out
	copy(m.a, first.B.W)
	for d, v := range m.P.Row(user) {
		blas.Axpy(v, first.W.W[d*h1:(d+1)*h1], m.a)
	}
}

// scoreChunk returns the tower output (len(items)×width, at most
// scoreChunk items, layout ids of range r) for the user of the last
// prepareUser: the first layer is ReLU(Q_items W₁[item rows] + a), one
// matrix product with a as its bias, and the other layers run as in
// training.
func (m *mlpPart) scoreChunk(r *feature.Table, items []int32) []float32 {
	n := len(items)
	first := m.Tower.Dense[0]
	h1, d := first.Out, m.dim
	gatherRows(m.gath, m.Q, r, items)
	y := m.y1[:n*h1]
	blas.SgemmEpilogue(false, false, n, h1, d, 1, m.gath[:n*d], d, first.W.W[d*h1:], h1, 0, y, h1,
		blas.Epilogue{Bias: m.a, ReLU: true})
	for _, l := range m.Tower.Dense[1:] {
		y = l.Forward(y, n)
	}
	return y
}

// MLP is NCF's multi-layer perceptron model (He et al., WWW'17):
//
//	logit = hᵀ φ_MLP + b,  φ_MLP = ReLU tower of concat[p_u, q_i]
//
// Options and defaults: layers, the tower's widths input first (the input
// is a user and an item embedding of layers[0]/2 values each; every later
// entry is a ReLU layer), empty for 8F, 4F, 2F, F with F = factors (8:
// 64→32→16→8, NCF's halving tower); init_std 0.01 (embeddings from
// N(0, init_std²), the tower and h Glorot uniform, biases 0); l2 0, a
// per-batch L2 penalty on the touched embedding rows. It reads a (user,
// item) layout (see useritem.go).
type MLP struct {
	cfg  MLPConfig
	pair userItem
	part mlpPart
	// Out is the output layer: h is Out.W, b is Out.B.
	Out *nn.Dense

	users, items []int32
}

// MLPConfig holds MLP's hyper-parameters.
type MLPConfig struct {
	// Factors is the tower's last width when Layers is empty (NCF's
	// predictive factors).
	Factors int `json:"factors"`
	// Layers are the tower's widths, input first; empty: 8F, 4F, 2F, F.
	Layers []int `json:"layers"`
	// InitStd is the standard deviation of the embeddings' initial values.
	InitStd float64 `json:"init_std"`
	// L2 is the per-batch L2 penalty on the touched embedding rows.
	L2 float64 `json:"l2"`
}

func init() {
	Register(Info{
		Name:     "mlp",
		Task:     TaskRanking,
		Summary:  "MLP: logit = hᵀ ReLU-tower(concat[p_u, q_i]) + b, NCF's multi-layer perceptron",
		Citation: "He, Liao, Zhang, Nie, Hu, Chua, Neural Collaborative Filtering, WWW 2017",
		Config:   func() any { return &MLPConfig{Factors: 8, InitStd: 0.01} },
		New: func(env Env, cfg any) (Model, error) {
			return NewMLP(env, *cfg.(*MLPConfig))
		},
		Footprint: footprintMLP,
	})
}

// NewMLP builds an MLP: P, then Q from N(0, InitStd²), then the tower
// layers and h from the Glorot uniform distribution, zero biases.
func NewMLP(env Env, cfg MLPConfig) (*MLP, error) {
	pair, err := newUserItem(env.Layout)
	if err != nil {
		return nil, err
	}
	if err := checkFactors(cfg.Factors, cfg.InitStd, cfg.L2); err != nil {
		return nil, err
	}
	layers := ncfLayers(cfg.Layers, cfg.Factors)
	if err := checkTower(layers); err != nil {
		return nil, err
	}
	cfg.Layers = layers
	rng := env.Rand()
	nb := env.MaxBatch
	m := &MLP{cfg: cfg, pair: pair, part: newMLPPart("mlp", pair, layers, cfg.InitStd, nb, rng)}
	m.Out = nn.NewDense("mlp.out", m.part.width(), 1, nb, nn.ActNone, rng)
	m.users, m.items = make([]int32, nb), make([]int32, nb)
	return m, nil
}

// Forward returns hᵀ φ_MLP + b for each row.
func (m *MLP) Forward(b *Batch) []float32 {
	users, items := m.pair.rows(b, m.users, m.items)
	return m.Out.Forward(m.part.forward(users, items), b.N)
}

// Backward accumulates every gradient.
func (m *MLP) Backward(dlogit []float32) {
	m.part.backward(m.Out.Backward(dlogit))
}

// ScoreItems writes hᵀ φ_MLP + b for every item, scoreChunk items at a
// time (see ItemScorer).
func (m *MLP) ScoreItems(user int32, items []int32, scores []float32) {
	m.part.prepareUser(row(&m.pair.users, user))
	h, b, w := m.Out.W.W, m.Out.B.W[0], m.part.width()
	for lo := 0; lo < len(items); lo += scoreChunk {
		hi := min(lo+scoreChunk, len(items))
		phi := m.part.scoreChunk(&m.pair.items, items[lo:hi])
		for k := range hi - lo {
			scores[lo+k] = dot(h, phi[k*w:k*w+w]) + b
		}
	}
}

// Parts returns one part, "all": the tower, h and b, and the embeddings
// with the per-batch L2.
func (m *MLP) Parts() []Part {
	reg := tableL2(m.cfg.L2)
	return []Part{{Name: "all", Params: append(m.part.Tower.Params(), m.Out.Params()...),
		Tables: []PartTable{{m.part.P, reg}, {m.part.Q, reg}}}}
}

// SetTraining does nothing: the MLP has no dropout.
func (m *MLP) SetTraining(bool) {}

var _ ItemScorer = (*MLP)(nil)
