package metric

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkAUC1M(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(3, 4))
	scores := make([]float32, n)
	labels := make([]float32, n)
	for i := range scores {
		scores[i] = rng.Float32()
		if rng.Float32() < scores[i] {
			labels[i] = 1
		}
	}
	b.SetBytes(n * 8)
	for b.Loop() {
		if _, err := AUC(scores, labels); err != nil {
			b.Fatal(err)
		}
	}
}
