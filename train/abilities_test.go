package train

import (
	"context"
	"iter"
	"math"
	"slices"
	"testing"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// rowsSource is a fixed set of rows of two slots (a group id, a feature
// id) with labels, recording the batches asked for.
type rowsSource struct {
	ids    []int32 // 2 per row
	labels []float32
	b      model.Batch
	epochs []int
}

func newRowsSource(groups []int32, labels []float32) *rowsSource {
	s := &rowsSource{labels: labels}
	for i, g := range groups {
		s.ids = append(s.ids, g, int32(i))
	}
	return s
}

func (s *rowsSource) Epoch(e int) (int, error) {
	s.epochs = append(s.epochs, e)
	return len(s.labels), nil
}

func (s *rowsSource) Batch(idx []int32) *model.Batch {
	s.b = model.Batch{N: len(idx)}
	for _, i := range idx {
		s.b.IDs = append(s.b.IDs, s.ids[2*i:2*i+2]...)
		s.b.Values = append(s.b.Values, 1, 1)
		s.b.Label = append(s.b.Label, s.labels[i])
	}
	return &s.b
}

// meanModel predicts one weight w for every row and records what it sees;
// its abilities are switched on by the wrappers below.
type meanModel struct {
	w        *nn.Param
	out      []float32
	batches  [][]int32 // the feature ids of each training batch
	training bool
	fitted   []float32 // FitData's or FitClosedForm's labels
	buf      *nn.Param // a buffer FitData sets
}

func newMeanModel() *meanModel {
	return &meanModel{w: nn.NewParam("w", 1), buf: &nn.Param{Name: "mean", W: make([]float32, 1)}}
}

func (m *meanModel) Forward(b *model.Batch) []float32 {
	if m.training {
		var f []int32
		for i := range b.N {
			f = append(f, b.IDs[2*i+1])
		}
		m.batches = append(m.batches, f)
	}
	m.out = m.out[:0]
	for range b.N {
		m.out = append(m.out, m.w.W[0])
	}
	return m.out
}

func (m *meanModel) Backward(dout []float32) {
	for _, g := range dout {
		m.w.G[0] += g
	}
}

func (m *meanModel) Parts() []model.Part {
	return []model.Part{{Name: "all", Params: []*nn.Param{m.w}}}
}

func (m *meanModel) SetTraining(t bool) { m.training = t }

func (m *meanModel) read(ex iter.Seq[*model.Batch]) {
	m.fitted = nil
	for b := range ex {
		m.fitted = append(m.fitted, b.Label[:b.N]...)
	}
}

// grouped trains on groups of rows by slot 0; closedForm is fitted as the
// mean of its labels; dataFitted keeps the training mean in a buffer;
// halfSquares computes the loss ½Σ(out−y)².
type (
	grouped     struct{ *meanModel }
	closedForm  struct{ *meanModel }
	dataFitted  struct{ *meanModel }
	halfSquares struct{ *meanModel }
)

func (grouped) GroupSlot() int { return 0 }

func (m closedForm) FitClosedForm(ex iter.Seq[*model.Batch]) error {
	m.read(ex)
	var s float32
	for _, y := range m.fitted {
		s += y
	}
	m.buf.W[0] = s / float32(len(m.fitted))
	m.w.W[0] = m.buf.W[0]
	return nil
}

func (m closedForm) Buffers() []*nn.Param { return []*nn.Param{m.buf} }

func (m dataFitted) FitData(ex iter.Seq[*model.Batch]) error {
	m.read(ex)
	m.buf.W[0] = float32(len(m.fitted))
	return nil
}

func (m dataFitted) Buffers() []*nn.Param { return []*nn.Param{m.buf} }

func (m halfSquares) Loss(b *model.Batch, out, dout []float32) float64 {
	var l float64
	for i, o := range out {
		e := o - b.Label[i]
		l += 0.5 * float64(e) * float64(e)
		dout[i] = e
	}
	return l
}

// rmseEval scores the rows of a source by RMSE.
type rmseEval struct{ src Source }

func (e rmseEval) Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error) {
	m.SetTraining(false)
	n, _ := e.src.Epoch(1)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	b := e.src.Batch(idx)
	return Metrics(task, slices.Clone(m.Forward(b)), b.Label, nil, metric.ProtocolHoldout)
}

func abilityConfig() Config {
	c := testConfig()
	c.Task = Regression
	c.Optimizer = optim.Spec{Rule: "sgd", LR: 0.1}
	c.Batch = 2
	c.Epochs = 2
	return c
}

