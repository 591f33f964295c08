package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/train"
)

// The learning curves mark the best epoch the run kept, once in the
// legend, when there were several to choose from.
func TestDrawCurvesMarksBestEpoch(t *testing.T) {
	epochs := []train.EpochStats{
		{Epoch: 1, TrainLoss: 0.50, Valid: map[string]float64{"auc": 0.70, "logloss": 0.52}},
		{Epoch: 2, TrainLoss: 0.45, Valid: map[string]float64{"auc": 0.74, "logloss": 0.49}},
		{Epoch: 3, TrainLoss: 0.42, Valid: map[string]float64{"auc": 0.73, "logloss": 0.50}},
	}
	for _, c := range []struct {
		epochs []train.EpochStats
		best   int
		mark   bool
	}{
		{epochs, 2, true},
		{epochs[:1], 1, false}, // one epoch: nothing to choose
		{epochs, 0, false},     // no validation, no best epoch
	} {
		path := filepath.Join(t.TempDir(), CurveFile)
		res := &train.Result{Epochs: c.epochs, BestEpoch: c.best, Watched: "auc"}
		if err := drawCurves(path, "fm", res); err != nil {
			t.Fatal(err)
		}
		svg, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := bytes.Count(svg, []byte(">best epoch ("))
		want := 0
		if c.mark {
			want = 1
			if !bytes.Contains(svg, []byte(">best epoch (2)<")) {
				t.Errorf("%d epochs, best %d: no legend entry \"best epoch (2)\"", len(c.epochs), c.best)
			}
		}
		if got != want {
			t.Errorf("%d epochs, best %d: %d best-epoch legend entries, want %d", len(c.epochs), c.best, got, want)
		}
	}
}
