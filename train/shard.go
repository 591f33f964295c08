package train

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/recforge/recforge/internal/parallel"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
)

// maxShards bounds Config.Shards: each shard holds a replica of the model.
const maxShards = 1024

var defaultThreads atomic.Int32

func init() { defaultThreads.Store(1) }

// SetThreads sets how many goroutines train the shards of a batch
// (Config.Shards > 1) and score validation batches when Options.Threads
// leaves it unset; the default is 1. Values below 1 are treated as 1.
// Results do not depend on it.
func SetThreads(n int) { defaultThreads.Store(int32(max(n, 1))) }

// Threads reports the thread count SetThreads set.
func Threads() int { return int(defaultThreads.Load()) }

// ReplicaFunc builds a fresh model of the same architecture and
// hyper-parameters as the one being trained, for batches of up to maxBatch
// rows: a replica that trains one shard of each batch. Its initial weights
// do not matter; the trainer points them at the model's.
type ReplicaFunc func(maxBatch int) (model.Model, error)

// shardSet is the data-parallel state of a Stepper: a replica per shard,
// replica 0 the model itself, each with its own activations and
// gradients, all reading the model's weights.
type shardSet struct {
	threads int
	reps    []*shardReplica
	params  []*nn.Param // the model's
	tables  []*nn.Table
	buffers []*nn.Param
	// objective: the model computes its own loss (model.Objective), each
	// replica on its shard. groupSlot: the slot whose id groups the rows
	// of a model.RowGrouper, −1 for none.
	objective bool
	groupSlot int
	// cuts bounds the shards of the current batch: shard i holds its rows
	// [cuts[i], cuts[i+1]). starts holds the batch's group starts.
	cuts, starts []int
}

// shardReplica is one shard's model and its share of the current batch.
type shardReplica struct {
	m       model.Model
	obj     model.Objective // m's own loss, when shardSet.objective
	params  []*nn.Param     // aligned with shardSet.params
	tables  []*nn.Table
	buffers []*nn.Param
	b       model.Batch // the shard's rows of the current batch
	loss    float64     // summed over the shard's rows
	aux     float64     // its part of the auxiliary loss (model.AuxLosser)
	ran     bool        // the shard had rows and its backward ran
}

// modelName names m in errors: its type's name in lower case ("dien").
func modelName(m model.Model) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.ToLower(t.Name())
}

// Shard splits every batch the stepper trains into shards of consecutive
// rows, trained by replicas (built by replica, for batches of up to
// ⌈maxBatch/shards⌉ rows) on up to threads goroutines at once. The loss is
// the batch's mean over all its rows; dense gradients are summed in shard
// order and the embedding rows' gradients merged row by row in shard order,
// so the weights after a step depend on the shard count but never on the
// thread count.
//
// A model that computes its own loss (model.Objective) computes it on each
// shard, and the shards' sums add up to the batch's. A model.RowGrouper's
// batch is cut on group boundaries, each shard a run of whole groups, as
// even in groups as the batch allows (maxBatch then bounds the groups, as
// for the model). Each shard's batch names the batch it was cut from
// (model.Batch.Whole), for a loss that couples the batch's rows. A
// model.ShardTrainer that says it cannot train on shards is refused.
func (s *Stepper) Shard(shards, threads int, replica ReplicaFunc) error {
	if shards <= 1 {
		s.par = nil
		return nil
	}
	name := modelName(s.m)
	if shards > maxShards {
		return fmt.Errorf("train: shards = %d, want at most %d", shards, maxShards)
	}
	if replica == nil {
		return fmt.Errorf("train: %d shards need a replica of the model (Options.Replica)", shards)
	}
	repBatch := max((len(s.grad)+shards-1)/shards, 1)
	p, err := newShardSet(s.m, shards, threads, repBatch, replica, "shard")
	if err != nil {
		return err
	}
	p.objective, p.groupSlot = s.objective != nil, -1
	if g, ok := s.m.(model.RowGrouper); ok {
		p.groupSlot = g.GroupSlot()
	}
	for i, r := range p.reps {
		if p.objective {
			if r.obj, _ = r.m.(model.Objective); r.obj == nil {
				return fmt.Errorf("train: replica of %s for shard %d computes no loss of its own (model.Objective), the model does", name, i)
			}
		}
		if g, ok := r.m.(model.RowGrouper); p.groupSlot >= 0 && (!ok || g.GroupSlot() != p.groupSlot) {
			return fmt.Errorf("train: replica of %s for shard %d does not group the rows by slot %d as the model does", name, i, p.groupSlot)
		}
		if st, ok := r.m.(model.ShardTrainer); ok {
			if err := st.TrainShard(i, shards); err != nil {
				return fmt.Errorf("train: %w", err)
			}
		}
	}
	s.par = p
	s.repBatch = repBatch
	return nil
}

