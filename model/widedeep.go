package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// WideDeep is Wide&Deep (Cheng et al., "Wide & Deep Learning for
// Recommender Systems", DLRS 2016; docs/models/widedeep.md), jointly trained
// on one logit:
//
//	logit = w0 + Σ_f w[id_f]·x_f + Σ_c u_c[φ_c(x)]      (wide)
//	      + hᵀ MLP([e_1; …; e_C; x_num])                 (deep)
//
// The wide part is the linear model over the raw features (x_f = 1 for a
// categorical value, the normalized number for a numeric field) plus one
// weight per value of each declared cross-product transformation φ_c: the
// AND of the crossed fields' values. A cross c over fields (C1, C2, …) maps a
// row to the bucket hash(id_C1, id_C2, …) mod cross_buckets of its own
// weight range; a row with any crossed field padded (id 0) has no cross
// feature and the cross adds 0. Hashing bounds the table: distinct value
// combinations share a weight only on a hash collision.
//
// The deep part embeds the categorical fields, stacks the raw numeric
// values beside them and runs a ReLU MLP (default 1024-512-256, the paper's)
// whose last layer is weighted by h (no bias: w0 is the joint bias). Options
// dropout and batch_norm (both off by default) make each hidden layer
// Dense → [BatchNorm] → ReLU → [Dropout].
//
// Parts and their default optimizers, as the paper trains them: "wide"
// (w0, w, the cross weights) with FTRL-Proximal, α = 0.05, λ1 = 0.001; "deep"
// (embeddings, MLP, h) with AdaGrad, learning rate 0.01. The training
// configuration's per-part optimizers override either. Regularization:
// optional per-batch L2 on the touched rows of the wide weights (l2_wide)
// and of the embeddings (l2_emb); FTRL's λ1 on the wide part.
type WideDeep struct {
	cfg     WideDeepConfig
	lin     *linear
	crosses [][]int // slot indices of each cross
	buckets int
	slots   int

	cross    *nn.Table // the cross weights, nil without crosses
	crossEmb *nn.FieldEmbedding
	stack    *stackedInput
	tower    *denseTower
	head     *nn.Param // h, the deep output weights

	n      int
	h      []float32 // the MLP's last output, n×H
	cids   []int32   // n×X cross ids
	key    []byte    // the hashed ids of one cross
	out    []float32 // n logits
	dcross []float32 // n×X
	dh     []float32 // n×H
}

// WideDeepConfig holds Wide&Deep's hyper-parameters.
type WideDeepConfig struct {
	// EmbeddingDim is the deep part's embedding width; 0 takes the
	// schema's.
	EmbeddingDim int `json:"embedding_dim"`
	// Hidden lists the deep MLP's ReLU layer widths (default 1024-512-256,
	// the paper's).
	Hidden []int `json:"hidden"`
	// Dropout is the rate after each hidden layer's ReLU, in [0, 1).
	Dropout float64 `json:"dropout"`
	// BatchNorm inserts batch normalisation before each hidden ReLU.
	BatchNorm bool `json:"batch_norm"`
	// Crosses declares the wide part's cross-product transformations, each
	// a list of at least two categorical field names.
	Crosses [][]string `json:"crosses"`
	// CrossBuckets is the hash space of each cross (default 100000).
	CrossBuckets int `json:"cross_buckets"`
	// InitStd is the standard deviation of the embeddings' normal
	// initialization (default 0.01).
	InitStd float64 `json:"init_std"`
	// L2Wide and L2Emb are per-batch L2 penalties on the touched rows of
	// the wide weights (linear and cross) and of the embeddings.
	L2Wide float64 `json:"l2_wide"`
	L2Emb  float64 `json:"l2_emb"`
}

