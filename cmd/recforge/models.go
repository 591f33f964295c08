package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/rl"
)

func runModels(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models", "models", stdout, stderr)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	// Grouped by task, each model with its summary and its paper.
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tTASK\tSUMMARY\tPAPER")
	for _, task := range model.Tasks() {
		for _, n := range model.Names() {
			if info, _ := model.Lookup(n); info.Task == task {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, info.Task, info.Summary, info.Citation)
			}
		}
	}
	return tw.Flush()
}

// taskCommands name the command that runs a task's models under their own
// protocol, for the tasks that have one.
var taskCommands = map[string]string{
	model.TaskRating:   "recforge ratings runs rating models over MovieLens folds",
	model.TaskRanking:  "recforge ranking runs ranking models under the NCF or full-ranking protocol",
	model.TaskSequence: "recforge sequence runs sequence models on a behaviour spec's own split",
	"policy":           "recforge drn runs the DRN agent in the recommendation simulator",
}

// unknownModel explains a model name that is not among the names a flag
// of the command cmd takes (what: "model", "rating model"…): a policy of recforge drn is sent
// there, a registered model of another task to its command, and anything
// else gets the close names (autorec: autorec-i or autorec-u) with the
// command that runs them, or the whole list.
func unknownModel(cmd, name, what string, among []string) error {
	if slices.Contains(rl.ExperimentPolicies(), name) && !slices.Contains(among, name) {
		if _, registered := model.Lookup(name); !registered {
			return fmt.Errorf("%q is a policy of the DRN experiment, not a registered model: recforge drn --policies %s", name, name)
		}
	}
	if info, ok := model.Lookup(name); ok {
		hint := "recforge train trains it"
		if c, ok := taskCommands[info.Task]; ok {
			hint = c
		}
		return fmt.Errorf("%q is a %s model, not a %s (%s)", name, info.Task, what, hint)
	}
	near := closest(name, among)
	if len(near) == 0 {
		return fmt.Errorf("unknown %s %q, expected one of %s", what, name, strings.Join(among, ", "))
	}
	msg := fmt.Sprintf("unknown %s %q; did you mean %s?", what, name, strings.Join(near, " or "))
	var hints []string
	for _, n := range near {
		info, _ := model.Lookup(n)
		c, ok := taskCommands[info.Task]
		if ok && !strings.HasPrefix(c, "recforge "+cmd+" ") && !slices.Contains(hints, c) {
			hints = append(hints, c)
		}
	}
	if len(hints) > 0 {
		msg += " (" + strings.Join(hints, "; ") + ")"
	}
	return errors.New(msg)
}
