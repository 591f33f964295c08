package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Var is one tensor whose analytic gradient GradCheck verifies.
type Var struct {
	// Name labels the tensor in failure messages.
	Name string
	// X holds the values GradCheck perturbs in place (and restores).
	X []float32
	// G is the analytic gradient, read after the backward call. Leave it
	// nil and set GradFn when the gradient must be gathered first.
	G []float32
	// GradFn, when set, is called after the backward call and returns the
	// analytic gradient (e.g. a table's sparse gradient made dense).
	GradFn func() []float32
	// Skip, when set, excludes element i from the check altogether (e.g. an
	// input at a kink of ReLU): its gradient is neither compared nor
	// perturbed to estimate the loss's noise.
	Skip func(i int) bool
}

// ParamVar returns the Var of a dense parameter.
func ParamVar(p *Param) Var { return Var{Name: p.Name, X: p.W, G: p.G} }

// TableVar returns the Var of an embedding table whose rows carry no
// optimizer state yet; its gradient is the table's sparse gradient, densified.
func TableVar(t *Table) Var {
	if t.Stride != t.Dim {
		panic("nn: TableVar needs a table without optimizer state")
	}
	return Var{Name: t.Name, X: t.Data, GradFn: t.DenseGrad}
}

// GradCheckOptions tunes GradCheck. Zero fields take the defaults noted.
type GradCheckOptions struct {
	// Eps is the central-difference step (default 1e-2).
	Eps float64
	// RTol is the relative part of the tolerance (default 2e-3; see
	// GradCheck). It covers the truncation error of the central difference,
	// which is O(Eps²) for smooth layers.
	RTol float64
	// ATol is an absolute allowance added to the tolerance (default 0: the
	// estimated noise of the numeric derivative sets the absolute part).
	ATol float64
	// MaxPerVar checks at most this many elements of each Var, chosen at
	// random (default 0: every element).
	MaxPerVar int
	// Seed picks the sampled elements.
	Seed uint64
}

// noiseMult is how many times the loss's estimated noise, divided by the
// step, the absolute part of the tolerance allows. The central difference's
// own noise is about σ/(√2·Eps), so this is about 14 of its standard
// deviations: room for the largest of thousands of checked elements and for
// the estimate being off by a factor of 2 or 3.
const noiseMult = 10

