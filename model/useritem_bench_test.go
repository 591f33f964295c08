package model

import "testing"

// BenchmarkScoreAllItems scores all 3,043 items of ml-1m-implicit-m1 for
// one user (of its 6,022) with NCF's sizes (8 factors, MLP 64→32→16→8)
// through ItemScorer: the inner loop of full-ranking evaluation and of
// recommendation.
func BenchmarkScoreAllItems(b *testing.B) {
	l := pairLayout(6022, 3043)
	items := make([]int32, 3043)
	for i := range items {
		items[i] = itemID(l, i)
	}
	scores := make([]float32, len(items))
	for _, name := range []string{"mf", "gmf", "mlp", "neumf"} {
		b.Run(name, func(b *testing.B) {
			m := newPair(b, name, ``, l, 256, 1).(ItemScorer)
			b.ReportAllocs()
			u := 0
			for b.Loop() {
				m.ScoreItems(userID(l, u), items, scores)
				u = (u + 1) % 6022
			}
		})
	}
}
