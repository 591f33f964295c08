package nn

import (
	"fmt"
	"math"
	"testing"
)

var augruVariants = []AttentionVariant{VariantAUGRU, VariantAIGRU, VariantAGRU}

// newTestAUGRU draws its parameters exactly as newTestGRU does for the same
// seed, so the two layers can be compared bit for bit.
func newTestAUGRU(v AttentionVariant, in, hidden, maxBatch, maxLen int, seed uint64) *AUGRU {
	rng := NewRand(seed)
	a := NewAUGRU("g", v, in, hidden, maxBatch, maxLen, rng)
	InitNormal(a.Cell.B.W, 0.5, rng)
	InitNormal(a.Cell.Bn.W, 0.5, rng)
	return a
}

// augruScores returns attention scores in (0, 1), as a softmax gives them.
func augruScores(n int, seed uint64) []float32 {
	rng := NewRand(seed)
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(0.05 + 0.9*rng.Float64())
	}
	return s
}

func runAUGRU(a *AUGRU, x, att []float32, n, steps int, lens []int32, dhs, dlast []float32) gruRun {
	gruZeroGrads(a.Params())
	hs, last := a.Forward(x, att, n, steps, lens)
	hs, last = gruClone(hs), gruClone(last)
	dx, datt := a.Backward(gruClone(dhs), gruClone(dlast))
	return gruSnapshot(hs, last, dx, datt, a.Params())
}

func TestAUGRUMatchesReference(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	for _, v := range augruVariants {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 1)
			x := gruRandom(n*gruSteps*in, 1, NewRand(2))
			att := augruScores(n*gruSteps, 3)
			hs, last := a.Forward(x, att, n, gruSteps, gruLens)
			mode := map[AttentionVariant]gateMode{VariantAUGRU: gateScaled, VariantAIGRU: gatePlain, VariantAGRU: gateReplace}[v]
			wantHS, wantLast := gruReference(a.Cell, mode, v == VariantAIGRU, x, att, n, gruSteps, gruLens)
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
		})
	}
}

func TestAUGRUGradients(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	for _, v := range augruVariants {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 4)
			rng := NewRand(5)
			x := gruRandom(n*gruSteps*in, 1, rng)
			att := augruScores(n*gruSteps, 6)
			rHS := gruRandom(n*gruSteps*H, 1, rng)
			rLast := gruRandom(n*H, 1, rng)
			dx := make([]float32, len(x))
			datt := make([]float32, len(att))
			loss := func() float64 {
				hs, last := a.Forward(x, att, n, gruSteps, gruLens)
				return ProbeLoss(hs, rHS) + ProbeLoss(last, rLast)
			}
			backward := func() {
				gruZeroGrads(a.Params())
				a.Forward(x, att, n, gruSteps, gruLens)
				gx, ga := a.Backward(gruClone(rHS), gruClone(rLast))
				copy(dx, gx)
				copy(datt, ga)
			}
			c := a.Cell
			vars := []Var{ParamVar(c.Wx), ParamVar(c.U), ParamVar(c.B), ParamVar(c.Bn),
				{Name: "x", X: x, G: dx}, {Name: "att", X: att, G: datt}}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// With every score 1, AUGRU's ũ = 1·u and AIGRU's x' = 1·x are exact, so
// both must reproduce the GRU bit for bit, gradients included.
func TestAUGRUWithUnitAttentionIsGRU(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	rng := NewRand(9)
	x := gruRandom(n*gruSteps*in, 1, rng)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	ones := make([]float32, n*gruSteps)
	for i := range ones {
		ones[i] = 1
	}
	g := newTestGRU(in, H, n, gruSteps, 10)
	want := runGRU(g, x, n, gruSteps, gruLens, dhs, dlast)
	for _, v := range []AttentionVariant{VariantAUGRU, VariantAIGRU} {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 10)
			for i, p := range a.Params() {
				gruSameBits(t, "initial "+p.Name, p.W, g.Params()[i].W)
			}
			got := runAUGRU(a, x, ones, n, gruSteps, gruLens, dhs, dlast)
			got.datt = nil
			got.sameBits(t, want)
		})
	}
}

