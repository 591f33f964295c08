package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "train --model NAME --data SPEC [--valid SPEC --test SPEC] [--config FILE] [--epochs N] [--batch N] [--seed S] [--out DIR]", stdout, stderr)
	fs.extra = cacheHelp()
	var rf runFlags
	rf.register(fs.FlagSet)
	name := fs.String("model", "", "registered model `NAME` (recforge models lists them); overrides the configuration's")
	out := fs.String("out", "", "output `DIR`: the artifact (DIR/model), train.jsonl, learning_curve.svg, checkpoint (default runs/NAME)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	overwrite := fs.Bool("overwrite", false, "replace an earlier run in --out")
	quiet := fs.Bool("quiet", false, "no progress output")
	folds := fs.Int("folds", 0, "k-fold over given files: `K` runs with {fold} in --data and --test replaced by 1..K")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		return missing(fs, "data")
	}
	cfg, err := rf.load(fs.FlagSet)
	if err != nil {
		return err
	}
	if *name != "" {
		if cfg.Model.Name != "" && cfg.Model.Name != *name {
			cfg.Model.Params = nil // the file's parameters belong to its model
		}
		cfg.Model.Name = *name
	}
	if cfg.Model.Name == "" {
		return missing(fs, "model")
	}
	if _, ok := model.Lookup(cfg.Model.Name); !ok {
		return unknownModel("train", cfg.Model.Name, "model", model.Names())
	}
	// The file's models section holds per-model settings, as zoo and
	// sequence read them (the flags still win: see runFlags.load).
	mc := cfg.ForModel(cfg.Model.Name)
	cfg = &mc
	if *out == "" {
		*out = filepath.Join("runs", cfg.Model.Name)
	}
	prog := newProgress(stderr, cfg.Model.Name, *quiet)
	ropts := pipeline.RunOptions{Out: *out, Resume: *resume, Overwrite: *overwrite, OnBatch: prog.batch, OnEpoch: prog.epoch}
	in := rf.inputs(cfg)
	in.OnProgress = prog.stage
	if *folds != 0 {
		fo, err := pipeline.KFold(ctx, cfg, in, *folds, ropts)
		prog.done()
		if err != nil {
			return interrupted(err, *out)
		}
		return writeJSONLine(stdout, fo)
	}
	p, err := pipeline.Prepare(ctx, cfg, in)
	if err != nil {
		return err
	}
	defer p.Close()
	if !*quiet && p.Summary != "" {
		fmt.Fprintf(stderr, "data: %s (%s); %d ids\n", p.Summary, p.Split, p.Encoders.Rows())
	} else if !*quiet {
		fmt.Fprintf(stderr, "data: %d training, %d validation, %d test rows (%s); %d ids\n",
			p.Train.Len(), p.Valid.Len(), p.Test.Len(), p.Split, p.Encoders.Rows())
	}
	o, err := pipeline.TrainModel(ctx, p, cfg, rf.data, ropts)
	prog.done()
	if err != nil {
		return interrupted(err, *out)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "stopped: %s; best epoch %d of %d; artifact %s\n", o.Result.Stop, o.BestEpoch, o.Epochs, o.Artifact)
	}
	return writeJSONLine(stdout, o)
}

// interrupted explains how to continue a run stopped by a signal.
func interrupted(err error, out string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: the checkpoint of the last finished epoch is in %s; continue with --resume", errInterrupted, out)
	}
	return err
}
