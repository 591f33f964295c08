package model

import (
	"iter"
	"math"

	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/tune"
)

// ItemPop ranks items by their number of training positives, the same for
// every user: the non-personalized floor every ranking model must beat. It
// has no gradient: it is fitted in closed form (ClosedFormFitter) by
// counting the positives (label 1) c_i of each item among the training
// examples, P in all, and outputs the log-odds
//
//	logit_i = ln((c_i + 1) / (P − c_i + 1))
//
// so that σ(logit_i) = (c_i + 1) / (P + 2), the add-one smoothed share of
// the training positives that are item i: a probability like the other
// models' outputs, and strictly increasing in c_i, so that it ranks as the
// counts do (ties, equal counts, included). An item unseen in training
// (its OOV id) counts 0. The logits are a buffer (Stateful), saved with the
// artifact. It has no options and reads a (user, item) layout (see
// useritem.go).
type ItemPop struct {
	pair userItem
	// Logit holds logit_i by item table row.
	Logit *nn.Param

	logits []float32
}

// ItemPopConfig is ItemPop's (empty) hyper-parameter set.
type ItemPopConfig struct{}

func init() {
	Register(Info{
		Name:     "itempop",
		Task:     TaskRanking,
		Summary:  "ItemPop: ranks items by their training popularity, the same for every user (no training)",
		Citation: "He, Liao, Zhang, Nie, Hu, Chua, Neural Collaborative Filtering, WWW 2017 (its popularity baseline)",
		Config:   func() any { return &ItemPopConfig{} },
		New: func(env Env, _ any) (Model, error) {
			return NewItemPop(env)
		},
		Footprint: footprintItemPop,
		Space:     tune.Space{}, // nothing to tune: a count
	})
}

// NewItemPop builds an unfitted ItemPop, every item counted 0.
func NewItemPop(env Env) (*ItemPop, error) {
	pair, err := newUserItem(env.Layout)
	if err != nil {
		return nil, err
	}
	n := int(pair.items.Size)
	m := &ItemPop{pair: pair, logits: make([]float32, env.MaxBatch)}
	m.Logit = &nn.Param{Name: "itempop.logit", Shape: []int{n}, W: make([]float32, n)}
	m.setCounts(make([]float64, n), 0)
	return m, nil
}

// FitClosedForm counts the positives of every item in one pass over the
// training examples (see ClosedForm).
func (m *ItemPop) FitClosedForm(examples iter.Seq[*Batch]) error {
	counts := make([]float64, len(m.Logit.W))
	var total float64
	for b := range examples {
		for k := range b.N {
			if b.Label[k] == 1 {
				counts[row(&m.pair.items, b.IDs[2*k+m.pair.item])]++
				total++
			}
		}
	}
	m.setCounts(counts, total)
	return nil
}

// setCounts sets the logits of counts c_i out of total positives.
func (m *ItemPop) setCounts(counts []float64, total float64) {
	for i, c := range counts {
		m.Logit.W[i] = float32(math.Log(c+1) - math.Log(total-c+1))
	}
}

// Forward returns each row's item logit.
func (m *ItemPop) Forward(b *Batch) []float32 {
	out := m.logits[:b.N]
	for k := range b.N {
		out[k] = m.Logit.W[row(&m.pair.items, b.IDs[2*k+m.pair.item])]
	}
	return out
}

// Backward does nothing: ItemPop has no trained weights.
func (m *ItemPop) Backward([]float32) {}

// ScoreItems writes every item's logit (see ItemScorer).
func (m *ItemPop) ScoreItems(_ int32, items []int32, scores []float32) {
	for k, id := range items {
		scores[k] = m.Logit.W[row(&m.pair.items, id)]
	}
}

// Parts returns none: ItemPop has nothing for an optimizer.
func (m *ItemPop) Parts() []Part { return nil }

// SetTraining does nothing.
func (m *ItemPop) SetTraining(bool) {}

// Buffers returns the logits (see Stateful).
func (m *ItemPop) Buffers() []*nn.Param { return []*nn.Param{m.Logit} }

var (
	_ ClosedForm = (*ItemPop)(nil)
	_ ItemScorer = (*ItemPop)(nil)
	_ Stateful   = (*ItemPop)(nil)
)
