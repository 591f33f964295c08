package model

import (
	"math"
	"testing"
)

func TestDIENGradients(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 6, 12)
	cases := []struct{ name, params string }{
		{"augru", `"variant": "augru"`},
		{"aigru", `"variant": "aigru"`},
		{"agru", `"variant": "agru"`},
		{"augru/alpha=2/prelu", `"aux_alpha": 2, "activation": "prelu"`},
		{"augru/alpha=0/relu/hidden=4", `"aux_alpha": 0, "activation": "relu", "gru_hidden": 4`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newSeqModel(t, "dien", c.params, l, 6, 1).(*DIEN)
			randomize(m, 0.5, 2)
			alpha := m.cfg.AuxAlpha
			// The checked loss is L_target + α·L_aux, as Backward's gradient.
			checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps, Penalty: func() float64 { return alpha * m.AuxLoss() }})
			if alpha > 0 && !(m.AuxLoss() > 0) {
				t.Errorf("auxiliary loss %v", m.AuxLoss())
			}
		})
	}
}

// TestDIENAuxLossByHand recomputes L_aux from the extractor's states, the
// table and the negatives the model drew, and checks that negatives come
// from other rows, are real behaviours, and repeat for a repeated batch.
func TestDIENAuxLossByHand(t *testing.T) {
	const L, k = 5, 3
	l := seqLayout(9, 4, L, k)
	b := seqBatch(l, 8, 13)
	m := newSeqModel(t, "dien", "", l, 8, 1).(*DIEN)
	randomize(m, 0.5, 2)
	m.Forward(b)
	g, ax, hs := m.in.groups[0], m.aux[0], m.hs[0]
	D := g.width
	// behaviour returns the embedding of row i's q-th real behaviour from
	// the table (every behaviour of seqBatch is real: no missing element).
	behaviour := func(i, q int) []float32 {
		var e []float32
		for _, s := range l.Seqs {
			e = append(e, m.in.v.Row(b.Seq[i*l.SeqLen+s.Offset+q])...)
		}
		return e
	}
	var sum float64
	pairs := 0
	negs := map[int32]bool{}
	for i := range b.N {
		ln := int(b.SeqLens[i*2])
		for t0 := 0; t0+1 < ln; t0++ {
			h := hs[(i*L+t0)*D : (i*L+t0+1)*D]
			k := ax.neg[i*L+t0]
			negs[k] = true
			nr, nq := int(k)/L, int(k)%L
			if nr == i {
				t.Errorf("row %d step %d: negative from its own row", i, t0)
			}
			if nq >= int(b.SeqLens[nr*2]) {
				t.Errorf("row %d step %d: negative %d is padding", i, t0, k)
			}
			var pos, neg float64
			for c, e := range behaviour(i, t0+1) {
				pos += float64(h[c]) * float64(e)
			}
			for c, e := range behaviour(nr, nq) {
				neg += float64(h[c]) * float64(e)
			}
			sum += -math.Log(1/(1+math.Exp(-pos))) - math.Log(1-1/(1+math.Exp(-neg)))
			pairs++
		}
	}
	if pairs == 0 || len(negs) < 3 {
		t.Fatalf("%d pairs, %d distinct negatives", pairs, len(negs))
	}
	if want := sum / float64(pairs); !closeTo(m.AuxLoss(), want, 1e-5) {
		t.Errorf("auxiliary loss %v, by hand %v", m.AuxLoss(), want)
	}
	first := append([]int32(nil), ax.neg[:b.N*L]...)
	m.Forward(b)
	for i := range b.N {
		for t0 := 0; t0+1 < int(b.SeqLens[i*2]); t0++ {
			if ax.neg[i*L+t0] != first[i*L+t0] {
				t.Fatal("a repeated batch drew other negatives")
			}
		}
	}
	m.Reseed(99)
	m.Forward(b)
	same := true
	for i := range b.N {
		for t0 := 0; t0+1 < int(b.SeqLens[i*2]); t0++ {
			same = same && ax.neg[i*L+t0] == first[i*L+t0]
		}
	}
	if same {
		t.Error("Reseed did not change the negatives")
	}
}

