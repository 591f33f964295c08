package optim

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/nn"
)

// Group is a set of dense parameters and embedding tables trained with one
// rule, one learning rate and one regularization. Build it with NewGroup,
// add its weights, then hand it to New.
type Group struct {
	// L2 is λ of the penalty (λ/2)‖w‖² on the group's dense parameters,
	// added to their gradients (0: none). Tables are regularized by their
	// TableReg instead.
	L2 float32
	// DecoupledDecay applies L2 as decoupled weight decay (Loshchilov &
	// Hutter, "AdamW"): w ← w·(1 − lr·L2) before the rule's update, instead
	// of adding L2·w to the gradient, so that Adam's scaling does not weaken
	// it. FTRL rejects it: its weights are a closed form of z and n.
	DecoupledDecay bool
	// Schedule scales the learning rate with the step (nil: constant).
	Schedule Schedule

	name   string
	rule   Rule
	lr     float32
	slots  int
	steps  int64
	params []denseEntry
	tables []tableEntry
	owned  bool    // handed to an Optimizer: its weights are fixed
	ctx    stepCtx // lives here: passed through the Rule interface, a local would escape
}

// denseEntry is a dense parameter and its optimizer state.
type denseEntry struct {
	p *nn.Param
	s []float32
}

// tableEntry is a table and its regularization.
type tableEntry struct {
	t   *nn.Table
	reg TableReg
}

// NewGroup returns an empty group that trains with rule at learning rate lr.
// It panics on hyper-parameters the rule cannot run with.
func NewGroup(name string, rule Rule, lr float32) *Group {
	if rule == nil {
		panic(fmt.Sprintf("optim: group %q: nil rule", name))
	}
	g := &Group{name: name, rule: rule, slots: len(rule.Slots())}
	g.SetLR(lr)
	return g
}

// Name returns the group's name.
func (g *Group) Name() string { return g.name }

// Rule returns the group's update rule.
func (g *Group) Rule() Rule { return g.rule }

// AddParams adds dense parameters to the group with fresh optimizer state.
// It returns g so that groups can be built in one expression.
func (g *Group) AddParams(ps ...*nn.Param) *Group {
	g.mustBeOpen()
	for _, p := range ps {
		if len(p.G) != len(p.W) {
			panic(fmt.Sprintf("optim: group %q: param %q has %d weights but %d gradients", g.name, p.Name, len(p.W), len(p.G)))
		}
		for _, d := range g.params {
			if d.p == p || d.p.Name == p.Name {
				panic(fmt.Sprintf("optim: group %q: param %q added twice (names must be unique: they name the state)", g.name, p.Name))
			}
		}
		s := make([]float32, g.slots*len(p.W))
		g.rule.initState(s)
		g.params = append(g.params, denseEntry{p, s})
	}
	return g
}

// AddTable adds an embedding table with its regularization. It reserves the
// rule's state in every row (Table.ReserveState), which re-lays the table,
// and initializes it: load checkpointed table data only after this.
func (g *Group) AddTable(t *nn.Table, reg TableReg) *Group {
	g.mustBeOpen()
	for _, e := range g.tables {
		if e.t == t {
			panic(fmt.Sprintf("optim: group %q: table %q added twice", g.name, t.Name))
		}
	}
	if err := reg.check(t.Rows); err != nil {
		panic(fmt.Sprintf("optim: group %q: table %q: %v", g.name, t.Name, err))
	}
	t.ReserveState(g.slots * t.Dim)
	if g.slots > 0 {
		for r := 0; r < t.Rows; r++ {
			g.rule.initState(t.State(int32(r)))
		}
	}
	g.tables = append(g.tables, tableEntry{t, reg})
	return g
}

func (g *Group) mustBeOpen() {
	if g.owned {
		panic(fmt.Sprintf("optim: group %q already belongs to an optimizer: add weights before New", g.name))
	}
}

// LR returns the base learning rate, before the schedule.
func (g *Group) LR() float32 { return g.lr }

// SetLR sets the base learning rate, e.g. to reduce it when the validation
// loss plateaus. It panics on a negative or non-finite rate.
func (g *Group) SetLR(lr float32) {
	if !(lr >= 0) || math.IsInf(float64(lr), 1) {
		panic(fmt.Sprintf("optim: group %q: learning rate %v, want finite and ≥ 0", g.name, lr))
	}
	if err := g.rule.check(lr); err != nil {
		panic(fmt.Sprintf("optim: group %q: %v", g.name, err))
	}
	g.lr = lr
}

// CurrentLR returns the learning rate the next Step applies: the base rate
// scaled by the schedule at the group's step count.
func (g *Group) CurrentLR() float32 {
	if g.Schedule == nil {
		return g.lr
	}
	return float32(float64(g.lr) * g.Schedule.Factor(g.steps))
}

// Steps returns the number of steps the group has taken. Adam's bias
// correction and the schedule count from it.
func (g *Group) Steps() int64 { return g.steps }

// SetSteps sets the step count, to resume from a checkpoint.
func (g *Group) SetSteps(n int64) {
	if n < 0 {
		panic(fmt.Sprintf("optim: group %q: step count %d, want ≥ 0", g.name, n))
	}
	g.steps = n
}

