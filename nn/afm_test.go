package nn

import (
	"math"
	"testing"
)

// newTestAFM returns an AFM layer whose bias is non-zero, so that the test
// exercises every parameter.
func newTestAFM(F, k, t, maxBatch int, dropout float64) *AFMInteraction {
	l := NewAFMInteraction("afm", F, k, t, maxBatch, dropout, NewRand(60))
	InitNormal(l.AttB.W, 0.3, NewRand(61))
	InitNormal(l.Proj.W, 1, NewRand(62))
	return l
}

// explicitAFM evaluates one example by the paper's formulas in float64:
// scores, softmax over the pairs, attention-weighted sum, projection.
func explicitAFM(l *AFMInteraction, eb []float32) (y float64, a []float64) {
	return explicitMaskedAFM(l, eb, nil)
}

// explicitMaskedAFM is explicitAFM over the pairs of the fields where
// fmask (one value per field, nil for all) is non-zero; the other pairs get
// a = 0.
func explicitMaskedAFM(l *AFMInteraction, eb, fmask []float32) (y float64, a []float64) {
	F, k, t := l.Fields, l.Dim, l.AttnDim
	P := NumPairs(F)
	pp := make([][]float64, P)
	score := make([]float64, P)
	for p := range pp {
		i, j := PairFields(F, p)
		pp[p] = make([]float64, k)
		for c := range pp[p] {
			pp[p][c] = float64(eb[i*k+c]) * float64(eb[j*k+c])
		}
		for u := 0; u < t; u++ {
			z := float64(l.AttB.W[u])
			for c := 0; c < k; c++ {
				z += float64(l.AttW.W[c*t+u]) * pp[p][c]
			}
			score[p] += float64(l.AttH.W[u]) * math.Max(z, 0)
		}
	}
	var s float64
	a = make([]float64, P)
	for p, v := range score {
		if i, j := PairFields(F, p); fmask != nil && (fmask[i] == 0 || fmask[j] == 0) {
			continue
		}
		a[p] = math.Exp(v)
		s += a[p]
	}
	for p := range a {
		if a[p] == 0 {
			continue
		}
		a[p] /= s
		for c := 0; c < k; c++ {
			y += float64(l.Proj.W[c]) * a[p] * pp[p][c]
		}
	}
	return y, a
}

func TestAFMEqualsExplicitFormula(t *testing.T) {
	const n, F, k, at = 3, 5, 4, 3
	l := newTestAFM(F, k, at, n, 0)
	e := randomInput(n*F*k, 1, 63)
	y := l.Forward(e, n)
	w := l.Weights()
	P := l.NumPairs()
	for b := 0; b < n; b++ {
		wantY, wantA := explicitAFM(l, e[b*F*k:(b+1)*F*k])
		if !closeTo(y[b], wantY, 1e-5) {
			t.Fatalf("y[%d] = %v, explicit %v", b, y[b], wantY)
		}
		var sum float64
		for p, a := range wantA {
			if !closeTo(w[b*P+p], a, 1e-5) {
				t.Fatalf("a[%d,%d] = %v, explicit %v", b, p, w[b*P+p], a)
			}
			sum += float64(w[b*P+p])
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("example %d: attention weights sum to %v, want 1", b, sum)
		}
	}
}

// With h = 0 every pair scores the same, the softmax is uniform, and AFM
// pools the mean of the pair products: pᵀ·(1/P)Σ v_i ⊙ v_j.
func TestAFMUniformAttentionIsMeanOfPairs(t *testing.T) {
	const n, F, k, at = 2, 4, 3, 5
	l := newTestAFM(F, k, at, n, 0)
	clear(l.AttH.W)
	e := randomInput(n*F*k, 1, 64)
	y := l.Forward(e, n)
	P := l.NumPairs()
	for b := 0; b < n; b++ {
		var want float64
		for p := 0; p < P; p++ {
			i, j := l.Pair(p)
			for c := 0; c < k; c++ {
				want += float64(l.Proj.W[c]) * float64(e[(b*F+i)*k+c]) * float64(e[(b*F+j)*k+c])
			}
		}
		want /= float64(P)
		if !closeTo(y[b], want, 1e-5) {
			t.Fatalf("y[%d] = %v, pᵀ·mean of pair products = %v", b, y[b], want)
		}
		for p, a := range l.Weights()[b*P : (b+1)*P] {
			if math.Abs(float64(a)-1/float64(P)) > 1e-6 {
				t.Fatalf("a[%d,%d] = %v, want 1/%d", b, p, a, P)
			}
		}
	}
}

