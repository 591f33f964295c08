package implicit

import (
	"math/rand/v2"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/nn"
)

// mlpPart is the MLP branch of NCF: its own user and item embeddings of
// Layers[0]/2 values each, concatenated and fed through a ReLU tower of
// widths Layers[1:]; its output is φ_MLP.
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

func newMLPPart(name string, cfg Config, rng *rand.Rand) mlpPart {
	dim := cfg.Layers[0] / 2
	capacity := cfg.capacity()
	m := mlpPart{
		P:   newTable(name+".user", cfg.Users, dim, cfg.InitStd, rng),
		Q:   newTable(name+".item", cfg.Items, dim, cfg.InitStd, rng),
		dim: dim,
	}
	m.Tower = nn.NewMLP(nn.MLPConfig{
		Name: name, In: 2 * dim, Hidden: cfg.Layers[1:], Activation: nn.ActReLU,
	}, capacity, rng)
	h1 := cfg.Layers[1]
	m.x = make([]float32, cfg.MaxBatch*2*dim)
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
// scoreChunk items) for the user of the last prepareUser: the first layer
// is ReLU(Q_items W₁[item rows] + a), one matrix product with a as its
// bias, and the other layers run as in training.
func (m *mlpPart) scoreChunk(items []int32) []float32 {
	n := len(items)
	first := m.Tower.Dense[0]
	h1, d := first.Out, m.dim
	gatherRows(m.gath, m.Q, items)
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
//	ŷ = σ(hᵀ φ_MLP + b),  φ_MLP = ReLU tower of concat[p_u, q_i]
//
// with halving widths by default (64→32→16→8 at 8 factors).
type MLP struct {
	cfg  Config
	part mlpPart
	// Out is the output layer: h is Out.W, b is Out.B.
	Out *nn.Dense
}

// NewMLP returns an MLP: P, then Q from N(0, InitStd²), then the tower
// layers and h from the Glorot uniform distribution, zero biases.
func NewMLP(cfg Config) (*MLP, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(true); err != nil {
		return nil, err
	}
	rng := nn.NewRand(cfg.Seed)
	m := &MLP{cfg: cfg, part: newMLPPart("mlp", cfg, rng)}
	m.Out = nn.NewDense("mlp.out", m.part.width(), 1, cfg.MaxBatch, nn.ActNone, rng)
	return m, nil
}

// Name returns "mlp".
func (m *MLP) Name() string { return "mlp" }

// MaxBatch is the largest training batch.
func (m *MLP) MaxBatch() int { return m.cfg.MaxBatch }

// Params returns the tower's weights and biases, then h and b.
func (m *MLP) Params() []*nn.Param { return append(m.part.Tower.Params(), m.Out.Params()...) }

// Tables returns the user and item embeddings.
func (m *MLP) Tables() []*nn.Table { return []*nn.Table{m.part.P, m.part.Q} }

// Forward returns hᵀ φ_MLP + b for each pair.
func (m *MLP) Forward(users, items []int32) []float32 {
	n := checkBatch("MLP", users, items, m.cfg.MaxBatch)
	return m.Out.Forward(m.part.forward(users, items), n)
}

// Backward accumulates every gradient.
func (m *MLP) Backward(dlogit []float32) {
	m.part.backward(m.Out.Backward(dlogit))
}

// Score writes hᵀ φ_MLP + b for every item, scoreChunk items at a time.
func (m *MLP) Score(user int32, items []int32, scores []float32) {
	m.part.prepareUser(user)
	h, b, w := m.Out.W.W, m.Out.B.W[0], m.part.width()
	for lo := 0; lo < len(items); lo += scoreChunk {
		hi := min(lo+scoreChunk, len(items))
		phi := m.part.scoreChunk(items[lo:hi])
		for k := range hi - lo {
			scores[lo+k] = dot(h, phi[k*w:k*w+w]) + b
		}
	}
}
