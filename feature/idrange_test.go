package feature

import (
	"math"
	"testing"
)

// Every id the encoders produce lies in its slot's or its sequence's
// range; ids just outside a range, negative ids and another table's ids do
// not.
func TestIDRanges(t *testing.T) {
	s, err := LoadSchema("testdata/din.yaml")
	if err != nil {
		t.Fatal(err)
	}
	columns := []string{"clk", "user_id", "hist_items", "hist_cats", "item", "cat", "price"}
	rows := [][]string{
		{"1", "u1", "i1|i2|i3", "c1|c1|c2", "i4", "c2", "9.5"},
		{"0", "u1", "i1|i2|i3|i4|i5", "c1|c1|c2|c2|c3", "i2", "c1", ""},
		{"1", "u2", "", "", "i1", "", "3"},
		{"0", "u2", "i9|i1", "c7", "i6", "c9", "12.25"},
	}
	e := fit(t, s, columns, rows)
	slots, seqs := e.SlotRanges(), e.SeqRanges()
	if len(slots) != len(e.Slots()) || len(seqs) != len(e.NewExample().Seq) {
		t.Fatalf("%d slot ranges for %d slots, %d sequence ranges for %d positions", len(slots), len(e.Slots()), len(seqs), len(e.NewExample().Seq))
	}
	// Each range is its field's table's.
	tables := e.Tables()
	for j, name := range e.Slots() {
		for _, tb := range tables {
			for _, f := range tb.Fields {
				if f == name && slots[j] != (IDRange{tb.Offset, tb.Size}) {
					t.Errorf("slot %q: range %v, its table is [%d, %d)", name, slots[j], tb.Offset, tb.Offset+tb.Size)
				}
			}
		}
	}
	for _, ex := range encodeAll(t, e, columns, rows) {
		if k := FirstOutside(ex.IDs, slots); k >= 0 {
			t.Errorf("encoded id %d of slot %d outside %v", ex.IDs[k], k, slots[k])
		}
		if k := FirstOutside(ex.Seq, seqs); k >= 0 {
			t.Errorf("encoded sequence id %d at %d outside %v", ex.Seq[k], k, seqs[k])
		}
	}

	r := IDRange{Lo: 5, N: 3}
	for id, want := range map[int32]bool{0: true, 5: true, 7: true, 4: false, 8: false, -1: false, math.MinInt32: false, math.MaxInt32: false} {
		if r.Holds(id) != want {
			t.Errorf("%v holds %d: %v, want %v", r, id, !want, want)
		}
	}
	ranges := []IDRange{{1, 2}, {3, 4}}
	for _, c := range []struct {
		ids  []int32
		want int
	}{
		{[]int32{1, 3, 2, 6, 0, 0}, -1},
		{[]int32{1, 3, 2, 7}, 3}, // just past the second range
		{[]int32{1, 3, 3, 6}, 2}, // the second range's id in the first column
		{[]int32{1, 3, -5}, 2},   // a partial row
		{nil, -1},
	} {
		if got := FirstOutside(c.ids, ranges); got != c.want {
			t.Errorf("FirstOutside(%v) = %d, want %d", c.ids, got, c.want)
		}
	}
}
