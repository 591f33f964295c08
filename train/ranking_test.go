package train

import (
	"context"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
)

// pairEncoders are the encoders of a (user, item) schema over users and
// items dense ids: user u is layout id 2+u, item i is 3+users+i.
func pairEncoders(t *testing.T, users, items int) *feature.Encoders {
	t.Helper()
	s := &feature.Schema{Fields: []feature.Field{
		{Name: "user", Type: feature.Categorical, Source: feature.User},
		{Name: "item", Type: feature.Categorical, Source: feature.Item},
	}}
	vocab := func(n int) *feature.Vocab {
		var toks []string
		for i := range n {
			toks = append(toks, strconv.Itoa(i))
		}
		v, err := feature.NewVocab(toks, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	enc, err := feature.NewEncoders(s, map[string]*feature.Vocab{"user": vocab(users), "item": vocab(items)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// pairIDs maps dense ids to the layout ids of pairEncoders.
func pairIDs(users, items int) PairIDs {
	var ids PairIDs
	for u := range users {
		ids.Users = append(ids.Users, int32(2+u))
	}
	for i := range items {
		ids.Items = append(ids.Items, int32(3+users+i))
	}
	return ids
}

// itemTable scores a row by its item's entry of a table, whoever the user;
// as scorer it has ItemScorer too.
type itemTable struct {
	table  []float32 // by layout id
	out    []float32
	calls  int
	scorer bool
}

func (m *itemTable) Forward(b *model.Batch) []float32 {
	m.calls++
	m.out = m.out[:0]
	for k := range b.N {
		m.out = append(m.out, m.table[b.IDs[2*k+1]])
	}
	return m.out
}
func (m *itemTable) Backward([]float32)  {}
func (m *itemTable) Parts() []model.Part { return nil }
func (m *itemTable) SetTraining(bool)    {}
func (s scoringTable) ScoreItems(_ int32, items []int32, scores []float32) {
	for k, it := range items {
		scores[k] = s.table[it]
	}
}

type scoringTable struct{ *itemTable }

// The evaluators rank through the model's ItemScorer, or through Forward
// in batches when it has none, mapping the log's ids to the layout's, and
// report what the protocols give by hand.
func TestPairEvaluators(t *testing.T) {
	in := data.Interactions{Users: []int32{0, 0, 1, 1}, Items: []int32{0, 2, 1, 4}, NumUsers: 2, NumItems: 6}
	split := data.LOOSplit{Train: []int32{0, 2}, Test: []int32{1, 3}, Negatives: [][]int32{{1, 3, 5}, {0, 2, 3}}}
	byDense := []float32{0.1, 0.2, 0.5, 0.5, 0.8, 0.9}
	ids := pairIDs(2, 6)
	table := make([]float32, 20)
	for i, v := range byDense {
		table[ids.Items[i]] = v
	}
	seen := data.NewUserItems([]int32{0, 0}, []int32{0, 1}, 2)
	test := map[int32][]int32{0: {3, 4}}
	wantLOO, err := leaveOneOut(context.Background(), []ScoreFunc{byItem(byDense)}, in, split, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantFull, err := fullRanking(context.Background(), []ScoreFunc{byItem(byDense)}, 6, seen, test, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	plain := &itemTable{table: table}
	for name, m := range map[string]model.Model{"Forward": plain, "ScoreItems": scoringTable{&itemTable{table: table}}} {
		loo, err := LeaveOneOut{In: in, Split: split, IDs: ids, K: []int{1, 3}, Batch: 2}.Evaluate(context.Background(), m, Binary)
		if err != nil {
			t.Fatal(err)
		}
		full, err := FullRanking{NumItems: 6, Seen: seen, Test: test, IDs: ids, K: []int{2, 4}, Batch: 3}.Evaluate(context.Background(), m, Binary)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]map[string]float64{{loo.Metrics, wantLOO.Metrics}, {full.Metrics, wantFull.Metrics}} {
			if len(c[0]) != len(c[1]) {
				t.Errorf("%s: metrics %v, want %v", name, c[0], c[1])
			}
			for k, v := range c[1] {
				if c[0][k] != v {
					t.Errorf("%s: %s = %v, want %v", name, k, c[0][k], v)
				}
			}
		}
		if loo.Protocol != "loo-3" || full.Protocol != metricFull {
			t.Errorf("%s: protocols %q and %q", name, loo.Protocol, full.Protocol)
		}
	}
	// Two users × 4 candidates in batches of 2, then 4 candidates in
	// batches of 3.
	if plain.calls != 4+2 {
		t.Errorf("%d Forward calls, want 6", plain.calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (LeaveOneOut{In: in, Split: split, IDs: ids, K: []int{1}}).Evaluate(ctx, plain, Binary); err == nil {
		t.Error("a cancelled evaluation succeeded")
	}
}

const metricFull = "full-ranking"

// The ranking metrics are known, better higher, at any cut-off.
func TestHigherIsBetterRanking(t *testing.T) {
	for _, name := range []string{"ndcg@10", "hr@1", "recall@20", "precision@5", "mrr"} {
		if h, ok := HigherIsBetter(name); !h || !ok {
			t.Errorf("%s: higher %v, known %v", name, h, ok)
		}
	}
	for _, name := range []string{"ndcg@", "ndcg@0", "ndcg@x", "ndcg@01", "foo@10", "ndcg"} {
		if _, ok := HigherIsBetter(name); ok {
			t.Errorf("%s: known", name)
		}
	}
	c := DefaultConfig()
	c.EarlyStop.Metric = "ndcg@10"
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

// pairSource serves fixed (user, item, label) rows of layout ids.
type pairSource struct {
	ids    []int32
	labels []float32
	epochs []int
	b      model.Batch
}

func (s *pairSource) Epoch(e int) (int, error) {
	s.epochs = append(s.epochs, e)
	return len(s.labels), nil
}

func (s *pairSource) Batch(idx []int32) *model.Batch {
	s.b = model.Batch{N: len(idx), IDs: s.b.IDs[:0], Values: s.b.Values[:0], Label: s.b.Label[:0]}
	for _, i := range idx {
		s.b.IDs = append(s.b.IDs, s.ids[2*i], s.ids[2*i+1])
		s.b.Values = append(s.b.Values, 1, 1)
		s.b.Label = append(s.b.Label, s.labels[i])
	}
	return &s.b
}

// A model fitted in closed form (ItemPop) is fitted once on every
// example, in order, and validated once: no epochs.
func TestFitClosedFormItemPop(t *testing.T) {
	enc := pairEncoders(t, 3, 4)
	ids := pairIDs(3, 4)
	src := &pairSource{}
	// Item 1 three times, item 2 once; item 3 once as a negative.
	for _, r := range [][3]int{{0, 1, 1}, {1, 1, 1}, {2, 1, 1}, {0, 2, 1}, {1, 3, 0}} {
		src.ids = append(src.ids, ids.Users[r[0]], ids.Items[r[1]])
		src.labels = append(src.labels, float32(r[2]))
	}
	in := data.Interactions{Users: []int32{2, 2}, Items: []int32{1, 0}, NumUsers: 3, NumItems: 4}
	valid := LeaveOneOut{In: in, Split: data.LOOSplit{Test: []int32{0}, Negatives: [][]int32{{2, 3}}}, IDs: ids, K: []int{1}}
	m, _, err := model.New("itempop", nil, model.Env{Layout: model.NewLayout(enc), MaxBatch: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Task, cfg.Batch, cfg.Epochs, cfg.EarlyStop.Metric = Binary, 2, 5, "ndcg@1"
	res, err := Fit(context.Background(), m, src, valid, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != "closed_form" || len(res.Epochs) != 0 || !slices.Equal(src.epochs, []int{1}) {
		t.Fatalf("stop %q, %d epochs, source epochs %v", res.Stop, len(res.Epochs), src.epochs)
	}
	if res.Valid["ndcg@1"] != 1 {
		t.Errorf("validation %v (item 1, the most popular, ranks first)", res.Valid)
	}
	logit := model.Buffers(m)[0].W
	// σ(logit) is (c+1)/(P+2) with P = 4 positives.
	for i, c := range []float64{0, 3, 1, 0} {
		if got := 1 / (1 + math.Exp(-float64(logit[ids.Items[i]-ids.Items[0]+1]))); math.Abs(got-(c+1)/6) > 1e-6 {
			t.Errorf("item %d: σ(logit) %v, want %v", i, got, (c+1)/6)
		}
	}
}

// stagedModel is a model with one pretraining stage, counting the
// stage's training steps.
type stagedModel struct {
	itemTable
	stage *countingModel
	init  int
}

type countingModel struct {
	itemTable
	w *nn.Param
}

func (c *countingModel) Parts() []model.Part {
	return []model.Part{{Name: "all", Params: []*nn.Param{c.w}}}
}

func (s *stagedModel) Pretraining() ([]model.Stage, func() error) {
	return []model.Stage{{Name: "s", Model: s.stage}}, func() error { s.init++; return nil }
}

// Fit trains a Pretrainer's stages first, unless told that the caller did
// (Options.Pretrained), as a protocol runner reusing its models does.
func TestFitPretrained(t *testing.T) {
	ids := pairIDs(2, 2)
	src := &pairSource{ids: []int32{ids.Users[0], ids.Items[0], ids.Users[1], ids.Items[1]}, labels: []float32{1, 0}}
	cfg := DefaultConfig()
	cfg.Task, cfg.Batch, cfg.Epochs = Binary, 2, 1
	for _, pretrained := range []bool{false, true} {
		m := &stagedModel{itemTable: itemTable{table: make([]float32, 10)},
			stage: &countingModel{itemTable: itemTable{table: make([]float32, 10)}, w: nn.NewParam("w", 1)}}
		if _, err := Fit(context.Background(), m, src, nil, cfg, Options{Pretrained: pretrained}); err != nil {
			t.Fatal(err)
		}
		trained, inits := m.stage.calls > 0, m.init
		if trained == pretrained || inits != map[bool]int{false: 1, true: 0}[pretrained] {
			t.Errorf("pretrained %v: stage trained %v, init called %d times", pretrained, trained, inits)
		}
	}
}

func (s *stagedModel) Parts() []model.Part { return s.stage.Parts() }
