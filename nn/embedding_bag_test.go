package nn

import "testing"

func TestBagEmbeddingByHand(t *testing.T) {
	tab := newEmbeddingTable(5, 2, true, 1)
	copy(tab.Row(1), []float32{1, 2})
	copy(tab.Row(2), []float32{4, -2})
	copy(tab.Row(3), []float32{0.5, 0.5})
	// Bags: {1, 2, 0}, {} (empty), {0, 0} (padding only), {3, 3, 1}.
	ids := []int32{1, 2, 0, 0, 0, 3, 3, 1}
	offsets := []int32{0, 3, 3, 5, 8}
	sum := NewBagEmbedding(tab, PoolSum, 4).Forward(ids, offsets, 4)
	if want := []float32{5, 0, 0, 0, 0, 0, 2, 3}; !bitEqual(sum, want) {
		t.Fatalf("sum = %v, want %v", sum, want)
	}
	mean := NewBagEmbedding(tab, PoolMean, 4)
	y := mean.Forward(ids, offsets, 4)
	// The padding id is not counted: {1, 2, 0} averages over 2.
	if want := []float32{2.5, 0, 0, 0, 0, 0, 2.0 / 3, 1}; !bitEqual(y, want) {
		t.Fatalf("mean = %v, want %v", y, want)
	}
	mean.Backward([]float32{1, 1, 9, 9, 9, 9, 3, 6})
	g := tab.DenseGrad()
	// Row 1: ½·[1 1] from bag 0 plus ⅓·[3 6] from bag 3; row 3: ⅔·[3 6].
	want := []float32{0, 0, 1.5, 2.5, 0.5, 0.5, 2, 4}
	for i, v := range want {
		if !nearF64(g[i], float64(v)) {
			t.Fatalf("table gradient = %v, want %v", g[:8], want)
		}
	}
}

func TestBagEmbeddingGradients(t *testing.T) {
	for _, mode := range []Pooling{PoolSum, PoolMean} {
		t.Run(mode.String(), func(t *testing.T) {
			tab := newEmbeddingTable(8, 3, true, 2)
			e := NewBagEmbedding(tab, mode, 5)
			ids := []int32{4, 0, 4, 7, 2, 0, 0, 1, 5, 6, 5, 5}
			offsets := []int32{0, 4, 4, 6, 7, 12}
			const n = 5
			r := make([]float32, n*3)
			InitNormal(r, 1, NewRand(3))
			dy := make([]float32, len(r))
			loss := func() float64 { return ProbeLoss(e.Forward(ids, offsets, n), r) }
			backward := func() {
				tab.ZeroGrad()
				e.Forward(ids, offsets, n)
				copy(dy, r)
				e.Backward(dy)
			}
			if err := GradCheck(loss, backward, []Var{TableVar(tab)}, GradCheckOptions{Eps: 1e-2}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBagEmbeddingRejectsBadInput(t *testing.T) {
	tab := newEmbeddingTable(4, 2, true, 1)
	e := NewBagEmbedding(tab, PoolMean, 3)
	panicsWith(t, `BagEmbedding over "emb": id 4 at position 2 outside [0, 4)`, func() {
		e.Forward([]int32{1, 2, 4}, []int32{0, 1, 3}, 2)
	})
	panicsWith(t, "offsets[1] = 2 > offsets[2] = 1", func() { e.Forward([]int32{1, 2, 3}, []int32{0, 2, 1, 3}, 3) })
	panicsWith(t, "offsets span [0, 4), ids has 3", func() { e.Forward([]int32{1, 2, 3}, []int32{0, 4}, 1) })
	panicsWith(t, "2 offsets for 2 bags", func() { e.Forward([]int32{1, 2, 3}, []int32{0, 3}, 2) })
	panicsWith(t, "unknown pooling Pooling(7)", func() { NewBagEmbedding(tab, Pooling(7), 1) })
	ids, offsets := []int32{1, 2, 0, 3}, []int32{0, 2, 4}
	dy := make([]float32, 4)
	a := testing.AllocsPerRun(20, func() {
		tab.ZeroGrad()
		e.Forward(ids, offsets, 2)
		e.Backward(dy)
	})
	if a != 0 {
		t.Fatalf("%v allocations per step", a)
	}
}
