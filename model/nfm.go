package model

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// NFM is the neural factorization machine of He & Chua (SIGIR 2017),
// docs/models/nfm.md:
//
//	f_BI  = Σ_{i<j} x_i v_i ⊙ x_j v_j = ½[(Σ_i x_i v_i)² − Σ_i (x_i v_i)²]
//	logit = w0 + Σ_i w_i x_i + hᵀ MLP(f_BI)
//
// Bi-Interaction pooling (nn.BiInteraction) is followed by BatchNorm and
// dropout, then each hidden layer is Dense → [BatchNorm] → ReLU → [Dropout],
// and h projects the last layer to the logit without a bias (w0 is the
// bias). The order BatchNorm, then dropout on f_BI is the authors' released
// code's; the paper places both on the Bi-Interaction output without
// ordering them. With no hidden layer and h = 1 (BatchNorm off, no
// dropout) NFM is exactly FM; h starts at ones in that case, as the
// authors' code does, and Glorot-uniform otherwise.
//
// Options and defaults: hidden [64] (the paper found one hidden layer best;
// its hidden size equals its embedding size, 64); dropout_bi 0.5 and
// dropout_hidden 0.2 (the authors' code's keep probabilities 0.5 and 0.8);
// batch_norm on, for the Bi-Interaction output and every hidden layer;
// embedding_dim 0, the schema's width; init_std 0.01 for V. Regularization:
// per-batch L2 on the touched rows of V (l2_v) and w (l2_w), none by
// default, as the paper relies on dropout. The paper trains with squared
// loss on ±1 targets; here the output is a logit for log loss, and the
// trainer's regression task uses the same output with squared error.
type NFM struct {
	base *fmBase
	bi   *nn.BiInteraction
	// biTail is BatchNorm and dropout on f_BI.
	biTail layerTail
	tower  *denseTower
	h      *nn.Param
	cfg    NFMConfig

	z    []float32 // the last Forward's input of h, owned by its layer
	n    int
	out  []float32
	dz   []float32
	dtmp []float32
}

// NFMConfig holds NFM's hyper-parameters.
type NFMConfig struct {
	// EmbeddingDim is k; 0 takes the schema's width, which must then be
	// the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// Hidden lists the hidden widths, input side first; empty is the
	// paper's NFM-0 (h on f_BI directly).
	Hidden []int `json:"hidden"`
	// DropoutBI is the dropout rate on the Bi-Interaction output and
	// DropoutHidden the rate after each hidden layer, both in [0, 1).
	DropoutBI     float64 `json:"dropout_bi"`
	DropoutHidden float64 `json:"dropout_hidden"`
	// BatchNorm normalises the Bi-Interaction output and each hidden layer
	// (before its ReLU).
	BatchNorm bool `json:"batch_norm"`
	// L2V and L2W are per-batch L2 penalties on the touched rows of V and
	// w.
	L2V float64 `json:"l2_v"`
	L2W float64 `json:"l2_w"`
	// InitStd is the standard deviation of V's initial values (> 0).
	InitStd float64 `json:"init_std"`
}

