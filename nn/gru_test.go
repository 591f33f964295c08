package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gruLens mixes every padding case in one batch: empty, one step, full
// length and in between, unsorted so the packing has work to do.
var gruLens = []int32{3, 0, 5, 1, 5, 2}

const gruSteps = 5

func gruRandom(n int, std float64, rng *rand.Rand) []float32 {
	v := make([]float32, n)
	InitNormal(v, std, rng)
	return v
}

// newTestGRU returns a GRU with random biases too, so that every parameter
// shapes the output.
func newTestGRU(in, hidden, maxBatch, maxLen int, seed uint64) *GRU {
	rng := NewRand(seed)
	g := NewGRU("g", in, hidden, maxBatch, maxLen, rng)
	InitNormal(g.B.W, 0.5, rng)
	InitNormal(g.Bn.W, 0.5, rng)
	return g
}

func gruZeroGrads(ps []*Param) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// gruRun is one training step's view of a recurrent layer: outputs, input
// gradients and parameter gradients, copied out of the layer's buffers.
type gruRun struct {
	hs, last, dx, datt []float32
	grads              [][]float32
}

func (r gruRun) sameBits(t *testing.T, o gruRun) {
	t.Helper()
	gruSameBits(t, "hidden states", r.hs, o.hs)
	gruSameBits(t, "final states", r.last, o.last)
	gruSameBits(t, "dx", r.dx, o.dx)
	gruSameBits(t, "datt", r.datt, o.datt)
	for i := range r.grads {
		gruSameBits(t, "parameter gradient", r.grads[i], o.grads[i])
	}
}

func gruSnapshot(hs, last, dx, datt []float32, ps []*Param) gruRun {
	r := gruRun{hs: gruClone(hs), last: gruClone(last), dx: gruClone(dx), datt: gruClone(datt)}
	for _, p := range ps {
		r.grads = append(r.grads, gruClone(p.G))
	}
	return r
}

func gruClone(s []float32) []float32 {
	if s == nil {
		return nil
	}
	return append([]float32(nil), s...)
}

func runGRU(g *GRU, x []float32, n, steps int, lens []int32, dhs, dlast []float32) gruRun {
	gruZeroGrads(g.Params())
	hs, last := g.Forward(x, n, steps, lens)
	hs, last = gruClone(hs), gruClone(last)
	dx := g.Backward(gruClone(dhs), gruClone(dlast))
	return gruSnapshot(hs, last, dx, nil, g.Params())
}

func gruSameBits(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: lengths %d and %d", what, len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("%s[%d]: %v and %v differ", what, i, a[i], b[i])
		}
	}
}

// gruPadded calls f with the flat index (row·steps + step) of every padded
// step.
func gruPadded(lens []int32, steps int, f func(idx int)) {
	for i, l := range lens {
		for s := int(l); s < steps; s++ {
			f(i*steps + s)
		}
	}
}

func TestGRUTwoStepsByHand(t *testing.T) {
	g := NewGRU("g", 1, 1, 1, 2, NewRand(0))
	copy(g.Wx.W, []float32{0.5, -0.3, 0.8}) // update, reset, candidate
	copy(g.U.W, []float32{0.4, -0.6, 0.7})
	copy(g.B.W, []float32{0.1, 0.2, -0.1})
	g.Bn.W[0] = 0.3
	hs, last := g.Forward([]float32{2, -1}, 1, 2, []int32{2})

	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	// Step 0, h_{−1} = 0: the recurrent projections vanish but b_hn stays
	// inside the reset product.
	u1, r1 := sig(0.5*2+0.1), sig(-0.3*2+0.2)
	h1 := u1 * math.Tanh(0.8*2-0.1+r1*0.3)
	// Step 1 carries h1 through U.
	u2, r2 := sig(0.5*-1+0.1+0.4*h1), sig(-0.3*-1+0.2-0.6*h1)
	c2 := math.Tanh(0.8*-1 - 0.1 + r2*(0.7*h1+0.3))
	h2 := (1-u2)*h1 + u2*c2

	for i, want := range []float64{h1, h2} {
		if math.Abs(float64(hs[i])-want) > 1e-6 {
			t.Errorf("h[%d] = %v, want %v", i, hs[i], want)
		}
	}
	if last[0] != hs[1] {
		t.Errorf("final state %v, want h[1] = %v", last[0], hs[1])
	}
}

