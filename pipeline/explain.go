package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
)

// Explanation is one scored row with the attention weights that produced
// its score: over the real elements of its behaviour histories (DIN, DIEN)
// or over its pairs of fields (AFM). It marshals as
//
//	{"score":0.73,"attention":[{"seq":"hist_item","pos":0,"id":12,"item":"123","weight":0.41},…]}
//	{"score":0.73,"pairs":[{"fields":["user","item"],"weight":0.12},…]}
type Explanation struct {
	// Score is the row's score (a probability for a binary task).
	Score float32
	// Attention holds the weights of the history elements, for models
	// attending over behaviour histories; padding is left out, so a row
	// without history has none.
	Attention []HistoryWeight
	// Pairs holds AFM's weights of the pairs of unpadded fields.
	Pairs []PairWeight
}

// HistoryWeight is the attention weight of one real element of a history.
// The elements of one behaviour (an item and its category) share the
// behaviour's weight.
type HistoryWeight struct {
	// Seq is the sequence field.
	Seq string `json:"seq"`
	// Pos is the element's index in the history as encoded, 0 the first
	// kept (the oldest), whichever side the padding is on.
	Pos int `json:"pos"`
	// ID is the element's global id.
	ID int32 `json:"id"`
	// Item is the raw value the id encodes, "<oov>" for an
	// out-of-vocabulary id, or empty when the table is hashed and the id
	// cannot be reversed.
	Item   string  `json:"item,omitempty"`
	Weight float32 `json:"weight"`
}

// PairWeight is AFM's attention weight of one pair of fields.
type PairWeight struct {
	Fields [2]string `json:"fields"`
	Weight float32   `json:"weight"`
}

// MarshalJSON writes the score with the attention (an empty list for a
// row without history) or, for AFM, with the pairs.
func (e Explanation) MarshalJSON() ([]byte, error) {
	if e.Pairs != nil {
		return json.Marshal(struct {
			Score float32      `json:"score"`
			Pairs []PairWeight `json:"pairs"`
		}{e.Score, e.Pairs})
	}
	att := e.Attention
	if att == nil {
		att = []HistoryWeight{}
	}
	return json.Marshal(struct {
		Score     float32         `json:"score"`
		Attention []HistoryWeight `json:"attention"`
	}{e.Score, att})
}

// historyAttention is a model whose weights of the last Forward are laid
// out as Batch.Seq: DIN and DIEN.
type historyAttention interface {
	Attention() (weights []float32, width int)
	Behaviour(c int) (seq, pos int)
}

// pairAttention is a model attending over pairs of fields: AFM.
type pairAttention interface {
	Attention() (weights []float32, pairs int)
	Pair(p int) (i, j int)
}

// Explainer turns a model's attention weights into Explanations.
type Explainer struct {
	m      model.Model
	layout model.Layout
	enc    *feature.Encoders
	tables []feature.Table
}

// NewExplainer returns the explainer of m, built from enc, or an error
// naming the model (name) when it has no attention weights to explain.
func NewExplainer(name string, m model.Model, enc *feature.Encoders) (*Explainer, error) {
	switch m.(type) {
	case historyAttention, pairAttention:
	default:
		return nil, fmt.Errorf("model %s has no attention weights to explain (DIN, DIEN and AFM have)", name)
	}
	return &Explainer{m: m, layout: model.NewLayout(enc), enc: enc, tables: enc.Tables()}, nil
}

// Rows appends to out one Explanation per row of b, whose Forward must be
// the model's last, with the rows' scores.
func (x *Explainer) Rows(out []Explanation, b *model.Batch, scores []float32) []Explanation {
	l := x.layout
	for i := range b.N {
		e := Explanation{Score: scores[i]}
		switch m := x.m.(type) {
		case historyAttention:
			w, width := m.Attention()
			e.Attention = []HistoryWeight{}
			for si, q := range l.Seqs {
				n := int(b.SeqLens[i*len(l.Seqs)+si])
				st := q.Offset + q.Start(n)
				for p := range n {
					c := st + p
					id := b.Seq[i*l.SeqLen+c]
					if id == 0 {
						continue // a missing element, masked as padding
					}
					item, _ := x.value(id)
					e.Attention = append(e.Attention, HistoryWeight{Seq: q.Field, Pos: p, ID: id, Item: item, Weight: w[i*width+c]})
				}
			}
		case pairAttention:
			w, pairs := m.Attention()
			f := len(l.Slots)
			e.Pairs = []PairWeight{}
			for p := range pairs {
				a, c := m.Pair(p)
				if b.IDs[i*f+a] == 0 || b.IDs[i*f+c] == 0 {
					continue // a padded field takes part in no pair
				}
				e.Pairs = append(e.Pairs, PairWeight{Fields: [2]string{l.Slots[a].Name, l.Slots[c].Name}, Weight: w[i*pairs+p]})
			}
		}
		out = append(out, e)
	}
	return out
}

// value returns the raw value global id encodes, when its table keeps a
// vocabulary ("<oov>" for an out-of-vocabulary id); hashed ids are not
// reversible.
func (x *Explainer) value(id int32) (string, bool) {
	for _, t := range x.tables {
		if id < t.Offset || id >= t.Offset+t.Size {
			continue
		}
		local := id - t.Offset
		if local < t.OOV {
			return "<oov>", true
		}
		if v := x.enc.Vocab(t.Name); v != nil && int(local-t.OOV) < v.Len() {
			return v.Tokens[local-t.OOV], true
		}
		return "", false
	}
	return "", false
}

// batchRecorder passes Forward on to its model and keeps the batch, which
// Score leaves intact until its emit returns.
type batchRecorder struct {
	model.Model
	last *model.Batch
}

func (r *batchRecorder) Forward(b *model.Batch) []float32 {
	r.last = b
	return r.Model.Forward(b)
}

// Explain scores the records of spec as Score does and calls emit with
// each batch's Explanations, in record order. A model without attention
// weights is an error naming it. Cancelling ctx stops it as it does Score.
func (l *Loaded) Explain(ctx context.Context, spec string, opts data.ReadOptions, emit func([]Explanation) error) (skipped int64, err error) {
	name := "(unnamed)"
	if l.Manifest != nil {
		name = l.Manifest.Model
	}
	x, err := NewExplainer(name, l.Model, l.Encoders)
	if err != nil {
		return 0, err
	}
	rec := &batchRecorder{Model: l.Model}
	lc := *l
	lc.Model = rec
	var out []Explanation
	return lc.Score(ctx, spec, opts, func(scores, _ []float32, _ []int64) error {
		out = x.Rows(out[:0], rec.last, scores)
		return emit(out)
	})
}
