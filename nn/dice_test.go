package nn

import (
	"math"
	"testing"
)

// newDiceCase returns a Dice layer with random α and an input whose columns
// have different means and scales.
func newDiceCase(n, w int, seed uint64) (*Dice, []float32) {
	rng := NewRand(seed)
	d := NewDice("dice", w, n)
	InitUniform(d.Alpha.W, 0.8, rng)
	x := make([]float32, n*w)
	InitNormal(x, 1, rng)
	for i := 0; i < n; i++ {
		for j := 0; j < w; j++ {
			x[i*w+j] = x[i*w+j]*float32(j+1)*0.7 + 0.5*float32(j) - 0.5
		}
	}
	return d, x
}

// diceRef computes Dice in float64 from given statistics, independently of
// the layer.
func diceRef(s, mean, variance, eps, alpha float64) float64 {
	p := 1 / (1 + math.Exp(-(s-mean)/math.Sqrt(variance+eps)))
	return p*s + (1-p)*alpha*s
}

// In training every perturbed input moves the batch mean and variance, so
// the numeric gradient includes the path through them.
func TestDiceTrainingGradients(t *testing.T) {
	const n, w = 8, 3
	d, x := newDiceCase(n, w, 1)
	checkRowLayer(t, d, x, n, w, d.Params(), nil, nil, GradCheckOptions{Eps: 1e-2})
}

func TestDiceInferenceGradients(t *testing.T) {
	const n, w = 5, 3
	d, x := newDiceCase(n, w, 2)
	copy(d.RunningMean, []float32{0.2, -0.5, 1})
	copy(d.RunningVar, []float32{0.5, 1.5, 3})
	d.SetTraining(false)
	checkRowLayer(t, d, x, n, w, d.Params(), nil, nil, GradCheckOptions{Eps: 1e-2})
}

func TestDiceTrainingForwardByHand(t *testing.T) {
	const n, w = 6, 2
	d, x := newDiceCase(n, w, 3)
	y := d.Forward(x, n)
	for j := 0; j < w; j++ {
		var mean, variance float64
		for i := 0; i < n; i++ {
			mean += float64(x[i*w+j]) / n
		}
		for i := 0; i < n; i++ {
			variance += (float64(x[i*w+j]) - mean) * (float64(x[i*w+j]) - mean) / n
		}
		for i := 0; i < n; i++ {
			want := diceRef(float64(x[i*w+j]), mean, variance, 1e-8, float64(d.Alpha.W[j]))
			if math.Abs(float64(y[i*w+j])-want) > 1e-5 {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, y[i*w+j], want)
			}
		}
		wantMean, wantVar := mean, variance // the first batch replaces 0 and 1
		if !nearF64(d.RunningMean[j], wantMean) || !nearF64(d.RunningVar[j], wantVar) {
			t.Fatalf("channel %d: running mean %v, var %v, want %v, %v", j, d.RunningMean[j], d.RunningVar[j], wantMean, wantVar)
		}
	}
}

// At inference each example is transformed on its own, with the running
// statistics, whatever the rest of the batch holds.
func TestDiceInferenceUsesRunningStatistics(t *testing.T) {
	d := NewDice("dice", 2, 4)
	copy(d.Alpha.W, []float32{0.1, -0.3})
	copy(d.RunningMean, []float32{1, -2})
	copy(d.RunningVar, []float32{4, 0.25})
	d.SetTraining(false)
	x := []float32{0.5, -1, 3, -2.5, -1, 0}
	y := append([]float32(nil), d.Forward(x, 3)...)
	for i := 0; i < 3; i++ {
		for j := 0; j < 2; j++ {
			want := diceRef(float64(x[i*2+j]), float64(d.RunningMean[j]), float64(d.RunningVar[j]), 1e-8, float64(d.Alpha.W[j]))
			if math.Abs(float64(y[i*2+j])-want) > 1e-6 {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, y[i*2+j], want)
			}
		}
	}
	if one := d.Forward(x[2:4], 1); !bitEqual(one, y[2:4]) {
		t.Fatalf("row alone gives %v, in the batch %v", one, y[2:4])
	}
	if d.RunningMean[0] != 1 || d.RunningVar[1] != 0.25 {
		t.Fatal("inference changed the running statistics")
	}
}

// With one example the batch variance is 0, so p = σ(0) = ½ and
// f(s) = s·(1 + α)/2: a finite output and gradient, not NaN.
func TestDiceSingleExampleBatch(t *testing.T) {
	d := NewDice("dice", 1, 1)
	d.Alpha.W[0] = 0.5
	if y := d.Forward([]float32{2}, 1); y[0] != 1.5 {
		t.Fatalf("y = %v, want 1.5", y)
	}
	if dx := d.Backward([]float32{1}); dx[0] != 0.75 {
		t.Fatalf("dx = %v, want 0.75 (the statistics path cancels)", dx)
	}
}

func TestDiceDeterministicAndAllocationFree(t *testing.T) {
	const n, w = 32, 5
	d1, x := newDiceCase(n, w, 6)
	d2, _ := newDiceCase(n, w, 6)
	dy := make([]float32, n*w)
	InitNormal(dy, 1, NewRand(1))
	dy2 := append([]float32(nil), dy...)
	y1 := append([]float32(nil), d1.Forward(x, n)...)
	dx1 := append([]float32(nil), d1.Backward(dy)...)
	y2 := d2.Forward(x, n)
	dx2 := d2.Backward(dy2)
	if !bitEqual(y1, y2) || !bitEqual(dx1, dx2) || !bitEqual(d1.Alpha.G, d2.Alpha.G) || !bitEqual(d1.RunningMean, d2.RunningMean) {
		t.Fatal("two identical Dice runs differ")
	}
	if a := stepAllocs(d1, x, n, dy); a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}

// Why Dice's running statistics are debiased and move fast (the cause of
// DIN's raw mode scoring far below its training): a unit whose inputs have a
// scale of 0.01, as DIN's activation unit has on embeddings drawn with
// std 0.01, trained on 40 batches of one distribution, must score new rows of
// that distribution at inference as it scored them in training. The old
// averages (0.99, starting at 0 and 1, not debiased) kept 67% of their
// initial variance of 1 after 40 batches: at inference every input sat near
// the middle of the gate, p ≈ 0.5, far from the batch-normalised p of
// training.
func TestDiceInferenceMatchesTrainingAfterFewBatches(t *testing.T) {
	const n, w = 256, 4
	d := NewDice("dice", w, n)
	copy(d.Alpha.W, []float32{0, 0.1, 0.2, 0.3})
	rng := NewRand(9)
	draw := func() []float32 {
		x := make([]float32, n*w)
		InitNormal(x, 0.01, rng)
		for i := range x {
			x[i] += 0.003 * float32(i%w) // a channel-dependent mean
		}
		return x
	}
	for range 40 {
		d.Forward(draw(), n)
	}
	x := draw()
	train := append([]float32(nil), d.Forward(x, n)...)
	d.SetTraining(false)
	inf := d.Forward(x, n)
	var num, den float64
	for i := range x {
		num += (float64(inf[i]) - float64(train[i])) * (float64(inf[i]) - float64(train[i]))
		den += float64(train[i]) * float64(train[i])
	}
	if rel := math.Sqrt(num / den); rel > 0.05 {
		t.Fatalf("inference output differs from training output by %.1f%% (RMS), want under 5%%", 100*rel)
	}
	if d.Momentum != 0.9 {
		t.Fatalf("Dice momentum %v, want 0.9", d.Momentum)
	}
}
