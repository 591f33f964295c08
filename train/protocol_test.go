package train

import (
	"context"
	"math"
	"testing"

	"github.com/recforge/recforge/data"
)

// byItem scores an item by a fixed table, whoever the user.
func byItem(table []float32) ScoreFunc {
	return func(_ int32, items []int32, scores []float32) {
		for i, it := range items {
			scores[i] = table[it]
		}
	}
}

func TestLeaveOneOutByHand(t *testing.T) {
	// Two users; held-out rows 1 (user 0, item 2) and 3 (user 1, item 4).
	in := data.Interactions{Users: []int32{0, 0, 1, 1}, Items: []int32{0, 2, 1, 4}, NumUsers: 2, NumItems: 6}
	split := data.LOOSplit{Train: []int32{0, 2}, Test: []int32{1, 3}, Negatives: [][]int32{{1, 3, 5}, {0, 2, 3}}}
	// Item scores: user 0's positive (item 2, 0.5) is beaten by item 5 (0.9)
	// and tied with item 3 (0.5): rank 3. User 1's positive (item 4, 0.8)
	// beats all its negatives: rank 1.
	table := []float32{0.1, 0.2, 0.5, 0.5, 0.8, 0.9}
	rep, err := leaveOneOut(context.Background(), []ScoreFunc{byItem(table)}, in, split, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"hr@1": 0.5, "hr@3": 1, "ndcg@1": 0.5, "ndcg@3": (1/math.Log2(4) + 1) / 2, "mrr": (1.0/3 + 1) / 2, "users": 2,
	}
	for k, v := range want {
		if math.Abs(rep.Metrics[k]-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, rep.Metrics[k], v)
		}
	}
	if rep.Protocol != "loo-3" {
		t.Errorf("protocol %q", rep.Protocol)
	}
}

func TestFullRankingByHand(t *testing.T) {
	// User 0 trained on items 0 and 1 (not candidates); test items 3, 4.
	seen := data.NewUserItems([]int32{0, 0}, []int32{0, 1}, 1)
	// Candidates 2..5 scored 0.9, 0.8, 0.1, 0.5: order 2, 3, 5, 4, so the
	// test items rank 2 and 4.
	table := []float32{5, 5, 0.9, 0.8, 0.1, 0.5}
	rep, err := fullRanking(context.Background(), []ScoreFunc{byItem(table)}, 6, seen, map[int32][]int32{0: {3, 4}}, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	idcg2 := 1 + 1/math.Log2(3)
	want := map[string]float64{
		"recall@2": 0.5, "precision@2": 0.5, "ndcg@2": (1 / math.Log2(3)) / idcg2,
		"recall@4": 1, "ndcg@4": (1/math.Log2(3) + 1/math.Log2(5)) / idcg2, "mrr": 0.5, "hr@2": 1,
	}
	for k, v := range want {
		if math.Abs(rep.Metrics[k]-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, rep.Metrics[k], v)
		}
	}
	if rep.Protocol != "full-ranking" {
		t.Errorf("protocol %q", rep.Protocol)
	}
}
