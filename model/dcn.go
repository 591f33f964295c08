package model

import (
	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/nn"
)

// DCN is the Deep & Cross Network (Wang et al., "Deep & Cross Network for
// Ad Click Predictions", ADKDD 2017; docs/models/dcn.md):
//
//	x0      = [e_1; …; e_C; x_num]
//	x_{l+1} = x0·(x_lᵀ w_l) + b_l + x_l        (cross network, L1 layers)
//	h       = ReLU MLP(x0)                      (deep network, L2 layers)
//	logit   = w_outᵀ [x_L1; h_L2] + b_out
//
// Categorical fields are embedded (one width k); plain numeric fields are
// stacked raw. The cross layer computes the scalar x_lᵀw_l per example and
// never the d×d matrix x0·x_lᵀ (nn.Cross). Option cross "v2" selects
// DCN-V2's full-rank layer x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l (Wang et al.,
// WWW 2021) instead of the paper's "v1".
//
// Options dropout and batch_norm (both off by default) make each hidden
// layer of the deep network Dense → [BatchNorm] → ReLU → [Dropout].
// Regularization: optional per-batch L2 (l2_emb) on the embedding rows a
// batch touches; dense parameters get the optimizer's weight decay.
type DCN struct {
	cfg   DCNConfig
	stack *stackedInput
	cross *nn.Cross
	tower *denseTower
	// outW ((d+H)×1, rows for x_L1 then h_L2) and outB are the output
	// layer's weights, named as an nn.Dense "dcn.out" names them. The
	// layer runs as two products, the cross network's through
	// Cross.ForwardProject, so that [x_L1; h_L2] is never assembled.
	outW, outB *nn.Param

	n     int
	h     []float32 // the last Forward's h_L2, not copied
	logit []float32 // n
	dh    []float32 // n×H
}

// DCNConfig holds DCN's hyper-parameters.
type DCNConfig struct {
	// EmbeddingDim is the categorical embedding width; 0 takes the
	// schema's.
	EmbeddingDim int `json:"embedding_dim"`
	// Cross is the cross layer: "v1" (the paper's, default) or "v2".
	Cross string `json:"cross"`
	// CrossLayers is the number of cross layers L1 (default 3).
	CrossLayers int `json:"cross_layers"`
	// Hidden lists the deep network's ReLU layer widths (default
	// 256-256).
	Hidden []int `json:"hidden"`
	// Dropout is the rate after each hidden layer's ReLU, in [0, 1).
	Dropout float64 `json:"dropout"`
	// BatchNorm inserts batch normalisation before each hidden ReLU.
	BatchNorm bool `json:"batch_norm"`
	// InitStd is the standard deviation of the embeddings' normal
	// initialization (default 0.01).
	InitStd float64 `json:"init_std"`
	// L2Emb is a per-batch L2 penalty on the touched embedding rows.
	L2Emb float64 `json:"l2_emb"`
}