// AGRU's gate is the score itself, so feeding it the GRU's own update gate
// (one hidden unit, so the gate is a scalar per step) must reproduce the GRU.
func TestAGRUWithUpdateGateAsScoreIsGRU(t *testing.T) {
	const in, H = 3, 1
	n := len(gruLens)
	x := gruRandom(n*gruSteps*in, 1, NewRand(11))
	g := newTestGRU(in, H, n, gruSteps, 12)
	wantHS, wantLast := g.Forward(x, n, gruSteps, gruLens)
	att := make([]float32, n*gruSteps)
	for i := range att {
		att[i] = float32(math.NaN()) // padded scores must never be read
	}
	for i, l := range gruLens {
		for s := 0; s < int(l); s++ {
			idx := i*gruSteps + s
			att[idx] = g.gates[(g.pack.off[s]+g.pack.pos[i])*3*H] // u_t, packed step-major
		}
	}
	a := newTestAUGRU(VariantAGRU, in, H, n, gruSteps, 12)
	hs, last := a.Forward(x, att, n, gruSteps, gruLens)
	gruSameBits(t, "hidden states", hs, wantHS)
	gruSameBits(t, "final states", last, wantLast)
}

// A zero score makes AUGRU and AGRU skip the step: the state carries over
// exactly. That is the point of DIEN's attention gate (irrelevant behaviours
// do not disturb the evolving interest).
func TestAUGRUZeroScoreSkipsStep(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	x := gruRandom(n*gruSteps*in, 1, NewRand(13))
	att := augruScores(n*gruSteps, 14)
	zeroed := map[int]bool{}
	for i := range att {
		if i%3 == 1 {
			att[i] = 0
			zeroed[i] = true
		}
	}
	for _, v := range []AttentionVariant{VariantAUGRU, VariantAGRU} {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 15)
			hs, _ := a.Forward(x, att, n, gruSteps, gruLens)
			skipped, moved := 0, 0
			for i, l := range gruLens {
				for s := 0; s < int(l); s++ {
					idx := i*gruSteps + s
					prev := make([]float32, H) // h_{−1} = 0
					if s > 0 {
						prev = hs[(idx-1)*H : idx*H]
					}
					same := true
					for j := 0; j < H; j++ {
						same = same && math.Float32bits(hs[idx*H+j]) == math.Float32bits(prev[j])
					}
					switch {
					case zeroed[idx] && !same:
						t.Fatalf("row %d step %d has score 0 but the state moved", i, s)
					case zeroed[idx]:
						skipped++
					case !same:
						moved++
					}
				}
			}
			if skipped == 0 || moved == 0 {
				t.Fatalf("test batch exercised %d skipped and %d moving steps; want both", skipped, moved)
			}
		})
	}
}

// AIGRU is a GRU on scaled inputs: forward outputs must match a GRU given
// a_t·x_t directly.
func TestAIGRUIsGRUOnScaledInputs(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	x := gruRandom(n*gruSteps*in, 1, NewRand(16))
	att := augruScores(n*gruSteps, 17)
	scaled := make([]float32, len(x))
	for i := range scaled {
		scaled[i] = att[i/in] * x[i]
	}
	g := newTestGRU(in, H, n, gruSteps, 18)
	wantHS, wantLast := g.Forward(scaled, n, gruSteps, gruLens)
	a := newTestAUGRU(VariantAIGRU, in, H, n, gruSteps, 18)
	hs, last := a.Forward(x, att, n, gruSteps, gruLens)
	gruSameBits(t, "hidden states", hs, wantHS)
	gruSameBits(t, "final states", last, wantLast)
}

func TestAUGRUPaddingIsInert(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	for _, v := range augruVariants {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 19)
			rng := NewRand(20)
			x := gruRandom(n*gruSteps*in, 1, rng)
			att := augruScores(n*gruSteps, 21)
			dhs := gruRandom(n*gruSteps*H, 1, rng)
			dlast := gruRandom(n*H, 1, rng)
			gruPadded(gruLens, gruSteps, func(idx int) { att[idx] = 0 })
			base := runAUGRU(a, x, att, n, gruSteps, gruLens, dhs, dlast)
			gruPadded(gruLens, gruSteps, func(idx int) {
				if base.datt[idx] != 0 {
					t.Fatalf("padded score gradient at %d is %v, want 0", idx, base.datt[idx])
				}
				for k := 0; k < in; k++ {
					if base.dx[idx*in+k] != 0 {
						t.Fatalf("padded input gradient at %d is %v, want 0", idx, base.dx[idx*in+k])
					}
				}
				for j := 0; j < H; j++ {
					if base.hs[idx*H+j] != 0 {
						t.Fatalf("padded hidden state at %d is %v, want 0", idx, base.hs[idx*H+j])
					}
				}
			})
			// Padded scores are never read (NaN would spread), padded
			// inputs and upstream gradients never matter.
			gruPadded(gruLens, gruSteps, func(idx int) {
				att[idx] = float32(math.NaN())
				for k := 0; k < in; k++ {
					x[idx*in+k] = 1e6 * float32(rng.NormFloat64())
				}
				for j := 0; j < H; j++ {
					dhs[idx*H+j] = -1e6
				}
			})
			base.sameBits(t, runAUGRU(a, x, att, n, gruSteps, gruLens, dhs, dlast))
		})
	}
}

