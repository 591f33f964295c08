package train

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
)

// BenchmarkPredict times scoring every row of a data set (Scorer.Predict,
// gathering included; the replicas are built by a first call before) with
// DeepFM (the defaults: embedding 16, MLP 400-400-400, on 40,960 synthetic
// Criteo-shaped rows) and DIN (the defaults, on the synthetic behaviour
// set) in batches of 1024, for each thread count of RECFORGE_BENCH_THREADS
// (default "1,2"); RECFORGE_BENCH_MODELS picks the models (default
// "deepfm,din"). Matrix products run on one thread each: the threads score
// batches. It reports rows/s; compare the thread counts' figures on one
// machine, one after the other.
func BenchmarkPredict(b *testing.B) {
	threads := benchInts(b, "RECFORGE_BENCH_THREADS", "1,2")
	models := os.Getenv("RECFORGE_BENCH_MODELS")
	if models == "" {
		models = "deepfm,din"
	}
	blas.SetThreads(1)
	const batch = 1024
	for _, name := range strings.Split(models, ",") {
		b.Run(name, func(b *testing.B) {
			var l model.Layout
			var d Data
			switch name {
			case "din":
				spec := "behavior:synthetic?users=8000&items=2000&categories=50&seed=3&max_len=20&part=train"
				s, err := behavior.Schema(spec)
				if err != nil {
					b.Fatal(err)
				}
				l, d = benchSet(b, spec, s)
			default:
				s, err := feature.LoadSchema("../feature/testdata/criteo.yaml")
				if err != nil {
					b.Fatal(err)
				}
				l, d = benchSet(b, "synthetic:ctr?rows=40960&seed=4", s)
			}
			env := model.Env{Layout: l, MaxBatch: batch, Seed: 7, MemoryLimit: -1}
			m, _, err := model.New(name, nil, env)
			if err != nil {
				b.Fatal(err)
			}
			replica := func(maxBatch int) (model.Model, error) {
				e := env
				e.MaxBatch = maxBatch
				r, _, err := model.New(name, nil, e)
				return r, err
			}
			ctx := context.Background()
			for _, t := range threads {
				b.Run("threads="+strconv.Itoa(t), func(b *testing.B) {
					s := NewScorer(m, t, replica)
					if _, err := s.Predict(ctx, d, Binary, batch); err != nil {
						b.Fatal(err)
					}
					b.ResetTimer()
					for range b.N {
						if _, err := s.Predict(ctx, d, Binary, batch); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(d.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		})
	}
}
