package rating

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/train"
)

// On ML-100K u1: the baseline's fold reproduces BENCHMARKS.md's figures
// bit for bit (its computation is the one it had before the models joined
// the core), and a small I-AutoRec lands well below the global-mean floor
// the dataset's README gives (1.1537 on u1.test).
func TestRealML100KU1(t *testing.T) {
	dir := shareddata.Dir(t, "ml-100k")
	f := Fold{Name: "1", Train: filepath.Join(dir, "u1.base"), Test: filepath.Join(dir, "u1.test")}
	p := Protocol{CacheDir: t.TempDir()}
	tc, _ := Training("baseline", "")
	r, err := RunFold(context.Background(), f, &pipeline.Config{Model: pipeline.ModelConfig{Name: "baseline"}, Train: tc}, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Test.RMSE != 0.9532426236027767 || r.Test.MAE != 0.7521019425153732 || r.Select.ValidRMSE != 0.9208793990359364 {
		t.Errorf("baseline on u1: test RMSE %v, MAE %v, validation RMSE %v; BENCHMARKS.md has 0.9532426236027767, 0.7521019425153732, 0.9208793990359364",
			r.Test.RMSE, r.Test.MAE, r.Select.ValidRMSE)
	}
	if r.Test.N != 20000 || r.Test.Unseen != 32 {
		t.Errorf("u1.test: %d ratings, %d unseen; want 20000, 32", r.Test.N, r.Test.Unseen)
	}
	tc, _ = Training("autorec-i", "adam")
	tc.Epochs, tc.Batch = 12, 64
	cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: "autorec-i", Params: map[string]any{"hidden": 100, "lambda": 100, "lr": 1e-3}}, Train: tc}
	r, err = RunFold(context.Background(), f, cfg, Protocol{CacheDir: p.CacheDir, NoRefit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("I-AutoRec, 12 Adam epochs, 100 hidden: u1.test RMSE %.4f (%.1fs)", r.Test.RMSE, r.Seconds)
	if !(r.Test.RMSE < 0.95) {
		t.Errorf("I-AutoRec: RMSE %.4f on u1.test, want below 0.95 (global mean: 1.1537)", r.Test.RMSE)
	}
}

// BenchmarkEpochML100K times epochs over u1.base through train.Fit with
// the protocol's default configuration — I- and U-AutoRec's minibatch Adam
// (500 hidden units, batches of 128 vectors), biased MF's SGD one rating
// at a time — as s/epoch over runs of 5 epochs (a run's setup, reading the
// vectors once, included), without validation.
func BenchmarkEpochML100K(b *testing.B) {
	dir := shareddata.Dir(b, "ml-100k")
	for _, name := range []string{"autorec-i", "autorec-u", "biasedmf"} {
		b.Run(name, func(b *testing.B) {
			tc, _ := Training(name, "adam")
			tc.Epochs = 5
			cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: name}, Train: tc}
			in := pipeline.Inputs{Data: "movielens:" + filepath.Join(dir, "u1.base"), Test: "movielens:" + filepath.Join(dir, "u1.test"), CacheDir: b.TempDir()}
			p, err := pipeline.PrepareRating(context.Background(), cfg, in, pipeline.RatingHoldout{})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			m, _, err := model.New(name, nil, model.Env{Layout: model.NewLayout(p.Encoders), MaxBatch: tc.Batch, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := train.Fit(context.Background(), m, p.Train.Source(), nil, tc, train.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*tc.Epochs), "s/epoch")
		})
	}
}
