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

	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/train"
)

// progress renders training progress: a bar per epoch (rows/s, loss, ETA)
// on a terminal, one plain line per epoch otherwise; and likewise the
// progress of fitting the encoders and encoding the data (stage), a bar
// per stage and a line at the end of each.
type progress struct {
	w     io.Writer
	name  string
	quiet bool
	tty   bool
	bar   *progressbar.ProgressBar
	cur   int
	// The stage being read (fit or encode, and its spec) and when it
	// began.
	stageKey   string
	stageStart time.Time
	now        func() time.Time // time.Now, or a test's clock
}

func newProgress(w io.Writer, name string, quiet bool) *progress {
	p := &progress{w: w, name: name, quiet: quiet, now: time.Now}
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

// stage renders the progress of a stage over the data (dataset.Progress):
// on a terminal a bar over the rows when the source knows how many it
// holds, else over the bytes of its files, else a running count, with
// rows/s and an ETA; at the end of the stage, terminal or not, one line:
//
//	fit synthetic:ctr?rows=200000&seed=1: 200,000 rows in 851ms (234,947 rows/s)
func (p *progress) stage(pr dataset.Progress) {
	if p.quiet {
		return
	}
	key := pr.Stage + "\x00" + pr.Spec
	if key != p.stageKey {
		p.finishBar()
		p.stageKey, p.stageStart = key, p.now()
	}
	if pr.Done {
		p.finishBar()
		p.stageKey = ""
		if pr.Reused {
			if pr.Stage == "fit" {
				// The fitted encoders were kept: no record was read.
				fmt.Fprintf(p.w, "%s %s: the encoders fitted by an earlier run, from the cache (current)\n", pr.Stage, pr.Spec)
				return
			}
			fmt.Fprintf(p.w, "%s %s: %s rows, from the cache (current)\n", pr.Stage, pr.Spec, thousands(pr.Rows))
			return
		}
		secs := p.now().Sub(p.stageStart).Seconds()
		rate := ""
		if secs > 0 {
			rate = fmt.Sprintf(" (%s rows/s)", thousands(int64(float64(pr.Rows)/secs)))
		}
		took := time.Duration(secs * float64(time.Second))
		if took < time.Second {
			took = took.Round(time.Millisecond)
		} else {
			took = took.Round(100 * time.Millisecond)
		}
		fmt.Fprintf(p.w, "%s %s: %s rows in %s%s\n", pr.Stage, pr.Spec, thousands(pr.Rows), took, rate)
		return
	}
	if !p.tty {
		return
	}
	desc := fmt.Sprintf("%s %s", pr.Stage, pr.Spec)
	if p.bar == nil {
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSetWidth(24),
			progressbar.OptionClearOnFinish(),
		}
		max := int64(-1) // a spinner: the total is unknown
		switch {
		case pr.TotalRows > 0:
			max = pr.TotalRows
			opts = append(opts, progressbar.OptionSetItsString("rows"), progressbar.OptionShowIts(), progressbar.OptionShowCount())
		case pr.TotalBytes > 0:
			max = pr.TotalBytes
			opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowCount())
		default:
			opts = append(opts, progressbar.OptionSetItsString("rows"), progressbar.OptionShowIts(), progressbar.OptionShowCount())
		}
		p.bar = progressbar.NewOptions64(max, opts...)
	}
	if pr.TotalRows <= 0 && pr.TotalBytes > 0 {
		// The bar counts bytes: the rows and their rate go in the text.
		if secs := p.now().Sub(p.stageStart).Seconds(); secs > 0 {
			desc += fmt.Sprintf(" %s rows, %s rows/s", thousands(pr.Rows), thousands(int64(float64(pr.Rows)/secs)))
		}
		p.bar.Describe(desc)
		p.bar.Set64(pr.BytesRead)
		return
	}
	p.bar.Set64(pr.Rows)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
