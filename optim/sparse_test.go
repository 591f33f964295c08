package optim

import (
	"fmt"
	"testing"

	"github.com/recforge/recforge/nn"
)

// The rules the sparse-versus-dense tests run, with settings that exercise
// every branch (Nesterov, an initial accumulator, FTRL's L1 zeros).
var allRules = []struct {
	name string
	rule Rule
	lr   float32
}{
	{"sgd", SGD{}, 0.1},
	{"momentum", SGD{Momentum: 0.9}, 0.1},
	{"nesterov", SGD{Momentum: 0.8, Nesterov: true}, 0.1},
	{"adam", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.01},
	{"adagrad", Adagrad{InitialAccumulator: 0.1, Eps: 1e-10}, 0.1},
	{"ftrl", FTRL{Beta: 1, L1: 0.05, L2: 0.01}, 0.1},
}

// When every row is touched at every step, the lazy table update must be the
// dense update of the same weights, bit for bit — with L2 too (batch-only L2
// on the table, L2 on the dense copy), and without it, where a rule may take
// all rows in one call (Adam's blas.AdamRows); dim 17 is a full vector and
// a masked rest.
func TestLazyEqualsDenseWhenAllRowsTouched(t *testing.T) {
	const rows, steps = 13, 6
	for _, rc := range allRules {
		for _, dim := range []int{3, 17} {
			for _, l2 := range []float32{0.03, 0} {
				t.Run(fmt.Sprintf("%s/dim=%d/l2=%v", rc.name, dim, l2), func(t *testing.T) {
					rng := nn.NewRand(3)
					tab := nn.NewTable("emb", rows, dim, false)
					tab.InitNormal(0.5, rng)
					p := nn.NewParam("dense", rows, dim)
					copy(p.W, tab.Data)
					dense := NewGroup("dense", rc.rule, rc.lr).AddParams(p)
					dense.L2 = l2
					reg := TableReg{Kind: RegBatch, L2: l2}
					if l2 == 0 {
						reg = TableReg{}
					}
					sparse := NewGroup("sparse", rc.rule, rc.lr).AddTable(tab, reg)
					o := New(dense, sparse)
					grad := make([]float32, rows*dim)
					for s := 0; s < steps; s++ {
						nn.InitNormal(grad, 1, rng)
						copy(p.G, grad)
						for _, r := range rng.Perm(rows) { // touch order must not matter
							copy(tab.GradRow(int32(r)), grad[r*dim:])
						}
						o.Step()
					}
					state := dense.State()
					for r := int32(0); r < rows; r++ {
						sameBits(t, fmt.Sprintf("row %d weights", r), tab.Row(r), p.W[int(r)*dim:int(r+1)*dim])
						for j, st := range state {
							sameBits(t, fmt.Sprintf("row %d %s", r, st.Name), tab.State(r)[j*dim:(j+1)*dim], st.Data[int(r)*dim:int(r+1)*dim])
						}
					}
				})
			}
		}
	}
}

// Rows absent from every batch keep their weights and state exactly; so does
// the padding row, which lookups touch but which never receives a gradient.
func TestUntouchedRowsAndPaddingUnchanged(t *testing.T) {
	const rows, dim = 40, 4
	for _, rc := range allRules {
		t.Run(rc.name, func(t *testing.T) {
			rng := nn.NewRand(5)
			tab := nn.NewTable("emb", rows, dim, true)
			tab.InitNormal(0.5, rng)
			freq := make([]uint32, rows)
			for i := range freq {
				freq[i] = uint32(i%7 + 1)
			}
			o := New(NewGroup("g", rc.rule, rc.lr).AddTable(tab, TableReg{Kind: RegMBA, L2: 0.1, Freq: freq}))
			o.ClipNorm = 1
			before := append([]float32(nil), tab.Data...)
			for s := 0; s < 5; s++ {
				for _, r := range []int32{0, 3, 17, 0, 29} { // even rows below 20 stay untouched
					if g := tab.GradRow(r); g != nil {
						nn.InitNormal(g, 1, rng)
					}
				}
				o.Step()
			}
			if len(tab.TouchedRows()) != 0 {
				t.Fatalf("Step left %d touched rows", len(tab.TouchedRows()))
			}
			changed := map[int32]bool{}
			for r := int32(0); r < rows; r++ {
				o := int(r) * tab.Stride
				for i := o; i < o+tab.Stride; i++ {
					if before[i] != tab.Data[i] {
						changed[r] = true
					}
				}
			}
			for r := int32(0); r < rows; r++ {
				want := r == 3 || r == 17 || r == 29
				if changed[r] != want {
					t.Errorf("row %d changed = %v, want %v", r, changed[r], want)
				}
			}
		})
	}
}

// The lazy Adam convention, by hand: a row's moments decay only when it is
// touched, and bias correction uses the group's global step count.
func TestLazyAdamConventionByHand(t *testing.T) {
	// β1 = 0.5, β2 = 0.75, ε = 1e-8, lr = 0.1; rows 1 and 2 of dim 1.
	// Step 1 touches both: row 1 (w = −1, g = 1), row 2 (w = 1, g = 2).
	//   Row 2: m = 1, v = 1, m̂ = 2, v̂ = 4, w = 1 − 0.1·2/2 = 0.9.
	// Step 2 touches row 1 only (g = 1): m = 0.75, v = 0.4375,
	//   m̂ = 0.75/0.75 = 1, v̂ = 0.4375/0.4375 = 1, w = −1.1 − 0.1 = −1.2.
	//   Row 2's m and v stay 1 and 1 (not decayed to 0.5 and 0.75).
	// Step 3 touches row 2 only (g = −4): m = 0.5·1 − 2 = −1.5,
	//   v = 0.75·1 + 0.25·16 = 4.75; with t = 3 (not the row's 2nd update):
	//   m̂ = −1.5/0.875, v̂ = 4.75/0.578125,
	//   w = 0.9 + 0.1·1.71428571/2.86639429 = 0.959806347.
	tab := nn.NewTable("emb", 3, 1, true)
	copy(tab.Data, []float32{0, -1, 1})
	o := New(NewGroup("g", Adam{Beta1: 0.5, Beta2: 0.75, Eps: 1e-8}, 0.1).AddTable(tab, TableReg{}))
	tab.GradRow(1)[0] = 1
	tab.GradRow(2)[0] = 2
	o.Step()
	expectClose(t, "after step 1", tab.Row(2), []float64{0.9}, 0, 1e-6)
	tab.GradRow(1)[0] = 1
	o.Step()
	expectClose(t, "row 1 after step 2", tab.Row(1), []float64{-1.2}, 0, 1e-6)
	expectClose(t, "row 2 state after step 2", tab.State(2), []float64{1, 1}, 0, 0)
	tab.GradRow(2)[0] = -4
	o.Step()
	expectClose(t, "row 2 after step 3", tab.Row(2), []float64{0.959806347}, 0, 1e-6)
	expectClose(t, "row 2 state after step 3", tab.State(2), []float64{-1.5, 4.75}, 0, 1e-7)
	expectClose(t, "row 1 after step 3", tab.Row(1), []float64{-1.2}, 0, 1e-6)
}
