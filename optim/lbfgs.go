package optim

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/optimize"

	"github.com/recforge/recforge/blas"
)

// LBFGS is the limited-memory BFGS method (Nocedal & Wright, Numerical
// Optimization, 2nd ed., §7.2) over every weight of the optimizer at once:
// the full-batch quasi-Newton method the AutoRec paper trained with. One
// step is one major iteration, as in gonum's optimize.LBFGS, which it
// follows: the direction −H·g comes from the two-loop recursion over the
// last History pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, with the initial
// Hessian scaled by γ = sᵀy/yᵀy of the newest pair; the first direction is
// −g with a trial step of 1/‖g‖; gonum's bisection line search
// (optimize.Bisection: strong Wolfe conditions, curvature 0.9) chooses the
// step. The rule's learning rate scales every first trial step (1 is the
// textbook choice).
//
// Unlike the elementwise rules it evaluates the objective several times
// per step (the line search's trial points), so it steps only through
// Optimizer.StepWith, whose loss function recomputes the loss and the
// gradients at the current weights; the trainer gives it the whole epoch
// as one batch (FullBatch), so that every evaluation is of the same
// objective. It trains dense parameters only, without weight decay or
// clipping: a penalty belongs to the objective the line search measures.
//
// Its state is kept per weight, as slots, so that checkpoints carry it:
// the History pairs and the weights and gradient at the start of the last
// step. Dot products are summed in float64; the history and the weights
// are float32.
type LBFGS struct {
	// History is the number of (s, y) pairs kept (gonum's default 15).
	History int
}

// lbfgsHistory is gonum's default number of pairs.
const lbfgsHistory = 15

// ErrNoProgress reports an L-BFGS step whose line search cannot move the
// weights any more (the step underflows the weights' precision, the
// bisection cannot bracket a better point, or the direction does not
// descend): the method has converged as far as float32 weights allow. The
// weights are those the step started from.
var ErrNoProgress = errors.New("optim: L-BFGS: the line search can make no further progress")

func (r LBFGS) history() int {
	if r.History == 0 {
		return lbfgsHistory
	}
	return r.History
}

// Slots returns the History pairs s0…, y0… and the start of the last
// step, "x" and "g".
func (r LBFGS) Slots() []string {
	m := r.history()
	s := make([]string, 0, 2*m+2)
	for _, p := range []string{"s", "y"} {
		for i := range m {
			s = append(s, p+strconv.Itoa(i))
		}
	}
	return append(s, "x", "g")
}

func (r LBFGS) check(lr float32) error {
	if r.History < 0 {
		return fmt.Errorf("LBFGS.History = %d, want ≥ 1 (0: %d)", r.History, lbfgsHistory)
	}
	if !(lr > 0) || math.IsInf(float64(lr), 1) {
		return fmt.Errorf("L-BFGS step scale (lr) = %v, want a finite value > 0", lr)
	}
	return nil
}

func (LBFGS) initState(s []float32) { clear(s) }

func (LBFGS) prepare(*stepCtx) {}

func (LBFGS) update([]float32, []float32, []float32, *stepCtx) {
	panic("optim: L-BFGS steps through Optimizer.StepWith, which can evaluate the loss at several points")
}

// FullBatch reports whether o's rules need the gradient of the whole
// objective at every step (Rprop, LBFGS): a trainer then gives them every
// example of an epoch as one batch.
func (o *Optimizer) FullBatch() bool {
	for _, g := range o.groups {
		switch g.rule.(type) {
		case Rprop, LBFGS:
			return true
		}
	}
	return false
}

// StepWith takes one step, evaluating the objective with loss: loss must
// compute the loss at the current weights and accumulate its gradients
// into zeroed gradients (a forward pass, the loss and a backward pass), and
// return the loss. Every elementwise rule calls it once and then steps as
// Step does, unless the loss is not finite (then nothing is updated, and
// the caller decides). L-BFGS calls it at every trial point of its line
// search. StepWith returns the loss at the weights the step started from,
// and leaves the gradients cleared; the error is ErrNoProgress when an
// L-BFGS step cannot move, or a configuration L-BFGS cannot run with.
func (o *Optimizer) StepWith(loss func() float64) (float64, error) {
	for _, g := range o.groups {
		if r, ok := g.rule.(LBFGS); ok {
			return o.stepLBFGS(r, loss)
		}
	}
	l := loss()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, nil
	}
	o.Step()
	return l, nil
}

