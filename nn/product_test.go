package nn

import (
	"math"
	"testing"
)

func TestPairFieldsOrder(t *testing.T) {
	const F = 6
	p := 0
	for i := 0; i < F; i++ {
		for j := i + 1; j < F; j++ {
			if gi, gj := PairFields(F, p); gi != i || gj != j {
				t.Fatalf("PairFields(%d, %d) = (%d, %d), want (%d, %d)", F, p, gi, gj, i, j)
			}
			p++
		}
	}
	if p != NumPairs(F) {
		t.Fatalf("NumPairs(%d) = %d, counted %d", F, NumPairs(F), p)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("PairFields accepted a pair index past the last pair")
		}
	}()
	PairFields(F, p)
}

// dot64 returns ⟨x, y⟩ in float64.
func dot64(x, y []float32) float64 {
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

// closeTo reports whether got is within a relative tolerance of want.
func closeTo(got float32, want, rel float64) bool {
	return math.Abs(float64(got)-want) <= rel*(1+math.Abs(want))
}

func TestInnerProductEqualsExplicitDots(t *testing.T) {
	const n, F, k = 3, 5, 4
	l := NewInnerProduct(F, k, n)
	e := randomInput(n*F*k, 1, 20)
	y := l.Forward(e, n)
	P := NumPairs(F)
	for b := 0; b < n; b++ {
		for p := 0; p < P; p++ {
			i, j := PairFields(F, p)
			want := dot64(e[(b*F+i)*k:(b*F+i+1)*k], e[(b*F+j)*k:(b*F+j+1)*k])
			if !closeTo(y[b*P+p], want, 1e-5) {
				t.Fatalf("p[%d,(%d,%d)] = %v, want %v", b, i, j, y[b*P+p], want)
			}
		}
	}
}

func TestInnerProductGradients(t *testing.T) {
	const n, F, k = 3, 4, 3
	l := NewInnerProduct(F, k, 4)
	e := randomInput(n*F*k, 1, 21)
	r := randomInput(n*NumPairs(F), 1, 22)
	dy := make([]float32, len(r))
	de := make([]float32, len(e))
	loss := func() float64 { return ProbeLoss(l.Forward(e, n), r) }
	backward := func() {
		l.Forward(e, n)
		copy(dy, r)
		copy(de, l.Backward(dy))
	}
	if err := GradCheck(loss, backward, []Var{{Name: "e", X: e, G: de}}, GradCheckOptions{Eps: 1e-2}); err != nil {
		t.Fatal(err)
	}
}

func TestInnerProductReducedEqualsThetaWeightedGram(t *testing.T) {
	const n, F, k, D = 3, 4, 5, 3
	l := NewInnerProductReduced("ipnn", F, k, D, n, NewRand(23))
	e := randomInput(n*F*k, 1, 24)
	y := l.Forward(e, n)
	th := l.Theta.W
	for b := 0; b < n; b++ {
		for d := 0; d < D; d++ {
			var want float64 // Σ_{i,j} θ_i θ_j ⟨f_i, f_j⟩, diagonal included
			for i := 0; i < F; i++ {
				for j := 0; j < F; j++ {
					want += float64(th[d*F+i]) * float64(th[d*F+j]) * dot64(e[(b*F+i)*k:(b*F+i+1)*k], e[(b*F+j)*k:(b*F+j+1)*k])
				}
			}
			if !closeTo(y[b*D+d], want, 1e-5) {
				t.Fatalf("l_p[%d,%d] = %v, explicit Σθθ⟨f,f⟩ = %v", b, d, y[b*D+d], want)
			}
		}
	}
}

func TestInnerProductReducedGradients(t *testing.T) {
	const n, F, k, D = 3, 4, 3, 2
	l := NewInnerProductReduced("ipnn", F, k, D, 5, NewRand(25))
	e := randomInput(n*F*k, 1, 26)
	r := randomInput(n*D, 1, 27)
	dy := make([]float32, len(r))
	de := make([]float32, len(e))
	loss := func() float64 { return ProbeLoss(l.Forward(e, n), r) }
	backward := func() {
		l.Theta.ZeroGrad()
		l.Forward(e, n)
		copy(dy, r)
		copy(de, l.Backward(dy))
	}
	vars := []Var{ParamVar(l.Theta), {Name: "e", X: e, G: de}}
	if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-2}); err != nil {
		t.Fatal(err)
	}
}

