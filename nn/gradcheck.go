package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
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
	// Skip, when set, excludes element i from the check (e.g. an input
	// at a kink of ReLU). Its gradient is still compared when it is zero
	// numerically and analytically.
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
	// ATol and RTol bound |analytic − numeric| by ATol + RTol·max(|a|,|n|)
	// (defaults 1e-3 and 2e-2: float32 forward passes limit precision).
	ATol, RTol float64
	// MaxPerVar checks at most this many elements of each Var, chosen at
	// random (default 0: every element).
	MaxPerVar int
	// Seed picks the sampled elements.
	Seed uint64
}

// GradCheck compares analytic gradients with central finite differences.
//
// loss runs the forward pass and returns a scalar loss. backward must compute
// the gradients of that same loss from scratch: clear every gradient, run the
// forward pass, seed the output gradient and run the backward pass. GradCheck
// calls backward once, reads every Var's analytic gradient, then perturbs each
// checked element of X by ±Eps and calls loss twice.
//
// It returns nil when every checked element agrees, and otherwise an error
// listing the worst mismatches.
func GradCheck(loss func() float64, backward func(), vars []Var, opt GradCheckOptions) error {
	if opt.Eps == 0 {
		opt.Eps = 1e-2
	}
	if opt.ATol == 0 {
		opt.ATol = 1e-3
	}
	if opt.RTol == 0 {
		opt.RTol = 2e-2
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
	var bad []string
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
		for _, i := range idx {
			if v.Skip != nil && v.Skip(i) {
				continue
			}
			orig := v.X[i]
			xp := orig + float32(opt.Eps)
			xm := orig - float32(opt.Eps)
			v.X[i] = xp
			lp := loss()
			v.X[i] = xm
			lm := loss()
			v.X[i] = orig
			num := (lp - lm) / (float64(xp) - float64(xm))
			a := float64(analytic[vi][i])
			checked++
			if math.IsNaN(a) || math.IsNaN(num) || math.Abs(a-num) > opt.ATol+opt.RTol*math.Max(math.Abs(a), math.Abs(num)) {
				if len(bad) < 10 {
					bad = append(bad, fmt.Sprintf("%s[%d]: analytic %.6g, numeric %.6g", v.Name, i, a, num))
				}
			}
		}
	}
	if checked == 0 {
		return fmt.Errorf("gradcheck: no element was checked")
	}
	if len(bad) > 0 {
		return fmt.Errorf("gradcheck: gradient mismatch:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
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