func TestAUGRUDeterministic(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	rng := NewRand(22)
	x := gruRandom(n*gruSteps*in, 1, rng)
	att := augruScores(n*gruSteps, 23)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	for _, v := range augruVariants {
		t.Run(v.String(), func(t *testing.T) {
			a := newTestAUGRU(v, in, H, n, gruSteps, 24)
			first := runAUGRU(a, x, att, n, gruSteps, gruLens, dhs, dlast)
			runAUGRU(a, gruRandom(len(x), 2, rng), augruScores(len(att), 25), n, gruSteps, []int32{5, 5, 1, 0, 4, 5}, dhs, dlast)
			first.sameBits(t, runAUGRU(a, x, att, n, gruSteps, gruLens, dhs, dlast))
			first.sameBits(t, runAUGRU(newTestAUGRU(v, in, H, n, gruSteps, 24), x, att, n, gruSteps, gruLens, dhs, dlast))
		})
	}
}

func TestAUGRUNoAllocations(t *testing.T) {
	const in, H = 3, 4
	n := len(gruLens)
	rng := NewRand(26)
	x := gruRandom(n*gruSteps*in, 1, rng)
	att := augruScores(n*gruSteps, 27)
	dhs := gruRandom(n*gruSteps*H, 1, rng)
	dlast := gruRandom(n*H, 1, rng)
	for _, v := range augruVariants {
		a := newTestAUGRU(v, in, H, n, gruSteps, 28)
		allocs := testing.AllocsPerRun(5, func() {
			a.Forward(x, att, n, gruSteps, gruLens)
			a.Backward(dhs, dlast)
		})
		if allocs != 0 {
			t.Errorf("%v: Forward+Backward allocated %v times", v, allocs)
		}
	}
}

func TestAUGRUPanicsOnBadArguments(t *testing.T) {
	panicsWith(t, "unknown variant 7", func() { NewAUGRU("g", 7, 2, 3, 2, 4, NewRand(0)) })
	for _, v := range augruVariants {
		a := NewAUGRU("g", v, 2, 3, 2, 4, NewRand(0))
		x := make([]float32, 2*4*2)
		panicsWith(t, "Backward before Forward", func() { a.Backward(nil, nil) })
		panicsWith(t, "attention has 7 values, need 8", func() { a.Forward(x, make([]float32, 7), 2, 4, []int32{4, 1}) })
		panicsWith(t, "lens[1] = 9 outside [0, 4]", func() { a.Forward(x, make([]float32, 8), 2, 4, []int32{4, 9}) })
	}
	a := NewAUGRU("g", VariantAUGRU, 2, 3, 2, 4, NewRand(0))
	a.Forward(make([]float32, 16), make([]float32, 8), 2, 4, []int32{4, 1})
	panicsWith(t, "use the AUGRU's Backward", func() { a.Cell.Backward(nil, nil) })
}

// BenchmarkAUGRUForwardBackward times one training step of DIEN's interest
// evolving layer at the official widths (input and hidden 36) for a batch
// of 1024 histories of 50 behaviours, one case per variant.
func BenchmarkAUGRUForwardBackward(b *testing.B) {
	const n, steps, in, H = 1024, 50, 36, 36
	for _, full := range []bool{true, false} {
		lens := benchLens(n, steps, full)
		shape := "full"
		if !full {
			shape = "uniform-lengths"
		}
		for _, v := range augruVariants {
			b.Run(fmt.Sprintf("%v/n=1024/L=50/%s", v, shape), func(b *testing.B) {
				a := NewAUGRU("a", v, in, H, n, steps, NewRand(1))
				rng := NewRand(2)
				x := gruRandom(n*steps*in, 1, rng)
				att := augruScores(n*steps, 3)
				dhs := gruRandom(n*steps*H, 1, rng)
				dlast := gruRandom(n*H, 1, rng)
				iters := 0
				for b.Loop() {
					a.Forward(x, att, n, steps, lens)
					a.Backward(dhs, dlast)
					iters++
				}
				b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
