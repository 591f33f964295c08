package train

import (
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/model"
)

// Data is a view of some rows of an encoded dataset: a split's part, a
// fold, or the whole set when Rows is nil.
type Data struct {
	Set *dataset.Dataset
	// Rows lists the rows in view, or nil for all.
	Rows []int32
}

// Len returns the number of rows in view.
func (d Data) Len() int {
	if d.Set == nil {
		return 0
	}
	if d.Rows == nil {
		return d.Set.Rows
	}
	return len(d.Rows)
}

// Row returns the dataset row of the view's i-th row.
func (d Data) Row(i int) int { return d.row(i) }

// row returns the dataset row of the view's i-th row.
func (d Data) row(i int) int {
	if d.Rows == nil {
		return i
	}
	return int(d.Rows[i])
}

// Labels returns the labels of the rows in view, in order.
func (d Data) Labels() []float32 {
	out := make([]float32, d.Len())
	for i := range out {
		out[i] = d.Set.Label[d.row(i)]
	}
	return out
}

// Groups returns the group keys of the rows in view, in order.
func (d Data) Groups() []int64 {
	out := make([]int64, d.Len())
	for i := range out {
		out[i] = d.Set.Group[d.row(i)]
	}
	return out
}

// Source returns d as a training Source: every epoch holds the rows in
// view, gathered from the dataset.
func (d Data) Source() Source { return &dataSource{d: d} }

// dataSource is an encoded dataset view as a Source.
type dataSource struct {
	d Data
	g *batcher
}

func (s *dataSource) Epoch(int) (int, error) { return s.d.Len(), nil }

func (s *dataSource) Labels() []float32 { return s.d.Labels() }

func (s *dataSource) Batch(idx []int32) *model.Batch {
	if s.g == nil || cap(s.g.b.Label) < len(idx) {
		s.g = newBatcher(s.d.Set, len(idx))
	}
	rows := s.g.rows[:0]
	for _, i := range idx {
		rows = append(rows, int32(s.d.row(int(i))))
	}
	s.g.rows = rows
	return s.g.gather(rows)
}

// batcher gathers rows of a dataset into a model.Batch whose buffers it
// owns and reuses.
type batcher struct {
	set    *dataset.Dataset
	b      model.Batch
	values []float32 // b.Values' buffer, unused by data without numeric slots
	rows   []int32   // dataset rows of the batch, for a source's use
}

func newBatcher(set *dataset.Dataset, maxBatch int) *batcher {
	return &batcher{set: set, values: make([]float32, maxBatch*set.Slots), b: model.Batch{
		IDs: make([]int32, maxBatch*set.Slots),
		Seq: make([]int32, maxBatch*set.SeqLen), SeqLens: make([]int32, maxBatch*set.NumSeq),
		Label: make([]float32, maxBatch), Group: make([]int64, maxBatch),
	}, rows: make([]int32, 0, maxBatch)}
}

// gather fills the batch with the dataset rows given.
func (g *batcher) gather(rows []int32) *model.Batch {
	s, b := g.set, &g.b
	f, q, ns := s.Slots, s.SeqLen, s.NumSeq
	n := len(rows)
	b.N = n
	b.IDs, b.Values = b.IDs[:n*f], g.values[:n*f]
	if len(s.ValueSlots) == 0 {
		b.Values = nil // every value is 1 (model.Batch)
	}
	b.Seq, b.SeqLens = b.Seq[:n*q], b.SeqLens[:n*ns]
	b.Label, b.Group = b.Label[:n], b.Group[:n]
	for i, r := range rows {
		r := int(r)
		copy(b.IDs[i*f:(i+1)*f], s.IDs[r*f:(r+1)*f])
		if b.Values != nil {
			s.ValueRow(r, b.Values[i*f:(i+1)*f])
		}
		s.SeqRow(r, b.Seq[i*q:(i+1)*q])
		copy(b.SeqLens[i*ns:(i+1)*ns], s.SeqLens[r*ns:(r+1)*ns])
		b.Label[i] = s.Label[r]
		b.Group[i] = s.Group[r]
	}
	return b
}

// DetectTask returns Binary when every label is 0 or 1, else Regression.
func DetectTask(labels []float32) Task {
	for _, y := range labels {
		if y != 0 && y != 1 {
			return Regression
		}
	}
	return Binary
}
