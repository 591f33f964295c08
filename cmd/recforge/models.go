package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/recforge/recforge/model"
)

func runModels(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models", "models", stderr)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, n := range model.Names() {
		info, _ := model.Lookup(n)
		fmt.Fprintf(tw, "%s\t%s\n", n, info.Summary)
	}
	return tw.Flush()
}
