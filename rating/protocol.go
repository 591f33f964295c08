package rating

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/train"
)

// Protocol is how a model is trained and evaluated on one fold.
type Protocol struct {
	// Holdout draws the validation part from the training file, to choose
	// the epoch count by early stopping (pipeline.RatingHoldout: by
	// default a seeded 5% of its ratings, seed 1). The test file is never
	// used for any choice.
	Holdout pipeline.RatingHoldout
	// NoRefit keeps the early-stopped model trained on the rest of the
	// training file. By default the model is retrained from scratch on the
	// whole training file for the chosen number of epochs.
	NoRefit bool
	// CacheDir holds the encoded caches (default pipeline.DefaultCacheDir).
	CacheDir string
	// Tune, when set, searches the model's hyper-parameters on each
	// fold's validation part first (pipeline.Search: successive halving
	// over the model's search space, the test file never read); the
	// configuration chosen then goes through the protocol (the epoch
	// count chosen by early stopping, the refit) in place of cfg. Its
	// budget defaults to cfg's epochs.
	Tune *pipeline.TuneOptions
}

// Training returns the training settings the protocol uses by default for
// rating model name with the given optimizer (AutoRec's "optimizer"
// hyper-parameter; "" for the others), tuned on the validation parts of
// ML-100K's .base files (see the package documentation): biased MF one
// rating per SGD step, at most 200 epochs, patience 10; AutoRec with Adam
// batches of 128 vectors, at most 500 epochs, patience 30, and with the
// full-batch rules (lbfgs, rprop) at most 1000 epochs, patience 50, its
// batch 0: every training vector (see RunFold); another model at most 100
// epochs of batches of 256, patience 10. trains is false for a model
// fitted in closed form (baseline), which takes no training settings.
func Training(name, optimizer string) (cfg train.Config, trains bool) {
	cfg = train.Config{
		Task: train.Regression, Seed: 1,
		// Each model's part brings its own optimizer; this one stands for
		// a part without.
		Optimizer: optim.Spec{Rule: "adam", LR: 1e-3},
		EarlyStop: train.EarlyStop{Metric: "rmse"},
	}
	switch name {
	case "baseline":
		cfg.Epochs, cfg.Batch = 1, 1024
		return cfg, false
	case "biasedmf":
		cfg.Epochs, cfg.Batch, cfg.EarlyStop.Patience = 200, 1, 10
	case "autorec-i", "autorec-u":
		cfg.Epochs, cfg.Batch, cfg.EarlyStop.Patience = 500, 128, 30
		if optimizer == "lbfgs" || optimizer == "rprop" {
			cfg.Epochs, cfg.Batch, cfg.EarlyStop.Patience = 1000, 0, 50
		}
	default: // a rating model without tuned settings
		cfg.Epochs, cfg.Batch, cfg.EarlyStop.Patience = 100, 256, 10
	}
	return cfg, true
}

// Fold is one train/test pair of rating files.
type Fold struct {
	Name, Train, Test string
}

// FoldsFromPattern expands "{fold}" in the train and test patterns to
// 1..n (e.g. "ml-100k/u{fold}.base"). With n = 1 and no "{fold}" the
// patterns are the files themselves.
func FoldsFromPattern(trainPattern, testPattern string, n int) ([]Fold, error) {
	if n < 1 {
		return nil, fmt.Errorf("%d folds, want ≥ 1", n)
	}
	if n > 1 && (!strings.Contains(trainPattern, pipeline.FoldPlaceholder) || !strings.Contains(testPattern, pipeline.FoldPlaceholder)) {
		return nil, fmt.Errorf("%d folds need {fold} in both the train pattern %q and the test pattern %q", n, trainPattern, testPattern)
	}
	folds := make([]Fold, n)
	for k := range n {
		s := strconv.Itoa(k + 1)
		folds[k] = Fold{Name: s,
			Train: strings.ReplaceAll(trainPattern, pipeline.FoldPlaceholder, s),
			Test:  strings.ReplaceAll(testPattern, pipeline.FoldPlaceholder, s)}
	}
	return folds, nil
}

// Metrics are the errors of predictions on a rating file.
type Metrics struct {
	RMSE, MAE float64
	// N is the number of ratings scored; Unseen how many of them had a
	// user or an item absent from the training file.
	N, Unseen int
}

// FitReport describes one training run of a fold.
type FitReport struct {
	// Epochs is the number of epochs run (0 for a closed-form fit);
	// BestEpoch the epoch whose weights were kept (Epochs without
	// validation).
	Epochs, BestEpoch int
	// ValidRMSE is the validation RMSE of the kept weights (0 without
	// validation).
	ValidRMSE float64
	// Stop says why training ended (train.Result.Stop).
	Stop string
	// Seconds is the wall time of the run, its test evaluation included.
	Seconds float64
}

// FoldResult is the outcome of one fold.
type FoldResult struct {
	Fold Fold
	// Test holds the test errors of the final model.
	Test Metrics
	// Select is the validation run that chose the epoch count; Final the
	// run that produced the tested model (the same run with NoRefit).
	Select, Final *FitReport
	// Tuned, with Protocol.Tune, is the fold's search, whose chosen
	// configuration Select and Final trained.
	Tuned *pipeline.Tuned
	// Seconds is the wall time of the fold, reading included.
	Seconds float64
}