func TestGRUMatchesReference(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	g := newTestGRU(in, H, n, gruSteps, 1)
	x := gruRandom(n*gruSteps*in, 1, NewRand(2))
	hs, last := g.Forward(x, n, gruSteps, gruLens)
	wantHS, wantLast := gruReference(g, gatePlain, false, x, nil, n, gruSteps, gruLens)
	for i, w := range wantHS {
		if math.Abs(float64(hs[i])-w) > 1e-5 {
			t.Fatalf("hs[%d] = %v, want %v", i, hs[i], w)
		}
	}
	for i, w := range wantLast {
		if math.Abs(float64(last[i])-w) > 1e-5 {
			t.Fatalf("last[%d] = %v, want %v", i, last[i], w)
		}
	}
}

func TestGRUPaddingIsInert(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	g := newTestGRU(in, H, n, gruSteps, 1)
	rng := NewRand(3)
	x := gruRandom(n*gruSteps*in, 1, rng)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	base := runGRU(g, x, n, gruSteps, gruLens, dhs, dlast)

	gruPadded(gruLens, gruSteps, func(idx int) {
		for j := 0; j < H; j++ {
			if base.hs[idx*H+j] != 0 {
				t.Fatalf("padded hidden state at %d is %v, want 0", idx, base.hs[idx*H+j])
			}
		}
		for k := 0; k < in; k++ {
			if base.dx[idx*in+k] != 0 {
				t.Fatalf("padded input gradient at %d is %v, want 0", idx, base.dx[idx*in+k])
			}
		}
	})
	for i, l := range gruLens {
		for j := 0; j < H; j++ {
			want := float32(0)
			if l > 0 {
				want = base.hs[(i*gruSteps+int(l)-1)*H+j]
			}
			if math.Float32bits(base.last[i*H+j]) != math.Float32bits(want) {
				t.Fatalf("row %d (len %d): final state %v, want %v", i, l, base.last[i*H+j], want)
			}
		}
	}

	// Large finite garbage in the padded inputs and upstream gradients
	// changes nothing, bit for bit.
	gruPadded(gruLens, gruSteps, func(idx int) {
		for k := 0; k < in; k++ {
			x[idx*in+k] = 1e6 * float32(rng.NormFloat64())
		}
		for j := 0; j < H; j++ {
			dhs[idx*H+j] = 1e6
		}
	})
	base.sameBits(t, runGRU(g, x, n, gruSteps, gruLens, dhs, dlast))
}