// newShardSet returns m with n−1 replicas sharing its weights (replica 0
// is m itself), built by replica for batches of up to maxBatch rows on up
// to threads goroutines at once, and checked against m; role names a
// replica's use in errors ("shard", "scoring replica").
func newShardSet(m model.Model, n, threads, maxBatch int, replica ReplicaFunc, role string) (*shardSet, error) {
	p := &shardSet{threads: max(threads, 1), params: model.Params(m), tables: model.Tables(m), buffers: buffersOf(m)}
	// Replicas are built on the threads too: each allocates its own
	// activations and gradients (its tables are views when the builder
	// sets model.Env.Replica).
	p.reps = make([]*shardReplica, n)
	errs := make([]error, n)
	parallel.For(n, p.threads, func(i int) {
		r := m
		if i > 0 {
			var err error
			if r, err = replica(maxBatch); err != nil {
				errs[i] = fmt.Errorf("train: replica for %s %d: %w", role, i, err)
				return
			}
		}
		p.reps[i] = &shardReplica{m: r, params: model.Params(r), tables: model.Tables(r), buffers: buffersOf(r)}
	})
	for i, r := range p.reps {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if err := model.ShareWeights(r.m, m); err != nil {
			return nil, fmt.Errorf("train: replica of %s for %s %d: %w", modelName(m), role, i, err)
		}
	}
	return p, nil
}

// buffersOf returns m's model.Stateful buffers, or nil.
func buffersOf(m model.Model) []*nn.Param {
	if st, ok := m.(model.Stateful); ok {
		return st.Buffers()
	}
	return nil
}

// share points every replica's weights at the model's: Param.W and the
// tables' rows, whose slices an optimizer (Table.ReserveState), a
// checkpoint or a snapshot may have replaced since the last step.
func (p *shardSet) share() {
	for _, r := range p.reps[1:] {
		for i, q := range r.params {
			q.W = p.params[i].W
		}
		for i, t := range r.tables {
			t.Data, t.Stride = p.tables[i].Data, p.tables[i].Stride
		}
	}
}

// beginEpoch reseeds every replica but the model (shard 0, which the
// trainer reseeds with seed) with a stream of its own derived from seed
// and its shard, as the model is (model.Reseeder: dropout), or with both
// (model.ShardReseeder: draws that belong to the whole batch), puts it in
// training mode, and copies the model's buffers into it: statistics fitted
// before training (model.DataFitter) or restored from a checkpoint.
func (p *shardSet) beginEpoch(seed uint64) {
	for i, r := range p.reps[1:] {
		own := seed ^ uint64(i+1)*0xbf58476d1ce4e5b9
		if rs, ok := r.m.(model.ShardReseeder); ok {
			rs.ReseedShard(seed, own)
		} else if rs, ok := r.m.(model.Reseeder); ok {
			rs.Reseed(own)
		}
		r.m.SetTraining(true)
		p.copyBuffers(r)
	}
}

// infer readies every replica to score as the model does, in inference
// mode: the replicas read the model's weights and hold copies of its
// buffers (a BatchNorm's running statistics as training left them). The
// model's own mode is the caller's to set.
func (p *shardSet) infer() {
	p.share()
	for _, r := range p.reps[1:] {
		r.m.SetTraining(false)
		p.copyBuffers(r)
	}
}

// copyBuffers copies the model's buffers into replica r's.
func (p *shardSet) copyBuffers(r *shardReplica) {
	for j, b := range r.buffers {
		copy(b.W, p.buffers[j].W)
	}
}

// run trains every shard of b, cut as p.cut last cut it: forward, the
// loss with its gradient, backward, on up to p.threads goroutines, shard i
// always on replica i. The loss is the task's with the gradient of the
// batch's mean, or the model's own (model.Objective) with the gradient of
// its sum. dl (len b.N) receives the output gradients. It returns the loss
// summed over the batch, shard by shard in order.
func (p *shardSet) run(b *model.Batch, dl []float32, task Task) float64 {
	p.share()
	for i, r := range p.reps {
		p.slice(r, b, i)
	}
	work := func(i int) {
		r := p.reps[i]
		r.loss, r.aux, r.ran = 0, 0, false
		n := r.b.N
		if n == 0 {
			return
		}
		out := r.m.Forward(&r.b)
		if a, ok := r.m.(model.AuxLosser); ok {
			r.aux = a.AuxLoss()
		}
		d := dl[r.b.Offset : r.b.Offset+n]
		switch {
		case r.obj != nil:
			r.loss = r.obj.Loss(&r.b, out, d)
		case task == Binary:
			r.loss = nn.SigmoidLogLossPart(d, out, r.b.Label, nil, b.N)
		default:
			r.loss = nn.SquaredErrorPart(d, out, r.b.Label, nil, b.N)
		}
		if !math.IsNaN(r.loss) && !math.IsInf(r.loss, 0) {
			r.m.Backward(d)
			r.ran = true
		}
	}
	parallel.For(len(p.reps), p.threads, work)
	var sum float64
	for _, r := range p.reps {
		sum += r.loss
	}
	return sum
}

