package model

import (
	"testing"
)

// tinyDeepFM builds a small DeepFM over l with randomized weights.
func tinyDeepFM(t *testing.T, l Layout, cfg DeepFMConfig) *DeepFM {
	t.Helper()
	cfg.InitStd = 0.01
	m, err := NewDeepFM(Env{Layout: l, MaxBatch: 16, Seed: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 2)
	return m
}

// liveReLUs sets every hidden bias of t to 1, so that (nearly) every ReLU
// is on and the deep component depends on its input.
func liveReLUs(t *denseTower) {
	for _, d := range t.dense {
		for i := range d.B.W {
			d.B.W[i] = 1
		}
	}
}

func TestDeepFMSharesOneTable(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	m := tinyDeepFM(t, l, DeepFMConfig{Hidden: []int{6, 5}})
	liveReLUs(m.tower)

	// Only w (width 1) and V: the DNN has no table of its own, and the
	// lookup both components read is over V.
	tables := Tables(m)
	if len(tables) != 2 || tables[0] != m.base.lin.w || tables[1] != m.base.v || m.base.emb.Table != m.base.v {
		t.Fatalf("tables %v, want exactly w and V", tables)
	}

	b := tinyBatch(l, 16, 3)
	m.Forward(b)
	fm0 := append([]float32(nil), m.fmOut...)
	dnn0 := append([]float32(nil), m.dnnOut...)
	id := b.IDs[0] // field a of row 0
	if id == 0 {
		t.Fatal("test batch starts with padding; pick another seed")
	}
	row := m.base.v.Row(id)
	for d := range row {
		row[d] += 0.3
	}
	m.Forward(b)
	f := len(l.Slots)
	for i := range b.N {
		uses := false
		for j := range f {
			uses = uses || b.IDs[i*f+j] == id
		}
		fmChanged, dnnChanged := m.fmOut[i] != fm0[i], m.dnnOut[i] != dnn0[i]
		if uses && (!fmChanged || !dnnChanged) {
			t.Errorf("row %d reads row %d of V: FM changed %v, DNN changed %v; want both", i, id, fmChanged, dnnChanged)
		}
		if !uses && (fmChanged || dnnChanged) {
			t.Errorf("row %d does not read row %d of V but changed", i, id)
		}
	}
}

func TestDeepFMGradient(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 16, 4)
	for _, c := range []struct {
		name     string
		cfg      DeepFMConfig
		training bool
	}{
		{"plain", DeepFMConfig{Hidden: []int{6, 5}}, true},
		{"no hidden layer", DeepFMConfig{}, true},
		{"dropout inference", DeepFMConfig{Hidden: []int{6, 5}, Dropout: 0.5}, false},
		{"dropout training", DeepFMConfig{Hidden: []int{6, 5}, Dropout: 0.5}, true},
		{"batch norm training", DeepFMConfig{Hidden: []int{6, 5}, BatchNorm: true}, true},
		{"batch norm inference", DeepFMConfig{Hidden: []int{6, 5}, BatchNorm: true}, false},
		{"batch norm and dropout training", DeepFMConfig{Hidden: []int{6, 5}, BatchNorm: true, Dropout: 0.3}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tinyDeepFM(t, l, c.cfg)
			m.SetTraining(c.training)
			checkModelGrad(t, fixedMasks{m, 9}, b, gradOpts{Steps: kinkSteps})
		})
	}
}

func TestDeepFMDropout(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	m := tinyDeepFM(t, l, DeepFMConfig{Hidden: []int{6, 5}, Dropout: 0.5})
	checkReseedReplaysMasks(t, m, tinyBatch(l, 16, 4))
}

func TestDeepFMConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	for _, c := range []struct {
		cfg  DeepFMConfig
		want string
	}{
		{DeepFMConfig{Hidden: []int{4, 0}}, "hidden[1]"},
		{DeepFMConfig{Dropout: 1}, "dropout"},
		{DeepFMConfig{Dropout: -0.1}, "dropout"},
		{DeepFMConfig{L2Emb: -1}, "l2_emb"},
		{DeepFMConfig{L2W: -1}, "l2_w"},
	} {
		c.cfg.InitStd = 0.01
		_, err := NewDeepFM(env, c.cfg)
		checkConfigError(t, err, c.want)
	}

	m, _, err := New("deepfm", nil, Env{Layout: l, MaxBatch: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := m.(*DeepFM)
	if got := d.cfg; len(got.Hidden) != 3 || got.Hidden[0] != 400 || got.Dropout != 0.5 || got.BatchNorm {
		t.Fatalf("defaults %+v, want the paper's 400-400-400, dropout 0.5, no BatchNorm", got)
	}
	if len(d.Buffers()) != 0 {
		t.Fatalf("%d buffers without batch norm", len(d.Buffers()))
	}
	bn := tinyDeepFM(t, l, DeepFMConfig{Hidden: []int{3, 2}, BatchNorm: true})
	if len(bn.Buffers()) != 6 {
		t.Fatalf("%d buffers, want running mean, variance and batch count of 2 layers", len(bn.Buffers()))
	}
}

func TestDeepFMDeterministic(t *testing.T) {
	checkSameSeedSameLogits(t, "deepfm", `{"hidden": [8, 4], "batch_norm": true}`, tinyLayout(3, 1, 5, 4))
}
