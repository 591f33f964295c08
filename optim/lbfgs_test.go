package optim

import (
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/optimize"

	"github.com/recforge/recforge/nn"
)

// quadratic is f(x) = ½ xᵀAx − bᵀx with A symmetric positive definite,
// badly enough conditioned that L-BFGS needs several iterations.
type quadratic struct {
	a [][]float64
	b []float64
}

func newQuadratic(n int) quadratic {
	q := quadratic{a: make([][]float64, n), b: make([]float64, n)}
	for i := range n {
		q.a[i] = make([]float64, n)
		for j := range n {
			q.a[i][j] = 0.3 / float64(1+(i-j)*(i-j))
		}
		q.a[i][i] += float64(1 + 3*i)
		q.b[i] = float64(i%3) - 1
	}
	return q
}

func (q quadratic) f(x []float64) float64 {
	var s float64
	for i := range x {
		for j := range x {
			s += 0.5 * x[i] * q.a[i][j] * x[j]
		}
		s -= q.b[i] * x[i]
	}
	return s
}

func (q quadratic) grad(g, x []float64) {
	for i := range x {
		g[i] = -q.b[i]
		for j := range x {
			g[i] += q.a[i][j] * x[j]
		}
	}
}

// lossOf returns the StepWith loss function of q over p.
func (q quadratic) lossOf(p *nn.Param) func() float64 {
	x := make([]float64, len(p.W))
	g := make([]float64, len(p.W))
	return func() float64 {
		for i, w := range p.W {
			x[i] = float64(w)
		}
		q.grad(g, x)
		for i := range g {
			p.G[i] += float32(g[i])
		}
		return q.f(x)
	}
}

// The iterates follow gonum's optimize.LBFGS (float64, its default
// bisection line search) on the same function, to float32 precision, and
// reach the minimum.
func TestLBFGSFollowsGonum(t *testing.T) {
	const n, iters = 8, 12
	q := newQuadratic(n)
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = float64(i) - 3.5
	}
	var want [][]float64
	rec := recorder(func(loc *optimize.Location, op optimize.Operation) error {
		if op == optimize.MajorIteration {
			want = append(want, slices.Clone(loc.X))
			if len(want) > iters {
				return errors.New("enough")
			}
		}
		return nil
	})
	optimize.Minimize(optimize.Problem{Func: q.f, Grad: func(g, x []float64) { q.grad(g, x) }}, x0,
		&optimize.Settings{Converger: optimize.NeverTerminate{}, Recorder: rec}, &optimize.LBFGS{})
	if len(want) <= iters {
		t.Fatalf("gonum stopped after %d iterations", len(want)-1)
	}

	p := nn.NewParam("x", n)
	for i, v := range x0 {
		p.W[i] = float32(v)
	}
	spec := Spec{Rule: "lbfgs", LR: 1}
	g, err := spec.NewGroup("all")
	if err != nil {
		t.Fatal(err)
	}
	o := New(g.AddParams(p))
	if !o.FullBatch() {
		t.Error("L-BFGS is not a full-batch rule")
	}
	loss := q.lossOf(p)
	for k := 1; k <= iters; k++ {
		f, err := o.StepWith(loss)
		if err != nil {
			t.Fatalf("iteration %d: %v", k, err)
		}
		if want := q.f(want[k-1]); math.Abs(f-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("iteration %d started at f = %v, gonum's at %v", k, f, want)
		}
		expectClose(t, "x after iteration "+string(rune('0'+k%10)), p.W, want[k], 1e-5, 1e-4)
		if slices.ContainsFunc(p.G, func(v float32) bool { return v != 0 }) {
			t.Fatalf("iteration %d left gradients %v", k, p.G)
		}
	}
	// The minimum solves Ax = b.
	g64 := make([]float64, n)
	x := make([]float64, n)
	for i, w := range p.W {
		x[i] = float64(w)
	}
	q.grad(g64, x)
	for i, v := range g64 {
		if math.Abs(v) > 1e-4 {
			t.Errorf("gradient %d = %v after %d iterations", i, v, iters)
		}
	}
}

type recorder func(*optimize.Location, optimize.Operation) error

func (recorder) Init() error { return nil }
func (r recorder) Record(l *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	return r(l, op)
}

