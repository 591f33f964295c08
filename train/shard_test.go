package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// shardCase is a model trained on shards, on the CTR fixture, the
// behaviour set or the ratings of shardRatings, in batches of batch rows
// (groups of rows for a model.RowGrouper; 0 for 64).
type shardCase struct {
	name, params string
	data         shardDataSet
	batch        int
}

// shardDataSet names the data set of a shardCase.
type shardDataSet int

const (
	ctrData shardDataSet = iota
	seqData
	ratingData
)

// The models the shard tests train: small widths so that they run fast,
// dropout and Dice (batch statistics) left on where the model has them by
// default, so that the replicas' random streams and statistics are covered;
// DIEN with its auxiliary loss (negatives drawn from the whole batch), the
// models with an objective of their own (model.Objective) and AutoRec's
// groups of rows (model.RowGrouper), with Adam and with full-batch L-BFGS (whose line search evaluates
// the loss several times a step).
var shardCases = []shardCase{
	{"deepfm", `{"hidden": [16, 8]}`, ctrData, 0},
	{"dcn", `{"hidden": [16, 8], "cross_layers": 2}`, ctrData, 0},
	{"din", `{"hidden": [8], "attention_hidden": [4]}`, seqData, 0},
	{"dien", `{"hidden": [8], "init_std": 0.3}`, seqData, 0},
	{"biasedmf", `{"factors": 8}`, ratingData, 0},
	{"autorec-i", `{"hidden": 16}`, ratingData, 8},
	{"autorec-u", `{"hidden": 16, "lambda": 30}`, ratingData, 8},
	{"autorec-i", `{"hidden": 16, "optimizer": "lbfgs"}`, ratingData, 64},
}

// shardData returns the layout and a training source factory of c's data
// set, and the task.
func shardData(t *testing.T, c shardCase) (model.Layout, func() Source, Task) {
	t.Helper()
	switch c.data {
	case seqData:
		_, l, view := seqSet(t)
		return l, view.Source, Binary
	case ratingData:
		l, src := shardRatings(t)
		return l, src, Regression
	}
	f := newFixture(t, 1500)
	return model.NewLayout(f.enc), f.train.Source, Binary
}

// shardRatings returns a (user, item) layout of 40 users and 30 items and
// a source of 520 ratings from 1 to 5: user u rates 13 items, a user's
// first item and its ratings following u and the item, so that users and
// items have ratings in common and groups of different sizes.
func shardRatings(t *testing.T) (model.Layout, func() Source) {
	t.Helper()
	const users, items = 40, 30
	var ids []int32
	var labels []float32
	for u := range users {
		for j := range 13 {
			i := (u*7 + j*(1+u%3)) % items
			ids = append(ids, int32(2+u), int32(3+users+i))
			labels = append(labels, float32(1+(u+2*i+j/4)%5))
		}
	}
	// Repeated (user, item) pairs are kept: they are ratings too.
	return model.NewLayout(pairEncoders(t, users, items)), func() Source { return &pairSource{ids: ids, labels: labels} }
}

// batchOf returns c's batch size.
func (c shardCase) batchOf() int {
	if c.batch > 0 {
		return c.batch
	}
	return 64
}

// newShardModel builds c's model and a replica factory for it.
func newShardModel(t *testing.T, c shardCase, l model.Layout, batch int) (model.Model, ReplicaFunc) {
	t.Helper()
	env := model.Env{Layout: l, MaxBatch: batch, Seed: 7}
	m, _, err := model.New(c.name, json.RawMessage(c.params), env)
	if err != nil {
		t.Fatal(err)
	}
	return m, func(maxBatch int) (model.Model, error) {
		e := env
		e.MaxBatch, e.MemoryLimit, e.Replica = maxBatch, -1, true
		r, _, err := model.New(c.name, json.RawMessage(c.params), e)
		return r, err
	}
}

