package blas

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSgemmByHand(t *testing.T) {
	// [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]; alpha 2, beta 0.5 over C=[1 1; 1 1]
	// gives [38.5 44.5; 86.5 100.5]; bias [−40, 0] and ReLU give [0 44.5; 46.5 100.5].
	a := []float32{1, 2, 3, 4}
	b := []float32{5, 6, 7, 8}
	c := []float32{1, 1, 1, 1}
	SgemmEpilogue(false, false, 2, 2, 2, 2, a, 2, b, 2, 0.5, c, 2, Epilogue{Bias: []float32{-40, 0}, ReLU: true})
	want := []float32{0, 44.5, 46.5, 100.5}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("C = %v, want %v", c, want)
		}
	}
	// The same product through the transposed storage of both operands:
	// Aᵀ stored = [1 3; 2 4], Bᵀ stored = [5 7; 6 8].
	c = []float32{9, 9, 9, 9}
	Sgemm(true, true, 2, 2, 2, 1, []float32{1, 3, 2, 4}, 2, []float32{5, 7, 6, 8}, 2, 0, c, 2)
	want = []float32{19, 22, 43, 50}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("transposed C = %v, want %v", c, want)
		}
	}
}

func TestSgemmTransposes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Shapes larger than one block in every dimension for every kernel
	// family, plus skinny ones.
	shapes := [][3]int{{37, 45, 53}, {300, 70, 600}, {70, 300, 260}, {1, 400, 390}, {100, 33, 5}, {5, 4200, 3}}
	for _, tr := range transposes {
		for _, s := range shapes {
			tc := gemmCase{transA: tr.a, transB: tr.b, m: s[0], n: s[1], k: s[2], padA: 3, padB: 1, padC: 2, alpha: 1, beta: 0}
			o := tc.operands(rng)
			tc.run(o)
			tc.check(t, o, "Sgemm")
		}
	}
}

// oddShapes sweeps every m, n and k in 1..67 with the other two fixed, then
// random triples, with row strides wider than the rows.
func oddShapes(rng *rand.Rand, f func(m, n, k int)) {
	for d := 1; d <= 67; d++ {
		f(d, 29, 13)
		f(15, d, 21)
		f(13, 35, d)
	}
	for range 60 {
		f(1+rng.IntN(67), 1+rng.IntN(67), 1+rng.IntN(67))
	}
}

func TestSgemmOddShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tr := range transposes {
		oddShapes(rng, func(m, n, k int) {
			tc := gemmCase{transA: tr.a, transB: tr.b, m: m, n: n, k: k,
				padA: 1 + rng.IntN(3), padB: 1 + rng.IntN(3), padC: 1 + rng.IntN(3),
				alpha: 1, beta: 1, bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0}
			o := tc.operands(rng)
			tc.run(o)
			tc.check(t, o, "Sgemm")
		})
		if t.Failed() {
			return
		}
	}
}

// TestKernelFamilies runs every kernel family this CPU supports, including
// the portable one, through odd shapes, both with its own blocking and with
// tiny blocks that force many passes over k, m and n, and with B both read
// in place and packed.
func TestKernelFamilies(t *testing.T) {
	for _, kern := range kernelFamilies() {
		tiny := *kern
		tiny.kc, tiny.mc, tiny.nc = 8, 2*kern.mr, 2*kern.nr
		for _, kv := range []*microKernel{kern, &tiny} {
			rng := rand.New(rand.NewPCG(5, 6))
			for _, tr := range transposes {
				oddShapes(rng, func(m, n, k int) {
					tc := gemmCase{transA: tr.a, transB: tr.b, m: m, n: n, k: k,
						padA: rng.IntN(3), padB: rng.IntN(3), padC: 1,
						alpha: []float32{1, -0.75}[rng.IntN(2)], beta: []float32{0, 1, 0.5}[rng.IntN(3)],
						bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0, packB: rng.IntN(2) == 0}
					o := tc.operands(rng)
					tc.runWith(kv, o)
					tc.check(t, o, kv.name)
				})
				if t.Failed() {
					t.Fatalf("kernel %s (kc=%d mc=%d nc=%d) failed", kv.name, kv.kc, kv.mc, kv.nc)
				}
			}
		}
	}
}