func init() {
	Register(Info{
		Name:     "nfm",
		Task:     TaskCTR,
		Summary:  "NFM: FM's linear part + hᵀ MLP(BatchNorm, dropout of Bi-Interaction pooling)",
		Citation: "He & Chua, Neural Factorization Machines for Sparse Predictive Analytics, SIGIR 2017",
		Config: func() any {
			return &NFMConfig{Hidden: []int{64}, DropoutBI: 0.5, DropoutHidden: 0.2, BatchNorm: true, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewNFM(env, *cfg.(*NFMConfig))
		},
		Footprint: footprintNFM,
		Space: tune.Space{spaceLR, spaceEmbeddingDim, tune.OneOf("dropout_bi", 0.0, 0.2, 0.5),
			tune.OneOf("dropout_hidden", 0.0, 0.2, 0.5), spaceL2("l2_v")},
	})
}

// NewNFM builds an NFM, or returns an error naming the bad setting. V is
// drawn first, then the Bi-Interaction dropout seed, the hidden layers
// and h.
func NewNFM(env Env, cfg NFMConfig) (*NFM, error) {
	if err := cfgWidths("hidden", cfg.Hidden, 0); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout_bi", cfg.DropoutBI); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout_hidden", cfg.DropoutHidden); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_v", cfg.L2V); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_w", cfg.L2W); err != nil {
		return nil, err
	}
	base, rng, err := newFMBase("nfm", env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	nb, k := env.MaxBatch, base.dim
	m := &NFM{
		base: base, cfg: cfg,
		bi:   nn.NewBiInteraction(base.fields, k, nb),
		out:  make([]float32, nb),
		dtmp: make([]float32, nb),
	}
	m.biTail = newLayerTail("nfm.bi", k, cfg.BatchNorm, nn.ActNone, cfg.DropoutBI, nb, rng)
	m.tower = newDenseTower("nfm.mlp", k, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.DropoutHidden, nb, rng)
	w := m.tower.width
	m.h = nn.NewParam("nfm.h", w)
	if len(cfg.Hidden) == 0 {
		for i := range m.h.W {
			m.h.W[i] = 1
		}
	} else {
		nn.InitGlorot(m.h.W, w, 1, rng)
	}
	m.dz = make([]float32, nb*w)
	return m, nil
}

// Forward returns the logits of b.
func (m *NFM) Forward(b *Batch) []float32 {
	n := b.N
	first, e := m.base.forward(b)
	z := m.tower.forward(m.biTail.forward(m.bi.Forward(e, n), n), n)
	m.z, m.n = z, n
	w, h := m.tower.width, m.h.W
	out := m.out[:n]
	for i := range out {
		s := first[i]
		for c, v := range z[i*w : (i+1)*w] {
			s += h[c] * v
		}
		out[i] = s
	}
	return out
}

// Backward accumulates the gradients of every parameter.
func (m *NFM) Backward(dout []float32) {
	n, w := m.n, m.tower.width
	m.base.backwardFirst(dout)
	dz := m.dz[:n*w]
	h, gh := m.h.W, m.h.G
	for i, g := range dout[:n] {
		zi, di := m.z[i*w:(i+1)*w], dz[i*w:(i+1)*w]
		for c, v := range zi {
			gh[c] += g * v
			di[c] = g * h[c]
		}
	}
	m.base.backwardEmb(m.bi.Backward(m.biTail.backward(m.tower.backward(dz))))
}

// Parts returns one part, "all": w0, the BatchNorm and hidden weights and
// h, and the tables w and V with their per-batch L2.
func (m *NFM) Parts() []Part {
	ps := append([]*nn.Param{m.base.lin.bias}, m.biTail.params()...)
	ps = append(ps, m.tower.params...)
	ps = append(ps, m.h)
	return []Part{{Name: "all", Params: ps, Tables: m.base.tables(m.cfg.L2W, m.cfg.L2V)}}
}

// SetTraining switches dropout and batch statistics.
func (m *NFM) SetTraining(training bool) {
	m.biTail.setTraining(training)
	m.tower.setTraining(training)
}

// Reseed restarts the dropout masks from seed (see Reseeder).
func (m *NFM) Reseed(seed uint64) {
	rng := nn.NewRand(seed)
	m.biTail.reseed(rng)
	m.tower.reseed(rng)
}

// Buffers returns the BatchNorm running statistics (none without
// batch_norm): "nfm.bi.bn.0.running_mean", … for the Bi-Interaction
// output, then "nfm.mlp.bn.<i>…" for the hidden layers.
func (m *NFM) Buffers() []*nn.Param {
	if m.biTail.norm == nil {
		return nil
	}
	return append(StatsBuffers("nfm.bi.bn", m.biTail.appendStats(nil)),
		StatsBuffers("nfm.mlp.bn", m.tower.stats())...)
}
