package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

// FNN is the factorization-machine supported neural network of Zhang et al.
// (ECIR 2016), docs/models/fnn.md, trained in two stages.
//
// Stage 1: an FM (see FM) is fitted on the data. Stage 2: each slot's dense
// vector is initialized from it, z_i = x_i·(w_i, v_i) — the FM's
// first-order weight and embedding row of the slot's id, scaled by the
// slot's value as in the FM — and the FM's global bias w0 joins them, so
// that the first hidden layer reads the paper's
//
//	z   = (w0, z_1, …, z_F)                 width 1 + F·(k+1)
//	l_1 = act(W_1 z + b_1), …, l_L = act(W_L l_{L−1} + b_L)
//	logit = W_out l_L + b_out                (ŷ = σ(logit))
//
// with act = tanh (the paper's) or ReLU. Everything, z's table and w0
// included, is then fine-tuned end to end. The FM's first-order weights and
// embeddings live in one table of width k+1 whose row r is [w_r, v_r];
// w0 is a trainable scalar fed to the first hidden layer as one more input,
// as in the paper, not folded into a bias. The hidden layers start from
// Glorot-uniform draws (the paper's optional layer-wise RBM pretraining of
// the upper layers is not done).
//
// The model implements Pretrainer: Pretraining returns a fresh FM over the
// same layout and k, with its own seed derived from Env.Seed, and the init
// that copies its weights in. With pretrain false the model is the plain
// DNN some libraries call FNN — offered only as this named option — and
// Pretraining returns (nil, nil), which the trainer takes as "no stage 1".
//
// Options and defaults: hidden [200, 300, 100] (the diamond shape the paper
// found best; the widths are this package's choice); activation "tanh";
// dropout 0.2 after each hidden layer (in training only); embedding_dim 0,
// the schema's width; init_std 0.01, used both for the FM's V and for z
// before (or without) pretraining; pretrain true. l2_emb is a per-batch L2
// on the touched rows of z, and on the touched rows of the FM's w and V
// while pretraining; dense weights get the training configuration's
// weight_decay, if any.
type FNN struct {
	cfg FNNConfig
	env Env
	// preSeed seeds the stage-1 FM.
	preSeed uint64

	z      *nn.Table // row r = [w_r, v_r], width k+1
	emb    *nn.FieldEmbedding
	w0     *nn.Param
	tower  *denseTower
	out    *nn.Dense
	params []*nn.Param

	fields, dim int // F and k
	in          int // 1 + F·(k+1)
	x, de       []float32
}

// FNNConfig holds FNN's hyper-parameters.
type FNNConfig struct {
	// EmbeddingDim is k (z_i has width k+1); 0 takes the schema's width,
	// which must then be the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// Hidden lists the hidden widths, input side first; at least one.
	Hidden []int `json:"hidden"`
	// Activation is the hidden activation, "tanh" (the paper's) or "relu".
	Activation string `json:"activation"`
	// Dropout is the rate after each hidden layer, in [0, 1).
	Dropout float64 `json:"dropout"`
	// L2Emb is the per-batch L2 penalty on the touched rows of z (and of
	// the FM's w and V in stage 1).
	L2Emb float64 `json:"l2_emb"`
	// InitStd is the standard deviation of the FM's V and of z's initial
	// values (> 0).
	InitStd float64 `json:"init_std"`
	// Pretrain runs stage 1 (the FM) first. False gives the plain DNN
	// without FM initialization, which is not the paper's model; the
	// registered default is true, and callers of NewFNN must set it.
	Pretrain bool `json:"pretrain"`
}

func init() {
	Register(Info{
		Name:     "fnn",
		Task:     TaskCTR,
		Summary:  "FNN: an FM fitted first initializes z = (w0, (w_i, v_i)…), then a tanh MLP is fine-tuned",
		Citation: "Zhang, Du, Wang, Deep Learning over Multi-field Categorical Data, ECIR 2016",
		Config: func() any {
			return &FNNConfig{Hidden: []int{200, 300, 100}, Activation: "tanh", Dropout: 0.2, InitStd: 0.01, Pretrain: true}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewFNN(env, *cfg.(*FNNConfig))
		},
		Footprint: footprintFNN,
	})
}

