package nn

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/blas"
)

// BatchStats normalises each column (feature) of an n×w batch: by the
// batch's own mean and variance in training, by running averages of them at
// inference. BatchNorm and Dice embed it; its SetTraining makes them Trainers.
//
// Momentum convention (TensorFlow/Keras, not PyTorch): Momentum is the
// weight an exponential moving average keeps on its old value; PyTorch's
// momentum m is 1 − Momentum here. The running averages are debiased, as
// Adam debiases its moments: after t training batches they hold
//
//	running_t = Σ_{i≤t} Momentum^(t−i)·(1 − Momentum)·batch_i / (1 − Momentum^t),
//
// a weighted mean of the batches seen, computed as running_t = running_{t−1}
// + k_t·(batch_t − running_{t−1}) with k_t = (1 − Momentum)/(1 − Momentum^t),
// so the first batch replaces the initial values. Without the correction the
// initial values (0 and 1) keep a weight of Momentum^t: at 0.99 and 80 batches
// still 45%, and a layer whose inputs have a variance far from 1 (DIN's
// activation unit on 0.01-scale embeddings) normalises at inference by
// statistics unlike any batch it was trained on. The variance used, in
// training and in the running average, is the biased batch variance
// (1/n)·Σ(x − mean)², the quantity the normalisation divides by. Statistics
// are accumulated in float64.
type BatchStats struct {
	// Eps is added to the variance before the square root; it must be
	// positive.
	Eps float64
	// Momentum is the weight of the old running value, in [0, 1].
	Momentum float64
	// RunningMean and RunningVar are the inference statistics, one per
	// column; they start at 0 and 1 and are part of a trained model.
	RunningMean, RunningVar []float32
	// Batches holds one value, the number of training batches folded into
	// the running averages (t above; it stops counting at 2²⁴, where the
	// correction is long past mattering). It is a float32 slice so that it
	// is saved with the statistics as a buffer.
	Batches []float32

	inference   bool // zero value: training, as doc.go requires
	fwdTraining bool // the mode the last Forward ran in
	mean, rstd  []float64
	s1, s2      []float64
}

func newBatchStats(width int, eps, momentum float64) BatchStats {
	s := BatchStats{
		Eps: eps, Momentum: momentum,
		RunningMean: make([]float32, width), RunningVar: make([]float32, width),
		Batches: make([]float32, 1),
		mean:    make([]float64, width), rstd: make([]float64, width),
		s1: make([]float64, width), s2: make([]float64, width),
	}
	for j := range s.RunningVar {
		s.RunningVar[j] = 1
	}
	return s
}

// SetTraining selects batch statistics (true, the initial mode) or the
// running averages (false).
func (s *BatchStats) SetTraining(training bool) { s.inference = !training }

// Training reports whether batch statistics are in use.
func (s *BatchStats) Training() bool { return !s.inference }

// normalize writes xhat = (x − mean)/√(var + Eps) for the n×w batch x and,
// in training, folds the batch statistics into the running averages.
// layer and name only label the panic on invalid settings.
func (s *BatchStats) normalize(layer, name string, x []float32, n, w int, xhat []float32) {
	if !(s.Eps > 0) || !(s.Momentum >= 0 && s.Momentum <= 1) {
		panic(fmt.Sprintf("nn: %s %s: need Eps > 0 and Momentum in [0, 1], got %g and %g", layer, name, s.Eps, s.Momentum))
	}
	s.fwdTraining = !s.inference
	mean, rstd := s.mean[:w], s.rstd[:w]
	if s.inference || n == 0 {
		for j := range mean {
			mean[j] = float64(s.RunningMean[j])
			rstd[j] = 1 / math.Sqrt(float64(s.RunningVar[j])+s.Eps)
		}
	} else {
		clear(mean)
		blas.ColSums64(mean, x, n, w)
		inv := 1 / float64(n)
		for j := range mean {
			mean[j] *= inv
		}
		variance := rstd // reused: holds the variance until the end
		clear(variance)
		blas.ColSqDev64(variance, mean, x, n, w)
		k := s.nextWeight()
		for j := range variance {
			v := variance[j] * inv
			rm, rv := float64(s.RunningMean[j]), float64(s.RunningVar[j])
			s.RunningMean[j] = float32(rm + k*(mean[j]-rm))
			s.RunningVar[j] = float32(rv + k*(v-rv))
			rstd[j] = 1 / math.Sqrt(v+s.Eps)
		}
	}
	blas.Standardize(xhat, x, mean, rstd, n, w)
}

// maxBatches is where Batches stops counting: float32 holds every integer
// up to it, and Momentum^t no longer changes k_t in float64 long before.
const maxBatches = 1 << 24

