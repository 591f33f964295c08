package nn

import (
	"math"
	"testing"
)

func newTestSeqAttention(seed uint64) (*SeqAttention, []float32, []float32) {
	const H, dA = 4, 3
	n := len(gruLens)
	rng := NewRand(seed)
	s := NewSeqAttention("att", H, dA, n, gruSteps, rng)
	h := gruRandom(n*gruSteps*H, 1, rng)
	e := gruRandom(n*dA, 1, rng)
	return s, h, e
}

func TestSeqAttentionByHand(t *testing.T) {
	s := NewSeqAttention("att", 1, 1, 1, 3, NewRand(0))
	s.W.W[0] = 0.5
	a := s.Forward([]float32{1, -2, 99}, []float32{2}, 1, 3, []int32{2})
	// Scores h_t·w·e = 1 and −2 over the two valid steps.
	e1, e2 := math.Exp(1), math.Exp(-2)
	want := []float64{e1 / (e1 + e2), e2 / (e1 + e2), 0}
	for i, w := range want {
		if math.Abs(float64(a[i])-w) > 1e-6 {
			t.Fatalf("a = %v, want %v", a, want)
		}
	}
}

func TestSeqAttentionWeightsAreADistribution(t *testing.T) {
	s, h, e := newTestSeqAttention(1)
	n := len(gruLens)
	// Large scores test the max shift: without it exp would overflow.
	for i := range h {
		h[i] *= 1000
	}
	a := s.Forward(h, e, n, gruSteps, gruLens)
	for i, l := range gruLens {
		var sum float64
		for st := 0; st < gruSteps; st++ {
			w := a[i*gruSteps+st]
			switch {
			case st >= int(l) && w != 0:
				t.Fatalf("row %d padded step %d has weight %v, want 0", i, st, w)
			case st < int(l) && (w < 0 || w > 1 || math.IsNaN(float64(w))):
				t.Fatalf("row %d step %d has weight %v", i, st, w)
			}
			sum += float64(w)
		}
		want := 1.0
		if l == 0 {
			want = 0
		}
		if math.Abs(sum-want) > 1e-6 {
			t.Fatalf("row %d (len %d): weights sum to %v, want %v", i, l, sum, want)
		}
	}
}

func TestSeqAttentionGradients(t *testing.T) {
	s, h, e := newTestSeqAttention(2)
	n := len(gruLens)
	r := gruRandom(n*gruSteps, 1, NewRand(3))
	dh := make([]float32, len(h))
	de := make([]float32, len(e))
	loss := func() float64 { return ProbeLoss(s.Forward(h, e, n, gruSteps, gruLens), r) }
	backward := func() {
		s.W.ZeroGrad()
		s.Forward(h, e, n, gruSteps, gruLens)
		gh, ge := s.Backward(gruClone(r))
		copy(dh, gh)
		copy(de, ge)
	}
	vars := []Var{ParamVar(s.W), {Name: "h", X: h, G: dh}, {Name: "e", X: e, G: de}}
	if err := GradCheck(loss, backward, vars, GradCheckOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestSeqAttentionPaddingIsInert(t *testing.T) {
	const H = 4
	s, h, e := newTestSeqAttention(4)
	n := len(gruLens)
	rng := NewRand(5)
	da := gruRandom(n*gruSteps, 1, rng)
	run := func() gruRun {
		s.W.ZeroGrad()
		a := gruClone(s.Forward(h, e, n, gruSteps, gruLens))
		dh, de := s.Backward(gruClone(da))
		return gruSnapshot(a, nil, dh, de, s.Params())
	}
	base := run()
	gruPadded(gruLens, gruSteps, func(idx int) {
		for j := 0; j < H; j++ {
			if base.dx[idx*H+j] != 0 {
				t.Fatalf("padded step %d has hidden-state gradient %v, want 0", idx, base.dx[idx*H+j])
			}
		}
	})
	// Padded hidden states are never read and padded upstream gradients
	// are ignored.
	gruPadded(gruLens, gruSteps, func(idx int) {
		for j := 0; j < H; j++ {
			h[idx*H+j] = float32(math.NaN())
		}
		da[idx] = 1e6
	})
	base.sameBits(t, run())
}

func TestSeqAttentionDeterministic(t *testing.T) {
	s1, h, e := newTestSeqAttention(6)
	s2, _, _ := newTestSeqAttention(6)
	n := len(gruLens)
	da := gruRandom(n*gruSteps, 1, NewRand(7))
	run := func(s *SeqAttention, lens []int32) gruRun {
		s.W.ZeroGrad()
		a := gruClone(s.Forward(h, e, n, gruSteps, lens))
		dh, de := s.Backward(gruClone(da))
		return gruSnapshot(a, nil, dh, de, s.Params())
	}
	first := run(s1, gruLens)
	run(s1, []int32{5, 5, 5, 5, 5, 5})
	first.sameBits(t, run(s1, gruLens))
	first.sameBits(t, run(s2, gruLens))
}

func TestSeqAttentionNoAllocations(t *testing.T) {
	s, h, e := newTestSeqAttention(8)
	n := len(gruLens)
	da := gruRandom(n*gruSteps, 1, NewRand(9))
	allocs := testing.AllocsPerRun(5, func() {
		s.Forward(h, e, n, gruSteps, gruLens)
		s.Backward(da)
	})
	if allocs != 0 {
		t.Fatalf("Forward+Backward allocated %v times", allocs)
	}
}

func TestSeqAttentionPanicsOnBadArguments(t *testing.T) {
	s := NewSeqAttention("att", 2, 3, 2, 4, NewRand(0))
	h, e := make([]float32, 2*4*2), make([]float32, 2*3)
	panicsWith(t, "Backward before Forward", func() { s.Backward(make([]float32, 8)) })
	panicsWith(t, "lens[0] = 5 outside [0, 4]", func() { s.Forward(h, e, 2, 4, []int32{5, 0}) })
	panicsWith(t, "e has 5 values, need 6", func() { s.Forward(h, e[:5], 2, 4, []int32{1, 0}) })
	s.Forward(h, e, 2, 4, []int32{1, 0})
	panicsWith(t, "weight gradient has 7 values, need 8", func() { s.Backward(make([]float32, 7)) })
}
