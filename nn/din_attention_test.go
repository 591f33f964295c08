package nn

import (
	"math"
	"testing"
)

// dinCase is a batch of DIN inputs: 3 examples of up to 5 behaviours with
// lengths 3, 5 and 1, and a hole at position 1 of example 1 (masks need not
// be left-aligned). Padded keys hold garbage, which must not matter.
type dinCase struct {
	n, d, L int
	q, keys []float32
	mask    []float32
}

func newDINCase(seed uint64) dinCase {
	const n, d, L = 3, 4, 5
	c := dinCase{n: n, d: d, L: L}
	c.q = randomInput(n*d, 1, seed)
	c.keys = randomInput(n*L*d, 1, seed+1)
	c.mask = []float32{
		1, 1, 1, 0, 0,
		1, 0, 1, 1, 1,
		1, 0, 0, 0, 0,
	}
	return c
}

// dinUnit is an activation unit's hidden activation: fused or learned.
type dinUnit struct {
	act     Activation
	learned LearnedActivation
}

// String names the unit for subtest names.
func (u dinUnit) String() string {
	if u.learned != NoLearnedActivation {
		return u.learned.String()
	}
	return u.act.String()
}

var (
	dinSigmoid = dinUnit{act: ActSigmoid}
	dinDice    = dinUnit{learned: LearnedDice}
)

// newTestDIN returns a DIN layer with a 6-3 unit whose biases are non-zero,
// so that the test exercises every parameter.
func newTestDIN(u dinUnit, wt DINWeighting, d, L, maxBatch int) *DINAttention {
	a := NewDINAttention(DINAttentionConfig{
		Name: "din", Dim: d, SeqLen: L, Hidden: []int{6, 3},
		Activation: u.act, Learned: u.learned, Weighting: wt,
	}, maxBatch, NewRand(80))
	rng := NewRand(81)
	for _, dn := range a.Unit.Dense {
		InitNormal(dn.B.W, 0.3, rng)
	}
	return a
}

// explicitDINScore evaluates the sigmoid activation unit on one behaviour
// in float64, straight from the Dense weights.
func explicitDINScore(a *DINAttention, e, q []float32) float64 {
	d := a.Config.Dim
	x := make([]float64, 0, 4*d)
	for c := 0; c < d; c++ {
		x = append(x, float64(e[c]))
	}
	for c := 0; c < d; c++ {
		x = append(x, float64(q[c]))
	}
	for c := 0; c < d; c++ {
		x = append(x, float64(e[c])-float64(q[c]))
	}
	for c := 0; c < d; c++ {
		x = append(x, float64(e[c])*float64(q[c]))
	}
	for li, dn := range a.Unit.Dense {
		y := make([]float64, dn.Out)
		for o := range y {
			z := float64(dn.B.W[o])
			for i, v := range x {
				z += v * float64(dn.W.W[i*dn.Out+o])
			}
			if li < len(a.Unit.Dense)-1 {
				z = 1 / (1 + math.Exp(-z))
			}
			y[o] = z
		}
		x = y
	}
	return x[0]
}

func TestDINAttentionEqualsExplicitFormula(t *testing.T) {
	c := newDINCase(82)
	a := newTestDIN(dinSigmoid, DINRawWeights, c.d, c.L, c.n)
	y := a.Forward(c.q, c.keys, c.mask, c.n)
	w := a.Weights()
	for b := 0; b < c.n; b++ {
		want := make([]float64, c.d)
		for j := 0; j < c.L; j++ {
			r := b*c.L + j
			if c.mask[r] == 0 {
				if w[r] != 0 {
					t.Fatalf("padded position (%d,%d) has weight %v", b, j, w[r])
				}
				continue
			}
			e := c.keys[r*c.d : (r+1)*c.d]
			s := explicitDINScore(a, e, c.q[b*c.d:(b+1)*c.d])
			if !closeTo(w[r], s, 1e-5) {
				t.Fatalf("w[%d,%d] = %v, explicit unit output %v", b, j, w[r], s)
			}
			for k, v := range e {
				want[k] += s * float64(v)
			}
		}
		for k, v := range want {
			if !closeTo(y[b*c.d+k], v, 1e-5) {
				t.Fatalf("v_U[%d,%d] = %v, explicit Σ w_j e_j = %v", b, k, y[b*c.d+k], v)
			}
		}
	}
}

func TestDINAttentionSoftmaxWeights(t *testing.T) {
	c := newDINCase(83)
	raw := newTestDIN(dinSigmoid, DINRawWeights, c.d, c.L, c.n)
	raw.Forward(c.q, c.keys, c.mask, c.n)
	scores := append([]float32(nil), raw.Weights()...)
	for _, wt := range []DINWeighting{DINSoftmax, DINScaledSoftmax} {
		a := newTestDIN(dinSigmoid, wt, c.d, c.L, c.n) // same seeds: same unit
		a.Forward(c.q, c.keys, c.mask, c.n)
		w := a.Weights()
		scale := 1.0
		if wt == DINScaledSoftmax {
			scale = 1 / math.Sqrt(float64(c.d))
		}
		for b := 0; b < c.n; b++ {
			var sum, z float64
			for j := 0; j < c.L; j++ {
				if r := b*c.L + j; c.mask[r] != 0 {
					z += math.Exp(scale * float64(scores[r]))
				}
			}
			for j := 0; j < c.L; j++ {
				r := b*c.L + j
				if c.mask[r] == 0 {
					if w[r] != 0 {
						t.Fatalf("%v: padded position (%d,%d) has weight %v", wt, b, j, w[r])
					}
					continue
				}
				if want := math.Exp(scale*float64(scores[r])) / z; !closeTo(w[r], want, 1e-5) {
					t.Fatalf("%v: w[%d,%d] = %v, want %v", wt, b, j, w[r], want)
				}
				sum += float64(w[r])
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("%v: example %d: weights of real positions sum to %v, want 1", wt, b, sum)
			}
		}
	}
}