// auxLoss returns the auxiliary loss of the last run (model.AuxLosser):
// the shards' parts, each a share of the whole batch's, summed in shard
// order.
func (p *shardSet) auxLoss() float64 {
	var sum float64
	for _, r := range p.reps {
		sum += r.aux
	}
	return sum
}

// cut sets the bounds of the shards of b: runs of consecutive rows as even
// as b.N allows, or for a model.RowGrouper runs of whole groups (runs of
// rows with the same id in the group slot) as even in groups as their
// count allows. It reports a shard with more rows (groups) than a replica
// takes.
func (p *shardSet) cut(b *model.Batch, capacity int) error {
	shards := len(p.reps)
	p.cuts = p.cuts[:0]
	if p.groupSlot < 0 {
		if (b.N+shards-1)/shards > capacity {
			return fmt.Errorf("train: a batch of %d rows in %d shards exceeds the replicas' %d rows", b.N, shards, capacity)
		}
		for i := range shards + 1 {
			p.cuts = append(p.cuts, i*b.N/shards)
		}
		return nil
	}
	p.starts = p.starts[:0]
	if b.N > 0 {
		w := len(b.IDs) / b.N
		if p.groupSlot >= w {
			return fmt.Errorf("train: rows grouped by slot %d, but the batch has %d slots", p.groupSlot, w)
		}
		for r := range b.N {
			if r == 0 || b.IDs[r*w+p.groupSlot] != b.IDs[(r-1)*w+p.groupSlot] {
				p.starts = append(p.starts, r)
			}
		}
	}
	groups := len(p.starts)
	if (groups+shards-1)/shards > capacity {
		return fmt.Errorf("train: a batch of %d groups of rows in %d shards exceeds the replicas' %d groups", groups, shards, capacity)
	}
	for i := range shards {
		at := b.N
		if g := i * groups / shards; g < groups {
			at = p.starts[g]
		}
		p.cuts = append(p.cuts, at)
	}
	p.cuts = append(p.cuts, b.N)
	return nil
}

// slice points replica i's batch at its rows of b, the i-th run of rows
// cut (p.cuts), and at b as the batch it was cut from.
func (p *shardSet) slice(r *shardReplica, b *model.Batch, i int) {
	lo, hi := p.cuts[i], p.cuts[i+1]
	n := b.N
	cut := func(x []int32) []int32 {
		if x == nil || n == 0 {
			return x
		}
		w := len(x) / n
		return x[lo*w : hi*w]
	}
	r.b = model.Batch{N: hi - lo, IDs: cut(b.IDs), Seq: cut(b.Seq), SeqLens: cut(b.SeqLens), Whole: b, Offset: lo}
	if b.Values != nil && n > 0 {
		w := len(b.Values) / n
		r.b.Values = b.Values[lo*w : hi*w]
	}
	if b.Label != nil {
		r.b.Label = b.Label[lo:hi]
	}
	if b.Group != nil {
		r.b.Group = b.Group[lo:hi]
	}
}

// reduce adds the gradients of shards 1, 2, … to the model's (shard 0's),
// in shard order, and clears them: dense parameters split across the
// threads by parameter, each element summed in the same order whichever
// thread sums it; embedding rows merged table by table, each touched row's
// gradient added to the model's row in shard order.
func (p *shardSet) reduce() {
	parallel.For(len(p.params)+len(p.tables), p.threads, func(j int) {
		if j < len(p.params) {
			g := p.params[j].G
			for _, r := range p.reps[1:] {
				rg := r.params[j].G
				if r.ran {
					for k, v := range rg[:len(g)] {
						g[k] += v
					}
				}
				clear(rg)
			}
			return
		}
		j -= len(p.params)
		t := p.tables[j]
		for _, r := range p.reps[1:] {
			rt := r.tables[j]
			if r.ran {
				for k, row := range rt.TouchedRows() {
					g := t.GradRow(row)
					if g == nil {
						continue
					}
					for d, v := range rt.Grad(k) {
						g[d] += v
					}
				}
			}
			rt.ZeroGrad()
		}
	})
}

// zero clears every replica's gradients, after a batch whose loss was not
// finite.
func (p *shardSet) zero() {
	for _, r := range p.reps[1:] {
		for _, q := range r.params {
			q.ZeroGrad()
		}
		for _, t := range r.tables {
			t.ZeroGrad()
		}
	}
}