func init() {
	Register(Info{
		Name:     "dcn",
		Task:     TaskCTR,
		Summary:  "Deep&Cross: cross network x0·(x_lᵀw_l) + b_l + x_l beside a ReLU MLP on x0 (cross v1 or v2)",
		Citation: "Wang et al., Deep & Cross Network for Ad Click Predictions, ADKDD 2017",
		Config: func() any {
			return &DCNConfig{Cross: "v1", CrossLayers: 3, Hidden: []int{256, 256}, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewDCN(env, *cfg.(*DCNConfig))
		},
		Footprint: footprintDCN,
	})
}

// NewDCN builds DCN: embeddings from N(0, InitStd²), cross weights and
// dense layers Glorot-uniform (cross biases at zero), all drawn from
// env.Rand().
func NewDCN(env Env, cfg DCNConfig) (*DCN, error) {
	version, err := cfgChoice("cross", cfg.Cross, []string{"v1", "v2"}, []nn.CrossVersion{nn.CrossV1, nn.CrossV2})
	if err != nil {
		return nil, err
	}
	if err := cfgAtLeast("cross_layers", cfg.CrossLayers, 1); err != nil {
		return nil, err
	}
	if err := cfgWidths("hidden", cfg.Hidden, 1); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	rng := env.Rand()
	stack, err := newStackedInput("dcn.emb", env, cfg.EmbeddingDim, cfg.InitStd, rng)
	if err != nil {
		return nil, err
	}
	nb, d, H := env.MaxBatch, stack.width, cfg.Hidden[len(cfg.Hidden)-1]
	m := &DCN{
		cfg: cfg, stack: stack,
		cross: nn.NewCross("dcn.cross", version, d, cfg.CrossLayers, nb, rng),
		tower: newDenseTower("dcn.mlp", d, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, nb, rng),
		outW:  nn.NewParam("dcn.out.w", d+H, 1),
		outB:  nn.NewParam("dcn.out.b", 1),
		logit: make([]float32, nb),
		dh:    make([]float32, nb*H),
	}
	nn.InitGlorot(m.outW.W, d+H, 1, rng)
	return m, nil
}

// Forward returns the logits of b: w_outᵀ[x_L1; h_L2] + b_out as
// w_x·x_L1 (the cross network's projection) + h_L2·w_h + b_out.
func (m *DCN) Forward(b *Batch) []float32 {
	n := b.N
	m.n = n
	d, H := m.cross.Dim, m.tower.width
	x0 := m.stack.forward(b)
	z := m.cross.ForwardProject(x0, n, m.outW.W[:d])
	m.h = m.tower.forward(x0, n)
	logit := m.logit[:n]
	blas.Sgemm(false, false, n, 1, H, 1, m.h, H, m.outW.W[d:], 1, 0, logit, 1)
	for i := range logit {
		logit[i] += z[i] + m.outB.W[0]
	}
	return logit
}

// Backward accumulates every gradient from dL/dlogit.
func (m *DCN) Backward(dout []float32) {
	n, d, H := m.n, m.cross.Dim, m.tower.width
	dz := dout[:n]
	var db float32
	for _, g := range dz {
		db += g
	}
	m.outB.G[0] += db
	// dL/dw_h += h_L2ᵀ·dz; dL/dh_L2 = dz·w_hᵀ.
	blas.Sgemm(true, false, H, 1, n, 1, m.h, H, dz, 1, 1, m.outW.G[d:], 1)
	dh := m.dh[:n*H]
	blas.Sgemm(false, false, n, H, 1, 1, dz, 1, m.outW.W[d:], H, 0, dh, H)
	// x0 feeds both networks: its gradient is the sum of their shares,
	// the cross network's added in the deep network's own dL/dx0 (scratch
	// it rewrites on every Backward).
	dx0 := m.tower.backward(dh)
	m.cross.BackwardProject(dz, m.outW.W[:d], m.outW.G[:d], dx0)
	m.stack.backward(dx0)
}

// Parts returns one part, "all".
func (m *DCN) Parts() []Part {
	ps := append([]*nn.Param(nil), m.cross.Params()...)
	ps = append(ps, m.tower.params...)
	ps = append(ps, m.outW, m.outB)
	return []Part{{Name: "all", Params: ps, Tables: m.stack.partTables(m.cfg.L2Emb)}}
}

// SetTraining switches dropout and batch statistics.
func (m *DCN) SetTraining(training bool) { m.tower.setTraining(training) }

// Reseed restarts the dropout masks from seed (see Reseeder).
func (m *DCN) Reseed(seed uint64) { m.tower.reseed(nn.NewRand(seed)) }

// Buffers returns the BatchNorm running statistics (none without
// batch_norm), named "dcn.mlp.bn.<i>.running_mean" and so on.
func (m *DCN) Buffers() []*nn.Param { return StatsBuffers("dcn.mlp.bn", m.tower.stats()) }