// afmTestMask is an n×F field mask for n = 4, F = 5: example 0 has no
// padding, 1 one padded field, 2 two, and 3 a single real field, so no
// unmasked pair.
var afmTestMask = []float32{
	1, 1, 1, 1, 1,
	1, 0, 1, 1, 1,
	0, 1, 1, 0, 1,
	0, 0, 1, 0, 0,
}

func TestAFMMaskedEqualsExplicitFormula(t *testing.T) {
	const n, F, k, at = 4, 5, 4, 3
	l := newTestAFM(F, k, at, n, 0)
	e := randomInput(n*F*k, 1, 70)
	y := append([]float32(nil), l.ForwardMasked(e, afmTestMask, n)...)
	w := append([]float32(nil), l.Weights()...)
	P := l.NumPairs()
	for b := range n {
		fmask := afmTestMask[b*F : (b+1)*F]
		wantY, wantA := explicitMaskedAFM(l, e[b*F*k:(b+1)*F*k], fmask)
		if !closeTo(y[b], wantY, 1e-5) {
			t.Fatalf("y[%d] = %v, explicit %v", b, y[b], wantY)
		}
		var sum float64
		kept := 0
		for p, a := range wantA {
			got := w[b*P+p]
			if i, j := l.Pair(p); fmask[i] == 0 || fmask[j] == 0 {
				if got != 0 {
					t.Fatalf("example %d: masked pair (%d, %d) has weight %v, want exactly 0", b, i, j, got)
				}
				continue
			}
			kept++
			if !closeTo(got, a, 1e-5) {
				t.Fatalf("a[%d,%d] = %v, explicit %v", b, p, got, a)
			}
			sum += float64(got)
		}
		if want := map[bool]float64{true: 1, false: 0}[kept > 0]; math.Abs(sum-want) > 1e-5 {
			t.Fatalf("example %d: %d unmasked pairs' weights sum to %v, want %v", b, kept, sum, want)
		}
	}
	if y[3] != 0 {
		t.Fatalf("example without an unmasked pair: y = %v, want 0", y[3])
	}
	// Unpadded rows are computed exactly as without a mask.
	plain := l.Forward(e, n)
	if plain[0] != y[0] {
		t.Fatalf("unpadded example: masked y %v, unmasked %v", y[0], plain[0])
	}
}

// A masked field has no influence on the output whatever its embedding.
func TestAFMMaskedFieldsHaveNoInfluence(t *testing.T) {
	const n, F, k, at = 4, 5, 3, 4
	l := newTestAFM(F, k, at, n, 0)
	e := randomInput(n*F*k, 1, 71)
	y := append([]float32(nil), l.ForwardMasked(e, afmTestMask, n)...)
	changed := append([]float32(nil), e...)
	for r, v := range afmTestMask {
		if v == 0 {
			for c := range k {
				changed[r*k+c] += 5
			}
		}
	}
	if got := l.ForwardMasked(changed, afmTestMask, n); !bitEqual(got, y) {
		t.Fatalf("changing masked fields changed y: %v, then %v", y, got)
	}
}

