package model

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/nn"
	"github.com/recforge/recforge/optim"
)

// ratingLayout is a (user, item) layout of users and items vocabulary ids,
// each table with one OOV id first: user u is id 2+u, item i id
// 3+users+i; id 1 is the unseen user, 2+users the unseen item.
func ratingLayout(users, items int) Layout {
	return Layout{
		Rows: 1 + (1 + users) + (1 + items),
		Tables: []feature.Table{
			{Name: "user", Offset: 1, Size: int32(1 + users), OOV: 1, Dim: 8, Fields: []string{"user"}},
			{Name: "item", Offset: int32(2 + users), Size: int32(1 + items), OOV: 1, Dim: 8, Fields: []string{"item"}},
		},
		Slots: []Slot{
			{Name: "user", Table: 0, Dim: 8, Source: feature.User},
			{Name: "item", Table: 1, Dim: 8, Source: feature.Item},
		},
	}
}

// rt is a rating by local ids; −1 is an unseen id.
type rt struct {
	u, i int
	v    float32
}

// ratingsBatch encodes rs in l's ids.
func ratingsBatch(l Layout, rs []rt) *Batch {
	b := &Batch{N: len(rs)}
	id := func(t feature.Table, k int) int32 {
		if k < 0 {
			return t.Offset // the OOV id
		}
		return t.Offset + t.OOV + int32(k)
	}
	for _, r := range rs {
		b.IDs = append(b.IDs, id(l.Tables[0], r.u), id(l.Tables[1], r.i))
		b.Values = append(b.Values, 1, 1)
		b.Label = append(b.Label, r.v)
	}
	return b
}

// once yields b.
func once(b *Batch) iter.Seq[*Batch] { return func(yield func(*Batch) bool) { yield(b) } }

// randomRatings draws integer ratings 1..5 over users×items, each cell
// with probability p and every user and item at least once.
func randomRatings(seed uint64, users, items int, p float64) []rt {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rs []rt
	for u := range users {
		for i := range items {
			if u == i%users || i == u%items || rng.Float64() < p {
				rs = append(rs, rt{u, i, float32(1 + rng.IntN(5))})
			}
		}
	}
	return rs
}

// grouped orders rs by vector (item, or user when byUser), as the trainer
// batches a RowGrouper's rows.
func grouped(rs []rt, byUser bool) []rt {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b rt) int {
		if byUser {
			return cmp.Compare(a.u, b.u)
		}
		return cmp.Compare(a.i, b.i)
	})
	return out
}