// A RowGrouper's batches hold whole groups, in ascending order of the
// group id within a group's rows kept in source order; the trainer
// shuffles and batches groups, Batch of them at a time.
func TestFitBatchesGroupsOfRows(t *testing.T) {
	src := newRowsSource([]int32{7, 3, 7, 5, 3, 7, 9}, []float32{1, 2, 3, 4, 5, 6, 7})
	m := grouped{newMeanModel()}
	cfg := abilityConfig()
	if _, err := Fit(context.Background(), m, src, nil, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	groups := map[int32][]int32{3: {1, 4}, 5: {3}, 7: {0, 2, 5}, 9: {6}}
	for e := range 2 {
		batches := m.batches[2*e : 2*e+2] // 4 groups, 2 a batch
		var seen []int32
		for _, b := range batches {
			// Each batch is two whole groups, one after the other.
			k := 0
			for range 2 {
				g := src.ids[2*b[k]]
				want := groups[g]
				if !slices.Equal(b[k:k+len(want)], want) {
					t.Fatalf("epoch %d: batch %v does not hold group %d's rows %v at %d", e+1, b, g, want, k)
				}
				k += len(want)
			}
			if k != len(b) {
				t.Fatalf("epoch %d: batch %v holds more than two groups", e+1, b)
			}
			seen = append(seen, b...)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []int32{0, 1, 2, 3, 4, 5, 6}) {
			t.Errorf("epoch %d trained rows %v", e+1, seen)
		}
	}
}

// A ClosedForm model is fitted once on every training example, evaluated
// once, and runs no epochs; its validation metrics are the result's.
func TestFitClosedForm(t *testing.T) {
	src := newRowsSource([]int32{1, 1, 2}, []float32{1, 2, 6})
	m := closedForm{newMeanModel()}
	valid := rmseEval{newRowsSource([]int32{1}, []float32{5})}
	res, err := Fit(context.Background(), m, src, valid, abilityConfig(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.fitted, []float32{1, 2, 6}) || m.w.W[0] != 3 {
		t.Errorf("fitted on %v to %v", m.fitted, m.w.W[0])
	}
	if len(res.Epochs) != 0 || res.Stop != "closed_form" || len(m.batches) != 0 {
		t.Errorf("closed form ran %d epochs (%d batches), stop %q", len(res.Epochs), len(m.batches), res.Stop)
	}
	if res.Valid["rmse"] != 2 {
		t.Errorf("validation %v, want rmse 2", res.Valid)
	}
}

// A DataFitter reads every training example before the first epoch, and a
// resumed run does not call it (its state comes from the checkpoint).
func TestFitDataBeforeTraining(t *testing.T) {
	src := newRowsSource([]int32{1, 1, 2}, []float32{1, 2, 6})
	m := dataFitted{newMeanModel()}
	ckpt := t.TempDir() + "/ckpt"
	cfg := abilityConfig()
	cfg.Epochs = 1
	valid := rmseEval{newRowsSource([]int32{1}, []float32{5})}
	if _, err := Fit(context.Background(), m, src, valid, cfg, Options{Checkpoint: ckpt}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.fitted, []float32{1, 2, 6}) || m.buf.W[0] != 3 {
		t.Errorf("FitData read %v, set %v", m.fitted, m.buf.W[0])
	}
	r := dataFitted{newMeanModel()}
	cfg.Epochs = 2
	if _, err := Fit(context.Background(), r, src, valid, cfg, Options{Checkpoint: ckpt, Resume: true}); err != nil {
		t.Fatal(err)
	}
	if r.fitted != nil || r.buf.W[0] != 3 {
		t.Errorf("resumed: FitData read %v; buffer %v, want the checkpoint's 3", r.fitted, r.buf.W[0])
	}
}

// An Objective's loss and gradient replace the task's: with ½Σe², SGD at
// lr 0.1 on one batch of four rows moves w from 0 by 0.1·Σ(y − w) = 1,
// where the task's mean squared error would move it by 0.1·(2/4)·Σ = 0.5.
func TestFitUsesTheModelsObjective(t *testing.T) {
	src := newRowsSource([]int32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
	m := halfSquares{newMeanModel()}
	cfg := abilityConfig()
	cfg.Epochs, cfg.Batch = 1, 4
	res, err := Fit(context.Background(), m, src, nil, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.w.W[0] != 1 {
		t.Errorf("w = %v, want 1", m.w.W[0])
	}
	// The epoch's loss is the objective per row: ½(1+4+9+16)/4.
	if got := res.Epochs[0].TrainLoss; got != 3.75 {
		t.Errorf("train loss %v, want 3.75", got)
	}
}

// A full-batch rule gets every example of an epoch in one batch, in order,
// and a batch too small for them is an error.
func TestFitFullBatch(t *testing.T) {
	src := newRowsSource([]int32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
	m := newMeanModel()
	cfg := abilityConfig()
	cfg.Optimizer = optim.Spec{Rule: "rprop", LR: 0.5}
	cfg.Batch = 4
	cfg.Epochs = 3
	if _, err := Fit(context.Background(), m, src, nil, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	for e, b := range m.batches {
		if !slices.Equal(b, []int32{0, 1, 2, 3}) {
			t.Errorf("epoch %d batch %v", e+1, b)
		}
	}
	// iRprop− from w = 0 toward the mean 2.5: +0.5, +0.6, +0.72.
	if got := m.w.W[0]; math.Abs(float64(got)-1.82) > 1e-6 {
		t.Errorf("w = %v, want 1.82", got)
	}
	cfg.Batch = 3
	if _, err := Fit(context.Background(), newMeanModel(), src, nil, cfg, Options{}); err == nil {
		t.Error("a full-batch rule with batch 3 < 4 examples: no error")
	}
}

// L-BFGS stops the run when its line search can no longer move the
// weights: on a one-weight quadratic it reaches the minimum and stops
// early, as "converged".
func TestFitStopsWhenLBFGSConverges(t *testing.T) {
	src := newRowsSource([]int32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
	m := newMeanModel()
	cfg := abilityConfig()
	cfg.Optimizer = optim.Spec{Rule: "lbfgs", LR: 1}
	cfg.Batch = 4
	cfg.Epochs = 50
	res, err := Fit(context.Background(), m, src, nil, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != "converged" || len(res.Epochs) >= 50 {
		t.Errorf("stop %q after %d epochs", res.Stop, len(res.Epochs))
	}
	if math.Abs(float64(m.w.W[0])-2.5) > 1e-5 {
		t.Errorf("w = %v, want the mean 2.5", m.w.W[0])
	}
}
