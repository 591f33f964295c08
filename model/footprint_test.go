package model

import (
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/internal/memlimit"
	"github.com/recforge/recforge/optim"
)

// reachableBytes is the memory of the numeric slices reachable from v,
// each backing array counted once at its capacity: what a model's
// constructor allocated for weights, gradients, statistics and work
// buffers, measured independently of any estimate.
func reachableBytes(v any) float64 {
	seen := map[uintptr]bool{}
	arrays := map[uintptr]float64{}
	var walk func(reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Pointer:
			if x.IsNil() || seen[x.Pointer()] {
				return
			}
			seen[x.Pointer()] = true
			walk(x.Elem())
		case reflect.Interface:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Struct:
			for i := range x.NumField() {
				walk(x.Field(i))
			}
		case reflect.Array:
			for i := range x.Len() {
				walk(x.Index(i))
			}
		case reflect.Map:
			it := x.MapRange()
			for it.Next() {
				walk(it.Value())
			}
		case reflect.Slice:
			if x.IsNil() || x.Cap() == 0 {
				return
			}
			switch x.Type().Elem().Kind() {
			case reflect.Float32, reflect.Float64, reflect.Int32, reflect.Uint32, reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint8:
				p := x.Pointer()
				arrays[p] = max(arrays[p], float64(x.Cap())*float64(x.Type().Elem().Size()))
			default:
				for i := range x.Len() {
					walk(x.Index(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v))
	var n float64
	for _, b := range arrays {
		n += b
	}
	return n
}

// footprintCases are the models under several configurations each, over a
// CTR layout and a behaviour layout.
func footprintCases() []struct {
	name, params string
	seq          bool
} {
	return []struct {
		name, params string
		seq          bool
	}{
		{"lr", ``, false},
		{"fm", ``, false},
		{"fm", `{"embedding_dim": 12}`, false},
		{"deepfm", ``, false},
		{"deepfm", `{"hidden": [64, 32], "batch_norm": true, "dropout": 0.2}`, false},
		{"nfm", ``, false},
		{"nfm", `{"hidden": [32], "batch_norm": true, "dropout_bi": 0.1, "dropout_hidden": 0.3}`, false},
		{"afm", ``, false},
		{"afm", `{"dropout": 0.2, "attention_dim": 7}`, false},
		{"fnn", ``, false},
		{"fnn", `{"pretrain": true, "hidden": [40, 20]}`, false},
		{"widedeep", ``, false},
		{"widedeep", `{"crosses": [["a", "b"], ["c", "d"]], "cross_buckets": 500, "batch_norm": true, "dropout": 0.1}`, false},
		{"dcn", ``, false},
		{"dcn", `{"cross": "v2", "cross_layers": 2, "hidden": [32, 16], "batch_norm": true}`, false},
		{"deepcrossing", ``, false},
		{"deepcrossing", `{"residual_units": 3, "residual_hidden": 20}`, false},
		{"ipnn", ``, false},
		{"ipnn", `{"mode": "full", "hidden": [30, 20], "batch_norm": true, "dropout": 0.1}`, false},
		{"opnn", ``, false},
		{"opnn", `{"mode": "full", "hidden": [16]}`, false},
		{"pnn", ``, false},
		{"seqbase", ``, true},
		{"seqbase", `{"activation": "prelu", "hidden": [30, 10]}`, true},
		{"din", ``, true},
		{"din", `{"attention_activation": "sigmoid", "activation": "relu", "l2_emb": 0.01, "embedding_reg": "mba"}`, true},
		{"dien", ``, true},
		{"dien", `{"variant": "aigru", "gru_hidden": 12, "aux_alpha": 0}`, true},
		{"itempop", ``, false},
		{"mf", ``, false},
		{"mf", `{"factors": 5}`, false},
		{"gmf", ``, false},
		{"mlp", ``, false},
		{"mlp", `{"layers": [12, 7, 3]}`, false},
		{"neumf", ``, false},
		{"neumf", `{"pretrain": false, "factors": 4, "layers": [10, 6]}`, false},
		{"drn", ``, false},
		{"drn", `{"hidden": [20], "activation": "tanh"}`, false},
	}
}

// Every model's estimate is what its constructor allocates: the weights,
// tables and buffers exactly, and all its memory within 1% (the rest is
// a few small slices: random states, pair tables).
func TestFootprintMatchesAllocation(t *testing.T) {
	names := map[string]bool{}
	ctr, seq, pair, rank := tinyLayout(6, 2, 300, 8), seqLayout(400, 30, 12, 6), ratingLayout(300, 200), pairLayout(300, 400)
	check := func(name, params string, l Layout) {
		names[name] = true
		env := Env{Layout: l, MaxBatch: 64, Seed: 1, MemoryLimit: -1}
		est, err := Estimate(name, []byte(params), env)
		if err != nil {
			t.Fatalf("%s %s: %v", name, params, err)
		}
		m, _, err := New(name, []byte(params), env)
		if err != nil {
			t.Fatalf("%s %s: %v", name, params, err)
		}
		var ps, tw, rows, bufs float64
		for _, p := range Params(m) {
			ps += float64(len(p.W))
		}
		for _, tb := range Tables(m) {
			tw += float64(tb.Rows * tb.Dim)
			rows += float64(tb.Rows)
		}
		for _, b := range Buffers(m) {
			bufs += float64(len(b.W))
		}
		if est.Params != ps || est.TableWeights != tw || est.TableRows != rows || est.Buffers != bufs {
			t.Errorf("%s %s: estimated %v params, %v table weights in %v rows, %v buffers; built %v, %v in %v, %v",
				name, params, est.Params, est.TableWeights, est.TableRows, est.Buffers, ps, tw, rows, bufs)
		}
		got := reachableBytes(m)
		want := est.Usage(nil).Total() - est.BatchBytes
		if math.Abs(want-got) > 0.01*got {
			t.Errorf("%s %s: estimated %.0f bytes, the model holds %.0f (%+.1f%%)", name, params, want, got, 100*(want/got-1))
		}
		if pt, ok := m.(Pretrainer); ok {
			if stages, _ := pt.Pretraining(); len(stages) > 0 {
				// The stages live together: NeuMF's GMF and MLP.
				var pre []Model
				for _, s := range stages {
					pre = append(pre, s.Model)
				}
				if est.Pretrain == nil {
					t.Errorf("%s %s: pretrains, and the estimate has no Pretrain", name, params)
				} else if got := reachableBytes(pre); math.Abs(est.Pretrain.Usage(nil).Total()-est.Pretrain.BatchBytes-got) > 0.01*got {
					t.Errorf("%s %s: estimated %.0f bytes for the pretraining model, it holds %.0f", name, params, est.Pretrain.Usage(nil).Total(), got)
				}
			}
		}
	}
	for _, c := range footprintCases() {
		l := ctr
		if c.seq {
			l = seq
		}
		switch info, _ := Lookup(c.name); info.Task {
		case TaskRanking:
			l = rank
		case TaskPolicy:
			l = policyLayout(5, 7)
		}
		check(c.name, c.params, l)
	}
	// The rating models, over a (user, item) layout.
	for _, c := range []struct{ name, params string }{
		{"baseline", ``},
		{"biasedmf", ``},
		{"biasedmf", `{"factors": 7}`},
		{"autorec-i", ``},
		{"autorec-i", `{"layers": [20, 10, 20], "optimizer": "lbfgs"}`},
		{"autorec-u", `{"hidden": 30, "optimizer": "rprop"}`},
	} {
		check(c.name, c.params, pair)
	}
	for _, n := range Names() {
		if !names[n] {
			t.Errorf("model %s has no footprint case", n)
		}
	}
}

// The training estimate adds the optimizer state the rule keeps (Adam two
// copies of every weight, Adagrad one, SGD none), as train.NewOptimizer
// lays it out, the best epoch's copy and, with checkpoints, their
// serialization.
func TestFootprintTraining(t *testing.T) {
	env := Env{Layout: tinyLayout(6, 2, 300, 8), MaxBatch: 64, Seed: 1, MemoryLimit: -1}
	m, _, err := New("deepfm", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	est, err := Estimate("deepfm", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	weights := est.Params + est.TableWeights
	for _, c := range []struct {
		rule  string
		slots float64
	}{{"adam", 2}, {"adagrad", 1}, {"sgd", 0}, {"ftrl", 2}} {
		spec := optim.Spec{Rule: c.rule, LR: 0.01}
		// The state the optimizer really allocates: dense state slices and
		// the tables' rows widened by their state.
		g, err := spec.NewGroup("all")
		if err != nil {
			t.Fatal(err)
		}
		var before float64
		for _, tb := range Tables(m) {
			before += float64(len(tb.Data))
		}
		g.AddParams(Params(m)...)
		var state float64
		for _, tb := range Tables(m) {
			g.AddTable(tb, optim.TableReg{})
			state += float64(len(tb.Data))
		}
		state -= before
		for _, s := range g.State() {
			state += float64(len(s.Data))
		}
		if state != c.slots*weights {
			t.Fatalf("%s: the optimizer holds %v floats, want %v × %v", c.rule, state, c.slots, weights)
		}
		u := est.Usage(&Training{Optimizer: spec})
		if u.State != 4*state {
			t.Errorf("%s: estimated state %v bytes, the optimizer holds %v", c.rule, u.State, 4*state)
		}
		if u.Best != 4*(weights+est.Buffers) || u.Checkpoint != 0 {
			t.Errorf("%s: best copy %v, checkpoint %v", c.rule, u.Best, u.Checkpoint)
		}
		if ck := est.Usage(&Training{Optimizer: spec, Checkpoint: true}); ck.Checkpoint != 2*u.Best+u.State {
			t.Errorf("%s: checkpoint %v, want %v", c.rule, ck.Checkpoint, 2*u.Best+u.State)
		}
		// Tables are re-laid by AddTable: rebuild the model for the next rule.
		if m, _, err = New("deepfm", nil, env); err != nil {
			t.Fatal(err)
		}
	}
	// A part's own default optimizer counts: Wide&Deep's wide part is FTRL
	// (2 copies), its deep part Adagrad (1), whatever the default rule.
	wd, err := Estimate("widedeep", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	var wide, deep float64
	for _, p := range wd.Parts {
		switch p.Name {
		case "wide":
			wide = p.Params + p.TableWeights
		case "deep":
			deep = p.Params + p.TableWeights
		}
	}
	if wide+deep != wd.Params+wd.TableWeights || wide == 0 || deep == 0 {
		t.Fatalf("parts %+v", wd.Parts)
	}
	if got := wd.Usage(&Training{Optimizer: optim.Spec{Rule: "sgd", LR: 0.1}}).State; got != 4*(2*wide+deep) {
		t.Errorf("Wide&Deep state %v bytes, want %v", got, 4*(2*wide+deep))
	}
	if got := wd.Usage(&Training{Optimizer: optim.Spec{Rule: "sgd", LR: 0.1}, Parts: map[string]optim.Spec{"wide": {Rule: "sgd", LR: 0.1}}}).State; got != 4*deep {
		t.Errorf("Wide&Deep state with an SGD wide part %v bytes, want %v", got, 4*deep)
	}
}

// hugeLayout is a CTR layout whose one table has rows rows.
func hugeLayout(rows int) Layout {
	return Layout{
		Rows:   rows + 1,
		Tables: []feature.Table{{Name: "a", Offset: 1, Size: int32(min(rows, math.MaxInt32)), Dim: 16, Fields: []string{"a", "b"}}},
		Slots:  []Slot{{Name: "a", Table: 0, Dim: 16}, {Name: "b", Table: 0, Dim: 16}},
	}
}

// Models too large for the memory limit are refused before anything large
// is allocated, the error stating the estimate and the limit: hidden
// widths of 10⁵, a huge embedding width, a huge vocabulary.
func TestNewRefusesWhatCannotFit(t *testing.T) {
	const limit = 8 << 30
	for _, c := range []struct {
		name, params string
		layout       Layout
		batch        int
		training     *Training
		want         string
	}{
		{"deepfm", `{"hidden": [100000, 100000, 100000]}`, tinyLayout(6, 2, 300, 8), 1024,
			&Training{Optimizer: optim.Spec{Rule: "adam", LR: 1e-3}, Checkpoint: true}, "to train at batch 1024"},
		{"deepfm", `{"hidden": [100000, 100000, 100000]}`, tinyLayout(6, 2, 300, 8), 1024, nil, "to score at batch 1024"},
		{"fm", `{"embedding_dim": 1000000}`, tinyLayout(6, 2, 3000, 8), 256, nil, "to score"},
		{"fm", ``, hugeLayout(2_000_000_000), 256, nil, "to score"},
		{"din", `{"hidden": [100000, 100000]}`, seqLayout(400, 30, 12, 6), 256, nil, "to score"},
		{"deepcrossing", `{"residual_units": 1000000000}`, tinyLayout(6, 2, 300, 8), 256, nil, "to score"},
	} {
		env := Env{Layout: c.layout, MaxBatch: c.batch, Seed: 1, MemoryLimit: limit, Training: c.training}
		est, err := Estimate(c.name, []byte(c.params), env)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, _, err := New(c.name, []byte(c.params), env)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s %s: built (%T), want a refusal", c.name, c.params, m)
		}
		total := est.Usage(c.training).Total()
		for _, want := range []string{"model " + c.name + ": needs an estimated " + memlimit.Format(total), c.want, "more than the 8.0 GiB available (Env.MemoryLimit)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s %s: error %q does not mention %q", c.name, c.params, err, want)
			}
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s %s: refusing allocated %d bytes", c.name, c.params, alloc)
		}
	}
	// hidden [100000]×3 is two 10⁵×10⁵ layers and a bit: 2·10¹⁰ weights,
	// each with a gradient, two Adam moments and a best copy, and the
	// checkpoint's copy of the weights, moments and best copy: 4·2·10¹⁰·9
	// bytes, and 1% of activations (10⁵ wide, at batch 1024).
	est, _ := Estimate("deepfm", []byte(`{"hidden": [100000, 100000, 100000]}`), Env{Layout: tinyLayout(6, 2, 300, 8), MaxBatch: 1024})
	u := est.Usage(&Training{Optimizer: optim.Spec{Rule: "adam", LR: 1e-3}, Checkpoint: true})
	if lo := 4 * 2e10 * 9.0; u.Total() < lo || u.Total() > 1.02*lo {
		t.Errorf("hidden [1e5]×3 estimated at %.4g bytes, want about %.4g", u.Total(), lo)
	}
	// A negative limit checks nothing; a model within the limit is built.
	if _, _, err := New("fm", nil, Env{Layout: tinyLayout(2, 0, 10, 4), MaxBatch: 8, MemoryLimit: limit}); err != nil {
		t.Fatal(err)
	}
}
