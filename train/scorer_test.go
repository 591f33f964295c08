package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// The models the scoring tests score: DCN with batch normalization (its
// running statistics are buffers a replica must copy), DIN with Dice
// (buffers too) on the behaviour set, DeepFM with dropout (off in
// inference).
var scoreCases = []shardCase{
	{"deepfm", `{"hidden": [16, 8]}`, ctrData, 0},
	{"dcn", `{"hidden": [16, 8], "cross_layers": 2, "batch_norm": true}`, ctrData, 0},
	{"din", `{"hidden": [8], "attention_hidden": [4]}`, seqData, 0},
}

// scoreData returns the layout and the rows of c's data set, a CTR or a
// behaviour set.
func scoreData(t *testing.T, c shardCase) (model.Layout, Data) {
	t.Helper()
	if c.data == seqData {
		_, l, view := seqSet(t)
		return l, view
	}
	f := newFixture(t, 1500)
	return model.NewLayout(f.enc), f.train
}

// otherSeed builds replicas of c initialized from another seed than the
// model's, so that a weight a replica does not share shows in its scores.
func otherSeed(c shardCase, l model.Layout) ReplicaFunc {
	return func(maxBatch int) (model.Model, error) {
		r, _, err := model.New(c.name, json.RawMessage(c.params), model.Env{Layout: l, MaxBatch: maxBatch, Seed: 99, MemoryLimit: -1})
		return r, err
	}
}

// sameScores reports the first row whose scores differ in their bits, or
// −1.
func sameScores(a, b []float32) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// A Scorer on 1, 2 or 3 threads gives every row the bits Predict gives it
// with the model alone, after training (the running statistics moved) and
// again after more training with the same Scorer (the replicas read the
// new weights and buffers). The batches leave a short last one.
func TestScorerBitIdenticalForAnyThreadCount(t *testing.T) {
	ctx := context.Background()
	for _, c := range scoreCases {
		t.Run(c.name, func(t *testing.T) {
			l, view := scoreData(t, c)
			cfg := Config{Epochs: 1, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Task: Binary}
			m, _ := newShardModel(t, c, l, cfg.Batch)
			if c.name == "dcn" && len(model.Buffers(m)) == 0 {
				t.Fatal("dcn with batch_norm has no buffers: the case tests nothing")
			}
			batch := 37
			if c.data == seqData {
				batch = 9 // of 62 rows
			}
			scorers := map[int]*Scorer{}
			for round := range 2 {
				if _, err := Fit(ctx, m, view.Source(), nil, cfg, Options{}); err != nil {
					t.Fatal(err)
				}
				want, err := Predict(ctx, m, view, Binary, batch)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) != view.Len() || view.Len() <= 3*batch || view.Len()%batch == 0 {
					t.Fatalf("%d scores of %d rows", len(want), view.Len())
				}
				for _, threads := range []int{1, 2, 3} {
					s := scorers[threads]
					if s == nil {
						s = NewScorer(m, threads, otherSeed(c, l))
						scorers[threads] = s
					}
					got, err := s.Predict(ctx, view, Binary, batch)
					if err != nil {
						t.Fatal(err)
					}
					if i := sameScores(want, got); i >= 0 {
						t.Fatalf("round %d, %d threads: row %d scores %v, one thread %v", round, threads, i, got[i], want[i])
					}
					if threads > 1 && (s.set == nil || len(s.set.reps) != threads) {
						t.Fatalf("%d threads scored without %d models", threads, threads)
					}
				}
			}
		})
	}
}

// copyBatch returns a copy of b that its source cannot overwrite.
func copyBatch(b *model.Batch) *model.Batch {
	return &model.Batch{N: b.N, IDs: slices.Clone(b.IDs), Values: slices.Clone(b.Values), Seq: slices.Clone(b.Seq),
		SeqLens: slices.Clone(b.SeqLens), Label: slices.Clone(b.Label), Group: slices.Clone(b.Group)}
}

