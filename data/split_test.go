package data

import (
	"slices"
	"testing"
)

// isPartition reports whether parts hold every index 0..n-1 exactly once.
func isPartition(parts [][]int32, n int) bool {
	var all []int32
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.Sort(all)
	if len(all) != n {
		return false
	}
	for i, v := range all {
		if int(v) != i {
			return false
		}
	}
	return true
}

func TestRandomSplit(t *testing.T) {
	parts, err := RandomSplit(10, []float64{8, 1, 1}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts[0]) != 8 || len(parts[1]) != 1 || len(parts[2]) != 1 {
		t.Fatalf("sizes %d/%d/%d, want 8/1/1", len(parts[0]), len(parts[1]), len(parts[2]))
	}
	if !isPartition(parts, 10) {
		t.Fatalf("not a partition of 0..9: %v", parts)
	}
	again, _ := RandomSplit(10, []float64{0.8, 0.1, 0.1}, 7)
	for i := range parts {
		if !slices.Equal(parts[i], again[i]) {
			t.Fatalf("same seed, ratios scaled: part %d differs: %v vs %v", i, parts[i], again[i])
		}
	}
	other, _ := RandomSplit(10, []float64{8, 1, 1}, 8)
	if slices.Equal(parts[0], other[0]) {
		t.Fatal("another seed gave the same order")
	}
	// 1000 rows 8:1:1 → 800/100/100 exactly.
	big, _ := RandomSplit(1000, []float64{8, 1, 1}, 1)
	if len(big[0]) != 800 || len(big[1]) != 100 || len(big[2]) != 100 || !isPartition(big, 1000) {
		t.Fatalf("1000 rows: sizes %d/%d/%d", len(big[0]), len(big[1]), len(big[2]))
	}
	for _, bad := range [][]float64{nil, {1, 0}, {1, -1}} {
		if _, err := RandomSplit(5, bad, 1); err == nil {
			t.Errorf("ratios %v accepted", bad)
		}
	}
}

func TestTimeSplit(t *testing.T) {
	times := []int64{50, 10, 30, 10, 40}
	parts, err := TimeSplit(times, []float64{3, 2})
	if err != nil {
		t.Fatal(err)
	}
	// Ordered by time, ties by row: rows 1 (10), 3 (10), 2 (30) | 4 (40), 0 (50).
	if !slices.Equal(parts[0], []int32{1, 3, 2}) || !slices.Equal(parts[1], []int32{4, 0}) {
		t.Fatalf("parts %v, want [[1 3 2] [4 0]]", parts)
	}
}

func TestLeaveOneOut(t *testing.T) {
	// user 0: items 1 (t=5), 2 (t=9), 3 (t=7) → holds out row 1 (item 2).
	// user 1: items 0 (t=1), 4 (t=1) → tie: the later row, row 4 (item 4).
	// user 2: one interaction → kept for training, not tested.
	in := Interactions{
		Users:    []int32{0, 0, 0, 1, 1, 2},
		Items:    []int32{1, 2, 3, 0, 4, 5},
		Times:    []int64{5, 9, 7, 1, 1, 3},
		NumUsers: 3, NumItems: 9,
	}
	s, err := LeaveOneOut(in, 4, 11)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Test, []int32{1, 4}) {
		t.Fatalf("test rows %v, want [1 4]", s.Test)
	}
	if !slices.Equal(s.Train, []int32{0, 2, 3, 5}) {
		t.Fatalf("train rows %v, want [0 2 3 5]", s.Train)
	}
	for i, negs := range s.Negatives {
		u := in.Users[s.Test[i]]
		if len(negs) != 4 {
			t.Fatalf("user %d: %d negatives, want 4", u, len(negs))
		}
		sorted := slices.Clone(negs)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != 4 {
			t.Fatalf("user %d: repeated negatives %v", u, negs)
		}
		for _, it := range negs {
			for r := range in.Users {
				if in.Users[r] == u && in.Items[r] == it {
					t.Fatalf("user %d: negative %d is an item the user interacted with", u, it)
				}
			}
		}
	}
	again, _ := LeaveOneOut(in, 4, 11)
	if !slices.Equal(again.Negatives[0], s.Negatives[0]) {
		t.Fatal("same seed gave other negatives")
	}
	// User 0 has 3 items of 9: 6 free, so 7 negatives cannot be drawn.
	if _, err := LeaveOneOut(in, 7, 11); err == nil {
		t.Fatal("asked for more negatives than free items: no error")
	}
	// Without timestamps the row order is time order: the last row of each
	// user is held out.
	noTime := in
	noTime.Times = nil
	if s, _ := LeaveOneOut(noTime, 2, 1); !slices.Equal(s.Test, []int32{2, 4}) {
		t.Fatalf("without times: test rows %v, want [2 4]", s.Test)
	}
	in.Items[0] = 9
	if _, err := LeaveOneOut(in, 1, 1); err == nil {
		t.Fatal("item id out of range accepted")
	}
}
