package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/recforge/recforge/behavior" // registers the behavior reader for every command
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

// sequenceSpecs documents the behaviour specs, for --help.
const sequenceSpecs = `
Behaviour data (DIN/DIEN samples: a user's latest behaviours, a candidate, a label):
  behavior:sasrec?path=Video.txt              item-id sequences, "user item" per line in time order
                                              (amazon-video-seq); the next item is a positive, a sampled
                                              item the user never touched a negative (neg=N per positive)
  behavior:movielens?path=ml-100k             MovieLens-100K by timestamp, first genre as the category,
                                              rating >= min_rating (default 4) as the label
  behavior:amazon-electronics?path=F.csv      CSV user_id,item_id,time[,cate_id] (DIN's Amazon layout)
  behavior:synthetic?users=20000&seed=1       the planted-recent-interest generator (the oracle AUC is shown)
Every spec takes max_len (history window, default 50); log specs take valid and test (each user's
latest steps held out, default 1 each) and seed (negatives). This command serves part=train, part=valid
and part=test of the spec; recforge train and zoo take them as --data, --valid and --test.
`

// readerList names every reader data.Open accepts, read from the data
// package's registry (the built-in readers and those that behavior, synth
// and others register), so that the help cannot go stale.
func readerList() string { return strings.Join(data.ReaderNames(), ", ") }

// dataSpecExamples are the help's examples of data specs, one per kind of
// source; the behaviour formats come from behavior.Formats.
func dataSpecExamples() string {
	ex := map[string]string{
		"synthetic":          "behavior:synthetic?users=20000&seed=1&part=train",
		"sasrec":             "behavior:sasrec?path=Video.txt&part=train",
		"movielens":          "behavior:movielens?path=ml-100k&part=train",
		"amazon-electronics": "behavior:amazon-electronics?path=reviews.csv&part=train",
	}
	var b strings.Builder
	b.WriteString("e.g. criteo:train.txt, avazu:train.csv, csv:data.csv (schema from --config), movielens:ml-100k/u1.base,\n")
	b.WriteString("synthetic:ctr?rows=100000&seed=1, taobao:train_sample.csv (Taobao ad clicks with click histories);\n")
	b.WriteString("behaviour specs, part=train, valid or test (recforge sequence takes them without part and --help explains them):")
	for _, f := range behavior.Formats {
		e, ok := ex[f]
		if !ok {
			e = "behavior:" + f + "?path=FILE&part=train"
		}
		b.WriteString("\n  " + e)
	}
	b.WriteString("\nSee the README for every reader's options.")
	return b.String()
}

func runSequence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sequence", "sequence --data 'behavior:FORMAT?…' [--models seqbase,din,dien] [--seeds N] [--config FILE] [--out DIR] [--tune [--tune-trials N] [--tune-budget EPOCHS]]", stdout, stderr)
	fs.extra = sequenceSpecs + cacheHelp()
	var rf runFlags
	rf.register(fs.FlagSet)
	models := fs.String("models", "seqbase,din,dien", "comma-separated model `NAMES`")
	seeds := fs.Int("seeds", 1, "training seeds per model (mean ± std over them)")
	out := fs.String("out", "sequence", "`DIR` for leaderboard.csv, .json and .svg; with --tune, DIR/tune/MODEL holds each model's trials.jsonl, trials.svg and tuned.yaml")
	quiet := fs.Bool("quiet", false, "no progress output")
	var tf tuneFlags
	tf.register(fs.FlagSet)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		return missing(fs, "data")
	}
	if rf.valid != "" || rf.test != "" {
		return badFlag("--valid and --test do not apply: the command takes the validation and test parts of --data's behaviour spec")
	}
	if *seeds < 1 {
		return badFlag("--seeds %d, want ≥ 1", *seeds)
	}
	parts, err := sequenceParts(rf.data)
	if err != nil {
		return err
	}
	names := splitList(*models)
	if len(names) == 0 {
		return missing(fs, "models")
	}
	for _, n := range names {
		if _, ok := model.Lookup(n); !ok {
			return unknownModel("sequence", n, "model", model.Names())
		}
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
		tuneOpt.Command = reproduceCommand(parts[0], parts[1], parts[2])
	}
	if tuneOpt != nil {
		for _, n := range names {
			if _, err := model.SpaceOf(n); err != nil {
				return err
			}
		}
	}
	in := rf.inputs(cfg)
	in.Data, in.Valid, in.Test = parts[0], parts[1], parts[2]
	in.OnProgress = newProgress(stderr, "", *quiet).stage
	p, err := pipeline.Prepare(ctx, cfg, in)
	if err != nil {
		return err
	}
	defer p.Close()
	stored, dense := p.Train.Set.SeqBytes()
	rows := float64(max(p.Train.Set.Rows, 1))
	fmt.Fprintf(stdout, "data: %d training, %d validation, %d test samples; %d ids\n", p.Train.Len(), p.Valid.Len(), p.Test.Len(), p.Encoders.Rows())
	fmt.Fprintf(stdout, "histories: %.1f bytes per training sample by reference, %.1f dense (%.1f×)\n", float64(stored)/rows, float64(dense)/rows, float64(dense)/float64(max(stored, 1)))
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
	if sp, _ := behavior.ParseSpec(strings.TrimPrefix(parts[2], "behavior:")); sp != nil && sp.Format == "synthetic" {
		// Generated data knows its truth: show the oracle beside the models.
		auc, _, err := behavior.SyntheticOracle(parts[2])
		if err != nil {
			return err
		}
		lb.References = append(lb.References, pipeline.Reference{Name: "oracle", Metric: "auc", Value: auc})
	}
	lb.Title = "recforge sequence: " + rf.data
	return finishBoard(lb, *out, stdout)
}

// sequenceParts returns the train, valid and test specs of a behaviour
// spec given without its part.
func sequenceParts(spec string) ([3]string, error) {
	var out [3]string
	reader, path, _ := strings.Cut(spec, ":")
	if reader != "behavior" {
		return out, badFlag("--data %q: expected a behaviour spec, behavior:FORMAT?key=value&… (see --help)", spec)
	}
	if _, q, _ := strings.Cut(path, "?"); strings.Contains("&"+q, "&part=") {
		return out, badFlag("--data %q: leave part out: the command trains on part=train, tunes on part=valid and tests on part=test", spec)
	}
	sep := "?"
	if strings.Contains(spec, "?") {
		sep = "&"
	}
	for i, part := range []string{"train", "valid", "test"} {
		out[i] = spec + sep + "part=" + part
	}
	if _, err := behavior.ParseSpec(strings.TrimPrefix(out[0], "behavior:")); err != nil {
		return out, err
	}
	return out, nil
}