// NewFNN builds an FNN, or returns an error naming the bad setting. The
// stage-1 FM's seed is drawn first from Env.Rand(), then z, the hidden
// layers (each Dense, then a dropout seed) and the output unit.
func NewFNN(env Env, cfg FNNConfig) (*FNN, error) {
	if err := cfgWidths("hidden", cfg.Hidden, 1); err != nil {
		return nil, err
	}
	act, err := cfgChoice("activation", cfg.Activation, []string{"tanh", "relu"}, []nn.Activation{nn.ActTanh, nn.ActReLU})
	if err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	// newFMBase's checks, so that the stage-1 FM built later from the same
	// settings cannot fail.
	k, err := checkFMBase(env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, err
	}
	l := env.Layout

	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	rng := env.Rand()
	nb, f := env.MaxBatch, len(l.Slots)
	m := &FNN{cfg: cfg, env: env, preSeed: rng.Uint64(), fields: f, dim: k, in: 1 + f*(k+1)}
	m.z = env.table("fnn.z", l.Rows, k+1, true)
	m.z.InitNormal(cfg.InitStd, rng)
	m.emb = nn.NewFieldEmbedding(m.z, f, nb)
	m.w0 = nn.NewParam("fnn.w0", 1)
	m.tower = newDenseTower("fnn", m.in, cfg.Hidden, act, false, cfg.Dropout, nb, rng)
	m.out = nn.NewDense("fnn.out", m.tower.width, 1, nb, nn.ActNone, rng)
	m.params = append([]*nn.Param{m.w0}, m.tower.params...)
	m.params = append(m.params, m.out.Params()...)
	m.x = make([]float32, nb*m.in)
	m.de = make([]float32, nb*f*(k+1))
	return m, nil
}

// Pretraining returns stage 1, "fm": a fresh FM over the same layout and
// k, seeded from Env.Seed, with l2_emb on its w and V, and the init that
// copies its weights into this model (see InitFromFM). With pretrain false
// it returns no stage.
func (m *FNN) Pretraining() ([]Stage, func() error) {
	if !m.cfg.Pretrain {
		return nil, nil
	}
	fm, err := NewFM(Env{Layout: m.env.Layout, MaxBatch: m.env.MaxBatch, Seed: m.preSeed},
		FMConfig{EmbeddingDim: m.dim, L2W: m.cfg.L2Emb, L2V: m.cfg.L2Emb, InitStd: m.cfg.InitStd})
	if err != nil {
		// NewFNN made every check NewFM makes on these same settings.
		panic("model: FNN's stage-1 FM: " + err.Error())
	}
	return []Stage{{Name: "fm", Model: fm}}, func() error { return m.InitFromFM(fm) }
}

// InitFromFM sets every row r of z to [w_r, v_r] from fm's first-order
// weights and embeddings (the padding row stays zero) and w0 to fm's
// global bias. fm must have this model's id space and k.
func (m *FNN) InitFromFM(fm *FM) error {
	w, v := fm.base.lin.w, fm.base.v
	if w.Rows != m.z.Rows || v.Rows != m.z.Rows || v.Dim != m.dim {
		return fmt.Errorf("FNN initialization: the FM has %d×%d embeddings for %d ids, want %d×%d", v.Rows, v.Dim, w.Rows, m.z.Rows, m.dim)
	}
	for r := range int32(m.z.Rows) {
		if r == 0 && m.z.Padding {
			continue
		}
		row := m.z.Row(r)
		row[0] = w.Row(r)[0]
		copy(row[1:], v.Row(r))
	}
	m.w0.W[0] = fm.base.lin.bias.W[0]
	return nil
}

// Forward returns the logits of b.
func (m *FNN) Forward(b *Batch) []float32 {
	n, zw := b.N, m.fields*(m.dim+1)
	e := m.emb.Forward(b.IDs, b.Values, n)
	x := m.x[:n*m.in]
	w0 := m.w0.W[0]
	for i := range n {
		row := x[i*m.in : (i+1)*m.in]
		row[0] = w0
		copy(row[1:], e[i*zw:(i+1)*zw])
	}
	return m.out.Forward(m.tower.forward(x, n), n)
}

// Backward accumulates the gradients of every parameter, z's table and w0
// included. It overwrites dout.
func (m *FNN) Backward(dout []float32) {
	dh := m.tower.backward(m.out.Backward(dout))
	n, zw := len(dh)/m.in, m.fields*(m.dim+1)
	de := m.de[:n*zw]
	var g0 float32
	for i := range n {
		row := dh[i*m.in : (i+1)*m.in]
		g0 += row[0]
		copy(de[i*zw:(i+1)*zw], row[1:])
	}
	m.w0.G[0] += g0
	m.emb.Backward(de)
}

// Parts returns one part, "all": w0 and the MLP's weights, and the table z
// with its per-batch L2.
func (m *FNN) Parts() []Part {
	return []Part{{Name: "all", Params: m.params, Tables: []PartTable{{Table: m.z, Reg: tableL2(m.cfg.L2Emb)}}}}
}

// SetTraining switches dropout.
func (m *FNN) SetTraining(training bool) { m.tower.setTraining(training) }

// Reseed restarts the dropout masks from seed (see Reseeder): one stream
// per hidden layer, whatever its rate.
func (m *FNN) Reseed(seed uint64) { m.tower.reseed(nn.NewRand(seed)) }

var (
	_ Pretrainer = (*FNN)(nil)
	_ Reseeder   = (*FNN)(nil)
)
