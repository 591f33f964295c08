package model

import (
	"fmt"

	"github.com/recforge/recforge/feature"
)

// CheckBatch checks that b fits the layout: buffers long enough for its N
// rows, every slot's id 0 or one of its table's, every sequence's length
// within its maximum and its ids 0 or its table's. Forward panics on a
// batch that does not fit, a programming error as in nn; a caller that
// builds batches from data it does not control checks them first, and gets
// an error naming the row, the field and the id.
func (l Layout) CheckBatch(b *Batch) error {
	f, q, ns := len(l.Slots), l.SeqLen, len(l.Seqs)
	n := b.N
	if n < 0 || len(b.IDs) < n*f || (b.Values != nil && len(b.Values) < n*f) || len(b.Seq) < n*q || len(b.SeqLens) < n*ns {
		return fmt.Errorf("model: a batch of %d rows has %d ids, %d values, %d sequence ids and %d lengths, want %d, %d, %d and %d",
			n, len(b.IDs), len(b.Values), len(b.Seq), len(b.SeqLens), n*f, n*f, n*q, n*ns)
	}
	slots := make([]feature.IDRange, f)
	for j, s := range l.Slots {
		t := l.Tables[s.Table]
		slots[j] = feature.IDRange{Lo: t.Offset, N: t.Size}
	}
	if k := feature.FirstOutside(b.IDs[:n*f], slots); k >= 0 {
		return fmt.Errorf("model: batch row %d: field %q has id %d, outside its ids %v", k/f, l.Slots[k%f].Name, b.IDs[k], slots[k%f])
	}
	if ns == 0 {
		return nil
	}
	pos := make([]feature.IDRange, q)
	for _, s := range l.Seqs {
		r := l.seqRange(s.Field)
		for p := range s.MaxLen {
			pos[s.Offset+p] = r
		}
	}
	for i := range n {
		for j, s := range l.Seqs {
			if ln := b.SeqLens[i*ns+j]; ln < 0 || int(ln) > s.MaxLen {
				return fmt.Errorf("model: batch row %d: sequence %q has length %d, outside [0, %d]", i, s.Field, ln, s.MaxLen)
			}
		}
	}
	if k := feature.FirstOutside(b.Seq[:n*q], pos); k >= 0 {
		p := k % q
		for _, s := range l.Seqs {
			if p >= s.Offset && p < s.Offset+s.MaxLen {
				return fmt.Errorf("model: batch row %d: sequence %q has id %d at position %d, outside its ids %v", k/q, s.Field, b.Seq[k], p-s.Offset, pos[p])
			}
		}
	}
	return nil
}

// seqRange is the id range of the table that sequence field reads: none
// (only the padding id) when no table lists it.
func (l Layout) seqRange(field string) feature.IDRange {
	for _, t := range l.Tables {
		for _, f := range t.Fields {
			if f == field {
				return feature.IDRange{Lo: t.Offset, N: t.Size}
			}
		}
	}
	return feature.IDRange{}
}