func init() {
	Register(Info{
		Name:     "widedeep",
		Task:     TaskCTR,
		Summary:  "Wide&Deep: linear model with declared feature crosses plus a ReLU MLP, trained jointly (FTRL wide, AdaGrad deep)",
		Citation: "Cheng et al., Wide & Deep Learning for Recommender Systems, DLRS 2016",
		Config: func() any {
			return &WideDeepConfig{Hidden: []int{1024, 512, 256}, CrossBuckets: 100000, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewWideDeep(env, *cfg.(*WideDeepConfig))
		},
		Footprint: footprintWideDeep,
	})
}

// The parts' default optimizers (see WideDeep).
var (
	wideDeepWideOptimizer = optim.Spec{Rule: "ftrl", LR: 0.05, L1: 0.001}
	wideDeepDeepOptimizer = optim.Spec{Rule: "adagrad", LR: 0.01}
)

// NewWideDeep builds Wide&Deep: wide weights at zero, embeddings from
// N(0, InitStd²), the MLP and h Glorot-uniform from env.Rand().
func NewWideDeep(env Env, cfg WideDeepConfig) (*WideDeep, error) {
	if err := cfgWidths("hidden", cfg.Hidden, 1); err != nil {
		return nil, err
	}
	if err := cfgAtLeast("cross_buckets", cfg.CrossBuckets, 1); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_wide", cfg.L2Wide); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("l2_emb", cfg.L2Emb); err != nil {
		return nil, err
	}
	l := env.Layout
	crosses, err := resolveCrosses(l, cfg.Crosses)
	if err != nil {
		return nil, err
	}
	if len(crosses) > 0 && (math.MaxInt32-1)/len(crosses) < cfg.CrossBuckets {
		return nil, fmt.Errorf("%d crosses of cross_buckets = %d exceed 2^31-1 weights", len(crosses), cfg.CrossBuckets)
	}
	rng := env.Rand()
	stack, err := newStackedInput("widedeep.emb", env, cfg.EmbeddingDim, cfg.InitStd, rng)
	if err != nil {
		return nil, err
	}
	nb, H := env.MaxBatch, cfg.Hidden[len(cfg.Hidden)-1]
	m := &WideDeep{
		cfg: cfg, lin: newLinear(env), crosses: crosses, buckets: cfg.CrossBuckets,
		slots: len(l.Slots), stack: stack,
		tower: newDenseTower("widedeep.mlp", stack.width, cfg.Hidden, nn.ActReLU, cfg.BatchNorm, cfg.Dropout, nb, rng),
		head:  nn.NewParam("widedeep.head", H),
		out:   make([]float32, nb),
		dh:    make([]float32, nb*H),
	}
	nn.InitGlorot(m.head.W, H, 1, rng)
	if X := len(crosses); X > 0 {
		// One table holds every cross: cross c owns rows
		// [1 + c·B, 1 + (c+1)·B); row 0 is "no cross feature".
		m.cross = env.table("widedeep.cross", 1+X*cfg.CrossBuckets, 1, true)
		m.crossEmb = nn.NewFieldEmbedding(m.cross, X, nb)
		m.cids = make([]int32, nb*X)
		m.dcross = make([]float32, nb*X)
		longest := 0
		for _, c := range crosses {
			longest = max(longest, len(c))
		}
		m.key = make([]byte, 0, 4*longest)
	}
	return m, nil
}

// resolveCrosses maps each declared cross to the slot indices of its
// fields, checking that each names two or more distinct categorical fields
// of the layout.
func resolveCrosses(l Layout, crosses [][]string) ([][]int, error) {
	slotOf := map[string]int{}
	var names []string
	for i, s := range l.Slots {
		slotOf[s.Name] = i
		names = append(names, s.Name)
	}
	out := make([][]int, 0, len(crosses))
	for c, cross := range crosses {
		if len(cross) < 2 {
			return nil, fmt.Errorf("crosses[%d] = %q: a cross needs at least two fields", c, cross)
		}
		var slots []int
		seen := map[string]bool{}
		for _, name := range cross {
			i, ok := slotOf[name]
			if !ok {
				return nil, fmt.Errorf("crosses[%d]: %q is not an input field (fields: %s)", c, name, strings.Join(names, ", "))
			}
			if l.Slots[i].Numeric {
				return nil, fmt.Errorf("crosses[%d]: field %q is numeric; crosses take categorical (or bucketized) fields", c, name)
			}
			if seen[name] {
				return nil, fmt.Errorf("crosses[%d]: field %q appears twice", c, name)
			}
			seen[name] = true
			slots = append(slots, i)
		}
		out = append(out, slots)
	}
	return out, nil
}