// TestSgemmFewRows covers the wide kernels for tiles of 1 to 3 rows: batches
// of one to three, and blocks whose last row panel is that short, over
// widths that leave whole runs of panels and remainders.
func TestSgemmFewRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, kern := range kernelFamilies() {
		for _, tr := range transposes {
			for _, m := range []int{1, 2, 3, 13, 14, 15, 25} {
				for _, n := range []int{64, 96, 128, 129, 200, 256, 300} {
					tc := gemmCase{transA: tr.a, transB: tr.b, m: m, n: n, k: 1 + rng.IntN(40),
						padA: 1, padB: rng.IntN(2), padC: 1, alpha: 0.5, beta: []float32{0, 1}[rng.IntN(2)],
						bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0, packB: rng.IntN(2) == 0}
					o := tc.operands(rng)
					tc.runWith(kern, o)
					tc.check(t, o, kern.name)
				}
			}
		}
	}
}

func TestSgemmAlphaBeta(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tr := range transposes {
		for _, alpha := range []float32{1, 0, -0.5, 2.5} {
			for _, beta := range []float32{0, 1, -1.5} {
				for _, s := range [][3]int{{13, 35, 9}, {50, 70, 300}} {
					tc := gemmCase{transA: tr.a, transB: tr.b, m: s[0], n: s[1], k: s[2], padA: 2, padB: 2, padC: 2, alpha: alpha, beta: beta}
					o := tc.operands(rng)
					tc.run(o)
					tc.check(t, o, "Sgemm")
				}
			}
		}
	}
}

func TestSgemmBetaZeroIgnoresNaN(t *testing.T) {
	// operands() fills C with NaN when beta is 0; check also says so, but
	// make the property explicit for alpha = 0 and k = 0, where A and B are
	// not read either.
	for _, k := range []int{0, 3} {
		c := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.NaN()), 7}
		a := []float32{float32(math.NaN()), 1, 2, 3, 4, 5}
		Sgemm(false, false, 2, 2, k, 0, a, max(k, 1), a, 2, 0, c, 2)
		for i, v := range c {
			if v != 0 {
				t.Fatalf("k=%d: C[%d] = %g, want 0", k, i, v)
			}
		}
	}
}

func TestSgemmEpilogue(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tr := range transposes {
		for _, bias := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				for _, beta := range []float32{0, 1} {
					for _, s := range [][3]int{{7, 45, 11}, {31, 64, 300}, {1, 400, 390}} {
						tc := gemmCase{transA: tr.a, transB: tr.b, m: s[0], n: s[1], k: s[2], padC: 3, alpha: 1, beta: beta, bias: bias, relu: relu}
						o := tc.operands(rng)
						tc.run(o)
						tc.check(t, o, "SgemmEpilogue")
					}
				}
			}
		}
	}
}

func TestSgemmReLUKeepsNaN(t *testing.T) {
	// The fused ReLU follows "if v < 0 { v = 0 }": NaN passes through and
	// so does -0.
	nan := float32(math.NaN())
	a := []float32{nan, 1, -1, 0}
	b := []float32{1}
	c := make([]float32, 4)
	SgemmEpilogue(false, false, 4, 1, 1, 1, a, 1, b, 1, 0, c, 1, Epilogue{ReLU: true, Bias: []float32{0}})
	if !math.IsNaN(float64(c[0])) || c[1] != 1 || c[2] != 0 || c[3] != 0 {
		t.Fatalf("ReLU over [NaN 1 -1 0] = %v", c)
	}
}

