package nn

import (
	"fmt"

	"github.com/recforge/recforge/blas"
)

// FieldEmbedding looks up one table row per field: the input of every
// field-based CTR model (FM, DeepFM, PNN, NFM, AFM, ...). Several lookup
// layers may share one Table; all their gradients accumulate into its sparse
// row gradients.
type FieldEmbedding struct {
	// Table holds the rows; ids are global row ids into it.
	Table *Table
	// Fields is the number of ids per example.
	Fields int

	maxBatch int
	n        int
	ids      []int32   // the last Forward's ids, not copied
	values   []float32 // the last Forward's values (nil: all 1), not copied
	y        []float32
	dvalues  []float32
	slots    []int32 // Backward: each lookup's gradient slot in the table (−1: padding)
	sink     float32 // keeps the loads of the look-ahead (touchBlock)
}

// lookBlock is how many lookups the look-ahead loads before their scaled
// copy or gradient slot. Rows of a large table miss the caches one by one:
// loaded back to back, independent as they are, the misses overlap, where
// the loop's work per row leaves only a few in flight.
const lookBlock = 16

// NewFieldEmbedding returns a lookup of fields rows per example over table,
// for batches of up to maxBatch examples.
func NewFieldEmbedding(table *Table, fields, maxBatch int) *FieldEmbedding {
	if fields < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: FieldEmbedding over %q: fields and maxBatch must be positive, got %d and %d", table.Name, fields, maxBatch))
	}
	return &FieldEmbedding{
		Table: table, Fields: fields, maxBatch: maxBatch,
		y:       make([]float32, maxBatch*fields*table.Dim),
		dvalues: make([]float32, maxBatch*fields),
		slots:   make([]int32, maxBatch*fields),
	}
}

// Forward returns the n×Fields×Dim embeddings of the n×Fields ids. When
// values is not nil (n×Fields), each embedding is scaled by its value, as
// numeric fields are. A padding id (0 in a table with Padding) embeds to
// zero whatever row 0 holds. ids and values must stay unchanged until
// Backward. Forward panics on an id outside [0, Rows).
func (e *FieldEmbedding) Forward(ids []int32, values []float32, n int) []float32 {
	if n < 0 || n > e.maxBatch {
		panic(fmt.Sprintf("nn: FieldEmbedding over %q: batch %d outside [0, %d]", e.Table.Name, n, e.maxBatch))
	}
	m := n * e.Fields
	if len(ids) < m || (values != nil && len(values) < m) {
		panic(fmt.Sprintf("nn: FieldEmbedding over %q: %d ids and %d values for %d×%d fields", e.Table.Name, len(ids), len(values), n, e.Fields))
	}
	t := e.Table
	dim, stride, data := t.Dim, t.Stride, t.Data
	rows, pad := uint32(t.Rows), t.Padding
	ids = ids[:m]
	e.n, e.ids = n, ids
	e.values = nil
	if values != nil {
		e.values = values[:m]
	}
	y := e.y[:m*dim]
	if values == nil && dim > 1 {
		// Plain lookups: the rows move in one blas call, whose loop keeps
		// many rows' cache misses in flight. Rows of one float (first-order
		// weights) move faster in the loop below.
		padded := false
		for k, id := range ids {
			if uint32(id) >= rows {
				panic(badID("FieldEmbedding", t, k, id))
			}
			padded = padded || (id == 0 && pad)
		}
		blas.GatherRows(y, data, stride, ids, dim)
		if padded {
			for k, id := range ids {
				if id == 0 {
					clear(y[k*dim : (k+1)*dim])
				}
			}
		}
		return y
	}
	var sink float32
	for k, id := range ids {
		if k%lookBlock == 0 {
			for _, a := range ids[k:min(k+lookBlock, m)] {
				if uint32(a) < rows {
					o := int(a) * stride
					sink += data[o] + data[o+dim-1]
				}
			}
		}
		if uint32(id) >= rows {
			panic(badID("FieldEmbedding", t, k, id))
		}
		out := y[k*dim : k*dim+dim : k*dim+dim]
		if id == 0 && pad {
			clear(out)
			continue
		}
		o := int(id) * stride
		if values == nil { // dim 1
			out[0] = data[o]
			continue
		}
		v := values[k]
		for d, w := range data[o : o+dim : o+dim] {
			out[d] = v * w
		}
	}
	e.sink += sink
	return y
}

