package optim

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/internal/parallel"

	"github.com/recforge/recforge/nn"
)

// Optimizer applies its groups' updates, with optional gradient clipping
// across all of them.
type Optimizer struct {
	// ClipValue, when positive, clamps every gradient component to
	// [−ClipValue, ClipValue] before norm clipping.
	ClipValue float32
	// ClipNorm, when positive, scales all gradients (dense parameters and
	// touched table rows of every group) by ClipNorm/‖g‖ when their global
	// L2 norm ‖g‖ exceeds it. Regularization is added after clipping.
	ClipNorm float32
	// Threads is how many goroutines apply a Step (0 or 1: the caller's
	// alone): dense parameters and runs of touched table rows are spread
	// over them. Each weight's update reads only its own gradient and
	// state, so the weights after a step are the same for any count.
	Threads int

	groups   []*Group
	gradNorm float64
	lbfgs    *lbfgsCache // L-BFGS's last accepted point (StepWith)
	pieces   []piece     // the current step's, kept for the next
	runPiece func(int)   // runs pieces[i]
}

// New returns an optimizer over the given groups, which it then owns: no
// weights can be added to them afterwards. It panics when two groups share a
// name, a parameter or a table, since one weight updated twice per step, or
// state reserved twice in one table, would be silently wrong.
func New(groups ...*Group) *Optimizer {
	names := map[string]bool{}
	params := map[*nn.Param]string{}
	tables := map[*nn.Table]string{}
	for _, g := range groups {
		if g.owned {
			panic(fmt.Sprintf("optim: group %q already belongs to an optimizer", g.name))
		}
		if names[g.name] {
			panic(fmt.Sprintf("optim: two groups are named %q", g.name))
		}
		names[g.name] = true
		for _, d := range g.params {
			if other, ok := params[d.p]; ok {
				panic(fmt.Sprintf("optim: param %q is in groups %q and %q", d.p.Name, other, g.name))
			}
			params[d.p] = g.name
		}
		for _, e := range g.tables {
			if other, ok := tables[e.t]; ok {
				panic(fmt.Sprintf("optim: table %q is in groups %q and %q", e.t.Name, other, g.name))
			}
			tables[e.t] = g.name
		}
	}
	for _, g := range groups {
		g.owned = true
	}
	return &Optimizer{groups: append([]*Group(nil), groups...)}
}

// Groups returns the optimizer's groups in the order they step.
func (o *Optimizer) Groups() []*Group { return o.groups }

// Group returns the group with the given name, or nil.
func (o *Optimizer) Group(name string) *Group {
	for _, g := range o.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// ScaleLR multiplies every group's base learning rate by f, the usual
// reduce-on-plateau move when groups have different rates.
func (o *Optimizer) ScaleLR(f float32) {
	for _, g := range o.groups {
		g.SetLR(g.lr * f)
	}
}

// GradNorm returns the global L2 norm of the gradients the last Step saw,
// after value clipping and before norm clipping. It is measured only when
// ClipNorm or ClipValue is set, and is 0 otherwise.
func (o *Optimizer) GradNorm() float64 { return o.gradNorm }

// Step clips the gradients if asked, updates every group in order and clears
// the gradients it consumed.
func (o *Optimizer) Step() {
	if !(o.ClipValue >= 0) || !(o.ClipNorm >= 0) {
		panic(fmt.Sprintf("optim: ClipValue = %v, ClipNorm = %v, want both ≥ 0", o.ClipValue, o.ClipNorm))
	}
	scale := float32(1)
	o.gradNorm = 0
	if o.ClipValue > 0 || o.ClipNorm > 0 {
		o.gradNorm = math.Sqrt(o.clip())
		if o.ClipNorm > 0 && o.gradNorm > float64(o.ClipNorm) {
			scale = float32(float64(o.ClipNorm) / o.gradNorm)
		}
	}
	ps := o.pieces[:0]
	for _, g := range o.groups {
		g.begin()
		ps = g.pieces(ps, scale)
	}
	o.pieces = ps
	if o.runPiece == nil { // made once: a closure per step would allocate
		o.runPiece = func(i int) { o.pieces[i].run() }
	}
	parallel.For(len(ps), o.Threads, o.runPiece)
	for _, g := range o.groups {
		g.finish()
	}
}

// ZeroGrad clears every gradient without updating anything, e.g. to skip a
// batch whose loss was not finite.
func (o *Optimizer) ZeroGrad() {
	for _, g := range o.groups {
		g.zeroGrad()
	}
}

// clip clamps every gradient component to ±ClipValue when it is set, and
// returns the sum of squares of all gradients, accumulated in float64 in a
// fixed order.
func (o *Optimizer) clip() float64 {
	var ss float64
	for _, g := range o.groups {
		for _, d := range g.params {
			ss += clampSumSq(d.p.G, o.ClipValue)
		}
		for _, e := range g.tables {
			t := e.t
			for j := range t.TouchedRows() {
				ss += clampSumSq(t.Grad(j), o.ClipValue)
			}
		}
	}
	return ss
}

// clampSumSq clamps g to ±limit when limit is positive and returns Σ g².
func clampSumSq(g []float32, limit float32) float64 {
	var ss float64
	if limit > 0 {
		for i, v := range g {
			if v > limit {
				v = limit
			} else if v < -limit {
				v = -limit
			}
			g[i] = v
			ss += float64(v) * float64(v)
		}
		return ss
	}
	for _, v := range g {
		ss += float64(v) * float64(v)
	}
	return ss
}
