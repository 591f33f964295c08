package model

import (
	"errors"
	"fmt"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// tinyLayout is a layout of cats categorical fields (vocab ids each, dim
// k) followed by nums numeric fields: small enough for whole-model
// finite-difference checks.
func tinyLayout(cats, nums, vocab, k int) Layout {
	l := Layout{Rows: 1}
	for f := range cats + nums {
		size := vocab
		numeric := f >= cats
		if numeric {
			size = 1
		}
		name := string(rune('a' + f))
		l.Tables = append(l.Tables, feature.Table{Name: name, Offset: int32(l.Rows), Size: int32(size), Dim: k, Fields: []string{name}})
		l.Slots = append(l.Slots, Slot{Name: name, Table: f, Dim: k, Source: feature.Context, Numeric: numeric})
		l.Rows += size
	}
	return l
}

// policyLayout has state numeric fields of source user, then action
// numeric fields of source item: the inputs of DRN's Q-network.
func policyLayout(state, action int) Layout {
	l := tinyLayout(0, state+action, 1, 8)
	for i := range l.Slots {
		l.Slots[i].Source = feature.User
		if i >= state {
			l.Slots[i].Source = feature.Item
		}
	}
	return l
}

// tinyBatch draws n rows for l: random ids per categorical field (id 0,
// padding, now and then), numeric values in [-1, 1], random 0/1 labels.
func tinyBatch(l Layout, n int, seed uint64) *Batch {
	rng := nn.NewRand(seed)
	f := len(l.Slots)
	b := &Batch{N: n, IDs: make([]int32, n*f), Values: make([]float32, n*f), Label: make([]float32, n)}
	for i := range n {
		for j, s := range l.Slots {
			t := l.Tables[s.Table]
			b.IDs[i*f+j] = t.Offset + int32(rng.IntN(int(t.Size)))
			b.Values[i*f+j] = 1
			if s.Numeric {
				b.Values[i*f+j] = float32(rng.Float64()*2 - 1)
			} else if rng.IntN(8) == 0 {
				b.IDs[i*f+j] = 0
			}
		}
		b.Label[i] = float32(rng.IntN(2))
	}
	return b
}

// gradOpts tunes checkModelGrad.
type gradOpts struct {
	// Steps are the central-difference steps tried in turn; the check
	// passes at the first under which every element agrees. None: the
	// default step of nn.GradCheck.
	Steps []float64
	// Penalty, when set, is added to the loss: a regularization term whose
	// gradient the model's Backward includes.
	Penalty func() float64
}

// kinkSteps are the steps for models with ReLUs: a central difference
// that straddles a kink disagrees with the one-sided derivative however
// right the gradient is, and the tiny models have enough ReLUs for that to
// happen at some checked element. A right gradient agrees everywhere at
// one of two step sizes; a wrong one disagrees at both.
var kinkSteps = []float64{1e-3, 2e-4}

// checkModelGrad runs a whole-model finite-difference check of m on b
// under the sigmoid log loss (plus o.Penalty): every dense parameter and
// every table. Tables must carry no optimizer state. Models with dropout
// or batch statistics should be put in a deterministic mode first.
func checkModelGrad(t *testing.T, m Model, b *Batch, o gradOpts) {
	t.Helper()
	dl := make([]float32, b.N)
	loss := func() float64 {
		l := nn.SigmoidLogLoss(dl, m.Forward(b), b.Label, nil)
		if o.Penalty != nil {
			l += o.Penalty()
		}
		return l
	}
	backward := func() { lossGrad(m, b) }
	var vars []nn.Var
	for _, p := range Params(m) {
		vars = append(vars, nn.ParamVar(p))
	}
	for _, tb := range Tables(m) {
		vars = append(vars, nn.TableVar(tb))
	}
	steps := o.Steps
	if len(steps) == 0 {
		steps = []float64{0}
	}
	var errs []error
	for _, eps := range steps {
		err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Eps: eps})
		if err == nil {
			return
		}
		errs = append(errs, fmt.Errorf("step %g: %w", eps, err))
	}
	t.Fatal(errors.Join(errs...))
}

// lossGrad sets m's gradients to those of the mean log loss on b.
func lossGrad(m Model, b *Batch) {
	dl := make([]float32, b.N)
	zeroGrads(m)
	nn.SigmoidLogLoss(dl, m.Forward(b), b.Label, nil)
	m.Backward(dl)
}

// zeroGrads clears every gradient of m.
func zeroGrads(m Model) {
	for _, p := range Params(m) {
		p.ZeroGrad()
	}
	for _, tb := range Tables(m) {
		tb.ZeroGrad()
	}
}

// randomize fills every parameter and table of m with draws from
// N(0, std²) so that checks do not run at a special point (zeros).
func randomize(m Model, std float64, seed uint64) {
	rng := nn.NewRand(seed)
	for _, p := range Params(m) {
		nn.InitNormal(p.W, std, rng)
	}
	for _, tb := range Tables(m) {
		tb.InitNormal(std, rng)
	}
}