// lbfgsCache holds the objective and gradient at the point the last
// L-BFGS step accepted, so that the next step does not evaluate them
// again. It is not checkpointed: a resumed run evaluates them afresh,
// which gives the same values when the objective is deterministic.
type lbfgsCache struct {
	ok   bool
	f    float64
	x, g []float32
	dir  []float64
	a    []float64
}

// lbfgsVec is one dense parameter's share of the flat vectors L-BFGS works
// on: its weights, gradient and state slots.
type lbfgsVec struct {
	d   *denseEntry
	off int
}

func (v lbfgsVec) slot(i int) []float32 {
	n := len(v.d.p.W)
	return v.d.s[i*n : (i+1)*n : (i+1)*n]
}

// lbfgsSetup checks that every group can take part in an L-BFGS step and
// lists their parameters.
func (o *Optimizer) lbfgsSetup(r LBFGS) ([]lbfgsVec, int, error) {
	if o.ClipNorm != 0 || o.ClipValue != 0 {
		return nil, 0, errors.New("optim: L-BFGS does not clip gradients: its line search measures the objective itself")
	}
	var vs []lbfgsVec
	dim := 0
	for _, g := range o.groups {
		gr, ok := g.rule.(LBFGS)
		switch {
		case !ok:
			return nil, 0, fmt.Errorf("optim: L-BFGS moves every weight at once; group %q uses %T", g.name, g.rule)
		case gr.history() != r.history():
			return nil, 0, fmt.Errorf("optim: L-BFGS groups keep %d and %d pairs", r.history(), gr.history())
		case len(g.tables) > 0:
			return nil, 0, fmt.Errorf("optim: L-BFGS trains dense parameters only; group %q has embedding tables", g.name)
		case g.L2 != 0:
			return nil, 0, fmt.Errorf("optim: group %q: L-BFGS takes no weight decay: put the penalty in the objective", g.name)
		case g.steps != o.groups[0].steps:
			return nil, 0, fmt.Errorf("optim: L-BFGS groups %q and %q are at different steps", o.groups[0].name, g.name)
		}
		g.checkStep(g.lr)
		for i := range g.params {
			d := &g.params[i]
			if len(d.s) != g.slots*len(d.p.W) || len(d.p.G) != len(d.p.W) {
				panic(fmt.Sprintf("optim: group %q: param %q changed size since it was added", g.name, d.p.Name))
			}
			vs = append(vs, lbfgsVec{d: d, off: dim})
			dim += len(d.p.W)
		}
	}
	return vs, dim, nil
}

