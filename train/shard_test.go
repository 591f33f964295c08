package train

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// shardCase is a model trained on shards, on the CTR fixture or on the
// behaviour set.
type shardCase struct {
	name, params string
	seq          bool
}

// The models the shard tests train: small widths so that they run fast,
// dropout and Dice (batch statistics) left on where the model has them by
// default, so that the replicas' random streams and statistics are covered.
var shardCases = []shardCase{
	{"deepfm", `{"hidden": [16, 8]}`, false},
	{"dcn", `{"hidden": [16, 8], "cross_layers": 2}`, false},
	{"din", `{"hidden": [8], "attention_hidden": [4]}`, true},
}

// shardData returns the layout and training view of c's data set.
func shardData(t *testing.T, c shardCase) (model.Layout, Data) {
	t.Helper()
	if c.seq {
		_, l, view := seqSet(t)
		return l, view
	}
	f := newFixture(t, 1500)
	return model.NewLayout(f.enc), f.train
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

// Training on 4 shards gives the same bits whether 1, 2 or 4 threads run
// them: each shard always trains on its own replica and the gradients are
// summed in shard order. The weights also moved, and differ from one
// shard's (the dropout streams and the order of the sums differ), so the
// run did train on shards.
func TestShardsBitIdenticalForAnyThreadCount(t *testing.T) {
	for _, c := range shardCases {
		t.Run(c.name, func(t *testing.T) {
			l, view := shardData(t, c)
			cfg := Config{Epochs: 2, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: 4}
			var want [][]float32
			var wantLoss float64
			for _, threads := range []int{1, 2, 4} {
				m, rep := newShardModel(t, c, l, cfg.Batch)
				before := state(m)
				res, err := Fit(context.Background(), m, view.Source(), nil, cfg, Options{Replica: rep, Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				got := state(m)
				if threads == 1 {
					if i, _ := sameBits(before, got); i < 0 {
						t.Fatal("training on shards left every weight as it was")
					}
					want, wantLoss = got, res.Epochs[1].TrainLoss
					continue
				}
				if i, j := sameBits(want, got); i >= 0 {
					t.Fatalf("%d threads: tensor %d differs from 1 thread's at %d", threads, i, j)
				}
				if l := res.Epochs[1].TrainLoss; l != wantLoss {
					t.Errorf("%d threads: training loss %v, 1 thread %v", threads, l, wantLoss)
				}
			}
			one, _ := newShardModel(t, c, l, cfg.Batch)
			cfg.Shards = 1
			if _, err := Fit(context.Background(), one, view.Source(), nil, cfg, Options{}); err != nil {
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
	l, view := shardData(t, c)
	cfg := Config{Epochs: 1, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}}
	plain, _ := newShardModel(t, c, l, cfg.Batch)
	if _, err := Fit(context.Background(), plain, view.Source(), nil, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	cfg.Shards = 1
	one, rep := newShardModel(t, c, l, cfg.Batch)
	if _, err := Fit(context.Background(), one, view.Source(), nil, cfg, Options{Replica: rep, Threads: 4}); err != nil {
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
// and AFM's once-per-batch attention L2 is added once. Models without
// dropout or batch statistics, which a shard cannot reproduce.
func TestShardGradientsSumToTheBatchGradient(t *testing.T) {
	cases := []shardCase{
		{"deepfm", `{"hidden": [16, 8], "dropout": 0}`, false},
		{"dcn", `{"hidden": [16, 8], "cross_layers": 2}`, false},
		{"afm", `{"dropout": 0, "attention_l2": 0.5}`, false},
		{"din", `{"hidden": [8], "attention_hidden": [4], "activation": "prelu", "attention_activation": "prelu"}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, view := shardData(t, c)
			const batch = 50 // not a multiple of the shards
			src := view.Source()
			if _, err := src.Epoch(1); err != nil {
				t.Fatal(err)
			}
			idx := make([]int32, batch)
			for i := range idx {
				idx[i] = int32(i)
			}
			b := src.Batch(idx)

			whole, _ := newShardModel(t, c, l, batch)
			whole.SetTraining(true)
			dl := make([]float32, batch)
			wantLoss := nn.SigmoidLogLoss(dl, whole.Forward(b), b.Label, nil)
			whole.Backward(dl)
			want := grads(whole)

			m, rep := newShardModel(t, c, l, batch)
			m.SetTraining(true)
			opt, err := NewOptimizer(m, Config{Optimizer: optim.Spec{Rule: "sgd", LR: 1}}) // never steps
			if err != nil {
				t.Fatal(err)
			}
			st, err := NewStepper(m, opt, Binary, batch)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Shard(4, 2, rep); err != nil {
				t.Fatal(err)
			}
			st.beginEpoch(1)
			loss := st.par.run(b, st.grad[:batch], Binary) / batch
			st.par.reduce()
			got := grads(m)
			if math.Abs(loss-wantLoss) > 1e-12*math.Abs(wantLoss) {
				t.Errorf("loss %v, whole batch %v", loss, wantLoss)
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

// A model that cannot train on shards is refused with its name and the
// reason; so is a sharded run without a replica factory.
func TestShardsRefused(t *testing.T) {
	_, l, view := seqSet(t)
	cfg := Config{Epochs: 1, Batch: 16, Seed: 1, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: 2}
	m, rep := newShardModel(t, shardCase{"dien", `{"hidden": [8]}`, true}, l, cfg.Batch)
	_, err := Fit(context.Background(), m, view.Source(), nil, cfg, Options{Replica: rep})
	if err == nil || !strings.Contains(err.Error(), "dien cannot train on 2 shards") || !strings.Contains(err.Error(), "aux_alpha") {
		t.Errorf("dien with its auxiliary loss on 2 shards: %v", err)
	}
	m, rep = newShardModel(t, shardCase{"dien", `{"hidden": [8], "aux_alpha": 0}`, true}, l, cfg.Batch)
	if _, err := Fit(context.Background(), m, view.Source(), nil, cfg, Options{Replica: rep}); err != nil {
		t.Errorf("dien at aux_alpha 0 on 2 shards: %v", err)
	}
	m, _ = newShardModel(t, shardCase{"din", `{"hidden": [8]}`, true}, l, cfg.Batch)
	if _, err := Fit(context.Background(), m, view.Source(), nil, cfg, Options{}); err == nil || !strings.Contains(err.Error(), "Options.Replica") {
		t.Errorf("2 shards without replicas: %v", err)
	}
	st, err := NewStepper(halfSquares{newMeanModel()}, optim.New(), Regression, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Shard(2, 1, func(int) (model.Model, error) { return halfSquares{newMeanModel()}, nil }); err == nil || !strings.Contains(err.Error(), "computes its own loss") {
		t.Errorf("a model.Objective on 2 shards: %v", err)
	}
	bad := cfg
	bad.Shards = -1
	if err := bad.Validate(); err == nil {
		t.Error("shards -1 accepted")
	}
}

// Every registered model trains on 3 shards to the same bits with 1 and 3
// threads (the policy model, DRN, trains through its own learner), or is
// refused with its name and why; models fitted in closed form take no
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
}
