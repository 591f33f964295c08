package model

import (
	"math"
	"testing"

	"github.com/recforge/recforge/nn"
)

// fnnCfg is a small FNN configuration with the given activation.
func fnnCfg(act string) FNNConfig {
	return FNNConfig{Hidden: []int{6, 5}, Activation: act, InitStd: 0.01, Pretrain: true}
}

// tinyFNN builds a small FNN over l with randomized weights.
func tinyFNN(t *testing.T, l Layout, cfg FNNConfig) *FNN {
	t.Helper()
	m, err := NewFNN(Env{Layout: l, MaxBatch: 16, Seed: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 2)
	return m
}

// preFM returns m's stage-1 FM and init, failing unless both are there.
func preFM(t *testing.T, m *FNN) (*FM, func() error) {
	t.Helper()
	stages, init := m.Pretraining()
	if len(stages) != 1 || stages[0].Name != "fm" {
		t.Fatalf("Pretraining returned %d stages, want one named fm", len(stages))
	}
	fm, ok := stages[0].Model.(*FM)
	if !ok || init == nil {
		t.Fatalf("Pretraining returned %T and init %v, want an *FM and an init", stages[0].Model, init != nil)
	}
	return fm, init
}

// fnnReference computes m's logit for row i of b in float64 from the
// paper's formula, reading the first-order weights, embeddings and global
// bias from fm rather than from m's own table: z = (w0, x_i·(w_i, v_i)…),
// then the hidden layers and the output unit with m's dense weights.
func fnnReference(m *FNN, fm *FM, b *Batch, i int) float64 {
	f := len(b.IDs) / b.N
	z := []float64{float64(fm.base.lin.bias.W[0])}
	for j := range f {
		id, x := b.IDs[i*f+j], b.Values[i*f+j]
		w := 0.0
		if id != 0 {
			w = float64(x) * float64(fm.base.lin.w.Row(id)[0])
		}
		z = append(z, w)
		z = append(z, rowEmbedding(fm.base.v, id, x)...)
	}
	act := math.Tanh
	if m.cfg.Activation == "relu" {
		act = func(v float64) float64 { return math.Max(v, 0) }
	}
	dense := func(d *nn.Dense, x []float64, g func(float64) float64) []float64 {
		y := make([]float64, d.Out)
		for o := range d.Out {
			s := float64(d.B.W[o])
			for k, v := range x {
				s += v * float64(d.W.W[k*d.Out+o])
			}
			y[o] = g(s)
		}
		return y
	}
	for _, d := range m.tower.dense {
		z = dense(d, z, act)
	}
	return dense(m.out, z, func(v float64) float64 { return v })[0]
}

func TestFNNGradient(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 16, 4)
	with := func(act string, edit func(*FNNConfig)) FNNConfig {
		c := fnnCfg(act)
		edit(&c)
		return c
	}
	for _, c := range []struct {
		name     string
		cfg      FNNConfig
		training bool
	}{
		{"tanh", fnnCfg("tanh"), true},
		{"relu", fnnCfg("relu"), true},
		{"one hidden layer", with("tanh", func(c *FNNConfig) { c.Hidden = []int{4} }), true},
		{"embedding_dim override", with("tanh", func(c *FNNConfig) { c.EmbeddingDim = 2 }), true},
		{"no pretraining", with("tanh", func(c *FNNConfig) { c.Pretrain = false }), true},
		{"dropout inference", with("tanh", func(c *FNNConfig) { c.Dropout = 0.5 }), false},
		{"dropout training", with("tanh", func(c *FNNConfig) { c.Dropout = 0.5 }), true},
		{"relu dropout training", with("relu", func(c *FNNConfig) { c.Dropout = 0.3 }), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tinyFNN(t, l, c.cfg)
			if c.cfg.Activation == "relu" {
				liveReLUs(m.tower)
			}
			m.SetTraining(c.training)
			checkModelGrad(t, fixedMasks{m, 9}, b, gradOpts{Steps: kinkSteps})
		})
	}
}

