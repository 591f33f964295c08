package model

import (
	"math"
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

// checkModelGrad runs a whole-model finite-difference check of m on b
// under the sigmoid log loss: every dense parameter and every table.
// Tables must carry no optimizer state. Models with dropout or batch
// statistics should be put in a deterministic mode first.
func checkModelGrad(t *testing.T, m Model, b *Batch, opt nn.GradCheckOptions) {
	t.Helper()
	dl := make([]float32, b.N)
	loss := func() float64 {
		return nn.SigmoidLogLoss(dl, m.Forward(b), b.Label, nil)
	}
	backward := func() {
		zeroGrads(m)
		loss()
		m.Backward(dl)
	}
	var vars []nn.Var
	for _, p := range Params(m) {
		vars = append(vars, nn.ParamVar(p))
	}
	for _, tb := range Tables(m) {
		vars = append(vars, nn.TableVar(tb))
	}
	if err := nn.GradCheck(loss, backward, vars, opt); err != nil {
		t.Fatal(err)
	}
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

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
