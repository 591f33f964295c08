package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/recforge/recforge/blas"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/train"
)

// readFlags are the flags of every command that reads data.
type readFlags struct {
	skipBad      bool
	maxLineBytes int
}

func (r *readFlags) register(fs *flag.FlagSet, skipUsage string) {
	fs.BoolVar(&r.skipBad, "skip-bad", false, skipUsage)
	fs.IntVar(&r.maxLineBytes, "max-line-bytes", 0, fmt.Sprintf("longest line (or CSV record) a reader accepts, in `BYTES`; longer ones are malformed (default %d)", data.DefaultMaxLineBytes))
}

// options returns the reading options the flags set.
func (r *readFlags) options() (data.ReadOptions, error) {
	if r.maxLineBytes < 0 {
		return data.ReadOptions{}, badFlag("--max-line-bytes %d, want ≥ 0 (0: the default %d)", r.maxLineBytes, data.DefaultMaxLineBytes)
	}
	return data.ReadOptions{SkipBad: r.skipBad, MaxLineBytes: r.maxLineBytes}, nil
}

// runFlags are the flags train and zoo share: those of the data (see
// registerData) and those of training.
type runFlags struct {
	data, valid, test, config, cacheDir string
	epochs, batch, threads, shards      int
	seed                                uint64
	read                                readFlags
	// training is set by register: the command trains, and takes
	// --epochs, --batch and --threads.
	training bool
}

// register registers the data flags and the training flags.
func (r *runFlags) register(fs *flag.FlagSet) {
	r.registerData(fs, "seed of the split, initialization and shuffling (default: the configuration's, else 1)")
	r.training = true
	fs.IntVar(&r.epochs, "epochs", 0, "most epochs (default: the configuration's, else 10)")
	fs.IntVar(&r.batch, "batch", 0, "mini-batch size (default: the configuration's, else 1024)")
	fs.IntVar(&r.threads, "threads", 1, threadsUsage)
	fs.IntVar(&r.shards, "shards", 0, shardsUsage)
}

// The usage of --threads and --shards, shared by the commands that train,
// and of --threads of the commands that score with an artifact.
const (
	threadsUsage      = "threads that fit the encoders, encode the data, train a batch's shards at once (--shards), score validation and test batches at once and split large matrix products (results are identical for any count)"
	scoreThreadsUsage = "threads that score batches at once, each with a replica of the model sharing its weights (a ranking model: users at once; --explain: one thread); the scores are identical for any count"
	shardsUsage       = "split every batch into `N` shards trained by replicas of the model at once, on --threads cores; the result depends on N, never on --threads (default: the configuration's, else 1)"
)

// setThreads hands threads to the trainer, which runs that many of a
// batch's shards at once, and what the shards leave over to the matrix
// products of each shard.
func setThreads(threads, shards int) {
	train.SetThreads(threads)
	blas.SetThreads(max(1, threads/max(shards, 1)))
}

// registerData registers the flags that say what data to read and how to
// split and cache it, all that recforge data encode takes.
func (r *runFlags) registerData(fs *flag.FlagSet, seedUsage string) {
	fs.StringVar(&r.data, "data", "", "training data `SPEC` (READER:PATH); alone, it is split 8:1:1. A ranking model's is a data set with its own held-out part: ncf:PREFIX, movielens:FILE or ml1m-implicit:DIR")
	fs.StringVar(&r.valid, "valid", "", "validation data `SPEC` (needs --test)")
	fs.StringVar(&r.test, "test", "", "test data `SPEC`")
	fs.StringVar(&r.config, "config", "", "configuration `FILE` (YAML: schema, model, train, data)")
	fs.StringVar(&r.cacheDir, "cache-dir", "", cacheDirUsage)
	fs.Uint64Var(&r.seed, "seed", 0, seedUsage)
	r.read.register(fs, "skip and count malformed records instead of failing")
}

// load returns the configuration with the flags applied over it.
func (r *runFlags) load(fs *flag.FlagSet) (*pipeline.Config, error) {
	cfg := pipeline.DefaultConfig()
	if r.config != "" {
		var err error
		if cfg, err = pipeline.LoadConfig(r.config); err != nil {
			return nil, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// The flags' own values are checked here, as usage errors; what the
	// file holds was checked by LoadConfig.
	switch {
	case set["epochs"] && r.epochs < 1:
		return nil, badFlag("--epochs %d, want ≥ 1", r.epochs)
	case set["batch"] && r.batch < 1:
		return nil, badFlag("--batch %d, want ≥ 1", r.batch)
	case r.training && r.threads < 1:
		return nil, badFlag("--threads %d, want ≥ 1", r.threads)
	case set["shards"] && r.shards < 1:
		return nil, badFlag("--shards %d, want ≥ 1", r.shards)
	}
	// A flag wins over the file, its models section included: a per-model
	// epochs or batch gives way to --epochs or --batch.
	for name, m := range cfg.Models {
		if set["epochs"] {
			m.Epochs = 0
		}
		if set["batch"] {
			m.Batch = 0
		}
		cfg.Models[name] = m
	}
	if set["epochs"] {
		cfg.Train.Epochs = r.epochs
	}
	if set["batch"] {
		cfg.Train.Batch = r.batch
	}
	if set["seed"] {
		cfg.Train.Seed = r.seed
	}
	if set["shards"] {
		cfg.Train.Shards = r.shards
	}
	ropts, err := r.read.options()
	if err != nil {
		return nil, err
	}
	if ropts.SkipBad {
		cfg.Data.SkipBad = true
	}
	if set["max-line-bytes"] {
		cfg.Data.MaxLineBytes = ropts.MaxLineBytes
	}
	if err := cfg.Train.Validate(); err != nil {
		return nil, err
	}
	if r.training {
		setThreads(r.threads, cfg.Train.Shards)
	}
	return &cfg, nil
}

func (r *runFlags) inputs(cfg *pipeline.Config) pipeline.Inputs {
	return pipeline.Inputs{Data: r.data, Valid: r.valid, Test: r.test, CacheDir: r.cacheDir, SplitSeed: cfg.Train.Seed, Threads: r.threads}
}

// writeJSONLine writes v as one line of JSON: the machine-readable last
// line of a command's output.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// startCPUProfile starts a CPU profile written to path and returns what
// stops it; with path "" it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
