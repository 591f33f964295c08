package model

import (
	"strings"
	"testing"
)

// CheckBatch passes the batches the layout describes and names the row,
// the field and the id of one it does not: an id outside its field's
// table, in a slot or a sequence, or a length outside its sequence.
// Forward panics on the same batches, which is why a caller building
// batches from data it does not control checks them first.
func TestCheckBatch(t *testing.T) {
	l := seqLayout(6, 3, 4, 2)
	good := seqBatch(l, 8, 1)
	if err := l.CheckBatch(good); err != nil {
		t.Fatalf("a well-formed batch: %v", err)
	}
	item, cat := l.Tables[1], l.Tables[2]
	f := len(l.Slots)
	for _, c := range []struct {
		name string
		edit func(b *Batch)
		want string
	}{
		{"id beyond every table", func(b *Batch) { b.IDs[5*f+1] = int32(l.Rows) }, `batch row 5: field "item" has id 15, outside its ids 0 or [5, 11)`},
		{"negative id", func(b *Batch) { b.IDs[2*f+0] = -22778 }, `batch row 2: field "user" has id -22778`},
		{"another field's id", func(b *Batch) { b.IDs[3*f+2] = item.Offset }, `batch row 3: field "cat" has id 5, outside its ids 0 or [11, 14)`},
		{"sequence id", func(b *Batch) { b.SeqLens[4*2+1] = 4; b.Seq[4*l.SeqLen+4+2] = cat.Offset + cat.Size },
			`batch row 4: sequence "hist_cat" has id 14 at position 2`},
		{"sequence length", func(b *Batch) { b.SeqLens[6*2] = 5 }, `batch row 6: sequence "hist_item" has length 5, outside [0, 4]`},
		{"short buffers", func(b *Batch) { b.IDs = b.IDs[:f*7] }, "a batch of 8 rows has 28 ids"},
	} {
		b := *good
		b.IDs = append([]int32(nil), good.IDs...)
		b.Seq = append([]int32(nil), good.Seq...)
		b.SeqLens = append([]int32(nil), good.SeqLens...)
		c.edit(&b)
		err := l.CheckBatch(&b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}

	// What CheckBatch spares the caller.
	m := newSeqModel(t, "din", "", l, 8, 1)
	bad := *good
	bad.IDs = append([]int32(nil), good.IDs...)
	bad.IDs[5*f+1] = int32(l.Rows)
	defer func() {
		if recover() == nil {
			t.Error("Forward accepted an id outside every table")
		}
	}()
	m.Forward(&bad)
}
