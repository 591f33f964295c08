package feature

import (
	"slices"
	"testing"
)

// ValueSlots names exactly the slots whose encoded values are not always
// 1: the plain numerics, not the categoricals, the hashed categoricals or
// the bucketized numerics, and no sequence.
func TestValueSlots(t *testing.T) {
	s := &Schema{Name: "mixed", Fields: []Field{
		{Name: "label", Type: Label},
		{Name: "user", Type: Categorical},
		{Name: "hist", Type: Sequence, MaxLen: 3},
		{Name: "price", Type: Numeric, Normalizer: Standardize},
		{Name: "item", Type: Categorical, HashBuckets: 16},
		{Name: "count", Type: Numeric, Normalizer: CriteoLog2},
		{Name: "age", Type: Numeric},
	}}
	columns := []string{"label", "user", "hist", "price", "item", "count", "age"}
	rows := [][]string{
		{"1", "u1", "a|b", "3.5", "a", "7", "30"},
		{"0", "u2", "", "", "b", "", "41"},
		{"1", "u1", "b", "1", "c", "100", "19"},
	}
	e := fit(t, s, columns, rows)
	// Slots: user 0, price 1, item 2, count 3, age 4.
	if got := e.ValueSlots(); !slices.Equal(got, []int{1, 4}) {
		t.Fatalf("value slots %v, want [1 4] (price and age)", got)
	}
	for i, ex := range encodeAll(t, e, columns, rows) {
		for k, v := range ex.Values {
			if !slices.Contains([]int{1, 4}, k) && v != 1 {
				t.Errorf("row %d slot %d (%s): value %v, yet it is no value slot", i+1, k, e.Slots()[k], v)
			}
		}
	}
}