// crossID returns the cross table row of cross c for row i of b: 0 (no
// feature) when a crossed field is padded, else a bucket of c's range
// chosen by hashing the crossed fields' ids in declaration order.
func (m *WideDeep) crossID(b *Batch, i, c int) int32 {
	key := m.key[:0]
	for _, s := range m.crosses[c] {
		id := b.IDs[i*m.slots+s]
		if id == 0 {
			return 0
		}
		key = binary.LittleEndian.AppendUint32(key, uint32(id))
	}
	bucket := feature.Hash(uint64(c), key) % uint64(m.buckets)
	return int32(1 + c*m.buckets + int(bucket))
}

// Forward returns the logits of b.
func (m *WideDeep) Forward(b *Batch) []float32 {
	n := b.N
	m.n = n
	out := m.out[:n]
	copy(out, m.lin.forward(b))
	if X := len(m.crosses); X > 0 {
		ids := m.cids[:n*X]
		for i := range n {
			for c := range X {
				ids[i*X+c] = m.crossID(b, i, c)
			}
		}
		u := m.crossEmb.Forward(ids, nil, n)
		for i := range out {
			for _, v := range u[i*X : (i+1)*X] {
				out[i] += v
			}
		}
	}
	h := m.tower.forward(m.stack.forward(b), n)
	m.h = h
	H := len(m.head.W)
	for i := range out {
		var s float32
		for j, v := range h[i*H : (i+1)*H] {
			s += v * m.head.W[j]
		}
		out[i] += s
	}
	return out
}

// Backward accumulates every gradient from dL/dlogit (read only).
func (m *WideDeep) Backward(dout []float32) {
	n := m.n
	dout = dout[:n]
	m.lin.backward(dout)
	if X := len(m.crosses); X > 0 {
		dc := m.dcross[:n*X]
		for i, g := range dout {
			for c := range X {
				dc[i*X+c] = g
			}
		}
		m.crossEmb.Backward(dc)
	}
	H := len(m.head.W)
	dh := m.dh[:n*H]
	for i, g := range dout {
		hi, di := m.h[i*H:(i+1)*H], dh[i*H:(i+1)*H]
		for j, w := range m.head.W {
			di[j] = g * w
			m.head.G[j] += g * hi[j]
		}
	}
	m.stack.backward(m.tower.backward(dh))
}

// Parts returns "wide" (FTRL-Proximal by default) and "deep" (AdaGrad by
// default).
func (m *WideDeep) Parts() []Part {
	reg := tableL2(m.cfg.L2Wide)
	wide := Part{
		Name: "wide", Params: []*nn.Param{m.lin.bias},
		Tables: []PartTable{{Table: m.lin.w, Reg: reg}},
	}
	if m.cross != nil {
		wide.Tables = append(wide.Tables, PartTable{Table: m.cross, Reg: reg})
	}
	wo, do := wideDeepWideOptimizer, wideDeepDeepOptimizer
	wide.Optimizer = &wo
	deep := Part{
		Name: "deep", Params: append(append([]*nn.Param(nil), m.tower.params...), m.head),
		Tables: m.stack.partTables(m.cfg.L2Emb), Optimizer: &do,
	}
	return []Part{wide, deep}
}

// SetTraining switches dropout and batch statistics.
func (m *WideDeep) SetTraining(training bool) { m.tower.setTraining(training) }

// Reseed restarts the dropout masks from seed (see Reseeder).
func (m *WideDeep) Reseed(seed uint64) { m.tower.reseed(nn.NewRand(seed)) }

// Buffers returns the BatchNorm running statistics (none without
// batch_norm), named "widedeep.mlp.bn.<i>.running_mean" and so on.
func (m *WideDeep) Buffers() []*nn.Param { return StatsBuffers("widedeep.mlp.bn", m.tower.stats()) }
