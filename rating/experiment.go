package rating

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Model is a rating predictor over dense ids.
type Model interface {
	// Fit trains on train. When valid is non-nil, an iterative model scores
	// it after every epoch, stops once it has not improved for its
	// patience, and keeps the parameters of its best epoch.
	Fit(ctx context.Context, train, valid *Ratings) (*FitReport, error)
	// Predict returns the predicted rating of dense user u for dense item
	// i; either may be Unseen, which gets the model's documented fallback.
	Predict(u, i int32) float32
}

// FitReport describes one training run.
type FitReport struct {
	// Epochs is the number of epochs run (0 for the closed-form baseline);
	// BestEpoch the epoch whose parameters were kept (Epochs without
	// validation).
	Epochs, BestEpoch int
	// ValidRMSE is the validation RMSE of the kept parameters (0 without
	// validation); Curve the validation RMSE after every epoch.
	ValidRMSE float64
	Curve     []float64
	// TrainLoss is the training objective after every epoch (data term
	// plus regularization, as the model defines it).
	TrainLoss []float64
	// Seconds is the wall time of Fit.
	Seconds float64
}

// Metrics are the errors of predictions on a rating log.
type Metrics struct {
	RMSE, MAE float64
	// N is the number of ratings scored; Unseen how many of them had an
	// unseen user or item.
	N, Unseen int
}

// Evaluate scores m on every rating of r, summing in float64.
func Evaluate(m Model, r *Ratings) Metrics {
	var se, ae float64
	unseen := 0
	for k, v := range r.Values {
		u, i := r.Users[k], r.Items[k]
		if u == Unseen || i == Unseen {
			unseen++
		}
		e := float64(m.Predict(u, i)) - float64(v)
		se += e * e
		ae += math.Abs(e)
	}
	n := float64(r.Len())
	return Metrics{RMSE: math.Sqrt(se / n), MAE: ae / n, N: r.Len(), Unseen: unseen}
}

// stopper is early stopping on validation RMSE: it tracks the best epoch
// and says when patience epochs have passed without improvement.
type stopper struct {
	patience  int
	best      float64
	bestEpoch int
}

// observe records the RMSE of an epoch; improved says to snapshot the
// parameters, stop to end training.
func (s *stopper) observe(epoch int, rmse float64) (improved, stop bool) {
	if s.bestEpoch == 0 || rmse < s.best {
		s.best, s.bestEpoch = rmse, epoch
		return true, false
	}
	return false, s.patience > 0 && epoch-s.bestEpoch >= s.patience
}

// Builder returns a fresh, untrained model. epochs > 0 overrides the
// configured (maximum) number of epochs, for refitting with the epoch
// count chosen on validation; models without epochs ignore it.
type Builder func(epochs int) (Model, error)

// Protocol is how a model is trained and evaluated on one fold.
type Protocol struct {
	// ValidMode is how the validation part is drawn from the training
	// file: "random" (default) holds out a uniform share of its ratings
	// (Ratings.Split); "users" holds out a share of the ratings of a
	// sampled share of its users (Ratings.SplitUsers), as ML-100K's
	// user-blocked test files do. The test file is never used for any
	// choice.
	ValidMode string
	// ValidShare is the share held out to choose the epoch count by early
	// stopping: of all ratings in "random" mode (default 0.05), of each
	// drawn user's ratings in "users" mode (default 0.2).
	ValidShare float64
	// ValidUsers is the share of users drawn in "users" mode (default 0.5).
	ValidUsers float64
	// ValidSeed seeds the hold-out (default 1).
	ValidSeed uint64
	// NoRefit keeps the early-stopped model trained on the rest of the
	// training file. By default the model is retrained from scratch on the
	// whole training file for the chosen number of epochs.
	NoRefit bool
}

func (p Protocol) withDefaults() Protocol {
	if p.ValidMode == "" {
		p.ValidMode = "random"
	}
	if p.ValidShare == 0 {
		p.ValidShare = 0.05
		if p.ValidMode == "users" {
			p.ValidShare = 0.2
		}
	}
	if p.ValidUsers == 0 {
		p.ValidUsers = 0.5
	}
	if p.ValidSeed == 0 {
		p.ValidSeed = 1
	}
	return p
}

// split draws the validation part of base as p.ValidMode says.
func (p Protocol) split(base *Ratings) (rest, valid *Ratings, err error) {
	switch p.ValidMode {
	case "random":
		return base.Split(p.ValidShare, p.ValidSeed)
	case "users":
		return base.SplitUsers(p.ValidUsers, p.ValidShare, p.ValidSeed)
	}
	return nil, nil, fmt.Errorf("validation mode %q, want random or users", p.ValidMode)
}

