package train

import (
	"context"
	"fmt"
	"slices"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
)

// Source supplies a model's training examples, epoch by epoch, for Fit.
// The trainer owns their order: it shuffles each epoch's examples with its
// seed and asks the source for batches of them, so that every model family
// is shuffled, batched, checkpointed and resumed the same way. An encoded
// dataset view (Data) is a source; so is an interaction log with negatives
// drawn afresh every epoch, or a model's own rows (AutoRec's rating
// vectors).
type Source interface {
	// Epoch prepares epoch e (counting from 1) and returns how many
	// examples it holds. A source that draws its examples anew every epoch
	// draws them here, as a function of e alone, so that a resumed run sees
	// the examples an uninterrupted one saw.
	Epoch(e int) (int, error)
	// Batch gathers examples idx (indices into the current epoch's
	// examples) into a batch that the source owns and reuses on the next
	// call.
	Batch(idx []int32) *model.Batch
}

// Labeled is implemented by sources whose labels are known before
// training, so that Fit can tell a binary task from a regression when
// Config.Task is empty.
type Labeled interface {
	Labels() []float32
}

// Evaluator scores a model on held-out examples: Fit's validation after
// every epoch, and the test evaluation of a protocol runner. Each reports
// through a metric.Report carrying its protocol: a holdout (Holdout),
// leave-one-out against sampled negatives, full ranking.
type Evaluator interface {
	Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error)
}

// Holdout evaluates a model on the rows of an encoded dataset view with
// the task's metrics (Metrics), under the holdout protocol.
type Holdout struct {
	Data Data
	// Batch is the scoring batch size; 0 means 1024.
	Batch int
	// Grouped adds gAUC (the rows' groups) to a binary task's metrics.
	Grouped bool
}

// NewHoldout returns the holdout evaluator of d's rows, or nil (no
// evaluation) when d has none.
func NewHoldout(d Data, batch int, grouped bool) Evaluator {
	if d.Len() == 0 {
		return nil
	}
	return Holdout{Data: d, Batch: batch, Grouped: grouped}
}

// Evaluate scores h's rows with m.
func (h Holdout) Evaluate(ctx context.Context, m model.Model, task Task) (*metric.Report, error) {
	return h.EvaluateWith(ctx, NewScorer(m, 1, nil), task)
}

// EvaluateWith scores h's rows with s's model, batches on s's threads.
func (h Holdout) EvaluateWith(ctx context.Context, s *Scorer, task Task) (*metric.Report, error) {
	batch := h.Batch
	if batch <= 0 {
		batch = 1024
	}
	rep, _, err := evaluate(ctx, s, h.Data, task, batch, h.Grouped, metric.ProtocolHoldout)
	return rep, err
}

// groupRows returns src as a source of groups: the rows of an epoch that
// share the id in one slot (a model.RowGrouper's examples), in ascending
// order of that id, each group's rows in the order of src. Batch gathers
// every row of the groups asked for, group after group.
func groupRows(src Source, slot int) Source { return &groupedSource{src: src, slot: slot} }

type groupedSource struct {
	src  Source
	slot int
	// start[g] is group g's first entry in rows, start[len] the end.
	start, rows []int32
	ids, idx    []int32 // each row's id; a batch's rows
}

func (s *groupedSource) Epoch(e int) (int, error) {
	n, err := s.src.Epoch(e)
	if err != nil {
		return 0, err
	}
	// Read every row's id in the slot, a batch at a time.
	s.ids = slices.Grow(s.ids[:0], n)[:n]
	ids := s.ids
	const chunk = 4096
	idx := make([]int32, 0, chunk)
	for lo := 0; lo < n; lo += chunk {
		idx = idx[:0]
		for i := lo; i < min(lo+chunk, n); i++ {
			idx = append(idx, int32(i))
		}
		b := s.src.Batch(idx)
		if b.N == 0 {
			continue
		}
		f := len(b.IDs) / b.N
		if s.slot < 0 || s.slot >= f {
			return 0, fmt.Errorf("rows grouped by slot %d of %d", s.slot, f)
		}
		for i := range b.N {
			ids[lo+i] = b.IDs[i*f+s.slot]
		}
	}
	// Bucket the rows by id, each group's rows in order, the groups in
	// ascending order of their ids.
	first := map[int32]int32{} // id → its group
	var keys []int32
	for _, id := range ids {
		if _, ok := first[id]; !ok {
			first[id] = 0
			keys = append(keys, id)
		}
	}
	slices.Sort(keys)
	s.start = s.start[:0]
	for g, id := range keys {
		first[id] = int32(g)
		s.start = append(s.start, 0)
	}
	for _, id := range ids {
		s.start[first[id]]++
	}
	at := int32(0)
	for g, c := range s.start {
		s.start[g] = at
		at += c
	}
	s.rows = slices.Grow(s.rows[:0], n)[:n]
	fill := slices.Clone(s.start)
	for r, id := range ids {
		g := first[id]
		s.rows[fill[g]] = int32(r)
		fill[g]++
	}
	groups := len(s.start)
	s.start = append(s.start, int32(n))
	return groups, nil
}

func (s *groupedSource) Batch(groups []int32) *model.Batch {
	s.idx = s.idx[:0]
	for _, g := range groups {
		s.idx = append(s.idx, s.rows[s.start[g]:s.start[g+1]]...)
	}
	return s.src.Batch(s.idx)
}
