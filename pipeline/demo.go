package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/synth"
)

// DemoModels are the models the demo compares (those registered): the
// fastest of each family, so that the demo stays under two minutes.
var DemoModels = []string{"lr", "fm", "nfm", "dcn", "deepfm", "ipnn"}

// ZooModels are the CTR models the zoo compares by default.
var ZooModels = []string{"lr", "fm", "fnn", "ipnn", "opnn", "pnn", "deepcrossing", "widedeep", "dcn", "deepfm", "nfm", "afm"}

// DemoOptions size the demo.
type DemoOptions struct {
	// Rows is the number of synthetic rows (default 200000).
	Rows int
	// Seed seeds the generator, the split and training (default 1).
	Seed uint64
	// Models to compare (default DemoModels, those registered).
	Models []string
	// CacheDir holds the encoded cache.
	CacheDir string
	// Config is the training configuration (default: DemoConfig).
	Config *Config
	// OnRun and Run are passed to Zoo.
	OnRun func(name string, seed uint64, o *Outcome)
	Run   RunOptions
}

// DemoConfig is the demo's training configuration: up to five epochs of
// batch 1024 with Adam at 3e-3, and per model the L2 penalty on the
// embeddings that validation AUC chose on this generator
// (configs/zoo/synthetic.yaml): without it FM and NFM fit noise in the 736
// field pairs that carry no signal and fall behind LR.
func DemoConfig() Config {
	c := DefaultConfig()
	c.Train.Epochs = 5
	c.Train.Batch = 1024
	c.Train.Optimizer.LR = 3e-3
	c.Models = map[string]ModelSettings{
		"fm":     {Params: map[string]any{"l2_v": 5e-4}},
		"nfm":    {Params: map[string]any{"l2_v": 3e-4}},
		"dcn":    {Params: map[string]any{"l2_emb": 1e-3}},
		"deepfm": {Params: map[string]any{"l2_emb": 1e-3}},
		"ipnn":   {Params: map[string]any{"l2_emb": 3e-4}},
	}
	return c
}

// Demo generates Criteo-shaped synthetic data with planted crosses, trains
// each model on its 8:1:1 split and ranks them beside the generator's
// oracle AUC on the test rows (the best any model can expect) and the
// first-order oracle (what an additive model such as LR can approach).
func Demo(ctx context.Context, opt DemoOptions) (*Leaderboard, *Prepared, error) {
	if opt.Rows == 0 {
		opt.Rows = 200000
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if len(opt.Models) == 0 {
		for _, m := range DemoModels {
			if _, ok := model.Lookup(m); ok {
				opt.Models = append(opt.Models, m)
			}
		}
	}
	cfg := DemoConfig()
	if opt.Config != nil {
		cfg = *opt.Config
	}
	cfg.Train.Seed = opt.Seed
	// Cardinalities capped at 100 let 160,000 training rows learn every
	// value, so that what separates the models is the planted crosses.
	spec := fmt.Sprintf("synthetic:ctr?rows=%d&seed=%d&max_vocab=100", opt.Rows, opt.Seed)
	p, err := Prepare(ctx, &cfg, Inputs{Data: spec, CacheDir: opt.CacheDir, SplitSeed: opt.Seed})
	if err != nil {
		return nil, nil, err
	}
	lb, err := Zoo(ctx, p, &cfg, spec, ZooOptions{Models: opt.Models, Seeds: 1, OnRun: opt.OnRun, Run: opt.Run})
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	refs, err := SyntheticReferences(spec, opt.Seed)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	lb.References = refs
	lb.Title = fmt.Sprintf("recforge demo: synthetic CTR data, %d rows (seed %d)", opt.Rows, opt.Seed)
	return lb, p, nil
}

// SyntheticReferences returns the truth of a synthetic CTR spec's test
// part under the default 8:1:1 split with seed: the oracle AUC of the true
// probabilities (the best any model can expect) and of the first-order
// logit (what an additive model such as LR can approach).
func SyntheticReferences(spec string, seed uint64) ([]Reference, error) {
	path, ok := strings.CutPrefix(spec, "synthetic:")
	if !ok {
		return nil, fmt.Errorf("%s is not a synthetic spec", spec)
	}
	g, rows, err := synth.ParseCTRSpec(path)
	if err != nil {
		return nil, err
	}
	split, err := data.NewHashSplit(defaultSplit, seed)
	if err != nil {
		return nil, err
	}
	o, err := g.OracleOf(rows, func(i int) bool { return split.Part(int64(i)) == 2 })
	if err != nil {
		return nil, err
	}
	return []Reference{
		{Name: "oracle (true probabilities)", Metric: "auc", Value: o.AUC},
		{Name: "first-order oracle", Metric: "auc", Value: o.FirstOrderAUC},
	}, nil
}
