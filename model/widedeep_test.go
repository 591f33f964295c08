package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// wdCfg is a tiny Wide&Deep configuration over tinyLayout's fields a, b, c
// (categorical) and d (numeric).
func wdCfg() WideDeepConfig {
	return WideDeepConfig{
		Hidden: []int{5, 3}, Crosses: [][]string{{"a", "b"}, {"a", "b", "c"}}, CrossBuckets: 1000, InitStd: 0.01,
	}
}

func TestWideDeepCrossIDDependsOnEveryField(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2) // a: 1..4, b: 5..8, c: 9..12, d: 13
	m, err := NewWideDeep(Env{Layout: l, MaxBatch: 4, Seed: 1}, wdCfg())
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{N: 1, IDs: []int32{2, 6, 10, 13}, Values: []float32{1, 1, 1, 0.5}}
	base := []int32{m.crossID(b, 0, 0), m.crossID(b, 0, 1)}
	for c, id := range base {
		if lo, hi := int32(1+c*1000), int32(1+(c+1)*1000); id < lo || id >= hi {
			t.Fatalf("cross %d id %d outside its range [%d, %d)", c, id, lo, hi)
		}
	}
	// Changing one crossed field changes the cross's id; changing a field
	// outside the cross does not.
	for slot, other := range []int32{3, 7, 11, 13} {
		ids := slices.Clone(b.IDs)
		ids[slot] = other
		vals := slices.Clone(b.Values)
		vals[3] = -1 // the numeric value never enters a cross
		nb := &Batch{N: 1, IDs: ids, Values: vals}
		for c, crossed := range [][]int{{0, 1}, {0, 1, 2}} {
			got := m.crossID(nb, 0, c)
			if in := slices.Contains(crossed, slot); in == (got == base[c]) {
				t.Errorf("cross %d, field %d changed (crossed %v): id %d, was %d", c, slot, in, got, base[c])
			}
		}
	}
	// Any padded crossed field: no cross feature.
	for slot := range 3 {
		ids := slices.Clone(b.IDs)
		ids[slot] = 0
		nb := &Batch{N: 1, IDs: ids, Values: b.Values}
		if got := m.crossID(nb, 0, 1); got != 0 {
			t.Errorf("field %d padded: cross id %d, want 0", slot, got)
		}
	}
}

func TestWideDeepLogitIsWidePlusDeep(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	env := Env{Layout: l, MaxBatch: 8, Seed: 2}
	m, err := NewWideDeep(env, wdCfg())
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 3)
	b := tinyBatch(l, 8, 4)
	b.IDs[0] = 0 // row 0: field a padded, so neither cross fires
	all := slices.Clone(m.Forward(b))
	first := slices.Clone(m.lin.forward(b))

	// Cross contributions by hand from the table.
	cross := make([]float32, b.N)
	for i := range b.N {
		for c := range m.crosses {
			if id := m.crossID(b, i, c); id != 0 {
				cross[i] += m.cross.Row(id)[0]
			}
		}
	}
	if cross[0] != 0 {
		t.Fatalf("padded row has cross contribution %v", cross[0])
	}
	head := slices.Clone(m.head.W)
	clear(m.head.W)
	wide := slices.Clone(m.Forward(b)) // h = 0: the deep part adds nothing
	copy(m.head.W, head)
	clear(m.cross.Data)
	clear(m.lin.w.Data)
	m.lin.bias.W[0] = 0
	deep := m.Forward(b) // wide weights 0: the wide part adds nothing
	for i := range b.N {
		if d := math.Abs(float64(wide[i] - (first[i] + cross[i]))); d > 1e-5 {
			t.Errorf("row %d: wide logit %v, want linear %v + crosses %v", i, wide[i], first[i], cross[i])
		}
		if d := math.Abs(float64(all[i] - (wide[i] + deep[i]))); d > 1e-5 {
			t.Errorf("row %d: logit %v, want wide %v + deep %v", i, all[i], wide[i], deep[i])
		}
	}
}

func TestWideDeepGradient(t *testing.T) {
	for _, c := range []struct {
		name string
		l    Layout
		cfg  func(*WideDeepConfig)
	}{
		{"crosses", tinyLayout(3, 1, 4, 2), func(*WideDeepConfig) {}},
		// Few buckets: distinct crosses share rows, whose gradients add.
		{"collisions", tinyLayout(3, 1, 4, 2), func(c *WideDeepConfig) { c.CrossBuckets = 2 }},
		{"no crosses", tinyLayout(2, 2, 3, 3), func(c *WideDeepConfig) { c.Crosses = nil }},
		{"dropout", tinyLayout(3, 1, 4, 2), func(c *WideDeepConfig) { c.Dropout = 0.3 }},
		{"batch norm and dropout", tinyLayout(3, 1, 4, 2), func(c *WideDeepConfig) { c.Dropout, c.BatchNorm = 0.2, true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := wdCfg()
			c.cfg(&cfg)
			m, err := NewWideDeep(Env{Layout: c.l, MaxBatch: 6, Seed: 4}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, 0.5, 5)
			// Training mode, with the masks fixed across loss evaluations.
			checkModelGrad(t, fixedMasks{m, 3}, tinyBatch(c.l, 6, 6), gradOpts{Steps: kinkSteps})
		})
	}
}