// Garbage in padded keys changes nothing, and padded keys get exactly zero
// gradient.
func TestDINAttentionPaddingIsInert(t *testing.T) {
	for _, wt := range []DINWeighting{DINRawWeights, DINSoftmax} {
		c := newDINCase(84)
		clean := append([]float32(nil), c.keys...)
		for r, v := range c.mask {
			if v == 0 {
				clear(clean[r*c.d : (r+1)*c.d])
			}
		}
		a := newTestDIN(dinDice, wt, c.d, c.L, c.n)
		dy := randomInput(c.n*c.d, 1, 85)
		want := append([]float32(nil), a.Forward(c.q, clean, c.mask, c.n)...)
		got := a.Forward(c.q, c.keys, c.mask, c.n)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v: output[%d] = %v with garbage padding, %v with zeros", wt, i, got[i], want[i])
			}
		}
		_, dk := a.Backward(dy)
		for r, v := range c.mask {
			if v != 0 {
				continue
			}
			for _, g := range dk[r*c.d : (r+1)*c.d] {
				if g != 0 {
					t.Fatalf("%v: padded position %d got gradient %v", wt, r, g)
				}
			}
		}
	}
}

func TestDINAttentionForwardLengths(t *testing.T) {
	c := newDINCase(86)
	c.mask = []float32{
		1, 1, 1, 0, 0,
		1, 1, 1, 1, 1,
		0, 0, 0, 0, 0,
	}
	a := newTestDIN(dinSigmoid, DINSoftmax, c.d, c.L, c.n)
	want := append([]float32(nil), a.Forward(c.q, c.keys, c.mask, c.n)...)
	got := a.ForwardLengths(c.q, c.keys, []int32{3, 5, 0}, c.n)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("output[%d] = %v from lengths, %v from the mask", i, got[i], want[i])
		}
	}
	for k, v := range got[2*c.d:] { // no behaviours: nothing to pool
		if v != 0 {
			t.Fatalf("empty history pooled to %v at %d, want 0", v, k)
		}
	}
}

func TestDINAttentionGradients(t *testing.T) {
	cases := []struct {
		unit dinUnit
		wt   DINWeighting
	}{
		{dinSigmoid, DINRawWeights}, {dinUnit{act: ActReLU}, DINRawWeights},
		{dinUnit{learned: LearnedPReLU}, DINRawWeights}, {dinDice, DINRawWeights},
		{dinSigmoid, DINSoftmax}, {dinDice, DINScaledSoftmax},
	}
	for _, tc := range cases {
		t.Run(tc.unit.String()+"/"+tc.wt.String(), func(t *testing.T) {
			c := newDINCase(87)
			a := newTestDIN(tc.unit, tc.wt, c.d, c.L, 4)
			r := randomInput(c.n*c.d, 1, 88)
			dy := make([]float32, len(r))
			dq := make([]float32, len(c.q))
			dk := make([]float32, len(c.keys))
			loss := func() float64 { return ProbeLoss(a.Forward(c.q, c.keys, c.mask, c.n), r) }
			backward := func() {
				for _, p := range a.Params() {
					p.ZeroGrad()
				}
				a.Forward(c.q, c.keys, c.mask, c.n)
				copy(dy, r)
				gq, gk := a.Backward(dy)
				copy(dq, gq)
				copy(dk, gk)
			}
			vars := []Var{{Name: "query", X: c.q, G: dq}, {Name: "keys", X: c.keys, G: dk}}
			for _, p := range a.Params() {
				vars = append(vars, ParamVar(p))
			}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDINAttentionNoAllocs(t *testing.T) {
	c := newDINCase(89)
	a := newTestDIN(dinDice, DINSoftmax, c.d, c.L, c.n)
	dy := randomInput(c.n*c.d, 1, 90)
	if n := testing.AllocsPerRun(10, func() { a.Forward(c.q, c.keys, c.mask, c.n); a.Backward(dy) }); n != 0 {
		t.Fatalf("%v allocations per Forward+Backward, want 0", n)
	}
}

func BenchmarkDINAttention(b *testing.B) {
	const n, d, L = 256, 36, 50 // item ⊕ category embeddings of 18
	a := NewDINAttention(DINAttentionConfig{Name: "din", Dim: d, SeqLen: L, Hidden: []int{80, 40}, Learned: LearnedDice}, n, NewRand(1))
	q := randomInput(n*d, 0.1, 2)
	keys := randomInput(n*L*d, 0.1, 3)
	lengths := make([]int32, n)
	rng := NewRand(4)
	for i := range lengths {
		lengths[i] = int32(1 + rng.IntN(L))
	}
	dy := randomInput(n*d, 1, 5)
	for b.Loop() {
		a.ForwardLengths(q, keys, lengths, n)
		a.Backward(dy)
	}
}
