package model

import (
	"math"
	"testing"
)

// tinyAFM builds a small AFM over l with randomized weights.
func tinyAFM(t *testing.T, l Layout, cfg AFMConfig) *AFM {
	t.Helper()
	cfg.InitStd = 0.01
	if cfg.AttentionDim == 0 {
		cfg.AttentionDim = 4
	}
	m, err := NewAFM(Env{Layout: l, MaxBatch: 16, Seed: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 2)
	return m
}

func TestAFMForwardByHand(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	m := tinyAFM(t, l, AFMConfig{})
	b := tinyBatch(l, 16, 3)
	got := m.Forward(b)
	f, k, tt := len(l.Slots), m.base.dim, m.cfg.AttentionDim
	W, bias, h, p := m.att.AttW.W, m.att.AttB.W, m.att.AttH.W, m.att.Proj.W
	for i := range b.N {
		// a'_ij = hᵀ ReLU(W(v_i ⊙ v_j) x_i x_j + b), softmax over the pairs
		// of unpadded slots, then pᵀ Σ a_ij (…).
		var pp [][]float64
		var score []float64
		for p1 := range f {
			e1 := rowEmbedding(m.base.v, b.IDs[i*f+p1], b.Values[i*f+p1])
			for p2 := p1 + 1; p2 < f; p2++ {
				if b.IDs[i*f+p1] == 0 || b.IDs[i*f+p2] == 0 {
					continue
				}
				e2 := rowEmbedding(m.base.v, b.IDs[i*f+p2], b.Values[i*f+p2])
				prod := make([]float64, k)
				for d := range prod {
					prod[d] = e1[d] * e2[d]
				}
				var s float64
				for c := range tt {
					z := float64(bias[c])
					for d := range k {
						z += prod[d] * float64(W[d*tt+c]) // W is stored k×t
					}
					s += float64(h[c]) * math.Max(z, 0)
				}
				pp, score = append(pp, prod), append(score, s)
			}
		}
		var zsum float64
		for _, s := range score {
			zsum += math.Exp(s)
		}
		pair := 0.0
		for q, prod := range pp {
			a := math.Exp(score[q]) / zsum
			for d := range k {
				pair += a * prod[d] * float64(p[d])
			}
		}
		want := firstOrder(m.base.lin, b, i) + pair
		if !closeTo(float64(got[i]), want, 1e-5) {
			t.Errorf("row %d: logit %v, by hand %v", i, got[i], want)
		}
	}
}

// TestAFMAttentionWeights checks that the pairs of a padded slot get weight
// exactly 0 and the others share a softmax summing to 1, and that a row
// with one unpadded slot has no pairwise term.
func TestAFMAttentionWeights(t *testing.T) {
	l := tinyLayout(4, 1, 4, 3)
	m := tinyAFM(t, l, AFMConfig{Dropout: 0.5})
	b := tinyBatch(l, 10, 3)
	f := len(l.Slots)
	clear(b.IDs[:f-1]) // row 0: only its numeric slot is left
	for _, training := range []bool{true, false} {
		m.SetTraining(training)
		logits := m.Forward(b)
		w, pairs := m.Attention()
		if pairs != 10 || len(w) != b.N*pairs {
			t.Fatalf("%d pairs, %d weights; want 10 pairs of 5 fields for %d rows", pairs, len(w), b.N)
		}
		padded := 0
		for i := range b.N {
			var s float64
			real := 0
			for q, a := range w[i*pairs : (i+1)*pairs] {
				if pi, pj := m.Pair(q); b.IDs[i*f+pi] == 0 || b.IDs[i*f+pj] == 0 {
					if a != 0 {
						t.Fatalf("row %d: pair (%d, %d) of a padded slot has weight %v, want 0", i, pi, pj, a)
					}
					padded++
					continue
				}
				if !(a > 0) {
					t.Fatalf("row %d: weight %v", i, a)
				}
				s += float64(a)
				real++
			}
			if real > 0 && math.Abs(s-1) > 1e-5 {
				t.Errorf("training %v, row %d: weights of the %d unpadded pairs sum to %v", training, i, real, s)
			}
		}
		if padded <= pairs {
			t.Fatalf("%d padded pairs besides row 0's: the batch tests no padding", padded-pairs)
		}
		if want := firstOrder(m.base.lin, b, 0); !closeTo(float64(logits[0]), want, 1e-6) {
			t.Errorf("row 0 (one unpadded slot): logit %v, want the first-order term %v", logits[0], want)
		}
	}
	q := 0
	for i := range len(l.Slots) {
		for j := i + 1; j < len(l.Slots); j++ {
			if pi, pj := m.Pair(q); pi != i || pj != j {
				t.Fatalf("Pair(%d) = (%d, %d), want (%d, %d)", q, pi, pj, i, j)
			}
			q++
		}
	}
}

func TestAFMGradient(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 16, 4)
	for _, c := range []struct {
		name     string
		cfg      AFMConfig
		training bool
	}{
		{"plain", AFMConfig{}, true},
		{"dropout inference", AFMConfig{Dropout: 0.5}, false},
		{"dropout training", AFMConfig{Dropout: 0.5}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tinyAFM(t, l, c.cfg)
			m.SetTraining(c.training)
			checkModelGrad(t, fixedMasks{m, 9}, b, gradOpts{Steps: kinkSteps})
		})
	}
}