func TestWideDeepDropoutAndBuffers(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	cfg := wdCfg()
	cfg.Dropout, cfg.BatchNorm = 0.5, true
	m, err := NewWideDeep(Env{Layout: l, MaxBatch: 16, Seed: 2}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkReseedReplaysMasks(t, m, tinyBatch(l, 16, 4))
	if bufs := m.Buffers(); len(bufs) != 6 || bufs[0].Name != "widedeep.mlp.bn.0.running_mean" {
		t.Fatalf("buffers %v", bufs)
	}
}

func TestWideDeepParts(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	m, err := NewWideDeep(Env{Layout: l, MaxBatch: 2, Seed: 1}, wdCfg())
	if err != nil {
		t.Fatal(err)
	}
	parts := m.Parts()
	if len(parts) != 2 || parts[0].Name != "wide" || parts[1].Name != "deep" {
		t.Fatalf("parts %v", parts)
	}
	wide, deep := parts[0], parts[1]
	if o := wide.Optimizer; o == nil || o.Rule != "ftrl" || !(o.L1 > 0) || !(o.LR > 0) {
		t.Errorf("wide optimizer %+v, want FTRL with L1", o)
	}
	if o := deep.Optimizer; o == nil || o.Rule != "adagrad" || !(o.LR > 0) {
		t.Errorf("deep optimizer %+v, want AdaGrad", o)
	}
	for _, p := range parts {
		if _, err := p.Optimizer.NewRule(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	tables := func(p Part) []*nn.Table {
		var ts []*nn.Table
		for _, t := range p.Tables {
			ts = append(ts, t.Table)
		}
		return ts
	}
	if ts := tables(wide); !slices.Equal(ts, []*nn.Table{m.lin.w, m.cross}) || !slices.Equal(wide.Params, []*nn.Param{m.lin.bias}) {
		t.Errorf("wide holds %v and %v", ts, wide.Params)
	}
	if ts := tables(deep); !slices.Equal(ts, []*nn.Table{m.stack.table}) || !slices.Contains(deep.Params, m.head) || len(deep.Params) != len(m.tower.params)+1 {
		t.Errorf("deep holds %v and %d params", ts, len(deep.Params))
	}
	// The parts own separate copies of the defaults.
	wide.Optimizer.LR = 99
	if m.Parts()[0].Optimizer.LR == 99 {
		t.Error("Parts hands out its defaults by reference")
	}
}

func TestWideDeepConfigErrors(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	env := Env{Layout: l, MaxBatch: 2, Seed: 1}
	for bad, want := range map[string]string{
		`{"crosses": [["a", "x"]]}`:      `"x" is not an input field`,
		`{"crosses": [["a"]]}`:           "at least two fields",
		`{"crosses": [["a", "d"]]}`:      `"d" is numeric`,
		`{"crosses": [["a", "b", "a"]]}`: `"a" appears twice`,
		`{"cross_buckets": 0}`:           "cross_buckets",
		`{"hidden": []}`:                 "hidden",
		`{"l2_wide": -1}`:                "l2_wide",
		`{"dropout": -0.5}`:              "dropout",
		`{"crosses": [["a", "b"], ["b", "c"]], "cross_buckets": 2000000000}`: "2^31",
	} {
		_, _, err := New("widedeep", []byte(bad), env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", bad, err, want)
		}
	}
	m, _, err := New("widedeep", []byte(`{"crosses": [["a", "b"]]}`), env)
	if err != nil {
		t.Fatal(err)
	}
	if wd := m.(*WideDeep); wd.buckets != 100000 || !slices.Equal(wd.cfg.Hidden, []int{1024, 512, 256}) || len(wd.tower.params) != 6 || wd.tower.tails[0].drop != nil || len(wd.Buffers()) != 0 {
		t.Errorf("defaults: %d buckets, hidden %v", wd.buckets, wd.cfg.Hidden)
	}
	checkSameSeedSameLogits(t, "widedeep", `{"hidden": [5, 3], "crosses": [["a", "b"]], "cross_buckets": 50, "dropout": 0.2}`, l)
}
