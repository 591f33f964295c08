package nn

import (
	"strings"
	"testing"
)

// The checker must accept a correct gradient and reject a wrong one, or no
// layer test built on it means anything.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	x := []float32{0.3, -1.2, 2.0}
	g := make([]float32, 3)
	loss := func() float64 { // Σ x³
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v) * float64(v)
		}
		return s
	}
	right := func() {
		for i, v := range x {
			g[i] = 3 * v * v
		}
	}
	wrong := func() {
		right()
		g[1] *= 1.1
	}
	if err := GradCheck(loss, right, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{Eps: 1e-3}); err != nil {
		t.Fatalf("correct gradient rejected: %v", err)
	}
	err := GradCheck(loss, wrong, []Var{{Name: "x", X: x, G: g}}, GradCheckOptions{Eps: 1e-3})
	if err == nil || !strings.Contains(err.Error(), "x[1]") {
		t.Fatalf("wrong gradient of x[1] not reported: %v", err)
	}
	if x[0] != 0.3 || x[1] != -1.2 || x[2] != 2.0 {
		t.Fatalf("values not restored: %v", x)
	}
}

func TestTableSparseGradient(t *testing.T) {
	tab := NewTable("emb", 1000, 4, true)
	if g := tab.GradRow(0); g != nil {
		t.Fatal("padding row must not get a gradient")
	}
	tab.GradRow(7)[1] += 2
	tab.GradRow(3)[0] += 1
	tab.GradRow(7)[1] += 3
	if rows := tab.TouchedRows(); len(rows) != 2 || rows[0] != 7 || rows[1] != 3 {
		t.Fatalf("touched rows = %v, want [7 3]", rows)
	}
	if g := tab.Grad(0); g[1] != 5 {
		t.Fatalf("row 7 gradient = %v, want 5 at [1]", g)
	}
	tab.ZeroGrad()
	if len(tab.TouchedRows()) != 0 {
		t.Fatal("ZeroGrad left touched rows")
	}
	if g := tab.GradRow(3); g[0] != 0 {
		t.Fatalf("gradient not cleared: %v", g)
	}
	tab.Row(5)[2] = 1.5
	tab.ReserveState(8)
	if tab.Stride != 12 || tab.Row(5)[2] != 1.5 || len(tab.State(5)) != 8 {
		t.Fatalf("ReserveState lost weights or mis-sized state: stride %d", tab.Stride)
	}
}
