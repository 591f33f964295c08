package train

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Stepper is the one training step of every model: forward, the loss and
// its gradient, backward, an optimizer step. Fit steps through it, and so
// does a learner that builds its batches as it goes, as DRN's replay
// updates do, so that both train by the same arithmetic.
type Stepper struct {
	m         model.Model
	opt       *optim.Optimizer
	task      Task
	objective model.Objective // nil: the task's loss
	grad      []float32
	par       *shardSet // nil: one shard (Shard)
	repBatch  int       // the most rows (groups) a replica's shard may hold
}

// NewStepper returns the step of m under opt for task (Binary: sigmoid log
// loss; Regression: squared error; a model.Objective computes its own) on
// batches of up to maxBatch rows (more grow the buffers).
func NewStepper(m model.Model, opt *optim.Optimizer, task Task, maxBatch int) (*Stepper, error) {
	if task != Binary && task != Regression {
		return nil, fmt.Errorf("train: task %q, expected binary or regression", task)
	}
	objective, _ := m.(model.Objective)
	return &Stepper{m: m, opt: opt, task: task, objective: objective, grad: make([]float32, max(maxBatch, 0))}, nil
}

// Step trains on b and returns the batch's mean loss per row: the model's
// own for a model.Objective, else the task's against b.Label. The
// optimizer takes the loss as a function (optim.Optimizer.StepWith), so
// that a rule that evaluates it at several points (L-BFGS's line search)
// does so through the same forward and backward passes. A loss that is
// not finite leaves the weights as they were and comes back with
// ErrDiverged; a rule that can no longer move the weights returns
// optim.ErrNoProgress.
func (s *Stepper) Step(b *model.Batch) (float64, error) {
	if len(s.grad) < b.N { // groups of rows (model.RowGrouper)
		s.grad = make([]float32, b.N)
	}
	dl := s.grad[:b.N]
	if s.par != nil {
		return s.stepShards(b, dl)
	}
	loss, err := s.opt.StepWith(func() float64 {
		out := s.m.Forward(b)
		var loss float64
		switch {
		case s.objective != nil:
			loss = s.objective.Loss(b, out, dl)
		case s.task == Binary:
			loss = nn.SigmoidLogLoss(dl, out, b.Label, nil)
		default:
			loss = nn.SquaredError(dl, out, b.Label, nil)
		}
		if !math.IsNaN(loss) && !math.IsInf(loss, 0) {
			s.m.Backward(dl)
		}
		return loss
	})
	if err != nil {
		return loss, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, ErrDiverged
	}
	if s.objective != nil {
		loss /= float64(b.N) // Objective.Loss sums over the batch
	}
	return loss, nil
}

// stepShards is Step over the shards of b (see Shard).
func (s *Stepper) stepShards(b *model.Batch, dl []float32) (float64, error) {
	if err := s.par.cut(b, s.repBatch); err != nil {
		return math.NaN(), err
	}
	var finite bool
	loss, err := s.opt.StepWith(func() float64 {
		sum := s.par.run(b, dl, s.task)
		finite = !math.IsNaN(sum) && !math.IsInf(sum, 0)
		if finite {
			s.par.reduce()
		}
		if b.N == 0 || s.objective != nil {
			// The optimizer sees a model.Objective's sum, as on one shard.
			return sum
		}
		return sum * (1 / float64(b.N))
	})
	if !finite {
		// Some shards' gradients may have accumulated: a step that is not
		// taken leaves none behind, as one shard's does.
		s.par.zero()
		s.opt.ZeroGrad()
	}
	if err != nil {
		return loss, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, ErrDiverged
	}
	if s.objective != nil && b.N > 0 {
		loss /= float64(b.N) // Objective.Loss sums over the batch
	}
	return loss, nil
}

// auxLoss returns the auxiliary loss (model.AuxLosser) of the last step:
// aux's, the model's, or on shards the sum of the shards' parts.
func (s *Stepper) auxLoss(aux model.AuxLosser) float64 {
	if s.par != nil {
		return s.par.auxLoss()
	}
	return aux.AuxLoss()
}

// beginEpoch readies the replicas of a sharded stepper for an epoch
// whose model was reseeded with seed and put in training mode (see
// shardSet.beginEpoch); it does nothing on one shard.
func (s *Stepper) beginEpoch(seed uint64) {
	if s.par != nil {
		s.par.beginEpoch(seed)
	}
}
