package train

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// Stepper is the one training step of every model: forward, the task's
// loss and its gradient, backward, an optimizer step. Fit steps through
// it, and so does a learner that builds its batches as it goes, as DRN's
// replay updates do, so that both train by the same arithmetic.
type Stepper struct {
	m    model.Model
	opt  *optim.Optimizer
	task Task
	grad []float32
}

// NewStepper returns the step of m under opt for task (Binary: sigmoid log
// loss; Regression: squared error) on batches of up to maxBatch rows.
func NewStepper(m model.Model, opt *optim.Optimizer, task Task, maxBatch int) (*Stepper, error) {
	if task != Binary && task != Regression {
		return nil, fmt.Errorf("train: task %q, expected binary or regression", task)
	}
	return &Stepper{m: m, opt: opt, task: task, grad: make([]float32, max(maxBatch, 0))}, nil
}

// Step trains on b's rows against b.Label and returns the batch's mean
// loss. A loss that is not finite leaves the weights as they were and
// comes back with ErrDiverged.
func (s *Stepper) Step(b *model.Batch) (float64, error) {
	out := s.m.Forward(b)
	dl := s.grad[:b.N]
	var loss float64
	if s.task == Binary {
		loss = nn.SigmoidLogLoss(dl, out, b.Label, nil)
	} else {
		loss = nn.SquaredError(dl, out, b.Label, nil)
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, ErrDiverged
	}
	s.m.Backward(dl)
	s.opt.Step()
	return loss, nil
}
