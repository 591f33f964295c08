package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/pipeline"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "eval --artifact DIR --data SPEC", stdout, stderr)
	var af artifactFlags
	af.register(fs.FlagSet, "labeled data `SPEC` (READER:PATH); for a ranking model, a ranking data set (ncf:PREFIX, movielens:FILE or ml1m-implicit:DIR) ranked under its protocol", "skip and count malformed records instead of failing")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	l, err := af.load(fs)
	if err != nil {
		return err
	}
	ropts, err := af.read.options()
	if err != nil {
		return err
	}
	rep, err := l.Evaluate(ctx, af.spec, ropts, metric.ProtocolHoldout)
	if err != nil {
		return err
	}
	return writeJSONLine(stdout, map[string]any{
		"model": l.Manifest.Model, "data": af.spec, "protocol": rep.Protocol, "metrics": rep.Metrics, "artifact": af.dir,
	})
}

func runPredict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", "predict --artifact DIR --data SPEC [--output FILE] [--explain]", stdout, stderr)
	var af artifactFlags
	af.register(fs.FlagSet, "data `SPEC` (READER:PATH); a label column is not needed", "skip malformed records (their scores are left out)")
	output := fs.String("output", "", "write the scores to `FILE` instead of stdout")
	overwrite := fs.Bool("overwrite", false, "replace an existing --output file")
	explain := fs.Bool("explain", false, `one JSON line per row instead: the score and the attention weights behind it, `+
		`over the history's real elements (DIN, DIEN: {"score":…,"attention":[{"seq":…,"pos":…,"id":…,"item":…,"weight":…}]}) `+
		`or over pairs of fields (AFM: {"score":…,"pairs":[{"fields":[…],"weight":…}]})`)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	l, err := af.load(fs)
	if err != nil {
		return err
	}
	var dst io.Writer = stdout
	var tmp *atomicfile.File
	if *output != "" {
		if _, err := os.Stat(*output); err == nil && !*overwrite {
			return fmt.Errorf("%s exists; pass --overwrite to replace it", *output)
		}
		if tmp, err = atomicfile.Create(*output, 0o644); err != nil {
			return err
		}
		defer tmp.Abort()
		dst = tmp
	}
	w := bufio.NewWriter(dst)
	var buf []byte
	rows := 0
	ropts, err := af.read.options()
	if err != nil {
		return err
	}
	var skipped int64
	if *explain {
		skipped, err = l.Explain(ctx, af.spec, ropts, func(ex []pipeline.Explanation) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			for _, e := range ex {
				b, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if _, err := w.Write(append(b, '\n')); err != nil {
					return err
				}
			}
			rows += len(ex)
			return nil
		})
	} else {
		skipped, err = l.Score(ctx, af.spec, ropts, func(scores, _ []float32, _ []int64) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			for _, s := range scores {
				// The shortest form that reads back as the same float32.
				buf = strconv.AppendFloat(buf[:0], float64(s), 'g', -1, 32)
				buf = append(buf, '\n')
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
			rows += len(scores)
			return nil
		})
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	if tmp != nil {
		if err := tmp.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d scores written to %s", rows, *output)
		if skipped > 0 {
			fmt.Fprintf(stderr, " (%d malformed records skipped)", skipped)
		}
		fmt.Fprintln(stderr)
	}
	return nil
}

// artifactFlags are the flags of the commands that score data with an
// artifact.
type artifactFlags struct {
	dir, spec      string
	batch, threads int
	read           readFlags
}

func (a *artifactFlags) register(fs *flag.FlagSet, dataUsage, skipUsage string) {
	fs.StringVar(&a.dir, "artifact", "", "artifact `DIR` (a training run's DIR/model)")
	fs.StringVar(&a.spec, "data", "", dataUsage)
	fs.IntVar(&a.batch, "batch", 1024, "scoring batch size")
	fs.IntVar(&a.threads, "threads", 1, scoreThreadsUsage)
	a.read.register(fs, skipUsage)
}

// load checks the required flags and loads the artifact, to score on
// --threads threads.
func (a *artifactFlags) load(fs *cmdFlags) (*pipeline.Loaded, error) {
	if a.dir == "" {
		return nil, missing(fs, "artifact")
	}
	if a.spec == "" {
		return nil, missing(fs, "data")
	}
	if a.threads < 1 {
		return nil, badFlag("--threads %d, want ≥ 1", a.threads)
	}
	l, err := pipeline.Load(a.dir, a.batch)
	if err != nil {
		return nil, err
	}
	l.Threads = a.threads
	return l, nil
}
