package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

// PNN is the Product-based Neural Network (Qu et al., "Product-based Neural
// Networks for User Response Prediction", ICDM 2016; docs/models/pnn.md). The
// product layer reads the field embeddings f_1…f_F (numeric fields embed
// their one row scaled by their value) and feeds the first hidden layer
//
//	l_1 = ReLU(l_z + l_p + b_1),  l_z = W_z·[f_1; …; f_F]
//
// followed by a ReLU MLP and the logit. The product signal l_p is
//
//   - IPNN ("ipnn"): inner products p_ij = ⟨f_i, f_j⟩;
//   - OPNN ("opnn"): outer products p_ij = f_i f_jᵀ;
//   - PNN* ("pnn"): both, their contributions added.
//
// Option mode selects how l_p is computed:
//
//   - "reduced" (default, the paper's): IPNN with the rank-one kernel
//     W_p^d = θ^d θ^dᵀ, so l_p^d = ‖Σ_i θ^d_i f_i‖² (the double sum over all
//     i, j, the diagonal included); OPNN sum-first, p = f_Σ f_Σᵀ with
//     f_Σ = Σ_i f_i and l_p^d = f_Σᵀ W^d f_Σ.
//   - "full": every pair i<j. Inner products enter W_p as F(F−1)/2 extra
//     inputs of the first layer (l_z + l_p is one Dense over [z; p]); outer
//     products go through a learned kernel of P·k²·D_1 weights, which is
//     large for many fields.
//
// Hidden lists the widths of l_1 (D_1) and of the further hidden layers.
// Options dropout and batch_norm apply to every hidden layer, l_1 included:
// Dense → [BatchNorm] → ReLU → [Dropout] (for l_1, the sum l_z + l_p + b_1
// takes the Dense's place); both are off by default. Regularization:
// optional per-batch L2 (l2_emb) on the embedding rows a batch touches;
// dense parameters get the optimizer's weight decay.
type PNN struct {
	cfg     PNNConfig
	product PNNProduct
	fields  int
	dim     int
	d1      int

	table *nn.Table
	emb   *nn.FieldEmbedding
	ip    *nn.InnerProduct        // full IPNN
	ipr   *nn.InnerProductReduced // reduced IPNN
	op    *nn.OuterProduct        // full OPNN
	opr   *nn.OuterProductReduced // reduced OPNN
	lz    *nn.Dense               // W_z (and, full IPNN, W_p) with b_1
	l1    layerTail               // [BatchNorm] → ReLU → [Dropout] of l_1
	tower *denseTower             // the hidden layers after l_1
	out   *nn.Dense               // the logit

	n     int
	zin   []float32 // full IPNN: n×(F·k+P), [z; p]
	pre   []float32 // n×D_1: l_z + l_p + b_1
	dpre  []float32 // n×D_1
	dcopy []float32 // n×D_1: dpre for a layer that may overwrite it
	de    []float32 // n×F×k
	dp    []float32 // full IPNN: n×P
}

// PNNProduct selects PNN's product signal.
type PNNProduct int

const (
	// PNNInner is IPNN: inner products.
	PNNInner PNNProduct = iota
	// PNNOuter is OPNN: outer products.
	PNNOuter
	// PNNBoth is PNN*: inner and outer products.
	PNNBoth
)

// String names the product as the registered model does.
func (p PNNProduct) String() string {
	switch p {
	case PNNInner:
		return "ipnn"
	case PNNOuter:
		return "opnn"
	case PNNBoth:
		return "pnn"
	}
	return fmt.Sprintf("PNNProduct(%d)", int(p))
}