// Backward accumulates dL/d(row) from dy (n×Fields×Dim) into the table's
// sparse row gradients. When Forward was given values it returns dL/dvalues
// (n×Fields), otherwise nil. Padding ids get no gradient.
func (e *FieldEmbedding) Backward(dy []float32) []float32 {
	t := e.Table
	dim := t.Dim
	dy = dy[:len(e.ids)*dim]
	if e.values == nil {
		// The rows' gradient slots first (first touches append to the
		// table's accumulators), then one blas call adds dy's rows to them
		// in order, as a loop over the lookups would; rows of one float
		// are added here.
		slots := e.slots[:len(e.ids)]
		var sink int32
		for k, id := range e.ids {
			if k%lookBlock == 0 {
				sink += t.touchSlots(e.ids[k:min(k+lookBlock, len(e.ids))])
			}
			s := t.gradSlot(id)
			if dim == 1 && s >= 0 {
				t.grad[s] += dy[k]
			}
			slots[k] = s
		}
		e.sink += float32(sink)
		if dim > 1 {
			blas.ScatterAddRows(t.grad, dim, slots, dy, dim)
		}
		return nil
	}
	dvalues := e.dvalues[:len(e.ids)]
	for k, id := range e.ids {
		g := t.GradRow(id)
		if g == nil {
			dvalues[k] = 0
			continue
		}
		row := t.Row(id)
		v := e.values[k]
		var dot float32
		for d, gy := range dy[k*dim : k*dim+dim : k*dim+dim] {
			g[d] += v * gy
			dot += gy * row[d]
		}
		dvalues[k] = dot
	}
	return dvalues
}

// SequenceEmbedding looks up a fixed-length sequence of rows per example
// (a behaviour history), padded with id 0. Its table must have Padding:
// padded positions embed to exactly zero, are masked, and get no gradient.
type SequenceEmbedding struct {
	// Table holds the rows; it is usually shared with the candidate's
	// FieldEmbedding.
	Table *Table
	// Len is the padded sequence length L.
	Len int

	maxBatch int
	n        int
	ids      []int32 // the last Forward's ids, not copied
	y        []float32
	mask     []float32
	lengths  []int32
}

// NewSequenceEmbedding returns a lookup of seqLen rows per example over
// table, which must have a padding row, for batches of up to maxBatch
// examples.
func NewSequenceEmbedding(table *Table, seqLen, maxBatch int) *SequenceEmbedding {
	if !table.Padding {
		panic(fmt.Sprintf("nn: SequenceEmbedding over %q: the table needs a padding row (Padding) for id 0", table.Name))
	}
	if seqLen < 1 || maxBatch < 1 {
		panic(fmt.Sprintf("nn: SequenceEmbedding over %q: seqLen and maxBatch must be positive, got %d and %d", table.Name, seqLen, maxBatch))
	}
	return &SequenceEmbedding{
		Table: table, Len: seqLen, maxBatch: maxBatch,
		y:       make([]float32, maxBatch*seqLen*table.Dim),
		mask:    make([]float32, maxBatch*seqLen),
		lengths: make([]int32, maxBatch),
	}
}

// Forward returns, for the n×Len ids, the n×Len×Dim embeddings, the n×Len
// mask (1 where the id is not 0, else 0) and the n lengths, each the number
// of non-padding ids of its row. Recurrent layers read lengths as "the first
// lengths[i] positions are real", so sequences should be left-aligned
// (padding at the end); the mask is exact whatever the layout. ids must stay
// unchanged until Backward. Forward panics on an id outside [0, Rows).
func (e *SequenceEmbedding) Forward(ids []int32, n int) (emb, mask []float32, lengths []int32) {
	if n < 0 || n > e.maxBatch {
		panic(fmt.Sprintf("nn: SequenceEmbedding over %q: batch %d outside [0, %d]", e.Table.Name, n, e.maxBatch))
	}
	L := e.Len
	if len(ids) < n*L {
		panic(fmt.Sprintf("nn: SequenceEmbedding over %q: %d ids for %d×%d positions", e.Table.Name, len(ids), n, L))
	}
	t := e.Table
	dim, stride, data, rows := t.Dim, t.Stride, t.Data, uint32(t.Rows)
	e.n, e.ids = n, ids[:n*L]
	y, mask, lengths := e.y[:n*L*dim], e.mask[:n*L], e.lengths[:n]
	for i := range lengths {
		var count int32
		for p, id := range e.ids[i*L : i*L+L] {
			k := i*L + p
			if uint32(id) >= rows {
				panic(badID("SequenceEmbedding", t, k, id))
			}
			out := y[k*dim : k*dim+dim : k*dim+dim]
			if id == 0 {
				clear(out)
				mask[k] = 0
				continue
			}
			o := int(id) * stride
			copy(out, data[o:o+dim:o+dim])
			mask[k] = 1
			count++
		}
		lengths[i] = count
	}
	return y, mask, lengths
}

// Backward accumulates dL/d(row) from dy (n×Len×Dim) into the table's
// sparse row gradients, skipping padded positions.
func (e *SequenceEmbedding) Backward(dy []float32) {
	t := e.Table
	dim := t.Dim
	dy = dy[:len(e.ids)*dim]
	for k, id := range e.ids {
		g := t.GradRow(id)
		if g == nil {
			continue
		}
		for d, v := range dy[k*dim : k*dim+dim : k*dim+dim] {
			g[d] += v
		}
	}
}

// badID builds the panic message for an id outside the table, kept out of
// the lookup loops so that they stay small.
func badID(layer string, t *Table, pos int, id int32) string {
	return fmt.Sprintf("nn: %s over %q: id %d at position %d outside [0, %d)", layer, t.Name, id, pos, t.Rows)
}
