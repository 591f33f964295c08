package model

import (
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Batch is a mini-batch of encoded examples, row-major, in the layout of
// feature.Example: row i's ids are IDs[i*Slots:(i+1)*Slots] and so on.
// The slices are read-only to models.
type Batch struct {
	// N is the number of rows.
	N int
	// IDs and Values hold Layout.Slots entries per row. Values may be nil:
	// every value is then 1, as a categorical slot's is (a batch of data
	// without numeric slots, whose lookups then skip the multiplications).
	IDs    []int32
	Values []float32
	// Seq holds Layout.SeqLen ids per row; SeqLens Layout.Seqs lengths.
	Seq     []int32
	SeqLens []int32
	// Label holds one target per row (nil when predicting).
	Label []float32
	// Group holds one group key per row (nil when absent).
	Group []int64
	// Whole, when not nil, is the batch these rows were cut from, at rows
	// [Offset, Offset+N) of it: one shard of a batch split for
	// data-parallel training (train.Stepper.Shard). A model whose training
	// loss couples a batch's rows reads the rest of the batch there, so
	// that its shards compute the whole batch's loss (DIEN's auxiliary
	// loss: a mean over the whole batch, negatives drawn from all its
	// rows); other models ignore it.
	Whole *Batch
	// Offset is the row of Whole at which these rows begin.
	Offset int
}

// Model is a trainable model. Forward and Backward alternate: Backward
// consumes the state of the latest Forward.
type Model interface {
	// Forward returns one output per row of b: a logit for a binary task,
	// the prediction for regression. The slice is owned by the model and
	// valid until the next Forward.
	// It panics on a batch that does not fit the model's layout (ids
	// outside their tables): check a batch built from data the caller does
	// not control with Layout.CheckBatch.
	Forward(b *Batch) []float32
	// Backward takes the loss gradient with respect to the outputs of the
	// latest Forward and accumulates every parameter's gradient. It may
	// overwrite dout.
	Backward(dout []float32)
	// Parts lists the model's parameters by optimizer part. Most models
	// have one part; Wide&Deep has "wide" and "deep".
	Parts() []Part
	// SetTraining switches dropout and batch statistics between training
	// (true) and inference.
	SetTraining(training bool)
}

// Part is a set of parameters optimized together.
type Part struct {
	// Name identifies the part in configuration ("all", "wide", "deep").
	Name string
	// Params are the dense parameters; Tables the embedding tables, each
	// with its regularization.
	Params []*nn.Param
	Tables []PartTable
	// Optimizer is the part's default optimizer, or nil for the
	// training configuration's default.
	Optimizer *optim.Spec
}

// PartSpec is the optimizer a part named name trains with: the
// configuration's spec of its name (overrides), else the part's own
// default (own, nil for none), else the configuration's default (def).
// The trainer and the memory estimate both choose by it.
func PartSpec(name string, own *optim.Spec, def optim.Spec, overrides map[string]optim.Spec) optim.Spec {
	if s, ok := overrides[name]; ok {
		return s
	}
	if own != nil {
		return *own
	}
	return def
}

// PartTable is an embedding table of a Part.
type PartTable struct {
	Table *nn.Table
	Reg   optim.TableReg
}

// Params lists every dense parameter of m, part by part.
func Params(m Model) []*nn.Param {
	var ps []*nn.Param
	for _, p := range m.Parts() {
		ps = append(ps, p.Params...)
	}
	return ps
}

// Tables lists every embedding table of m, part by part, each once.
func Tables(m Model) []*nn.Table {
	var ts []*nn.Table
	seen := map[*nn.Table]bool{}
	for _, p := range m.Parts() {
		for _, t := range p.Tables {
			if !seen[t.Table] {
				seen[t.Table] = true
				ts = append(ts, t.Table)
			}
		}
	}
	return ts
}
