package nn

import (
	"fmt"
	"math/rand/v2"
)

// Table is an embedding table stored as one flat float32 slice. Each row
// holds Dim weights followed by the optimizer's per-row state, so that a
// sparse update touches one contiguous stretch of memory per row.
//
// Gradients are sparse: lookups accumulate into one gradient row per unique
// table row touched in the batch, in first-touch order. Clearing them costs
// time proportional to the rows touched, never to the table's size.
type Table struct {
	// Name identifies the table in artifacts and optimizer groups.
	Name string
	// Rows and Dim are the number of embedding rows and their width.
	Rows, Dim int
	// Stride is the distance in floats between consecutive rows: Dim plus
	// the optimizer state reserved with ReserveState.
	Stride int
	// Data holds Rows×Stride floats.
	Data []float32
	// Padding marks row 0 as the padding row: it stays zero, lookups of
	// id 0 are masked, and it never receives a gradient.
	Padding bool

	gradRows []int32
	grad     []float32
	slot     []int32 // slot[r] = 1 + index of row r in gradRows, 0 if untouched
}

// NewTable returns a zeroed table of rows×dim. With padding, row 0 is the
// padding row.
func NewTable(name string, rows, dim int, padding bool) *Table {
	if rows < 1 || dim < 1 {
		panic(fmt.Sprintf("nn: table %q: rows and dim must be positive, got %d×%d", name, rows, dim))
	}
	return &Table{
		Name: name, Rows: rows, Dim: dim, Stride: dim, Padding: padding,
		Data: make([]float32, rows*dim),
		slot: make([]int32, rows),
	}
}

// NewTableView returns a table of rows×dim with no weights of its own
// (Data is nil): a model replica's view of another table, whose Data and
// Stride the trainer points it at before every use. It keeps its own
// gradient rows. A table can be most of a model's memory, which a replica
// would otherwise allocate and initialize only to drop.
func NewTableView(name string, rows, dim int, padding bool) *Table {
	if rows < 1 || dim < 1 {
		panic(fmt.Sprintf("nn: table %q: rows and dim must be positive, got %d×%d", name, rows, dim))
	}
	return &Table{Name: name, Rows: rows, Dim: dim, Stride: dim, Padding: padding, slot: make([]int32, rows)}
}

// InitNormal fills every row but the padding row from N(0, std²). On a
// view (NewTableView) it draws nothing: there are no weights to fill.
func (t *Table) InitNormal(std float64, rng *rand.Rand) {
	if t.Data == nil {
		return
	}
	for r := 0; r < t.Rows; r++ {
		if t.Padding && r == 0 {
			continue
		}
		InitNormal(t.Row(int32(r)), std, rng)
	}
}

// InitUniform fills every row but the padding row from U[-a, a). On a
// view it draws nothing.
func (t *Table) InitUniform(a float64, rng *rand.Rand) {
	if t.Data == nil {
		return
	}
	for r := 0; r < t.Rows; r++ {
		if t.Padding && r == 0 {
			continue
		}
		InitUniform(t.Row(int32(r)), a, rng)
	}
}

// Row returns the weights of row r.
func (t *Table) Row(r int32) []float32 {
	o := int(r) * t.Stride
	return t.Data[o : o+t.Dim : o+t.Dim]
}

// State returns the optimizer state stored after row r's weights.
func (t *Table) State(r int32) []float32 {
	o := int(r) * t.Stride
	return t.Data[o+t.Dim : o+t.Stride : o+t.Stride]
}

// StateSize is the number of optimizer-state floats each row carries.
func (t *Table) StateSize() int { return t.Stride - t.Dim }

// ReserveState re-lays the table so that each row carries n floats of
// optimizer state after its weights. Weights are kept; the state starts at
// zero. Calling it with the current size only zeroes the state.
func (t *Table) ReserveState(n int) {
	stride := t.Dim + n
	data := make([]float32, t.Rows*stride)
	for r := 0; r < t.Rows; r++ {
		copy(data[r*stride:r*stride+t.Dim], t.Row(int32(r)))
	}
	t.Data, t.Stride = data, stride
}

// GradRow returns the gradient accumulator of row r for this batch, adding a
// zeroed one the first time r is touched. It returns nil for the padding row,
// whose gradient is always discarded.
func (t *Table) GradRow(r int32) []float32 {
	s := t.gradSlot(r)
	if s < 0 {
		return nil
	}
	o := int(s) * t.Dim
	return t.grad[o : o+t.Dim : o+t.Dim]
}

// gradSlot is GradRow as an index: the accumulator of row r is
// t.grad[s·Dim : (s+1)·Dim]; −1 for the padding row.
func (t *Table) gradSlot(r int32) int32 {
	if t.Padding && r == 0 {
		return -1
	}
	s := t.slot[r]
	if s == 0 {
		t.gradRows = append(t.gradRows, r)
		n := len(t.grad)
		if cap(t.grad) >= n+t.Dim {
			t.grad = t.grad[:n+t.Dim]
			clear(t.grad[n:])
		} else {
			t.grad = append(t.grad, make([]float32, t.Dim)...)
		}
		s = int32(len(t.gradRows))
		t.slot[r] = s
	}
	return s - 1
}

// touchSlots loads the gradient slots of ids ahead of GradRow and returns
// their sum, which the caller must keep so that the loads stay: the slot
// array is as long as the table, and these misses overlap where GradRow's,
// behind a branch on the loaded value, come one at a time.
func (t *Table) touchSlots(ids []int32) int32 {
	var s int32
	for _, r := range ids {
		if uint32(r) < uint32(len(t.slot)) {
			s += t.slot[r]
		}
	}
	return s
}

// TouchedRows returns the rows that received a gradient since the last
// ZeroGrad, in first-touch order. Grad(i) is the gradient of TouchedRows()[i].
func (t *Table) TouchedRows() []int32 { return t.gradRows }

// TouchedGrads returns the accumulated gradients of the touched rows, that
// of TouchedRows()[i] at [i·Dim, (i+1)·Dim).
func (t *Table) TouchedGrads() []float32 { return t.grad }

// Grad returns the accumulated gradient of the i-th touched row.
func (t *Table) Grad(i int) []float32 {
	return t.grad[i*t.Dim : (i+1)*t.Dim : (i+1)*t.Dim]
}

// ZeroGrad forgets the batch's sparse gradients in time proportional to the
// number of rows touched.
func (t *Table) ZeroGrad() {
	for _, r := range t.gradRows {
		t.slot[r] = 0
	}
	t.gradRows = t.gradRows[:0]
	t.grad = t.grad[:0]
}

// DenseGrad returns the sparse gradient scattered into a new Rows×Dim slice.
// It is meant for tests and diagnostics, not for training.
func (t *Table) DenseGrad() []float32 {
	g := make([]float32, t.Rows*t.Dim)
	for i, r := range t.gradRows {
		copy(g[int(r)*t.Dim:], t.Grad(i))
	}
	return g
}
