package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/recforge/recforge/nn"
)

// fmBase is what FM and the models that keep FM's structure (DeepFM, NFM,
// AFM) share: the first-order term w0 + Σ_i w_i x_i and one embedding
// table V over the global id space, looked up for every slot of a row and
// scaled by the slot's value, so that the interaction parts receive the
// paper's x_i·v_i (x_i = 1 for a categorical value, the normalized number
// for a numeric field; a padded slot embeds to zero and adds nothing).
type fmBase struct {
	lin *linear
	v   *nn.Table
	emb *nn.FieldEmbedding
	// fields and dim are F (the slots of a row) and k.
	fields, dim int
	out         []float32 // the logits, see logits
}

// newFMBase validates what every FM-family model needs and builds the
// shared part: V (named "<name>.v", width embeddingDim or the schema's when
// 0) drawn from N(0, initStd²), and the first-order weights at zero. It
// returns the generator that drew V, for the model's remaining parameters.
func newFMBase(name string, env Env, embeddingDim int, initStd float64) (*fmBase, *rand.Rand, error) {
	dim, err := checkFMBase(env, embeddingDim, initStd)
	if err != nil {
		return nil, nil, err
	}
	l := env.Layout
	rng := env.Rand()
	v := env.table(name+".v", l.Rows, dim, true)
	v.InitNormal(initStd, rng)
	f := len(l.Slots)
	return &fmBase{
		lin: newLinear(env), v: v,
		emb:    nn.NewFieldEmbedding(v, f, env.MaxBatch),
		fields: f, dim: dim,
		out: make([]float32, env.MaxBatch),
	}, rng, nil
}

// checkFMBase makes newFMBase's checks of env, embedding_dim and init_std
// and returns k.
func checkFMBase(env Env, embeddingDim int, initStd float64) (int, error) {
	l := env.Layout
	if env.MaxBatch < 1 {
		return 0, fmt.Errorf("max batch %d, want ≥ 1", env.MaxBatch)
	}
	if len(l.Slots) == 0 {
		return 0, fmt.Errorf("the schema has no field to embed")
	}
	if l.Rows < 1 {
		return 0, fmt.Errorf("layout has %d rows, want ≥ 1 (row 0 is padding)", l.Rows)
	}
	dim, err := l.Dim(embeddingDim)
	if err != nil {
		return 0, err
	}
	return dim, cfgInitStd(initStd)
}

// forward returns the first-order terms (n) and the value-scaled
// embeddings (n×F×k) of b, both owned by the layers until the next forward.
func (m *fmBase) forward(b *Batch) (first, e []float32) {
	return m.lin.forward(b), m.emb.Forward(b.IDs, b.Values, b.N)
}

// logits returns, row by row, the first-order term first (from forward)
// plus the model's other terms, one value per row each: the logit of FM,
// AFM and DeepFM. The slice is the base's, valid until the next call.
func (m *fmBase) logits(first []float32, terms ...[]float32) []float32 {
	out := m.out[:len(first)]
	copy(out, first)
	for _, t := range terms {
		for i, v := range t[:len(out)] {
			out[i] += v
		}
	}
	return out
}

// backwardFirst accumulates the gradients of w0 and w from dout
// (dL/dlogit, read only). Models call it before handing dout to layers that
// may overwrite it.
func (m *fmBase) backwardFirst(dout []float32) { m.lin.backward(dout) }

// backwardEmb accumulates the gradient of V from de (dL/de, n×F×k).
func (m *fmBase) backwardEmb(de []float32) { m.emb.Backward(de) }

// tables lists w with per-batch L2 λw and V with λv.
func (m *fmBase) tables(l2w, l2v float64) []PartTable {
	return []PartTable{{Table: m.lin.w, Reg: tableL2(l2w)}, {Table: m.v, Reg: tableL2(l2v)}}
}
