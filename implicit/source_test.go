package implicit

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/synth"
	"github.com/recforge/recforge/train"
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

// offsetIDs maps user u to 100+u and item i to 200+i.
func offsetIDs(users, items int) train.PairIDs {
	var ids train.PairIDs
	for u := range users {
		ids.Users = append(ids.Users, int32(100+u))
	}
	for i := range items {
		ids.Items = append(ids.Items, int32(200+i))
	}
	return ids
}

// epochRows returns epoch e's examples of s as (user, item, label) in
// the source's order, with the log's ids.
func epochRows(t *testing.T, s *Source, e int) [][3]int32 {
	t.Helper()
	n, err := s.Epoch(e)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(n - 1 - i) // any order: the trainer shuffles
	}
	b := s.Batch(idx)
	out := make([][3]int32, n)
	for k, i := range idx {
		out[i] = [3]int32{b.IDs[2*k] - 100, b.IDs[2*k+1] - 200, int32(b.Label[k])}
	}
	return out
}

// Every positive appears once per epoch with 4 negatives of its user, none
// of them a training positive of that user, in the model's ids; negatives
// change from epoch to epoch and repeat exactly for the same seed, an
// epoch depending on its index alone.
func TestSourceNegatives(t *testing.T) {
	in := tinyInteractions()
	rows := allRows(in)
	seen := data.NewUserItems(in.Users, in.Items, in.NumUsers)
	ids := offsetIDs(in.NumUsers, in.NumItems)
	s, err := NewSource(in, rows, 4, 7, ids)
	if err != nil {
		t.Fatal(err)
	}
	var epochs [][][3]int32
	for e := 1; e <= 3; e++ {
		ex := epochRows(t, s, e)
		if len(ex) != 5*len(rows) {
			t.Fatalf("epoch %d: %d examples for %d positives, want 5 per positive", e, len(ex), len(rows))
		}
		pos := map[[2]int32]int{}
		negPerUser := map[int32]int{}
		for _, x := range ex {
			u, it := x[0], x[1]
			switch x[2] {
			case 1:
				pos[[2]int32{u, it}]++
			case 0:
				if seen.Has(u, it) {
					t.Fatalf("epoch %d: negative (%d, %d) is a training positive", e, u, it)
				}
				negPerUser[u]++
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
		epochs = append(epochs, ex)
	}
	if slices.Equal(epochs[0], epochs[1]) || slices.Equal(epochs[1], epochs[2]) {
		t.Fatal("two epochs drew the same examples")
	}
	s2, _ := NewSource(in, rows, 4, 7, ids)
	for e := 3; e >= 1; e-- {
		if got := epochRows(t, s2, e); !slices.Equal(got, epochs[e-1]) {
			t.Fatalf("epoch %d differs between two sources of the same seed", e)
		}
	}
	s3, _ := NewSource(in, rows, 4, 8, ids)
	if slices.Equal(epochRows(t, s3, 1), epochs[0]) {
		t.Fatal("another seed drew the same examples")
	}
}

// Interactions with ids outside their own id space or the model's, a
// user with every item, and bad counts are errors naming them.
func TestSourceErrors(t *testing.T) {
	rows := []int32{0, 1, 2, 3}
	ids := offsetIDs(4, 5)
	for _, c := range []struct {
		in        data.Interactions
		rows      []int32
		negatives int
		want      string
	}{
		{data.Interactions{Users: []int32{0, 1, 7, 2}, Items: []int32{0, 1, 2, 3}, NumUsers: 4, NumItems: 5}, rows, 1, "row 2: user 7 outside [0, 4)"},
		{data.Interactions{Users: []int32{0, 1, 2, 3}, Items: []int32{0, -3, 2, 3}, NumUsers: 4, NumItems: 5}, rows, 1, "row 1: item -3 outside [0, 5)"},
		{data.Interactions{Users: []int32{0, 1, 2, 3}, Items: []int32{0, 1, 2, 9}, NumUsers: 4, NumItems: 10}, rows, 1, "4 users and 10 items, the model's ids 4 and 5"},
		{data.Interactions{Users: []int32{0, 0}, Items: []int32{0, 1}, NumUsers: 1, NumItems: 2}, []int32{0, 1}, 4, "all 2 items"},
		{tinyInteractions(), []int32{50}, 4, "row 50"},
		{tinyInteractions(), rows, 0, "negatives = 0"},
		{tinyInteractions(), nil, 4, "no training rows"},
	} {
		ids := ids
		if c.in.NumItems > 5 {
			ids = offsetIDs(4, 12)
			if c.in.NumItems == 10 {
				ids = offsetIDs(4, 5)
			}
		}
		if _, err := NewSource(c.in, c.rows, c.negatives, 1, ids); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.in, err, c.want)
		}
	}
}

// Training through train.Fit lowers the loss, and the same seed gives the
// same weights and losses bit for bit.
func TestFitDeterministic(t *testing.T) {
	d := &Dataset{Name: "tiny", Protocol: Full, In: tinyInteractions(), Train: allRows(tinyInteractions()), K: 2}
	s := Settings{Model: "neumf", Factors: 4, Epochs: 30, Batch: 8, LR: 0.01}
	run := func() *Fitted {
		f, err := Fit(context.Background(), d, s, 3, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f1, f2 := run(), run()
	e := f1.Result.Epochs
	if !(e[len(e)-1].TrainLoss < 0.8*e[0].TrainLoss) {
		t.Fatalf("loss %v after 30 epochs, %v after 1: not learning", e[len(e)-1].TrainLoss, e[0].TrainLoss)
	}
	for i, tb := range model.Tables(f1.Model) {
		if !slices.Equal(tb.Data, model.Tables(f2.Model)[i].Data) {
			t.Fatalf("table %s differs between two runs of the same seed", tb.Name)
		}
	}
	for i, p := range model.Params(f1.Model) {
		if !slices.Equal(p.W, model.Params(f2.Model)[i].W) {
			t.Fatalf("parameter %s differs between two runs of the same seed", p.Name)
		}
	}
	for i := range e {
		if e[i].TrainLoss != f2.Result.Epochs[i].TrainLoss {
			t.Fatalf("epoch %d loss %v vs %v", i+1, e[i].TrainLoss, f2.Result.Epochs[i].TrainLoss)
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

// evaluate fits s on d with seed 1 and returns its test metrics.
func evaluate(t *testing.T, d *Dataset, s Settings) map[string]float64 {
	t.Helper()
	f, err := Fit(context.Background(), d, s, 1, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Evaluator(f.IDs, f.Batch).Evaluate(context.Background(), f.Model, train.Binary)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Metrics
}

// On low-rank data, the factorization models rank the held-out item far
// better than popularity.
func TestSyntheticBeatsItemPop(t *testing.T) {
	d := lowRankLOO(t)
	pop := evaluate(t, d, Settings{Model: "itempop"})
	for _, name := range []string{"mf", "gmf"} {
		s, _ := DefaultSettings(name)
		s.Epochs, s.LR = 10, 0.01
		rep := evaluate(t, d, s)
		t.Logf("%s HR@10 %.3f NDCG@10 %.3f; ItemPop %.3f %.3f", name, rep["hr@10"], rep["ndcg@10"], pop["hr@10"], pop["ndcg@10"])
		if !(rep["hr@10"] > pop["hr@10"]+0.3) {
			t.Errorf("%s HR@10 %.3f, ItemPop %.3f: want a clear margin", name, rep["hr@10"], pop["hr@10"])
		}
	}
}