// GradCheck compares analytic gradients with central finite differences.
//
// loss runs the forward pass and returns a scalar loss. backward must compute
// the gradients of that same loss from scratch: clear every gradient, run the
// forward pass, seed the output gradient and run the backward pass. GradCheck
// calls backward once, reads every Var's analytic gradient, then perturbs each
// checked element of X by ±Eps and calls loss twice. loss must be a
// deterministic function of the Vars' values.
//
// An element passes when the analytic gradient a and the numeric one n agree
// within
//
//	|a − n| ≤ ATol + 10·σ/Eps + RTol·max(|a|, |n|)
//
// where σ is the rounding noise of the loss, measured once per call: layers
// compute in float32, so the loss is a slightly rough function of the
// values, and its roughness divided by the step is what limits the numeric
// derivative of a small gradient. σ is estimated as Moré & Wild do
// ("Estimating computational noise", SIAM J. Sci. Comput. 33(3), 2011): the
// loss is evaluated at 9 points about Eps/64 apart along a random ±1
// direction through all checked elements, and the scaled higher-order
// differences of those values, which vanish for a smooth function, measure
// the noise; σ is the largest of 3 such estimates. With the noise accounted
// for, RTol can be tight enough to catch a gradient off by a percent or two
// wherever the noise does not drown it, where a fixed absolute tolerance
// would either drown small gradients or fail noisy losses.
//
// An element that disagrees is tried again at step Eps/5, for a difference
// that straddles a kink (ReLU, max) is off at any step longer than the
// distance to it: it passes if it agrees there and the shorter step at
// least halved the discrepancy. A wrong gradient is off by the same at both
// steps. Kinks nearer than Eps/5 still need Skip or a shorter Eps.
//
// It returns nil when every checked element agrees, and otherwise an error
// listing the first mismatches.
func GradCheck(loss func() float64, backward func(), vars []Var, opt GradCheckOptions) error {
	if opt.Eps == 0 {
		opt.Eps = 1e-2
	}
	if opt.RTol == 0 {
		opt.RTol = 2e-3
	}
	if !(opt.Eps > 0) || !(opt.RTol > 0) || !(opt.ATol >= 0) {
		return fmt.Errorf("gradcheck: Eps = %v, RTol = %v, ATol = %v: want Eps and RTol > 0, ATol ≥ 0", opt.Eps, opt.RTol, opt.ATol)
	}
	backward()
	analytic := make([][]float32, len(vars))
	for vi, v := range vars {
		g := v.G
		if v.GradFn != nil {
			g = v.GradFn()
		}
		if len(g) != len(v.X) {
			return fmt.Errorf("gradcheck: %s: gradient has %d elements, values %d", v.Name, len(g), len(v.X))
		}
		analytic[vi] = append([]float32(nil), g...)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 1))
	checks := make([][]int, len(vars))
	checked := 0
	for vi, v := range vars {
		idx := make([]int, len(v.X))
		for i := range idx {
			idx[i] = i
		}
		if opt.MaxPerVar > 0 && len(idx) > opt.MaxPerVar {
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
			idx = idx[:opt.MaxPerVar]
		}
		if v.Skip != nil {
			idx = slices.DeleteFunc(idx, v.Skip)
		}
		checks[vi] = idx
		checked += len(idx)
	}
	if checked == 0 {
		return fmt.Errorf("gradcheck: no element was checked")
	}
	var sigma float64
	for range noiseProbes {
		sigma = math.Max(sigma, lossNoise(loss, vars, checks, opt.Eps, rng))
	}
	var bad []string
	for vi, v := range vars {
		for _, i := range checks[vi] {
			if x := v.X[i]; x+float32(opt.Eps) == x || x-float32(opt.Eps) == x {
				return fmt.Errorf("gradcheck: %s[%d] = %v: the step %v is below its float32 resolution", v.Name, i, x, opt.Eps)
			}
			a := float64(analytic[vi][i])
			num, off, tol := compareAt(loss, v.X, i, a, opt.Eps, sigma, opt)
			if off <= tol {
				continue
			}
			// A kink straddled at Eps: the discrepancy shrinks with the
			// step. Without the halving, the shorter step's larger noise
			// allowance would excuse a gradient that is off at both.
			num2, off2, tol2 := compareAt(loss, v.X, i, a, opt.Eps/kinkRetry, sigma, opt)
			if off2 <= tol2 && off2 <= off/2 {
				continue
			}
			if len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%s[%d]: analytic %.6g, numeric %.6g (off by %.3g > %.3g), at step/%d %.6g (off by %.3g > %.3g)",
					v.Name, i, a, num, off, tol, kinkRetry, num2, off2, tol2))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("gradcheck: gradient mismatch (loss noise %.3g):\n  %s", sigma, strings.Join(bad, "\n  "))
	}
	return nil
}

// noiseProbes is the number of random directions along which GradCheck
// measures the loss's noise, keeping the largest estimate: one estimate
// from 9 points can come out a few times too low.
const noiseProbes = 3

// kinkRetry divides the step for the second try at an element that
// disagrees at the first.
const kinkRetry = 5

