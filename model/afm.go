package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// AFM is the attentional factorization machine of Xiao et al. (IJCAI 2017),
// docs/models/afm.md:
//
//	logit = w0 + Σ_i w_i x_i + pᵀ Σ_{i<j} a_ij (v_i ⊙ v_j) x_i x_j
//	a'_ij = hᵀ ReLU(W (v_i ⊙ v_j) x_i x_j + b),  a_ij = softmax of a' over the row's pairs
//
// computed by nn.AFMInteraction over the value-scaled lookups of V (pairs of
// slots, i<j). Dropout acts on the pair-interaction layer in training; no
// DNN sits on top. The attention weights of the last Forward are readable
// through Attention and Pair, to explain a prediction.
//
// Padding: the pairs of a padded slot (id 0) are masked: their attention
// weight is exactly 0 and the softmax runs over the row's other pairs, as
// the paper's runs over the non-zero features only. A row with fewer than
// two unpadded slots has no pair and its pairwise term is 0.
//
// Regularization is L2 on the attention W only, as the paper applies it:
// Backward adds the gradient attention_l2·W of (attention_l2/2)·‖W‖² once
// per batch, so the objective is the batch's mean loss plus that term. It
// is done here rather than by the optimizer because a part's weight_decay
// would reach every dense parameter of the part; leave the training
// configuration's weight_decay at 0 for the paper's setting.
//
// Options and defaults: attention_dim t = 16 and dropout 0.5 (the authors'
// released settings); attention_l2 0.01, about the authors' λ on a summed
// batch loss rescaled to a mean one; embedding_dim 0, the schema's width;
// init_std 0.01 for V. W and h are Glorot-uniform, b starts at zero and
// p at ones (an untrained AFM is an attention-weighted FM).
type AFM struct {
	base *fmBase
	att  *nn.AFMInteraction
	cfg  AFMConfig
	mask []float32 // n×F: 0 at padded slots, 1 elsewhere
	// penaltyOff: a replica training a shard other than the first, which
	// leaves the batch's attention L2 term to shard 0 (TrainShard).
	penaltyOff bool
}

// AFMConfig holds AFM's hyper-parameters.
type AFMConfig struct {
	// EmbeddingDim is k; 0 takes the schema's width, which must then be
	// the same for every field.
	EmbeddingDim int `json:"embedding_dim"`
	// AttentionDim is t, the attention network's hidden size.
	AttentionDim int `json:"attention_dim"`
	// Dropout is the rate on the pair-interaction layer, in [0, 1).
	Dropout float64 `json:"dropout"`
	// AttentionL2 is λ of the penalty (λ/2)·‖W‖² on the attention weights.
	AttentionL2 float64 `json:"attention_l2"`
	// InitStd is the standard deviation of V's initial values (> 0).
	InitStd float64 `json:"init_std"`
}

func init() {
	Register(Info{
		Name:     "afm",
		Task:     TaskCTR,
		Summary:  "AFM: FM whose pairwise interactions are pooled by a softmax attention network",
		Citation: "Xiao et al., Attentional Factorization Machines: Learning the Weight of Feature Interactions via Attention Networks, IJCAI 2017",
		Config: func() any {
			return &AFMConfig{AttentionDim: 16, Dropout: 0.5, AttentionL2: 0.01, InitStd: 0.01}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewAFM(env, *cfg.(*AFMConfig))
		},
		Footprint: footprintAFM,
		Space:     tune.Space{spaceLR, spaceEmbeddingDim, spaceDropout, tune.OneOf("attention_l2", 0.0, 0.001, 0.01, 0.1)},
	})
}

// NewAFM builds an AFM, or returns an error naming the bad setting. V is
// drawn first, then the attention network.
func NewAFM(env Env, cfg AFMConfig) (*AFM, error) {
	if err := cfgAtLeast("attention_dim", cfg.AttentionDim, 1); err != nil {
		return nil, err
	}
	if err := cfgDropout("dropout", cfg.Dropout); err != nil {
		return nil, err
	}
	if err := cfgNonNegative("attention_l2", cfg.AttentionL2); err != nil {
		return nil, err
	}
	if len(env.Layout.Slots) == 1 {
		return nil, fmt.Errorf("the schema has 1 field; AFM pools pairs of fields and needs at least 2")
	}
	base, rng, err := newFMBase("afm", env, cfg.EmbeddingDim, cfg.InitStd)
	if err != nil {
		return nil, err
	}
	return &AFM{
		base: base, cfg: cfg,
		att:  nn.NewAFMInteraction("afm", base.fields, base.dim, cfg.AttentionDim, env.MaxBatch, cfg.Dropout, rng),
		mask: make([]float32, env.MaxBatch*base.fields),
	}, nil
}

// Forward returns the logits of b.
func (m *AFM) Forward(b *Batch) []float32 {
	first, e := m.base.forward(b)
	mask := m.mask[:b.N*m.base.fields]
	for i, id := range b.IDs[:len(mask)] {
		mask[i] = 0
		if id != 0 {
			mask[i] = 1
		}
	}
	return m.base.logits(first, m.att.ForwardMasked(e, mask, b.N))
}

// Backward accumulates the gradients of every parameter, the attention
// L2 term's included.
func (m *AFM) Backward(dout []float32) {
	m.base.backwardFirst(dout)
	m.base.backwardEmb(m.att.Backward(dout))
	if l := float32(m.cfg.AttentionL2); l != 0 && !m.penaltyOff {
		w, g := m.att.AttW.W, m.att.AttW.G
		for i, v := range w {
			g[i] += l * v
		}
	}
}

// Parts returns one part, "all": w0 and the attention network's W, b, h
// and p, and the tables w and V (no table regularization).
func (m *AFM) Parts() []Part {
	ps := append([]*nn.Param{m.base.lin.bias}, m.att.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: m.base.tables(0, 0)}}
}

// SetTraining switches the pair-interaction dropout.
func (m *AFM) SetTraining(training bool) { m.att.SetTraining(training) }

// TrainShard makes the attention L2 term, added once per batch, shard 0's
// alone when batches are split into shards (see ShardTrainer).
func (m *AFM) TrainShard(i, n int) error {
	m.penaltyOff = i > 0
	return nil
}

// Reseed restarts the dropout masks from seed (see Reseeder).
func (m *AFM) Reseed(seed uint64) { m.att.ReseedDropout(seed) }

// Attention returns the attention weights a_ij of the last Forward, n rows
// of pairs values, and pairs = F(F−1)/2; Pair maps a column to its fields.
// A row's weights sum to 1 over its pairs of unpadded slots and are 0 at
// the others (all 0 for a row with fewer than two unpadded slots). The slice is the model's, valid until the next
// Forward.
func (m *AFM) Attention() (weights []float32, pairs int) {
	return m.att.Weights(), m.att.NumPairs()
}

// Pair returns the fields (i, j), i<j, indices into Layout.Slots, of
// column p of Attention's rows. It panics unless 0 ≤ p < pairs.
func (m *AFM) Pair(p int) (i, j int) { return m.att.Pair(p) }
