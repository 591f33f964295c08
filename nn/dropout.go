package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dropout is inverted dropout (Srivastava et al., 2014): in training each
// value is zeroed with probability Rate() and the survivors are scaled by
// 1/(1 − Rate()), so that inference is the identity and needs no rescaling.
//
// Masks come from a generator owned by the layer, seeded at construction, so
// that a run is reproducible whatever else draws random numbers. It starts in
// training mode.
type Dropout struct {
	// Width is the number of values per row.
	Width int

	rate        float64
	maxBatch    int
	n           int
	src         *rand.PCG
	threshold   uint64 // a value is dropped when its 32 random bits are below it
	scale       float32
	inference   bool
	fwdTraining bool
	mask        []float32 // 0 or scale, per value of the last training Forward
	y, dx       []float32
}

// NewDropout returns a Dropout layer over batches of up to maxBatch rows of
// width values, dropping with probability rate and drawing its masks from a
// generator seeded with seed.
func NewDropout(width, maxBatch int, rate float64, seed uint64) *Dropout {
	if width < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: Dropout: width and maxBatch must be positive, got %d and %d", width, maxBatch))
	}
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("nn: Dropout: rate must be in [0, 1), got %g", rate))
	}
	d := &Dropout{
		Width: width, rate: rate, maxBatch: maxBatch,
		src:       &rand.PCG{},
		threshold: uint64(rate * (1 << 32)),
		scale:     float32(1 / (1 - rate)),
		mask:      make([]float32, maxBatch*width),
		y:         make([]float32, maxBatch*width),
		dx:        make([]float32, maxBatch*width),
	}
	d.Reseed(seed)
	return d
}

// Reseed restarts the mask stream as if the layer had been built with seed,
// so that a resumed run or a gradient check can replay the same masks.
func (d *Dropout) Reseed(seed uint64) { d.src.Seed(seed, seed^0x9e3779b97f4a7c15) }

// Rate returns the probability of dropping a value, fixed at construction.
func (d *Dropout) Rate() float64 { return d.rate }

// SetTraining selects random masks (true, the initial mode) or the identity.
func (d *Dropout) SetTraining(training bool) { d.inference = !training }

// Forward returns the n×Width batch x with a fresh mask applied in training,
// or x itself at inference: the identity needs no copy, and x, the
// previous layer's output, stays unchanged until that layer's next Forward.
func (d *Dropout) Forward(x []float32, n int) []float32 {
	if n < 0 || n > d.maxBatch {
		panic(fmt.Sprintf("nn: Dropout: batch %d outside [0, %d]", n, d.maxBatch))
	}
	m := n * d.Width
	if len(x) < m {
		panic(fmt.Sprintf("nn: Dropout: input has %d values, need %d×%d", len(x), n, d.Width))
	}
	d.n = n
	d.fwdTraining = !d.inference && d.rate > 0
	x, y := x[:m], d.y[:m]
	if !d.fwdTraining {
		return x
	}
	mask := d.mask[:m]
	// Branch-free: a random keep/drop decision defeats the branch
	// predictor, and mispredictions cost more than the generator.
	// low < threshold (both < 2^32) exactly when low − threshold wraps,
	// setting bit 63; keep is then all zeros, else all ones.
	scale := math.Float32bits(d.scale)
	var bits uint64
	for i := range mask {
		if i&1 == 0 {
			bits = d.src.Uint64()
		} else {
			bits >>= 32
		}
		keep := uint32((bits&0xffffffff-d.threshold)>>63) - 1
		mask[i] = math.Float32frombits(scale & keep)
		y[i] = x[i] * mask[i]
	}
	return y
}

// Backward returns dL/dx: dy through the last training mask, or dy itself
// copied when the last Forward was the identity.
func (d *Dropout) Backward(dy []float32) []float32 {
	m := d.n * d.Width
	dy, dx := dy[:m], d.dx[:m]
	if !d.fwdTraining {
		copy(dx, dy)
		return dx
	}
	for i, g := range dy {
		dx[i] = g * d.mask[i]
	}
	return dx
}
