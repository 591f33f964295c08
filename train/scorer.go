package train

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/recforge/recforge/internal/parallel"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
)

// Scorer scores with a model on up to Threads goroutines at once: every
// scoring path (Fit's validation, a protocol's test evaluation, scoring
// with an artifact) goes through one. The work is split into whole
// batches, or whole users for the ranking protocols, cut exactly as one
// thread cuts them; each goroutine scores its share with a model of its
// own, the model itself or a replica (built by the ReplicaFunc, the first
// time a call needs it) that reads the model's weights and holds a copy
// of its buffers, in inference mode. Every output is then the one the
// model alone gives, bit for bit, whatever the thread count. A Scorer
// runs one call at a time.
type Scorer struct {
	// OnProgress, when set, is told how many of a Predict call's total
	// rows are scored, after each batch of the caller's goroutine (one
	// call at a time, never concurrently).
	OnProgress func(scored, total int)

	m       model.Model
	threads int
	replica ReplicaFunc
	set     *shardSet // the model and its replicas; nil until built
	batch   int       // the rows a replica of set scores at once
}

// NewScorer returns the scorer of m on up to threads goroutines, with
// replicas built by replica; without one (nil) it scores on one.
func NewScorer(m model.Model, threads int, replica ReplicaFunc) *Scorer {
	return &Scorer{m: m, threads: max(threads, 1), replica: replica}
}

// Model returns the model the scorer scores with.
func (s *Scorer) Model() model.Model { return s.m }

// Threads reports how many goroutines score at once: 1 without a replica
// builder.
func (s *Scorer) Threads() int {
	if s.replica == nil {
		return 1
	}
	return s.threads
}

// models puts the model in inference mode and returns the models that
// score items pieces of work of up to batch rows at once (see replicas).
func (s *Scorer) models(batch, items int) ([]model.Model, error) {
	s.m.SetTraining(false)
	return s.replicas(batch, items)
}

// replicas returns the models that score items pieces of work of up to
// batch rows at once, one per goroutine and no more than there are items:
// the model first, then replicas in inference mode reading its current
// weights and holding copies of its buffers. The replicas are built on
// the first call that needs them, and again when a call's batch exceeds
// theirs.
func (s *Scorer) replicas(batch, items int) ([]model.Model, error) {
	t := min(s.Threads(), items)
	if t <= 1 {
		return []model.Model{s.m}, nil
	}
	if s.set == nil || s.batch < batch {
		s.set = nil // the old replicas, garbage before the new are built
		set, err := newShardSet(s.m, s.threads, s.threads, batch, s.replica, "scoring replica")
		if err != nil {
			return nil, err
		}
		s.set, s.batch = set, batch
	}
	s.set.infer()
	ms := make([]model.Model, t)
	for i := range ms {
		ms[i] = s.set.reps[i].m
	}
	return ms, nil
}

// Predict returns the score of every row in view, in order, as Predict
// does with the scorer's model, the batches scored on the scorer's
// threads. Cancelling ctx stops it with an error wrapping ctx's.
func (s *Scorer) Predict(ctx context.Context, d Data, task Task, batch int) ([]float32, error) {
	if batch < 1 {
		return nil, fmt.Errorf("train: scoring batch %d, want ≥ 1", batch)
	}
	n := d.Len()
	out := make([]float32, n)
	batches := (n + batch - 1) / batch
	ms, err := s.models(min(batch, n), batches)
	if err != nil || n == 0 {
		return out, err
	}
	// Each goroutine gathers its batches into buffers of its own.
	gs := make([]*batcher, len(ms))
	var scored atomic.Int64
	err = parallel.Do(len(ms), batches, func(w, k int) error {
		start := k * batch
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("train: scoring: stopped after %d of %d rows: %w", start, n, err)
		}
		g := gs[w]
		if g == nil {
			g = newBatcher(d.Set, min(batch, n))
			gs[w] = g
		}
		end := min(start+batch, n)
		rows := g.rows[:0]
		for i := start; i < end; i++ {
			rows = append(rows, int32(d.row(i)))
		}
		g.rows = rows
		y := ms[w].Forward(g.gather(rows))
		for i, v := range y {
			out[start+i] = task.Score(v)
		}
		if done := scored.Add(int64(end - start)); w == 0 && s.OnProgress != nil {
			s.OnProgress(int(done), n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BatchFunc scores the rows of every batch of bs into out (out[i] holds
// at least bs[i].N scores), the batches on a Scorer's threads, each by one
// model. Cancelling ctx stops it with an error wrapping ctx's.
type BatchFunc func(ctx context.Context, bs []*model.Batch, out [][]float32) error

// Batches returns the BatchFunc of the scorer's model for task, for
// batches of up to maxBatch rows, and puts the model in inference mode.
// Its calls score a stream of batches, a few at a time, as the model alone
// would score them one after the other: the replicas are readied once, by
// the first call that scores several batches, and the models keep their
// state across calls (AutoRec reuses its reconstructions), so the model's
// weights and buffers must not change during the stream.
func (s *Scorer) Batches(task Task, maxBatch int) BatchFunc {
	s.m.SetTraining(false)
	var ms []model.Model
	return func(ctx context.Context, bs []*model.Batch, out [][]float32) error {
		if len(out) < len(bs) {
			return fmt.Errorf("train: %d batches to score into %d outputs", len(bs), len(out))
		}
		for i, b := range bs {
			if b.N > maxBatch || len(out[i]) < b.N {
				return fmt.Errorf("train: batch %d holds %d rows, its output %d, the most %d", i, b.N, len(out[i]), maxBatch)
			}
		}
		if ms == nil {
			ms = []model.Model{s.m}
		}
		if len(bs) > 1 && len(ms) < s.Threads() {
			var err error
			if ms, err = s.replicas(maxBatch, s.Threads()); err != nil {
				return err
			}
		}
		return parallel.Do(min(len(ms), len(bs)), len(bs), func(w, i int) error {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("train: scoring: stopped after %d of %d batches: %w", i, len(bs), err)
			}
			for j, z := range ms[w].Forward(bs[i]) {
				out[i][j] = task.Score(z)
			}
			return nil
		})
	}
}

// ParallelEvaluator is an Evaluator that can score through a Scorer, on
// its threads: the holdout and the ranking protocols. EvaluateWith
// reports what Evaluate reports for the scorer's model, bit for bit.
type ParallelEvaluator interface {
	Evaluator
	EvaluateWith(ctx context.Context, s *Scorer, task Task) (*metric.Report, error)
}

// Evaluate evaluates the scorer's model with e: on the scorer's threads
// when e is a ParallelEvaluator, else by e.Evaluate on the model alone.
func (s *Scorer) Evaluate(ctx context.Context, e Evaluator, task Task) (*metric.Report, error) {
	if pe, ok := e.(ParallelEvaluator); ok {
		return pe.EvaluateWith(ctx, s, task)
	}
	return e.Evaluate(ctx, s.m, task)
}
