//go:build ignore

// ctr_tsv writes the rows of a synthetic:ctr source as a Criteo-format TSV
// file, so that another framework can train on exactly the data recforge
// reads from the same spec:
//
//	go run scripts/torch/ctr_tsv.go -rows 810000 -seed 1 -out /tmp/ctr.tsv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/recforge/recforge/synth"
)

func main() {
	rows := flag.Int("rows", 810000, "rows to write")
	seed := flag.Uint64("seed", 1, "the generator's seed (synthetic:ctr?seed=)")
	out := flag.String("out", "", "the TSV `FILE` to write")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "ctr_tsv: -out FILE is required")
		os.Exit(2)
	}
	g, _, err := synth.ParseCTRSpec(fmt.Sprintf("ctr?rows=%d&seed=%d", *rows, *seed))
	if err == nil {
		err = g.WriteTSVFile(*out, *rows)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctr_tsv:", err)
		os.Exit(1)
	}
}
