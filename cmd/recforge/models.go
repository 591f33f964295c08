package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/recforge/recforge/model"
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
