package nn

import (
	"math/rand/v2"
	"testing"
)

// newEmbeddingTable returns a random table; with padding, row 0 holds
// non-zero junk so that a lookup that read it would show.
func newEmbeddingTable(rows, dim int, padding bool, seed uint64) *Table {
	tab := NewTable("emb", rows, dim, padding)
	tab.InitNormal(0.5, NewRand(seed))
	if padding {
		for d := range tab.Row(0) {
			tab.Row(0)[d] = 7
		}
	}
	return tab
}

func TestFieldEmbeddingForwardByHand(t *testing.T) {
	tab := newEmbeddingTable(5, 2, true, 1)
	copy(tab.Row(3), []float32{1, 2})
	copy(tab.Row(4), []float32{-3, 0.5})
	e := NewFieldEmbedding(tab, 3, 2)
	ids := []int32{3, 0, 4, 4, 3, 3}
	y := e.Forward(ids, nil, 2)
	want := []float32{1, 2, 0, 0, -3, 0.5, -3, 0.5, 1, 2, 1, 2}
	if !bitEqual(y, want) {
		t.Fatalf("y = %v, want %v", y, want)
	}
	y = e.Forward(ids, []float32{2, 5, -1, 0.5, 0, 1}, 2)
	want = []float32{2, 4, 0, 0, 3, -0.5, -1.5, 0.25, 0, 0, 1, 2}
	if !bitEqual(y, want) {
		t.Fatalf("with values y = %v, want %v", y, want)
	}
	// Row 3 appears at positions 0, 4, 5: its gradient is Σ value·dy.
	dy := make([]float32, 12)
	for i := range dy {
		dy[i] = 1
	}
	dv := e.Backward(dy)
	if g := tab.DenseGrad(); g[6] != 3 || g[7] != 3 || g[8] != -0.5 || g[0] != 0 {
		t.Fatalf("table gradient = %v", g)
	}
	// dL/dvalue = dy·row: row 3 sums to 3, row 4 to −2.5, padding to 0.
	if wantDv := []float32{3, 0, -2.5, -2.5, 3, 3}; !bitEqual(dv, wantDv) {
		t.Fatalf("dvalues = %v, want %v", dv, wantDv)
	}
}

// The check includes the padding row: its numeric influence on the loss
// must be zero, like its analytic gradient.
func TestFieldEmbeddingGradients(t *testing.T) {
	for _, withValues := range []bool{false, true} {
		for _, padding := range []bool{false, true} {
			tab := newEmbeddingTable(9, 3, padding, 2)
			const n, F = 4, 3
			e := NewFieldEmbedding(tab, F, n)
			ids := []int32{1, 0, 5, 5, 8, 0, 2, 2, 1, 0, 3, 5}
			var values, dvalues []float32
			if withValues {
				values = make([]float32, n*F)
				InitNormal(values, 1, NewRand(3))
				dvalues = make([]float32, n*F)
			}
			r := make([]float32, n*F*3)
			InitNormal(r, 1, NewRand(4))
			dy := make([]float32, len(r))
			loss := func() float64 { return ProbeLoss(e.Forward(ids, values, n), r) }
			backward := func() {
				tab.ZeroGrad()
				e.Forward(ids, values, n)
				copy(dy, r)
				copy(dvalues, e.Backward(dy))
			}
			vars := []Var{TableVar(tab)}
			if withValues {
				vars = append(vars, Var{Name: "values", X: values, G: dvalues})
			}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-2}); err != nil {
				t.Fatalf("values %v, padding %v: %v", withValues, padding, err)
			}
			for _, row := range tab.TouchedRows() {
				if padding && row == 0 {
					t.Fatal("the padding row received a gradient")
				}
			}
		}
	}
}

func TestSequenceEmbeddingMaskLengthsAndPadding(t *testing.T) {
	tab := newEmbeddingTable(6, 2, true, 5)
	e := NewSequenceEmbedding(tab, 4, 3)
	ids := []int32{2, 5, 0, 0, 0, 0, 0, 0, 1, 1, 4, 3}
	y, mask, lengths := e.Forward(ids, 3)
	if want := []float32{1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}; !bitEqual(mask, want) {
		t.Fatalf("mask = %v, want %v", mask, want)
	}
	if lengths[0] != 2 || lengths[1] != 0 || lengths[2] != 4 {
		t.Fatalf("lengths = %v, want [2 0 4]", lengths)
	}
	for k, id := range ids {
		got := y[k*2 : k*2+2]
		want := []float32{0, 0}
		if id != 0 {
			want = tab.Row(id)
		}
		if !bitEqual(got, want) {
			t.Fatalf("position %d (id %d) embeds to %v, want %v", k, id, got, want)
		}
	}
	panicsWith(t, `SequenceEmbedding over "emb": the table needs a padding row`, func() {
		NewSequenceEmbedding(NewTable("emb", 3, 2, false), 4, 1)
	})
}

