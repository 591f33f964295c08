package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// mixedLayout has slots a (categorical, rows 1..3), n (numeric, row 4) and
// b (categorical, rows 5..6), all of width 2.
func mixedLayout() Layout {
	l := Layout{Rows: 1}
	add := func(name string, size int32, numeric bool) {
		l.Tables = append(l.Tables, feature.Table{Name: name, Offset: int32(l.Rows), Size: size, Dim: 2, Fields: []string{name}})
		l.Slots = append(l.Slots, Slot{Name: name, Table: len(l.Tables) - 1, Dim: 2, Numeric: numeric})
		l.Rows += int(size)
	}
	add("a", 3, false)
	add("n", 1, true)
	add("b", 2, false)
	return l
}

func TestStackedInputLayout(t *testing.T) {
	l := mixedLayout()
	s, err := newStackedInput("emb", Env{Layout: l, MaxBatch: 2}, 0, 0.1, nn.NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if s.width != 2*2+1 {
		t.Fatalf("width %d, want 5", s.width)
	}
	// Row 0: a=2, n=0.75, b=6 (value 0.5 scales b's embedding).
	// Row 1: a padded, n=-2, b=5.
	b := &Batch{N: 2, IDs: []int32{2, 4, 6, 0, 4, 5}, Values: []float32{1, 0.75, 0.5, 1, -2, 1}}
	x := s.forward(b)
	e := func(r int32, v float32) []float32 {
		row := s.table.Row(r)
		return []float32{v * row[0], v * row[1]}
	}
	want := slices.Concat(e(2, 1), e(6, 0.5), []float32{0.75}, []float32{0, 0}, e(5, 1), []float32{-2})
	if !slices.Equal(x, want) {
		t.Fatalf("stack %v, want %v", x, want)
	}
	// The gradient reaches the categorical rows only, scaled by the value.
	dx := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	s.backward(dx)
	g := s.table.DenseGrad()
	for _, c := range []struct {
		row  int
		want []float32
	}{{2, []float32{1, 2}}, {6, []float32{1.5, 2}}, {5, []float32{8, 9}}, {4, []float32{0, 0}}, {0, []float32{0, 0}}} {
		if got := g[c.row*2 : c.row*2+2]; !slices.Equal(got, c.want) {
			t.Errorf("row %d gradient %v, want %v", c.row, got, c.want)
		}
	}
}

func TestStackedInputChecks(t *testing.T) {
	l := mixedLayout()
	l.Slots[1].Dim = 7 // a numeric field's width does not matter
	if _, err := newStackedInput("emb", Env{Layout: l, MaxBatch: 2}, 0, 0.1, nn.NewRand(1)); err != nil {
		t.Fatalf("numeric width rejected: %v", err)
	}
	l.Slots[2].Dim = 3
	if _, err := newStackedInput("emb", Env{Layout: l, MaxBatch: 2}, 0, 0.1, nn.NewRand(1)); err == nil || !strings.Contains(err.Error(), "embedding_dim") {
		t.Fatalf("mixed categorical widths: %v", err)
	}
	if _, err := newStackedInput("emb", Env{Layout: l, MaxBatch: 2}, 4, 0.1, nn.NewRand(1)); err != nil {
		t.Fatalf("override rejected: %v", err)
	}
	if _, err := newStackedInput("emb", Env{Layout: l, MaxBatch: 2}, 4, 0, nn.NewRand(1)); err == nil {
		t.Fatal("init_std 0 accepted")
	}
	if _, err := newStackedInput("emb", Env{Layout: Layout{Rows: 1}, MaxBatch: 2}, 0, 0.1, nn.NewRand(1)); err == nil {
		t.Fatal("empty layout accepted")
	}
	// Numeric fields only: no table, the stack is the raw values.
	s, err := newStackedInput("emb", Env{Layout: tinyLayout(0, 2, 1, 3), MaxBatch: 2}, 0, 0.1, nn.NewRand(1))
	if err != nil || s.table != nil || s.width != 2 {
		t.Fatalf("numeric-only stack: %v, table %v, width %d", err, s.table, s.width)
	}
	b := &Batch{N: 1, IDs: []int32{1, 2}, Values: []float32{0.5, -1}}
	if x := s.forward(b); !slices.Equal(x, []float32{0.5, -1}) {
		t.Fatalf("numeric-only stack %v", x)
	}
	s.backward([]float32{1, 1})
}
