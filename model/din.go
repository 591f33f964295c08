package model

import (
	"fmt"

	"github.com/recforge/recforge/nn"
)

// DIN is the Deep Interest Network of Zhou et al. (KDD'18), docs/models/din.md:
// SeqBase with the sum pooling replaced by a local activation unit that
// weights every behaviour by its relevance to the candidate A,
//
//	v_U(A) = Σ_{real j} a(e_j, v_A) · e_j,   a = MLP([e_j, v_A, e_j − v_A, e_j ⊙ v_A]) → scalar
//	logit  = MLP(concat[slot embeddings…, v_U(A) per behaviour sequence…])
//
// computed by nn.DINAttention once per behaviour sequence (see sequence.go:
// the item and category histories of the built-in sources form one
// behaviour, e_j = item ⊕ cate, v_A = candidate item ⊕ its category, all
// read from one shared table).
//
// Paper mode (the defaults): raw weights, not normalized, which keeps the
// intensity of the user's interest (attention_weighting "softmax" and
// "scaled-softmax", the released code's, are options); Dice in the MLP
// (hidden [200, 80]) and in the activation unit (attention_hidden [80, 40]),
// "prelu" and "relu" as options for both and "sigmoid", the released code's,
// for the unit; embedding_dim 0, the schema's width; init_std 0.01.
//
// Regularization: DIN's mini-batch aware L2 on the table (embedding_reg
// "mba"): a row r touched by a batch gets λ/n_r·w_r added to its gradient,
// n_r its frequency in the training data, which train.Fit counts and sets
// through SetRowFrequencies before the first epoch (every row counts once
// until then, which is per-batch L2). λ = l2_emb is 0 by default, so no
// regularization applies unless it is set; "batch" is per-batch L2 with the
// same λ. Dense weights get the training
// configuration's weight_decay, if any.
//
// The weights of the last Forward are readable through Attention.
type DIN struct {
	in  *seqInputs
	att []*nn.DINAttention // one per behaviour sequence
	mlp *nn.MLP
	cfg DINConfig
	x   []float32 // the MLP's input, maxBatch × xw
	xw  int
	w   []float32 // Attention's rows, maxBatch × SeqLen
}

// DINConfig holds DIN's hyper-parameters.
type DINConfig struct {
	SeqConfig
	// AttentionHidden lists the activation unit's hidden widths.
	AttentionHidden []int `json:"attention_hidden"`
	// AttentionActivation is the unit's hidden activation: "dice",
	// "prelu", "relu" or "sigmoid".
	AttentionActivation string `json:"attention_activation"`
	// AttentionWeighting is "raw" (the paper), "softmax" over the real
	// behaviours, or "scaled-softmax" (scores divided by √D first).
	AttentionWeighting string `json:"attention_weighting"`
}

func init() {
	Register(Info{
		Name:     "din",
		Task:     TaskSequence,
		Summary:  "DIN: behaviour history pooled by an activation unit attending to the candidate, Dice MLP",
		Citation: "Zhou et al., Deep Interest Network for Click-Through Rate Prediction, KDD 2018",
		Config: func() any {
			return &DINConfig{
				SeqConfig:       SeqConfig{InitStd: 0.01, Hidden: []int{200, 80}, Activation: "dice", EmbeddingReg: "mba"},
				AttentionHidden: []int{80, 40}, AttentionActivation: "dice", AttentionWeighting: "raw",
			}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewDIN(env, *cfg.(*DINConfig))
		},
		Footprint: footprintDIN,
	})
}

var dinWeightingNames = []string{"raw", "softmax", "scaled-softmax"}

// NewDIN builds a DIN, or returns an error naming the bad setting or the
// sequence without a candidate. The table is drawn first, then the
// activation units (one per behaviour sequence), then the MLP.
func NewDIN(env Env, cfg DINConfig) (*DIN, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := cfgWidths("attention_hidden", cfg.AttentionHidden, 1); err != nil {
		return nil, err
	}
	weighting, err := cfgChoice("attention_weighting", cfg.AttentionWeighting, dinWeightingNames,
		[]nn.DINWeighting{nn.DINRawWeights, nn.DINSoftmax, nn.DINScaledSoftmax})
	if err != nil {
		return nil, err
	}
	type act struct {
		fused   nn.Activation
		learned nn.LearnedActivation
	}
	unitAct, err := cfgChoice("attention_activation", cfg.AttentionActivation, []string{"dice", "prelu", "relu", "sigmoid"}, []act{
		{nn.ActNone, nn.LearnedDice}, {nn.ActNone, nn.LearnedPReLU}, {nn.ActReLU, nn.NoLearnedActivation}, {nn.ActSigmoid, nn.NoLearnedActivation},
	})
	if err != nil {
		return nil, err
	}
	in, rng, err := newSeqInputs("din", env, cfg.SeqConfig)
	if err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	cfg.AttentionHidden = append([]int(nil), cfg.AttentionHidden...)
	m := &DIN{in: in, cfg: cfg, xw: in.fields * in.dim}
	for _, g := range in.groups {
		m.att = append(m.att, nn.NewDINAttention(nn.DINAttentionConfig{
			Name: "din.att." + g.name, Dim: g.width, SeqLen: g.steps,
			Hidden: cfg.AttentionHidden, Activation: unitAct.fused, Learned: unitAct.learned,
			Weighting: weighting,
		}, env.MaxBatch, rng))
		m.xw += g.width
	}
	m.mlp = cfg.newMLP("din.mlp", m.xw, env.MaxBatch, rng)
	m.x = make([]float32, env.MaxBatch*m.xw)
	m.w = make([]float32, env.MaxBatch*env.Layout.SeqLen)
	return m, nil
}

