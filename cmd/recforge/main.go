// Command recforge trains, evaluates and compares recommendation models.
//
//	recforge demo
//	recforge train --model deepfm --data criteo:train.txt --out runs/deepfm
//	recforge eval --artifact runs/deepfm/model --data criteo:test.txt
//
// Run "recforge help" for every command. The command parses flags and
// renders results; the work is done by the library packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "train a few models on synthetic data and compare them with the oracle", runDemo},
		{"train", "train a model and save its artifact", runTrain},
		{"eval", "evaluate an artifact on labeled data", runEval},
		{"predict", "score rows with an artifact, one score per line", runPredict},
		{"serve", "serve artifacts over HTTP: predict, rank, recommend, KServe v2 and Prometheus metrics", runServe},
		{"zoo", "train several models on the same data and rank them", runZoo},
		{"ratings", "rating prediction (baseline, biased MF, AutoRec) over MovieLens folds", runRatings},
		{"ranking", "implicit-feedback ranking (ItemPop, MF, GMF, MLP, NeuMF) under the NCF or full-ranking protocol", runRanking},
		{"sequence", "behaviour-sequence models (seqbase, DIN, DIEN) on a behaviour source's time-ordered split", runSequence},
		{"drn", "DRN and its baselines in the recommendation simulator, over simulated time", runDRN},
		{"data", "inspect a data source or build its encoded cache", runData},
		{"bench", "measure training throughput and scoring latency per model", runBench},
		{"models", "list the registered models", runModels},
		{"cache", "show where the encoded-data caches are and their size, or remove them", runCache},
		{"version", "print the version of recforge, of Go and the source revision", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errInterrupted marks a run stopped by a signal: exit status 130.
var errInterrupted = errors.New("interrupted")

// run executes one command line and returns the exit status: 0, 1 on
// error (one line on stderr), 2 on a usage error, 130 on interruption.
// Help that was asked for goes to stdout with status 0; usage shown
// because of a mistake goes to stderr with status 2.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		// recforge help CMD [SUB] is recforge CMD [SUB] --help.
		args = append(append([]string{args[1]}, args[2:]...), "--help")
	case "-version", "--version":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ue *usageError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "recforge %s: %v\n", c.name, ue)
			return 2
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errInterrupted) || errors.Is(err, context.Canceled):
			fmt.Fprintf(stderr, "recforge %s: %v\n", c.name, err)
			return 130
		default:
			fmt.Fprintf(stderr, "recforge %s: %v\n", c.name, err)
			return 1
		}
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	hint := ""
	if near := closest(args[0], names); len(near) > 0 {
		hint = "; did you mean " + strings.Join(near, " or ") + "?"
	}
	fmt.Fprintf(stderr, "recforge: unknown command %q%s (see recforge help)\n", args[0], hint)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "recforge — train, evaluate and compare recommendation models")
	fmt.Fprintln(w, "\nUsage: recforge COMMAND [flags]   (recforge COMMAND --help, or recforge help COMMAND, for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nData specs are READER:PATH with READER one of:", readerList()+";")
	fmt.Fprintln(w, dataSpecExamples())
}