// PNNConfig holds PNN's hyper-parameters; the product is fixed by the
// registered name.
type PNNConfig struct {
	// Mode is "reduced" (the paper's, default) or "full".
	Mode string `json:"mode"`
	// EmbeddingDim is the embedding width; 0 takes the schema's.
	EmbeddingDim int `json:"embedding_dim"`
	// Hidden lists D_1 (the product layer's output) and the widths of the
	// further hidden layers (default 400-400-400, the setting DeepFM's
	// paper compared PNN under).
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
	for _, p := range []PNNProduct{PNNInner, PNNOuter, PNNBoth} {
		summary := map[PNNProduct]string{
			PNNInner: "IPNN: product layer of pairwise inner products, then a ReLU MLP",
			PNNOuter: "OPNN: product layer of pairwise outer products, then a ReLU MLP",
			PNNBoth:  "PNN*: product layer of inner and outer products, then a ReLU MLP",
		}[p]
		Register(Info{
			Name:     p.String(),
			Task:     TaskCTR,
			Summary:  summary,
			Citation: "Qu et al., Product-based Neural Networks for User Response Prediction, ICDM 2016",
			Config: func() any {
				return &PNNConfig{Mode: "reduced", Hidden: []int{400, 400, 400}, InitStd: 0.01}
			},
			New: func(env Env, cfg any) (Model, error) {
				return NewPNN(env, p, *cfg.(*PNNConfig))
			},
			Footprint: footprintPNN(p),
		})
	}
}

// NewPNN builds a PNN with the given product: embeddings from
// N(0, InitStd²), product kernels and dense layers Glorot-uniform, all drawn
// from env.Rand().
func NewPNN(env Env, product PNNProduct, cfg PNNConfig) (*PNN, error) {
	if product < PNNInner || product > PNNBoth {
		return nil, fmt.Errorf("unknown PNN product %v", product)
	}
	full, err := cfgChoice("mode", cfg.Mode, []string{"reduced", "full"}, []bool{false, true})
	if err != nil {
		return nil, err
	}
	if err := cfgWidths("hidden", cfg.Hidden, 1); err != nil {
		return nil, err
	}
	if err := cfgInitStd(cfg.InitStd); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	F := len(env.Layout.Slots)
	if F < 2 {
		return nil, fmt.Errorf("the schema has %d field(s); a product layer needs at least 2", F)
	}
	k, err := env.Layout.Dim(cfg.EmbeddingDim)
	if err != nil {
		return nil, err
	}
	nb, d1 := env.MaxBatch, cfg.Hidden[0]
	rng := env.Rand()
	m := &PNN{cfg: cfg, product: product, fields: F, dim: k, d1: d1}
	m.table = env.table(product.String()+".emb", env.Layout.Rows, k, true)
	m.table.InitNormal(cfg.InitStd, rng)
	m.emb = nn.NewFieldEmbedding(m.table, F, nb)
	inner := product == PNNInner || product == PNNBoth
	outer := product == PNNOuter || product == PNNBoth
	lzIn := F * k
	switch {
	case inner && full:
		P := nn.NumPairs(F)
		m.ip = nn.NewInnerProduct(F, k, nb)
		lzIn += P
		m.zin = make([]float32, nb*lzIn)
		m.dp = make([]float32, nb*P)
	case inner:
		m.ipr = nn.NewInnerProductReduced(product.String()+".theta", F, k, d1, nb, rng)
	}
	switch {
	case outer && full:
		m.op = nn.NewOuterProduct(product.String()+".outer", F, k, d1, nb, rng)
	case outer:
		m.opr = nn.NewOuterProductReduced(product.String()+".outer", F, k, d1, nb, rng)
	}
	m.lz = nn.NewDense(product.String()+".l1", lzIn, d1, nb, nn.ActNone, rng)
	m.l1 = newLayerTail(product.String()+".l1", d1, cfg.BatchNorm, nn.ActReLU, cfg.Dropout, nb, rng)
	m.tower = newDenseTower(product.String()+".mlp", d1, cfg.Hidden[1:], nn.ActReLU, cfg.BatchNorm, cfg.Dropout, nb, rng)
	m.out = nn.NewDense(product.String()+".out", m.tower.width, 1, nb, nn.ActNone, rng)
	m.pre = make([]float32, nb*d1)
	m.dpre = make([]float32, nb*d1)
	m.dcopy = make([]float32, nb*d1)
	m.de = make([]float32, nb*F*k)
	return m, nil
}

