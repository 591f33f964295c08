package model

import (
	"fmt"
	"strings"

	"github.com/recforge/recforge/internal/memlimit"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Footprint is a model's memory, estimated from its configuration and
// layout before anything is allocated, so that New can refuse a model that
// cannot fit. Counts are float64 so that absurd sizes (hidden widths of
// 10⁵, 10⁹ embedding rows) cannot overflow.
//
// Each registered model's Info.Footprint mirrors its constructor and the
// nn layers it builds; TestFootprintMatchesAllocation holds every model's
// estimate to what its constructor really allocates.
type Footprint struct {
	// Params counts the dense trainable weights; each has a gradient of
	// the same size.
	Params float64
	// TableWeights counts the embedding tables' weights (rows × dim) and
	// TableRows their rows (each with an int32 of bookkeeping).
	TableWeights, TableRows float64
	// Buffers counts the non-trainable state saved with the weights:
	// BatchNorm's and Dice's running statistics.
	Buffers float64
	// WorkBytes are the batch-sized buffers the model allocates:
	// activations, their gradients, indices.
	WorkBytes float64
	// GradBytes bound the embedding tables' sparse gradients in training:
	// one row per distinct id a batch looks up.
	GradBytes float64
	// BatchBytes are the buffers a batch of inputs is gathered into, by
	// the trainer or the scorer (New fills it in from the layout).
	BatchBytes float64
	// Parts splits Params and TableWeights by optimizer part, for a model
	// with several (Wide&Deep); nil means one part with the training
	// configuration's optimizer.
	Parts []PartFootprint
	// Pretrain is the footprint of a model trained first, alive beside
	// this one during its training (FNN's FM), or nil.
	Pretrain *Footprint

	maxBatch float64 // for the trainer's per-row buffers
}

// PartFootprint is the weights of one optimizer part.
type PartFootprint struct {
	Name                 string
	Params, TableWeights float64
	// Optimizer is the part's default optimizer (Part.Optimizer).
	Optimizer *optim.Spec
}

// Training says how a model is to be trained, for its footprint.
type Training struct {
	// Optimizer and Parts are the training configuration's rules: a part
	// takes Parts' spec of its name, else its own default, else Optimizer,
	// as PartSpec chooses. Each keeps its rule's state per
	// weight: Adam and FTRL two copies, Adagrad and SGD with momentum one.
	Optimizer optim.Spec
	Parts     map[string]optim.Spec
	// Checkpoint is set when a checkpoint is written after every epoch:
	// it is serialized in memory from the weights, the optimizer state and
	// the best epoch's weights.
	Checkpoint bool
}

// Usage is a footprint's bytes, by what holds them.
type Usage struct {
	// Weights: dense weights with their gradients, tables, buffers.
	Weights float64
	// State: the optimizer's; Best: the best epoch's copy of the weights;
	// Checkpoint: the serialized checkpoint.
	State, Best, Checkpoint float64
	// Work: activations, sparse gradients and batch buffers.
	Work float64
	// Pretraining is the peak while the first-stage model trains, when it
	// is above the rest (then the other fields describe that peak).
	Pretraining bool
}

// Total is the sum of u's parts.
func (u Usage) Total() float64 { return u.Weights + u.State + u.Best + u.Checkpoint + u.Work }

// Usage returns the estimated peak memory of the model: for scoring when t
// is nil, else while trained as t says.
func (f Footprint) Usage(t *Training) Usage {
	u := Usage{
		Weights: 4*(2*f.Params+f.TableWeights+f.Buffers) + 4*f.TableRows,
		Work:    f.WorkBytes + f.BatchBytes,
	}
	if t == nil {
		return u
	}
	// The trainer's and the evaluator's batches, the loss gradient and the
	// row indices.
	u.Work += f.GradBytes + f.BatchBytes + 8*f.maxBatch
	var state float64
	for _, p := range f.parts() {
		spec := PartSpec(p.Name, p.Optimizer, t.Optimizer, t.Parts)
		slots := 0
		if r, err := spec.NewRule(); err == nil {
			slots = len(r.Slots())
		}
		state += 4 * float64(slots) * (p.Params + p.TableWeights)
	}
	u.State = state
	u.Best = 4 * (f.Params + f.Buffers + f.TableWeights)
	if t.Checkpoint {
		// Weights, tables with their state, dense state and the best copy.
		u.Checkpoint = 2*u.Best + state
	}
	if f.Pretrain != nil {
		pre := f.Pretrain.Usage(&Training{Optimizer: t.Optimizer, Parts: t.Parts})
		pre.Weights += u.Weights
		pre.Work += f.WorkBytes
		if pre.Total() > u.Total() {
			pre.Pretraining = true
			return pre
		}
	}
	return u
}

// String describes u for an error message.
func (u Usage) String() string {
	var parts []string
	add := func(what string, v float64) {
		if v > 0 {
			parts = append(parts, what+" "+memlimit.Format(v))
		}
	}
	add("weights and gradients", u.Weights)
	add("optimizer state", u.State)
	add("best-epoch copy", u.Best)
	add("checkpoint", u.Checkpoint)
	add("activations and batches", u.Work)
	s := strings.Join(parts, ", ")
	if u.Pretraining {
		s = "while pretraining: " + s
	}
	return s
}

func (f Footprint) parts() []PartFootprint {
	if f.Parts != nil {
		return f.Parts
	}
	return []PartFootprint{{Name: "all", Params: f.Params, TableWeights: f.TableWeights}}
}

// Estimate returns the footprint of model name with hyper-parameters
// params (JSON over the defaults, as New takes them) in env, without
// building it.
func Estimate(name string, params []byte, env Env) (Footprint, error) {
	cfg, _, err := ResolveConfig(name, params)
	if err != nil {
		return Footprint{}, err
	}
	return estimate(registry[name], env, cfg), nil
}

func estimate(info Info, env Env, cfg any) Footprint {
	f := info.Footprint(env, cfg)
	l, B := env.Layout, pos(env.MaxBatch)
	// The batch buffers of train's batcher and of the scorers: ids and
	// values per slot, the sequences and their lengths, label and group.
	f.BatchBytes = B * (8*float64(len(l.Slots)) + 4*pos(l.SeqLen) + 4*float64(len(l.Seqs)) + 12)
	f.maxBatch = B
	if f.Pretrain != nil {
		f.Pretrain.BatchBytes, f.Pretrain.maxBatch = f.BatchBytes, B
	}
	return f
}

// checkMemory refuses a model whose estimated footprint is above
// env.MemoryLimit (0: memlimit.Limit()).
func checkMemory(info Info, env Env, cfg any) error {
	limit, source := env.MemoryLimit, "Env.MemoryLimit"
	if limit < 0 {
		return nil
	}
	if limit == 0 {
		var err error
		if limit, source, err = memlimit.Limit(); err != nil {
			return err
		}
		if limit < 0 {
			return nil
		}
	}
	u := estimate(info, env, cfg).Usage(env.Training)
	if u.Total() <= float64(limit) {
		return nil
	}
	what := "to score"
	if env.Training != nil {
		what = "to train"
	}
	return fmt.Errorf("needs an estimated %s %s at batch %d (%s), more than the %s available (%s); lower its sizes (hidden widths, embedding_dim), the batch, or the vocabulary (hash_buckets, min_count)",
		memlimit.Format(u.Total()), what, env.MaxBatch, u, memlimit.Format(float64(limit)), source)
}

// The estimators below mirror the constructors of this package and of nn,
// layer by layer: acc adds what each allocates.

// acc accumulates a footprint.
type acc struct{ Footprint }

// pos returns n as a float64, negative sizes (an invalid configuration,
// which the constructor then refuses) as 0.
func pos(n int) float64 { return float64(max(n, 0)) }

func (a *acc) param(n float64)   { a.Params += n }
func (a *acc) f32(n float64)     { a.WorkBytes += 4 * n }
func (a *acc) i32(n float64)     { a.WorkBytes += 4 * n }
func (a *acc) f64(n float64)     { a.WorkBytes += 8 * n }
func (a *acc) buffers(n float64) { a.Buffers += n }

// table is nn.NewTable(rows, dim): rows×dim weights and a slot per row; in
// training, a gradient row (dim floats and an int32) per distinct id of
// the lookups a batch makes.
func (a *acc) table(rows, dim, lookups float64) {
	a.TableWeights += rows * dim
	a.TableRows += rows
	a.GradBytes += 4 * (dim + 1) * min(rows, lookups)
}

// dense is nn.NewDense.
func (a *acc) dense(in, out, B float64) {
	a.param(in*out + out)
	a.f32(B*out + B*in)
}

// elementwise is nn.NewReLU, NewSigmoid and NewTanh.
func (a *acc) elementwise(w, B float64) { a.f32(2 * B * w) }

// batchStats is nn's BatchStats: running mean and variance, the batch
// count, and four float64 accumulators.
func (a *acc) batchStats(w float64) {
	a.buffers(2*w + 1)
	a.f64(4 * w)
}

func (a *acc) batchNorm(w, B float64) {
	a.param(2 * w)
	a.batchStats(w)
	a.f32(3 * B * w)
}

func (a *acc) dropout(w, B float64) { a.f32(3 * B * w) }

func (a *acc) prelu(w, B float64) {
	a.param(w)
	a.f32(2 * B * w)
}

func (a *acc) dice(w, B float64) {
	a.batchStats(w)
	a.param(w)
	a.f32(5 * B * w)
	a.f64(w)
}

// fieldEmbedding is nn.NewFieldEmbedding over fields fields of width dim.
func (a *acc) fieldEmbedding(fields, dim, B float64) { a.f32(B*fields*dim + 2*B*fields) }

// pairs is nn.NumPairs.
func pairs(fields float64) float64 { return fields * (fields - 1) / 2 }

// layerTail is newLayerTail.
func (a *acc) layerTail(w float64, batchNorm bool, act nn.Activation, dropout float64, B float64) {
	if batchNorm {
		a.batchNorm(w, B)
	}
	if act != nn.ActNone {
		a.elementwise(w, B)
	}
	if dropout > 0 {
		a.dropout(w, B)
	}
}

// denseTower is newDenseTower; it returns the output width.
func (a *acc) denseTower(in float64, hidden []int, act nn.Activation, batchNorm bool, dropout float64, B float64) float64 {
	tailAct := nn.ActNone
	if batchNorm {
		tailAct = act
	}
	for _, w := range hidden {
		a.dense(in, pos(w), B)
		a.layerTail(pos(w), batchNorm, tailAct, dropout, B)
		in = pos(w)
	}
	return in
}

// mlp is nn.NewMLP over in inputs (cfg.In is not read).
func (a *acc) mlp(cfg nn.MLPConfig, in, B float64) {
	for _, w := range cfg.Hidden {
		out := pos(w)
		a.dense(in, out, B)
		if cfg.BatchNorm {
			a.batchNorm(out, B)
		}
		switch {
		case cfg.Learned == nn.LearnedPReLU:
			a.prelu(out, B)
		case cfg.Learned == nn.LearnedDice:
			a.dice(out, B)
		case cfg.BatchNorm && cfg.Activation != nn.ActNone:
			a.elementwise(out, B)
		}
		if cfg.Dropout > 0 {
			a.dropout(out, B)
		}
		in = out
	}
	if cfg.Out > 0 {
		a.dense(in, pos(cfg.Out), B)
	}
}

// linear is newLinear.
func (a *acc) linear(l Layout, B float64) {
	F := float64(len(l.Slots))
	a.table(pos(l.Rows), 1, B*F)
	a.param(1)
	a.fieldEmbedding(F, 1, B)
	a.f32(B + B*F)
}

// fmBase is newFMBase; it returns the embedding width, 0 when the
// configuration is invalid (the constructor reports it).
func (a *acc) fmBase(env Env, embeddingDim int) float64 {
	l, B := env.Layout, pos(env.MaxBatch)
	dim, err := l.Dim(embeddingDim)
	if err != nil || len(l.Slots) == 0 {
		return 0
	}
	F, k := float64(len(l.Slots)), pos(dim)
	a.table(pos(l.Rows), k, B*F)
	a.linear(l, B)
	a.fieldEmbedding(F, k, B)
	a.f32(B)
	return k
}

// stackedInput is newStackedInput; it returns the output width.
func (a *acc) stackedInput(l Layout, embeddingDim int, B float64) float64 {
	var cats []Slot
	nums := 0
	for _, s := range l.Slots {
		if s.Numeric {
			nums++
		} else {
			cats = append(cats, s)
		}
	}
	var dim float64
	c := float64(len(cats))
	if len(cats) > 0 {
		d, err := Layout{Slots: cats, Tables: l.Tables}.Dim(embeddingDim)
		if err != nil {
			return 0
		}
		dim = pos(d)
		a.table(pos(l.Rows), dim, B*c)
		a.fieldEmbedding(c, dim, B)
	}
	width := c*dim + float64(nums)
	if nums > 0 {
		a.i32(B * c)
		a.f32(B*c + B*width + B*c*dim)
	}
	return width
}

// seqInputs is newSeqInputs; it returns the groups (nil when the layout
// does not fit, which the constructor reports) and the embedding width.
func (a *acc) seqInputs(env Env, cfg SeqConfig) ([]*seqGroup, float64) {
	l, B := env.Layout, pos(env.MaxBatch)
	dim, err := l.Dim(cfg.EmbeddingDim)
	if err != nil || len(l.Seqs) == 0 {
		return nil, 0
	}
	groups, err := pairSequences(l, dim)
	if err != nil {
		return nil, 0
	}
	for _, g := range groups {
		rows, w := B*pos(g.steps), pos(g.width)
		a.f32(rows*w + B*w)
		a.i32(B + B*float64(len(g.seqs)) + rows)
	}
	F, k := float64(len(l.Slots)), pos(dim)
	a.table(pos(l.Rows), k, B*(F+pos(l.SeqLen)))
	a.fieldEmbedding(F, k, B)
	a.f32(B * F * k)
	if cfg.L2Emb > 0 && cfg.EmbeddingReg == "mba" {
		a.i32(pos(l.Rows)) // the row frequencies
	}
	return groups, k
}

// gru is nn.NewGRU.
func (a *acc) gru(in, H, B, L float64) {
	a.param(in*3*H + H*3*H + 3*H + H)
	rows := B * L
	a.f32(3*rows*in + 2*rows*3*H + 3*rows*H + 2*B*H + B*3*H + H)
	a.WorkBytes += 8 * (2*B + 3*L + 2) // the sequence packing's ints
}