// TestAFMAttentionL2 checks the gradient of log loss + (λ/2)‖W‖² and that
// the penalty reaches W alone.
func TestAFMAttentionL2(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 16, 4)
	const lambda = 0.7
	m := tinyAFM(t, l, AFMConfig{AttentionL2: lambda})
	plain := tinyAFM(t, l, AFMConfig{})
	penalty := func() float64 {
		var pen float64
		for _, w := range m.att.AttW.W {
			pen += float64(w) * float64(w)
		}
		return lambda / 2 * pen
	}
	checkModelGrad(t, m, b, gradOpts{Steps: kinkSteps, Penalty: penalty})

	// plain has the same weights (same seeds) and no penalty: only W's
	// gradient may differ, by λ·W.
	lossGrad(m, b)
	lossGrad(plain, b)
	pm, pp := Params(m), Params(plain)
	for i := range pm {
		for j := range pm[i].G {
			want := pp[i].G[j]
			if pm[i] == m.att.AttW {
				want += lambda * pm[i].W[j]
			}
			if !closeTo(float64(pm[i].G[j]), float64(want), 1e-5) {
				t.Fatalf("%s[%d]: gradient %v, want %v", pm[i].Name, j, pm[i].G[j], want)
			}
		}
	}
}

func TestAFMDropout(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	checkReseedReplaysMasks(t, tinyAFM(t, l, AFMConfig{Dropout: 0.5}), tinyBatch(l, 16, 4))
}

func TestAFMConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	for _, c := range []struct {
		cfg  AFMConfig
		want string
	}{
		{AFMConfig{AttentionDim: 0}, "attention_dim"},
		{AFMConfig{AttentionDim: 2, Dropout: 1}, "dropout"},
		{AFMConfig{AttentionDim: 2, AttentionL2: -1}, "attention_l2"},
		{AFMConfig{AttentionDim: 2, AttentionL2: math.Inf(1)}, "attention_l2"},
	} {
		c.cfg.InitStd = 0.01
		_, err := NewAFM(env, c.cfg)
		checkConfigError(t, err, c.want)
	}
	_, err := NewAFM(Env{Layout: tinyLayout(1, 0, 3, 4), MaxBatch: 4}, AFMConfig{AttentionDim: 2, InitStd: 0.01})
	checkConfigError(t, err, "at least 2")
}

func TestAFMDeterministic(t *testing.T) {
	checkSameSeedSameLogits(t, "afm", "", tinyLayout(3, 1, 5, 4))
}