// explicitOuterKernel returns Σ_{i<j} Σ_{a,c} W[p,a,c,d] f_i[a] f_j[c] for
// one example, the definition of the full OPNN output d.
func explicitOuterKernel(l *OuterProduct, eb []float32, d int) float64 {
	F, k, D := l.Fields, l.Dim, l.Out
	var s float64
	for p := 0; p < NumPairs(F); p++ {
		i, j := PairFields(F, p)
		for a := 0; a < k; a++ {
			for c := 0; c < k; c++ {
				w := l.Kernel.W[((p*k+a)*k+c)*D+d]
				s += float64(w) * float64(eb[i*k+a]) * float64(eb[j*k+c])
			}
		}
	}
	return s
}

// The layer evaluates the kernel block of pairs by block; blocks of 3 over
// 10 pairs leave a partial last block, so both paths are compared with the
// definition.
func TestOuterProductEqualsExplicitKernelSum(t *testing.T) {
	const n, F, k, D = 3, 5, 3, 4
	for _, block := range []int{0, 3} {
		l := NewOuterProduct("opnn", F, k, D, n, NewRand(28))
		if block > 0 {
			l.block = block
		}
		e := randomInput(n*F*k, 1, 29)
		y := l.Forward(e, n)
		for b := 0; b < n; b++ {
			for d := 0; d < D; d++ {
				want := explicitOuterKernel(l, e[b*F*k:(b+1)*F*k], d)
				if !closeTo(y[b*D+d], want, 1e-5) {
					t.Fatalf("block %d: l_p[%d,%d] = %v, explicit Σ⟨W_ij, f_i f_jᵀ⟩ = %v", l.block, b, d, y[b*D+d], want)
				}
			}
		}
	}
}

func TestOuterProductGradients(t *testing.T) {
	const n, F, k, D = 3, 4, 3, 2
	for _, block := range []int{0, 4} {
		l := NewOuterProduct("opnn", F, k, D, 4, NewRand(30))
		if block > 0 {
			l.block = block
		}
		InitNormal(l.Kernel.W, 1, NewRand(31))
		e := randomInput(n*F*k, 1, 32)
		r := randomInput(n*D, 1, 33)
		dy := make([]float32, len(r))
		de := make([]float32, len(e))
		loss := func() float64 { return ProbeLoss(l.Forward(e, n), r) }
		backward := func() {
			l.Kernel.ZeroGrad()
			l.Forward(e, n)
			copy(dy, r)
			copy(de, l.Backward(dy))
		}
		vars := []Var{ParamVar(l.Kernel), {Name: "e", X: e, G: de}}
		if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-2}); err != nil {
			t.Fatalf("block %d: %v", l.block, err)
		}
	}
}

func TestOuterProductReducedEqualsAllPairOuterSum(t *testing.T) {
	const n, F, k, D = 3, 4, 3, 2
	l := NewOuterProductReduced("opnn", F, k, D, n, NewRand(34))
	e := randomInput(n*F*k, 1, 35)
	y := l.Forward(e, n)
	for b := 0; b < n; b++ {
		p := make([]float64, k*k) // Σ_{i,j} f_i f_jᵀ, built pair by pair
		for i := 0; i < F; i++ {
			for j := 0; j < F; j++ {
				for a := 0; a < k; a++ {
					for c := 0; c < k; c++ {
						p[a*k+c] += float64(e[(b*F+i)*k+a]) * float64(e[(b*F+j)*k+c])
					}
				}
			}
		}
		for d := 0; d < D; d++ {
			var want float64
			for ac, v := range p {
				want += float64(l.Kernel.W[ac*D+d]) * v
			}
			if !closeTo(y[b*D+d], want, 1e-5) {
				t.Fatalf("l_p[%d,%d] = %v, ⟨W, Σ_ij f_i f_jᵀ⟩ = %v", b, d, y[b*D+d], want)
			}
		}
	}
}

