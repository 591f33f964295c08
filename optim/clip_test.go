package optim

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

// clipSetup builds two groups — a dense parameter and a table — trained with
// SGD at lr = 1, so that each weight's change is minus its clipped gradient.
func clipSetup() (*Optimizer, *nn.Param, *nn.Table) {
	p := nn.NewParam("p", 2)
	tab := nn.NewTable("emb", 3, 2, true)
	o := New(NewGroup("dense", SGD{}, 1).AddParams(p), NewGroup("sparse", SGD{}, 1).AddTable(tab, TableReg{}))
	copy(p.G, []float32{3, -0.5})
	copy(tab.GradRow(2), []float32{0, -4})
	return o, p, tab
}

func TestClipNormByHand(t *testing.T) {
	// ‖[3, −0.5, 0, −4]‖ = √25.25 = 5.02493781; scaled to norm 1 the
	// gradient is [0.597022314, −0.0995037190, 0, −0.796029752].
	o, p, tab := clipSetup()
	o.ClipNorm = 1
	o.Step()
	if math.Abs(o.GradNorm()-5.02493781) > 1e-7 {
		t.Errorf("GradNorm = %.9g, want 5.02493781", o.GradNorm())
	}
	expectClose(t, "param", p.W, []float64{-0.597022314, 0.0995037190}, 0, 1e-6)
	expectClose(t, "row 2", tab.Row(2), []float64{0, 0.796029752}, 0, 1e-6)
}

func TestClipNormLeavesSmallGradients(t *testing.T) {
	o, p, tab := clipSetup()
	o.ClipNorm = 6 // above 5.02
	o.Step()
	expectClose(t, "param", p.W, []float64{-3, 0.5}, 0, 0)
	expectClose(t, "row 2", tab.Row(2), []float64{0, 4}, 0, 0)
}

func TestClipValueThenNormByHand(t *testing.T) {
	// Clamping to ±1 gives [1, −0.5, 0, −1], norm 1.5.
	o, p, tab := clipSetup()
	o.ClipValue = 1
	o.Step()
	expectClose(t, "param", p.W, []float64{-1, 0.5}, 0, 0)
	expectClose(t, "row 2", tab.Row(2), []float64{0, 1}, 0, 0)
	// Then a norm limit of 1 scales that by 1/1.5.
	o, p, tab = clipSetup()
	o.ClipValue, o.ClipNorm = 1, 1
	o.Step()
	expectClose(t, "param", p.W, []float64{-2.0 / 3, 1.0 / 3}, 0, 1e-6)
	expectClose(t, "row 2", tab.Row(2), []float64{0, 2.0 / 3}, 0, 1e-6)
}

// With many random gradients, the applied update's global norm must be the
// threshold (SGD at lr = 1 applies exactly the clipped gradient).
func TestClipNormScalesGlobalNormToThreshold(t *testing.T) {
	rng := nn.NewRand(11)
	p := nn.NewParam("p", 300)
	tab := nn.NewTable("emb", 1000, 8, true)
	o := New(NewGroup("dense", SGD{}, 1).AddParams(p), NewGroup("sparse", SGD{}, 1).AddTable(tab, TableReg{}))
	o.ClipNorm = 2.5
	nn.InitNormal(p.G, 1, rng)
	for k := 0; k < 200; k++ {
		if g := tab.GradRow(int32(rng.IntN(1000))); g != nil {
			nn.InitNormal(g, 1, rng)
		}
	}
	o.Step()
	var ss float64
	for _, v := range p.W {
		ss += float64(v) * float64(v)
	}
	for _, v := range tab.Data {
		ss += float64(v) * float64(v)
	}
	if o.GradNorm() < 10 {
		t.Fatalf("GradNorm = %g: the test needs gradients far above the threshold", o.GradNorm())
	}
	if n := math.Sqrt(ss); math.Abs(n-2.5) > 1e-5 {
		t.Fatalf("norm of the update = %.9g, want 2.5", n)
	}
}

// Norm clipping scales the loss gradient only: L2's λ·w is added after it
// (for dense parameters and table rows alike), and GradNorm is measured
// before regularization.
func TestRegularizationAddedAfterClipping(t *testing.T) {
	// SGD at lr = 1, ClipNorm = 1, λ = 0.5.
	// Dense w = 2, g = 3; table row 1 w = 2, g = −4: ‖[3, −4]‖ = 5, scale 0.2.
	//   dense: g = 0.2·3 + 0.5·2 = 1.6,   w = 2 − 1.6 = 0.4
	//   row 1: g = 0.2·(−4) + 0.5·2 = 0.2, w = 2 − 0.2 = 1.8
	// (scaling λ·w too would give 0.2·(3 + 1) = 0.8 → 1.2 and
	// 0.2·(−4 + 1) = −0.6 → 2.6.)
	p := nn.NewParam("p", 1)
	p.W[0] = 2
	tab := nn.NewTable("emb", 2, 1, true)
	tab.Data[1] = 2
	dense := NewGroup("dense", SGD{}, 1).AddParams(p)
	dense.L2 = 0.5
	o := New(dense, NewGroup("sparse", SGD{}, 1).AddTable(tab, TableReg{Kind: RegBatch, L2: 0.5}))
	o.ClipNorm = 1
	p.G[0] = 3
	tab.GradRow(1)[0] = -4
	o.Step()
	if o.GradNorm() != 5 {
		t.Errorf("GradNorm = %v, want 5 (before regularization)", o.GradNorm())
	}
	expectClose(t, "dense", p.W, []float64{0.4}, 0, 1e-6)
	expectClose(t, "row 1", tab.Row(1), []float64{1.8}, 0, 1e-6)
}

// ClipValue clamps both signs at the limit, whatever the component's size.
func TestClipValueClampsBothSides(t *testing.T) {
	p := nn.NewParam("p", 6)
	o := New(NewGroup("g", SGD{}, 1).AddParams(p))
	o.ClipValue = 1
	copy(p.G, []float32{1.5, -1.5, 0.5, -0.5, 1, -1})
	o.Step()
	expectClose(t, "w", p.W, []float64{-1, 1, -0.5, 0.5, -1, 1}, 0, 0)
}
