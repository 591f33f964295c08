package nn

import "testing"

// A view has no weights and draws nothing when initialized, yet keeps its
// own gradient rows; pointed at a table's data it reads that table's rows.
func TestTableView(t *testing.T) {
	v := NewTableView("v", 5, 3, true)
	if v.Data != nil || v.Rows != 5 || v.Dim != 3 || v.Stride != 3 || !v.Padding {
		t.Fatalf("view %+v", v)
	}
	rng, ref := NewRand(4), NewRand(4)
	v.InitNormal(1, rng)
	v.InitUniform(1, rng)
	if a, b := rng.Uint64(), ref.Uint64(); a != b {
		t.Fatalf("initializing a view drew from the generator")
	}
	src := NewTable("src", 5, 3, true)
	src.InitNormal(1, NewRand(1))
	v.Data, v.Stride = src.Data, src.Stride
	for r := int32(0); r < 5; r++ {
		if got, want := v.Row(r), src.Row(r); &got[0] != &want[0] {
			t.Fatalf("row %d is not the source's", r)
		}
	}
	g := v.GradRow(2)
	g[1] = 7
	if v.GradRow(0) != nil || len(v.TouchedRows()) != 1 || v.Grad(0)[1] != 7 || len(src.TouchedRows()) != 0 {
		t.Fatalf("view gradients: touched %v, source touched %v", v.TouchedRows(), src.TouchedRows())
	}
}
