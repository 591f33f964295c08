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
