package implicit

import (
	"testing"
)

// BenchmarkScoreAllItems scores all 3,043 items of ml-1m-implicit-m1 for
// one user (of its 6,022) with NCF's sizes (8 factors, MLP 64→32→16→8):
// the inner loop of full-ranking evaluation.
func BenchmarkScoreAllItems(b *testing.B) {
	cfg := Config{Users: 6022, Items: 3043, Factors: 8, Seed: 1}
	items := make([]int32, cfg.Items)
	for i := range items {
		items[i] = int32(i)
	}
	scores := make([]float32, len(items))
	for _, name := range []string{"mf", "gmf", "mlp", "neumf"} {
		b.Run(name, func(b *testing.B) {
			m := newModel(b, name, cfg)
			b.ReportAllocs()
			u := int32(0)
			for b.Loop() {
				m.Score(u, items, scores)
				u = (u + 1) % int32(cfg.Users)
			}
		})
	}
}