func TestGRUGradients(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	for _, tc := range []struct {
		name            string
		perStep, finals bool
	}{{"both", true, true}, {"hidden states only", true, false}, {"final state only", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGRU(in, H, n, gruSteps, 4)
			rng := NewRand(5)
			x := gruRandom(n*gruSteps*in, 1, rng)
			var rHS, rLast []float32
			if tc.perStep {
				rHS = gruRandom(n*gruSteps*H, 1, rng)
			}
			if tc.finals {
				rLast = gruRandom(n*H, 1, rng)
			}
			dx := make([]float32, len(x))
			loss := func() float64 {
				hs, last := g.Forward(x, n, gruSteps, gruLens)
				var l float64
				if rHS != nil {
					l += ProbeLoss(hs, rHS)
				}
				if rLast != nil {
					l += ProbeLoss(last, rLast)
				}
				return l
			}
			backward := func() {
				gruZeroGrads(g.Params())
				g.Forward(x, n, gruSteps, gruLens)
				copy(dx, g.Backward(gruClone(rHS), gruClone(rLast)))
			}
			vars := []Var{ParamVar(g.Wx), ParamVar(g.U), ParamVar(g.B), ParamVar(g.Bn), {Name: "x", X: x, G: dx}}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGRUDeterministicAcrossBatches(t *testing.T) {
	const in, H, maxBatch, maxLen = 3, 4, 8, 7
	n := len(gruLens)
	rng := NewRand(6)
	x := gruRandom(n*gruSteps*in, 1, rng)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	fresh := runGRU(newTestGRU(in, H, maxBatch, maxLen, 7), x, n, gruSteps, gruLens, dhs, dlast)

	// A layer that has seen a bigger, longer batch first must not carry
	// anything of it over.
	g := newTestGRU(in, H, maxBatch, maxLen, 7)
	otherLens := []int32{7, 7, 6, 0, 7, 7, 3, 7}
	runGRU(g, gruRandom(maxBatch*maxLen*in, 3, rng), maxBatch, maxLen, otherLens,
		gruRandom(maxBatch*maxLen*H, 3, rng), gruRandom(maxBatch*H, 3, rng))
	fresh.sameBits(t, runGRU(g, x, n, gruSteps, gruLens, dhs, dlast))
}

func TestGRUNoAllocations(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	g := newTestGRU(in, H, n, gruSteps, 1)
	rng := NewRand(8)
	x := gruRandom(n*gruSteps*in, 1, rng)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	allocs := testing.AllocsPerRun(5, func() {
		g.Forward(x, n, gruSteps, gruLens)
		g.Backward(dhs, dlast)
	})
	if allocs != 0 {
		t.Fatalf("Forward+Backward allocated %v times", allocs)
	}
}

func TestGRUPanicsOnBadArguments(t *testing.T) {
	g := NewGRU("g", 2, 3, 2, 4, NewRand(0))
	x := make([]float32, 2*4*2)
	panicsWith(t, "Backward before Forward", func() { g.Backward(nil, nil) })
	panicsWith(t, "batch 3 outside [0, 2]", func() { g.Forward(x, 3, 4, []int32{1, 1, 1}) })
	panicsWith(t, "5 steps outside [0, 4]", func() { g.Forward(x, 2, 5, []int32{1, 1}) })
	panicsWith(t, "lens[1] = 5 outside [0, 4]", func() { g.Forward(x, 2, 4, []int32{1, 5}) })
	panicsWith(t, "lens[0] = -1 outside [0, 4]", func() { g.Forward(x, 2, 4, []int32{-1, 0}) })
	panicsWith(t, "1 lengths for a batch of 2", func() { g.Forward(x, 2, 4, []int32{1}) })
	panicsWith(t, "x has 15 values, need 16", func() { g.Forward(x[:15], 2, 4, []int32{1, 1}) })
	g.Forward(x, 2, 4, []int32{1, 1})
	panicsWith(t, "final-state gradient has 5 values, need 6", func() { g.Backward(nil, make([]float32, 5)) })
}

// benchmarkGRU times one training step of DIEN's interest extractor at the
// official widths: embedding 18 for item and category (d = 36) and hidden
// 36, over sequences of up to steps behaviours.
func benchmarkGRU(b *testing.B, lens []int32, steps int) {
	const in, H = 36, 36
	n := len(lens)
	g := NewGRU("g", in, H, n, steps, NewRand(1))
	rng := NewRand(2)
	x := gruRandom(n*steps*in, 1, rng)
	dhs := gruRandom(n*steps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	iters := 0
	for b.Loop() {
		g.Forward(x, n, steps, lens)
		g.Backward(dhs, dlast)
		iters++
	}
	b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "rows/s")
}

// benchLens returns n lengths: all steps when full, else uniform in
// [1, steps] from a fixed seed.
func benchLens(n, steps int, full bool) []int32 {
	lens := make([]int32, n)
	rng := NewRand(3)
	for i := range lens {
		lens[i] = int32(steps)
		if !full {
			lens[i] = 1 + rng.Int32N(int32(steps))
		}
	}
	return lens
}

func BenchmarkGRUForwardBackward(b *testing.B) {
	const n = 1024
	for _, steps := range []int{50, 100} {
		b.Run(fmt.Sprintf("n=1024/L=%d/full", steps), func(b *testing.B) { benchmarkGRU(b, benchLens(n, steps, true), steps) })
		// Behaviour histories are mostly short; uniform lengths show what
		// the packing saves over padding every row to the maximum.
		b.Run(fmt.Sprintf("n=1024/L=%d/uniform-lengths", steps), func(b *testing.B) { benchmarkGRU(b, benchLens(n, steps, false), steps) })
	}
}
