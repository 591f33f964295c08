package model

import (
	"testing"
)

// tinyNFM builds a small NFM over l with randomized weights and live
// hidden ReLUs.
func tinyNFM(t *testing.T, l Layout, cfg NFMConfig) *NFM {
	t.Helper()
	cfg.InitStd = 0.01
	m, err := NewNFM(Env{Layout: l, MaxBatch: 16, Seed: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 0.5, 2)
	liveReLUs(m.tower)
	return m
}

func TestNFMWithoutHiddenLayerIsFM(t *testing.T) {
	l := tinyLayout(3, 2, 4, 3)
	env := Env{Layout: l, MaxBatch: 16, Seed: 1}
	fm, err := NewFM(env, FMConfig{InitStd: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	randomize(fm, 0.5, 2)
	nfm, err := NewNFM(env, NFMConfig{InitStd: 0.01}) // no hidden layer, no BatchNorm, no dropout
	if err != nil {
		t.Fatal(err)
	}
	for c, h := range nfm.h.W {
		if h != 1 {
			t.Fatalf("h[%d] = %v: NFM-0 starts at h = 1", c, h)
		}
	}
	if len(Params(nfm)) != 2 { // w0 and h
		t.Fatalf("NFM-0 has parameters %v, want w0 and h", Params(nfm))
	}
	copy(nfm.base.lin.w.Data, fm.base.lin.w.Data)
	copy(nfm.base.v.Data, fm.base.v.Data)
	nfm.base.lin.bias.W[0] = fm.base.lin.bias.W[0]

	b := tinyBatch(l, 16, 3)
	want := forwardCopy(fm, b)
	got := nfm.Forward(b)
	for i := range want {
		if !closeTo(float64(got[i]), float64(want[i]), 1e-5) {
			t.Errorf("row %d: NFM %v, FM %v", i, got[i], want[i])
		}
	}
	// The same holds for the gradients: compare V's.
	dl := make([]float32, b.N)
	for i := range dl {
		dl[i] = float32(i%3) - 1
	}
	zeroGrads(fm)
	zeroGrads(nfm)
	fm.Forward(b)
	fm.Backward(append([]float32(nil), dl...))
	nfm.Forward(b)
	nfm.Backward(dl)
	gf, gn := fm.base.v.DenseGrad(), nfm.base.v.DenseGrad()
	for i := range gf {
		if !closeTo(float64(gn[i]), float64(gf[i]), 1e-5) {
			t.Fatalf("dL/dV[%d]: NFM %v, FM %v", i, gn[i], gf[i])
		}
	}
}

func TestNFMGradient(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	b := tinyBatch(l, 16, 4)
	for _, c := range []struct {
		name     string
		cfg      NFMConfig
		training bool
	}{
		{"NFM-0", NFMConfig{}, true},
		{"plain", NFMConfig{Hidden: []int{5}}, true},
		{"two layers", NFMConfig{Hidden: []int{5, 4}}, true},
		{"defaults training", NFMConfig{Hidden: []int{5}, DropoutBI: 0.5, DropoutHidden: 0.2, BatchNorm: true}, true},
		{"defaults inference", NFMConfig{Hidden: []int{5}, DropoutBI: 0.5, DropoutHidden: 0.2, BatchNorm: true}, false},
		{"batch norm training", NFMConfig{Hidden: []int{5, 4}, BatchNorm: true}, true},
		{"NFM-0 batch norm and dropout", NFMConfig{BatchNorm: true, DropoutBI: 0.3}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tinyNFM(t, l, c.cfg)
			m.SetTraining(c.training)
			checkModelGrad(t, fixedMasks{m, 9}, b, gradOpts{Steps: kinkSteps})
		})
	}
}

func TestNFMDropout(t *testing.T) {
	l := tinyLayout(3, 1, 4, 3)
	for _, cfg := range []NFMConfig{
		{Hidden: []int{5}, DropoutBI: 0.5},
		{Hidden: []int{5}, DropoutHidden: 0.5},
	} {
		checkReseedReplaysMasks(t, tinyNFM(t, l, cfg), tinyBatch(l, 16, 4))
	}
}

func TestNFMConfig(t *testing.T) {
	l := tinyLayout(2, 1, 3, 4)
	env := Env{Layout: l, MaxBatch: 4}
	for _, c := range []struct {
		cfg  NFMConfig
		want string
	}{
		{NFMConfig{Hidden: []int{-1}}, "hidden[0]"},
		{NFMConfig{DropoutBI: 1.5}, "dropout_bi"},
		{NFMConfig{DropoutHidden: -1}, "dropout_hidden"},
		{NFMConfig{L2V: -1}, "l2_v"},
		{NFMConfig{L2W: -1}, "l2_w"},
	} {
		c.cfg.InitStd = 0.01
		_, err := NewNFM(env, c.cfg)
		checkConfigError(t, err, c.want)
	}
	m, _, err := New("nfm", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	n := m.(*NFM)
	if c := n.cfg; len(c.Hidden) != 1 || c.Hidden[0] != 64 || !c.BatchNorm || n.biTail.drop == nil || n.biTail.norm == nil {
		t.Fatalf("defaults %+v", c)
	}
	if len(n.Buffers()) != 6 { // Bi-Interaction and one hidden layer, mean, variance and batch count each
		t.Fatalf("%d buffers", len(n.Buffers()))
	}
}

func TestNFMDeterministic(t *testing.T) {
	checkSameSeedSameLogits(t, "nfm", `{"hidden": [8, 4]}`, tinyLayout(3, 1, 5, 4))
}