// compareAt returns the central difference n of loss at element i of x with
// step h, how far it is off the analytic gradient a, and the tolerance
// (see GradCheck); a NaN on either side is off by +Inf. It restores x[i].
//
// The two points are made symmetric about x[i] where float32 allows: x ± h
// rounds to points whose midpoint is off x[i] by up to an ulp, and the
// difference of a curved loss would measure the slope there instead.
func compareAt(loss func() float64, x []float32, i int, a, h, sigma float64, opt GradCheckOptions) (n, off, tol float64) {
	orig := x[i]
	o := float64(orig)
	xp := orig + float32(h)
	xm := float32(o - (float64(xp) - o))
	if float64(xm)-o != o-float64(xp) { // the step up is not exact downwards: mirror the step down
		xm = orig - float32(h)
		xp = float32(o + (o - float64(xm)))
	}
	x[i] = xp
	lp := loss()
	x[i] = xm
	lm := loss()
	x[i] = orig
	n = (lp - lm) / (float64(xp) - float64(xm))
	off = math.Abs(a - n)
	if math.IsNaN(off) {
		off = math.Inf(1)
	}
	tol = opt.ATol + noiseMult*sigma/h + opt.RTol*math.Max(math.Abs(a), math.Abs(n))
	return n, off, tol
}

// lossNoise estimates the standard deviation of the loss's rounding noise
// near the current values by ECnoise (Moré & Wild, 2011): along a random
// direction d of ±1 over the checked elements, at the points x + s·δ·d,
// s = −4…4, a smooth function's k-th differences are O(δᵏ) while noise of
// deviation σ gives k-th differences of variance (2k)!/(k!)²·σ². It takes
// the largest estimate over k = 3…6, erring towards more noise, and at least
// the float64 rounding of the loss's value. It restores the values.
//
// δ is the power of two at or below eps/64: rounding noise does not depend
// on the step as long as the values move by some ulps, and a short probe
// rarely crosses a kink, which would pass for noise. An element for which
// some x + s·δ·d is not exact in float32 is left out of d: the rounding of
// the point would move the loss by its gradient times the rounding, which is
// no noise of the loss (GradCheck's own differences divide by the rounded
// step).
func lossNoise(loss func() float64, vars []Var, checks [][]int, eps float64, rng *rand.Rand) float64 {
	const m = 8 // m+1 points
	delta := math.Ldexp(1, math.Ilogb(eps/64))
	saved := make([][]float32, len(vars))
	dirs := make([][]float32, len(vars))
	for vi, v := range vars {
		saved[vi] = append([]float32(nil), v.X...)
		d := make([]float32, len(v.X))
		for _, i := range checks[vi] {
			d[i] = float32(2*rng.IntN(2) - 1)
			for j := -m / 2; j <= m/2; j++ {
				s := float64(j) * delta * float64(d[i])
				if float64(v.X[i]+float32(s)) != float64(v.X[i])+s {
					d[i] = 0
					break
				}
			}
		}
		dirs[vi] = d
	}
	var f [m + 1]float64
	var fmax float64
	for j := range f {
		s := float32(float64(j-m/2) * delta)
		for vi, v := range vars {
			for _, i := range checks[vi] {
				v.X[i] = saved[vi][i] + s*dirs[vi][i]
			}
		}
		f[j] = loss()
		fmax = math.Max(fmax, math.Abs(f[j]))
	}
	for vi, v := range vars {
		copy(v.X, saved[vi])
	}
	sigma := 4 * 0x1p-52 * fmax
	gamma := 1.0 // (k!)²/(2k)!
	for k := 1; k <= 6; k++ {
		for j := 0; j < m+1-k; j++ {
			f[j] = f[j+1] - f[j]
		}
		gamma *= float64(k) / float64(2*(2*k-1))
		if k < 3 {
			continue
		}
		var ss float64
		for _, v := range f[:m+1-k] {
			ss += v * v
		}
		sigma = math.Max(sigma, math.Sqrt(gamma*ss/float64(m+1-k)))
	}
	return sigma
}

// ProbeLoss returns Σ y[i]·r[i] in float64: a scalar loss whose gradient with
// respect to y is exactly r, used to drive a layer's backward pass in tests.
func ProbeLoss(y, r []float32) float64 {
	var s float64
	for i, v := range y {
		s += float64(v) * float64(r[i])
	}
	return s
}
