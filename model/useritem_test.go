package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
)

// pairLayout is a (user, item) layout of users and items ids, each field
// with one OOV id first, as the ranking preparation builds it.
func pairLayout(users, items int) Layout {
	u := feature.Table{Name: "user", Offset: 1, Size: int32(users + 1), OOV: 1, Dim: 8, Fields: []string{"user"}}
	i := feature.Table{Name: "item", Offset: u.Offset + u.Size, Size: int32(items + 1), OOV: 1, Dim: 8, Fields: []string{"item"}}
	return Layout{
		Rows:   int(i.Offset + i.Size),
		Tables: []feature.Table{u, i},
		Slots: []Slot{{Name: "user", Table: 0, Dim: 8, Source: feature.User},
			{Name: "item", Table: 1, Dim: 8, Source: feature.Item}},
	}
}

// userID and itemID are the layout ids of dense user u and item i.
func userID(l Layout, u int) int32 { return l.Tables[0].Offset + 1 + int32(u) }
func itemID(l Layout, i int) int32 { return l.Tables[1].Offset + 1 + int32(i) }

// pairBatch draws n (user, item, label) rows of known ids.
func pairBatch(l Layout, n int, seed uint64) *Batch {
	rng := nn.NewRand(seed)
	users, items := int(l.Tables[0].Size)-1, int(l.Tables[1].Size)-1
	b := &Batch{N: n, IDs: make([]int32, 2*n), Values: make([]float32, 2*n), Label: make([]float32, n)}
	for k := range n {
		b.IDs[2*k], b.IDs[2*k+1] = userID(l, rng.IntN(users)), itemID(l, rng.IntN(items))
		b.Values[2*k], b.Values[2*k+1] = 1, 1
		b.Label[k] = float32(rng.IntN(2))
	}
	return b
}

