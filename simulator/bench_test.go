package simulator

import "testing"

// BenchmarkGenerativeImpressions runs the default generative world with the
// random policy (slates of 10) and reports impressions per second of the
// whole loop: arrivals, pool sampling, true probabilities, clicks, returns
// and metrics.
func BenchmarkGenerativeImpressions(b *testing.B) {
	cfg := DefaultGenerative()
	var impr int64
	for b.Loop() {
		w, err := NewGenerative(cfg)
		if err != nil {
			b.Fatal(err)
		}
		s, err := Run(w, NewRandomPolicy(1), 10)
		if err != nil {
			b.Fatal(err)
		}
		impr += s.Impressions
	}
	b.ReportMetric(float64(impr)/b.Elapsed().Seconds(), "impressions/s")
	b.ReportMetric(float64(impr)/float64(b.N), "impressions/op")
}
