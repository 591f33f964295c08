package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ewImpl is one implementation of the element-wise functions.
type ewImpl struct {
	name               string
	exp, sigmoid, tanh func(dst, src []float32)
	axpy               func(alpha float32, x, y []float32)
	dot                func(x, y []float32) float32
	biasGrad           func(db, dz, y []float32, rows, cols int)
	adam               func(w, g, m, v []float32, k [7]float32)
}

var genericEW = ewImpl{"generic", expGeneric, sigmoidGeneric, tanhGeneric, axpyGeneric, dotGeneric, biasGradGeneric, adamGeneric}

// unaryCase pairs a function under test with its float64 definition.
type unaryCase struct {
	name string
	f    func(ewImpl) func(dst, src []float32)
	ref  func(float64) float64
}

var unaryCases = []unaryCase{
	{"Exp", func(i ewImpl) func(dst, src []float32) { return i.exp }, math.Exp},
	{"Sigmoid", func(i ewImpl) func(dst, src []float32) { return i.sigmoid }, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	{"Tanh", func(i ewImpl) func(dst, src []float32) { return i.tanh }, math.Tanh},
}

// ulpErr is |got - want| in units of the float32 spacing at want (the
// subnormal spacing below the normal range); 0 when got is want rounded,
// including infinities and NaN.
func ulpErr(got float32, want float64) float64 {
	wf := float32(want)
	if got == wf || (got != got && want != want) {
		return 0
	}
	if want != want || got != got || math.IsInf(float64(got), 0) {
		return math.Inf(1)
	}
	a := math.Abs(want)
	_, e := math.Frexp(a)
	ulp := math.Ldexp(1, max(e, -125)-24)
	return math.Abs(float64(got)-want) / ulp
}

// sweep returns every 997th float32 of both signs: about 4.3 million values
// over the whole range, with ±0, ±Inf, NaN and the largest finite values.
func sweep() []float32 {
	var xs []float32
	for b := uint32(0); b < 0x7f800000; b += 997 {
		x := math.Float32frombits(b)
		xs = append(xs, x, -x)
	}
	inf := float32(math.Inf(1))
	return append(xs, inf, -inf, float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32)
}

// maxULP is the accuracy promised by the documentation ("a few ulp").
const maxULP = 3

func TestElementwiseAccuracy(t *testing.T) {
	xs := sweep()
	got := make([]float32, len(xs))
	for _, impl := range ewImpls() {
		for _, uc := range unaryCases {
			uc.f(impl)(got, xs)
			worst, worstX := 0.0, float32(0)
			for i, x := range xs {
				if e := ulpErr(got[i], uc.ref(float64(x))); e > worst {
					worst, worstX = e, x
				}
			}
			t.Logf("%s %s: max error %.2f ulp at x = %g", impl.name, uc.name, worst, worstX)
			if worst > maxULP {
				t.Errorf("%s %s: error %.2f ulp at x = %g (got %g, want %g)", impl.name, uc.name, worst, worstX,
					got[indexOf(xs, worstX)], uc.ref(float64(worstX)))
			}
		}
	}
}

func indexOf(xs []float32, x float32) int {
	for i, v := range xs {
		if math.Float32bits(v) == math.Float32bits(x) {
			return i
		}
	}
	return -1
}

func TestElementwiseSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		fn      string
		x, want float32
	}{
		{"Exp", inf, inf}, {"Exp", -inf, 0}, {"Exp", nan, nan}, {"Exp", 0, 1}, {"Exp", negZero, 1},
		{"Exp", 89, inf}, {"Exp", 1e30, inf}, {"Exp", -1e30, 0}, {"Exp", -104, 0},
		{"Sigmoid", inf, 1}, {"Sigmoid", -inf, 0}, {"Sigmoid", nan, nan}, {"Sigmoid", 0, 0.5},
		{"Sigmoid", 1e30, 1}, {"Sigmoid", -1e30, 0}, {"Sigmoid", 100, 1}, {"Sigmoid", -120, 0},
		{"Tanh", inf, 1}, {"Tanh", -inf, -1}, {"Tanh", nan, nan}, {"Tanh", 0, 0}, {"Tanh", negZero, negZero},
		{"Tanh", 1e30, 1}, {"Tanh", -1e30, -1}, {"Tanh", 20, 1}, {"Tanh", -9.5, -1},
	}
	for _, impl := range ewImpls() {
		for _, uc := range unaryCases {
			f := uc.f(impl)
			for _, c := range cases {
				if c.fn != uc.name {
					continue
				}
				// Place the value in every lane of a full vector and of a tail.
				xs := make([]float32, 21)
				for i := range xs {
					xs[i] = c.x
				}
				got := make([]float32, len(xs))
				f(got, xs)
				for i, g := range got {
					same := math.Float32bits(g) == math.Float32bits(c.want) || (g != g && c.want != c.want)
					if !same {
						t.Errorf("%s %s(%g)[lane %d] = %g, want %g", impl.name, uc.name, c.x, i, g, c.want)
						break
					}
				}
			}
		}
	}
}