func TestOuterProductReducedGradients(t *testing.T) {
	const n, F, k, D = 3, 3, 4, 2
	l := NewOuterProductReduced("opnn", F, k, D, 3, NewRand(36))
	e := randomInput(n*F*k, 1, 37)
	r := randomInput(n*D, 1, 38)
	dy := make([]float32, len(r))
	de := make([]float32, len(e))
	loss := func() float64 { return ProbeLoss(l.Forward(e, n), r) }
	backward := func() {
		l.Kernel.ZeroGrad()
		l.Forward(e, n)
		copy(dy, r)
		copy(de, l.Backward(dy))
	}
	vars := []Var{ParamVar(l.Kernel), {Name: "e", X: e, G: de}}
	if err := GradCheck(loss, backward, vars, GradCheckOptions{Eps: 1e-2}); err != nil {
		t.Fatal(err)
	}
}

// productPass is one product layer's Forward and Backward on fixed input.
type productPass struct {
	name string
	fwd  func() []float32
	bwd  func([]float32) []float32
}

func TestProductLayersNoAllocs(t *testing.T) {
	const n, F, k, D = 8, 5, 4, 3
	e := randomInput(n*F*k, 1, 39)
	rng := NewRand(40)
	ip := NewInnerProduct(F, k, n)
	ipr := NewInnerProductReduced("a", F, k, D, n, rng)
	op := NewOuterProduct("b", F, k, D, n, rng)
	op.block = 3 // several blocks, a partial one included
	opr := NewOuterProductReduced("c", F, k, D, n, rng)
	for _, l := range []productPass{
		{"InnerProduct", func() []float32 { return ip.Forward(e, n) }, ip.Backward},
		{"InnerProductReduced", func() []float32 { return ipr.Forward(e, n) }, ipr.Backward},
		{"OuterProduct", func() []float32 { return op.Forward(e, n) }, op.Backward},
		{"OuterProductReduced", func() []float32 { return opr.Forward(e, n) }, opr.Backward},
	} {
		dy := make([]float32, len(l.fwd()))
		if a := testing.AllocsPerRun(10, func() { l.bwd(dy[:copy(dy, l.fwd())]) }); a != 0 {
			t.Errorf("%s: %v allocations per Forward+Backward, want 0", l.name, a)
		}
	}
}

// benchRowLayer times Forward+Backward of l on an n×F×k input.
func benchRowLayer(b *testing.B, l rowLayer, n, in, out int) {
	e := randomInput(n*in, 0.1, 1)
	dy := randomInput(n*out, 1, 2)
	for b.Loop() {
		l.Forward(e, n)
		l.Backward(dy)
	}
}

func BenchmarkInnerProduct(b *testing.B) {
	const n, F, k = 1024, 39, 10
	benchRowLayer(b, NewInnerProduct(F, k, n), n, F*k, NumPairs(F))
}

func BenchmarkInnerProductReduced(b *testing.B) {
	const n, F, k, D = 1024, 39, 10, 400
	benchRowLayer(b, NewInnerProductReduced("ipnn", F, k, D, n, NewRand(1)), n, F*k, D)
}

func BenchmarkOuterProduct(b *testing.B) {
	const n, F, k, D = 256, 39, 10, 32
	benchRowLayer(b, NewOuterProduct("opnn", F, k, D, n, NewRand(1)), n, F*k, D)
}

func BenchmarkOuterProductReduced(b *testing.B) {
	const n, F, k, D = 1024, 39, 10, 400
	benchRowLayer(b, NewOuterProductReduced("opnn", F, k, D, n, NewRand(1)), n, F*k, D)
}
