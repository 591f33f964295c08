package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "train --model NAME --data SPEC [--valid SPEC --test SPEC] [--config FILE] [--epochs N] [--batch N] [--seed S] [--out DIR] [--warm-start DIR [--refit-stats]] [--tune [--tune-trials N] [--tune-budget EPOCHS]]", stdout, stderr)
	fs.extra = cacheHelp()
	var rf runFlags
	rf.register(fs.FlagSet)
	name := fs.String("model", "", "registered model `NAME` (recforge models lists them); overrides the configuration's")
	out := fs.String("out", "", "output `DIR`: the artifact (DIR/model), train.jsonl, learning_curve.svg, checkpoint; with --tune also trials.jsonl, trials.svg and tuned.yaml (default runs/NAME)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	overwrite := fs.Bool("overwrite", false, "replace an earlier run in --out")
	quiet := fs.Bool("quiet", false, "no progress output")
	folds := fs.Int("folds", 0, "k-fold over given files: `K` runs with {fold} in --data and --test replaced by 1..K")
	warmDir := fs.String("warm-start", "", "continue the artifact in `DIR` (e.g. runs/deepfm/model) on new data: its model and hyper-parameters, its vocabularies grown with the new values, its weights; the optimizer state starts afresh")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (data preparation, training, evaluation) to `FILE` (go tool pprof)")
	refitStats := fs.Bool("refit-stats", false, "with --warm-start, refit the numeric statistics (standardize, minmax, missing: mean) on the new data instead of keeping the artifact's")
	var tf tuneFlags
	tf.register(fs.FlagSet)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		return missing(fs, "data")
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
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
	switch {
	case tuneOpt != nil && *folds != 0:
		return badFlag("--tune and --folds: a search chooses on one validation part; run it on one fold and train the folds with its tuned.yaml")
	case tuneOpt != nil && *resume:
		return badFlag("--tune and --resume: a search cannot be resumed; run it again with --overwrite")
	case tuneOpt != nil && *warmDir != "":
		return badFlag("--tune and --warm-start: a warm start keeps the artifact's hyper-parameters")
	}
	if *name != "" {
		if cfg.Model.Name != "" && cfg.Model.Name != *name {
			cfg.Model.Params = nil // the file's parameters belong to its model
		}
		cfg.Model.Name = *name
	}
	var warm *pipeline.Warm
	switch {
	case *warmDir != "" && *folds != 0:
		return badFlag("--warm-start and --folds: a warm start continues one model; k-fold trains several from scratch")
	case *refitStats && *warmDir == "":
		return badFlag("--refit-stats needs --warm-start: a run from scratch fits its statistics anyway")
	case *warmDir != "":
		if warm, err = pipeline.OpenWarm(*warmDir); err != nil {
			return err
		}
		warm.RefitStats = *refitStats
		if cfg.Model.Name == "" {
			cfg.Model.Name = warm.Manifest.Model
		}
	}
	if cfg.Model.Name == "" {
		return missing(fs, "model")
	}
	if _, ok := model.Lookup(cfg.Model.Name); !ok {
		return unknownModel("train", cfg.Model.Name, "model", model.Names())
	}
	if tuneOpt != nil {
		if _, err := model.SpaceOf(cfg.Model.Name); err != nil {
			return err
		}
	}
	// The file's models section holds per-model settings, as zoo and
	// sequence read them (the flags still win: see runFlags.load).
	mc := cfg.ForModel(cfg.Model.Name)
	cfg = &mc
	if warm != nil {
		if err := warm.Configure(cfg); err != nil {
			return err
		}
	}
	if *out == "" {
		*out = filepath.Join("runs", cfg.Model.Name)
	}
	prog := newProgress(stderr, cfg.Model.Name, *quiet)
	ropts := pipeline.RunOptions{Out: *out, Resume: *resume, Overwrite: *overwrite, OnBatch: prog.batch, OnEpoch: prog.epoch, OnProgress: prog.stage, Warm: warm}
	in := rf.inputs(cfg)
	in.OnProgress = prog.stage
	in.Warm = warm
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
	if warm != nil && !*quiet {
		fmt.Fprintln(stderr, warmSummary(warm, p.Growth))
	}
	if !*quiet && p.Summary != "" {
		fmt.Fprintf(stderr, "data: %s (%s); %d ids\n", p.Summary, p.Split, p.Encoders.Rows())
	} else if !*quiet {
		fmt.Fprintf(stderr, "data: %d training, %d validation, %d test rows (%s); %d ids\n",
			p.Train.Len(), p.Valid.Len(), p.Test.Len(), p.Split, p.Encoders.Rows())
	}
	var o *pipeline.Outcome
	if tuneOpt != nil {
		tf.report(tuneOpt, stderr, *quiet)
		var t *pipeline.Tuned
		t, err = pipeline.Tune(ctx, p, cfg, rf.data, *tuneOpt, ropts)
		prog.done()
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return errInterrupted
			}
			return err
		}
		o = t.Outcome
		if !*quiet {
			fmt.Fprintln(stderr, tunedLine(t, fmt.Sprintf("its training with the full budget (%d epochs): valid %s %.4f; trials in %s, configuration in %s",
				t.Options.Budget, t.Metric, o.Result.Valid[t.Metric], filepath.Join(*out, pipeline.TrialsFile), o.Tuned.Config)))
		}
	} else {
		o, err = pipeline.TrainModel(ctx, p, cfg, rf.data, ropts)
		prog.done()
		if err != nil {
			return interrupted(err, *out)
		}
	}
	if !*quiet {
		fmt.Fprintf(stderr, "stopped: %s; best epoch %d of %d; artifact %s\n", o.Result.Stop, o.BestEpoch, o.Epochs, o.Artifact)
	}
	return writeJSONLine(stdout, o)
}

// warmSummary says in one line what a warm start continues and how its
// vocabularies grew.
func warmSummary(w *pipeline.Warm, growth []feature.Growth) string {
	var b strings.Builder
	fmt.Fprintf(&b, "warm start: %s from %s", w.Manifest.Model, w.Dir)
	grown, rare := 0, 0
	var parts []string
	for _, g := range growth {
		rare += g.Rare
		if g.Added > 0 {
			grown++
			parts = append(parts, fmt.Sprintf("%s +%d", g.Table, g.Added))
		}
	}
	if grown == 0 {
		b.WriteString("; no vocabulary grew")
	} else {
		if len(parts) > 8 {
			parts = append(parts[:8], fmt.Sprintf("%d more", len(parts)-8))
		}
		fmt.Fprintf(&b, "; %d of %d vocabularies grew (%s)", grown, len(growth), strings.Join(parts, ", "))
	}
	if rare > 0 {
		fmt.Fprintf(&b, "; %d new values below min_count stay out of vocabulary", rare)
	}
	if w.RefitStats {
		b.WriteString("; numeric statistics refitted")
	} else {
		b.WriteString("; numeric statistics kept")
	}
	b.WriteString("; optimizer state starts afresh")
	return b.String()
}

// interrupted explains how to continue a run stopped by a signal.
func interrupted(err error, out string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: the checkpoint of the last finished epoch is in %s; continue with --resume", errInterrupted, out)
	}
	return err
}
