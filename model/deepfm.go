package model

import "github.com/recforge/recforge/nn"

// DeepFM is the model of Guo et al. (IJCAI 2017), docs/models/deepfm.md: an FM
// component and a deep component reading ONE embedding table,
//
//	y_FM  = w0 + Σ_i w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j
//	y_DNN = MLP(concat_i x_i v_i)
//	logit = y_FM + y_DNN              (ŷ = σ(logit))
//
// The FM's pairwise term and the MLP both read the value-scaled lookups of
// the same table V, so V's gradient is the sum of the two components'; no
// pretraining and no hand-made crosses. The MLP's hidden layers are
// Dense → [BatchNorm] → ReLU → [Dropout], then a linear output unit.
//
// Options and defaults (the paper's settings unless noted): hidden
// [400, 400, 400]; dropout 0.5 after each hidden layer (in training only);
// batch_norm off; embedding_dim 0, the schema's width (the paper used
// k = 10); init_std 0.01 for V (w starts at zero, Dense layers are
// Glorot-uniform). Regularization: per-batch L2 on the touched rows of V
// (l2_emb) and of w (l2_w), none by default; dense weights get the
// training configuration's weight_decay, if any.
type DeepFM struct {
	base  *fmBase
	fm    *nn.FMInteraction
	tower *denseTower
	dnn   *nn.Dense // the output unit of the deep component
	cfg   DeepFMConfig

	// fmOut and dnnOut are the last Forward's y_FM pairwise term and
	// y_DNN, both owned by their layers.
	fmOut, dnnOut []float32
	dtmp          []float32
}

// DeepFMConfig holds DeepFM's hyper-parameters.
type DeepFMConfig struct {
	// EmbeddingDim is k; 0 takes the schema's width, which must then be
	// the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// Hidden lists the MLP's hidden widths, input side first; empty makes
	// the deep component one linear unit on the embeddings.
	Hidden []int `json:"hidden"`
	// Dropout is the rate after each hidden layer, in [0, 1).
	Dropout float64 `json:"dropout"`
	// BatchNorm inserts batch normalisation before each hidden ReLU.
	BatchNorm bool `json:"batch_norm"`
	// L2Emb and L2W are per-batch L2 penalties on the touched rows of V
	// and w.
	L2Emb float64 `json:"l2_emb"`
	L2W   float64 `json:"l2_w"`
	// InitStd is the standard deviation of V's initial values (> 0).
	InitStd float64 `json:"init_std"`
}

func init() {
	Register(Info{
		Name:     "deepfm",
		Task:     TaskCTR,
		Summary:  "DeepFM: FM and a ReLU MLP sharing one embedding table, logit = y_FM + y_DNN",
		Citation: "Guo et al., DeepFM: A Factorization-Machine based Neural Network for CTR Prediction, IJCAI 2017",
		Config: func() any {
			return &DeepFMConfig{Hidden: []int{400, 400, 400}, Dropout: 0.5, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewDeepFM(env, *cfg.(*DeepFMConfig))
		},
		Footprint: footprintDeepFM,
	})
}

// NewDeepFM builds a DeepFM, or returns an error naming the bad setting.
// V is drawn first, then the hidden layers and the output unit.
func NewDeepFM(env Env, cfg DeepFMConfig) (*DeepFM, error) {
	if err := cfgWidths("hidden", cfg.Hidden, 0); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_w", cfg.L2W); err != nil {
		return nil, err
	}
	base, rng, err := newFMBase("deepfm", env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	nb, f, k := env.MaxBatch, base.fields, base.dim
	tower := newDenseTower("deepfm.dnn", f*k, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, nb, rng)
	return &DeepFM{
		base: base, cfg: cfg, tower: tower,
		fm:   nn.NewFMInteraction(f, k, nb),
		dnn:  nn.NewDense("deepfm.dnn.out", tower.width, 1, nb, nn.ActNone, rng),
		dtmp: make([]float32, nb),
	}, nil
}

// Forward returns the logits of b.
func (m *DeepFM) Forward(b *Batch) []float32 {
	n := b.N
	first, e := m.base.forward(b)
	// The n×F×k lookups are already the n×(F·k) concatenation the MLP reads.
	m.fmOut = m.fm.Forward(e, n)
	m.dnnOut = m.dnn.Forward(m.tower.forward(e, n), n)
	return m.base.logits(first, m.fmOut, m.dnnOut)
}

// Backward accumulates the gradients of every parameter; V gets the sum of
// the FM's and the MLP's.
func (m *DeepFM) Backward(dout []float32) {
	n := len(m.fmOut)
	m.base.backwardFirst(dout)
	// Dense.Backward overwrites its dy: the deep branch gets a copy.
	dtmp := m.dtmp[:n]
	copy(dtmp, dout[:n])
	// The FM term adds its share of dL/de in the MLP's own dL/dx (scratch
	// the first Dense rewrites on every Backward).
	de := m.tower.backward(m.dnn.Backward(dtmp))
	m.fm.BackwardAdd(dout, de)
	m.base.backwardEmb(de)
}

// Parts returns one part, "all": w0 and the MLP's weights, and the tables
// w and V with their per-batch L2.
func (m *DeepFM) Parts() []Part {
	ps := append([]*nn.Param{m.base.lin.bias}, m.tower.params...)
	ps = append(ps, m.dnn.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: m.base.tables(m.cfg.L2W, m.cfg.L2Emb)}}
}

// SetTraining switches dropout and batch statistics.
func (m *DeepFM) SetTraining(training bool) { m.tower.setTraining(training) }

// Reseed restarts the dropout masks from seed (see Reseeder).
func (m *DeepFM) Reseed(seed uint64) { m.tower.reseed(nn.NewRand(seed)) }

// Buffers returns the BatchNorm running statistics (none without
// batch_norm), named "deepfm.dnn.bn.<i>.running_mean" and so on.
func (m *DeepFM) Buffers() []*nn.Param { return StatsBuffers("deepfm.dnn.bn", m.tower.stats()) }