func newRating(t *testing.T, name, params string, l Layout, maxBatch int) Model {
	t.Helper()
	m, _, err := New(name, []byte(params), Env{Layout: l, MaxBatch: maxBatch, Seed: 3, MemoryLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func near(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > 1e-6 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// tinyRatings: users {0, 1} × items {0, 1} rated (0,0)=5, (0,1)=3,
// (1,0)=4; user 2 and item 2 are in the vocabularies but unrated.
var tinyRatings = []rt{{0, 0, 5}, {0, 1, 3}, {1, 0, 4}}

func TestBaselineOnePassByHand(t *testing.T) {
	// μ = 4, λ_u = λ_i = 1. Items first, from b_u = 0:
	//   b_i0 = ((5−4) + (4−4)) / (1+2) = 1/3,  b_i1 = (3−4) / (1+1) = −1/2;
	// then users, given those:
	//   b_u0 = ((5−4−1/3) + (3−4+1/2)) / (1+2) = 1/18,  b_u1 = (4−4−1/3) / (1+1) = −1/6.
	l := ratingLayout(3, 3)
	m := newRating(t, "baseline", `{"reg_user": 1, "reg_item": 1, "passes": 1}`, l, 8).(*Baseline)
	if err := m.FitClosedForm(once(ratingsBatch(l, tinyRatings))); err != nil {
		t.Fatal(err)
	}
	near(t, "μ", m.stats.mean(), 4)
	near(t, "b_i0", m.bi.W[0], 1.0/3)
	near(t, "b_i1", m.bi.W[1], -0.5)
	near(t, "b_u0", m.bu.W[0], 1.0/18)
	near(t, "b_u1", m.bu.W[1], -1.0/6)
	// Fallbacks: the biases that exist. User 2 and item 2 are known ids
	// without ratings, treated like unseen (OOV) ones.
	out := m.Forward(ratingsBatch(l, []rt{{1, 1, 0}, {-1, 0, 0}, {0, -1, 0}, {2, 2, 0}, {-1, -1, 0}}))
	for k, want := range []float64{4 - 1.0/6 - 0.5, 4 + 1.0/3, 4 + 1.0/18, 4, 4} {
		near(t, fmt.Sprintf("r̂ of row %d", k), out[k], want)
	}
}

// After enough passes the biases satisfy the optimality conditions of the
// regularized least-squares objective: for every item,
// Σ_u (r − μ − b_u − b_i) = λ_i b_i, and likewise for every user.
func TestBaselineConvergesToStationaryPoint(t *testing.T) {
	const users, items, lu, li = 30, 20, 3.0, 7.0
	l := ratingLayout(users, items)
	rs := randomRatings(9, users, items, 0.3)
	m := newRating(t, "baseline", `{"reg_user": 3, "reg_item": 7, "passes": 300}`, l, 8).(*Baseline)
	if err := m.FitClosedForm(once(ratingsBatch(l, rs))); err != nil {
		t.Fatal(err)
	}
	mu, bu, bi := m.stats.mean(), m.bu.W, m.bi.W
	gu, gi := make([]float64, users), make([]float64, items)
	for _, r := range rs {
		e := float64(r.v) - float64(mu) - float64(bu[r.u]) - float64(bi[r.i])
		gu[r.u] += e
		gi[r.i] += e
	}
	for u, g := range gu {
		if d := g - lu*float64(bu[u]); math.Abs(d) > 1e-4 {
			t.Fatalf("user %d: residual sum %v ≠ λ_u b_u = %v", u, g, lu*float64(bu[u]))
		}
	}
	for i, g := range gi {
		if d := g - li*float64(bi[i]); math.Abs(d) > 1e-4 {
			t.Fatalf("item %d: residual sum %v ≠ λ_i b_i = %v", i, g, li*float64(bi[i]))
		}
	}
}

func TestBaselineClipsToTrainingRange(t *testing.T) {
	// A rating of 5 by the top user on the top item with λ ≈ 0 pushes the
	// raw estimate past the range.
	l := ratingLayout(2, 2)
	m := newRating(t, "baseline", `{"reg_user": 1e-9, "reg_item": 1e-9, "passes": 50}`, l, 8).(*Baseline)
	if err := m.FitClosedForm(once(ratingsBatch(l, []rt{{0, 0, 5}, {0, 1, 5}, {1, 0, 2}, {1, 1, 5}}))); err != nil {
		t.Fatal(err)
	}
	if raw := m.stats.mean() + m.bu.W[0] + m.bi.W[1]; !(raw > 5) {
		t.Fatalf("setup: unclipped r̂(0,1) = %v, expected above 5", raw)
	}
	if got := m.Forward(ratingsBatch(l, []rt{{0, 1, 0}}))[0]; got != 5 {
		t.Errorf("r̂(0,1) = %v, want clipped to 5", got)
	}
}

func TestRatingModelsRefuseOtherLayouts(t *testing.T) {
	for _, name := range []string{"baseline", "biasedmf", "autorec-i", "autorec-u"} {
		for _, l := range []Layout{tinyLayout(6, 2, 30, 8), seqLayout(40, 3, 5, 4)} {
			_, _, err := New(name, nil, Env{Layout: l, MaxBatch: 4, MemoryLimit: -1})
			if err == nil || !strings.Contains(err.Error(), "two categorical fields, one of source user and one of source item") {
				t.Errorf("%s on %d slots: %v", name, len(l.Slots), err)
			}
		}
	}
}

func TestRatingConfigErrors(t *testing.T) {
	l := ratingLayout(3, 3)
	for _, c := range []struct{ name, params, want string }{
		{"baseline", `{"reg_user": -1}`, "reg_user"},
		{"baseline", `{"passes": 0}`, "passes"},
		{"biasedmf", `{"factors": 0}`, "factors"},
		{"biasedmf", `{"lr": 0}`, "lr"},
		{"biasedmf", `{"init_std": 0}`, "init_std"},
		{"autorec-i", `{"optimizer": "sgd"}`, `optimizer = "sgd"`},
		{"autorec-i", `{"hidden_act": "gelu"}`, `hidden_act = "gelu"`},
		{"autorec-u", `{"layers": [4, 0]}`, "layers[1]"},
		{"autorec-u", `{"lambda": -1}`, "lambda"},
		{"autorec-i", `{"optimizer": "rprop", "rprop_step": 80}`, "Δ0"},
	} {
		_, _, err := New(c.name, []byte(c.params), Env{Layout: l, MaxBatch: 4, MemoryLimit: -1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want an error mentioning %q", c.name, c.params, err, c.want)
		}
	}
}

// objectiveGradCheck checks m's gradients under its own loss on b.
func objectiveGradCheck(t *testing.T, m Model, b *Batch) {
	t.Helper()
	obj := m.(Objective)
	dl := make([]float32, b.N)
	loss := func() float64 { return obj.Loss(b, m.Forward(b), dl) }
	backward := func() {
		zeroGrads(m)
		obj.Loss(b, m.Forward(b), dl)
		m.Backward(dl)
	}
	var vars []nn.Var
	for _, p := range Params(m) {
		vars = append(vars, nn.ParamVar(p))
	}
	for _, tb := range Tables(m) {
		vars = append(vars, nn.TableVar(tb))
	}
	if err := nn.GradCheck(loss, backward, vars, nn.GradCheckOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestBiasedMFGradCheck(t *testing.T) {
	l := ratingLayout(6, 5)
	rs := randomRatings(4, 6, 5, 0.4)
	m := newRating(t, "biasedmf", `{"factors": 3, "init_std": 0.5}`, l, len(rs))
	if err := m.(DataFitter).FitData(once(ratingsBatch(l, rs))); err != nil {
		t.Fatal(err)
	}
	for _, tb := range Tables(m) {
		nn.InitUniform(tb.Data, 0.5, nn.NewRand(uint64(tb.Rows*tb.Dim)))
	}
	m.SetTraining(true)
	objectiveGradCheck(t, m, ratingsBatch(l, rs))
}

// One rating through the loss, Backward and the part's optimizer is the
// classic SGD update of Funk and Koren, worked out here from the formulas:
// b_u += lr(e − λ_b b_u), p_u += lr(e q_i − λ p_u), both from old values.
func TestBiasedMFStepIsFunkSGD(t *testing.T) {
	l := ratingLayout(2, 2)
	m := newRating(t, "biasedmf", `{"factors": 2, "lr": 0.1, "reg": 0.5, "reg_bias": 0.25}`, l, 1).(*BiasedMF)
	b := ratingsBatch(l, []rt{{1, 0, 5}})
	if err := m.FitData(once(ratingsBatch(l, []rt{{0, 0, 2}, {1, 0, 5}, {1, 1, 2}}))); err != nil {
		t.Fatal(err)
	}
	m.bu.Row(1)[0], m.bi.Row(0)[0] = 0.5, -0.25
	copy(m.p.Row(1), []float32{1, 2})
	copy(m.q.Row(0), []float32{0.5, -1})
	// μ = 3, r̂ = 3 + 0.5 − 0.25 + (0.5 − 2) = 1.75, e = 3.25.
	const lr, lam, lamB, e = 0.1, 0.5, 0.25, 3.25
	want := map[string][]float64{
		"b_u": {0.5 + lr*(e-lamB*0.5)}, "b_i": {-0.25 + lr*(e-lamB*-0.25)},
		"p_u": {1 + lr*(e*0.5-lam*1), 2 + lr*(e*-1-lam*2)},
		"q_i": {0.5 + lr*(e*1-lam*0.5), -1 + lr*(e*2-lam*-1)},
	}
	parts := m.Parts()
	g, err := parts[0].Optimizer.NewGroup("all")
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range parts[0].Tables {
		g.AddTable(pt.Table, pt.Reg)
	}
	opt := optim.New(g)
	m.SetTraining(true)
	dl := make([]float32, 1)
	if l := m.Loss(b, m.Forward(b), dl); math.Abs(l-e*e/2) > 1e-6 {
		t.Errorf("loss %v, want ½e² = %v", l, e*e/2)
	}
	m.Backward(dl)
	opt.Step()
	for name, got := range map[string][]float32{"b_u": m.bu.Row(1), "b_i": m.bi.Row(0), "p_u": m.p.Row(1), "q_i": m.q.Row(0)} {
		for k := range got {
			near(t, fmt.Sprintf("%s[%d]", name, k), got[k], want[name][k])
		}
	}
}

// Inference: an unseen user or item gets μ plus the biases that exist,
// and no factor term; predictions are clipped to the training range.
func TestBiasedMFFallback(t *testing.T) {
	l := ratingLayout(3, 3)
	m := newRating(t, "biasedmf", `{"factors": 2}`, l, 8).(*BiasedMF)
	if err := m.FitData(once(ratingsBatch(l, tinyRatings))); err != nil {
		t.Fatal(err)
	}
	m.bu.Row(0)[0], m.bi.Row(1)[0] = 0.5, -0.25
	copy(m.p.Row(0), []float32{1, 1})
	copy(m.q.Row(1), []float32{0.5, 0.25})
	copy(m.q.Row(2), []float32{9, 9}) // item 2 is unrated: never used
	m.SetTraining(false)
	out := m.Forward(ratingsBatch(l, []rt{{0, 1, 0}, {-1, 1, 0}, {0, -1, 0}, {0, 2, 0}, {2, 2, 0}}))
	for k, want := range []float64{4 + 0.5 - 0.25 + 0.75, 4 - 0.25, 4.5, 4.5, 4} {
		near(t, fmt.Sprintf("r̂ of row %d", k), out[k], want)
	}
	copy(m.p.Row(0), []float32{10, 10})
	if got := m.Forward(ratingsBatch(l, []rt{{0, 1, 0}}))[0]; got != 5 {
		t.Errorf("r̂ = %v, want clipped to the training maximum 5", got)
	}
}

// autoRecCase sets up AutoRec on rs with random biases, as if trained.
func autoRecCase(t *testing.T, name, params string, l Layout, rs []rt, maxBatch int) *AutoRec {
	t.Helper()
	m := newRating(t, name, params, l, maxBatch).(*AutoRec)
	if err := m.FitData(once(ratingsBatch(l, rs))); err != nil {
		t.Fatal(err)
	}
	rng := nn.NewRand(99)
	for _, ly := range m.layers {
		nn.InitUniform(ly.B.W, 0.5, rng)
	}
	for j := range m.layers[len(m.layers)-1].B.W {
		m.layers[len(m.layers)-1].B.W[j] += 3
	}
	return m
}

// autoRecReference reconstructs every vector in float64 straight from the
// rating list and the weights: out[v][c].
func autoRecReference(m *AutoRec, rs []rt) [][]float64 {
	act := func(a nn.Activation, z float64) float64 {
		switch a {
		case nn.ActSigmoid:
			return 1 / (1 + math.Exp(-z))
		case nn.ActTanh:
			return math.Tanh(z)
		case nn.ActReLU:
			return math.Max(z, 0)
		}
		return z
	}
	in := make([][]float64, m.rows)
	for v := range in {
		in[v] = make([]float64, m.cols)
	}
	for _, r := range rs {
		v, c := r.i, r.u
		if m.userBased {
			v, c = r.u, r.i
		}
		in[v][c] = float64(r.v)
	}
	out := make([][]float64, m.rows)
	for v, x := range in {
		for _, l := range m.layers {
			y := make([]float64, l.Out)
			for j := range l.Out {
				z := float64(l.B.W[j])
				for i := range l.In {
					z += x[i] * float64(l.W.W[i*l.Out+j])
				}
				y[j] = act(l.Act, z)
			}
			x = y
		}
		out[v] = x
	}
	return out
}

var autoRecCases = []struct {
	name, params string
}{
	{"autorec-i", `{"hidden": 5, "lambda": 0.3}`},
	{"autorec-u", `{"hidden": 5, "lambda": 0.3}`},
	{"autorec-i", `{"hidden": 4, "lambda": 0.7, "hidden_act": "tanh", "output_act": "relu"}`},
	{"autorec-u", `{"hidden": 4, "lambda": 0.7, "hidden_act": "relu", "output_act": "sigmoid"}`},
	{"autorec-i", `{"layers": [5, 3, 4], "lambda": 0.5}`},
	{"autorec-u", `{"layers": [2, 6], "lambda": 0.5, "hidden_act": "tanh", "output_act": "sigmoid"}`},
}

// The loss of one batch of every vector is the objective computed
// independently: the squared error over the listed ratings only, plus the
// whole penalty.
func TestAutoRecLossMatchesReference(t *testing.T) {
	const users, items = 9, 7
	l := ratingLayout(users, items)
	rs := randomRatings(1, users, items, 0.4)
	for _, c := range autoRecCases {
		m := autoRecCase(t, c.name, c.params, l, rs, max(users, items))
		b := ratingsBatch(l, grouped(rs, m.userBased))
		m.SetTraining(true)
		out := m.Forward(b)
		got := m.Loss(b, out, make([]float32, b.N))
		ref := autoRecReference(m, rs)
		var want, ss float64
		for _, r := range rs {
			v, c := r.i, r.u
			if m.userBased {
				v, c = r.u, r.i
			}
			e := ref[v][c] - float64(r.v)
			want += e * e
		}
		for _, ly := range m.layers {
			for _, w := range ly.W.W {
				ss += float64(w) * float64(w)
			}
		}
		want += m.cfg.Lambda / 2 * ss
		if math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("%s %s: loss %v, reference %v", c.name, c.params, got, want)
		}
	}
}

func TestAutoRecGradCheck(t *testing.T) {
	const users, items = 8, 6
	l := ratingLayout(users, items)
	rs := randomRatings(2, users, items, 0.4)
	for _, c := range autoRecCases {
		t.Run(c.name+c.params, func(t *testing.T) {
			m := autoRecCase(t, c.name, c.params, l, rs, max(users, items))
			m.SetTraining(true)
			objectiveGradCheck(t, m, ratingsBatch(l, grouped(rs, m.userBased)))
		})
	}
}

// A batch of some vectors carries their share of the penalty and its
// gradient: the batches of an epoch sum to the whole objective's gradient.
func TestAutoRecBatchesSumToFullGradient(t *testing.T) {
	const users, items = 10, 9
	l := ratingLayout(users, items)
	rs := grouped(randomRatings(3, users, items, 0.3), false)
	m := autoRecCase(t, "autorec-i", `{"hidden": 6, "lambda": 0.5}`, l, rs, items)
	m.SetTraining(true)
	grads := func(batches ...[]rt) []float32 {
		zeroGrads(m)
		for _, part := range batches {
			b := ratingsBatch(l, part)
			dl := make([]float32, b.N)
			m.Loss(b, m.Forward(b), dl)
			m.Backward(dl)
		}
		var g []float32
		for _, p := range Params(m) {
			g = append(g, p.G...)
		}
		return g
	}
	full := grads(rs)
	var parts [][]rt
	for lo := 0; lo < len(rs); {
		hi := lo
		for hi < len(rs) && rs[hi].i < rs[lo].i+3 { // three items a batch
			hi++
		}
		parts = append(parts, rs[lo:hi])
		lo = hi
	}
	summed := grads(parts...)
	for k := range full {
		if d := math.Abs(float64(full[k] - summed[k])); d > 1e-4*(1+math.Abs(float64(full[k]))) {
			t.Fatalf("gradient %d: one batch %v, %d batches %v", k, full[k], len(parts), summed[k])
		}
	}
}

// Inference predicts the reconstruction of the training vector at the
// other id, clipped to the training range; an unseen (or unrated) user or
// item gets the training mean. The cache of reconstructions is dropped by
// SetTraining.
func TestAutoRecPredictions(t *testing.T) {
	const users, items = 7, 6
	l := ratingLayout(users+1, items+1) // user 7 and item 6 unrated
	rs := randomRatings(5, users, items, 0.5)
	for _, c := range autoRecCases[:2] {
		m := autoRecCase(t, c.name, c.params, l, rs, 4)
		m.SetTraining(false)
		ref := autoRecReference(m, rs)
		var mean float64
		for _, r := range rs {
			mean += float64(r.v) / float64(len(rs))
		}
		var pairs []rt
		for u := -1; u <= users; u++ {
			for i := -1; i <= items; i++ {
				pairs = append(pairs, rt{u, i, 0})
			}
		}
		for lo := 0; lo < len(pairs); lo += 4 {
			part := pairs[lo:min(lo+4, len(pairs))]
			out := m.Forward(ratingsBatch(l, part))
			for k, p := range part {
				want := mean
				if p.u >= 0 && p.u < users && p.i >= 0 && p.i < items {
					if m.userBased {
						want = ref[p.u][p.i]
					} else {
						want = ref[p.i][p.u]
					}
				}
				want = min(max(want, 1), 5)
				if math.Abs(float64(out[k])-want) > 1e-5 {
					t.Errorf("%s: r̂(%d, %d) = %v, want %v", c.name, p.u, p.i, out[k], want)
				}
			}
		}
		// New weights are seen after SetTraining, not before.
		b := ratingsBatch(l, []rt{{0, 0, 0}})
		before := m.Forward(b)[0]
		m.layers[len(m.layers)-1].B.W[0] -= 1
		if got := m.Forward(b)[0]; got != before {
			t.Errorf("%s: the cached reconstruction changed without SetTraining: %v → %v", c.name, before, got)
		}
		m.SetTraining(false)
		if got := m.Forward(b)[0]; got == before {
			t.Errorf("%s: SetTraining did not drop the cached reconstruction", c.name)
		}
	}
}
