package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/recforge/recforge/pipeline"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "demo [--rows N] [--out DIR]", stdout, stderr)
	fs.extra = cacheHelp()
	rows := fs.Int("rows", 200000, "synthetic rows to generate")
	out := fs.String("out", "demo", "`DIR` for the leaderboard files")
	cacheDir := fs.String("cache-dir", "", cacheDirUsage)
	quiet := fs.Bool("quiet", false, "no progress output")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *rows < 1000 {
		return badFlag("--rows %d, want ≥ 1000", *rows)
	}
	start := time.Now()
	if !*quiet {
		fmt.Fprintf(stderr, "generating %d Criteo-shaped rows with planted feature crosses; training on an 8:1:1 split\n", *rows)
	}
	lb, p, err := pipeline.Demo(ctx, pipeline.DemoOptions{Rows: *rows, CacheDir: *cacheDir, OnRun: runLine(stderr, *quiet)})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	defer p.Close()
	if err := finishBoard(lb, *out, stdout); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "demo finished in %.0fs\n", time.Since(start).Seconds())
	}
	return nil
}
