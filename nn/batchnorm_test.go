package nn

import (
	"math"
	"testing"
)

// newBatchNormCase returns a BatchNorm with random γ and β and an input
// whose columns have different means and scales.
func newBatchNormCase(n, w int, seed uint64) (*BatchNorm, []float32) {
	rng := NewRand(seed)
	b := NewBatchNorm("bn", w, n)
	InitUniform(b.Gamma.W, 1.5, rng)
	InitNormal(b.Beta.W, 1, rng)
	x := make([]float32, n*w)
	InitNormal(x, 1, rng)
	for i := 0; i < n; i++ {
		for j := 0; j < w; j++ {
			x[i*w+j] = x[i*w+j]*float32(j+1) + float32(j) - 1
		}
	}
	return b, x
}

// In training the numeric gradient moves the batch mean and variance with
// every perturbed input, so the check covers the path through them.
func TestBatchNormTrainingGradients(t *testing.T) {
	const n, w = 7, 4
	b, x := newBatchNormCase(n, w, 1)
	checkRowLayer(t, b, x, n, w, b.Params(), nil, nil, GradCheckOptions{Eps: 1e-2})
}

func TestBatchNormInferenceGradients(t *testing.T) {
	const n, w = 5, 3
	b, x := newBatchNormCase(n, w, 2)
	copy(b.RunningMean, []float32{0.5, -1, 2})
	copy(b.RunningVar, []float32{0.3, 2, 5})
	b.SetTraining(false)
	checkRowLayer(t, b, x, n, w, b.Params(), nil, nil, GradCheckOptions{Eps: 1e-2})
}

func TestBatchNormTrainingOutputIsStandardised(t *testing.T) {
	const n, w = 64, 5
	b, x := newBatchNormCase(n, w, 3)
	for j := range b.Gamma.W {
		b.Gamma.W[j], b.Beta.W[j] = 1, 0
	}
	y := b.Forward(x, n)
	for j := 0; j < w; j++ {
		var s, s2 float64
		for i := 0; i < n; i++ {
			s += float64(y[i*w+j])
			s2 += float64(y[i*w+j]) * float64(y[i*w+j])
		}
		mean, variance := s/n, s2/n-(s/n)*(s/n)
		if math.Abs(mean) > 1e-5 || math.Abs(variance-1) > 1e-4 {
			t.Errorf("feature %d: mean %g, variance %g, want 0 and 1", j, mean, variance)
		}
	}
}

// Shifting or scaling (by a > 0) a column of a training batch leaves the
// output unchanged, so Σ_i dx_ij = 0 and Σ_i dx_ij·x_ij = 0 per column: true
// only when the backward pass goes through the batch statistics. Eps breaks
// the scale invariance by a relative Eps/var, so it is made negligible.
func TestBatchNormTrainingGradientInvariants(t *testing.T) {
	const n, w = 16, 3
	b, x := newBatchNormCase(n, w, 4)
	b.Eps = 1e-12
	b.Forward(x, n)
	dy := make([]float32, n*w)
	InitNormal(dy, 1, NewRand(8))
	dx := b.Backward(dy)
	for j := 0; j < w; j++ {
		var s, sx float64
		for i := 0; i < n; i++ {
			s += float64(dx[i*w+j])
			sx += float64(dx[i*w+j]) * float64(x[i*w+j])
		}
		if math.Abs(s) > 1e-5 || math.Abs(sx) > 1e-4 {
			t.Errorf("feature %d: Σdx = %g, Σdx·x = %g, want 0", j, s, sx)
		}
	}
}