// nextWeight counts one more training batch and returns k_t, its weight in
// the debiased running averages.
func (s *BatchStats) nextWeight() float64 {
	t := float64(s.Batches[0]) + 1
	if t <= maxBatches {
		s.Batches[0] = float32(t)
	}
	m := s.Momentum
	if m == 1 {
		return 0 // frozen statistics
	}
	return (1 - m) / (1 - math.Pow(m, t))
}

// backward propagates h = dL/dxhat (n×w) to dL/dx, written into dx or added
// to it when add is set. In training the gradient flows through the batch
// mean and variance:
//
//	dx = rstd·(h − mean(h) − xhat·mean(h·xhat))   (means over the batch)
//
// and at inference, with fixed statistics, dx = rstd·h.
func (s *BatchStats) backward(h, xhat []float32, n, w int, dx []float32, add bool) {
	rstd := s.rstd[:w]
	if !s.fwdTraining {
		for i := 0; i < n; i++ {
			hr, dr := h[i*w:i*w+w], dx[i*w:i*w+w]
			for j, g := range hr {
				v := float32(rstd[j] * float64(g))
				if add {
					dr[j] += v
				} else {
					dr[j] = v
				}
			}
		}
		return
	}
	s1, s2 := s.s1[:w], s.s2[:w]
	clear(s1)
	clear(s2)
	blas.ColSums64(s1, h, n, w)
	blas.ColDots64(s2, h, xhat, n, w)
	inv := 1 / float64(n)
	for j := range s1 {
		s1[j] *= inv
		s2[j] *= inv
	}
	blas.BatchNormGrad(dx, h, xhat, s1, s2, rstd, n, w, add)
}

// BatchNorm is batch normalisation (Ioffe & Szegedy, 2015) over the columns
// of an n×Width batch: y = γ·xhat + β with xhat normalised by BatchStats
// (see there for the momentum convention). It starts in training mode.
type BatchNorm struct {
	BatchStats
	// Width is the number of features.
	Width int
	// Gamma (scale, initialised to 1) and Beta (shift, 0) are per feature.
	Gamma, Beta *Param

	maxBatch int
	n        int
	xhat     []float32
	y, dx    []float32
}

// NewBatchNorm returns a BatchNorm layer over batches of up to maxBatch rows
// of width features, with Eps = 1e-5 and Momentum = 0.99 (the Keras
// defaults); set the fields to change them.
func NewBatchNorm(name string, width, maxBatch int) *BatchNorm {
	if width < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: BatchNorm %s: width and maxBatch must be positive, got %d and %d", name, width, maxBatch))
	}
	b := &BatchNorm{
		BatchStats: newBatchStats(width, 1e-5, 0.99),
		Width:      width,
		Gamma:      NewParam(name+".gamma", width),
		Beta:       NewParam(name+".beta", width),
		maxBatch:   maxBatch,
		xhat:       make([]float32, maxBatch*width),
		y:          make([]float32, maxBatch*width),
		dx:         make([]float32, maxBatch*width),
	}
	for j := range b.Gamma.W {
		b.Gamma.W[j] = 1
	}
	return b
}

// Params returns γ and β.
func (b *BatchNorm) Params() []*Param { return []*Param{b.Gamma, b.Beta} }

// Forward normalises the n×Width batch x and returns γ·xhat + β. In training
// it also updates the running statistics.
func (b *BatchNorm) Forward(x []float32, n int) []float32 {
	if n < 0 || n > b.maxBatch {
		panic(fmt.Sprintf("nn: BatchNorm %s: batch %d outside [0, %d]", b.Gamma.Name, n, b.maxBatch))
	}
	w := b.Width
	if len(x) < n*w {
		panic(fmt.Sprintf("nn: BatchNorm %s: input has %d values, need %d×%d", b.Gamma.Name, len(x), n, w))
	}
	b.n = n
	b.normalize("BatchNorm", b.Gamma.Name, x, n, w, b.xhat)
	g, be := b.Gamma.W[:w], b.Beta.W[:w]
	for i := 0; i < n; i++ {
		xr, yr := b.xhat[i*w:i*w+w], b.y[i*w:i*w+w]
		for j, v := range xr {
			yr[j] = g[j]*v + be[j]
		}
	}
	return b.y[:n*w]
}

// Backward accumulates dL/dγ and dL/dβ and returns dL/dx, through the batch
// statistics when the last Forward ran in training mode. It overwrites dy.
func (b *BatchNorm) Backward(dy []float32) []float32 {
	n, w := b.n, b.Width
	g, gg, gb := b.Gamma.W[:w], b.Gamma.G[:w], b.Beta.G[:w]
	for i := 0; i < n; i++ {
		dr, xr := dy[i*w:i*w+w], b.xhat[i*w:i*w+w]
		for j, d := range dr {
			gb[j] += d
			gg[j] += d * xr[j]
			dr[j] = d * g[j] // now dL/dxhat
		}
	}
	b.backward(dy[:n*w], b.xhat, n, w, b.dx, false)
	return b.dx[:n*w]
}