// begin readies the step's scalars and checks the weights' layout.
func (g *Group) begin() {
	c := &g.ctx
	*c = stepCtx{lr: g.CurrentLR(), t: g.steps + 1}
	g.checkStep(c.lr)
	g.rule.prepare(c)
	for _, d := range g.params {
		if p := d.p; len(d.s) != g.slots*len(p.W) || len(p.G) != len(p.W) {
			panic(fmt.Sprintf("optim: group %q: param %q changed size since it was added", g.name, p.Name))
		}
	}
	for _, e := range g.tables {
		if t := e.t; t.Stride != t.Dim+g.slots*t.Dim {
			panic(fmt.Sprintf("optim: group %q: table %q has %d state floats per row, the rule needs %d: was its state re-reserved elsewhere?", g.name, t.Name, t.Stride-t.Dim, g.slots*t.Dim))
		}
	}
}

// finish clears the gradients the step consumed and counts the step.
func (g *Group) finish() {
	for _, e := range g.tables {
		e.t.ZeroGrad()
	}
	g.steps++
}

// pieceRows is how many touched rows of a table one piece of a step
// updates: enough that handing a piece to a thread costs nothing next to
// it, few enough that a large table's rows spread over the threads.
const pieceRows = 2048

// piece is an independent part of a group's step: one dense parameter, or
// a run of a table's touched rows. Every weight's update reads only its
// own gradient and state, so the pieces may run in any order, at once.
type piece struct {
	g      *Group
	scale  float32
	param  int // index in g.params, or −1
	table  int // index in g.tables when param < 0
	lo, hi int // the table's touched rows [lo, hi)
	sink   float32
}

// pieces appends the pieces of the group's step to dst, after begin.
func (g *Group) pieces(dst []piece, scale float32) []piece {
	for i := range g.params {
		dst = append(dst, piece{g: g, scale: scale, param: i})
	}
	for i, e := range g.tables {
		n := len(e.t.TouchedRows())
		for lo := 0; lo < n; lo += pieceRows {
			dst = append(dst, piece{g: g, scale: scale, param: -1, table: i, lo: lo, hi: min(lo+pieceRows, n)})
		}
	}
	return dst
}

// run applies the piece's updates and clears a dense parameter's
// gradient (table gradients are cleared by finish, all rows at once).
func (p *piece) run() {
	g, c := p.g, &p.g.ctx
	if p.param >= 0 {
		d := g.params[p.param]
		w := d.p
		lambda := g.L2
		if g.DecoupledDecay {
			lambda = 0
		}
		addDecay(w.G, w.W, p.scale, lambda)
		if g.DecoupledDecay && g.L2 != 0 {
			f := 1 - c.lr*g.L2
			for i := range w.W {
				w.W[i] *= f
			}
		}
		g.rule.update(w.W, w.G, d.s, c)
		w.ZeroGrad()
		return
	}
	e := &g.tables[p.table]
	t := e.t
	dim, stride := t.Dim, t.Stride
	rows := t.TouchedRows()
	if fast, ok := g.rule.(rowsRule); ok && p.scale == 1 && e.reg.Kind == RegNone {
		// Nothing to add to the gradients: the rule takes the rows at once.
		fast.updateRows(t.Data, stride, rows[p.lo:p.hi], t.TouchedGrads()[p.lo*dim:p.hi*dim], dim, c)
		return
	}
	for b0 := p.lo; b0 < p.hi; b0 += touchBlock {
		b1 := min(b0+touchBlock, p.hi)
		p.sink += touchRows(t.Data, rows[b0:b1], stride)
		for j := b0; j < b1; j++ {
			r := rows[j]
			o := int(r) * stride
			row := t.Data[o : o+stride : o+stride]
			gr := t.Grad(j)
			addDecay(gr, row[:dim], p.scale, e.reg.lambda(r))
			g.rule.update(row[:dim], gr, row[dim:], c)
		}
	}
}

// checkStep panics on settings changed since construction that the step
// cannot run with.
func (g *Group) checkStep(lr float32) {
	if err := g.rule.check(lr); err != nil {
		panic(fmt.Sprintf("optim: group %q at step %d: %v", g.name, g.steps+1, err))
	}
	if !(g.L2 >= 0) {
		panic(fmt.Sprintf("optim: group %q: L2 = %v, want ≥ 0", g.name, g.L2))
	}
	if g.DecoupledDecay {
		if _, ok := g.rule.(FTRL); ok {
			panic(fmt.Sprintf("optim: group %q: DecoupledDecay does not apply to FTRL, whose weights are a closed form; use FTRL.L2", g.name))
		}
	}
}

// zeroGrad clears the gradients of the group's weights.
func (g *Group) zeroGrad() {
	for _, d := range g.params {
		d.p.ZeroGrad()
	}
	for _, e := range g.tables {
		e.t.ZeroGrad()
	}
}

// touchBlock is how many table rows touchRows loads ahead of their update.
const touchBlock = 16

// touchRows loads every cache line of the given rows and returns a sum the
// caller must keep, so that the compiler keeps the loads. Once a table
// outgrows the caches, touched rows miss one by one; issued back to back,
// these independent loads miss in parallel, where the update loop alone would
// wait for each row's miss in turn (about 4× slower at 40k rows, see the
// SparseAdam benchmark).
func touchRows(data []float32, rows []int32, stride int) float32 {
	var s float32
	for _, r := range rows {
		o := int(r) * stride
		row := data[o : o+stride : o+stride]
		for i := 0; i < len(row); i += 16 { // 16 floats: one 64-byte line
			s += row[i]
		}
		s += row[len(row)-1]
	}
	return s
}
