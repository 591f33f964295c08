package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// BenchResult is one model's speed: training throughput end to end (batch
// gathering, forward, backward and optimizer step; evaluation excluded)
// and the latency of scoring encoded rows, one at a time and 100 at a
// time, as quantiles over repeated calls.
type BenchResult struct {
	Model           string  `json:"model"`
	TrainRowsPerSec float64 `json:"train_rows_per_sec"`
	// Latencies in microseconds.
	Score1P50   float64 `json:"score_1_p50_us"`
	Score1P99   float64 `json:"score_1_p99_us"`
	Score100P50 float64 `json:"score_100_p50_us"`
	Score100P99 float64 `json:"score_100_p99_us"`
	// Params counts the model's weights, tables included.
	Params int `json:"params"`
}

// BenchOptions size a speed run.
type BenchOptions struct {
	// Repeats is the number of timed scoring calls per batch size
	// (default 2000).
	Repeats int
}

// Bench trains each model for cfg.Train.Epochs on p and times its
// scoring of p's test rows.
func Bench(ctx context.Context, p *Prepared, cfg *Config, models []string, opt BenchOptions) ([]BenchResult, error) {
	if opt.Repeats <= 0 {
		opt.Repeats = 2000
	}
	if p.Test.Len() < 100 {
		return nil, fmt.Errorf("bench: %d test rows, want at least 100", p.Test.Len())
	}
	var out []BenchResult
	for _, name := range models {
		c := cfg.ForModel(name)
		o, err := TrainModel(ctx, p, &c, "", RunOptions{})
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", name, err)
		}
		m := o.Trained
		r := BenchResult{Model: name, TrainRowsPerSec: o.TrainRowsPerSec}
		for _, pp := range model.Params(m) {
			r.Params += len(pp.W)
		}
		for _, t := range model.Tables(m) {
			r.Params += t.Rows * t.Dim
		}
		r.Score1P50, r.Score1P99 = timeScoring(m, p.Test, 1, opt.Repeats)
		r.Score100P50, r.Score100P99 = timeScoring(m, p.Test, 100, max(opt.Repeats/10, 50))
		out = append(out, r)
	}
	return out, nil
}

// timeScoring times repeats Forward calls over n consecutive rows of d
// (cycling through them) and returns the median and 99th percentile in
// microseconds.
func timeScoring(m model.Model, d train.Data, n, repeats int) (p50, p99 float64) {
	s := d.Set
	f, q, ns := s.Slots, s.SeqLen, s.NumSeq
	b := &model.Batch{N: n, IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q), SeqLens: make([]int32, n*ns)}
	times := make([]float64, repeats)
	start := 0
	for k := range repeats {
		for i := range n {
			r := d.Row((start + i) % d.Len())
			copy(b.IDs[i*f:(i+1)*f], s.IDs[r*f:(r+1)*f])
			s.ValueRow(r, b.Values[i*f:(i+1)*f])
			// Histories may be stored by reference (one pool per
			// sequence field), so they are gathered, not sliced.
			s.SeqRow(r, b.Seq[i*q:(i+1)*q])
			copy(b.SeqLens[i*ns:(i+1)*ns], s.SeqLens[r*ns:(r+1)*ns])
		}
		start += n
		t0 := time.Now()
		m.Forward(b)
		times[k] = float64(time.Since(t0).Nanoseconds()) / 1e3
	}
	slices.Sort(times)
	return times[len(times)/2], times[min(len(times)-1, len(times)*99/100)]
}
