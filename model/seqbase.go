package model

import "github.com/recforge/recforge/nn"

// SeqBase is the embedding & MLP base model of the DIN paper (Zhou et al.,
// KDD'18, "Base Model"; docs/models/seqbase.md), the reference every
// sequence model must beat:
//
//	pooled_g = Σ_{real j} e_j        (sum over a behaviour sequence g)
//	logit    = MLP(concat[slot embeddings…, pooled_g…])
//
// Every slot of a row (user, context, the candidate item and its
// category…) is embedded and concatenated; each behaviour sequence is
// sum-pooled over its real positions; an MLP with one linear output unit
// gives the logit. The history and the candidate read the same table rows
// (see sequence.go for the pairing, the grouping of sequences into
// behaviours and the padding rules). The candidate enters the MLP only as
// a plain embedding: nothing relates it to the history but the MLP, which
// is what DIN's attention adds.
//
// Options and defaults: hidden [200, 80] with PReLU (the paper's base
// model), "dice" and "relu" as options; embedding_dim 0, the schema's width
// (every field must then share it); init_std 0.01. Regularization: per-batch
// L2 on the touched rows of the table (embedding_reg "batch", or "mba" for
// DIN's mini-batch aware form), λ = l2_emb, off by default; dense weights
// get the training configuration's weight_decay, if any.
type SeqBase struct {
	in  *seqInputs
	mlp *nn.MLP
	cfg SeqBaseConfig
	// x is the MLP's input, maxBatch × xw: slots, then each group's pool.
	x  []float32
	xw int
}

// SeqBaseConfig holds SeqBase's hyper-parameters.
type SeqBaseConfig struct {
	SeqConfig
}

func init() {
	Register(Info{
		Name:     "seqbase",
		Task:     TaskSequence,
		Summary:  "Embedding&MLP base model: behaviour history sum-pooled, concatenated with the other fields, MLP",
		Citation: "Zhou et al., Deep Interest Network for Click-Through Rate Prediction, KDD 2018 (the Base Model)",
		Config: func() any {
			return &SeqBaseConfig{SeqConfig{InitStd: 0.01, Hidden: []int{200, 80}, Activation: "prelu", EmbeddingReg: "batch"}}
		},
		New: func(env Env, cfg any) (Model, error) {
			return NewSeqBase(env, *cfg.(*SeqBaseConfig))
		},
		Footprint: footprintSeqBase,
	})
}

// NewSeqBase builds a SeqBase, or returns an error naming the bad setting
// or the sequence without a candidate. The table is drawn first, then the
// MLP.
func NewSeqBase(env Env, cfg SeqBaseConfig) (*SeqBase, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	in, rng, err := newSeqInputs("seqbase", env, cfg.SeqConfig)
	if err != nil {
		return nil, err
	}
	xw := in.fields * in.dim
	for _, g := range in.groups {
		xw += g.width
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	return &SeqBase{
		in: in, cfg: cfg, xw: xw,
		mlp: cfg.newMLP("seqbase.mlp", xw, env.MaxBatch, rng),
		x:   make([]float32, env.MaxBatch*xw),
	}, nil
}

// Forward returns the logits of b.
func (m *SeqBase) Forward(b *Batch) []float32 {
	n := b.N
	e := m.in.forward(b)
	fk := m.in.fields * m.in.dim
	x := m.x[:n*m.xw]
	for i := range n {
		row := x[i*m.xw : (i+1)*m.xw]
		copy(row[:fk], e[i*fk:(i+1)*fk])
		o := fk
		for _, g := range m.in.groups {
			pool := row[o : o+g.width]
			clear(pool)
			for q := range int(g.lens[i]) {
				for c, v := range g.hist[(i*g.steps+q)*g.width:][:g.width] {
					pool[c] += v
				}
			}
			o += g.width
		}
	}
	return m.mlp.Forward(x, n)
}

// Backward accumulates the gradients of the MLP and the table.
func (m *SeqBase) Backward(dout []float32) {
	in := m.in
	dx := m.mlp.Backward(dout)
	in.slotGrad(dx, m.xw)
	o := in.fields * in.dim
	for _, g := range in.groups {
		// Each real behaviour gets its row's pool gradient.
		dh := g.hist // reused as dL/dhist: the pool needs hist no more
		for i := range in.n {
			dp := dx[i*m.xw+o : i*m.xw+o+g.width]
			for q := range int(g.lens[i]) {
				copy(dh[(i*g.steps+q)*g.width:][:g.width], dp)
			}
		}
		in.histGrad(g, dh)
		o += g.width
	}
	in.backward()
}

// Parts returns one part, "all": the MLP and the table with its
// regularization.
func (m *SeqBase) Parts() []Part {
	return []Part{{Name: "all", Params: m.mlp.Params(), Tables: m.in.tables()}}
}

// SetTraining switches the MLP's Dice statistics (if any).
func (m *SeqBase) SetTraining(training bool) { m.mlp.SetTraining(training) }

// Buffers returns the Dice running statistics (none with PReLU or ReLU).
func (m *SeqBase) Buffers() []*nn.Param { return StatsBuffers("seqbase.mlp.dice", m.mlp.Stats()) }

// SetRowFrequencies sets the counts of the "mba" regularization (see
// RowFrequencyUser); with "batch" it only checks the length.
func (m *SeqBase) SetRowFrequencies(freq []uint32) error { return m.in.setRowFrequencies(freq) }

// RowFrequencyLayout returns the layout the counts index and whether the
// "mba" regularization reads them (see RowFrequencyUser).
func (m *SeqBase) RowFrequencyLayout() (Layout, bool) { return m.in.rowFrequencyLayout() }