func TestFNNInitializationComesFromFM(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	for _, act := range []string{"tanh", "relu"} {
		t.Run(act, func(t *testing.T) {
			m := tinyFNN(t, l, fnnCfg(act))
			fm, init := preFM(t, m)
			if fm.base.dim != m.dim || fm.base.v.Rows != l.Rows || fm.base.fields != len(l.Slots) {
				t.Fatalf("FM is %d×%d over %d fields, want %d×%d over %d", fm.base.v.Rows, fm.base.dim, fm.base.fields, l.Rows, m.dim, len(l.Slots))
			}
			// Known random weights in the FM, as a fitted one would hold.
			randomize(fm, 0.7, 31)
			fm.base.lin.bias.W[0] = 0.37

			rowIs := func(r int32) bool {
				z := m.z.Row(r)
				if z[0] != fm.base.lin.w.Row(r)[0] {
					return false
				}
				for d, v := range fm.base.v.Row(r) {
					if z[1+d] != v {
						return false
					}
				}
				return true
			}
			// Not called yet: no row of z holds the FM's weights.
			for r := int32(1); r < int32(l.Rows); r++ {
				if rowIs(r) {
					t.Fatalf("row %d of z equals the FM's before init", r)
				}
			}
			if m.w0.W[0] == 0.37 {
				t.Fatal("w0 already carries the FM's bias")
			}
			b := tinyBatch(l, 16, 8)
			before := forwardCopy(m, b)

			if err := init(); err != nil {
				t.Fatal(err)
			}
			for r := int32(1); r < int32(l.Rows); r++ {
				if !rowIs(r) {
					t.Errorf("row %d of z = %v, want [w_r, v_r] = %v, %v", r, m.z.Row(r), fm.base.lin.w.Row(r), fm.base.v.Row(r))
				}
			}
			for d, v := range m.z.Row(0) {
				if v != 0 {
					t.Errorf("padding row of z[%d] = %v, want 0", d, v)
				}
			}
			if m.w0.W[0] != 0.37 {
				t.Errorf("w0 = %v, want the FM's bias 0.37", m.w0.W[0])
			}
			// The logits are the paper's MLP over (w0, x_i·(w_i, v_i)…)
			// read from the FM.
			after := m.Forward(b)
			for i := range b.N {
				want := fnnReference(m, fm, b, i)
				if !closeTo(float64(after[i]), want, 1e-5) {
					t.Errorf("row %d: logit %v, want %v", i, after[i], want)
				}
			}
			if equalBits(before, after) {
				t.Error("init did not change the logits")
			}
		})
	}
}