// Summary is the mean and sample standard deviation over folds.
type Summary struct {
	RMSE, RMSEStd, MAE, MAEStd float64
}

// Summarize averages fold results (metric.StatOf); no folds give zeros.
func Summarize(rs []FoldResult) Summary {
	if len(rs) == 0 {
		return Summary{}
	}
	rmse, mae := make([]float64, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		rmse[i], mae[i] = r.Test.RMSE, r.Test.MAE
	}
	r, m := metric.StatOf(rmse), metric.StatOf(mae)
	return Summary{RMSE: r.Mean, RMSEStd: r.Std, MAE: m.Mean, MAEStd: m.Std}
}

// RunFold trains cfg's model on a fold's training file (MovieLens format)
// under the protocol and scores it on the test file, both through the one
// core: pipeline.PrepareRating fits the id vocabularies on the training
// file and draws the validation part, pipeline.TrainModel trains with
// early stopping on its RMSE, and then (unless p.NoRefit) trains a fresh
// model, same seed, on the whole training file for the best epoch count.
// A batch of 0 in cfg.Train is every training vector of AutoRec (the
// full-batch rules).
func RunFold(ctx context.Context, f Fold, cfg *pipeline.Config, p Protocol) (*FoldResult, error) {
	start := time.Now()
	in := pipeline.Inputs{Data: "movielens:" + f.Train, Test: "movielens:" + f.Test, CacheDir: p.CacheDir, SplitSeed: 1}
	prep, err := pipeline.PrepareRating(ctx, cfg, in, p.Holdout)
	if err != nil {
		return nil, err
	}
	defer prep.Close()
	run := *cfg
	if run.Train.Batch == 0 {
		run.Train.Batch = vectors(cfg.Model.Name, model.NewLayout(prep.Encoders))
	}
	var tuned *pipeline.Tuned
	if p.Tune != nil {
		if tuned, err = pipeline.Search(ctx, prep, &run, in.Data, *p.Tune); err != nil {
			return nil, fmt.Errorf("fold %s: %w", f.Name, err)
		}
		run = tuned.Config
	}
	sel, err := pipeline.TrainModel(ctx, prep, &run, in.Data, pipeline.RunOptions{})
	if err != nil {
		return nil, fmt.Errorf("fold %s: %w", f.Name, err)
	}
	final := sel
	if !p.NoRefit {
		all := *prep
		all.Train, all.Valid = train.Data{Set: prep.Train.Set}, train.Data{}
		run.Train.Epochs = max(sel.BestEpoch, 1)
		if final, err = pipeline.TrainModel(ctx, &all, &run, in.Data, pipeline.RunOptions{}); err != nil {
			return nil, fmt.Errorf("fold %s: refit: %w", f.Name, err)
		}
	}
	res := &FoldResult{Fold: f, Select: report(sel), Final: report(final), Tuned: tuned}
	res.Final.ValidRMSE = 0
	if p.NoRefit {
		res.Final = res.Select
	}
	res.Test = Metrics{RMSE: final.Report.Metrics["rmse"], MAE: final.Report.Metrics["mae"], N: prep.Test.Len(), Unseen: unseen(prep)}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func report(o *pipeline.Outcome) *FitReport {
	return &FitReport{Epochs: o.Epochs, BestEpoch: o.BestEpoch, ValidRMSE: o.Result.Valid["rmse"], Stop: o.Result.Stop, Seconds: o.Seconds}
}

// vectors is the number of AutoRec's input vectors over l: the items for
// autorec-i, the users for autorec-u.
func vectors(name string, l model.Layout) int {
	src := feature.Item
	if name == "autorec-u" {
		src = feature.User
	}
	for _, s := range l.Slots {
		if s.Source == src {
			t := l.Tables[s.Table]
			return max(int(t.Size-t.OOV), 1)
		}
	}
	return 1
}

// unseen counts the test ratings whose user or item the training file
// lacks: an out-of-vocabulary id.
func unseen(p *pipeline.Prepared) int {
	l := model.NewLayout(p.Encoders)
	set, f := p.Test.Set, len(l.Slots)
	n := 0
	for r := range p.Test.Len() {
		for k, s := range l.Slots {
			t := l.Tables[s.Table]
			if set.IDs[r*f+k] < t.Offset+t.OOV {
				n++
				break
			}
		}
	}
	return n
}

// RunFolds runs every fold in order; onFold, when set, sees each result
// as it comes.
func RunFolds(ctx context.Context, folds []Fold, cfg *pipeline.Config, p Protocol, onFold func(*FoldResult)) ([]FoldResult, error) {
	var out []FoldResult
	for _, f := range folds {
		r, err := RunFold(ctx, f, cfg, p)
		if err != nil {
			return nil, err
		}
		if onFold != nil {
			onFold(r)
		}
		out = append(out, *r)
	}
	return out, nil
}
