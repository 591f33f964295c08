package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/recforge/recforge/metric"
)

// FoldPlaceholder marks the fold number in the specs of a k-fold run, as
// in "movielens:ml-100k/u{fold}.base".
const FoldPlaceholder = "{fold}"

// FoldsOutcome is a k-fold run: one outcome per fold and the metrics'
// mean and sample standard deviation over folds.
type FoldsOutcome struct {
	Model           string             `json:"model"`
	Data            string             `json:"data"`
	Protocol        string             `json:"protocol"`
	Metrics         map[string]float64 `json:"metrics"`
	MetricsStd      map[string]float64 `json:"metrics_std"`
	TrainRowsPerSec float64            `json:"train_rows_per_sec"`
	Folds           []*Outcome         `json:"folds"`
}

// KFold trains and tests once per given fold: every FoldPlaceholder in
// in's specs becomes 1, 2, …, k (each fold's files, as ML-100K's u1..u5
// are), each fold writing into opts.Out/foldN.
func KFold(ctx context.Context, cfg *Config, in Inputs, k int, opts RunOptions) (*FoldsOutcome, error) {
	if k < 2 {
		return nil, fmt.Errorf("k-fold: %d folds, want ≥ 2", k)
	}
	if !strings.Contains(in.Data, FoldPlaceholder) || in.Test == "" || !strings.Contains(in.Test, FoldPlaceholder) {
		return nil, fmt.Errorf("k-fold: the training and test specs must both contain %s (e.g. movielens:u%s.base and movielens:u%s.test)", FoldPlaceholder, FoldPlaceholder, FoldPlaceholder)
	}
	fo := &FoldsOutcome{Model: cfg.Model.Name, Data: in.Data, Protocol: metric.ProtocolKFold(k), Metrics: map[string]float64{}, MetricsStd: map[string]float64{}}
	values := map[string][]float64{}
	var speed []float64
	for f := 1; f <= k; f++ {
		sub := func(s string) string { return strings.ReplaceAll(s, FoldPlaceholder, strconv.Itoa(f)) }
		fin := in
		fin.Data, fin.Valid, fin.Test = sub(in.Data), sub(in.Valid), sub(in.Test)
		p, err := Prepare(ctx, cfg, fin)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f, err)
		}
		fopts := opts
		if opts.Out != "" {
			fopts.Out = filepath.Join(opts.Out, "fold"+strconv.Itoa(f))
		}
		o, err := TrainModel(ctx, p, cfg, fin.Data, fopts)
		p.Close()
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f, err)
		}
		for name, v := range o.Report.Metrics {
			values[name] = append(values[name], v)
		}
		speed = append(speed, o.TrainRowsPerSec)
		fo.Folds = append(fo.Folds, o)
	}
	for name, vs := range values {
		if len(vs) == k {
			s := metric.StatOf(vs)
			fo.Metrics[name], fo.MetricsStd[name] = s.Mean, s.Std
		}
	}
	fo.TrainRowsPerSec = metric.StatOf(speed).Mean
	return fo, nil
}
