package train

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// benchInts reads a comma-separated list of counts from the environment
// variable name, or def when it is unset.
func benchInts(b *testing.B, name, def string) []int {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want counts ≥ 1 separated by commas", name, s)
		}
		out = append(out, n)
	}
	return out
}

// benchSet builds the encoded data set of spec under schema in a
// temporary directory.
func benchSet(b *testing.B, spec string, s *feature.Schema) (model.Layout, Data) {
	b.Helper()
	ctx := context.Background()
	enc, err := dataset.Fit(ctx, spec, s, dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	set, _, err := dataset.Build(ctx, spec, enc, filepath.Join(b.TempDir(), "cache"), dataset.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { set.Close() })
	return model.NewLayout(enc), Data{Set: set}
}

// BenchmarkShardedEpoch times one training epoch (the steps over every
// batch, gathering included, as Fit takes them; the replicas are built
// before) of DeepFM (the defaults: embedding 16, MLP 400-400-400,
// on 40,960 synthetic Criteo-shaped rows) and DIN (the defaults, on the
// synthetic behaviour set; DIEN and seqbase too when named) at batch 4096 split into RECFORGE_BENCH_SHARDS
// shards (default 4), for each thread count of RECFORGE_BENCH_THREADS
// (default "1,2"); RECFORGE_BENCH_MODELS picks the models (default
// "deepfm,din"). Matrix products run on one thread each: the threads train
// shards. It reports rows/s; compare the thread counts' figures on one
// machine, one after the other.
func BenchmarkShardedEpoch(b *testing.B) {
	shards := benchInts(b, "RECFORGE_BENCH_SHARDS", "4")[0]
	threads := benchInts(b, "RECFORGE_BENCH_THREADS", "1,2")
	models := os.Getenv("RECFORGE_BENCH_MODELS")
	if models == "" {
		models = "deepfm,din"
	}
	blas.SetThreads(1)
	for _, name := range strings.Split(models, ",") {
		b.Run(name, func(b *testing.B) {
			var l model.Layout
			var d Data
			switch name {
			case "din", "dien", "seqbase":
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
			cfg := Config{Epochs: 1, Batch: 4096, Seed: 1, Optimizer: optim.Spec{Rule: "adam", LR: 1e-3}, Shards: shards}
			for _, t := range threads {
				b.Run("shards="+strconv.Itoa(shards)+"/threads="+strconv.Itoa(t), func(b *testing.B) {
					step, src, n := newBenchStepper(b, name, l, d, cfg, t)
					order := data.NewShuffler(n, cfg.Seed).Epoch(1)
					b.ResetTimer()
					for range b.N {
						for idx := range data.Batches(order, cfg.Batch) {
							if _, err := step.Step(src.Batch(idx)); err != nil {
								b.Fatal(err)
							}
						}
					}
					b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		})
	}
}

// newBenchStepper builds model name with its defaults and its sharded
// stepper over d, as Fit does before its first epoch, and returns it with
// d's source and row count.
func newBenchStepper(b *testing.B, name string, l model.Layout, d Data, cfg Config, threads int) (*Stepper, Source, int) {
	env := model.Env{Layout: l, MaxBatch: cfg.Batch, Seed: 7, MemoryLimit: -1}
	m, _, err := model.New(name, nil, env)
	if err != nil {
		b.Fatal(err)
	}
	opt, err := NewOptimizer(m, cfg)
	if err != nil {
		b.Fatal(err)
	}
	step, err := NewStepper(m, opt, Binary, cfg.Batch)
	if err != nil {
		b.Fatal(err)
	}
	err = step.Shard(cfg.Shards, threads, func(maxBatch int) (model.Model, error) {
		e := env
		e.MaxBatch = maxBatch
		r, _, err := model.New(name, nil, e)
		return r, err
	})
	if err != nil {
		b.Fatal(err)
	}
	if r, ok := m.(model.Reseeder); ok {
		r.Reseed(cfg.Seed)
	}
	m.SetTraining(true)
	step.beginEpoch(cfg.Seed)
	src := d.Source()
	n, err := src.Epoch(1)
	if err != nil {
		b.Fatal(err)
	}
	return step, src, n
}
