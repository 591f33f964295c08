package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/recforge/recforge/train"
)

// progress renders training progress: a bar per epoch (rows/s, loss, ETA)
// on a terminal, one plain line per epoch otherwise.
type progress struct {
	w     io.Writer
	name  string
	quiet bool
	tty   bool
	bar   *progressbar.ProgressBar
	cur   int
}

func newProgress(w io.Writer, name string, quiet bool) *progress {
	p := &progress{w: w, name: name, quiet: quiet}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) batch(pr train.Progress) {
	if p.quiet || !p.tty {
		return
	}
	if p.bar == nil || p.cur != pr.Epoch {
		p.finishBar()
		p.cur = pr.Epoch
		p.bar = progressbar.NewOptions(pr.Total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%s epoch %d/%d", p.name, pr.Epoch, pr.Epochs)),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(24),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.4f", p.name, pr.Epoch, pr.Epochs, pr.Loss))
	p.bar.Set(pr.Done)
}

func (p *progress) finishBar() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

func (p *progress) epoch(es train.EpochStats) {
	if p.quiet {
		return
	}
	p.finishBar()
	var b strings.Builder
	fmt.Fprintf(&b, "%s epoch %d: train loss %.4f", p.name, es.Epoch, es.TrainLoss)
	if es.AuxLoss != nil {
		// DIEN's auxiliary loss, the epoch's mean before α.
		fmt.Fprintf(&b, " (aux %.4f)", *es.AuxLoss)
	}
	names := make([]string, 0, len(es.Valid))
	for k := range es.Valid {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) > 0 {
		b.WriteString("  valid")
		for _, k := range names {
			fmt.Fprintf(&b, " %s %.4f", k, es.Valid[k])
		}
	}
	fmt.Fprintf(&b, "  lr %.3g  %.0f rows/s  %.1fs", es.LR, es.RowsPerSec, es.Seconds)
	if es.Best {
		b.WriteString("  *")
	}
	fmt.Fprintln(p.w, b.String())
}

func (p *progress) done() { p.finishBar() }
