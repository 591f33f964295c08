package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one SGEMM call to check: shapes, strides wider than the rows,
// scalars and epilogue.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra row-stride elements, filled with NaN
	padC           int // extra row-stride elements of C, filled with a sentinel
	alpha, beta    float32
	bias, relu     bool
	packB          bool // runWith: pack B even where it would be read in place
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d/%d/%d alpha=%g beta=%g bias=%v relu=%v",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta, tc.bias, tc.relu)
}

// padSentinel marks the C elements between rows, which no call may touch.
const padSentinel = -777.25

// operands are a case's inputs: stored matrices of exactly the length their
// shape needs, so that any read past the end would panic in pure Go.
type operands struct {
	a, b, c, bias []float32
	lda, ldb, ldc int
	c0            []float32 // C before the call
}

// matrix returns a rows×cols matrix with row stride cols+pad: entries from
// [-1, 1) and padding set to fill.
func matrix(rng *rand.Rand, rows, cols, pad int, fill float32) ([]float32, int) {
	ld := cols + pad
	if rows == 0 || cols == 0 {
		return nil, max(ld, 1)
	}
	x := make([]float32, (rows-1)*ld+cols)
	for i := range x {
		if i%ld < cols {
			x[i] = 2*rng.Float32() - 1
		} else {
			x[i] = fill
		}
	}
	return x, ld
}

func (tc gemmCase) operands(rng *rand.Rand) *operands {
	nan := float32(math.NaN())
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = bc, br
	}
	o := &operands{}
	o.a, o.lda = matrix(rng, ar, ac, tc.padA, nan)
	o.b, o.ldb = matrix(rng, br, bc, tc.padB, nan)
	o.c, o.ldc = matrix(rng, tc.m, tc.n, tc.padC, padSentinel)
	if tc.beta == 0 {
		// An uninitialised C: NaN must not leak into the result.
		for i := range o.c {
			if i%o.ldc < tc.n {
				o.c[i] = nan
			}
		}
	}
	if tc.bias {
		o.bias, _ = matrix(rng, 1, tc.n, 0, 0)
	}
	o.c0 = append([]float32(nil), o.c...)
	return o
}

func (tc gemmCase) epilogue(o *operands) Epilogue {
	return Epilogue{Bias: o.bias, ReLU: tc.relu}
}

// reference computes the result in float64 together with a bound on the
// float32 rounding error: (k+4)·2⁻²³ times the sum of the magnitudes of every
// term, which covers k sequential fused or unfused accumulations and the
// alpha, beta and bias roundings.
func (tc gemmCase) reference(o *operands) (want, tol []float64) {
	want = make([]float64, tc.m*tc.n)
	tol = make([]float64, tc.m*tc.n)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, mag float64
			for p := 0; p < tc.k; p++ {
				var av, bv float64
				if tc.transA {
					av = float64(o.a[p*o.lda+i])
				} else {
					av = float64(o.a[i*o.lda+p])
				}
				if tc.transB {
					bv = float64(o.b[j*o.ldb+p])
				} else {
					bv = float64(o.b[p*o.ldb+j])
				}
				s += av * bv
				mag += math.Abs(av * bv)
			}
			s *= float64(tc.alpha)
			mag *= math.Abs(float64(tc.alpha))
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(o.c0[i*o.ldc+j])
				s += cv
				mag += math.Abs(cv)
			}
			if o.bias != nil {
				s += float64(o.bias[j])
				mag += math.Abs(float64(o.bias[j]))
			}
			if tc.relu && s < 0 {
				s = 0
			}
			want[i*tc.n+j] = s
			tol[i*tc.n+j] = float64(tc.k+4)*0x1p-23*mag + 0x1p-126
		}
	}
	return want, tol
}

// check compares C after the call with the reference and verifies that the
// padding between rows is untouched.
func (tc gemmCase) check(t testing.TB, o *operands, label string) {
	t.Helper()
	want, tol := tc.reference(o)
	bad := 0
	for i := range o.c {
		r, j := i/o.ldc, i%o.ldc
		got := o.c[i]
		if j >= tc.n {
			if got != padSentinel {
				t.Errorf("%s %v: C padding at row %d col %d changed to %g", label, tc, r, j, got)
				return
			}
			continue
		}
		w, e := want[r*tc.n+j], tol[r*tc.n+j]
		if !(math.Abs(float64(got)-w) <= e) {
			t.Errorf("%s %v: C[%d,%d] = %g, want %g ± %.3g", label, tc, r, j, got, w, e)
			if bad++; bad > 5 {
				return
			}
		}
	}
}

// run calls SgemmEpilogue on the case.
func (tc gemmCase) run(o *operands) {
	SgemmEpilogue(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, o.a, o.lda, o.b, o.ldb, tc.beta, o.c, o.ldc, tc.epilogue(o))
}

// runWith calls the blocked driver directly with kernel family kern,
// bypassing the build's dispatch (OpenBLAS under its tag).
func (tc gemmCase) runWith(kern *microKernel, o *operands) {
	ep := tc.epilogue(o)
	if tc.m == 0 || tc.n == 0 || tc.k == 0 || tc.alpha == 0 {
		tc.run(o)
		return
	}
	g := gemmArgs{
		transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k,
		alpha: tc.alpha, beta: tc.beta, a: o.a, lda: o.lda, b: o.b, ldb: o.ldb,
		c: o.c, ldc: o.ldc, bias: ep.Bias, relu: ep.ReLU,
	}
	plan := planFor(kern, &g)
	plan.directB = plan.directB && !tc.packB
	w := new(workspace)
	w.run(kern, &g, plan)
}

// runNative calls the native driver whatever the build's dispatch.
func (tc gemmCase) runNative(o *operands) {
	ep := tc.epilogue(o)
	g := gemmArgs{
		transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k,
		alpha: tc.alpha, beta: tc.beta, a: o.a, lda: o.lda, b: o.b, ldb: o.ldb,
		c: o.c, ldc: o.ldc, bias: ep.Bias, relu: ep.ReLU,
	}
	gemmNative(&g)
}

var transposes = []struct{ a, b bool }{{false, false}, {true, false}, {false, true}, {true, true}}