func TestElementwiseSaturatesWithoutNaN(t *testing.T) {
	var xs []float32
	for e := -45.0; e <= 30; e += 0.25 {
		v := float32(math.Pow(10, e))
		xs = append(xs, v, -v)
	}
	got := make([]float32, len(xs))
	for _, impl := range ewImpls() {
		for _, uc := range unaryCases[1:] {
			uc.f(impl)(got, xs)
			for i, g := range got {
				if g != g || g < -1 || g > 1 {
					t.Errorf("%s %s(%g) = %g", impl.name, uc.name, xs[i], g)
				}
			}
		}
	}
}

// TestElementwiseLengths checks every length around the vector widths: the
// value at each position does not depend on whether it fell in a full
// vector or the masked tail, in place equals out of place, and nothing past
// len(dst) is written.
func TestElementwiseLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 80)
	for i := range src {
		src[i] = 20*rng.Float32() - 10
	}
	full := make([]float32, len(src))
	for _, impl := range ewImpls() {
		for _, uc := range unaryCases {
			f := uc.f(impl)
			f(full, src)
			for n := 0; n <= 40; n++ {
				off := 40 - n // shift so that a tail also starts mid-vector
				dst := make([]float32, n+9)
				for i := range dst {
					dst[i] = padSentinel
				}
				f(dst[:n], src[off:off+n])
				inPlace := append([]float32(nil), src[off:off+n]...)
				f(inPlace, inPlace)
				for i := 0; i < n; i++ {
					if dst[i] != full[off+i] || inPlace[i] != full[off+i] {
						t.Fatalf("%s %s n=%d: element %d = %g (in place %g), want %g", impl.name, uc.name, n, i, dst[i], inPlace[i], full[off+i])
					}
				}
				for i := n; i < len(dst); i++ {
					if dst[i] != padSentinel {
						t.Fatalf("%s %s n=%d: wrote past the end at %d", impl.name, uc.name, n, i)
					}
				}
			}
		}
	}
}

func TestAxpyDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, impl := range ewImpls() {
		for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 1000, 4099} {
			x, y := make([]float32, n), make([]float32, n+5)
			for i := range x {
				x[i] = 2*rng.Float32() - 1
			}
			for i := range y {
				y[i] = 2*rng.Float32() - 1
			}
			var want, mag float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if got := impl.dot(x, y[:n]); math.Abs(float64(got)-want) > float64(n+1)*0x1p-24*mag {
				t.Errorf("%s Dot n=%d = %g, want %g", impl.name, n, got, want)
			}
			const alpha = -0.625
			y0 := append([]float32(nil), y...)
			impl.axpy(alpha, x, y[:n])
			for i := range y {
				w, tol := float64(y0[i]), 0.0
				if i < n {
					w += alpha * float64(x[i])
					tol = 0x1p-23 * (math.Abs(float64(y0[i])) + math.Abs(alpha*float64(x[i])))
				}
				if math.Abs(float64(y[i])-w) > tol {
					t.Fatalf("%s Axpy n=%d: y[%d] = %g, want %g", impl.name, n, i, y[i], w)
				}
			}
		}
	}
}

func TestElementwiseAPIByHand(t *testing.T) {
	x := []float32{0, 1, -2}
	dst := make([]float32, 3)
	Exp(dst, x)
	if dst[0] != 1 || math.Abs(float64(dst[1])-math.E) > 3e-7 || math.Abs(float64(dst[2])-math.Exp(-2)) > 3e-8 {
		t.Errorf("Exp(%v) = %v", x, dst)
	}
	Sigmoid(dst, x)
	if dst[0] != 0.5 || math.Abs(float64(dst[1])-0.7310585786) > 1e-7 {
		t.Errorf("Sigmoid(%v) = %v", x, dst)
	}
	Tanh(dst, x)
	if dst[0] != 0 || math.Abs(float64(dst[2])+0.9640275801) > 1e-7 {
		t.Errorf("Tanh(%v) = %v", x, dst)
	}
	if d := Dot([]float32{1, 2, 3}, []float32{4, 5, 6, 99}); d != 32 {
		t.Errorf("Dot = %g, want 32", d)
	}
	y := []float32{1, 1}
	Axpy(2, []float32{3, 4, 99}, y)
	if y[0] != 7 || y[1] != 9 {
		t.Errorf("Axpy gave %v, want [7 9]", y)
	}
}

func TestElementwiseAllocs(t *testing.T) {
	x := make([]float32, 1000)
	if n := testing.AllocsPerRun(10, func() {
		Exp(x, x)
		Sigmoid(x, x)
		Tanh(x, x)
		Axpy(1, x, x)
		_ = Dot(x, x)
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
