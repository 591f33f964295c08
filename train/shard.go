package train

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

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
}

// shardReplica is one shard's model and its share of the current batch.
type shardReplica struct {
	m       model.Model
	params  []*nn.Param // aligned with shardSet.params
	tables  []*nn.Table
	buffers []*nn.Param
	b       model.Batch // the shard's rows of the current batch
	loss    float64     // summed over the shard's rows
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
// thread count. Models that compute their own loss (model.Objective) or
// train on groups of rows (model.RowGrouper) are refused, as is a
// model.ShardTrainer that says it cannot train on shards.
func (s *Stepper) Shard(shards, threads int, replica ReplicaFunc) error {
	if shards <= 1 {
		s.par = nil
		return nil
	}
	name := modelName(s.m)
	if shards > maxShards {
		return fmt.Errorf("train: shards = %d, want at most %d", shards, maxShards)
	}
	if s.objective != nil {
		return fmt.Errorf("train: %s cannot train on %d shards: it computes its own loss over the whole batch (model.Objective); set shards to 1", name, shards)
	}
	if _, ok := s.m.(model.RowGrouper); ok {
		return fmt.Errorf("train: %s cannot train on %d shards: its examples are groups of rows (model.RowGrouper); set shards to 1", name, shards)
	}
	if replica == nil {
		return fmt.Errorf("train: %d shards need a replica of the model (Options.Replica)", shards)
	}
	repBatch := max((len(s.grad)+shards-1)/shards, 1)
	p, err := newShardSet(s.m, shards, threads, repBatch, replica, "shard")
	if err != nil {
		return err
	}
	for i, r := range p.reps {
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
	// Replicas are built on the threads too: each allocates and
	// initializes a model whose tables it then drops for the model's.
	p.reps = make([]*shardReplica, n)
	errs := make([]error, n)
	p.parallel(n, func(i int) {
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
		if err := p.check(r); err != nil {
			return nil, fmt.Errorf("train: replica of %s for %s %d: %w", modelName(m), role, i, err)
		}
	}
	p.share()
	return p, nil
}

// buffersOf returns m's model.Stateful buffers, or nil.
func buffersOf(m model.Model) []*nn.Param {
	if st, ok := m.(model.Stateful); ok {
		return st.Buffers()
	}
	return nil
}

// check reports a replica whose parameters, tables or buffers do not
// match the model's one for one.
func (p *shardSet) check(r *shardReplica) error {
	if len(r.params) != len(p.params) || len(r.tables) != len(p.tables) || len(r.buffers) != len(p.buffers) {
		return fmt.Errorf("%d parameters, %d tables and %d buffers, the model %d, %d and %d",
			len(r.params), len(r.tables), len(r.buffers), len(p.params), len(p.tables), len(p.buffers))
	}
	for i, q := range r.params {
		if q.Name != p.params[i].Name || len(q.W) != len(p.params[i].W) || len(q.G) != len(q.W) {
			return fmt.Errorf("parameter %s (%d) does not match %s (%d)", q.Name, len(q.W), p.params[i].Name, len(p.params[i].W))
		}
	}
	for i, t := range r.tables {
		if u := p.tables[i]; t.Name != u.Name || t.Rows != u.Rows || t.Dim != u.Dim || t.Padding != u.Padding {
			return fmt.Errorf("table %s (%d×%d) does not match %s (%d×%d)", t.Name, t.Rows, t.Dim, u.Name, u.Rows, u.Dim)
		}
	}
	for i, b := range r.buffers {
		if len(b.W) != len(p.buffers[i].W) {
			return fmt.Errorf("buffer %s does not match %s", b.Name, p.buffers[i].Name)
		}
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
// and its shard, as the model is (model.Reseeder: dropout), puts it in
// training mode, and copies the model's buffers into it: statistics fitted
// before training (model.DataFitter) or restored from a checkpoint.
func (p *shardSet) beginEpoch(seed uint64) {
	for i, r := range p.reps[1:] {
		if rs, ok := r.m.(model.Reseeder); ok {
			rs.Reseed(seed ^ uint64(i+1)*0xbf58476d1ce4e5b9)
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

// run trains every shard of b: forward, the loss with the gradient of the
// batch's mean, backward, on up to p.threads goroutines, shard i always on
// replica i. dl (len b.N) receives the output gradients. It returns the
// loss summed over the batch, shard by shard in order.
func (p *shardSet) run(b *model.Batch, dl []float32, task Task) float64 {
	p.share()
	for i, r := range p.reps {
		p.slice(r, b, i)
	}
	shards := len(p.reps)
	work := func(i int) {
		r := p.reps[i]
		r.loss, r.ran = 0, false
		n := r.b.N
		if n == 0 {
			return
		}
		lo := i * b.N / shards
		out := r.m.Forward(&r.b)
		d := dl[lo : lo+n]
		if task == Binary {
			r.loss = nn.SigmoidLogLossPart(d, out, r.b.Label, nil, b.N)
		} else {
			r.loss = nn.SquaredErrorPart(d, out, r.b.Label, nil, b.N)
		}
		if !math.IsNaN(r.loss) && !math.IsInf(r.loss, 0) {
			r.m.Backward(d)
			r.ran = true
		}
	}
	p.parallel(shards, work)
	var sum float64
	for _, r := range p.reps {
		sum += r.loss
	}
	return sum
}

// parallel runs work(0), …, work(n−1) on up to p.threads goroutines, the
// caller's included, and returns when all are done. Which goroutine runs
// which index does not matter to the results: each index has its own state.
func (p *shardSet) parallel(n int, work func(int)) {
	_ = parallel(p.threads, n, func(_, i int) error {
		work(i)
		return nil
	})
}

// parallel runs work(w, i) for every i in [0, n) on up to workers
// goroutines, the caller's included, w in [0, workers) naming the
// goroutine, so that work can use state of its own (a replica, buffers);
// it returns when all are done, the goroutines blocking, never spinning.
// The indices are taken in increasing order. A failing index stops the
// goroutines from taking more; those taken before it run to the end, so
// the error returned, the one of the lowest failing index, is the one a
// loop over the indices in order would stop at.
func parallel(workers, n int, work func(w, i int) error) error {
	t := min(workers, n)
	if t <= 1 {
		for i := range n {
			if err := work(0, i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	var failed atomic.Bool
	// Each goroutine's first failure, its lowest: it takes increasing
	// indices.
	at := make([]int, t)
	errs := make([]error, t)
	loop := func(w int) {
		for !failed.Load() {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			if err := work(w, i); err != nil {
				at[w], errs[w] = i, err
				failed.Store(true)
				return
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for w := 1; w < t; w++ {
		go func() {
			defer wg.Done()
			loop(w)
		}()
	}
	loop(0)
	wg.Wait()
	var err error
	low := n
	for w, e := range errs {
		if e != nil && at[w] < low {
			low, err = at[w], e
		}
	}
	return err
}

// slice points replica i's batch at its rows of b, the i-th of len(reps)
// runs of consecutive rows.
func (p *shardSet) slice(r *shardReplica, b *model.Batch, i int) {
	shards := len(p.reps)
	lo, hi := i*b.N/shards, (i+1)*b.N/shards
	n := b.N
	cut := func(x []int32) []int32 {
		if x == nil || n == 0 {
			return x
		}
		w := len(x) / n
		return x[lo*w : hi*w]
	}
	r.b = model.Batch{N: hi - lo, IDs: cut(b.IDs), Seq: cut(b.Seq), SeqLens: cut(b.SeqLens)}
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
	p.parallel(len(p.params)+len(p.tables), func(j int) {
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
