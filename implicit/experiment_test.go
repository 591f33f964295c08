package implicit

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// Execute tunes on the validation hold-out within the grid, runs every
// seed, summarizes the runs, and a pretrained NeuMF built from the plan's
// GMF and MLP gives what it gives when it pretrains its own.
func TestExecuteTuned(t *testing.T) {
	d := lowRankLOO(t)
	var models []Settings
	for _, name := range []string{"itempop", "gmf", "mlp", "neumf"} {
		s, _ := DefaultSettings(name)
		s.Epochs = 3
		if s.GMF != nil {
			s.GMF.Epochs, s.MLP.Epochs = 3, 3
		}
		models = append(models, s)
	}
	var trials int
	plan := Plan{
		Models: models, Seeds: []uint64{1, 2}, Tune: true,
		Grid: Grid{LR: []float64{0.01, 0.001}}, FineTuneLR: []float64{0.1, 0.01},
		OnTrial: func(Trial) { trials++ },
	}
	res, err := Execute(context.Background(), d, plan)
	if err != nil {
		t.Fatal(err)
	}
	if trials != 6 {
		t.Errorf("%d trials, want 2 each for GMF, MLP and NeuMF's fine-tuning", trials)
	}
	for _, r := range res {
		if len(r.Runs) != 2 {
			t.Fatalf("%s: %d runs", r.Model, len(r.Runs))
		}
		s := r.Settings
		if r.Model != "itempop" && (s.Epochs < 1 || s.Epochs > 3) {
			t.Errorf("%s: tuned epochs %d outside 1..3", r.Model, s.Epochs)
		}
		grid := plan.Grid.LR
		if r.Model == "neumf" {
			grid = plan.FineTuneLR
		}
		if r.Model != "itempop" && !slices.Contains(grid, s.LR) {
			t.Errorf("%s: tuned LR %v not in %v", r.Model, s.LR, grid)
		}
		for k, m := range r.Mean {
			a, b := r.Runs[0].Metrics[k], r.Runs[1].Metrics[k]
			if math.Abs(m-(a+b)/2) > 1e-12 || math.Abs(r.Std[k]-math.Abs(a-b)/math.Sqrt2) > 1e-12 {
				t.Errorf("%s %s: mean %v std %v of %v and %v", r.Model, k, m, r.Std[k], a, b)
			}
		}
	}
	if res[0].Std["hr@10"] != 0 {
		t.Error("ItemPop varies with the seed")
	}
	neu := res[3]
	if !equalSettings(*neu.Settings.GMF, res[1].Settings) || !equalSettings(*neu.Settings.MLP, res[2].Settings) {
		t.Fatalf("NeuMF pretrains with %+v and %+v, the tuned GMF and MLP are %+v and %+v", *neu.Settings.GMF, *neu.Settings.MLP, res[1].Settings, res[2].Settings)
	}
	f, err := Fit(context.Background(), d, neu.Settings, 2, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := metrics(t, d, f.Model)["ndcg@10"]; got != neu.Runs[1].Metrics["ndcg@10"] {
		t.Fatalf("NeuMF seed 2: NDCG@10 %v on its own, %v from the plan's GMF and MLP", got, neu.Runs[1].Metrics["ndcg@10"])
	}
}

// metrics evaluates m on d's held-out interactions.
func metrics(t *testing.T, d *Dataset, m model.Model) map[string]float64 {
	t.Helper()
	enc, err := d.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := d.IDs(enc)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Evaluator(ids, 256).Evaluate(context.Background(), m, train.Binary)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Metrics
}

// Tune's best model is restored to its best epoch: it scores the
// validation data exactly as the best trial did.
func TestTuneRestoresBestEpoch(t *testing.T) {
	d := lowRankLOO(t)
	v, err := d.Validation(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := DefaultSettings("gmf")
	s.Epochs, s.LR = 6, 0.05 // a rate high enough to overfit after a few epochs
	tu, err := Tune(context.Background(), v, s, Grid{}, 1, FitOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := metrics(t, v, tu.Best)["ndcg@10"]; got != tu.Trials[0].Metrics["ndcg@10"] {
		t.Fatalf("restored model NDCG@10 %v, best epoch (%d) %v", got, tu.Settings.Epochs, tu.Trials[0].Metrics["ndcg@10"])
	}
	t.Logf("best epoch %d of 6", tu.Settings.Epochs)
}

func TestSettingsErrors(t *testing.T) {
	if _, err := DefaultSettings("bpr"); err == nil {
		t.Error("unknown model accepted")
	}
	d := lowRankLOO(t)
	s, _ := DefaultSettings("neumf")
	s.GMF = nil
	if _, err := Fit(context.Background(), d, s, 1, FitOptions{}); err == nil || !strings.Contains(err.Error(), "GMF and MLP settings") {
		t.Errorf("NeuMF without pretraining settings: %v", err)
	}
	s, _ = DefaultSettings("mlp")
	s.Layers = []int{9, 4}
	if _, err := Fit(context.Background(), d, s, 1, FitOptions{}); err == nil || !strings.Contains(err.Error(), "even") {
		t.Errorf("odd MLP input: %v", err)
	}
}
