package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "bench [--data SPEC] [--models a,b,…] [--batch N] [--epochs N]", stdout, stderr)
	fs.extra = cacheHelp()
	var rf runFlags
	rf.register(fs.FlagSet)
	models := fs.String("models", "", "comma-separated model `NAMES` (default: every registered CTR model)")
	repeats := fs.Int("repeats", 2000, "timed scoring calls per batch size")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		rf.data = "synthetic:ctr?rows=200000&seed=1"
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg, err := rf.load(fs.FlagSet)
	if err != nil {
		return err
	}
	if !set["batch"] && rf.config == "" {
		cfg.Train.Batch = 4096
	}
	if !set["epochs"] && rf.config == "" {
		cfg.Train.Epochs = 1
	}
	names := splitList(*models)
	if len(names) == 0 {
		for _, m := range pipeline.ZooModels {
			if _, ok := model.Lookup(m); ok {
				names = append(names, m)
			}
		}
	}
	p, err := pipeline.Prepare(ctx, cfg, rf.inputs(cfg))
	if err != nil {
		return err
	}
	defer p.Close()
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(stderr, "%s: %d training rows, batch %d, %d epoch(s), %d thread(s)\n", rf.data, p.Train.Len(), cfg.Train.Batch, cfg.Train.Epochs, rf.threads)
	res, err := pipeline.Bench(ctx, p, cfg, names, pipeline.BenchOptions{Repeats: *repeats})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttrain rows/s\tscore 1 row p50 µs\tp99 µs\tscore 100 rows p50 µs\tp99 µs\tweights\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t\n", r.Model, r.TrainRowsPerSec, r.Score1P50, r.Score1P99, r.Score100P50, r.Score100P99, r.Params)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeJSONLine(stdout, res)
}