// TestSgemmThreadsBitIdentical checks the native kernels (also under the
// openblas tag, whose own threading makes no such promise).
func TestSgemmThreadsBitIdentical(t *testing.T) {
	minFMAs := parallelMinFMAs
	t.Cleanup(func() { SetThreads(1); parallelMinFMAs = minFMAs })
	parallelMinFMAs = 1 << 20 // split the small shapes too; the last is split by default
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := [][3]int{{300, 70, 200}, {70, 300, 200}, {390, 400, 64}, {129, 161, 130}, {100, 37, 300}, {600, 400, 150}}
	for _, tr := range transposes {
		for _, s := range shapes {
			tc := gemmCase{transA: tr.a, transB: tr.b, m: s[0], n: s[1], k: s[2], padA: 1, padC: 1, alpha: 1, beta: 0.5, bias: true, relu: true}
			if s[0]*s[1]*s[2] < parallelMinFMAs {
				t.Fatalf("shape %v too small to be split", s)
			}
			o := tc.operands(rng)
			SetThreads(1)
			tc.runNative(o)
			tc.check(t, o, "1 thread")
			single := append([]float32(nil), o.c...)
			for _, nt := range []int{2, 3, 5} {
				copy(o.c, o.c0)
				SetThreads(nt)
				tc.runNative(o)
				for i := range single {
					if math.Float32bits(single[i]) != math.Float32bits(o.c[i]) {
						t.Fatalf("%v: %d threads: C[%d] = %g, 1 thread gave %g", tc, nt, i, o.c[i], single[i])
					}
				}
			}
		}
	}
}

func TestSgemmAllocs(t *testing.T) {
	minFMAs := parallelMinFMAs
	t.Cleanup(func() { SetThreads(1); parallelMinFMAs = minFMAs })
	parallelMinFMAs = 1 << 20 // so that the 2-thread calls are split
	rng := rand.New(rand.NewPCG(13, 14))
	for _, nt := range []int{1, 2} {
		SetThreads(nt)
		for _, tr := range transposes {
			tc := gemmCase{transA: tr.a, transB: tr.b, m: 200, n: 150, k: 100, alpha: 1, beta: 1, bias: true}
			o := tc.operands(rng)
			tc.run(o) // warm the pools
			if n := testing.AllocsPerRun(20, func() { tc.run(o) }); n != 0 {
				t.Errorf("%d threads, %v: %v allocations per call", nt, tc, n)
			}
		}
	}
}

func TestSgemmBadArgsPanic(t *testing.T) {
	x := make([]float32, 12)
	cases := []struct {
		want string
		f    func()
	}{
		{"negative dimension", func() { Sgemm(false, false, -1, 2, 2, 1, x, 2, x, 2, 0, x, 2) }},
		{"A: leading dimension", func() { Sgemm(false, false, 2, 2, 3, 1, x, 2, x, 2, 0, x, 2) }},
		{"A: slice too short", func() { Sgemm(true, false, 3, 2, 5, 1, x, 3, x, 2, 0, x, 2) }},
		{"B: slice too short", func() { Sgemm(false, true, 2, 4, 3, 1, x, 3, x[:11], 3, 0, x, 4) }},
		{"C: leading dimension", func() { Sgemm(false, false, 2, 3, 2, 1, x, 2, x, 3, 0, x, 2) }},
		{"bias shorter than n", func() {
			SgemmEpilogue(false, false, 2, 3, 2, 1, x, 2, x, 3, 0, x, 3, Epilogue{Bias: x[:2]})
		}},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, c.want) {
					t.Errorf("panic %v, want one mentioning %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

// TestSgemmOneColumn covers the n = 1 path (gemv) for every storage order:
// dot products for A as stored, axpys for A transposed, B gathered through a
// row stride, every scalar and epilogue, C's padding untouched and an
// uninitialised C ignored when beta is 0.
func TestSgemmOneColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, tr := range transposes {
		for _, m := range []int{1, 2, 15, 16, 17, 33, 400} {
			for _, k := range []int{1, 3, 16, 17, 64, 390, 1000} {
				tc := gemmCase{transA: tr.a, transB: tr.b, m: m, n: 1, k: k,
					padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3),
					alpha: []float32{1, -0.75}[rng.IntN(2)], beta: []float32{0, 1, 0.5}[rng.IntN(3)],
					bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0}
				o := tc.operands(rng)
				tc.run(o)
				tc.check(t, o, "Sgemm n=1")
			}
		}
	}
	// No allocation once the workspace has grown.
	tc := gemmCase{transA: true, m: 400, n: 1, k: 500, padB: 2, alpha: 1, beta: 1, bias: true}
	o := tc.operands(rng)
	tc.run(o)
	if n := testing.AllocsPerRun(10, func() { tc.run(o) }); n != 0 {
		t.Errorf("Sgemm n=1 allocates %v times per call", n)
	}
}