// A run continued from the state (slots and step count) of another is
// bit-identical to an uninterrupted one: the state a checkpoint carries is
// all L-BFGS needs.
func TestLBFGSResumesBitIdentical(t *testing.T) {
	const n = 6
	q := newQuadratic(n)
	build := func() (*Optimizer, *nn.Param) {
		p := nn.NewParam("x", n)
		for i := range p.W {
			p.W[i] = float32(2 - i)
		}
		g, err := Spec{Rule: "lbfgs", LR: 1, History: 3}.NewGroup("all")
		if err != nil {
			t.Fatal(err)
		}
		return New(g.AddParams(p)), p
	}
	straight, ps := build()
	for range 7 {
		if _, err := straight.StepWith(q.lossOf(ps)); err != nil {
			t.Fatal(err)
		}
	}
	first, pf := build()
	for range 4 {
		if _, err := first.StepWith(q.lossOf(pf)); err != nil {
			t.Fatal(err)
		}
	}
	resumed, pr := build()
	copy(pr.W, pf.W)
	var saved []StateTensor
	for _, s := range first.Groups()[0].State() {
		saved = append(saved, StateTensor{Name: s.Name, Data: slices.Clone(s.Data)})
	}
	if err := resumed.Groups()[0].LoadState(saved); err != nil {
		t.Fatal(err)
	}
	resumed.Groups()[0].SetSteps(first.Groups()[0].Steps())
	for range 3 {
		if _, err := resumed.StepWith(q.lossOf(pr)); err != nil {
			t.Fatal(err)
		}
	}
	if !equal32(pr.W, ps.W) {
		t.Errorf("resumed %v, uninterrupted %v", pr.W, ps.W)
	}
}

// At the minimum (to float32 precision) a step cannot move: ErrNoProgress,
// the weights unchanged.
func TestLBFGSStopsWithoutProgress(t *testing.T) {
	p := nn.NewParam("x", 2)
	p.W[0], p.W[1] = 1, -1
	g, _ := Spec{Rule: "lbfgs", LR: 1}.NewGroup("all")
	o := New(g.AddParams(p))
	loss := func() float64 { // f = (x0−1)² + (x1+1)², at its minimum
		p.G[0] += 2 * (p.W[0] - 1)
		p.G[1] += 2 * (p.W[1] + 1)
		return float64((p.W[0]-1)*(p.W[0]-1) + (p.W[1]+1)*(p.W[1]+1))
	}
	if _, err := o.StepWith(loss); !errors.Is(err, ErrNoProgress) {
		t.Errorf("at the minimum: %v, want ErrNoProgress", err)
	}
	if p.W[0] != 1 || p.W[1] != -1 {
		t.Errorf("weights moved to %v", p.W)
	}
}

func TestLBFGSRefusesWhatItCannotRun(t *testing.T) {
	p := nn.NewParam("x", 2)
	g, _ := Spec{Rule: "lbfgs", LR: 1, WeightDecay: 0.1}.NewGroup("all")
	o := New(g.AddParams(p))
	if _, err := o.StepWith(func() float64 { return 0 }); err == nil {
		t.Error("weight decay: no error")
	}
	tb := nn.NewTable("t", 3, 2, false)
	g2, _ := Spec{Rule: "lbfgs", LR: 1}.NewGroup("all")
	o2 := New(g2.AddTable(tb, TableReg{}))
	if _, err := o2.StepWith(func() float64 { return 0 }); err == nil {
		t.Error("a table: no error")
	}
	p3 := nn.NewParam("y", 2)
	g3, _ := Spec{Rule: "lbfgs", LR: 1}.NewGroup("all")
	o3 := New(g3.AddParams(p3))
	expectPanic(t, "StepWith", o3.Step)
}

// With an elementwise rule StepWith is the loss function, then Step.
func TestStepWithIsStepForElementwiseRules(t *testing.T) {
	a, b := nn.NewParam("w", 3), nn.NewParam("w", 3)
	copy(a.W, []float32{1, 2, 3})
	copy(b.W, a.W)
	oa := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.1).AddParams(a))
	ob := New(NewGroup("g", Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, 0.1).AddParams(b))
	for range 3 {
		for i := range a.G {
			a.G[i] = a.W[i] * 2
		}
		oa.Step()
		l, err := ob.StepWith(func() float64 {
			for i := range b.G {
				b.G[i] += b.W[i] * 2
			}
			return 1
		})
		if err != nil || l != 1 {
			t.Fatalf("StepWith: %v, %v", l, err)
		}
	}
	if !equal32(a.W, b.W) {
		t.Errorf("Step %v, StepWith %v", a.W, b.W)
	}
	if ob.FullBatch() {
		t.Error("Adam is full-batch")
	}
}
