package train

import (
	"context"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
)

// Source supplies a model's training examples, epoch by epoch, for Fit.
// The trainer owns their order: it shuffles each epoch's examples with its
// seed and asks the source for batches of them, so that every model family
// is shuffled, batched, checkpointed and resumed the same way. An encoded
// dataset view (Data) is a source; so is an interaction log with negatives
// drawn afresh every epoch, or a model's own rows (AutoRec's rating
// vectors).
type Source interface {
	// Epoch prepares epoch e (counting from 1) and returns how many
	// examples it holds. A source that draws its examples anew every epoch
	// draws them here, as a function of e alone, so that a resumed run sees
	// the examples an uninterrupted one saw.
	Epoch(e int) (int, error)
	// Batch gathers examples idx (indices into the current epoch's
	// examples) into a batch that the source owns and reuses on the next
	// call.
	Batch(idx []int32) *model.Batch
}

// Labeled is implemented by sources whose labels are known before
// training, so that Fit can tell a binary task from a regression when
// Config.Task is empty.
type Labeled interface {
	Labels() []float32
}

// Evaluator scores a model on held-out examples: Fit's validation after
// every epoch, and the test evaluation of a protocol runner. Each reports
// through a metric.Report carrying its protocol: a holdout (Holdout),
// leave-one-out against sampled negatives, full ranking.
type Evaluator interface {
	Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error)
}

// Holdout evaluates a model on the rows of an encoded dataset view with
// the task's metrics (Metrics), under the holdout protocol.
type Holdout struct {
	Data Data
	// Batch is the scoring batch size; 0 means 1024.
	Batch int
	// Grouped adds gAUC (the rows' groups) to a binary task's metrics.
	Grouped bool
}

// NewHoldout returns the holdout evaluator of d's rows, or nil (no
// evaluation) when d has none.
func NewHoldout(d Data, batch int, grouped bool) Evaluator {
	if d.Len() == 0 {
		return nil
	}
	return Holdout{Data: d, Batch: batch, Grouped: grouped}
}

// Evaluate scores h's rows with m.
func (h Holdout) Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error) {
	batch := h.Batch
	if batch <= 0 {
		batch = 1024
	}
	rep, _, err := Evaluate(ctx, m, h.Data, task, batch, h.Grouped, metric.ProtocolHoldout)
	return rep, err
}
