package model

import (
	"fmt"
	"math"
	"testing"
)

func TestDINGradients(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 6, 10)
	for _, w := range []string{"raw", "softmax", "scaled-softmax"} {
		for _, act := range []string{"dice", "prelu", "relu"} {
			unit := act
			if act == "relu" {
				unit = "sigmoid" // the released code's unit; relu is covered below
			}
			name := fmt.Sprintf("%s/mlp=%s/unit=%s", w, act, unit)
			t.Run(name, func(t *testing.T) {
				p := fmt.Sprintf(`"attention_weighting": %q, "activation": %q, "attention_activation": %q`, w, act, unit)
				m := newSeqModel(t, "din", p, l, 6, 1)
				randomize(m, 0.5, 2)
				checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps})
			})
		}
	}
	t.Run("raw/unit=relu", func(t *testing.T) {
		m := newSeqModel(t, "din", `"attention_activation": "relu"`, l, 6, 1)
		randomize(m, 0.5, 2)
		checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps})
	})
}

// dinPool returns, by hand, row i's pooled interest Σ_j w_j e_j from the
// weights Attention reports (columns as Batch.Seq) and the table: the
// hist_item half and the hist_cat half.
func dinPool(m *DIN, b *Batch, i int) []float32 {
	l, k := m.in.layout, m.in.dim
	w, width := m.Attention()
	pool := make([]float32, 2*k)
	for c := range width {
		id := b.Seq[i*width+c]
		seq, pos := m.Behaviour(c)
		if pos >= int(b.SeqLens[i*len(l.Seqs)+seq]) || id == 0 {
			if w[i*width+c] != 0 {
				panic(fmt.Sprintf("row %d column %d: padded position weighted %v", i, c, w[i*width+c]))
			}
			continue
		}
		for d, x := range m.in.v.Row(id) {
			pool[seq*k+d] += w[i*width+c] * x
		}
	}
	return pool
}

// TestDINWeights checks Attention against the pooled interest the MLP
// reads, and the normalization: paper mode's weights do not sum to 1, the
// softmax's do over the real behaviours.
func TestDINWeights(t *testing.T) {
	const L = 5
	l := seqLayout(7, 3, L, 3)
	b := seqBatch(l, 8, 11)
	for _, weighting := range []string{"raw", "softmax"} {
		m := newSeqModel(t, "din", `"attention_weighting": "`+weighting+`"`, l, 8, 1).(*DIN)
		randomize(m, 0.5, 2)
		m.Forward(b)
		w, width := m.Attention()
		if width != 2*L || len(w) != b.N*width {
			t.Fatalf("width %d, %d weights", width, len(w))
		}
		fk := m.in.fields * m.in.dim
		offNorm := 0
		for i := range b.N {
			want := dinPool(m, b, i)
			got := m.x[i*m.xw+fk : i*m.xw+fk+len(want)]
			for c := range want {
				if !closeTo(float64(got[c]), float64(want[c]), 1e-5) {
					t.Fatalf("%s row %d: pooled %v, from Attention %v", weighting, i, got, want)
				}
			}
			// Sum over hist_item's columns: each behaviour once.
			var sum float64
			for c := range L {
				sum += float64(w[i*width+c])
				if w[i*width+c] != w[i*width+L+c] {
					t.Fatalf("row %d: item and category of behaviour %d weigh %v and %v", i, c, w[i*width+c], w[i*width+L+c])
				}
			}
			if b.SeqLens[i*2] == 0 {
				continue
			}
			if math.Abs(sum-1) > 1e-3 {
				offNorm++
			}
			if weighting == "softmax" && math.Abs(sum-1) > 1e-5 {
				t.Errorf("softmax row %d: weights sum to %v", i, sum)
			}
		}
		if weighting == "raw" && offNorm == 0 {
			t.Error("paper mode: every row's weights sum to 1; they should not be normalized")
		}
	}
}

func TestDINBehaviour(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	m := newSeqModel(t, "din", "", l, 2, 1).(*DIN)
	for c, want := range [][2]int{{0, 0}, {0, 3}, {1, 0}, {1, 3}} {
		col := []int{0, 3, 4, 7}[c]
		if s, p := m.Behaviour(col); s != want[0] || p != want[1] {
			t.Errorf("column %d: sequence %d position %d, want %v", col, s, p, want)
		}
	}
}
