package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/train"
	"github.com/recforge/recforge/tune"
)

// tuneFlags are the hyper-parameter search flags of train, zoo and
// sequence (pipeline.Tune, pipeline.ZooOptions.Tune).
type tuneFlags struct {
	on                  bool
	trials, budget, eta int
	seed                uint64
}

// register registers --tune and its settings.
func (t *tuneFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.on, "tune", false, "search the hyper-parameters first: successive halving over the model's search space (docs/tuning.md), "+
		"every trial scored on the validation part only, never the test part; then train the configuration chosen")
	fs.IntVar(&t.trials, "tune-trials", tune.DefaultTrials, "configurations the search compares, `N` ≥ 2: the one given and N-1 drawn from the search space")
	fs.IntVar(&t.budget, "tune-budget", 0, "the full budget in `EPOCHS`: the chosen configuration trains for it, the last rung of the search for 1/η of it, each earlier rung 1/η of the next (default: --epochs)")
	fs.IntVar(&t.eta, "tune-eta", tune.DefaultEta, "halving factor `ETA` ≥ 2: each rung keeps the best 1/η of its trials for the next, which trains η times the epochs")
	fs.Uint64Var(&t.seed, "tune-seed", 1, "seed of the configurations the search draws (the trials train with --seed, as the chosen one does)")
}

// options returns the search the flags ask for, nil without --tune; a
// search setting without --tune, or out of range, is a usage error.
func (t *tuneFlags) options(fs *flag.FlagSet) (*pipeline.TuneOptions, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !t.on {
		for _, n := range []string{"tune-trials", "tune-budget", "tune-eta", "tune-seed"} {
			if set[n] {
				return nil, badFlag("--%s needs --tune", n)
			}
		}
		return nil, nil
	}
	switch {
	case t.trials < 2 || t.trials > tune.MaxTrials:
		return nil, badFlag("--tune-trials %d, want 2 to %d (configurations to choose between)", t.trials, tune.MaxTrials)
	case set["tune-budget"] && t.budget < 1:
		return nil, badFlag("--tune-budget %d, want ≥ 1 epoch", t.budget)
	case t.eta < 2:
		return nil, badFlag("--tune-eta %d, want ≥ 2", t.eta)
	}
	return &pipeline.TuneOptions{Trials: t.trials, Budget: t.budget, Eta: t.eta, Seed: t.seed}, nil
}

// report sets the callbacks of o that print each trial and each rung to
// w, unless quiet.
func (t *tuneFlags) report(o *pipeline.TuneOptions, w io.Writer, quiet bool) {
	if quiet {
		return
	}
	o.OnRecord = func(r pipeline.TrialRecord) {
		fmt.Fprintf(w, "tune %s rung %d: %s\n", r.Model, r.Rung, r)
	}
	o.OnRung = func(rung tune.Rung, recs []pipeline.TrialRecord) {
		higher, _ := train.HigherIsBetter(recs[0].Metric)
		var kept []string
		var best *pipeline.TrialRecord
		for i, r := range recs {
			if !r.Kept {
				continue
			}
			kept = append(kept, fmt.Sprint(r.Trial))
			if best == nil || higher && r.Value > best.Value || !higher && r.Value < best.Value {
				best = &recs[i]
			}
		}
		what := fmt.Sprintf("kept trials %s for the next rung", strings.Join(kept, ", "))
		if rung.Keep == 1 {
			what = fmt.Sprintf("chose trial %d", best.Trial)
		}
		fmt.Fprintf(w, "tune %s rung %d (%d trials × %s): %s; best valid %s %.4f (trial %d)\n",
			best.Model, rung.Index, rung.Size, plural(rung.Epochs, "epoch", "epochs"), what, best.Metric, best.Value, best.Trial)
	}
}

// tunedLine says in one line what a search chose, and then what.
func tunedLine(t *pipeline.Tuned, then string) string {
	var parts []string
	for _, m := range []map[string]any{t.Chosen.Train, t.Chosen.Params} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
		}
	}
	return fmt.Sprintf("tune %s: chose trial %d of %d (%s), valid %s %.4f at the last rung; %s",
		t.Model, t.Chosen.ID, t.Summary("").Trials, strings.Join(parts, ", "), t.Metric, t.Value, then)
}

// reproduceCommand is the command line that trains the tuned.yaml of a
// search on data (and valid and test, if given).
func reproduceCommand(data, valid, test string) string {
	s := "recforge train --config tuned.yaml --data " + shellQuote(data)
	if valid != "" {
		s += " --valid " + shellQuote(valid)
	}
	if test != "" {
		s += " --test " + shellQuote(test)
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,=+@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// zooTuneDir is where zoo and sequence write a model's search.
func zooTuneDir(out, model string) string { return filepath.Join(out, "tune", model) }

// zooTuned returns the OnTuned of a zoo's search: each model's files go
// to zooTuneDir, and a line says what was chosen.
func zooTuned(out string, w io.Writer, quiet bool) func(string, *pipeline.Tuned) error {
	return func(name string, t *pipeline.Tuned) error {
		dir := zooTuneDir(out, name)
		if err := t.WriteFiles(dir); err != nil {
			return err
		}
		if !quiet {
			fmt.Fprintln(w, tunedLine(t, fmt.Sprintf("trials and configuration in %s; training it over the seeds", dir)))
		}
		return nil
	}
}

// setTunedConfigs names each tuned entry's configuration file.
func setTunedConfigs(lb *pipeline.Leaderboard, out string) {
	for i := range lb.Entries {
		if e := &lb.Entries[i]; e.Tuned != nil {
			e.Tuned.Config = filepath.Join(zooTuneDir(out, e.Model), pipeline.TunedFile)
		}
	}
}