// state returns a copy of everything training changes: every parameter,
// every table's rows with their optimizer state, and the buffers.
func state(m model.Model) [][]float32 {
	var s [][]float32
	for _, p := range model.Params(m) {
		s = append(s, append([]float32(nil), p.W...))
	}
	for _, tb := range model.Tables(m) {
		s = append(s, append([]float32(nil), tb.Data...))
	}
	if st, ok := m.(model.Stateful); ok {
		for _, b := range st.Buffers() {
			s = append(s, append([]float32(nil), b.W...))
		}
	}
	return s
}

// sameBits reports the first tensor and index at which a and b differ in
// their bits, or −1.
func sameBits(a, b [][]float32) (int, int) {
	if len(a) != len(b) {
		return len(a), 0
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return i, 0
		}
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
				return i, j
			}
		}
	}
	return -1, -1
}

// Training on 4 shards gives the same bits whether 1, 2 or 3 threads run
// them: each shard always trains on its own replica and the gradients are
// summed in shard order. The weights also moved, and differ from one
// shard's (the dropout streams and the order of the sums differ), so the
// run did train on shards.
func TestShardsBitIdenticalForAnyThreadCount(t *testing.T) {
	for _, c := range shardCases {
		t.Run(c.name, func(t *testing.T) {
			l, src, task := shardData(t, c)
			cfg := Config{Epochs: 2, Batch: c.batchOf(), Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: 4, Task: task}
			var want [][]float32
			var wantLoss float64
			var wantAux *float64
			for _, threads := range []int{1, 2, 3} {
				m, rep := newShardModel(t, c, l, cfg.Batch)
				before := state(m)
				res, err := Fit(context.Background(), m, src(), nil, cfg, Options{Replica: rep, Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				got := state(m)
				if threads == 1 {
					if i, _ := sameBits(before, got); i < 0 {
						t.Fatal("training on shards left every weight as it was")
					}
					want, wantLoss, wantAux = got, res.Epochs[1].TrainLoss, res.Epochs[1].AuxLoss
					continue
				}
				if i, j := sameBits(want, got); i >= 0 {
					t.Fatalf("%d threads: tensor %d differs from 1 thread's at %d", threads, i, j)
				}
				if l := res.Epochs[1].TrainLoss; l != wantLoss {
					t.Errorf("%d threads: training loss %v, 1 thread %v", threads, l, wantLoss)
				}
				if a := res.Epochs[1].AuxLoss; (a == nil) != (wantAux == nil) || a != nil && *a != *wantAux {
					t.Errorf("%d threads: auxiliary loss %v, 1 thread %v", threads, a, wantAux)
				}
			}
			one, _ := newShardModel(t, c, l, cfg.Batch)
			cfg.Shards = 1
			if _, err := Fit(context.Background(), one, src(), nil, cfg, Options{}); err != nil {
				t.Fatal(err)
			}
			if i, _ := sameBits(want, state(one)); i < 0 {
				t.Error("4 shards trained exactly as 1: were the shards used at all?")
			}
		})
	}
}

// Shards 0 and 1 are the unsharded path: the same bits with or without a
// replica factory and threads.
func TestOneShardIsTheModelAlone(t *testing.T) {
	c := shardCases[0]
	l, src, _ := shardData(t, c)
	cfg := Config{Epochs: 1, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}}
	plain, _ := newShardModel(t, c, l, cfg.Batch)
	if _, err := Fit(context.Background(), plain, src(), nil, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	cfg.Shards = 1
	one, rep := newShardModel(t, c, l, cfg.Batch)
	if _, err := Fit(context.Background(), one, src(), nil, cfg, Options{Replica: rep, Threads: 4}); err != nil {
		t.Fatal(err)
	}
	if i, j := sameBits(state(plain), state(one)); i >= 0 {
		t.Fatalf("shards 1 differs from shards 0 at tensor %d, index %d", i, j)
	}
}

// grads returns the model's dense gradients and its tables' gradients
// scattered densely, and clears them.
func grads(m model.Model) [][]float32 {
	var g [][]float32
	for _, p := range model.Params(m) {
		g = append(g, append([]float32(nil), p.G...))
		p.ZeroGrad()
	}
	for _, tb := range model.Tables(m) {
		g = append(g, tb.DenseGrad())
		tb.ZeroGrad()
	}
	return g
}

// The gradient of a batch summed over its 4 shards is the gradient of the
// whole batch (computed by the model alone: forward, the loss's gradient
// over every row, backward) up to float rounding, and so is the loss: each
// shard's output gradient is scaled by 1/(batch rows), not 1/(shard rows),
// and AFM's once-per-batch attention L2 is added once. A model with an
// objective of its own sums it over its shard (biased MF; AutoRec, whose
// penalty share counts the shard's vectors: its shards are runs of whole
// groups); DIEN's auxiliary loss, a mean over the whole batch's pairs with
// negatives drawn from all its rows, is split into the shards' parts.
// Models without dropout or batch statistics, which a shard cannot
// reproduce.
func TestShardGradientsSumToTheBatchGradient(t *testing.T) {
	cases := []shardCase{
		{"deepfm", `{"hidden": [16, 8], "dropout": 0}`, ctrData, 50},
		{"dcn", `{"hidden": [16, 8], "cross_layers": 2}`, ctrData, 50},
		{"afm", `{"dropout": 0, "attention_l2": 0.5}`, ctrData, 50},
		{"din", `{"hidden": [8], "attention_hidden": [4], "activation": "prelu", "attention_activation": "prelu"}`, seqData, 50},
		{"dien", `{"hidden": [8], "activation": "prelu", "init_std": 0.3}`, seqData, 50},
		{"dien", `{"hidden": [8], "activation": "prelu", "init_std": 0.3, "variant": "agru", "aux_alpha": 3}`, seqData, 50},
		{"biasedmf", `{"factors": 8, "init_std": 0.5}`, ratingData, 50},
		// 10 groups of rows, not a multiple of the shards either.
		{"autorec-i", `{"hidden": 16}`, ratingData, 10},
		{"autorec-u", `{"layers": [12, 6], "lambda": 30}`, ratingData, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, newSrc, task := shardData(t, c)
			whole, _ := newShardModel(t, c, l, c.batch)
			m, rep := newShardModel(t, c, l, c.batch)
			b := shardTestBatch(t, newSrc, c.batch, whole, m)
			// As Fit does at the start of an epoch (DIEN's negatives).
			for _, x := range []model.Model{whole, m} {
				if r, ok := x.(model.Reseeder); ok {
					r.Reseed(1)
				}
				x.SetTraining(true)
			}
			obj, _ := whole.(model.Objective)
			dl := make([]float32, b.N)
			out := whole.Forward(b)
			var wantLoss float64
			switch {
			case obj != nil:
				wantLoss = obj.Loss(b, out, dl)
			case task == Binary:
				wantLoss = nn.SigmoidLogLoss(dl, out, b.Label, nil)
			default:
				wantLoss = nn.SquaredError(dl, out, b.Label, nil)
			}
			whole.Backward(dl)
			want := grads(whole)

			opt, err := NewOptimizer(m, Config{Optimizer: optim.Spec{Rule: "sgd", LR: 1}}) // never steps
			if err != nil {
				t.Fatal(err)
			}
			st, err := NewStepper(m, opt, task, c.batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Shard(4, 2, rep); err != nil {
				t.Fatal(err)
			}
			st.beginEpoch(1)
			if err := st.par.cut(b, st.repBatch); err != nil {
				t.Fatal(err)
			}
			loss := st.par.run(b, make([]float32, b.N), task)
			if obj == nil {
				loss /= float64(b.N)
			}
			st.par.reduce()
			got := grads(m)
			if math.Abs(loss-wantLoss) > 1e-6*math.Abs(wantLoss) {
				t.Errorf("loss %v, whole batch %v", loss, wantLoss)
			}
			if a, ok := whole.(model.AuxLosser); ok && a.HasAuxLoss() {
				wantAux, aux := a.AuxLoss(), st.par.auxLoss()
				if math.Abs(aux-wantAux) > 1e-6*wantAux || wantAux == 0 {
					t.Errorf("auxiliary loss %v, whole batch %v", aux, wantAux)
				}
			}
			nonzero := 0
			for i := range want {
				scale := 0.0
				for _, v := range want[i] {
					scale = max(scale, math.Abs(float64(v)))
				}
				for j := range want[i] {
					if want[i][j] != 0 {
						nonzero++
					}
					if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-5*scale+1e-9 {
						t.Fatalf("gradient %d[%d]: shards %g, whole batch %g (largest %g)", i, j, got[i][j], want[i][j], scale)
					}
				}
			}
			if nonzero == 0 {
				t.Fatal("every gradient is zero")
			}
		})
	}
}

// shardTestBatch returns the first n examples of a source newSrc makes,
// after fitting the models to its data (model.DataFitter), as Fit does: n
// groups of rows for a model.RowGrouper, grouped as Fit groups them.
func shardTestBatch(t *testing.T, newSrc func() Source, n int, models ...model.Model) *model.Batch {
	t.Helper()
	src := newSrc()
	for _, m := range models {
		if df, ok := m.(model.DataFitter); ok {
			ex, _, err := examples(src, 64)
			if err != nil {
				t.Fatal(err)
			}
			if err := df.FitData(ex); err != nil {
				t.Fatal(err)
			}
		}
	}
	if g, ok := models[0].(model.RowGrouper); ok {
		src = groupRows(src, g.GroupSlot())
	}
	if _, err := src.Epoch(1); err != nil {
		t.Fatal(err)
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return src.Batch(idx)
}

// One step of plain SGD on the whole training set, on 3 shards, moves
// every weight as on one shard, up to float rounding, and reports the
// same training (and auxiliary) loss: Fit's sharded step computes the
// unsharded loss and gradient, a model.Objective's sum and a
// model.RowGrouper's groups included.
func TestShardedStepIsTheUnshardedStep(t *testing.T) {
	cases := []shardCase{
		{"dien", `{"hidden": [8], "activation": "prelu", "init_std": 0.3}`, seqData, 0},
		{"biasedmf", `{"factors": 8, "init_std": 0.5, "lr": 0.05}`, ratingData, 0},
		{"autorec-i", `{"hidden": 16, "lambda": 30}`, ratingData, 0},
		{"autorec-u", `{"hidden": 16, "lambda": 30}`, ratingData, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, src, task := shardData(t, c)
			// One batch holds every example (and every group of rows).
			cfg := Config{Epochs: 1, Batch: 1000, Seed: 3, Optimizer: optim.Spec{Rule: "sgd", LR: 0.05}, Task: task,
				Parts: map[string]optim.Spec{"all": {Rule: "sgd", LR: 0.05}}}
			var before, after [2][][]float32
			var res [2]*Result
			for k, shards := range []int{1, 3} {
				cfg.Shards = shards
				m, rep := newShardModel(t, c, l, cfg.Batch)
				var err error
				before[k] = state(m)
				if res[k], err = Fit(context.Background(), m, src(), nil, cfg, Options{Replica: rep, Threads: 2}); err != nil {
					t.Fatal(err)
				}
				after[k] = state(m)
			}
			if i, j := sameBits(before[0], before[1]); i >= 0 {
				t.Fatalf("the models start apart at tensor %d, index %d", i, j)
			}
			moved := false
			for i := range after[0] {
				scale := 0.0
				for j, w := range after[0][i] {
					scale = max(scale, math.Abs(float64(w-before[0][i][j])))
				}
				moved = moved || scale > 0
				for j, w := range after[1][i] {
					// The steps agree to rounding: a small share of the step.
					if d := math.Abs(float64(w - after[0][i][j])); d > 1e-5*scale+1e-7*math.Abs(float64(w)) {
						t.Fatalf("tensor %d[%d]: 3 shards %g, 1 shard %g (largest step %g)", i, j, w, after[0][i][j], scale)
					}
				}
			}
			if !moved {
				t.Fatal("the step moved no weight")
			}
			e0, e1 := res[0].Epochs[0], res[1].Epochs[0]
			if math.Abs(e1.TrainLoss-e0.TrainLoss) > 1e-6*math.Abs(e0.TrainLoss) {
				t.Errorf("training loss: 3 shards %v, 1 shard %v", e1.TrainLoss, e0.TrainLoss)
			}
			if (e0.AuxLoss == nil) != (e1.AuxLoss == nil) || e0.AuxLoss != nil && math.Abs(*e1.AuxLoss-*e0.AuxLoss) > 1e-6**e0.AuxLoss {
				t.Errorf("auxiliary loss: 3 shards %v, 1 shard %v", e1.AuxLoss, e0.AuxLoss)
			}
		})
	}
}

// A model that cannot train on shards (model.ShardTrainer) is refused with
// its reason; so is a sharded run without a replica factory.
func TestShardsRefused(t *testing.T) {
	_, l, view := seqSet(t)
	cfg := Config{Epochs: 1, Batch: 16, Seed: 1, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: 2}
	m, _ := newShardModel(t, shardCase{"din", `{"hidden": [8]}`, seqData, 0}, l, cfg.Batch)
	if _, err := Fit(context.Background(), m, view.Source(), nil, cfg, Options{}); err == nil || !strings.Contains(err.Error(), "Options.Replica") {
		t.Errorf("2 shards without replicas: %v", err)
	}
	st, err := NewStepper(refusesShards{newMeanModel()}, optim.New(), Regression, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Shard(2, 1, func(int) (model.Model, error) { return refusesShards{newMeanModel()}, nil }); err == nil || !strings.Contains(err.Error(), "no shards for me") {
		t.Errorf("a model.ShardTrainer refusing 2 shards: %v", err)
	}
	bad := cfg
	bad.Shards = -1
	if err := bad.Validate(); err == nil {
		t.Error("shards -1 accepted")
	}
}

// refusesShards cannot train on shards; groupedSquares trains on groups
// of rows by slot 0 with the loss ½Σ(out−y)².
type (
	refusesShards  struct{ *meanModel }
	groupedSquares struct{ *meanModel }
)

func (refusesShards) TrainShard(i, n int) error {
	return fmt.Errorf("no shards for me (%d of %d)", i, n)
}

func (groupedSquares) GroupSlot() int { return 0 }

func (m groupedSquares) Loss(b *model.Batch, out, dout []float32) float64 {
	return halfSquares(m).Loss(b, out, dout)
}

// A model with its own loss (model.Objective) and groups of rows
// (model.RowGrouper) trains on shards cut on group boundaries, each a run
// of whole groups as even in groups as their count allows, and steps by
// the gradient of the loss summed over the batch, reporting its mean, as
// on one shard. Hand-computed: w starts at 0, so the gradient of
// ½Σ(w−y)² is −Σy = −30, one SGD step at 0.1 moves w to 3, and the loss is
// ½Σy²/10 = 5.5.
func TestShardsCutOnGroupBoundaries(t *testing.T) {
	// Groups of 3, 1, 4 and 2 rows: shards 0 and 1 get groups 0–1 and
	// 2–3, rows 0–3 and 4–9.
	src := newRowsSource([]int32{5, 5, 5, 7, 9, 9, 9, 9, 2, 2}, []float32{1, 4, 2, 5, 3, 1, 5, 2, 4, 3})
	for _, threads := range []int{1, 2} {
		m := groupedSquares{newMeanModel()}
		opt, err := NewOptimizer(m, Config{Optimizer: optim.Spec{Rule: "sgd", LR: 0.1}})
		if err != nil {
			t.Fatal(err)
		}
		st, err := NewStepper(m, opt, Regression, 4) // at most 4 groups
		if err != nil {
			t.Fatal(err)
		}
		var reps []*meanModel
		err = st.Shard(2, threads, func(int) (model.Model, error) {
			r := newMeanModel()
			reps = append(reps, r)
			return groupedSquares{r}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		m.SetTraining(true)
		st.beginEpoch(1)
		loss, err := st.Step(src.Batch([]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
		if err != nil {
			t.Fatal(err)
		}
		if loss != 5.5 || m.w.W[0] != 3 {
			t.Errorf("%d threads: loss %v, w %v; want 5.5 and 3", threads, loss, m.w.W[0])
		}
		if len(reps) != 1 || !slices.Equal(m.batches[0], []int32{0, 1, 2, 3}) || !slices.Equal(reps[0].batches[0], []int32{4, 5, 6, 7, 8, 9}) {
			t.Errorf("%d threads: shards of rows %v and %v, want 0–3 and 4–9", threads, m.batches, reps[0].batches)
		}
		// Five groups in 2 shards: one shard of 3 groups, more than the
		// replicas' ⌈4/2⌉.
		five := newRowsSource([]int32{1, 2, 3, 4, 5}, []float32{1, 2, 3, 4, 5})
		if _, err := st.Step(five.Batch([]int32{0, 1, 2, 3, 4})); err == nil || !strings.Contains(err.Error(), "5 groups of rows in 2 shards exceeds the replicas' 2 groups") {
			t.Errorf("%d threads: 5 groups: %v", threads, err)
		}
	}
}

// Every registered model trains on 3 shards to the same bits with 1 and 3
// threads (the policy model, DRN, trains through its own learner): none is
// refused, AutoRec's groups of rows, the models with their own loss and
// DIEN's auxiliary loss included; models fitted in closed form take no
// steps to shard.
func TestEveryModelShardsIndependentOfThreads(t *testing.T) {
	ctr := newFixture(t, 1200)
	_, seqLayout, seqView := seqSet(t)
	const users, items = 20, 30
	pairs := &pairSource{}
	for i := range 300 {
		u, it := (i*7)%users, (i*11+i/users)%items
		pairs.ids = append(pairs.ids, int32(2+u), int32(3+users+it))
	}
	pairLayout := model.NewLayout(pairEncoders(t, users, items))
	var sharded, refused, closed []string
	for _, name := range model.Names() {
		info, _ := model.Lookup(name)
		if m, err := info.New(model.Env{Layout: pairLayout, MaxBatch: 1, Seed: 1}, info.Config()); err == nil {
			if _, ok := m.(model.ClosedForm); ok {
				closed = append(closed, name)
				continue
			}
		}
		cfg := Config{Epochs: 1, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: 3, Task: Binary}
		var l model.Layout
		var src func() Source
		switch info.Task {
		case model.TaskCTR:
			l, src = model.NewLayout(ctr.enc), ctr.train.Source
		case model.TaskSequence:
			l, src = seqLayout, seqView.Source
		case model.TaskRating, model.TaskRanking:
			l = pairLayout
			labels := make([]float32, 300)
			for i := range labels {
				if info.Task == model.TaskRating {
					labels[i], cfg.Task = float32(1+i%5), Regression
				} else if i%3 == 0 {
					labels[i] = 1
				}
			}
			src = func() Source { return &pairSource{ids: pairs.ids, labels: labels} }
		default:
			continue
		}
		if _, ok := info.New(model.Env{Layout: l, MaxBatch: 1, Seed: 1}, info.Config()); ok != nil {
			// A model whose construction fails here needs a layout this test does not build.
			t.Logf("%s: %v", name, ok)
			continue
		}
		var want [][]float32
		for _, threads := range []int{1, 3} {
			m, rep := newShardModel(t, shardCase{name: name, params: `{}`}, l, cfg.Batch)
			_, err := Fit(context.Background(), m, src(), nil, cfg, Options{Replica: rep, Threads: threads})
			if err != nil {
				if !strings.Contains(err.Error(), "cannot train on 3 shards") {
					t.Fatalf("%s: %v", name, err)
				}
				refused = append(refused, name)
				break
			}
			if threads == 1 {
				want = state(m)
				continue
			}
			if i, j := sameBits(want, state(m)); i >= 0 {
				t.Errorf("%s: 3 threads differ from 1 at tensor %d, index %d", name, i, j)
			}
			sharded = append(sharded, name)
		}
	}
	t.Logf("trained on shards: %s", strings.Join(sharded, " "))
	t.Logf("refused: %s", strings.Join(refused, " "))
	t.Logf("fitted in closed form: %s", strings.Join(closed, " "))
	if len(sharded) < 10 {
		t.Errorf("only %d models trained on shards", len(sharded))
	}
	if len(refused) > 0 {
		t.Errorf("every model trains on shards, but %s refused", strings.Join(refused, " "))
	}
}
