package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

func runZoo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("zoo", "zoo --data SPEC [--models a,b,…] [--seeds N] [--config FILE] [--out DIR] [--tune [--tune-trials N] [--tune-budget EPOCHS]]", stdout, stderr)
	fs.extra = cacheHelp()
	var rf runFlags
	rf.register(fs.FlagSet)
	models := fs.String("models", "", "comma-separated model `NAMES` (default: every registered CTR model)")
	seeds := fs.Int("seeds", 1, "training seeds per model (mean ± std over them)")
	out := fs.String("out", "zoo", "`DIR` for leaderboard.csv, .json and .svg; with --tune, DIR/tune/MODEL holds each model's trials.jsonl, trials.svg and tuned.yaml")
	quiet := fs.Bool("quiet", false, "no progress output")
	var tf tuneFlags
	tf.register(fs.FlagSet)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		return missing(fs, "data")
	}
	if *seeds < 1 {
		return badFlag("--seeds %d, want ≥ 1", *seeds)
	}
	cfg, err := rf.load(fs.FlagSet)
	if err != nil {
		return err
	}
	tuneOpt, err := tf.options(fs.FlagSet)
	if err != nil {
		return err
	}
	if tuneOpt != nil {
		tuneOpt.Command = reproduceCommand(rf.data, rf.valid, rf.test)
	}
	names := splitList(*models)
	if len(names) == 0 {
		for _, m := range pipeline.ZooModels {
			if _, ok := model.Lookup(m); ok {
				names = append(names, m)
			}
		}
	}
	for _, n := range names {
		if _, ok := model.Lookup(n); !ok {
			return unknownModel("zoo", n, "model", model.Names())
		}
	}
	if tuneOpt != nil {
		for _, n := range names {
			if _, err := model.SpaceOf(n); err != nil {
				return err
			}
		}
	}
	in := rf.inputs(cfg)
	in.OnProgress = newProgress(stderr, "", *quiet).stage
	p, err := pipeline.Prepare(ctx, cfg, in)
	if err != nil {
		return err
	}
	defer p.Close()
	opt := pipeline.ZooOptions{Models: names, Seeds: *seeds, OnRun: runLine(stderr, *quiet), Tune: tuneOpt}
	if tuneOpt != nil {
		tf.report(tuneOpt, stderr, *quiet)
		opt.OnTuned = zooTuned(*out, stderr, *quiet)
	}
	lb, err := pipeline.Zoo(ctx, p, cfg, rf.data, opt)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	setTunedConfigs(lb, *out)
	if strings.HasPrefix(rf.data, "synthetic:") && rf.valid == "" && rf.test == "" && len(cfg.Data.Split) == 0 {
		// Generated data knows its truth: show the oracle beside the models.
		if lb.References, err = pipeline.SyntheticReferences(rf.data, cfg.Train.Seed); err != nil {
			return err
		}
	}
	return finishBoard(lb, *out, stdout)
}

// runLine reports each finished run on one line.
func runLine(w io.Writer, quiet bool) func(string, uint64, *pipeline.Outcome) {
	return func(name string, seed uint64, o *pipeline.Outcome) {
		if quiet {
			return
		}
		fmt.Fprintf(w, "%-10s seed %d: %s after %d epochs (best %d), %.0f rows/s, %.1fs\n",
			name, seed, metricsLine(o.Report.Metrics), o.Epochs, o.BestEpoch, o.TrainRowsPerSec, o.Seconds)
	}
}

func metricsLine(m map[string]float64) string {
	var parts []string
	for _, k := range []string{"auc", "logloss", "gauc", "rmse", "mae"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.4f", k, v))
		}
	}
	return strings.Join(parts, " ")
}

// finishBoard prints the table, writes the files and ends with the JSON
// line.
func finishBoard(lb *pipeline.Leaderboard, out string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "\n%s — %s, test metrics (%s)\n\n", lb.Data, lb.Protocol, lb.Split)
	if err := lb.WriteTable(stdout); err != nil {
		return err
	}
	if err := lb.WriteFiles(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nleaderboard: %s, %s, %s\n", filepath.Join(out, "leaderboard.csv"), filepath.Join(out, "leaderboard.json"), filepath.Join(out, "leaderboard.svg"))
	return writeJSONLine(stdout, lb)
}