// Forward returns the logits of b.
func (m *PNN) Forward(b *Batch) []float32 {
	n, F, k, d1 := b.N, m.fields, m.dim, m.d1
	m.n = n
	e := m.emb.Forward(b.IDs, b.Values, n)
	z := e
	if m.ip != nil {
		P := nn.NumPairs(F)
		p := m.ip.Forward(e, n)
		w := F*k + P
		z = m.zin[:n*w]
		for i := range n {
			copy(z[i*w:i*w+F*k], e[i*F*k:(i+1)*F*k])
			copy(z[i*w+F*k:(i+1)*w], p[i*P:(i+1)*P])
		}
	}
	pre := m.pre[:n*d1]
	copy(pre, m.lz.Forward(z, n))
	if m.ipr != nil {
		addFloats(pre, m.ipr.Forward(e, n))
	}
	if m.op != nil {
		addFloats(pre, m.op.Forward(e, n))
	}
	if m.opr != nil {
		addFloats(pre, m.opr.Forward(e, n))
	}
	return m.out.Forward(m.tower.forward(m.l1.forward(pre, n), n), n)
}

// Backward accumulates every gradient from dL/dlogit (overwritten).
func (m *PNN) Backward(dout []float32) {
	n, F, k, d1 := m.n, m.fields, m.dim, m.d1
	dpre := m.dpre[:n*d1]
	copy(dpre, m.l1.backward(m.tower.backward(m.out.Backward(dout))))
	de := m.de[:n*F*k]
	// Every consumer of dpre gets its own copy: nn layers may overwrite dy.
	dcopy := m.dcopy[:n*d1]
	copy(dcopy, dpre)
	dz := m.lz.Backward(dcopy)
	if m.ip != nil {
		P := nn.NumPairs(F)
		w := F*k + P
		dp := m.dp[:n*P]
		for i := range n {
			copy(de[i*F*k:(i+1)*F*k], dz[i*w:i*w+F*k])
			copy(dp[i*P:(i+1)*P], dz[i*w+F*k:(i+1)*w])
		}
		addFloats(de, m.ip.Backward(dp))
	} else {
		copy(de, dz)
	}
	if m.ipr != nil {
		copy(dcopy, dpre)
		addFloats(de, m.ipr.Backward(dcopy))
	}
	if m.op != nil {
		copy(dcopy, dpre)
		addFloats(de, m.op.Backward(dcopy))
	}
	if m.opr != nil {
		copy(dcopy, dpre)
		addFloats(de, m.opr.Backward(dcopy))
	}
	m.emb.Backward(de)
}

// Parts returns one part, "all".
func (m *PNN) Parts() []Part {
	var ps []*nn.Param
	if m.ipr != nil {
		ps = append(ps, m.ipr.Params()...)
	}
	if m.op != nil {
		ps = append(ps, m.op.Params()...)
	}
	if m.opr != nil {
		ps = append(ps, m.opr.Params()...)
	}
	ps = append(ps, m.lz.Params()...)
	ps = append(ps, m.l1.params()...)
	ps = append(ps, m.tower.params...)
	ps = append(ps, m.out.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: []PartTable{{Table: m.table, Reg: tableL2(m.cfg.L2Emb)}}}}
}

// SetTraining switches dropout and batch statistics.
func (m *PNN) SetTraining(training bool) {
	m.l1.setTraining(training)
	m.tower.setTraining(training)
}

// Reseed restarts the dropout masks from seed (see Reseeder): l_1's and
// then the further layers', one seed each whatever the rate.
func (m *PNN) Reseed(seed uint64) {
	rng := nn.NewRand(seed)
	m.l1.reseed(rng)
	m.tower.reseed(rng)
}

// Buffers returns the BatchNorm running statistics (none without
// batch_norm), l_1's first, named "<model>.bn.<i>.running_mean" and so on.
func (m *PNN) Buffers() []*nn.Param {
	return StatsBuffers(m.product.String()+".bn", append(m.l1.appendStats(nil), m.tower.stats()...))
}
