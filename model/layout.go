package model

import (
	"fmt"

	"github.com/recforge/recforge/feature"
)

// Layout describes a model's inputs: the global id space of the embedding
// tables and what each slot of a Batch holds. It is derived from the fitted
// encoders, so a model built from an artifact's encoders reads exactly the
// rows its training read.
type Layout struct {
	// Rows is the size of the global id space (id 0 is padding).
	Rows int
	// Slots describes the IDs/Values entries of a row, in order.
	Slots []Slot
	// Tables are the embedding tables' id ranges.
	Tables []feature.Table
	// Seqs describes the sequences of a row; SeqLen is the total of their
	// maximum lengths (the width of Batch.Seq).
	Seqs   []feature.SeqSlot
	SeqLen int
}

// Slot is one categorical or numeric input of a row.
type Slot struct {
	// Name is the field's name.
	Name string
	// Table indexes Layout.Tables.
	Table int
	// Dim is the field's embedding width.
	Dim int
	// Source is user, item or context.
	Source feature.Source
	// Numeric is true for a plain numeric field: one id, its value the
	// normalized number.
	Numeric bool
}

// NewLayout derives the layout of the examples enc produces.
func NewLayout(enc *feature.Encoders) Layout {
	s := enc.Schema()
	fields := map[string]feature.Field{}
	for _, f := range s.Fields {
		fields[f.Name] = f
	}
	l := Layout{Rows: enc.Rows(), Tables: enc.Tables(), Seqs: enc.Sequences()}
	tableOf := map[string]int{}
	for i, t := range l.Tables {
		for _, f := range t.Fields {
			tableOf[f] = i
		}
	}
	for _, name := range enc.Slots() {
		f := fields[name]
		ti := tableOf[name]
		l.Slots = append(l.Slots, Slot{Name: name, Table: ti, Dim: l.Tables[ti].Dim, Source: f.Source,
			Numeric: f.Type == feature.Numeric && f.Normalizer != feature.CriteoLog2})
	}
	for _, q := range l.Seqs {
		l.SeqLen += q.MaxLen
	}
	return l
}

// Dim returns the embedding width every slot shares, or override when it
// is positive. Models with one embedding table over all fields (FM, DeepFM,
// PNN, …) call it; fields declaring different widths are an error unless
// the model overrides them.
func (l Layout) Dim(override int) (int, error) {
	if override > 0 {
		return override, nil
	}
	if override < 0 {
		return 0, fmt.Errorf("embedding_dim = %d, want ≥ 0", override)
	}
	d := 0
	for _, s := range l.Slots {
		if d == 0 {
			d = s.Dim
		} else if s.Dim != d {
			return 0, fmt.Errorf("fields %q and %q have embedding widths %d and %d; this model needs one width (set embedding_dim)", l.Slots[0].Name, s.Name, d, s.Dim)
		}
	}
	for _, q := range l.Seqs {
		for _, t := range l.Tables {
			for _, f := range t.Fields {
				if f == q.Field && d != 0 && t.Dim != d {
					return 0, fmt.Errorf("sequence %q has embedding width %d, other fields %d; this model needs one width (set embedding_dim)", q.Field, t.Dim, d)
				}
			}
		}
	}
	if d == 0 {
		return 0, fmt.Errorf("the schema has no embedded field")
	}
	return d, nil
}