// stepLBFGS is one major iteration of L-BFGS (see LBFGS).
func (o *Optimizer) stepLBFGS(r LBFGS, loss func() float64) (float64, error) {
	vs, dim, err := o.lbfgsSetup(r)
	if err != nil {
		return math.NaN(), err
	}
	m := r.history()
	c := o.lbfgs
	if c == nil || len(c.x) != dim || len(c.a) != m {
		c = &lbfgsCache{x: make([]float32, dim), g: make([]float32, dim), dir: make([]float64, dim), a: make([]float64, m)}
		o.lbfgs = c
	}
	eval := func() float64 {
		o.ZeroGrad()
		return loss()
	}
	// The objective and gradient at the start: the point the last step
	// accepted, unless the weights have changed since.
	if c.ok {
		for _, v := range vs {
			if !equal32(v.d.p.W, c.x[v.off:v.off+len(v.d.p.W)]) {
				c.ok = false
				break
			}
		}
	}
	f0 := c.f
	if !c.ok {
		f0 = eval()
		if math.IsNaN(f0) || math.IsInf(f0, 0) {
			o.ZeroGrad()
			return f0, nil
		}
		for _, v := range vs {
			copy(c.g[v.off:], v.d.p.G)
		}
	}
	c.ok = false
	t := o.groups[0].steps + 1
	pairs := int(min(t-1, int64(m)))
	var newest int
	if t > 1 {
		// The pair of the last step: s = x − x_prev, y = g − g_prev.
		newest = int((t - 2) % int64(m))
		for _, v := range vs {
			w, g := v.d.p.W, c.g[v.off:v.off+len(v.d.p.W)]
			s, y, xp, gp := v.slot(newest), v.slot(m+newest), v.slot(2*m), v.slot(2*m+1)
			for j := range w {
				s[j] = w[j] - xp[j]
				y[j] = g[j] - gp[j]
			}
		}
	}
	var gmax float64
	for _, v := range vs {
		xp, gp := v.slot(2*m), v.slot(2*m+1)
		copy(xp, v.d.p.W)
		copy(gp, c.g[v.off:v.off+len(v.d.p.W)])
		for _, x := range gp {
			gmax = max(gmax, math.Abs(float64(x)))
		}
	}
	if gmax < 1e-12 { // gonum's default gradient threshold
		o.ZeroGrad()
		return f0, ErrNoProgress
	}

	// The direction d = −H·g (two-loop recursion), in dir.
	q := c.dir
	for _, v := range vs {
		for j, x := range v.slot(2*m + 1) {
			q[v.off+j] = float64(x)
		}
	}
	lr := float64(o.groups[0].CurrentLR())
	step := lr
	if pairs == 0 {
		step = lr / math.Sqrt(dot64(q, q))
	} else {
		rho := func(i int) float64 { return 1 / dot32(vs, i, m+i) }
		for k := range pairs {
			i := (newest - k + m) % m
			c.a[i] = rho(i) * dotVec(vs, i, q)
			axpyVec(vs, m+i, -c.a[i], q)
		}
		gamma := dot32(vs, newest, m+newest) / dot32(vs, m+newest, m+newest)
		for j := range q {
			q[j] *= gamma
		}
		for k := pairs - 1; k >= 0; k-- {
			i := (newest - k + m) % m
			b := rho(i) * dotVec(vs, m+i, q)
			axpyVec(vs, i, c.a[i]-b, q)
		}
	}
	for j := range q {
		q[j] = -q[j]
	}
	dir := q
	proj := func() float64 { // gᵀd at the weights' gradient
		var s float64
		for _, v := range vs {
			for j, g := range v.d.p.G {
				s += float64(g) * dir[v.off+j]
			}
		}
		return s
	}
	var d0 float64
	for _, v := range vs {
		for j, g := range v.slot(2*m + 1) {
			d0 += float64(g) * dir[v.off+j]
		}
	}
	restart := func() (float64, error) {
		for _, v := range vs {
			copy(v.d.p.W, v.slot(2*m))
		}
		o.ZeroGrad()
		return f0, ErrNoProgress
	}
	if !(d0 < 0) {
		return restart()
	}

	// The line search along dir from x_prev.
	var ls optimize.Bisection
	ls.Init(f0, d0, step)
	for {
		moved := false
		for _, v := range vs {
			w, xp := v.d.p.W, v.slot(2*m)
			for j, x := range xp {
				w[j] = float32(float64(x) + step*dir[v.off+j])
				moved = moved || w[j] != x
			}
		}
		if !moved {
			return restart()
		}
		f := eval()
		op, next, err := ls.Iterate(f, proj())
		if err == nil && op == optimize.GradEvaluation && next == step {
			// The bisection asks for the gradient at the same point,
			// which the loss has computed already.
			op, next, err = ls.Iterate(f, proj())
		}
		if err != nil {
			return restart()
		}
		if op == optimize.MajorIteration {
			c.ok, c.f = true, f
			for _, v := range vs {
				copy(c.x[v.off:], v.d.p.W)
				copy(c.g[v.off:], v.d.p.G)
			}
			o.ZeroGrad()
			for _, g := range o.groups {
				g.steps++
			}
			return f0, nil
		}
		step = next
	}
}

// equal32 compares bit for bit.
func equal32(a, b []float32) bool {
	for i, x := range a {
		if math.Float32bits(x) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// dot32 returns the dot product of slots i and j of every parameter,
// summed in float64 over runs short enough for float32 to stay precise.
func dot32(vs []lbfgsVec, i, j int) float64 {
	var s float64
	for _, v := range vs {
		a, b := v.slot(i), v.slot(j)
		for k := 0; k < len(a); k += 4096 {
			e := min(k+4096, len(a))
			s += float64(blas.Dot(a[k:e], b[k:e]))
		}
	}
	return s
}

// dotVec returns slot i of every parameter dotted with the flat q.
func dotVec(vs []lbfgsVec, i int, q []float64) float64 {
	var s float64
	for _, v := range vs {
		q := q[v.off:]
		for k, x := range v.slot(i) {
			s += float64(x) * q[k]
		}
	}
	return s
}

// axpyVec adds alpha times slot i of every parameter to the flat q.
func axpyVec(vs []lbfgsVec, i int, alpha float64, q []float64) {
	for _, v := range vs {
		q := q[v.off:]
		for k, x := range v.slot(i) {
			q[k] += alpha * float64(x)
		}
	}
}

func dot64(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}
