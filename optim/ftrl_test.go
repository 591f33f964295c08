package optim

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

func TestFTRLByHand(t *testing.T) {
	// α = 0.1, β = 1, λ1 = 0.5, λ2 = 0.1, w0 = 0.
	// Coordinate 0, g = 1, 0.8, −2:
	//   1: n = 1, σ = (1 − 0)/0.1 = 10, z = 1 − 10·0 = 1,
	//      w = −(1 − 0.5)/((1 + 1)/0.1 + 0.1) = −0.5/20.1 = −0.0248756219
	//   2: n = 1.64, σ = (1.28062485 − 1)/0.1 = 2.8062485,
	//      z = 1 + 0.8 + 2.8062485·0.0248756219 = 1.86980718,
	//      w = −1.36980718/((1 + 1.28062485)/0.1 + 0.1) = −0.0598005901
	//   3: n = 5.64, z = 0.524171288 (float64), w = −0.000714098306
	// Coordinate 1, g = 0.3, −0.2, 0.1: z = 0.3, 0.1, 0.2 stays within
	//   λ1 = 0.5, so w is exactly 0 throughout.
	got := denseSteps(t, FTRL{Beta: 1, L1: 0.5, L2: 0.1}, 0.1, []float32{0, 0},
		[][]float32{{1, 0.3}, {0.8, -0.2}, {-2, 0.1}})
	expectClose(t, "step 1", got[0], []float64{-0.0248756219, 0}, 0, 1e-6)
	expectClose(t, "step 2", got[1], []float64{-0.0598005901, 0}, 0, 1e-6)
	// Step 3's z is a difference of nearby numbers (0.524 − λ1): float32
	// rounding of z (~1e-7) is magnified 40-fold relative to w.
	expectClose(t, "step 3", got[2], []float64{-0.000714098306, 0}, 0, 2e-5)
	for k, w := range got {
		if w[1] != 0 {
			t.Errorf("step %d: w[1] = %g, want exactly 0 under λ1", k+1, w[1])
		}
	}
}

// After every step, each touched coordinate's weight must be the paper's
// closed form of its z and n (recomputed here in float64), with exact zeros
// wherever |z| ≤ λ1.
func TestFTRLWeightsAreClosedForm(t *testing.T) {
	const rows, dim, alpha, beta, l1, l2 = 50, 4, 0.05, 1.0, 0.3, 0.2
	tab := nn.NewTable("t", rows, dim, true)
	o := New(NewGroup("wide", FTRL{Beta: beta, L1: l1, L2: l2}, alpha).AddTable(tab, TableReg{}))
	rng := nn.NewRand(7)
	// The kernel sees the hyper-parameters rounded to float32; so must the
	// float64 closed form, or z − λ1 near λ1 would differ by that rounding.
	a32, b32, l1f, l2f := float64(float32(alpha)), float64(float32(beta)), float64(float32(l1)), float64(float32(l2))
	zeros, nonzeros := 0, 0
	for step := 0; step < 20; step++ {
		for k := 0; k < 30; k++ {
			r := int32(rng.IntN(rows))
			if g := tab.GradRow(r); g != nil {
				nn.InitNormal(g, 0.5, rng)
			}
		}
		touched := append([]int32(nil), tab.TouchedRows()...)
		o.Step()
		for _, r := range touched {
			w, s := tab.Row(r), tab.State(r)
			for i := range w {
				z, n := float64(s[i]), float64(s[dim+i])
				want := 0.0
				if math.Abs(z) > l1f {
					want = -(z - math.Copysign(l1f, z)) / ((b32+math.Sqrt(n))/a32 + l2f)
				}
				if want == 0 {
					zeros++
					if w[i] != 0 {
						t.Fatalf("step %d row %d[%d]: |z| = %g ≤ λ1 but w = %g, want exactly 0", step, r, i, z, w[i])
					}
					continue
				}
				nonzeros++
				if math.Abs(float64(w[i])-want) > 1e-6*math.Abs(want) {
					t.Fatalf("step %d row %d[%d]: w = %.9g, closed form %.9g", step, r, i, w[i], want)
				}
			}
		}
	}
	if zeros == 0 || nonzeros == 0 {
		t.Fatalf("%d exact zeros and %d non-zeros: the test needs both to mean anything", zeros, nonzeros)
	}
}

func TestFTRLRejectsBadSettings(t *testing.T) {
	expectPanic(t, "positive learning rate", func() { NewGroup("wide", FTRL{Beta: 1}, 0) })
	g := NewGroup("wide", FTRL{Beta: 1}, 0.1).AddParams(nn.NewParam("w", 2))
	g.L2 = 0.1
	g.DecoupledDecay = true
	o := New(g)
	expectPanic(t, "DecoupledDecay does not apply to FTRL", o.Step)
}