// TestAFMGradients checks every gradient, with and without dropout and a
// mask, and that masked fields get exactly none.
func TestAFMGradients(t *testing.T) {
	const n, F, k, at = 4, 5, 3, 4
	for _, mask := range [][]float32{nil, afmTestMask} {
		for _, rate := range []float64{0, 0.4} {
			l := newTestAFM(F, k, at, n, rate)
			e := randomInput(n*F*k, 1, 72)
			r := randomInput(n, 1, 73)
			dy := make([]float32, n)
			de := make([]float32, len(e))
			// Every Forward replays the same dropout masks, so that the
			// loss is a fixed function of the perturbed values.
			loss := func() float64 {
				l.ReseedDropout(7)
				return ProbeLoss(l.ForwardMasked(e, mask, n), r)
			}
			backward := func() {
				for _, p := range l.Params() {
					p.ZeroGrad()
				}
				l.ReseedDropout(7)
				l.ForwardMasked(e, mask, n)
				copy(dy, r)
				copy(de, l.Backward(dy))
			}
			vars := []Var{{Name: "e", X: e, G: de}}
			for _, p := range l.Params() {
				vars = append(vars, ParamVar(p))
			}
			if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3}); err != nil {
				t.Fatalf("mask %v, dropout %v: %v", mask != nil, rate, err)
			}
			backward()
			for i, g := range de {
				if mask != nil && mask[i/k] == 0 && g != 0 {
					t.Fatalf("dropout %v: masked field value %d has gradient %v, want exactly 0", rate, i, g)
				}
			}
		}
	}
}

func TestAFMDropoutModes(t *testing.T) {
	const n, F, k, at = 4, 5, 6, 3
	e := randomInput(n*F*k, 1, 67)
	plain := append([]float32(nil), newTestAFM(F, k, at, n, 0).Forward(e, n)...)

	l := newTestAFM(F, k, at, n, 0.5)
	l.SetTraining(false)
	for b, v := range l.Forward(e, n) {
		if v != plain[b] {
			t.Fatalf("inference y[%d] = %v, want the undropped %v", b, v, plain[b])
		}
	}

	l.SetTraining(true)
	l.ReseedDropout(3)
	first := append([]float32(nil), l.Forward(e, n)...)
	var zeros int
	for _, s := range l.mask[:n*l.NumPairs()*k] {
		switch s {
		case 0:
			zeros++
		case 2:
		default:
			t.Fatalf("mask value %v, want 0 or 1/(1−0.5) = 2", s)
		}
	}
	if total := n * l.NumPairs() * k; zeros < total/4 || zeros > 3*total/4 {
		t.Fatalf("%d of %d pair values dropped at rate 0.5", zeros, total)
	}
	l.ReseedDropout(3)
	for b, v := range l.Forward(e, n) {
		if v != first[b] {
			t.Fatalf("same dropout seed, y[%d] = %v then %v", b, first[b], v)
		}
	}
}

func TestAFMNoAllocs(t *testing.T) {
	const n, F, k, at = 8, 5, 4, 3
	l := newTestAFM(F, k, at, n, 0.2)
	e := randomInput(n*F*k, 1, 68)
	dy := randomInput(n, 1, 69)
	if a := testing.AllocsPerRun(10, func() { l.Forward(e, n); l.Backward(dy) }); a != 0 {
		t.Fatalf("%v allocations per Forward+Backward, want 0", a)
	}
	mask := make([]float32, n*F)
	for i := range mask {
		mask[i] = float32(i % 3 % 2) // every example has padded fields
	}
	if a := testing.AllocsPerRun(10, func() { l.ForwardMasked(e, mask, n); l.Backward(dy) }); a != 0 {
		t.Fatalf("%v allocations per masked Forward+Backward, want 0", a)
	}
}

func BenchmarkAFMInteraction(b *testing.B) {
	const n, F, k, at = 256, 39, 10, 16
	l := NewAFMInteraction("afm", F, k, at, n, 0.2, NewRand(1))
	e := randomInput(n*F*k, 0.1, 1)
	dy := randomInput(n, 1, 2)
	for b.Loop() {
		l.Forward(e, n)
		l.Backward(dy)
	}
}
