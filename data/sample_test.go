package data

import (
	"slices"
	"testing"
)

func TestUserItems(t *testing.T) {
	ui := NewUserItems([]int32{1, 0, 1, 1, 0}, []int32{7, 3, 2, 7, 3}, 3)
	if !slices.Equal(ui.Items(0), []int32{3}) || !slices.Equal(ui.Items(1), []int32{2, 7}) || len(ui.Items(2)) != 0 {
		t.Fatalf("items %v %v %v, want [3] [2 7] []", ui.Items(0), ui.Items(1), ui.Items(2))
	}
	if !ui.Has(1, 7) || ui.Has(1, 3) || ui.Has(2, 0) {
		t.Fatal("Has disagrees with the interactions")
	}
}

func TestNegativeSampler(t *testing.T) {
	const numItems = 10
	ui := NewUserItems([]int32{0, 0, 0}, []int32{1, 4, 8}, 1)
	s := NewNegativeSampler(ui, numItems, 3)
	counts := make([]int, numItems)
	draws := s.Sample(0, 7000, nil)
	for _, it := range draws {
		counts[it]++
	}
	for it, c := range counts {
		if ui.Has(0, int32(it)) {
			if c != 0 {
				t.Fatalf("item %d was interacted with but drawn %d times", it, c)
			}
			continue
		}
		// 7 free items, 1000 expected draws each; 5σ ≈ 5·√(1000·6/7) ≈ 146.
		if c < 1000-146 || c > 1000+146 {
			t.Errorf("item %d drawn %d times, want about 1000", it, c)
		}
	}
	s.SetEpoch(0)
	if again := s.Sample(0, 20, nil); !slices.Equal(again, draws[:20]) {
		t.Fatal("restarting epoch 0 gave other draws")
	}
	s.SetEpoch(1)
	if next := s.Sample(0, 20, nil); slices.Equal(next, draws[:20]) {
		t.Fatal("epoch 1 repeated epoch 0's draws")
	}
	d := s.SampleDistinct(0, 7, nil)
	slices.Sort(d)
	if !slices.Equal(d, []int32{0, 2, 3, 5, 6, 7, 9}) {
		t.Fatalf("7 distinct negatives of 7 free items = %v", d)
	}
}
