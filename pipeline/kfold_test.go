package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRatings writes n MovieLens-format rating lines (user, item, rating
// 1..5, timestamp) whose rating depends on the user.
func writeRatings(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	for i := range n {
		u, it := 1+rng.IntN(20), 1+rng.IntN(30)
		fmt.Fprintf(&b, "%d\t%d\t%d\t%d\n", u, it, 1+u%5, 880000000+i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKFoldOverGivenFiles(t *testing.T) {
	dir := t.TempDir()
	for f := 1; f <= 2; f++ {
		writeRatings(t, filepath.Join(dir, fmt.Sprintf("u%d.base", f)), 400, uint64(f))
		writeRatings(t, filepath.Join(dir, fmt.Sprintf("u%d.test", f)), 100, uint64(10+f))
	}
	cfg := DefaultConfig()
	cfg.Model.Name = "lr"
	cfg.Train.Epochs = 2
	cfg.Train.Batch = 64
	in := Inputs{Data: "movielens:" + filepath.Join(dir, "u{fold}.base"), Test: "movielens:" + filepath.Join(dir, "u{fold}.test"), CacheDir: filepath.Join(dir, "cache"), SplitSeed: 1}
	fo, err := KFold(context.Background(), &cfg, in, 2, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fo.Protocol != "kfold-2" || len(fo.Folds) != 2 {
		t.Fatalf("protocol %q, %d folds", fo.Protocol, len(fo.Folds))
	}
	if !strings.HasSuffix(fo.Folds[1].Data, "u2.base") {
		t.Errorf("fold 2 trained on %s", fo.Folds[1].Data)
	}
	a, b := fo.Folds[0].Report.Metrics["rmse"], fo.Folds[1].Report.Metrics["rmse"]
	if math.Abs(fo.Metrics["rmse"]-(a+b)/2) > 1e-12 || math.Abs(fo.MetricsStd["rmse"]-math.Abs(a-b)/math.Sqrt2) > 1e-12 {
		t.Errorf("rmse mean %v std %v from folds %v %v", fo.Metrics["rmse"], fo.MetricsStd["rmse"], a, b)
	}
	in.Test = "movielens:" + filepath.Join(dir, "u1.test")
	if _, err := KFold(context.Background(), &cfg, in, 2, RunOptions{}); err == nil {
		t.Error("a test spec without {fold} was accepted")
	}
}
