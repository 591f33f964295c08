package nn

import (
	"fmt"

	"github.com/recforge/recforge/blas"
)

// Dice is the data-adaptive activation of DIN (Zhou et al., KDD'18):
//
//	f(s) = p(s)·s + (1 − p(s))·α·s,   p(s) = σ((s − E[s]) / √(Var[s] + ε))
//
// per channel (column), with α learned per channel. E[s] and Var[s] are the
// batch's statistics in training, with the gradient flowing through them,
// and running averages at inference (BatchStats documents the momentum
// convention). It starts in training mode.
type Dice struct {
	BatchStats
	// Width is the number of channels.
	Width int
	// Alpha holds the per-channel slopes of the "off" side, initialised to 0
	// as in the official DIN code.
	Alpha *Param

	maxBatch int
	n        int
	x        []float32 // the last Forward's input, not copied
	xhat, p  []float32
	h        []float32 // backward scratch: dL/dxhat
	y, dx    []float32
	ga       []float64
}

// NewDice returns a Dice layer over batches of up to maxBatch rows of width
// channels, with ε = 1e-8 (the paper's value) and Momentum = 0.9; set the
// fields to change them. The momentum is PyTorch's default for batch
// statistics rather than Keras's 0.99: Dice's inputs drift fast while DIN
// learns, and over a few dozen batches an average that remembers 100 of them
// describes weights the model no longer has. On planted sequence data DIN's
// test AUC was 0.70 with 0.99 and 0.82 with 0.9, the training itself
// unchanged (BENCHMARKS.md, "DIN's raw mode").
func NewDice(name string, width, maxBatch int) *Dice {
	if width < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: Dice %s: width and maxBatch must be positive, got %d and %d", name, width, maxBatch))
	}
	m := maxBatch * width
	return &Dice{
		BatchStats: newBatchStats(width, 1e-8, 0.9),
		Width:      width,
		Alpha:      NewParam(name+".alpha", width),
		maxBatch:   maxBatch,
		xhat:       make([]float32, m),
		p:          make([]float32, m),
		h:          make([]float32, m),
		y:          make([]float32, m),
		dx:         make([]float32, m),
		ga:         make([]float64, width),
	}
}

// Params returns α.
func (d *Dice) Params() []*Param { return []*Param{d.Alpha} }

// Forward applies Dice to the n×Width batch x, which must stay unchanged
// until Backward. In training it also updates the running statistics.
func (d *Dice) Forward(x []float32, n int) []float32 {
	if n < 0 || n > d.maxBatch {
		panic(fmt.Sprintf("nn: Dice %s: batch %d outside [0, %d]", d.Alpha.Name, n, d.maxBatch))
	}
	w := d.Width
	if len(x) < n*w {
		panic(fmt.Sprintf("nn: Dice %s: input has %d values, need %d×%d", d.Alpha.Name, len(x), n, w))
	}
	d.n, d.x = n, x[:n*w]
	d.normalize("Dice", d.Alpha.Name, d.x, n, w, d.xhat)
	p := d.p[:n*w]
	blas.Sigmoid(p, d.xhat[:n*w])
	a := d.Alpha.W[:w]
	for i := 0; i < n; i++ {
		xr, pr, yr := d.x[i*w:i*w+w], p[i*w:i*w+w], d.y[i*w:i*w+w]
		for j, s := range xr {
			yr[j] = s * (a[j] + (1-a[j])*pr[j])
		}
	}
	return d.y[:n*w]
}

// Backward accumulates dL/dα and returns dL/ds: the direct term
// dy·(α + (1−α)·p) plus, through p, dL/dxhat = dy·s·(1−α)·p·(1−p) carried
// back through the normalisation (and the batch statistics in training).
func (d *Dice) Backward(dy []float32) []float32 {
	n, w := d.n, d.Width
	a := d.Alpha.W[:w]
	ga := d.ga[:w]
	clear(ga)
	for i := 0; i < n; i++ {
		o := i * w
		xr, pr, gr := d.x[o:o+w], d.p[o:o+w], dy[o:o+w]
		hr, dr := d.h[o:o+w], d.dx[o:o+w]
		for j, s := range xr {
			g, p := gr[j], pr[j]
			dr[j] = g * (a[j] + (1-a[j])*p)
			hr[j] = g * s * (1 - a[j]) * p * (1 - p)
			ga[j] += float64(g * s * (1 - p))
		}
	}
	for j, v := range ga {
		d.Alpha.G[j] += float32(v)
	}
	d.backward(d.h[:n*w], d.xhat, n, w, d.dx, true)
	return d.dx[:n*w]
}
