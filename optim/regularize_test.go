package optim

import (
	"testing"

	"github.com/recforge/recforge/nn"
)

func TestDenseL2ByHand(t *testing.T) {
	// SGD, lr = 0.1, λ = 0.5, w = [2, −1], g = [0.1, 0]:
	// g + λw = [1.1, −0.5], w = [2 − 0.11, −1 + 0.05] = [1.89, −0.95].
	p := nn.NewParam("p", 2)
	copy(p.W, []float32{2, -1})
	g := NewGroup("g", SGD{}, 0.1).AddParams(p)
	g.L2 = 0.5
	o := New(g)
	copy(p.G, []float32{0.1, 0})
	o.Step()
	expectClose(t, "w", p.W, []float64{1.89, -0.95}, 0, 1e-7)
}

// Decoupled decay shrinks the weights outside Adam's normalization; added to
// the gradient, the same λ is mostly normalized away.
func TestDecoupledDecayByHand(t *testing.T) {
	// Adam (0.9, 0.999, 1e-8), lr = 0.1, λ = 0.5, w = 2, g = 0.1. A first
	// Adam step moves by lr·g/(|g| + ε) ≈ lr·sgn(g).
	// Decoupled: w = 2·(1 − 0.1·0.5) − 0.1·0.1/(0.1 + 1e-8) = 1.80000001.
	// Coupled:   g = 0.1 + 0.5·2 = 1.1, w = 2 − 0.1·1.1/(1.1 + 1e-8) = 1.9.
	for _, c := range []struct {
		decoupled bool
		want      float64
	}{{true, 1.80000001}, {false, 1.9}} {
		p := nn.NewParam("p", 1)
		p.W[0] = 2
		g := NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.1).AddParams(p)
		g.L2, g.DecoupledDecay = 0.5, c.decoupled
		o := New(g)
		p.G[0] = 0.1
		o.Step()
		expectClose(t, "w", p.W, []float64{c.want}, 0, 1e-6)
	}
}

// Decoupled decay shrinks by the learning rate of the step, schedule
// applied (as PyTorch's AdamW does with its scheduled lr), not by the base
// rate.
func TestDecoupledDecayFollowsSchedule(t *testing.T) {
	// SGD, base lr = 0.2, warmup over 4 steps: step 1 runs at 0.2·1/4 = 0.05.
	// λ = 0.5, w = 2, g = 0.1: w = 2·(1 − 0.05·0.5) − 0.05·0.1 = 1.95 − 0.005 = 1.945
	// (the base rate would give 2·(1 − 0.2·0.5) − 0.005 = 1.795).
	// Step 2 runs at 0.1 with g = 0: w = 1.945·(1 − 0.1·0.5) = 1.84775.
	p := nn.NewParam("p", 1)
	p.W[0] = 2
	g := NewGroup("g", SGD{}, 0.2).AddParams(p)
	g.L2, g.DecoupledDecay = 0.5, true
	g.Schedule = Warmup{Steps: 4}
	o := New(g)
	p.G[0] = 0.1
	o.Step()
	expectClose(t, "w after step 1", p.W, []float64{1.945}, 0, 1e-7)
	o.Step()
	expectClose(t, "w after step 2", p.W, []float64{1.84775}, 0, 1e-7)
}

// tableAfterOneStep sets up a 5×2 table, touches rows 1, 3 and 4 with the
// given gradients, takes one SGD step at lr = 0.1 and returns the table.
func tableAfterOneStep(reg TableReg) *nn.Table {
	tab := nn.NewTable("emb", 5, 2, true)
	copy(tab.Data, []float32{0, 0, 1, 2, 5, 6, -2, 4, 1, 1})
	o := New(NewGroup("g", SGD{}, 0.1).AddTable(tab, reg))
	copy(tab.GradRow(1), []float32{1, 0})
	copy(tab.GradRow(3), []float32{0, 0}) // touched with a zero gradient: still regularized
	copy(tab.GradRow(4), []float32{0, 0})
	o.Step()
	return tab
}

func TestTableBatchL2ByHand(t *testing.T) {
	// λ = 0.5 on touched rows only:
	// row 1: w = [1, 2],  g + λw = [1.5, 1],  w = [0.85, 1.9]
	// row 3: w = [−2, 4], g + λw = [−1, 2],   w = [−1.9, 3.8]
	// row 4: w = [1, 1],  g + λw = [0.5, 0.5], w = [0.95, 0.95]
	// row 2 is not touched and keeps [5, 6]; padding row 0 stays [0, 0].
	tab := tableAfterOneStep(TableReg{Kind: RegBatch, L2: 0.5})
	want := []float64{0, 0, 0.85, 1.9, 5, 6, -1.9, 3.8, 0.95, 0.95}
	expectClose(t, "table", tab.Data, want, 0, 1e-7)
}

func TestTableMBAByHand(t *testing.T) {
	// λ = 1, frequencies n = [0, 5, 1, 2, 0]; λ/n_r on touched rows:
	// row 1: λ/5 = 0.2, g + 0.2w = [1.2, 0.4],  w = [0.88, 1.96]
	// row 3: λ/2 = 0.5, g + 0.5w = [−1, 2],     w = [−1.9, 3.8]
	// row 4: n = 0 reads as 1 (it occurs in this batch): g + w = [1, 1],
	//        w = [0.9, 0.9]
	tab := tableAfterOneStep(TableReg{Kind: RegMBA, L2: 1, Freq: []uint32{0, 5, 1, 2, 0}})
	want := []float64{0, 0, 0.88, 1.96, 5, 6, -1.9, 3.8, 0.9, 0.9}
	expectClose(t, "table", tab.Data, want, 0, 1e-7)
}

func TestTableNoRegularizationByDefault(t *testing.T) {
	// Plain SGD: row 1 = [1, 2] − 0.1·[1, 0]; rows 3 and 4 have zero gradients.
	tab := tableAfterOneStep(TableReg{})
	want := []float64{0, 0, 0.9, 2, 5, 6, -2, 4, 1, 1}
	expectClose(t, "table", tab.Data, want, 0, 1e-7)
}

func TestTableRegRejectsBadSettings(t *testing.T) {
	tab := nn.NewTable("emb", 5, 2, true)
	expectPanic(t, "one frequency per row", func() {
		NewGroup("g", SGD{}, 0.1).AddTable(tab, TableReg{Kind: RegMBA, L2: 1, Freq: make([]uint32, 4)})
	})
	expectPanic(t, "only used by RegMBA", func() {
		NewGroup("g", SGD{}, 0.1).AddTable(tab, TableReg{Kind: RegBatch, L2: 1, Freq: make([]uint32, 5)})
	})
	expectPanic(t, "L2 = -1", func() {
		NewGroup("g", SGD{}, 0.1).AddTable(tab, TableReg{Kind: RegBatch, L2: -1})
	})
}
