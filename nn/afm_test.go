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
		a[p] = math.Exp(v)
		s += a[p]
	}
	for p := range a {
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

func TestAFMGradients(t *testing.T) {
	const n, F, k, at = 3, 4, 3, 4
	for _, rate := range []float64{0, 0.4} {
		l := newTestAFM(F, k, at, 4, rate)
		e := randomInput(n*F*k, 1, 65)
		r := randomInput(n, 1, 66)
		dy := make([]float32, n)
		de := make([]float32, len(e))
		// Every Forward replays the same dropout masks, so that the loss
		// is a fixed function of the perturbed values.
		loss := func() float64 {
			l.ReseedDropout(7)
			return ProbeLoss(l.Forward(e, n), r)
		}
		backward := func() {
			for _, p := range l.Params() {
				p.ZeroGrad()
			}
			l.ReseedDropout(7)
			l.Forward(e, n)
			copy(dy, r)
			copy(de, l.Backward(dy))
		}
		vars := []Var{{Name: "e", X: e, G: de}}
		for _, p := range l.Params() {
			vars = append(vars, ParamVar(p))
		}
		if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-3}); err != nil {
			t.Fatalf("dropout %v: %v", rate, err)
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