// newPair builds model name over l.
func newPair(t testing.TB, name, params string, l Layout, maxBatch int, seed uint64) Model {
	t.Helper()
	m, _, err := New(name, []byte(params), Env{Layout: l, MaxBatch: maxBatch, Seed: seed, MemoryLimit: -1})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// offZero moves m's vectors (the biases) off zero, so that their
// gradients pass through general points.
func offZero(m Model, seed uint64) {
	for _, p := range Params(m) {
		if len(p.Shape) == 1 {
			nn.InitNormal(p.W, 0.3, nn.NewRand(seed))
		}
	}
	if mf, ok := m.(*MF); ok {
		nn.InitNormal(mf.B.Data[1:], 0.5, nn.NewRand(seed+1))
	}
}

// The analytic gradient of the batch log loss with respect to every table
// and parameter matches central finite differences, for the whole model.
func TestRankingGradCheck(t *testing.T) {
	l := pairLayout(5, 7)
	for name, params := range map[string]string{
		"mf":    `{"factors": 3, "init_std": 0.5}`,
		"gmf":   `{"factors": 3, "init_std": 0.5}`,
		"mlp":   `{"layers": [6, 4, 3], "init_std": 0.5}`,
		"neumf": `{"factors": 3, "layers": [6, 4, 3], "init_std": 0.5}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newPair(t, name, params, l, 16, 3)
			offZero(m, 11)
			checkModelGrad(t, m, pairBatch(l, 12, 1), gradOpts{Steps: kinkSteps})
		})
	}
}

// ScoreItems, the fast path of ranking, gives Forward's outputs of the
// same rows up to rounding, across scoring chunks and for an unseen (OOV)
// item too.
func TestScoreItemsMatchesForward(t *testing.T) {
	const items = scoreChunk + 500
	l := pairLayout(3, items)
	for _, name := range []string{"itempop", "mf", "gmf", "mlp", "neumf"} {
		m := newPair(t, name, ``, l, 64, 2)
		offZero(m, 4)
		randomize(m, 0.3, 5)
		if p, ok := m.(*ItemPop); ok {
			nn.InitNormal(p.Logit.W, 1, nn.NewRand(6))
		}
		ids := make([]int32, items+1)
		for i := range items {
			ids[i] = itemID(l, items-1-i) // not in id order
		}
		ids[items] = l.Tables[1].Offset // the OOV id
		user := userID(l, 2)
		scores := make([]float32, len(ids))
		m.(ItemScorer).ScoreItems(user, ids, scores)
		b := &Batch{IDs: make([]int32, 2*64), Values: make([]float32, 2*64)}
		for lo := 0; lo < len(ids); lo += 64 {
			b.N = min(64, len(ids)-lo)
			for k := range b.N {
				b.IDs[2*k], b.IDs[2*k+1] = user, ids[lo+k]
			}
			for k, z := range m.Forward(b) {
				if d := math.Abs(float64(z - scores[lo+k])); d > 1e-5*(1+math.Abs(float64(z))) {
					t.Fatalf("%s: item id %d: ScoreItems %v, Forward %v", name, ids[lo+k], scores[lo+k], z)
				}
			}
		}
	}
}

// GMF's and MLP's logits are the paper's formulas, computed here by hand
// in float64 from the weights.
func TestRankingLogitsByHand(t *testing.T) {
	l := pairLayout(5, 7)
	g := newPair(t, "gmf", `{"factors": 3, "init_std": 0.5}`, l, 16, 7).(*GMF)
	g.Out.B.W[0] = 0.25
	m := newPair(t, "mlp", `{"layers": [6, 4, 3], "init_std": 0.5}`, l, 16, 7).(*MLP)
	offZero(m, 8)
	b := pairBatch(l, 10, 6)
	gz := slices.Clone(g.Forward(b))
	mz := slices.Clone(m.Forward(b))
	for k := range b.N {
		u, i := b.IDs[2*k]-l.Tables[0].Offset, b.IDs[2*k+1]-l.Tables[1].Offset
		want := float64(g.Out.B.W[0])
		for f := range 3 {
			want += float64(g.Out.W.W[f]) * float64(g.part.P.Row(u)[f]) * float64(g.part.Q.Row(i)[f])
		}
		if math.Abs(float64(gz[k])-want) > 1e-5 {
			t.Errorf("GMF row %d: logit %v, by hand %v", k, gz[k], want)
		}
		// MLP: x = [p_u; q_i], two ReLU layers (6→4→3), then h.
		var x []float64
		for _, v := range append(slices.Clone(m.part.P.Row(u)), m.part.Q.Row(i)...) {
			x = append(x, float64(v))
		}
		for _, d := range m.part.Tower.Dense {
			y := make([]float64, d.Out)
			for o := range d.Out {
				s := float64(d.B.W[o])
				for in := range d.In {
					s += x[in] * float64(d.W.W[in*d.Out+o])
				}
				y[o] = math.Max(s, 0)
			}
			x = y
		}
		want = float64(m.Out.B.W[0])
		for o, v := range x {
			want += v * float64(m.Out.W.W[o])
		}
		if math.Abs(float64(mz[k])-want) > 1e-5 {
			t.Errorf("MLP row %d: logit %v, by hand %v", k, mz[k], want)
		}
	}
}

// NeuMF's pretraining: its stages are a GMF and an MLP of its sizes and
// seed (the very models `gmf` and `mlp` build), and once initialized from
// them its logit is α·z_GMF + (1−α)·z_MLP; the stages stay as they were.
func TestNeuMFPretraining(t *testing.T) {
	l := pairLayout(5, 7)
	const params = `{"factors": 3, "layers": [6, 4, 3], "init_std": 0.5, "alpha": %A}`
	b := pairBatch(l, 16, 8)
	for _, alpha := range []string{"0.5", "0.2"} {
		n := newPair(t, "neumf", strings.Replace(params, "%A", alpha, 1), l, 16, 4).(*NeuMF)
		stages, init := n.Pretraining()
		if len(stages) != 2 || stages[0].Name != "gmf" || stages[1].Name != "mlp" {
			t.Fatalf("stages %v", stages)
		}
		g, m := stages[0].Model.(*GMF), stages[1].Model.(*MLP)
		alone := newPair(t, "gmf", `{"factors": 3, "init_std": 0.5}`, l, 16, 4).(*GMF)
		if !slices.Equal(alone.part.P.Data, g.part.P.Data) || !slices.Equal(alone.Out.W.W, g.Out.W.W) {
			t.Error("the GMF stage is not the GMF of the same seed")
		}
		g.Out.B.W[0], m.Out.B.W[0] = 0.4, -0.3
		gz := slices.Clone(g.Forward(b))
		mz := slices.Clone(m.Forward(b))
		if err := init(); err != nil {
			t.Fatal(err)
		}
		nz := n.Forward(b)
		a := map[string]float64{"0.5": 0.5, "0.2": 0.2}[alpha]
		for k := range b.N {
			want := a*float64(gz[k]) + (1-a)*float64(mz[k])
			if math.Abs(float64(nz[k])-want) > 1e-6 {
				t.Errorf("α %v row %d: NeuMF logit %v, want %v·%v + %v·%v = %v", a, k, nz[k], a, gz[k], 1-a, mz[k], want)
			}
		}
		if got := g.Forward(b); !slices.Equal(got, gz) {
			t.Errorf("α %v: initializing the NeuMF changed the GMF stage", a)
		}
	}
	if _, _, err := New("neumf", []byte(`{"alpha": 1.5}`), Env{Layout: l, MaxBatch: 4, MemoryLimit: -1}); err == nil || !strings.Contains(err.Error(), "alpha") {
		t.Errorf("alpha 1.5: %v", err)
	}
	n := newPair(t, "neumf", `{"pretrain": false}`, l, 4, 1).(*NeuMF)
	if stages, _ := n.Pretraining(); stages != nil {
		t.Errorf("pretrain false: stages %v", stages)
	}
	if p := n.Parts()[0]; p.Optimizer != nil {
		t.Errorf("pretrain false: part optimizer %v, want the configuration's", p.Optimizer)
	}
	if p := newPair(t, "neumf", ``, l, 4, 1).Parts()[0]; p.Optimizer == nil || p.Optimizer.Rule != "sgd" || p.Optimizer.LR != 0.001 {
		t.Errorf("pretrained: part optimizer %v, want SGD at 0.001", p.Optimizer)
	}
}

// NeuMF's branches have separate embeddings: changing the GMF tables moves
// the logit by exactly the GMF term and leaves φ_MLP alone.
func TestNeuMFSeparateEmbeddings(t *testing.T) {
	l := pairLayout(5, 7)
	n := newPair(t, "neumf", `{"factors": 3, "layers": [6, 4, 3], "init_std": 0.5}`, l, 16, 5).(*NeuMF)
	b := pairBatch(l, 8, 9)
	f, w := 3, n.mlp.width()
	before := slices.Clone(n.Forward(b))
	tower := slices.Clone(n.mlp.Tower.Forward(n.mlp.x[:b.N*2*n.mlp.dim], b.N))
	nn.InitNormal(n.gmf.P.Data[f:], 1, nn.NewRand(12))
	nn.InitNormal(n.gmf.Q.Data[f:], 1, nn.NewRand(13))
	after := n.Forward(b)
	h := n.Out.W.W
	for k := range b.N {
		u, i := n.users[k], n.items[k]
		var gmfTerm, mlpTerm float64
		for j := range f {
			gmfTerm += float64(h[j]) * float64(n.gmf.P.Row(u)[j]) * float64(n.gmf.Q.Row(i)[j])
		}
		for j := range w {
			mlpTerm += float64(h[f+j]) * float64(tower[k*w+j])
			if got := n.cat[k*(f+w)+f+j]; got != tower[k*w+j] {
				t.Fatalf("row %d: φ_MLP[%d] moved from %v to %v when only the GMF tables changed", k, j, tower[k*w+j], got)
			}
		}
		want := gmfTerm + mlpTerm + float64(n.Out.B.W[0])
		if math.Abs(float64(after[k])-want) > 1e-5 {
			t.Errorf("row %d: logit %v, want GMF term %v + MLP term %v + b (was %v)", k, after[k], gmfTerm, mlpTerm, before[k])
		}
	}
}

// ItemPop's closed-form fit counts each item's positives, whatever the
// pass's batches: σ(logit) is the smoothed share (c+1)/(P+2), items rank
// by count with equal counts tied, and an unseen item counts 0.
func TestItemPopFit(t *testing.T) {
	l := pairLayout(3, 5)
	m := newPair(t, "itempop", ``, l, 4, 1).(*ItemPop)
	// Item 0 three times, item 2 twice, item 4 once and once as a
	// negative, item 1 only as negatives.
	rows := []struct {
		item  int
		label float32
	}{{0, 1}, {2, 1}, {0, 1}, {1, 0}, {4, 1}, {2, 1}, {4, 0}, {0, 1}, {1, 0}}
	passes := 0
	err := m.FitClosedForm(func(yield func(*Batch) bool) {
		passes++
		for lo := 0; lo < len(rows); lo += 4 {
			b := &Batch{IDs: make([]int32, 8), Label: make([]float32, 4)}
			for k, r := range rows[lo:min(lo+4, len(rows))] {
				b.IDs[2*k], b.IDs[2*k+1], b.Label[k] = userID(l, k%3), itemID(l, r.item), r.label
				b.N++
			}
			if !yield(b) {
				return
			}
		}
	})
	if err != nil || passes != 1 {
		t.Fatalf("fit: %v after %d passes", err, passes)
	}
	counts := []float64{3, 0, 2, 0, 1}
	ids := []int32{itemID(l, 0), itemID(l, 1), itemID(l, 2), itemID(l, 3), itemID(l, 4), l.Tables[1].Offset}
	scores := make([]float32, len(ids))
	m.ScoreItems(userID(l, 1), ids, scores)
	for k, s := range scores {
		c := 0.0
		if k < len(counts) {
			c = counts[k]
		}
		if p := 1 / (1 + math.Exp(-float64(s))); math.Abs(p-(c+1)/8) > 1e-6 {
			t.Errorf("item %d: σ(logit) %v, want (%v+1)/(6+2)", k, p, c)
		}
	}
	if !(scores[0] > scores[2] && scores[2] > scores[4] && scores[4] > scores[1]) || scores[1] != scores[3] || scores[3] != scores[5] {
		t.Errorf("scores %v do not rank as the counts %v", scores, counts)
	}
	if len(m.Parts()) != 0 || len(Buffers(m)) != 1 {
		t.Errorf("parts %v, buffers %v: want none and the logits", m.Parts(), Buffers(m))
	}
}

// An unseen user or item (its OOV id) and the padding id read the zero
// padding row: GMF then scores b, MF the item bias.
func TestRankingUnseenIDs(t *testing.T) {
	l := pairLayout(4, 6)
	g := newPair(t, "gmf", ``, l, 4, 1).(*GMF)
	g.Out.B.W[0] = 0.7
	b := &Batch{N: 3, IDs: []int32{l.Tables[0].Offset, itemID(l, 2), userID(l, 1), l.Tables[1].Offset, 0, 0}, Values: make([]float32, 6)}
	for k, z := range g.Forward(b) {
		if z != 0.7 {
			t.Errorf("row %d: GMF logit %v, want b = 0.7", k, z)
		}
	}
	for _, tb := range Tables(g) {
		if !slices.Equal(tb.Row(0), make([]float32, tb.Dim)) {
			t.Errorf("%s: OOV row %v, want zeros", tb.Name, tb.Row(0))
		}
	}
}

// The ranking models refuse any layout but a (user, item) one, and their
// bad options, with errors naming them.
func TestRankingLayoutAndConfigErrors(t *testing.T) {
	noOOV := pairLayout(3, 4)
	noOOV.Tables[1].OOV = 0
	sources := pairLayout(3, 4)
	sources.Slots[1].Source = feature.Context
	for _, name := range []string{"itempop", "mf", "gmf", "mlp", "neumf"} {
		for what, l := range map[string]Layout{"ctr": tinyLayout(3, 0, 10, 4), "no oov": noOOV, "sources": sources} {
			if _, _, err := New(name, nil, Env{Layout: l, MaxBatch: 4, MemoryLimit: -1}); err == nil || !strings.Contains(err.Error(), "(user, item) layout") {
				t.Errorf("%s on the %s layout: %v", name, what, err)
			}
		}
	}
	l := pairLayout(3, 4)
	for _, c := range []struct{ name, params, want string }{
		{"mf", `{"factors": 0}`, "factors"},
		{"gmf", `{"init_std": -1}`, "init_std"},
		{"mlp", `{"layers": [7, 3]}`, "even"},
		{"mlp", `{"layers": [8]}`, "hidden layer"},
		{"neumf", `{"layers": [8, 0]}`, "layers[0] = 0"},
		{"neumf", `{"l2": -1}`, "l2"},
		{"neumf", `{"finetune": {"rule": "sgd", "lr": 0}}`, "finetune"},
		{"itempop", `{"factors": 8}`, "unknown field"},
	} {
		if _, _, err := New(c.name, []byte(c.params), Env{Layout: l, MaxBatch: 4, MemoryLimit: -1}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %v, want one about %q", c.name, c.params, err, c.want)
		}
	}
}