// TestDIENAuxLossInGradient checks that the auxiliary loss reaches the
// extractor's gradient in training only: in inference mode, and at α = 0,
// the extractor's gradient is the target loss's alone.
func TestDIENAuxLossInGradient(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 6, 14)
	grad := func(alpha string, training bool) ([]float32, float64) {
		m := newSeqModel(t, "dien", `"aux_alpha": `+alpha+`, "activation": "prelu"`, l, 6, 1).(*DIEN)
		randomize(m, 0.5, 2)
		m.SetTraining(training)
		stepCopy(m, b)
		return append([]float32(nil), m.ext[0].Wx.G...), m.AuxLoss()
	}
	g0, a0 := grad("0", true)
	g1, a1 := grad("1", true)
	ge, ae := grad("1", false)
	if a0 != 0 || ae != 0 || !(a1 > 0) {
		t.Errorf("auxiliary losses %v (α = 0), %v (α = 1), %v (inference)", a0, a1, ae)
	}
	if equalBits(g0, g1) {
		t.Error("α = 1 left the extractor's gradient unchanged")
	}
	if !equalBits(g0, ge) {
		t.Error("the auxiliary loss reached the gradient in inference mode")
	}
}

// TestDIENAttentionWeights checks that a_t sums to 1 over a row's real
// behaviours and sits at their Batch.Seq positions.
func TestDIENAttentionWeights(t *testing.T) {
	const L = 5
	l := seqLayout(7, 3, L, 3)
	b := seqBatch(l, 8, 15)
	for i := 2; i < b.N; i++ { // a missing element inside row i's history
		if b.SeqLens[i*2] >= 2 {
			b.Seq[i*l.SeqLen+0], b.Seq[i*l.SeqLen+L+0] = 0, 0
			break
		}
	}
	m := newSeqModel(t, "dien", "", l, 8, 1).(*DIEN)
	randomize(m, 0.5, 2)
	m.Forward(b)
	w, width := m.Attention()
	for i := range b.N {
		var sum float64
		real := 0
		for c := range L {
			x := w[i*width+c]
			isReal := c < int(b.SeqLens[i*2]) && b.Seq[i*l.SeqLen+c] != 0
			if !isReal && x != 0 {
				t.Errorf("row %d: padded position %d weighs %v", i, c, x)
			}
			if isReal {
				real++
				if !(x > 0) {
					t.Errorf("row %d: real position %d weighs %v", i, c, x)
				}
			}
			if w[i*width+L+c] != x {
				t.Errorf("row %d: item and category weights differ at %d", i, c)
			}
			sum += float64(x)
		}
		if real > 0 && math.Abs(sum-1) > 1e-5 {
			t.Errorf("row %d: weights sum to %v", i, sum)
		}
	}
}

// sharedHistories copies row from's histories onto rows to…to+k−1, as one
// user's candidates come.
func sharedHistories(l Layout, b *Batch, from, to, k int) {
	for i := to; i < to+k; i++ {
		copy(b.Seq[i*l.SeqLen:(i+1)*l.SeqLen], b.Seq[from*l.SeqLen:(from+1)*l.SeqLen])
		copy(b.SeqLens[i*len(l.Seqs):(i+1)*len(l.Seqs)], b.SeqLens[from*len(l.Seqs):(from+1)*len(l.Seqs)])
	}
}

// TestDIENSharedHistories checks the extractor's one run per shared
// history: the gradients stay right (training, with the auxiliary loss),
// and each row scores as it does alone.
func TestDIENSharedHistories(t *testing.T) {
	l := seqLayout(6, 3, 4, 3)
	b := seqBatch(l, 7, 16)
	b.SeqLens[0], b.SeqLens[1] = 4, 4 // row 0 is full; share it with rows 1–3
	sharedHistories(l, b, 0, 1, 3)
	sharedHistories(l, b, 5, 6, 1)
	m := newSeqModel(t, "dien", `"activation": "prelu"`, l, 7, 1).(*DIEN)
	randomize(m, 0.5, 2)
	m.Forward(b)
	if r := m.aux[0].runs; r != 3 {
		t.Fatalf("%d distinct histories, want 3 (rows 0–3, 4, 5–6)", r)
	}
	checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps, Penalty: func() float64 { return m.AuxLoss() }})

	m.SetTraining(false)
	all := append([]float32(nil), m.Forward(b)...)
	for i := range b.N {
		one := &Batch{
			N: 1, IDs: b.IDs[i*4 : i*4+4], Values: b.Values[i*4 : i*4+4],
			Seq: b.Seq[i*l.SeqLen : (i+1)*l.SeqLen], SeqLens: b.SeqLens[i*2 : i*2+2],
		}
		if got := m.Forward(one)[0]; !closeTo(float64(got), float64(all[i]), 1e-6) {
			t.Errorf("row %d: %v in the batch, %v alone", i, all[i], got)
		}
	}
}