func TestFNNPretraining(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	env := Env{Layout: l, MaxBatch: 16, Seed: 5}
	cfg := fnnCfg("tanh")
	cfg.EmbeddingDim, cfg.L2Emb = 2, 0.25
	m, err := NewFNN(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fm, _ := preFM(t, m)
	if fm.base.dim != 2 || fm.cfg.L2W != 0.25 || fm.cfg.L2V != 0.25 || fm.cfg.InitStd != cfg.InitStd {
		t.Fatalf("FM config %+v with k = %d, want k = 2, l2 0.25 and FNN's init_std", fm.cfg, fm.base.dim)
	}
	// Each call builds a fresh FM, the same for the same seed.
	fm2, _ := preFM(t, m)
	if fm2 == fm || !equalBits(fm.base.v.Data, fm2.base.v.Data) {
		t.Fatal("Pretraining did not rebuild the same fresh FM")
	}
	// Its seed comes from Env.Seed: another seed, another FM; and not
	// FNN's own draws (z's v part would then start equal to V).
	other, err := NewFNN(Env{Layout: l, MaxBatch: 16, Seed: 6}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fm3, _ := preFM(t, other)
	if equalBits(fm.base.v.Data, fm3.base.v.Data) {
		t.Fatal("FMs of seeds 5 and 6 start equal")
	}
	if m.z.Row(1)[1] == fm.base.v.Row(1)[0] {
		t.Fatal("the FM reuses FNN's initialization stream")
	}

	cfg.Pretrain = false
	plain, err := NewFNN(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if stages, init := plain.Pretraining(); stages != nil || init != nil {
		t.Fatalf("pretrain false offers %d stages", len(stages))
	}
	// A mismatched FM is an error, not a panic.
	big, err := NewFM(Env{Layout: tinyLayout(3, 1, 5, 3), MaxBatch: 4, Seed: 1}, FMConfig{EmbeddingDim: 2, InitStd: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	checkConfigError(t, m.InitFromFM(big), "FNN initialization")
}

func TestFNNDropout(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	cfg := fnnCfg("tanh")
	cfg.Dropout = 0.5
	checkReseedReplaysMasks(t, tinyFNN(t, l, cfg), tinyBatch(l, 16, 4))
}

func TestFNNDeterministic(t *testing.T) {
	checkSameSeedSameLogits(t, "fnn", `{"hidden": [8, 4], "dropout": 0.5}`, tinyLayout(3, 1, 5, 4))
}

func TestFNNConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	for _, c := range []struct {
		edit func(*FNNConfig)
		env  Env
		want string
	}{
		{func(c *FNNConfig) { c.Hidden = nil }, env, "hidden"},
		{func(c *FNNConfig) { c.Hidden = []int{4, 0} }, env, "hidden[1]"},
		{func(c *FNNConfig) { c.Activation = "sigmoid" }, env, "activation"},
		{func(c *FNNConfig) { c.Activation = "" }, env, "activation"},
		{func(c *FNNConfig) { c.Dropout = 1 }, env, "dropout"},
		{func(c *FNNConfig) { c.Dropout = -0.1 }, env, "dropout"},
		{func(c *FNNConfig) { c.L2Emb = -1 }, env, "l2_emb"},
		{func(c *FNNConfig) { c.EmbeddingDim = -1 }, env, "embedding_dim"},
		{func(c *FNNConfig) { c.InitStd = 0 }, env, "init_std"},
		{func(c *FNNConfig) { c.InitStd = math.Inf(1) }, env, "init_std"},
		{func(*FNNConfig) {}, Env{Layout: l}, "max batch"},
		{func(*FNNConfig) {}, Env{Layout: Layout{Rows: 1}, MaxBatch: 4}, "no field"},
	} {
		cfg := fnnCfg("tanh")
		c.edit(&cfg)
		_, err := NewFNN(c.env, cfg)
		checkConfigError(t, err, c.want)
	}

	m, _, err := New("fnn", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	got := m.(*FNN).cfg
	if len(got.Hidden) != 3 || got.Hidden[0] != 200 || got.Hidden[1] != 300 || got.Hidden[2] != 100 ||
		got.Activation != "tanh" || !got.Pretrain {
		t.Fatalf("defaults %+v, want 200-300-100 tanh with pretraining", got)
	}
	if stages, _ := m.(Pretrainer).Pretraining(); len(stages) == 0 {
		t.Fatal("the registered default does not pretrain")
	}
	// Names are unique (artifacts key weights by name).
	seen := map[string]bool{}
	for _, p := range Params(m) {
		if seen[p.Name] {
			t.Fatalf("parameter name %q twice", p.Name)
		}
		seen[p.Name] = true
	}
	if tb := Tables(m); len(tb) != 1 || tb[0].Dim != 5 || seen[tb[0].Name] {
		t.Fatalf("tables %v, want z alone, width k+1 = 5", tb)
	}
}

func TestFNNStepDoesNotAllocate(t *testing.T) {
	l := tinyLayout(3, 1, 4, 2)
	b := tinyBatch(l, 8, 2)
	cfg := fnnCfg("tanh")
	cfg.Dropout = 0.5
	m, err := NewFNN(Env{Layout: l, MaxBatch: 8, Seed: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(true)
	dout := make([]float32, b.N)
	ps, tb := Params(m), Tables(m)
	step := func() {
		for _, p := range ps {
			p.ZeroGrad()
		}
		tb[0].ZeroGrad()
		copy(dout, m.Forward(b))
		m.Backward(dout)
	}
	step() // sparse gradient rows grow once
	if a := testing.AllocsPerRun(10, step); a != 0 {
		t.Errorf("%v allocations per step", a)
	}
}