func TestBatchNormRunningStatistics(t *testing.T) {
	b := NewBatchNorm("bn", 1, 4)
	b.Momentum = 0.9
	// Batch [1, 3]: mean 2, biased variance 1. Debiased, the first batch
	// replaces the initial 0 and 1 whatever the momentum.
	b.Forward([]float32{1, 3}, 2)
	if !nearF64(b.RunningMean[0], 2) || !nearF64(b.RunningVar[0], 1) || b.Batches[0] != 1 {
		t.Fatalf("after batch 1: running mean %v, var %v, batches %v, want 2, 1, 1", b.RunningMean[0], b.RunningVar[0], b.Batches[0])
	}
	// Batch [0, 4, 8]: mean 4, biased variance 32/3. The weighted mean of
	// the two batches, weights 0.9·0.1 and 0.1 over 1 − 0.9².
	b.Forward([]float32{0, 4, 8}, 3)
	wantMean := (0.09*2 + 0.1*4) / 0.19
	wantVar := (0.09*1 + 0.1*32.0/3) / 0.19
	if !nearF64(b.RunningMean[0], wantMean) || !nearF64(b.RunningVar[0], wantVar) || b.Batches[0] != 2 {
		t.Fatalf("after batch 2: running mean %v, var %v, batches %v, want %v, %v, 2", b.RunningMean[0], b.RunningVar[0], b.Batches[0], wantMean, wantVar)
	}
	// At inference the running statistics normalise and stay put.
	b.SetTraining(false)
	b.Gamma.W[0], b.Beta.W[0] = 2, 0.5
	y := b.Forward([]float32{3, -1}, 2)
	for i, x := range []float64{3, -1} {
		want := 2*(x-wantMean)/math.Sqrt(wantVar+1e-5) + 0.5
		if math.Abs(float64(y[i])-want) > 1e-5 {
			t.Fatalf("inference y[%d] = %v, want %v", i, y[i], want)
		}
	}
	if !nearF64(b.RunningMean[0], wantMean) || b.Batches[0] != 2 {
		t.Fatal("inference changed the running mean or the batch count")
	}
}

// The debiased running averages against their definition, Σ_i
// m^(t−i)·(1−m)·batch_i / (1 − m^t), summed in float64 over 40 batches of
// drifting statistics, for the momenta 0, 0.5, 0.9 and 0.99; and momentum 1
// freezes them.
func TestBatchStatsDebiasedAverage(t *testing.T) {
	for _, m := range []float64{0, 0.5, 0.9, 0.99, 1} {
		b := NewBatchNorm("bn", 2, 8)
		b.Momentum = m
		rng := NewRand(4)
		var wsum, msum, vsum float64
		for step := 1; step <= 40; step++ {
			x := make([]float32, 8*2)
			InitNormal(x, 1+0.1*float64(step), rng)
			for i := range x {
				x[i] += float32(step) // the mean drifts
			}
			b.Forward(x, 8)
			var mean, variance float64
			for i := 0; i < 8; i++ {
				mean += float64(x[2*i]) / 8
			}
			for i := 0; i < 8; i++ {
				variance += (float64(x[2*i]) - mean) * (float64(x[2*i]) - mean) / 8
			}
			wsum, msum, vsum = m*wsum+(1-m), m*msum+(1-m)*mean, m*vsum+(1-m)*variance
			wantMean, wantVar := 0.0, 1.0
			if m != 1 {
				wantMean, wantVar = msum/wsum, vsum/wsum
			}
			if !nearF64(b.RunningMean[0], wantMean) || !nearF64(b.RunningVar[0], wantVar) {
				t.Fatalf("momentum %v, batch %d: running %v, %v, want %v, %v", m, step, b.RunningMean[0], b.RunningVar[0], wantMean, wantVar)
			}
		}
	}
}

func TestBatchNormDeterministicAndAllocationFree(t *testing.T) {
	const n, w = 32, 6
	b1, x := newBatchNormCase(n, w, 6)
	b2, _ := newBatchNormCase(n, w, 6)
	dy := make([]float32, n*w)
	InitNormal(dy, 1, NewRand(1))
	dy2 := append([]float32(nil), dy...)
	y1 := append([]float32(nil), b1.Forward(x, n)...)
	dx1 := append([]float32(nil), b1.Backward(dy)...)
	y2 := b2.Forward(x, n)
	dx2 := b2.Backward(dy2)
	if !bitEqual(y1, y2) || !bitEqual(dx1, dx2) || !bitEqual(b1.Gamma.G, b2.Gamma.G) || !bitEqual(b1.RunningVar, b2.RunningVar) {
		t.Fatal("two identical BatchNorm runs differ")
	}
	if a := stepAllocs(b1, x, n, dy); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}

// nearF64 reports whether a float32 result matches a float64 expectation to
// float32 precision.
func nearF64(got float32, want float64) bool {
	return math.Abs(float64(got)-want) <= 1e-6*math.Max(1, math.Abs(want))
}
