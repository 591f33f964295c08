package nn

import "fmt"

// Pooling says how a BagEmbedding combines the rows of one bag.
type Pooling int

// The poolings of a multi-hot field.
const (
	// PoolSum adds the rows.
	PoolSum Pooling = iota
	// PoolMean averages the rows, counting only non-padding ids.
	PoolMean
)

// String names the pooling as configuration files spell it.
func (p Pooling) String() string {
	switch p {
	case PoolSum:
		return "sum"
	case PoolMean:
		return "mean"
	}
	return fmt.Sprintf("Pooling(%d)", int(p))
}

// BagEmbedding pools a variable number of table rows per example, for
// multi-hot fields (tags, categories). Bags come in CSR form: example i's
// ids are ids[offsets[i]:offsets[i+1]]. Padding ids (0 in a table with
// Padding) contribute nothing and are not counted by PoolMean; an empty bag
// pools to zeros.
type BagEmbedding struct {
	// Table holds the rows; ids are global row ids into it.
	Table *Table
	// Mode is the pooling.
	Mode Pooling

	maxBatch int
	n        int
	ids      []int32 // the last Forward's ids, not copied
	offsets  []int32 // the last Forward's offsets, not copied
	scale    []float32
	y        []float32
}

// NewBagEmbedding returns a pooled lookup over table for batches of up to
// maxBatch bags.
func NewBagEmbedding(table *Table, mode Pooling, maxBatch int) *BagEmbedding {
	if mode != PoolSum && mode != PoolMean {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: unknown pooling %v", table.Name, mode))
	}
	if maxBatch < 1 {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: maxBatch must be positive, got %d", table.Name, maxBatch))
	}
	return &BagEmbedding{
		Table: table, Mode: mode, maxBatch: maxBatch,
		scale: make([]float32, maxBatch),
		y:     make([]float32, maxBatch*table.Dim),
	}
}

// Forward returns the n×Dim pooled embeddings of the n bags described by
// ids and offsets (length n+1, non-decreasing, within ids). ids and offsets
// must stay unchanged until Backward. Forward panics on malformed offsets
// and on an id outside [0, Rows).
func (e *BagEmbedding) Forward(ids, offsets []int32, n int) []float32 {
	t := e.Table
	if n < 0 || n > e.maxBatch {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: batch %d outside [0, %d]", t.Name, n, e.maxBatch))
	}
	if e.Mode != PoolSum && e.Mode != PoolMean {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: unknown pooling %v", t.Name, e.Mode))
	}
	if len(offsets) < n+1 {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: %d offsets for %d bags, need n+1", t.Name, len(offsets), n))
	}
	offsets = offsets[:n+1]
	if offsets[0] < 0 || int(offsets[n]) > len(ids) {
		panic(fmt.Sprintf("nn: BagEmbedding over %q: offsets span [%d, %d), ids has %d", t.Name, offsets[0], offsets[n], len(ids)))
	}
	dim, stride, data := t.Dim, t.Stride, t.Data
	rows, pad := uint32(t.Rows), t.Padding
	e.n, e.ids, e.offsets = n, ids, offsets
	y, scale := e.y[:n*dim], e.scale[:n]
	for i := 0; i < n; i++ {
		lo, hi := offsets[i], offsets[i+1]
		if hi < lo {
			panic(fmt.Sprintf("nn: BagEmbedding over %q: offsets[%d] = %d > offsets[%d] = %d", t.Name, i, lo, i+1, hi))
		}
		out := y[i*dim : i*dim+dim : i*dim+dim]
		clear(out)
		var count int
		for k := lo; k < hi; k++ {
			id := ids[k]
			if uint32(id) >= rows {
				panic(badID("BagEmbedding", t, int(k), id))
			}
			if id == 0 && pad {
				continue
			}
			o := int(id) * stride
			for d, w := range data[o : o+dim : o+dim] {
				out[d] += w
			}
			count++
		}
		s := float32(1)
		if e.Mode == PoolMean {
			s = 0
			if count > 0 {
				s = 1 / float32(count)
				for d := range out {
					out[d] *= s
				}
			}
		}
		scale[i] = s
	}
	return y
}

// Backward accumulates dL/d(row) from dy (n×Dim) into the table's sparse
// row gradients: each row of a bag gets its bag's gradient, divided by the
// bag's count under PoolMean. Padding ids get no gradient.
func (e *BagEmbedding) Backward(dy []float32) {
	t := e.Table
	dim := t.Dim
	for i := 0; i < e.n; i++ {
		s := e.scale[i]
		gy := dy[i*dim : i*dim+dim : i*dim+dim]
		for _, id := range e.ids[e.offsets[i]:e.offsets[i+1]] {
			g := t.GradRow(id)
			if g == nil {
				continue
			}
			for d, v := range gy {
				g[d] += s * v
			}
		}
	}
}
