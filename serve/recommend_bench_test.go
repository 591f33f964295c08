package serve

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/synth"
)

// BenchmarkRecommend times Server.Recommend's top 10 for one user over a
// whole catalogue, call by call, users in turn, reporting p50 and p99:
//
//	go test ./serve -run '^$' -bench Recommend -cpu 1 -benchtime 2000x
//
// ml-1m-shape is a NeuMF (default sizes) over a synthetic log of ML-1M's
// shape: 6,040 users, 3,706 items, about a million interactions, each
// user's training items left out. The weights are as initialized: the
// time does not depend on their values. ml-1m-implicit-m1 is the same
// over that data set (6,022 users, 3,043 items), when ../shared/data has
// it.
func BenchmarkRecommend(b *testing.B) {
	for _, c := range []struct {
		name, spec string
		write      func(path string) error
	}{
		{name: "ml-1m-shape", write: func(path string) error {
			m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 1, Users: 6040, Items: 3706, Density: 1_000_209.0 / (6040 * 3706)})
			if err != nil {
				return err
			}
			return m.WriteUDataFile(path)
		}},
		{name: "ml-1m-implicit-m1", spec: "ml1m-implicit:../../shared/data/ml-1m-implicit-m1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			root := b.TempDir()
			spec := c.spec
			if c.write != nil {
				path := filepath.Join(root, "u.data")
				if err := c.write(path); err != nil {
					b.Fatal(err)
				}
				spec = "movielens:" + path
			} else if _, err := os.Stat(spec[len("ml1m-implicit:"):]); err != nil {
				b.Skipf("%s is absent (../shared/data holds the data sets): %v", spec, err)
			}
			dir := untrainedArtifact(b, root, "neumf", spec)
			s, err := New(Options{Logger: quietLogger(), Replicas: 1})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.AddModel("neumf", dir); err != nil {
				b.Fatal(err)
			}
			users := make([][]byte, 500)
			for i := range users {
				users[i] = []byte(strconv.Itoa(1 + i*11%6000))
			}
			out := make([]Recommended, 0, 10)
			ds := make([]time.Duration, 0, b.N)
			candidates := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				t := time.Now()
				rec, err := s.Recommend(context.Background(), "neumf", RecommendQuery{User: users[i%len(users)], K: 10}, out)
				if err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t))
				out, candidates = rec.Items, candidates+rec.Candidates
			}
			b.StopTimer()
			percentiles(b, ds)
			b.ReportMetric(float64(candidates)/float64(b.N), "candidates/op")
		})
	}
}

// untrainedArtifact writes an artifact of model name, as initialized, with
// the encoders and training log of the ranking data set spec.
func untrainedArtifact(b *testing.B, root, name, spec string) string {
	cfg := pipeline.DefaultConfig()
	cfg.Model = pipeline.ModelConfig{Name: name}
	p, err := pipeline.Prepare(context.Background(), &cfg, pipeline.Inputs{Data: spec, SplitSeed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	m, resolved, err := model.New(name, nil, model.Env{Layout: model.NewLayout(p.Encoders), MaxBatch: 256, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "artifact")
	if err := pipeline.SaveArtifact(dir, pipeline.ArtifactInfo{Model: name, HyperParams: resolved, Task: p.Task,
		Encoders: p.Encoders, Seen: p.Seen}, m); err != nil {
		b.Fatal(err)
	}
	return dir
}
