package implicit

import (
	"github.com/recforge/recforge/data"
)

// ItemPop ranks items by their number of training interactions, the same
// for every user: the non-personalized floor every model must beat.
type ItemPop struct {
	// Count is each item's number of training rows.
	Count []float32
}

// NewItemPop counts the items of the given rows of in.
func NewItemPop(in data.Interactions, rows []int32) *ItemPop {
	p := &ItemPop{Count: make([]float32, in.NumItems)}
	for _, r := range rows {
		p.Count[in.Items[r]]++
	}
	return p
}

// Name returns "itempop".
func (p *ItemPop) Name() string { return "itempop" }

// Score writes each item's training count. Ties (equal counts) are ranked
// pessimistically by the protocols in train.
func (p *ItemPop) Score(_ int32, items []int32, scores []float32) {
	for k, it := range items {
		scores[k] = p.Count[it]
	}
}