// A FieldEmbedding (the candidate) and a SequenceEmbedding (the history)
// share one table, as DIN and DIEN do: both gradients land in the same rows.
func TestSharedTableGradients(t *testing.T) {
	tab := newEmbeddingTable(7, 2, true, 6)
	const n, L = 3, 4
	cand := NewFieldEmbedding(tab, 1, n)
	hist := NewSequenceEmbedding(tab, L, n)
	candIDs := []int32{3, 6, 1}
	histIDs := []int32{1, 3, 3, 0, 6, 0, 0, 0, 2, 5, 3, 1}
	rc := make([]float32, n*2)
	rh := make([]float32, n*L*2)
	InitNormal(rc, 1, NewRand(7))
	InitNormal(rh, 1, NewRand(8))
	dc, dh := make([]float32, len(rc)), make([]float32, len(rh))
	loss := func() float64 {
		y, _, _ := hist.Forward(histIDs, n)
		return ProbeLoss(cand.Forward(candIDs, nil, n), rc) + ProbeLoss(y, rh)
	}
	backward := func() {
		tab.ZeroGrad()
		cand.Forward(candIDs, nil, n)
		hist.Forward(histIDs, n)
		copy(dc, rc)
		copy(dh, rh)
		cand.Backward(dc)
		hist.Backward(dh)
	}
	if err := GradCheck(loss, backward, []Var{TableVar(tab)}, GradCheckOptions{Eps: 1e-2}); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddingRejectsBadIDs(t *testing.T) {
	tab := newEmbeddingTable(12, 2, true, 1)
	f := NewFieldEmbedding(tab, 3, 2)
	panicsWith(t, `FieldEmbedding over "emb": id 12 at position 4 outside [0, 12)`, func() {
		f.Forward([]int32{1, 2, 3, 4, 12, 5}, nil, 2)
	})
	panicsWith(t, `FieldEmbedding over "emb": id -1 at position 0 outside [0, 12)`, func() {
		f.Forward([]int32{-1, 2, 3}, nil, 1)
	})
	panicsWith(t, "5 ids and 0 values for 2×3 fields", func() { f.Forward(make([]int32, 5), nil, 2) })
	s := NewSequenceEmbedding(tab, 2, 2)
	panicsWith(t, `SequenceEmbedding over "emb": id 99 at position 3 outside [0, 12)`, func() {
		s.Forward([]int32{1, 0, 2, 99}, 2)
	})
}

func TestEmbeddingNoAllocation(t *testing.T) {
	tab := newEmbeddingTable(100, 4, true, 1)
	const n, F, L = 8, 5, 6
	rng := NewRand(2)
	ids := make([]int32, n*L)
	for i := range ids {
		ids[i] = int32(rng.IntN(100))
	}
	values := make([]float32, n*F)
	f := NewFieldEmbedding(tab, F, n)
	s := NewSequenceEmbedding(tab, L, n)
	dyF, dyS := make([]float32, n*F*4), make([]float32, n*L*4)
	a := testing.AllocsPerRun(20, func() {
		tab.ZeroGrad()
		f.Backward(f.Forward(ids, values, n))
		f.Forward(ids, nil, n)
		f.Backward(dyF)
		s.Forward(ids, n)
		s.Backward(dyS)
	})
	if a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}

// benchmarkFieldEmbedding times one training step's lookups for DeepFM on
// Criteo: 4096 examples × 39 fields of dimension 10 over a 1M-row table,
// forward, backward into the sparse gradients, and their reset. It should
// report 0 allocs/op.
func benchmarkFieldEmbedding(b *testing.B, draw func(rng *rand.Rand) int32) {
	const rows, dim, n, F = 1 << 20, 10, 4096, 39
	tab := NewTable("emb", rows, dim, true)
	tab.InitNormal(0.01, NewRand(1))
	e := NewFieldEmbedding(tab, F, n)
	rng := NewRand(2)
	ids := make([]int32, n*F)
	for i := range ids {
		ids[i] = draw(rng)
	}
	dy := make([]float32, n*F*dim)
	InitNormal(dy, 1e-3, rng)
	// One step first, so that the table's sparse gradient buffers have
	// grown to their steady-state size, as they have after the first batch
	// of a training run.
	e.Forward(ids, nil, n)
	e.Backward(dy)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tab.ZeroGrad()
		e.Forward(ids, nil, n)
		e.Backward(dy)
	}
}

// BenchmarkFieldEmbeddingUniform draws ids uniformly: nearly every lookup
// misses the cache, the worst case.
func BenchmarkFieldEmbeddingUniform(b *testing.B) {
	benchmarkFieldEmbedding(b, func(rng *rand.Rand) int32 { return 1 + int32(rng.IntN(1<<20-1)) })
}

// BenchmarkFieldEmbeddingZipf draws ids from a Zipf law (s = 1.1), closer
// to real categorical data, where a few values dominate.
func BenchmarkFieldEmbeddingZipf(b *testing.B) {
	var z *rand.Zipf
	benchmarkFieldEmbedding(b, func(rng *rand.Rand) int32 {
		if z == nil {
			z = rand.NewZipf(rng, 1.1, 1, 1<<20-2)
		}
		return 1 + int32(z.Uint64())
	})
}
