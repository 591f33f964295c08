package main

import (
	"context"
	"fmt"
	"io"

	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/pipeline"
)

func runData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		// Asked for, the help goes to stdout; shown for a mistake, to stderr.
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		fmt.Fprintln(w, "Usage: recforge data inspect SPEC [--max-rows N] > run.yaml   (a configuration for train --config; the report in its comments)")
		fmt.Fprintln(w, "       recforge data encode --data SPEC [--valid SPEC --test SPEC] [--config FILE] [--cache-dir DIR]")
		fmt.Fprintln(w, "\nrecforge data inspect --help and recforge data encode --help list their flags.")
		fmt.Fprint(w, cacheHelp())
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "inspect":
		return runInspect(ctx, args[1:], stdout, stderr)
	case "encode":
		return runEncode(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "recforge data: unknown subcommand %q, expected inspect or encode (see recforge data --help)\n", args[0])
	return errUsage
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data inspect", "data inspect SPEC [--max-rows N] > run.yaml   (a configuration for train --config; the report in its comments)", stdout, stderr)
	maxRows := fs.Int("max-rows", 0, "read at most `N` rows (0: all)")
	var rf readFlags
	rf.register(fs.FlagSet, "skip and count malformed records instead of failing")
	// Flags may come before or after SPEC.
	var spec string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		spec, args = args[0], args[1:]
	}
	rest, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if spec == "" && len(rest) == 1 {
		spec = rest[0]
	} else if len(rest) > 0 {
		return fs.fail("unexpected argument %q", rest[0])
	}
	if spec == "" {
		if len(args) == 0 {
			fmt.Fprintln(stderr, "recforge data inspect: a data SPEC (READER:PATH) is required")
			fs.usage(stderr)
			return errUsage
		}
		return fs.fail("a data SPEC (READER:PATH) is required")
	}
	ropts, err := rf.options()
	if err != nil {
		return err
	}
	in, err := dataset.Inspect(ctx, spec, dataset.InspectOptions{MaxRows: *maxRows, Read: ropts})
	if err != nil {
		return err
	}
	// The whole output is a configuration file; the report is in its
	// comments.
	return pipeline.WriteInspection(stdout, in, ropts)
}

func runEncode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data encode", "data encode --data SPEC [--valid SPEC --test SPEC] [--config FILE] [--seed S] [--cache-dir DIR] [--threads N]", stdout, stderr)
	var rf runFlags
	// Only the data flags: encoding trains nothing.
	fs.extra = cacheHelp()
	rf.registerData(fs.FlagSet, "seed of the 8:1:1 split (or 9:1 with --test alone) whose training part the encoders are fitted on (default: the configuration's, else 1)")
	fs.IntVar(&rf.threads, "threads", 1, "threads for fitting and encoding (the encoders and caches are identical for any count)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if rf.data == "" {
		return missing(fs, "data")
	}
	if rf.threads < 1 {
		return badFlag("--threads %d, want ≥ 1", rf.threads)
	}
	cfg, err := rf.load(fs.FlagSet)
	if err != nil {
		return err
	}
	in := rf.inputs(cfg)
	in.OnProgress = newProgress(stderr, "", false).stage
	p, err := pipeline.Prepare(ctx, cfg, in)
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(stderr, "encoded %s: %d training, %d validation, %d test rows (%s); %d embedding ids; %d records skipped\n",
		rf.data, p.Train.Len(), p.Valid.Len(), p.Test.Len(), p.Split, p.Encoders.Rows(), p.Skipped)
	return writeJSONLine(stdout, map[string]any{
		"data": rf.data, "train_rows": p.Train.Len(), "valid_rows": p.Valid.Len(), "test_rows": p.Test.Len(),
		"ids": p.Encoders.Rows(), "skipped": p.Skipped, "fingerprint": p.Fingerprint,
	})
}