// Fold is one train/test pair of rating files.
type Fold struct {
	Name, Train, Test string
}

// FoldsFromPattern expands "{fold}" in the train and test patterns to
// 1..n (e.g. "ml-100k/u{fold}.base"). With n = 1 and no "{fold}" the
// patterns are the files themselves.
func FoldsFromPattern(train, test string, n int) ([]Fold, error) {
	if n < 1 {
		return nil, fmt.Errorf("%d folds, want ≥ 1", n)
	}
	if n > 1 && (!strings.Contains(train, "{fold}") || !strings.Contains(test, "{fold}")) {
		return nil, fmt.Errorf("%d folds need {fold} in both the train pattern %q and the test pattern %q", n, train, test)
	}
	folds := make([]Fold, n)
	for k := range n {
		s := strconv.Itoa(k + 1)
		folds[k] = Fold{Name: s, Train: strings.ReplaceAll(train, "{fold}", s), Test: strings.ReplaceAll(test, "{fold}", s)}
	}
	return folds, nil
}

// FoldResult is the outcome of one fold.
type FoldResult struct {
	Fold Fold
	// Test holds the test errors of the final model.
	Test Metrics
	// Select is the validation run that chose the epoch count; Final the
	// run that produced the tested model (the same run with NoRefit).
	Select, Final *FitReport
	// Seconds is the wall time of the fold, reading included.
	Seconds float64
}

// Summary is the mean and sample standard deviation over folds.
type Summary struct {
	RMSE, RMSEStd, MAE, MAEStd float64
}

// Summarize averages fold results.
func Summarize(rs []FoldResult) Summary {
	var s Summary
	n := float64(len(rs))
	for _, r := range rs {
		s.RMSE += r.Test.RMSE / n
		s.MAE += r.Test.MAE / n
	}
	if len(rs) > 1 {
		for _, r := range rs {
			s.RMSEStd += (r.Test.RMSE - s.RMSE) * (r.Test.RMSE - s.RMSE)
			s.MAEStd += (r.Test.MAE - s.MAE) * (r.Test.MAE - s.MAE)
		}
		s.RMSEStd = math.Sqrt(s.RMSEStd / (n - 1))
		s.MAEStd = math.Sqrt(s.MAEStd / (n - 1))
	}
	return s
}

// RunFold trains a model on a fold's training file under the protocol
// and scores it on the test file. The id index is fitted on the training
// file; test ids it lacks are Unseen.
func RunFold(ctx context.Context, f Fold, build Builder, p Protocol) (*FoldResult, error) {
	start := time.Now()
	p = p.withDefaults()
	trainRaw, err := ReadFile(f.Train)
	if err != nil {
		return nil, err
	}
	testRaw, err := ReadFile(f.Test)
	if err != nil {
		return nil, err
	}
	idx := NewIndex(trainRaw)
	base, test := idx.Encode(trainRaw), idx.Encode(testRaw)
	m, sel, final, err := FitProtocol(ctx, base, build, p)
	if err != nil {
		return nil, fmt.Errorf("fold %s: %w", f.Name, err)
	}
	return &FoldResult{Fold: f, Test: Evaluate(m, test), Select: sel, Final: final, Seconds: time.Since(start).Seconds()}, nil
}

// FitProtocol fits a model on base: early stopping on a held-out share,
// then (unless p.NoRefit) a refit on all of base for the chosen epochs.
func FitProtocol(ctx context.Context, base *Ratings, build Builder, p Protocol) (Model, *FitReport, *FitReport, error) {
	p = p.withDefaults()
	rest, valid, err := p.split(base)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := build(0)
	if err != nil {
		return nil, nil, nil, err
	}
	sel, err := m.Fit(ctx, rest, valid)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.NoRefit {
		return m, sel, sel, nil
	}
	m, err = build(sel.BestEpoch)
	if err != nil {
		return nil, nil, nil, err
	}
	final, err := m.Fit(ctx, base, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, sel, final, nil
}

// RunFolds runs every fold in order; onFold, when set, sees each result
// as it comes.
func RunFolds(ctx context.Context, folds []Fold, build Builder, p Protocol, onFold func(*FoldResult)) ([]FoldResult, error) {
	var out []FoldResult
	for _, f := range folds {
		r, err := RunFold(ctx, f, build, p)
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
