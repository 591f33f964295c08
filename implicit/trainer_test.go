package implicit

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/synth"
)

// tinyInteractions has 4 users over 12 items, user 3 with 10 of them.
func tinyInteractions() data.Interactions {
	in := data.Interactions{NumUsers: 4, NumItems: 12}
	add := func(u int32, items ...int32) {
		for _, it := range items {
			in.Users = append(in.Users, u)
			in.Items = append(in.Items, it)
		}
	}
	add(0, 1, 2, 3)
	add(1, 0)
	add(2, 5, 7, 9, 11, 4)
	add(3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	return in
}

func allRows(in data.Interactions) []int32 {
	rows := make([]int32, len(in.Users))
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}

// Every positive appears once per epoch with 4 negatives of its user, none
// of them a training positive of that user; negatives change from epoch to
// epoch and repeat exactly for the same seed.
func TestInstanceSamplerNegatives(t *testing.T) {
	in := tinyInteractions()
	rows := allRows(in)
	seen := data.NewUserItems(in.Users, in.Items, in.NumUsers)
	s, err := NewInstanceSampler(in, rows, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	var epochs [][]int32
	for e := range 3 {
		inst := s.Epoch(e)
		if len(inst.Users) != 5*len(rows) {
			t.Fatalf("epoch %d: %d instances for %d positives, want 5 per positive", e, len(inst.Users), len(rows))
		}
		pos := map[[2]int32]int{}
		negPerUser := map[int32]int{}
		for k, u := range inst.Users {
			it := inst.Items[k]
			switch inst.Labels[k] {
			case 1:
				pos[[2]int32{u, it}]++
			case 0:
				if seen.Has(u, it) {
					t.Fatalf("epoch %d: negative (%d, %d) is a training positive", e, u, it)
				}
				negPerUser[u]++
			default:
				t.Fatalf("label %v", inst.Labels[k])
			}
		}
		for r := range in.Users {
			if pos[[2]int32{in.Users[r], in.Items[r]}] != 1 {
				t.Fatalf("epoch %d: positive row %d appears %d times", e, r, pos[[2]int32{in.Users[r], in.Items[r]}])
			}
		}
		for u := range int32(in.NumUsers) {
			if want := 4 * len(seen.Items(u)); negPerUser[u] != want {
				t.Fatalf("epoch %d: user %d has %d negatives, want %d", e, u, negPerUser[u], want)
			}
		}
		epochs = append(epochs, slices.Clone(inst.Items))
	}
	if slices.Equal(epochs[0], epochs[1]) || slices.Equal(epochs[1], epochs[2]) {
		t.Fatal("two epochs drew the same instances")
	}
	s2, _ := NewInstanceSampler(in, rows, 4, 7)
	for e := 2; e >= 0; e-- { // in any order: an epoch depends on the seed and its index only
		if got := s2.Epoch(e).Items; !slices.Equal(got, epochs[e]) {
			t.Fatalf("epoch %d differs between two samplers of the same seed", e)
		}
	}
	s3, _ := NewInstanceSampler(in, rows, 4, 8)
	if slices.Equal(s3.Epoch(0).Items, epochs[0]) {
		t.Fatal("another seed drew the same instances")
	}
}

func TestInstanceSamplerErrors(t *testing.T) {
	in := data.Interactions{Users: []int32{0, 0}, Items: []int32{0, 1}, NumUsers: 1, NumItems: 2}
	if _, err := NewInstanceSampler(in, allRows(in), 4, 1); err == nil || !contains(err.Error(), "all 2 items") {
		t.Fatalf("a user with every item: error %v", err)
	}
	if _, err := NewInstanceSampler(in, []int32{5}, 4, 1); err == nil || !contains(err.Error(), "row 5") {
		t.Fatalf("row out of range: error %v", err)
	}
}

func TestTrainConfigErrors(t *testing.T) {
	in := tinyInteractions()
	m, _ := NewGMF(Config{Users: 4, Items: 12, MaxBatch: 32})
	for _, c := range []struct {
		cfg  TrainConfig
		want string
	}{
		{TrainConfig{Epochs: 0, LR: 0.1, Batch: 8}, "epochs"},
		{TrainConfig{Epochs: 1, LR: 0, Batch: 8}, "learning rate"},
		{TrainConfig{Epochs: 1, LR: 0.1}, "batch"}, // the default 256 exceeds the model's 32
		{TrainConfig{Epochs: 1, LR: 0.1, Batch: 8, Optimizer: "adagrad"}, "optimizer"},
		{TrainConfig{Epochs: 1, LR: 0.1, Batch: 8, Negatives: -2}, "negatives"},
		{TrainConfig{Epochs: 1, LR: 0.1, Batch: 8, L2: -1}, "l2"},
	} {
		if _, err := Train(context.Background(), m, in, allRows(in), c.cfg, nil); err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one about %s", c.cfg, err, c.want)
		}
	}
}

// Training lowers the loss, and the same seeds give the same weights bit
// for bit.
func TestTrainDeterministic(t *testing.T) {
	in := tinyInteractions()
	run := func() ([]EpochStats, Model) {
		m, err := NewNeuMF(Config{Users: 4, Items: 12, Factors: 4, MaxBatch: 8, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		st, err := Train(context.Background(), m, in, allRows(in), TrainConfig{Epochs: 30, Batch: 8, LR: 0.01, Seed: 5}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st, m
	}
	st1, m1 := run()
	st2, m2 := run()
	if !(st1[len(st1)-1].Loss < 0.8*st1[0].Loss) {
		t.Fatalf("loss %v after 30 epochs, %v after 1: not learning", st1[len(st1)-1].Loss, st1[0].Loss)
	}
	for i, tb := range m1.Tables() {
		if !slices.Equal(tb.Data, m2.Tables()[i].Data) {
			t.Fatalf("table %s differs between two runs of the same seeds", tb.Name)
		}
	}
	for i, p := range m1.Params() {
		if !slices.Equal(p.W, m2.Params()[i].W) {
			t.Fatalf("parameter %s differs between two runs of the same seeds", p.Name)
		}
	}
	for e := range st1 {
		if st1[e].Loss != st2[e].Loss {
			t.Fatalf("epoch %d loss %v vs %v", e+1, st1[e].Loss, st2[e].Loss)
		}
	}
}

// lowRankLOO is implicit feedback with a low-rank structure: every user
// rates every item, and the top-rated cells (5 stars, mostly decided by
// ⟨p_u, q_i⟩) are the interactions, split leave-one-out with 99
// negatives. The items a user did not interact with are then ones the user
// rates lower, so a model that recovers the factors ranks the held-out
// item high, and popularity, which only sees the item biases, cannot.
func lowRankLOO(t testing.TB) *Dataset {
	t.Helper()
	m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 3, Users: 300, Items: 200, Rank: 4, Density: 1, Noise: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	in := data.Interactions{NumUsers: m.NumUsers, NumItems: m.NumItems}
	for k, r := range m.Ratings {
		if r == 5 {
			in.Users = append(in.Users, m.Users[k])
			in.Items = append(in.Items, m.Items[k])
			in.Times = append(in.Times, m.Times[k])
		}
	}
	split, err := data.LeaveOneOut(in, 99, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &Dataset{Name: "synthetic", Protocol: LOO, In: in, Train: split.Train, Split: split, K: 10}
}

// On low-rank data, the factorization models rank the held-out item far
// better than popularity.
func TestSyntheticBeatsItemPop(t *testing.T) {
	d := lowRankLOO(t)
	pop, err := d.Evaluate(NewItemPop(d.In, d.Train).Score)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mf", "gmf"} {
		s, _ := DefaultSettings(name)
		s.Epochs, s.LR = 10, 0.01
		f, err := Fit(context.Background(), d, s, 1, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.Evaluate(f.Ranker.Score)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s HR@10 %.3f NDCG@10 %.3f; ItemPop %.3f %.3f", name, rep.Metrics["hr@10"], rep.Metrics["ndcg@10"], pop.Metrics["hr@10"], pop.Metrics["ndcg@10"])
		if !(rep.Metrics["hr@10"] > pop.Metrics["hr@10"]+0.3) {
			t.Errorf("%s HR@10 %.3f, ItemPop %.3f: want a clear margin", name, rep.Metrics["hr@10"], pop.Metrics["hr@10"])
		}
	}
}

// cancelOnForward cancels a context on its model's n-th Forward and counts
// the Forwards after it.
type cancelOnForward struct {
	Model
	n, calls int
	cancel   func()
}

func (c *cancelOnForward) Forward(users, items []int32) []float32 {
	c.calls++
	if c.calls == c.n {
		c.cancel()
	}
	return c.Model.Forward(users, items)
}

// Training stops within a batch of a cancel, mid-epoch, with an error
// wrapping context.Canceled, rather than at the end of the epoch.
func TestTrainStopsMidEpoch(t *testing.T) {
	in := tinyInteractions()
	m, err := NewNeuMF(Config{Users: 4, Items: 12, Factors: 4, MaxBatch: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &cancelOnForward{Model: m, n: 3, cancel: cancel}
	st, err := Train(ctx, c, in, allRows(in), TrainConfig{Epochs: 5, Batch: 2, LR: 0.01, Seed: 5}, nil)
	if !errors.Is(err, context.Canceled) || len(st) != 0 || c.calls != 3 {
		t.Fatalf("%d epochs, %d batches, error %v; want the cancel in the third batch of the first epoch", len(st), c.calls, err)
	}
}
