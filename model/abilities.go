package model

import (
	"iter"

	"github.com/recforge/recforge/nn"
)

// The optional abilities of a Model, all declared here. A model implements
// the ones it needs; the trainer (train.Fit), the artifact writer and the
// scorers honour each of them for every model, so that no caller has to
// know which model it holds.

// Reseeder is implemented by models with randomness in training (dropout):
// the trainer reseeds them at the start of every epoch so that a run
// resumed from a checkpoint draws the same masks as an uninterrupted one.
type Reseeder interface {
	Reseed(seed uint64)
}

// Stateful is implemented by models holding state that gradients do not
// train but a trained model needs — BatchNorm's running statistics. The
// trainer checkpoints it and artifacts carry it with the weights.
type Stateful interface {
	// Buffers lists that state as parameters whose W aliases the live
	// values (G is nil): loading into W restores the state.
	Buffers() []*nn.Param
}

// RowFrequencyUser is implemented by models whose regularization reads how
// often each embedding row occurs in the training data: DIN's mini-batch
// aware regularization, λ/n_r on a touched row r. The trainer (train.Fit)
// counts the training rows once before the first epoch, batch by batch with
// CountRowFrequencies in the layout RowFrequencyLayout returns, and calls
// SetRowFrequencies; until then every row counts once, which is plain
// per-batch L2.
type RowFrequencyUser interface {
	// RowFrequencyLayout returns the layout the counts index and whether
	// the regularization reads them: false (embedding_reg "batch", or
	// λ = 0) spares the trainer the counting pass.
	RowFrequencyLayout() (l Layout, used bool)
	// SetRowFrequencies takes one count per row of the layout; an error
	// says the length is wrong.
	SetRowFrequencies(freq []uint32) error
}

// AuxLosser is implemented by models that add an auxiliary loss of their
// own to the objective in Backward, as DIEN's interest extractor does; the
// trainer reports its mean over an epoch's batches beside the training loss.
type AuxLosser interface {
	// AuxLoss returns the auxiliary loss of the last training-mode
	// Forward, before its weight.
	AuxLoss() float64
	// HasAuxLoss reports whether the model computes one at all (DIEN at
	// aux_alpha 0 does not).
	HasAuxLoss() bool
}

// Pretrainer is implemented by models trained in stages, as FNN is (an FM
// first) and NeuMF (a GMF and an MLP): the trainer first fits each stage's
// model on the same examples, in order, then calls init, which initializes
// this model from the fitted ones, and only then trains this model. A run
// resumed from a checkpoint skips the stages: the checkpoint already holds
// the initialized weights.
type Pretrainer interface {
	// Pretraining returns the stages and init; no stages (nil) when the
	// model is configured without pretraining.
	Pretraining() (stages []Stage, init func() error)
}

// Stage is one model a Pretrainer trains before itself.
type Stage struct {
	// Name identifies the stage ("fm", "gmf", "mlp"): a training run may
	// give a stage settings of its own under this name.
	Name string
	// Model is the stage's fresh model, over the same layout.
	Model Model
}

// Objective is implemented by models that compute their own training loss
// instead of the task's loss on Forward's outputs: AutoRec's squared error
// summed over the observed ratings of each input vector plus its share of
// the L2 penalty, biased MF's ½Σe² (its SGD steps are the gradient of that
// sum, as Funk and Koren write them). In training the trainer calls Loss
// after Forward, in place of the task's loss, and passes dout to Backward,
// which adds the gradient of any penalty Loss counted.
//
// On shards (train.Stepper.Shard) each replica's Loss sees its shard's rows
// only, and the trainer sums the shards' losses and gradients: a penalty's
// share must therefore add up over disjoint parts of a batch (AutoRec's is
// proportional to the batch's vectors, which a RowGrouper's shards split
// whole), or be added by one shard alone (ShardTrainer).
type Objective interface {
	// Loss returns the loss of the latest Forward on b, summed over the
	// batch (its share of a penalty included), and writes its gradient
	// with respect to each output into dout (len b.N).
	Loss(b *Batch, out, dout []float32) float64
}

// DataFitter is implemented by models that read their training examples
// as a whole before gradient training, for state that gradients do not
// learn: the training mean and rating range a rating model falls back on
// and clips to, which ids have ratings, AutoRec's rating matrix (its input
// vectors). The trainer calls FitData once before the first epoch with
// every training example, in order; what it sets must be Buffers (or
// initialized parameters), since a run resumed from a checkpoint skips it
// and an artifact is loaded without it.
type DataFitter interface {
	FitData(examples iter.Seq[*Batch]) error
}

// ClosedForm is implemented by models fitted in closed form from their
// training examples, without gradients: ItemPop's counts, the rating
// baseline's alternating bias passes. The trainer calls FitClosedForm once
// with every training example, in order, in place of epochs of gradient
// steps, and evaluates the result once; a fit that needs several passes
// ranges over examples several times. The fitted values must be Buffers,
// so that artifacts carry them.
type ClosedForm interface {
	FitClosedForm(examples iter.Seq[*Batch]) error
}

// ItemScorer is implemented by models of a (user, item) layout that score
// many items for one user faster than Forward over the same rows, sharing
// the user's part of the work (the ranking models: one matrix product for
// a user's whole catalogue). The ranking evaluators (leave-one-out, full
// ranking) and recommendation use it when a model has it, Forward
// otherwise.
type ItemScorer interface {
	// ScoreItems writes into scores[k] the output Forward gives the row
	// (user, items[k]), equal up to float32 rounding (sums may run in
	// another order); user and items are layout ids, as in Batch.IDs.
	ScoreItems(user int32, items []int32, scores []float32)
}

// RowGrouper is implemented by models whose training example is a group of
// rows sharing the id of one slot: AutoRec's input vector is every rating
// of one item (I-AutoRec) or of one user (U-AutoRec). The trainer then
// shuffles and batches the groups, Config.Batch groups to a batch, and a
// batch holds all rows of its groups, group after group, each group's rows
// in the order of the source. A batch then has more rows than groups:
// MaxBatch bounds the groups. On shards, a batch is cut on group
// boundaries, each shard a run of whole groups.
type RowGrouper interface {
	// GroupSlot returns the slot whose id groups the rows.
	GroupSlot() int
}

// ShardTrainer is implemented by models whose training step must know that
// each batch is split into shards, trained at once by replicas that share
// the weights (train.Config.Shards > 1), because they add a term per batch
// rather than per row (AFM's attention L2), or cannot train that way at
// all. The trainer calls TrainShard on every replica before the first
// step: shard 0 is the model itself.
type ShardTrainer interface {
	// TrainShard tells the model that it trains shard i of n of every
	// batch, or returns why it cannot train on shards.
	TrainShard(i, n int) error
}

// ShardReseeder is implemented by a Reseeder some of whose random draws
// belong to the batch rather than to a shard's rows (DIEN's negatives,
// drawn from the whole batch, see Batch.Whole): every replica training a
// shard must draw them as the model does. At the start of every epoch the
// trainer calls ReseedShard on each replica but the model, which it
// Reseeds, in place of Reseed: seed is the model's, shardSeed a stream of
// the replica's own (for dropout).
type ShardReseeder interface {
	// ReseedShard reseeds a replica at the start of an epoch: seed is the
	// one the model was reseeded with, shardSeed the replica's own.
	ReseedShard(seed, shardSeed uint64)
}