// Every registered model, trained for an epoch, scores batches through
// Batches on 1, 2 and 3 threads to the bits of Forward over the same
// batches in order on the model alone (the policy model, DRN, scores
// through its own learner).
func TestEveryModelScoresIndependentOfThreads(t *testing.T) {
	ctx := context.Background()
	ctr := newFixture(t, 1200)
	_, seqLayout, seqView := seqSet(t)
	const users, items = 20, 30
	pairs := &pairSource{}
	for i := range 300 {
		u, it := (i*7)%users, (i*11+i/users)%items
		pairs.ids = append(pairs.ids, int32(2+u), int32(3+users+it))
	}
	pairLayout := model.NewLayout(pairEncoders(t, users, items))
	var scored []string
	for _, name := range model.Names() {
		info, _ := model.Lookup(name)
		cfg := Config{Epochs: 1, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Task: Binary}
		var l model.Layout
		var src Source
		switch info.Task {
		case model.TaskCTR:
			l, src = model.NewLayout(ctr.enc), ctr.train.Source()
		case model.TaskSequence:
			l, src = seqLayout, seqView.Source()
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
			src = &pairSource{ids: pairs.ids, labels: labels}
		default:
			continue
		}
		if _, err := info.New(model.Env{Layout: l, MaxBatch: 1, Seed: 1}, info.Config()); err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		c := shardCase{name: name, params: `{}`}
		m, _ := newShardModel(t, c, l, cfg.Batch)
		if _, err := Fit(ctx, m, src, nil, cfg, Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n, err := src.Epoch(1)
		if err != nil {
			t.Fatal(err)
		}
		var bs []*model.Batch
		var want [][]float32
		m.SetTraining(false)
		for lo := 0; lo < n; lo += 50 {
			var idx []int32
			for i := lo; i < min(lo+50, n); i++ {
				idx = append(idx, int32(i))
			}
			b := copyBatch(src.Batch(idx))
			bs = append(bs, b)
			var w []float32
			for _, z := range m.Forward(b) {
				w = append(w, cfg.Task.Score(z))
			}
			want = append(want, w)
		}
		for _, threads := range []int{1, 2, 3} {
			out := make([][]float32, len(bs))
			for i, b := range bs {
				out[i] = make([]float32, b.N)
			}
			// Two calls of a stream: the models keep their state.
			score := NewScorer(m, threads, otherSeed(c, l)).Batches(cfg.Task, 50)
			half := len(bs) / 2
			if err := score(ctx, bs[:half], out[:half]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := score(ctx, bs[half:], out[half:]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i := range bs {
				if j := sameScores(want[i], out[i]); j >= 0 {
					t.Fatalf("%s, %d threads: batch %d row %d scores %v, the model alone %v", name, threads, i, j, out[i][j], want[i][j])
				}
			}
		}
		scored = append(scored, name)
	}
	t.Logf("scored: %s", strings.Join(scored, " "))
	if len(scored) < 15 {
		t.Errorf("only %d models scored", len(scored))
	}
}

// rankingSet is a log of 150 users and 40 items: every user's held-out
// item with 12 negatives for leave-one-out, and for full ranking 1 to 3
// test items per user besides 2 trained ones.
func rankingSet() (data.Interactions, data.LOOSplit, *data.UserItems, map[int32][]int32) {
	const users, items = 150, 40
	var in data.Interactions
	in.NumUsers, in.NumItems = users, items
	var split data.LOOSplit
	var seenU, seenI []int32
	test := map[int32][]int32{}
	for u := range int32(users) {
		trained := []int32{(u * 3) % items, (u*3 + 1) % items}
		for _, it := range trained {
			split.Train = append(split.Train, int32(len(in.Users)))
			in.Users, in.Items = append(in.Users, u), append(in.Items, it)
			seenU, seenI = append(seenU, u), append(seenI, it)
		}
		held := (u*7 + 5) % items
		split.Test = append(split.Test, int32(len(in.Users)))
		in.Users, in.Items = append(in.Users, u), append(in.Items, held)
		var negs []int32
		for k := int32(0); len(negs) < 12; k++ {
			if it := (held + 1 + k) % items; !slices.Contains(trained, it) && it != held && !slices.Contains(negs, it) {
				negs = append(negs, it)
			}
		}
		split.Negatives = append(split.Negatives, negs)
		for k := range 1 + u%3 {
			test[u] = append(test[u], (held+int32(k)*11)%items)
		}
		slices.Sort(test[u])
		test[u] = slices.Compact(test[u])
	}
	return in, split, data.NewUserItems(seenU, seenI, users), test
}

// The ranking protocols report the same metrics, bit for bit, on 1, 2 and
// 3 threads as Evaluate with the model alone: biased MF (a rating model,
// which has no ItemScorer) through Forward in batches, NeuMF through its
// ItemScorer.
func TestRankingProtocolsIndependentOfThreads(t *testing.T) {
	ctx := context.Background()
	in, split, seen, test := rankingSet()
	l := model.NewLayout(pairEncoders(t, in.NumUsers, in.NumItems))
	ids := pairIDs(in.NumUsers, in.NumItems)
	for _, name := range []string{"biasedmf", "neumf"} {
		c := shardCase{name: name, params: `{}`}
		m, _ := newShardModel(t, c, l, 16)
		_, scorer := m.(model.ItemScorer)
		if scorer != (name == "neumf") {
			t.Fatalf("%s: ItemScorer %v", name, scorer)
		}
		evals := map[string]ParallelEvaluator{
			"loo":  LeaveOneOut{In: in, Split: split, IDs: ids, K: []int{3, 10}, Batch: 5},
			"full": FullRanking{NumItems: in.NumItems, Seen: seen, Test: test, IDs: ids, K: []int{5, 20}, Batch: 16},
		}
		for proto, e := range evals {
			want, err := e.Evaluate(ctx, m, Binary)
			if err != nil {
				t.Fatal(err)
			}
			if want.Metrics["users"] != float64(in.NumUsers) {
				t.Fatalf("%s %s: %v users", name, proto, want.Metrics["users"])
			}
			for _, threads := range []int{1, 2, 3} {
				s := NewScorer(m, threads, otherSeed(c, l))
				got, err := s.Evaluate(ctx, e, Binary)
				if err != nil {
					t.Fatal(err)
				}
				if got.Protocol != want.Protocol || len(got.Metrics) != len(want.Metrics) {
					t.Fatalf("%s %s, %d threads: %s %v, one thread %s %v", name, proto, threads, got.Protocol, got.Metrics, want.Protocol, want.Metrics)
				}
				for k, v := range want.Metrics {
					if math.Float64bits(got.Metrics[k]) != math.Float64bits(v) {
						t.Errorf("%s %s, %d threads: %s = %v, one thread %v", name, proto, threads, k, got.Metrics[k], v)
					}
				}
				if threads > 1 && s.set == nil {
					t.Errorf("%s %s: %d threads ranked without replicas", name, proto, threads)
				}
			}
		}
	}
}

// cancelling is a model that cancels a context at its after-th Forward,
// counted over the model and its replicas.
type cancelling struct {
	model.Model
	forwards *atomic.Int32
	after    int32
	cancel   context.CancelFunc
}

func (c cancelling) Forward(b *model.Batch) []float32 {
	if c.forwards.Add(1) == c.after {
		c.cancel()
	}
	return c.Model.Forward(b)
}

// Cancelling the context stops parallel scoring with an error wrapping
// the context's, before every batch is scored; a ranking protocol
// cancelled before it starts scores nothing.
func TestScorerCancelled(t *testing.T) {
	c := scoreCases[0]
	l, view := scoreData(t, c)
	const batch = 20
	batches := int32((view.Len() + batch - 1) / batch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var forwards atomic.Int32
	wrap := func(m model.Model) model.Model {
		return cancelling{Model: m, forwards: &forwards, after: 3, cancel: cancel}
	}
	m, _ := newShardModel(t, c, l, batch)
	rep := otherSeed(c, l)
	s := NewScorer(wrap(m), 2, func(maxBatch int) (model.Model, error) {
		r, err := rep(maxBatch)
		return wrap(r), err
	})
	_, err := s.Predict(ctx, view, Binary, batch)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after") {
		t.Fatalf("cancelled scoring: %v", err)
	}
	if n := forwards.Load(); n >= batches || n < 3 {
		t.Errorf("%d of %d batches scored after cancelling at the 3rd", n, batches)
	}

	in, split, _, _ := rankingSet()
	pl := model.NewLayout(pairEncoders(t, in.NumUsers, in.NumItems))
	pc := shardCase{name: "neumf", params: `{}`}
	pm, _ := newShardModel(t, pc, pl, 16)
	loo := LeaveOneOut{In: in, Split: split, IDs: pairIDs(in.NumUsers, in.NumItems), K: []int{3}, Batch: 16}
	if _, err := NewScorer(pm, 3, otherSeed(pc, pl)).Evaluate(ctx, loo, Binary); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled leave-one-out: %v", err)
	}
}

// Fit validates on its threads, with replicas built by Options.Replica
// (on one shard, or two), to the metrics and weights of one thread; the
// Result's Scorer holds the replicas validation built.
func TestFitValidatesOnThreads(t *testing.T) {
	ctx := context.Background()
	c := scoreCases[1] // dcn with batch normalization
	f := newFixture(t, 1500)
	l := model.NewLayout(f.enc)
	for _, shards := range []int{0, 2} {
		cfg := Config{Epochs: 2, Batch: 64, Seed: 3, Optimizer: optim.Spec{Rule: "adam", LR: 1e-2}, Shards: shards}
		var want *Result
		var wantState [][]float32
		for _, threads := range []int{1, 3} {
			m, rep := newShardModel(t, c, l, cfg.Batch)
			res, err := Fit(ctx, m, f.train.Source(), NewHoldout(f.valid, 40, false), cfg, Options{Replica: rep, Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			if threads == 1 {
				want, wantState = res, state(m)
				if res.Scorer.set != nil {
					t.Error("one thread built scoring replicas")
				}
				continue
			}
			if res.Scorer.set == nil || len(res.Scorer.set.reps) != threads {
				t.Errorf("shards %d: validation on %d threads built no replicas", shards, threads)
			}
			for e := range want.Epochs {
				for k, v := range want.Epochs[e].Valid {
					if got := res.Epochs[e].Valid[k]; math.Float64bits(got) != math.Float64bits(v) {
						t.Errorf("shards %d, epoch %d: %s = %v on %d threads, %v on one", shards, e+1, k, got, threads, v)
					}
				}
			}
			if i, j := sameBits(wantState, state(m)); i >= 0 {
				t.Errorf("shards %d: %d threads differ from one at tensor %d, index %d", shards, threads, i, j)
			}
		}
	}
}