// Forward returns the logits of b.
func (m *DIN) Forward(b *Batch) []float32 {
	n := b.N
	e := m.in.forward(b)
	fk := m.in.fields * m.in.dim
	x := m.x[:n*m.xw]
	putCols(x, m.xw, 0, e, fk, n)
	o := fk
	for gi, g := range m.in.groups {
		putCols(x, m.xw, o, m.att[gi].ForwardLengths(g.query, g.hist, g.lens, n), g.width, n)
		o += g.width
	}
	return m.mlp.Forward(x, n)
}

// Backward accumulates the gradients of the MLP, the activation units and
// the table (the candidate's rows through the MLP and as the attention's
// query, the history's through the pooling and the unit's input).
func (m *DIN) Backward(dout []float32) {
	in := m.in
	dx := m.mlp.Backward(dout)
	in.slotGrad(dx, m.xw)
	o := in.fields * in.dim
	for gi, g := range in.groups {
		dpool := m.poolGrad(dx, o, g.width)
		dq, dk := m.att[gi].Backward(dpool)
		in.addQueryGrad(g, dq)
		in.histGrad(g, dk)
		o += g.width
	}
	in.backward()
}

// poolGrad returns the n×w block of dx (n rows of xw) starting at column o,
// packed into the MLP's input buffer, which the MLP's Backward has done
// with.
func (m *DIN) poolGrad(dx []float32, o, w int) []float32 {
	out := m.x[:m.in.n*w]
	for i := range m.in.n {
		copy(out[i*w:(i+1)*w], dx[i*m.xw+o:i*m.xw+o+w])
	}
	return out
}

// Parts returns one part, "all": the MLP, the activation units and the
// table with its regularization.
func (m *DIN) Parts() []Part {
	var ps []*nn.Param
	for _, a := range m.att {
		ps = append(ps, a.Params()...)
	}
	ps = append(ps, m.mlp.Params()...)
	return []Part{{Name: "all", Params: ps, Tables: m.in.tables()}}
}

// SetTraining switches the Dice statistics of the units and the MLP.
func (m *DIN) SetTraining(training bool) {
	for _, a := range m.att {
		a.SetTraining(training)
	}
	m.mlp.SetTraining(training)
}

// Buffers returns the Dice running statistics of the units and the MLP.
func (m *DIN) Buffers() []*nn.Param {
	var bs []*nn.Param
	for gi, a := range m.att {
		bs = append(bs, StatsBuffers(fmt.Sprintf("din.att.%s.dice", m.in.groups[gi].name), a.Stats())...)
	}
	return append(bs, StatsBuffers("din.mlp.dice", m.mlp.Stats())...)
}

// SetRowFrequencies sets the counts of the mini-batch aware regularization
// (see RowFrequencyUser).
func (m *DIN) SetRowFrequencies(freq []uint32) error { return m.in.setRowFrequencies(freq) }

// RowFrequencyLayout returns the layout the counts index and whether the
// "mba" regularization reads them (see RowFrequencyUser).
func (m *DIN) RowFrequencyLayout() (Layout, bool) { return m.in.rowFrequencyLayout() }

// Attention returns the behaviour weights of the last Forward: n rows of
// width = Layout.SeqLen values laid out as Batch.Seq, so that column c
// weighs the behaviour whose id is Seq[row·width + c] (Behaviour maps c to
// its sequence and position). The sequences of one behaviour (item and
// category) share its weight; padded positions are 0. In paper mode the
// weights are not normalized; with a softmax a row's behaviours sum to 1
// (each counted once). The slice is the model's, valid until the next
// Forward.
func (m *DIN) Attention() (weights []float32, width int) {
	return m.in.scatterWeights(m.w, func(g int) []float32 { return m.att[g].Weights() }), m.in.layout.SeqLen
}

// Behaviour returns the sequence (an index of Layout.Seqs) and the position
// in it of column c of Attention's rows. It panics unless 0 ≤ c < width.
func (m *DIN) Behaviour(c int) (seq, pos int) { return m.in.behaviour(c) }
